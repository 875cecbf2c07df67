/* dl-plot.c — the training dashboard's line plot. */
#include "dl-plot.h"

#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-ticks.h"

/* Layout, in pixels. */
#define PAD            12.0   /* around everything */
#define HEADER_GAP     10.0   /* between the title row and the data area */
#define TICK_GAP        6.0   /* between an axis and its tick labels */
#define LABEL_GAP       6.0   /* between tick labels and the axis label */
#define LEGEND_SWATCH  14.0
#define LEGEND_SPACING 16.0
#define MARKER_RADIUS   3.0
#define Y_PADDING       0.05  /* of the y span, above and below the data */

typedef struct {
  double   x;
  char    *label;
} Marker;

struct _DlPlot
{
  GtkWidget  parent_instance;

  char      *title;
  char      *x_label;
  char      *y_label;
  gboolean   log_y;
  double     smoothing;

  GPtrArray *series;    /* DlSeries, owned */
  GArray    *markers;   /* Marker */

  GdkRGBA    fg;        /* the widget's foreground colour, read from the style at each drawing */
  gboolean   dark;      /* light text, so a dark background */

  gboolean   hovering;
  double     hover_x, hover_y;

  GtkWidget *context_menu;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (DlPlot, dl_plot, GTK_TYPE_WIDGET)

static void
marker_clear (gpointer data)
{
  g_free (((Marker *) data)->label);
}

enum {
  PROP_0,
  PROP_TITLE,
  PROP_X_LABEL,
  PROP_Y_LABEL,
  PROP_LOG_Y,
  PROP_SMOOTHING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------------------------------------
 * Colours
 */

/* GNOME's palette: a darker shade for light backgrounds, a lighter one for dark backgrounds, so every
 * line keeps about the same contrast in both styles. */
typedef struct {
  const char *name;
  guint32     light;
  guint32     dark;
} PaletteEntry;

static const PaletteEntry palette[] = {
  { "blue",   0x1c71d8, 0x62a0ea },
  { "orange", 0xe66100, 0xffa348 },
  { "green",  0x26a269, 0x57e389 },
  { "purple", 0x813d9c, 0xc061cb },
  { "red",    0xc01c28, 0xf66151 },
  { "teal",   0x218787, 0x5bc8af },
  { "yellow", 0xc88800, 0xf6d32d },
  { "gray",   0x77767b, 0xc0bfbc },
};

static void
rgba_from_hex (GdkRGBA *c, guint32 hex)
{
  c->red = ((hex >> 16) & 0xff) / 255.0;
  c->green = ((hex >> 8) & 0xff) / 255.0;
  c->blue = (hex & 0xff) / 255.0;
  c->alpha = 1.0;
}

static void
series_color (DlPlot *self, guint index, GdkRGBA *c)
{
  DlSeries *s = g_ptr_array_index (self->series, index);
  const char *name = dl_series_get_color (s);
  const PaletteEntry *e = &palette[index % G_N_ELEMENTS (palette)];

  for (guint i = 0; name && i < G_N_ELEMENTS (palette); i++)
    if (g_str_equal (name, palette[i].name))
      e = &palette[i];
  rgba_from_hex (c, self->dark ? e->dark : e->light);
}

static void
set_source (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

/* The background the plot is drawn on: exports paint it, markers are ringed with it. */
static void
background_color (DlPlot *self, GdkRGBA *c)
{
  rgba_from_hex (c, self->dark ? 0x242424 : 0xffffff);
}

static void
update_style_colors (DlPlot *self)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  /* Outside a window nothing is inherited and the CSS colour is its initial white: keep the default
   * (light style) colours for a plot drawn or exported on its own. */
  if (!gtk_widget_get_root (GTK_WIDGET (self)))
    return;
  gtk_style_context_get_color (context, &self->fg);
  /* Light text means a dark style. */
  self->dark = 0.2126 * self->fg.red + 0.7152 * self->fg.green + 0.0722 * self->fg.blue > 0.5;
}

/* ------------------------------------------------------------------------------------------------------
 * Layout: one Frame per drawing, everything derived from the size, the text and the data
 */

typedef struct {
  PangoLayout    *small;   /* tick labels, legend, markers, read-out */
  PangoLayout    *label;   /* axis labels */
  PangoLayout    *title;
  graphene_rect_t area;
  double          x0, x1;  /* data range of the x axis */
  double          y0, y1;  /* of the y axis, in log10 units on a log axis */
  gboolean        log;
  DlTicks         xt, yt, yminor;
  double          legend_x, legend_y;
  gboolean        has_data;
} Frame;

static PangoLayout *
make_layout (DlPlot *self, cairo_t *cr, double scale, PangoWeight weight, gboolean tabular)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoContext *widget_context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  PangoFontDescription *font =
    pango_font_description_copy (pango_context_get_font_description (widget_context));
  int size = pango_font_description_get_size (font);

  if (size <= 0)
    size = 11 * PANGO_SCALE;
  if (pango_font_description_get_size_is_absolute (font))
    pango_font_description_set_absolute_size (font, size * scale);
  else
    pango_font_description_set_size (font, (int) (size * scale));
  pango_font_description_set_weight (font, weight);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);

  if (tabular)
    {
      /* Digits of equal width keep tick labels aligned and the read-out from jittering. */
      PangoAttrList *attrs = pango_attr_list_new ();
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  return layout;
}

static void
text_size (PangoLayout *layout, const char *text, double *width, double *height)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  if (width)
    *width = w;
  if (height)
    *height = h;
}

/* Draw text with its box aligned to (x, y): xalign/yalign 0 = left/top, 0.5 = centre, 1 = right/bottom. */
static void
draw_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y, double xalign,
           double yalign)
{
  double w, h;

  text_size (layout, text, &w, &h);
  cairo_move_to (cr, round (x - w * xalign), round (y - h * yalign));
  pango_cairo_show_layout (cr, layout);
}

static gboolean
any_legend (DlPlot *self)
{
  for (guint i = 0; i < self->series->len; i++)
    {
      const char *name = dl_series_get_name (g_ptr_array_index (self->series, i));
      if (name && *name)
        return TRUE;
    }
  return FALSE;
}

static double
legend_width (DlPlot *self, PangoLayout *layout)
{
  double total = 0;

  for (guint i = 0; i < self->series->len; i++)
    {
      const char *name = dl_series_get_name (g_ptr_array_index (self->series, i));
      double w;

      if (!name || !*name)
        continue;
      text_size (layout, name, &w, NULL);
      total += (total > 0 ? LEGEND_SPACING : 0) + LEGEND_SWATCH + 6 + w;
    }
  return total;
}

static gboolean
is_smoothed (DlSeries *s)
{
  return dl_series_get_smooth (s) && dl_series_get_smoothing (s) > 0;
}

/* The data range over all series (and the markers' x), with the empty plot showing 0..1. */
static void
data_range (DlPlot *self, Frame *f, double *ylo, double *yhi, gboolean *data_nonneg)
{
  double xmax = -INFINITY, xmin = INFINITY, lo = INFINITY, hi = -INFINITY, pos = INFINITY;

  for (guint i = 0; i < self->series->len; i++)
    {
      DlSeries *s = g_ptr_array_index (self->series, i);
      double a, b, c, d, e;

      if (!dl_series_get_range (s, &a, &b, &c, &d, &e))
        continue;
      /* Scale to the smoothed line, as TensorBoard ignores outliers: a few wild batches early on would
       * otherwise flatten the whole curve. The raw band is clipped instead. */
      if (is_smoothed (s))
        dl_series_get_smoothed_range (s, &c, &d, &e);
      xmin = MIN (xmin, a);
      xmax = MAX (xmax, b);
      lo = MIN (lo, c);
      hi = MAX (hi, d);
      pos = MIN (pos, e);
      f->has_data = TRUE;
    }
  for (guint i = 0; i < self->markers->len; i++)
    {
      double x = g_array_index (self->markers, Marker, i).x;
      xmin = MIN (xmin, x);
      xmax = MAX (xmax, x);
    }

  /* x runs from 0 (the start of training) to the latest point. */
  f->x0 = MIN (0.0, isfinite (xmin) ? xmin : 0.0);
  f->x1 = isfinite (xmax) ? xmax : 1.0;
  if (f->x1 <= f->x0)
    f->x1 = f->x0 + 1.0;

  *data_nonneg = lo >= 0;
  if (f->log)
    {
      lo = pos;
      if (!isfinite (lo))
        lo = 0.01, hi = 1.0;
    }
  else if (!f->has_data)
    lo = 0.0, hi = 1.0;
  *ylo = lo;
  *yhi = hi;
}

static void
compute_y_axis (DlPlot *self, Frame *f, double lo, double hi, gboolean data_nonneg)
{
  int target = CLAMP ((int) (f->area.size.height / 60), 2, 8);

  dl_ticks_pad_range (&lo, &hi, Y_PADDING, f->log);
  if (f->log)
    {
      dl_ticks_log (lo, hi, target, &f->yt, &f->yminor);
      f->y0 = log10 (lo);
      f->y1 = log10 (hi);
    }
  else
    {
      double step, below, above;

      /* A loss never goes below 0: don't show negative ticks just for the padding. */
      if (data_nonneg && lo < 0)
        lo = 0;
      /* An end less than half a step from a tick moves out to it, so the axis usually starts and ends
       * on a labelled line (a loss axis from 0) while the data keep a little room. */
      dl_ticks_linear (lo, hi, target, &f->yt);
      step = f->yt.step;
      below = floor (lo / step) * step;
      above = ceil (hi / step) * step;
      if (lo - below < step / 2)
        lo = below;
      if (above - hi < step / 2)
        hi = above;
      dl_ticks_linear (lo, hi, target, &f->yt);
      f->y0 = lo;
      f->y1 = hi;
    }
}

static double
y_tick_label_width (Frame *f)
{
  double widest = 0;

  for (int i = 0; i < f->yt.n; i++)
    {
      char buf[64];
      double w;

      dl_ticks_format (&f->yt, f->yt.values[i], buf, sizeof buf);
      text_size (f->small, buf, &w, NULL);
      widest = MAX (widest, w);
    }
  return widest;
}

static void
frame_init (DlPlot *self, cairo_t *cr, int width, int height, Frame *f)
{
  double top = PAD, bottom = PAD, left = PAD, right = PAD;
  double small_h, label_h, title_w = 0, title_h = 0, legend_w, ylo, yhi, widest;
  gboolean nonneg;

  memset (f, 0, sizeof *f);
  f->small = make_layout (self, cr, 0.82, PANGO_WEIGHT_NORMAL, TRUE);
  f->label = make_layout (self, cr, 0.9, PANGO_WEIGHT_NORMAL, FALSE);
  f->title = make_layout (self, cr, 1.0, PANGO_WEIGHT_BOLD, FALSE);
  f->log = self->log_y;
  text_size (f->small, "0123456789", NULL, &small_h);
  text_size (f->label, "Xg", NULL, &label_h);

  /* Header: the title on the left, the legend on the right, or below the title when they don't fit. */
  if (self->title && *self->title)
    text_size (f->title, self->title, &title_w, &title_h);
  legend_w = any_legend (self) ? legend_width (self, f->small) : 0;
  f->legend_x = width - PAD - legend_w;
  f->legend_y = top + MAX (title_h - small_h, 0) / 2;
  if (title_w > 0 && legend_w > 0 && title_w + 2 * LEGEND_SPACING + legend_w > width - 2 * PAD)
    {
      f->legend_x = PAD;
      f->legend_y = top + title_h + 4;
      title_h += 4 + small_h;
    }
  if (title_h > 0 || legend_w > 0)
    top += MAX (title_h, small_h) + HEADER_GAP;

  bottom += small_h + TICK_GAP;
  if (self->x_label && *self->x_label)
    bottom += label_h + LABEL_GAP;

  /* The y ticks depend on the area's height, the left margin on their labels' width. */
  f->area.origin.y = top;
  f->area.size.height = MAX (height - top - bottom, 1);
  data_range (self, f, &ylo, &yhi, &nonneg);
  compute_y_axis (self, f, ylo, yhi, nonneg);

  widest = y_tick_label_width (f);
  left += widest + TICK_GAP;
  if (self->y_label && *self->y_label)
    left += label_h + LABEL_GAP;
  f->area.origin.x = left;
  f->area.size.width = MAX (width - left - right, 1);

  {
    /* Room for the widest x label plus a gap between labels. */
    char buf[64];
    double w;
    DlTicks probe;

    dl_ticks_linear (f->x0, f->x1, 5, &probe);
    dl_ticks_format (&probe, f->x1, buf, sizeof buf);
    text_size (f->small, buf, &w, NULL);
    dl_ticks_linear (f->x0, f->x1, CLAMP ((int) (f->area.size.width / (w + 48)), 2, 10), &f->xt);
  }
}

static void
frame_clear (Frame *f)
{
  g_clear_object (&f->small);
  g_clear_object (&f->label);
  g_clear_object (&f->title);
}

static double
x_to_px (const Frame *f, double x)
{
  return f->area.origin.x + (x - f->x0) / (f->x1 - f->x0) * f->area.size.width;
}

static double
px_to_x (const Frame *f, double px)
{
  return f->x0 + (px - f->area.origin.x) / f->area.size.width * (f->x1 - f->x0);
}

/* NaN for values the axis cannot show (non-finite, or ≤ 0 on a log axis). */
static double
y_to_px (const Frame *f, double y)
{
  double v;

  if (f->log)
    v = y > 0 ? log10 (y) : NAN;
  else
    v = y;
  if (!isfinite (v))
    return NAN;
  return f->area.origin.y + (1 - (v - f->y0) / (f->y1 - f->y0)) * f->area.size.height;
}

/* Snap a 1-pixel line to the pixel grid so it stays crisp. */
static double
crisp (double v)
{
  return floor (v) + 0.5;
}

/* ------------------------------------------------------------------------------------------------------
 * Drawing
 */

static void
draw_grid (DlPlot *self, cairo_t *cr, const Frame *f)
{
  const graphene_rect_t *a = &f->area;

  cairo_set_line_width (cr, 1);

  if (f->yminor.n > 0)
    {
      set_source (cr, &self->fg, 0.045);
      for (int i = 0; i < f->yminor.n; i++)
        {
          double y = crisp (y_to_px (f, f->yminor.values[i]));
          cairo_move_to (cr, a->origin.x, y);
          cairo_line_to (cr, a->origin.x + a->size.width, y);
        }
      cairo_stroke (cr);
    }

  set_source (cr, &self->fg, 0.1);
  for (int i = 0; i < f->yt.n; i++)
    {
      double y = crisp (y_to_px (f, f->yt.values[i]));
      cairo_move_to (cr, a->origin.x, y);
      cairo_line_to (cr, a->origin.x + a->size.width, y);
    }
  for (int i = 0; i < f->xt.n; i++)
    {
      double x = crisp (x_to_px (f, f->xt.values[i]));
      cairo_move_to (cr, x, a->origin.y);
      cairo_line_to (cr, x, a->origin.y + a->size.height);
    }
  cairo_stroke (cr);

  /* The baseline: the x axis at the bottom of the area. */
  set_source (cr, &self->fg, 0.35);
  cairo_move_to (cr, a->origin.x, crisp (a->origin.y + a->size.height));
  cairo_line_to (cr, a->origin.x + a->size.width, crisp (a->origin.y + a->size.height));
  cairo_stroke (cr);
}

static void
draw_axes_text (DlPlot *self, cairo_t *cr, const Frame *f, int width, int height)
{
  const graphene_rect_t *a = &f->area;
  char buf[64];

  set_source (cr, &self->fg, 0.6);
  for (int i = 0; i < f->yt.n; i++)
    {
      dl_ticks_format (&f->yt, f->yt.values[i], buf, sizeof buf);
      draw_text (cr, f->small, buf, a->origin.x - TICK_GAP, y_to_px (f, f->yt.values[i]), 1.0, 0.5);
    }
  for (int i = 0; i < f->xt.n; i++)
    {
      double x = x_to_px (f, f->xt.values[i]), w;

      dl_ticks_format (&f->xt, f->xt.values[i], buf, sizeof buf);
      text_size (f->small, buf, &w, NULL);
      /* Keep the end labels inside the widget. */
      x = CLAMP (x, w / 2 + 2, width - w / 2 - 2);
      draw_text (cr, f->small, buf, x, a->origin.y + a->size.height + TICK_GAP, 0.5, 0.0);
    }

  set_source (cr, &self->fg, 0.75);
  if (self->x_label && *self->x_label)
    draw_text (cr, f->label, self->x_label, a->origin.x + a->size.width / 2, height - PAD, 0.5, 1.0);
  if (self->y_label && *self->y_label)
    {
      cairo_save (cr);
      cairo_translate (cr, PAD, a->origin.y + a->size.height / 2);
      cairo_rotate (cr, -G_PI / 2);
      draw_text (cr, f->label, self->y_label, 0, 0, 0.5, 0.0);
      cairo_restore (cr);
    }

  if (self->title && *self->title)
    {
      set_source (cr, &self->fg, 1.0);
      draw_text (cr, f->title, self->title, PAD, PAD, 0.0, 0.0);
    }
}

static void
draw_legend (DlPlot *self, cairo_t *cr, const Frame *f)
{
  double x = f->legend_x, h;

  text_size (f->small, "Xg", NULL, &h);
  for (guint i = 0; i < self->series->len; i++)
    {
      DlSeries *s = g_ptr_array_index (self->series, i);
      const char *name = dl_series_get_name (s);
      GdkRGBA c;
      double w, cy = f->legend_y + h / 2;

      if (!name || !*name)
        continue;
      series_color (self, i, &c);
      set_source (cr, &c, 1.0);
      cairo_set_line_width (cr, 2.5);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_move_to (cr, x + 1.5, cy);
      cairo_line_to (cr, x + LEGEND_SWATCH - 1.5, cy);
      cairo_stroke (cr);
      if (dl_series_get_markers (s))
        {
          cairo_arc (cr, x + LEGEND_SWATCH / 2, cy, MARKER_RADIUS, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      x += LEGEND_SWATCH + 6;
      set_source (cr, &self->fg, 0.8);
      text_size (f->small, name, &w, NULL);
      draw_text (cr, f->small, name, x, f->legend_y, 0.0, 0.0);
      x += w + LEGEND_SPACING;
    }
}

/* Per pixel column of the data area: the first, lowest, highest and last row of the points falling in it
 * (M4 decimation), so a 100k-point series costs one entry per column and still shows every spike. */
typedef struct {
  double   first, last, top, bottom;   /* rows: top <= bottom */
  double   x;                          /* where the polyline passes: a lone point's own x, else the centre */
  gboolean valid;
  gboolean joined;                     /* continues the previous column's line (no gap in between) */
  gboolean bar;                        /* drawn as a filled bar rather than by the polyline */
  double   link;                       /* first − the previous column's last, when that is the column
                                        * just left of this one and the line is unbroken; else 0 */
} Column;

static guint
lower_bound (const double *xs, guint n, double x)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (xs[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static gboolean
y_shown (const Frame *f, double y)
{
  return isfinite (y) && (!f->log || y > 0);
}

/* The points are sorted by x, so each column is a run of them: scan a run for its raw extremes and convert
 * only those four values to rows. The per-point work is then a comparison or two, which keeps a
 * million-point series to a few milliseconds even on a log axis. */
static Column *
decimate (const Frame *f, const double *xs, const double *ys, guint n, int *first_col, int *n_cols)
{
  int c0 = (int) floor (f->area.origin.x) - 1;
  int nc = (int) ceil (f->area.size.width) + 3;
  Column *cols = g_new0 (Column, nc);
  guint i = lower_bound (xs, n, f->x0), end = MIN (lower_bound (xs, n, f->x1) + 1, n);
  gboolean gap = FALSE;

  /* One point either side of the visible range, so the line runs into the edges. */
  if (i > 0)
    i--;
  while (i < end)
    {
      double px = x_to_px (f, xs[i]), x_next, lo = INFINITY, hi = -INFINITY, first = NAN, last = NAN;
      double first_px = px;
      int col = (int) floor (px);
      Column *c = &cols[CLAMP (col - c0, 0, nc - 1)];
      gboolean joined = TRUE;
      guint j = i, count = 0;

      if (!isfinite (px))
        {
          i++;
          continue;
        }
      x_next = px_to_x (f, col + 1);
      do
        {
          double y = ys[j];

          if (!y_shown (f, y))
            {
              /* A NaN loss, or y <= 0 on a log axis: the line breaks here (before the whole column
               * when the gap falls inside it, to keep things simple). */
              gap = TRUE;
              continue;
            }
          if (gap)
            joined = FALSE, gap = FALSE;
          if (isnan (first))
            first = y, first_px = x_to_px (f, xs[j]);
          last = y;
          count++;
          lo = MIN (lo, y);
          hi = MAX (hi, y);
        }
      while (++j < end && xs[j] < x_next);
      i = j;

      if (isnan (first))
        continue;
      if (!c->valid)
        {
          c->valid = TRUE;
          c->joined = joined;
          c->x = count == 1 ? first_px : col + 0.5;
          c->first = y_to_px (f, first);
          c->top = y_to_px (f, hi);
          c->bottom = y_to_px (f, lo);
        }
      else
        {
          /* Clamped columns at the edges can be hit twice. */
          c->joined = c->joined && joined;
          c->x = col + 0.5;
          c->top = MIN (c->top, y_to_px (f, hi));
          c->bottom = MAX (c->bottom, y_to_px (f, lo));
        }
      c->last = y_to_px (f, last);
    }
  *first_col = c0;
  *n_cols = nc;
  return cols;
}

/* Draw the decimated line. Columns where the line only runs one way are joined by an antialiased
 * polyline; columns hiding a zigzag (dense noise) are filled as pixel-aligned bars covering the column's
 * range and its link to the previous column. Both look the same at that density, but stroking thousands of
 * tall antialiased zigzags costs a hundred times more than filling aligned rectangles. */
static gboolean
reverses (double link, double other)
{
  return link * other < 0 && fabs (other) > 2;
}

static void
stroke_series (cairo_t *cr, const Frame *f, const double *xs, const double *ys, guint n,
               const GdkRGBA *color, double alpha, double width, gboolean band)
{
  int c0, nc, prev = -1;
  gboolean pen = FALSE;
  Column *cols;
  cairo_path_t *bars;

  if (n == 0)
    return;
  cols = decimate (f, xs, ys, n, &c0, &nc);

  /* Only links between neighbouring columns can zigzag; sparse points are joined by the polyline. */
  for (int c = 1; c < nc; c++)
    if (cols[c].valid && cols[c].joined && cols[c - 1].valid)
      cols[c].link = cols[c].first - cols[c - 1].last;

  /* The bars first, as their own path: columns hiding movement inside them, and steep links that reverse
   * a neighbouring link (a zigzag). A `band` (the raw values behind a smoothed line) is noise by nature:
   * every steep link becomes a bar. */
  cairo_new_path (cr);
  for (int c = 0; c < nc; c++)
    {
      Column *col = &cols[c];
      const Column *p = col->joined && prev >= 0 ? &cols[prev] : NULL;
      double link = col->link, before = c > 0 ? cols[c - 1].link : 0, after = c + 1 < nc ? cols[c + 1].link : 0;
      double top, bottom;

      if (!col->valid)
        continue;
      col->bar = col->bottom - col->top > fabs (col->last - col->first) + 1
                 || (fabs (link) > 2 && (band || reverses (link, before) || reverses (link, after)));
      prev = c;
      if (!col->bar)
        continue;
      top = p ? MIN (col->top, p->last) : col->top;
      bottom = p ? MAX (col->bottom, p->last) : col->bottom;
      top = floor (top - width / 2);
      bottom = ceil (bottom + width / 2);
      cairo_rectangle (cr, c0 + c, top, 1, bottom - top);
    }
  bars = cairo_copy_path (cr);
  cairo_new_path (cr);

  /* Then the polyline through the other columns, continuing from a bar's last point. */
  prev = -1;
  for (int c = 0; c < nc; c++)
    {
      Column *col = &cols[c];
      double cx = col->x;

      if (!col->valid)
        continue;
      if (!col->joined || col->bar)
        pen = FALSE;
      if (!col->bar)
        {
          if (pen)
            cairo_line_to (cr, cx, col->first);
          else if (col->joined && prev >= 0)
            {
              cairo_move_to (cr, cols[prev].x, cols[prev].last);
              cairo_line_to (cr, cx, col->first);
            }
          else
            cairo_move_to (cr, cx, col->first);
          if (fabs (col->last - col->first) > 0.25)
            cairo_line_to (cr, cx, col->last);
          pen = TRUE;
        }
      prev = c;
    }

  /* Bars and line overlap where they meet: draw both opaque into a group so a faint line stays even. */
  if (alpha < 1)
    cairo_push_group (cr);
  set_source (cr, color, 1.0);
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);
  cairo_append_path (cr, bars);
  cairo_fill (cr);
  if (alpha < 1)
    {
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, alpha);
    }

  cairo_path_destroy (bars);
  g_free (cols);
}

static void
draw_point (cairo_t *cr, double x, double y, const GdkRGBA *c, const GdkRGBA *ring)
{
  cairo_arc (cr, x, y, MARKER_RADIUS + 1.5, 0, 2 * G_PI);
  set_source (cr, ring, 1.0);
  cairo_fill (cr);
  cairo_arc (cr, x, y, MARKER_RADIUS, 0, 2 * G_PI);
  set_source (cr, c, 1.0);
  cairo_fill (cr);
}

static void
draw_series (DlPlot *self, cairo_t *cr, const Frame *f)
{
  GdkRGBA bg;

  background_color (self, &bg);
  for (guint i = 0; i < self->series->len; i++)
    {
      DlSeries *s = g_ptr_array_index (self->series, i);
      guint n = dl_series_get_n_points (s);
      const double *xs = dl_series_peek_x (s);
      GdkRGBA c;

      if (n == 0)
        continue;
      series_color (self, i, &c);
      if (is_smoothed (s))
        {
          /* TensorBoard's look: the raw values faint behind the smoothed line. */
          stroke_series (cr, f, xs, dl_series_peek_y (s), n, &c, 0.25, 1.0, TRUE);
          stroke_series (cr, f, xs, dl_series_peek_smoothed (s), n, &c, 1.0, 2.0, FALSE);
        }
      else
        stroke_series (cr, f, xs, dl_series_peek_y (s), n, &c, 1.0, 2.0, FALSE);

      /* Point markers only while they stay apart. */
      if (dl_series_get_markers (s) && n <= f->area.size.width / (4 * MARKER_RADIUS))
        for (guint j = 0; j < n; j++)
          {
            double px = x_to_px (f, xs[j]), py = y_to_px (f, dl_series_get_y (s, j));
            if (isfinite (py))
              draw_point (cr, px, py, &c, &bg);
          }
    }
}

/* A pill behind text that sits over the data, so it stays readable. */
static void
draw_label_box (DlPlot *self, cairo_t *cr, double x, double y, double w, double h, double alpha)
{
  GdkRGBA bg;
  double r = 4;

  background_color (self, &bg);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  set_source (cr, &bg, alpha);
  cairo_fill_preserve (cr);
  set_source (cr, &self->fg, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
draw_marker_lines (DlPlot *self, cairo_t *cr, const Frame *f)
{
  const graphene_rect_t *a = &f->area;
  const double dash[] = { 4, 3 };

  cairo_save (cr);
  cairo_set_line_width (cr, 1);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
  set_source (cr, &self->fg, 0.5);
  for (guint i = 0; i < self->markers->len; i++)
    {
      double x = crisp (x_to_px (f, g_array_index (self->markers, Marker, i).x));
      cairo_move_to (cr, x, a->origin.y);
      cairo_line_to (cr, x, a->origin.y + a->size.height);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Labels at the top, right of their line (left when it would leave the area), stacked in rows when
 * neighbours would overlap; drawn over the data so they stay readable. */
static void
draw_marker_labels (DlPlot *self, cairo_t *cr, const Frame *f)
{
  const graphene_rect_t *a = &f->area;
  double row_h, row_end[4] = { -INFINITY, -INFINITY, -INFINITY, -INFINITY };

  text_size (f->small, "Xg", NULL, &row_h);
  for (guint i = 0; i < self->markers->len; i++)
    {
      const Marker *m = &g_array_index (self->markers, Marker, i);
      double x = crisp (x_to_px (f, m->x)), w, lx, ly;
      guint row = 0;

      if (!m->label || !*m->label)
        continue;
      text_size (f->small, m->label, &w, NULL);
      lx = x + 4;
      if (lx + w + 8 > a->origin.x + a->size.width)
        lx = x - 4 - w - 8;
      while (row + 1 < G_N_ELEMENTS (row_end) && lx < row_end[row] + 4)
        row++;
      row_end[row] = lx + w + 8;
      ly = a->origin.y + 4 + row * (row_h + 6);
      draw_label_box (self, cr, lx, ly, w + 8, row_h + 2, 0.9);
      set_source (cr, &self->fg, 0.85);
      draw_text (cr, f->small, m->label, lx + 4, ly + 1, 0.0, 0.0);
    }
}

/* "● name value (raw value) at x": the raw value for smoothed series, the x when the point is not at the
 * header's x (per-epoch points next to per-step ones). */
static void
append_readout_row (GString *text, DlSeries *s, int j, double y, const GdkRGBA *c, double header_x)
{
  g_autofree char *name = g_markup_escape_text (dl_series_get_name (s) ? dl_series_get_name (s) : "", -1);
  char buf[64];

  g_string_append_printf (text, "\n<span foreground=\"#%02x%02x%02x\">●</span> %s ",
                          (int) (c->red * 255), (int) (c->green * 255), (int) (c->blue * 255), name);
  dl_ticks_format_value (y, 6, buf, sizeof buf);
  g_string_append_printf (text, "<b>%s</b>", buf);
  if (is_smoothed (s))
    {
      dl_ticks_format_value (dl_series_get_y (s, j), 6, buf, sizeof buf);
      g_string_append_printf (text, " <span alpha=\"60%%\">(%s %s)</span>", _("raw"), buf);
    }
  if (dl_series_get_x (s, j) != header_x)
    {
      dl_ticks_format_value (dl_series_get_x (s, j), 7, buf, sizeof buf);
      /* TRANSLATORS: in the plot's hover read-out, "at" an x value such as a step */
      g_string_append_printf (text, " <span alpha=\"60%%\">%s %s</span>", _("at"), buf);
    }
}

static void
draw_hover (DlPlot *self, cairo_t *cr, const Frame *f)
{
  const graphene_rect_t *a = &f->area;
  GString *text;
  double hx, w, h, bx, by;
  char buf[64];
  GdkRGBA bg;
  guint shown = 0;
  double header_x = 0;

  if (!self->hovering || !graphene_rect_contains_point (a, &GRAPHENE_POINT_INIT (self->hover_x, self->hover_y)))
    return;
  background_color (self, &bg);

  /* The crosshair. */
  cairo_set_line_width (cr, 1);
  set_source (cr, &self->fg, 0.3);
  cairo_move_to (cr, crisp (self->hover_x), a->origin.y);
  cairo_line_to (cr, crisp (self->hover_x), a->origin.y + a->size.height);
  cairo_move_to (cr, a->origin.x, crisp (self->hover_y));
  cairo_line_to (cr, a->origin.x + a->size.width, crisp (self->hover_y));
  cairo_stroke (cr);

  /* The nearest point of each series: a dot on the line and a row of the read-out. */
  hx = px_to_x (f, self->hover_x);
  text = g_string_new (NULL);
  for (guint i = 0; i < self->series->len; i++)
    {
      DlSeries *s = g_ptr_array_index (self->series, i);
      int j = dl_series_find_nearest (s, hx);
      double y, py;
      GdkRGBA c;

      if (j < 0)
        continue;
      y = is_smoothed (s) ? dl_series_get_smoothed (s, j) : dl_series_get_y (s, j);
      series_color (self, i, &c);
      py = y_to_px (f, y);
      if (isfinite (py))
        draw_point (cr, x_to_px (f, dl_series_get_x (s, j)), py, &c, &bg);

      if (shown++ == 0)
        {
          /* The header: x of the first series' nearest point. */
          g_autofree char *x_label =
            g_markup_escape_text (self->x_label && *self->x_label ? self->x_label : "x", -1);
          header_x = dl_series_get_x (s, j);
          dl_ticks_format_value (header_x, 7, buf, sizeof buf);
          g_string_append_printf (text, "<b>%s %s</b>", x_label, buf);
        }
      append_readout_row (text, s, j, y, &c, header_x);
    }

  if (shown > 0)
    {
      int pw, ph;

      pango_layout_set_markup (f->small, text->str, -1);
      pango_layout_get_pixel_size (f->small, &pw, &ph);
      w = pw + 16;
      h = ph + 10;
      /* Right of and below the pointer, flipped when it would leave the area. */
      bx = self->hover_x + 12;
      if (bx + w > a->origin.x + a->size.width)
        bx = self->hover_x - 12 - w;
      by = CLAMP (self->hover_y + 12, a->origin.y, MAX (a->origin.y, a->origin.y + a->size.height - h));
      draw_label_box (self, cr, round (bx), round (by), w, h, 0.95);
      set_source (cr, &self->fg, 0.9);
      cairo_move_to (cr, round (bx) + 8, round (by) + 5);
      pango_cairo_show_layout (cr, f->small);
    }
  g_string_free (text, TRUE);
}

static void
draw_empty (DlPlot *self, cairo_t *cr, const Frame *f)
{
  set_source (cr, &self->fg, 0.45);
  draw_text (cr, f->label, _("No data yet"), f->area.origin.x + f->area.size.width / 2,
             f->area.origin.y + f->area.size.height / 2, 0.5, 0.5);
}

static void
render (DlPlot *self, cairo_t *cr, int width, int height, gboolean with_hover)
{
  const graphene_rect_t *a;
  Frame f;

  frame_init (self, cr, width, height, &f);
  a = &f.area;

  cairo_save (cr);
  draw_grid (self, cr, &f);
  draw_axes_text (self, cr, &f, width, height);
  draw_legend (self, cr, &f);

  /* The data, clipped to the area; widened sideways so the points at x = 0 and at the latest x stay whole
   * (the y padding keeps them clear of the top and bottom). */
  cairo_save (cr);
  cairo_rectangle (cr, a->origin.x - 2 * MARKER_RADIUS, a->origin.y - 1,
                   a->size.width + 4 * MARKER_RADIUS, a->size.height + 2);
  cairo_clip (cr);
  draw_marker_lines (self, cr, &f);
  draw_series (self, cr, &f);
  draw_marker_labels (self, cr, &f);
  if (!f.has_data)
    draw_empty (self, cr, &f);
  if (with_hover)
    draw_hover (self, cr, &f);
  cairo_restore (cr);

  cairo_restore (cr);
  frame_clear (&f);
}

void
dl_plot_draw (DlPlot *self, cairo_t *cr, int width, int height)
{
  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (cr != NULL);

  if (width <= 0 || height <= 0)
    return;
  update_style_colors (self);
  render (self, cr, width, height, TRUE);
}

void
dl_plot_get_plot_area (DlPlot *self, int width, int height, graphene_rect_t *area)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  Frame f;

  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (area != NULL);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  frame_init (self, cr, width, height, &f);
  *area = f.area;
  frame_clear (&f);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* ------------------------------------------------------------------------------------------------------
 * Exports
 */

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
check_size (const char *path, int width, int height, GError **error)
{
  if (width > 0 && height > 0 && width <= 16384 && height <= 16384)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Cannot export “%s”: the size %d × %d is not between 1 and 16384 pixels"),
               path, width, height);
  return FALSE;
}

static void
render_for_export (DlPlot *self, cairo_t *cr, int width, int height)
{
  GdkRGBA bg;

  update_style_colors (self);
  background_color (self, &bg);
  set_source (cr, &bg, 1.0);
  cairo_paint (cr);
  render (self, cr, width, height, FALSE);
}

static gboolean
finish_export (const char *path, cairo_status_t status, GByteArray *bytes, GError **error)
{
  gboolean ok;

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot export “%s”: %s"), path,
                   cairo_status_to_string (status));
      g_byte_array_unref (bytes);
      return FALSE;
    }
  /* g_file_set_contents writes a temporary file and renames it over the target. */
  ok = g_file_set_contents (path, (const char *) bytes->data, bytes->len, error);
  g_byte_array_unref (bytes);
  return ok;
}

gboolean
dl_plot_export_png (DlPlot *self, const char *path, int width, int height, GError **error)
{
  GByteArray *bytes;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail (DL_IS_PLOT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_size (path, width, height, error))
    return FALSE;
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  render_for_export (self, cr, width, height);
  status = cairo_status (cr);
  cairo_destroy (cr);

  bytes = g_byte_array_new ();
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png_stream (surface, append_bytes, bytes);
  cairo_surface_destroy (surface);
  return finish_export (path, status, bytes, error);
}

gboolean
dl_plot_export_svg (DlPlot *self, const char *path, int width, int height, GError **error)
{
  GByteArray *bytes;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail (DL_IS_PLOT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_size (path, width, height, error))
    return FALSE;
  bytes = g_byte_array_new ();
  surface = cairo_svg_surface_create_for_stream (append_bytes, bytes, width, height);
  cr = cairo_create (surface);
  render_for_export (self, cr, width, height);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  return finish_export (path, status, bytes, error);
}

/* The shortest decimal that reads back as the same double, independent of the locale. */
static void
append_number (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    {
      g_string_append (out, "nan");
      return;
    }
  if (isinf (v))
    {
      g_string_append (out, v > 0 ? "inf" : "-inf");
      return;
    }
  g_ascii_formatd (buf, sizeof buf, "%.15g", v);
  if (g_ascii_strtod (buf, NULL) != v)
    g_ascii_formatd (buf, sizeof buf, "%.17g", v);
  g_string_append (out, buf);
}

static void
append_csv_field (GString *out, const char *text)
{
  if (!text)
    return;
  if (!strpbrk (text, ",\"\n\r"))
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

gboolean
dl_plot_export_csv (DlPlot *self, const char *path, GError **error)
{
  GString *out;
  gboolean ok;

  g_return_val_if_fail (DL_IS_PLOT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  out = g_string_new ("series,x,y,smoothed\n");
  for (guint i = 0; i < self->series->len; i++)
    {
      DlSeries *s = g_ptr_array_index (self->series, i);
      guint n = dl_series_get_n_points (s);
      gboolean smoothed = is_smoothed (s);

      for (guint j = 0; j < n; j++)
        {
          append_csv_field (out, dl_series_get_name (s));
          g_string_append_c (out, ',');
          append_number (out, dl_series_get_x (s, j));
          g_string_append_c (out, ',');
          append_number (out, dl_series_get_y (s, j));
          g_string_append_c (out, ',');
          if (smoothed)
            append_number (out, dl_series_get_smoothed (s, j));
          g_string_append_c (out, '\n');
        }
    }
  ok = g_file_set_contents (path, out->str, out->len, error);
  g_string_free (out, TRUE);
  return ok;
}

/* ------------------------------------------------------------------------------------------------------
 * Export actions: a save dialog, then the export at the widget's current size
 */

typedef enum {
  EXPORT_PNG,
  EXPORT_SVG,
  EXPORT_CSV,
} ExportFormat;

static const struct {
  const char *suffix;
  const char *mime;
} export_formats[] = {
  [EXPORT_PNG] = { "png", "image/png" },
  [EXPORT_SVG] = { "svg", "image/svg+xml" },
  [EXPORT_CSV] = { "csv", "text/csv" },
};

static void
show_error (DlPlot *self, const GError *error)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  dialog = gtk_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", _("Export failed"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_export_response (GtkNativeDialog *chooser, int response, DlPlot *self)
{
  ExportFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "format"));
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  int width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 320);
  int height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 200);
  gboolean ok = TRUE;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_clear_object (&self->chooser);
  if (!file)
    return;

  path = g_file_get_path (file);
  if (!path)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Cannot export to “%s”: not a local file"), g_file_peek_path (file));
      ok = FALSE;
    }
  else if (format == EXPORT_PNG)
    ok = dl_plot_export_png (self, path, width, height, &error);
  else if (format == EXPORT_SVG)
    ok = dl_plot_export_svg (self, path, width, height, &error);
  else
    ok = dl_plot_export_csv (self, path, &error);
  if (!ok)
    show_error (self, error);
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DlPlot *self = DL_PLOT (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  ExportFormat format = g_str_equal (action_name, "plot.export-svg") ? EXPORT_SVG
                      : g_str_equal (action_name, "plot.export-csv") ? EXPORT_CSV
                      : EXPORT_PNG;
  const char *titles[] = {
    [EXPORT_PNG] = N_("Export Plot as PNG"),
    [EXPORT_SVG] = N_("Export Plot as SVG"),
    [EXPORT_CSV] = N_("Export Plot Data as CSV"),
  };
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;

  if (self->chooser)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }
  self->chooser = gtk_file_chooser_native_new (_(titles[format]),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_object_set_data (G_OBJECT (self->chooser), "format", GINT_TO_POINTER (format));

  gtk_file_filter_add_mime_type (filter, export_formats[format].mime);
  gtk_file_filter_add_suffix (filter, export_formats[format].suffix);
  gtk_file_filter_set_name (filter, export_formats[format].suffix);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);

  name = g_strdup_printf ("%s.%s", self->title && *self->title ? self->title : _("plot"),
                          export_formats[format].suffix);
  g_strdelimit (name, "/\\", '-');
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);

  g_signal_connect (self->chooser, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ------------------------------------------------------------------------------------------------------
 * Input: hover and the context menu
 */

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, DlPlot *self)
{
  self->hovering = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller, DlPlot *self)
{
  self->hovering = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_secondary_click (GtkGestureClick *gesture, int n_press, double x, double y, DlPlot *self)
{
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static GMenuModel *
context_menu_model (void)
{
  GMenu *menu = g_menu_new ();
  GMenu *view = g_menu_new ();
  GMenu *export = g_menu_new ();

  g_menu_append (view, _("_Logarithmic Y Axis"), "plot.log-y");
  g_menu_append (export, _("Export as _PNG…"), "plot.export-png");
  g_menu_append (export, _("Export as _SVG…"), "plot.export-svg");
  g_menu_append (export, _("Export Data as _CSV…"), "plot.export-csv");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (view));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (export));
  g_object_unref (view);
  g_object_unref (export);
  return G_MENU_MODEL (menu);
}

/* ------------------------------------------------------------------------------------------------------
 * GtkWidget
 */

static void
dl_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlPlot *self = DL_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  dl_plot_draw (self, cr, width, height);
  cairo_destroy (cr);
}

static void
dl_plot_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (dl_plot_parent_class)->css_changed (widget, change);
  /* The colours are read from the style when drawing: a switch between light and dark needs a redraw. */
  gtk_widget_queue_draw (widget);
}

static void
dl_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                 int *natural, int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = 240, *natural = 480;
  else
    *minimum = 160, *natural = 300;
}

static void
dl_plot_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  DlPlot *self = DL_PLOT (widget);

  gtk_popover_present (GTK_POPOVER (self->context_menu));
}

static void
dl_plot_dispose (GObject *object)
{
  DlPlot *self = DL_PLOT (object);

  if (self->chooser)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  while (self->series->len > 0)
    dl_plot_remove_series (self, g_ptr_array_index (self->series, self->series->len - 1));

  G_OBJECT_CLASS (dl_plot_parent_class)->dispose (object);
}

static void
dl_plot_finalize (GObject *object)
{
  DlPlot *self = DL_PLOT (object);

  g_free (self->title);
  g_free (self->x_label);
  g_free (self->y_label);
  g_ptr_array_unref (self->series);
  g_array_unref (self->markers);

  G_OBJECT_CLASS (dl_plot_parent_class)->finalize (object);
}

static void
dl_plot_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlPlot *self = DL_PLOT (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_X_LABEL:
      g_value_set_string (value, self->x_label);
      break;
    case PROP_Y_LABEL:
      g_value_set_string (value, self->y_label);
      break;
    case PROP_LOG_Y:
      g_value_set_boolean (value, self->log_y);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_plot_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlPlot *self = DL_PLOT (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      dl_plot_set_title (self, g_value_get_string (value));
      break;
    case PROP_X_LABEL:
      dl_plot_set_x_label (self, g_value_get_string (value));
      break;
    case PROP_Y_LABEL:
      dl_plot_set_y_label (self, g_value_get_string (value));
      break;
    case PROP_LOG_Y:
      dl_plot_set_log_y (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTHING:
      dl_plot_set_smoothing (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_plot_class_init (DlPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_plot_dispose;
  object_class->finalize = dl_plot_finalize;
  object_class->get_property = dl_plot_get_property;
  object_class->set_property = dl_plot_set_property;

  widget_class->snapshot = dl_plot_snapshot;
  widget_class->measure = dl_plot_measure;
  widget_class->size_allocate = dl_plot_size_allocate;
  widget_class->css_changed = dl_plot_css_changed;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_X_LABEL] =
    g_param_spec_string ("x-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_Y_LABEL] =
    g_param_spec_string ("y-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_Y] =
    g_param_spec_boolean ("log-y", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0.0, 0.999, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_property_action (widget_class, "plot.log-y", "log-y");
  gtk_widget_class_install_action (widget_class, "plot.export-png", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "plot.export-svg", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "plot.export-csv", NULL, export_action);

  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_plot_init (DlPlot *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  g_autoptr (GMenuModel) menu = context_menu_model ();

  self->series = g_ptr_array_new_with_free_func (g_object_unref);
  self->markers = g_array_new (FALSE, FALSE, sizeof (Marker));
  g_array_set_clear_func (self->markers, marker_clear);
  /* Until the first snapshot reads the style: Adwaita's light foreground. */
  self->fg = (GdkRGBA) { 0, 0, 0, 0.8 };

  gtk_widget_add_css_class (GTK_WIDGET (self), "dl-plot");

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_secondary_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  self->context_menu = gtk_popover_menu_new_from_model (menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
}

GtkWidget *
dl_plot_new (void)
{
  return g_object_new (DL_TYPE_PLOT, NULL);
}

/* ------------------------------------------------------------------------------------------------------
 * Properties and content
 */

static gboolean
replace_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

const char *
dl_plot_get_title (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);
  return self->title;
}

void
dl_plot_set_title (DlPlot *self, const char *title)
{
  g_return_if_fail (DL_IS_PLOT (self));

  if (!replace_string (&self->title, title))
    return;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, title ? title : "", -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
dl_plot_get_x_label (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);
  return self->x_label;
}

void
dl_plot_set_x_label (DlPlot *self, const char *label)
{
  g_return_if_fail (DL_IS_PLOT (self));

  if (!replace_string (&self->x_label, label))
    return;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_LABEL]);
}

const char *
dl_plot_get_y_label (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);
  return self->y_label;
}

void
dl_plot_set_y_label (DlPlot *self, const char *label)
{
  g_return_if_fail (DL_IS_PLOT (self));

  if (!replace_string (&self->y_label, label))
    return;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_Y_LABEL]);
}

gboolean
dl_plot_get_log_y (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), FALSE);
  return self->log_y;
}

void
dl_plot_set_log_y (DlPlot *self, gboolean log_y)
{
  g_return_if_fail (DL_IS_PLOT (self));

  log_y = !!log_y;
  if (self->log_y == log_y)
    return;
  self->log_y = log_y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_Y]);
}

double
dl_plot_get_smoothing (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), 0);
  return self->smoothing;
}

void
dl_plot_set_smoothing (DlPlot *self, double smoothing)
{
  g_return_if_fail (DL_IS_PLOT (self));

  smoothing = CLAMP (smoothing, 0.0, 0.999);
  if (self->smoothing == smoothing)
    return;
  self->smoothing = smoothing;
  for (guint i = 0; i < self->series->len; i++)
    {
      DlSeries *s = g_ptr_array_index (self->series, i);
      if (dl_series_get_smooth (s))
        dl_series_set_smoothing (s, smoothing);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
}

void
dl_plot_add_series (DlPlot *self, DlSeries *series)
{
  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (DL_IS_SERIES (series));

  if (g_ptr_array_find (self->series, series, NULL))
    return;
  g_ptr_array_add (self->series, g_object_ref (series));
  if (dl_series_get_smooth (series))
    dl_series_set_smoothing (series, self->smoothing);
  /* The frame clock coalesces these: at most one redraw per frame however fast points arrive. */
  g_signal_connect_object (series, "changed", G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_plot_remove_series (DlPlot *self, DlSeries *series)
{
  guint index;

  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (DL_IS_SERIES (series));

  if (!g_ptr_array_find (self->series, series, &index))
    return;
  g_signal_handlers_disconnect_by_func (series, gtk_widget_queue_draw, self);
  g_ptr_array_remove_index (self->series, index);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
dl_plot_get_n_series (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), 0);
  return self->series->len;
}

DlSeries *
dl_plot_get_series (DlPlot *self, guint i)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);
  g_return_val_if_fail (i < self->series->len, NULL);
  return g_ptr_array_index (self->series, i);
}

void
dl_plot_add_marker (DlPlot *self, double x, const char *label)
{
  Marker m = { x, g_strdup (label) };

  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (isfinite (x));

  g_array_append_val (self->markers, m);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_plot_clear_markers (DlPlot *self)
{
  g_return_if_fail (DL_IS_PLOT (self));

  g_array_remove_range (self->markers, 0, self->markers->len);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
dl_plot_get_n_markers (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), 0);
  return self->markers->len;
}

double
dl_plot_get_marker_x (DlPlot *self, guint i)
{
  g_return_val_if_fail (DL_IS_PLOT (self) && i < self->markers->len, NAN);
  return g_array_index (self->markers, Marker, i).x;
}

const char *
dl_plot_get_marker_label (DlPlot *self, guint i)
{
  g_return_val_if_fail (DL_IS_PLOT (self) && i < self->markers->len, NULL);
  return g_array_index (self->markers, Marker, i).label;
}
