/* dl-plot-private.h — what the files of DlPlot share; nothing outside them includes it.
 *
 *   dl-plot.c           the widget: properties, input, context menu, actions, snapshot
 *   dl-plot-content.c   what it shows: series on their own, runs, markers
 *   dl-plot-entries.c   one entry per curve drawn: following its series, colours, emphasis, its arrays
 *   dl-plot-layout.c    one DlPlotFrame per drawing: text, legend, data range, axes, pixel mapping
 *   dl-plot-decimate.c  M4 decimation by pixel column and the running range/extremes, both cached per
 *                       array and extended as points arrive
 *   dl-plot-band.c      the mean and band of several series
 *   dl-plot-render.c    drawing a frame
 *   dl-plot-lines.c     an entry's lines from its decimated columns
 *   dl-plot-readout.c   the hover read-out's text, and the x a right-click refers to
 *   dl-plot-cursor.c    the read-out from the keyboard: a cursor moved along the x axis
 *   dl-plot-layer.c     the finished runs' lines kept as an image between frames
 *   dl-plot-describe.c  the accessible description: each curve's latest and best values
 *   dl-plot-export.c    PNG, SVG and CSV files of one or several plots
 */
#pragma once

#include "dl-plot.h"
#include "dl-plot-exporter.h"
#include "dl-ticks.h"

G_BEGIN_DECLS

/* Layout, in pixels. */
#define PLOT_PAD            12.0   /* around everything */
#define PLOT_HEADER_GAP     10.0   /* between the header (title, legend) and the data area */
#define PLOT_TICK_GAP        6.0   /* between an axis and its tick labels */
#define PLOT_LABEL_GAP       6.0   /* between tick labels and the axis label */
#define PLOT_LEGEND_SWATCH  18.0
#define PLOT_LEGEND_SPACING 16.0
#define PLOT_LEGEND_ROWS     3     /* at most; the rest is summarised as "+N more" */
#define PLOT_MARKER_RADIUS   3.0
#define PLOT_BEST_RADIUS     5.5
#define PLOT_Y_PADDING       0.05  /* of the y span, above and below the data */
#define PLOT_X_QUANTA       50     /* the x axis ends on a multiple of about 1/50 of its span */
#define PLOT_LINE_WIDTH      2.0
#define PLOT_READOUT_ROWS   12

typedef struct {
  double   x;
  char    *label;
} DlPlotMarker;

/* One pixel column of an array's decimation, in data units (so a change of the y axis keeps it): the
 * first, last, lowest and highest shown value of the points falling in the column (M4). */
typedef struct {
  double   first, last, lo, hi;
  double   px;          /* where the line passes: a lone point's own pixel x, else the column's centre */
  guint    count;       /* shown points; 0: the column is empty */
  gboolean joined;      /* no gap (NaN, or y <= 0 on a log axis) before the column's first point */
} DlPlotColumn;

/* The decimation of one array, kept across draws. It is valid for one x mapping, one axis type and one
 * first index; points appended later are scanned on from where the scan stopped. */
typedef struct {
  guint64       serial;             /* the entry's serial it was built at */
  double        x0, x1, area_x, area_w;
  gboolean      log;
  guint         begin;
  DlPlotColumn *cols;
  int           c0, nc;             /* cols[i] is pixel column c0 + i */
  guint         next;               /* the next point to scan */
  gboolean      gap;                /* a non-shown value since the last shown one */
} DlPlotDecimation;

/* The finite points of one array in [begin, end): range and extremes, extended as points arrive. */
typedef struct {
  gboolean valid;
  guint64  serial;
  guint    begin, next;
  guint    n;                       /* finite points seen */
  double   xmin, xmax, lo, hi, pos; /* pos: the smallest y > 0 (+Inf when none) */
  guint    imin, imax;              /* indices of the first lowest and first highest */
} DlPlotStats;

typedef struct {
  const double *x, *y;
  guint         n;
  guint         begin, end;         /* the points inside the run's x range */
} DlPlotArray;

typedef struct {
  DlPlotDecimation dec;
  DlPlotStats      stats;
} DlPlotLine;

typedef enum {
  DL_PLOT_EMPHASIS_CURRENT,         /* the current run, or the only one: full width, raw band, best labels */
  DL_PLOT_EMPHASIS_NORMAL,          /* several runs and none current */
  DL_PLOT_EMPHASIS_MUTED,           /* several runs, another one current: thinner, paler, below it */
} DlPlotEmphasis;

typedef enum {
  DL_PLOT_LINE_RAW,                 /* the raw values behind a smoothed line */
  DL_PLOT_LINE_MAIN,                /* the line drawn: raw, smoothed, or a mean */
  DL_PLOT_LINE_LOW,                 /* a mean's band */
  DL_PLOT_LINE_HIGH,
  DL_PLOT_N_LINES
} DlPlotLineKind;

/* What an entry's lines were drawn from: a change of any means they must be drawn again. */
typedef struct {
  guint64          serial;
  guint            begin, end;
} DlPlotVersion;

/* One curve drawn: a series added on its own, or a run's curve. */
typedef struct {
  DlPlot          *plot;            /* not a reference: entries live inside the plot */
  DlPlotRun       *run;             /* NULL for a series added on its own */
  guint            curve;
  DlSeries        *series;          /* a plain curve, referenced; NULL for a mean */
  GPtrArray       *members;         /* a mean's series, referenced */
  DlPlotBand       band;
  GArray          *mean_x, *mean_y, *band_lo, *band_hi;   /* double; a mean's, computed */
  gboolean         mean_dirty;
  guint64          serial;          /* bumped when values change other than by appending */
  guint            seen_n;
  double           seen_smoothing;
  DlPlotLine       lines[DL_PLOT_N_LINES];
  DlPlotVersion    previous;        /* as the previous frame drew it */
  guint            unchanged_frames; /* drawn as it is now in this many frames in a row (0: not yet drawn) */
  gboolean         changed;         /* since it was first drawn */
} DlPlotEntry;

/* The leading entries that have not changed for a few frames (the finished runs, below the current one)
 * and the marker lines under them, drawn once and kept as an image between frames: a frame after one
 * appended point then redraws only the run that grew. Valid for one geometry and style. */
typedef struct {
  cairo_surface_t *surface;
  int              width, height, scale;
  graphene_rect_t  area;
  double           x0, x1, y0, y1;
  gboolean         log, dark;
  GdkRGBA          fg;
  guint64          style_serial;
  GArray          *versions;        /* DlPlotVersion of each entry in the image, in order */
} DlPlotLayer;

/* One legend item: a swatch drawn in the curve's style, then its text. */
typedef struct {
  double            x, y, width;
  char             *text;
  GdkRGBA           color;
  DlPlotCurveFlags  flags;
} DlPlotLegendItem;

/* Everything one drawing needs, derived from the size, the text and the data. */
typedef struct {
  PangoLayout    *small;            /* tick labels, legend, markers, read-out */
  PangoLayout    *label;            /* axis labels */
  PangoLayout    *title;
  int             width, height;
  graphene_rect_t area;
  double          x0, x1;           /* data range of the x axis */
  double          y0, y1;           /* of the y axis, in log10 units on a log axis */
  gboolean        log;
  DlTicks         xt, yt, yminor;
  GArray         *legend;           /* DlPlotLegendItem */
  gboolean        has_data;
  int             x_digits;         /* decimals that tell neighbouring pixel columns apart */
} DlPlotFrame;

struct _DlPlot
{
  GtkWidget       parent_instance;

  char           *title;
  char           *x_label;
  char           *y_label;
  gboolean        log_y;
  gboolean        y_percent;
  double          smoothing;

  GPtrArray      *series;           /* DlSeries added on their own, referenced */
  GPtrArray      *runs;             /* DlPlotRun, referenced */
  DlPlotRun      *current_run;      /* one of runs, or NULL */
  GPtrArray      *entries;          /* DlPlotEntry, owned, in drawing order (the current run last) */
  GArray         *markers;          /* DlPlotMarker */
  guint64         style_serial;     /* bumped by whatever changes how entries or markers are drawn */
  DlPlotLayer     layer;

  GdkRGBA         fg;               /* the widget's foreground colour, read from the style at each drawing */
  gboolean        dark;             /* light text, so a dark background */

  gboolean        hovering;
  double          hover_x, hover_y;
  gboolean        cursor_on;        /* the keyboard's cursor is shown (it wins over the pointer's hover) */
  double          cursor_x;         /* the x of the point it is on */

  guint           describe_id;      /* the accessible description's pending update */

  GtkWidget      *context_menu;
  GMenu          *run_section;      /* "Branch from Here", "Go Back to Here", for the x right-clicked */
  DlPlotExporter *exporter;
};

/* dl-plot-entries.c */
DlPlotEntry    *_dl_plot_entry_new          (DlPlot *plot, DlPlotRun *run, guint curve, DlSeries *series);
void            _dl_plot_entry_free         (gpointer entry);
void            _dl_plot_entries_rebuild    (DlPlot *self);
void            _dl_plot_entries_set_smoothing (DlPlot *self, double smoothing);
const char     *_dl_plot_entry_name         (const DlPlotEntry *e);
DlPlotCurveFlags _dl_plot_entry_flags       (const DlPlotEntry *e);
gboolean        _dl_plot_entry_is_smoothed  (const DlPlotEntry *e);
gboolean        _dl_plot_several_runs       (DlPlot *self);
DlPlotEmphasis  _dl_plot_entry_emphasis     (DlPlot *self, const DlPlotEntry *e);
void            _dl_plot_entry_color        (DlPlot *self, const DlPlotEntry *e, GdkRGBA *c);
void            _dl_plot_run_color          (DlPlot *self, DlPlotRun *run, GdkRGBA *c);
/* The colour drawn: runs other than the current one are mixed towards the background (opaque, so no group
 * is needed to draw them). */
void            _dl_plot_entry_drawn_color  (DlPlot *self, const DlPlotEntry *e, DlPlotEmphasis emphasis, GdkRGBA *c);
/* The values of one of the entry's lines (FALSE when it has none: no raw band unless smoothed, no band
 * unless a mean), with the range of indices inside the run's x range. */
gboolean        _dl_plot_entry_array        (DlPlotEntry *e, DlPlotLineKind kind, DlPlotArray *a);
/* The line's stats, brought up to date. */
const DlPlotStats *_dl_plot_entry_stats     (DlPlotEntry *e, DlPlotLineKind kind);
/* The index of the line's point with x nearest to x inside the run's x range, or -1. */
int             _dl_plot_entry_nearest      (DlPlotEntry *e, double x);

/* dl-plot-layout.c */
void            _dl_plot_update_style_colors (DlPlot *self);
void            _dl_plot_background_color   (DlPlot *self, GdkRGBA *c);
void            _dl_plot_frame_init         (DlPlot *self, cairo_t *cr, int width, int height, DlPlotFrame *f);
void            _dl_plot_frame_clear        (DlPlotFrame *f);
void            _dl_plot_text_size          (PangoLayout *layout, const char *text, double *width, double *height);
void            _dl_plot_draw_text          (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y,
                                             double xalign, double yalign);
/* A read-out value: x with the frame's decimals, y in the axis' unit ("97.68 %", "0.1234"). */
void            _dl_plot_format_x           (const DlPlotFrame *f, double x, char *buf, gsize size);
void            _dl_plot_format_y           (DlPlot *self, double y, char *buf, gsize size);

static inline double
_dl_plot_x_to_px (const DlPlotFrame *f, double x)
{
  return f->area.origin.x + (x - f->x0) / (f->x1 - f->x0) * f->area.size.width;
}

static inline double
_dl_plot_px_to_x (const DlPlotFrame *f, double px)
{
  return f->x0 + (px - f->area.origin.x) / f->area.size.width * (f->x1 - f->x0);
}

/* NaN for values the axis cannot show (non-finite, or <= 0 on a log axis). */
double          _dl_plot_y_to_px            (const DlPlotFrame *f, double y);

/* dl-plot-decimate.c */
guint           _dl_plot_lower_bound        (const double *xs, guint n, double x);
guint           _dl_plot_upper_bound        (const double *xs, guint n, double x);
void            _dl_plot_stats_update       (DlPlotStats *s, guint64 serial, const DlPlotArray *a);
/* The columns of a's points, brought up to date for the frame; *c0 is the pixel column of the first. */
const DlPlotColumn *_dl_plot_decimate       (DlPlotDecimation *d, guint64 serial, const DlPlotFrame *f,
                                             const DlPlotArray *a, int *c0, int *nc);
void            _dl_plot_decimation_clear   (DlPlotDecimation *d);

/* dl-plot-band.c: the mean of the members at the x of the one with the most points, and the band. */
void            _dl_plot_band_compute       (DlSeries *const *members, guint n_members, gboolean smoothed,
                                             DlPlotBand band, GArray *x, GArray *mean, GArray *lo,
                                             GArray *hi);

static inline void
_dl_plot_set_source (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

/* Dashes in proportion to the line's width for a dashed curve, none otherwise. */
static inline void
_dl_plot_set_dash (cairo_t *cr, DlPlotCurveFlags flags, double width)
{
  const double dash[] = { 3 * width, 2 * width };

  if (flags & DL_PLOT_CURVE_DASHED)
    cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
  else
    cairo_set_dash (cr, NULL, 0, 0);
}

/* dl-plot-lines.c */
void            _dl_plot_draw_entry_lines   (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, DlPlotEntry *e);

/* dl-plot-render.c: on screen, with the hover and the layer (an export has neither: a vector file must
 * not hold an image). */
void            _dl_plot_render             (DlPlot *self, cairo_t *cr, int width, int height,
                                             gboolean on_screen);
/* The marker lines (when first is 0), then the lines of entries [first, last), then their points and best
 * values, clipped to the data area. */
void            _dl_plot_draw_entries         (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, guint first,
                                             guint last);

/* dl-plot-layer.c: brings the layer up to date for the frame and paints it into cr; returns the number of
 * leading entries it holds (whose lines are not to be drawn again). */
guint           _dl_plot_layer_paint        (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, int scale);
void            _dl_plot_layer_clear        (DlPlotLayer *layer);

/* dl-plot-readout.c */
/* The read-out's Pango markup at pointer position (px, py) of the frame, or NULL; `dots` (may be NULL)
 * receives a DlPlotDot for each point read out. */
typedef struct {
  double  px, py;
  GdkRGBA color;
} DlPlotDot;
char           *_dl_plot_readout            (DlPlot *self, DlPlotFrame *f, double px, double py, GArray *dots);
/* The x of the current run's point nearest to pixel column px (any curve's without a current run). */
gboolean        _dl_plot_point_x_at         (DlPlot *self, const DlPlotFrame *f, double px, double *x);
/* The i-th curve the read-out lists: the current run's first, then the others as drawn. */
DlPlotEntry    *_dl_plot_readout_entry      (DlPlot *self, guint i);

/* dl-plot-cursor.c */
/* Where the read-out is to be shown: the keyboard cursor's point while it is on, else the pointer while it
 * hovers; FALSE when neither. */
gboolean        _dl_plot_cursor_point       (DlPlot *self, const DlPlotFrame *f, double *px, double *py);
/* Moves the cursor ("left", "right", "page-left", "page-right", "home", "end"; the first move turns it on
 * at the latest point) or turns it off ("off"), and says the read-out in the accessible description. */
void            _dl_plot_cursor_move        (DlPlot *self, const char *how);
/* While the cursor is on, its read-out again as the description (the points changed); FALSE when off. */
gboolean        _dl_plot_cursor_refresh     (DlPlot *self);

/* dl-plot-describe.c: the accessible description brought up to date soon (once for many changes). */
void            _dl_plot_describe_queue     (DlPlot *self);
void            _dl_plot_describe_cancel    (DlPlot *self);

/* dl-plot-export.c */
void            _dl_plot_render_for_export  (DlPlot *self, cairo_t *cr, int width, int height);

G_END_DECLS
