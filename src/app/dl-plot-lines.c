/* dl-plot-lines.c — an entry's lines from its decimated columns: the polyline, bars where it hides a
 * zigzag, the faint raw band behind a smoothed line, a mean's band. */
#include "dl-plot-private.h"

#include <math.h>

/* A decimated column in pixels. */
typedef struct {
  double   first, last, top, bottom;   /* rows: top <= bottom */
  double   x;
  gboolean valid, joined;
  gboolean bar;                        /* drawn as a filled bar rather than by the polyline */
  double   link;                       /* first − the previous column's last, when that is the column
                                        * just left of this one and the line is unbroken; else 0 */
} PxColumn;

static PxColumn *
to_pixels (const DlPlotFrame *f, const DlPlotColumn *cols, int nc)
{
  PxColumn *px = g_new0 (PxColumn, nc);

  for (int c = 0; c < nc; c++)
    {
      if (cols[c].count == 0)
        continue;
      px[c].first = _dl_plot_y_to_px (f, cols[c].first);
      px[c].last = _dl_plot_y_to_px (f, cols[c].last);
      px[c].top = _dl_plot_y_to_px (f, cols[c].hi);
      px[c].bottom = _dl_plot_y_to_px (f, cols[c].lo);
      px[c].x = cols[c].px;
      px[c].joined = cols[c].joined;
      px[c].valid = isfinite (px[c].first) && isfinite (px[c].last) && isfinite (px[c].top)
                    && isfinite (px[c].bottom);
    }
  /* Only links between neighbouring columns can zigzag; sparse points are joined by the polyline. */
  for (int c = 1; c < nc; c++)
    if (px[c].valid && px[c].joined && px[c - 1].valid)
      px[c].link = px[c].first - px[c - 1].last;
  return px;
}

static gboolean
reverses (double link, double other)
{
  return link * other < 0 && fabs (other) > 2;
}

typedef enum {
  BARS_ZIGZAG,   /* columns hiding movement inside them, and steep links reversing a neighbouring link */
  BARS_NOISE,    /* also every steep link (the raw values behind a smoothed line are noise by nature) */
  BARS_ALL,      /* every column (noise with a point in about every column) */
} BarMode;

/* The columns `mode` picks as pixel-aligned bars covering the column's range and its link to the previous
 * column. */
static void
append_bars (cairo_t *cr, PxColumn *cols, int c0, int nc, double width, BarMode mode)
{
  int prev = -1;

  for (int c = 0; c < nc; c++)
    {
      PxColumn *col = &cols[c];
      const PxColumn *p = col->joined && prev >= 0 ? &cols[prev] : NULL;
      double link = col->link, before = c > 0 ? cols[c - 1].link : 0, after = c + 1 < nc ? cols[c + 1].link : 0;
      double top, bottom;

      if (!col->valid)
        continue;
      col->bar = mode == BARS_ALL || col->bottom - col->top > fabs (col->last - col->first) + 1
                 || (fabs (link) > 2 && (mode == BARS_NOISE || reverses (link, before) || reverses (link, after)));
      prev = c;
      if (!col->bar)
        continue;
      top = p ? MIN (col->top, p->last) : col->top;
      bottom = p ? MAX (col->bottom, p->last) : col->bottom;
      top = floor (top - width / 2);
      bottom = ceil (bottom + width / 2);
      cairo_rectangle (cr, c0 + c, top, 1, bottom - top);
    }
}

/* The polyline through the other columns, continuing from a bar's last point. */
static void
append_polyline (cairo_t *cr, const PxColumn *cols, int nc)
{
  gboolean pen = FALSE;
  int prev = -1;

  for (int c = 0; c < nc; c++)
    {
      const PxColumn *col = &cols[c];

      if (!col->valid)
        continue;
      if (!col->joined || col->bar)
        pen = FALSE;
      if (!col->bar)
        {
          if (pen)
            cairo_line_to (cr, col->x, col->first);
          else if (col->joined && prev >= 0)
            {
              cairo_move_to (cr, cols[prev].x, cols[prev].last);
              cairo_line_to (cr, col->x, col->first);
            }
          else
            cairo_move_to (cr, col->x, col->first);
          if (fabs (col->last - col->first) > 0.25)
            cairo_line_to (cr, col->x, col->last);
          pen = TRUE;
        }
      prev = c;
    }
}

/* Draw a decimated line. Columns where the line only runs one way are joined by an antialiased polyline;
 * columns hiding a zigzag (dense noise) are filled as pixel-aligned bars covering the column's range and
 * its link to the previous column. Both look the same at that density, but stroking thousands of tall
 * antialiased zigzags costs a hundred times more than filling aligned rectangles. A dense raw band is bars
 * only. */
static void
stroke_line (cairo_t *cr, const DlPlotFrame *f, DlPlotEntry *e, DlPlotLineKind kind, const GdkRGBA *color,
             double alpha, double width, DlPlotCurveFlags flags)
{
  const DlPlotColumn *cols;
  DlPlotArray a;
  PxColumn *px;
  cairo_path_t *bars;
  BarMode mode = BARS_ZIGZAG;
  int c0, nc;

  if (!_dl_plot_entry_array (e, kind, &a) || a.begin >= a.end)
    return;
  cols = _dl_plot_decimate (&e->lines[kind].dec, e->serial, f, &a, &c0, &nc);
  px = to_pixels (f, cols, nc);
  if (kind == DL_PLOT_LINE_RAW)
    mode = a.end - a.begin >= f->area.size.width ? BARS_ALL : BARS_NOISE;

  cairo_new_path (cr);
  append_bars (cr, px, c0, nc, width, mode);
  if (mode == BARS_ALL)
    {
      /* Bars of neighbouring columns never overlap: filled faint as they are, without a group. */
      _dl_plot_set_source (cr, color, alpha);
      cairo_fill (cr);
      g_free (px);
      return;
    }
  bars = cairo_copy_path (cr);
  cairo_new_path (cr);
  append_polyline (cr, px, nc);

  /* Bars and line overlap where they meet: draw both opaque into a group so a faint line stays even. */
  if (alpha < 1)
    cairo_push_group (cr);
  _dl_plot_set_source (cr, color, 1.0);
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, flags & DL_PLOT_CURVE_DASHED ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND);
  _dl_plot_set_dash (cr, flags, width);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_append_path (cr, bars);
  cairo_fill (cr);
  if (alpha < 1)
    {
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, alpha);
    }
  cairo_path_destroy (bars);
  g_free (px);
}

static gboolean
band_column (const DlPlotFrame *f, const DlPlotColumn *lo, const DlPlotColumn *hi)
{
  return lo->count > 0 && hi->count > 0 && isfinite (_dl_plot_y_to_px (f, lo->lo))
         && isfinite (_dl_plot_y_to_px (f, hi->hi));
}

static void
append_band_polygon (cairo_t *cr, const DlPlotFrame *f, const DlPlotColumn *lo, const DlPlotColumn *hi,
                     int start, int end)
{
  for (int k = start; k < end; k++)
    if (band_column (f, &lo[k], &hi[k]))
      cairo_line_to (cr, hi[k].px, _dl_plot_y_to_px (f, hi[k].hi));
  for (int k = end - 1; k >= start; k--)
    if (band_column (f, &lo[k], &hi[k]))
      cairo_line_to (cr, lo[k].px, _dl_plot_y_to_px (f, lo[k].lo));
  cairo_close_path (cr);
  cairo_new_sub_path (cr);
}

/* A mean's band: the highest of the upper edge and the lowest of the lower edge in each column, filled
 * as one polygon per unbroken stretch (empty columns between sparse points do not break it). */
static void
fill_band (cairo_t *cr, const DlPlotFrame *f, DlPlotEntry *e, const GdkRGBA *color, double alpha)
{
  DlPlotArray lo_a, hi_a;
  const DlPlotColumn *lo, *hi;
  int c0, nc, start = -1;

  if (!_dl_plot_entry_array (e, DL_PLOT_LINE_LOW, &lo_a) || !_dl_plot_entry_array (e, DL_PLOT_LINE_HIGH, &hi_a))
    return;
  lo = _dl_plot_decimate (&e->lines[DL_PLOT_LINE_LOW].dec, e->serial, f, &lo_a, &c0, &nc);
  hi = _dl_plot_decimate (&e->lines[DL_PLOT_LINE_HIGH].dec, e->serial, f, &hi_a, &c0, &nc);

  cairo_new_path (cr);
  for (int c = 0; c <= nc; c++)
    {
      gboolean has = c < nc && band_column (f, &lo[c], &hi[c]);
      gboolean empty = c < nc && lo[c].count == 0 && hi[c].count == 0;

      if (start >= 0 && (c == nc || (!has && !empty) || (has && !(lo[c].joined && hi[c].joined))))
        {
          append_band_polygon (cr, f, lo, hi, start, c);
          start = -1;
        }
      if (has && start < 0)
        start = c;
    }
  _dl_plot_set_source (cr, color, alpha);
  cairo_fill (cr);
}

static double
line_width (DlPlot *self, DlPlotEmphasis emphasis, DlPlotCurveFlags flags)
{
  double w = emphasis == DL_PLOT_EMPHASIS_MUTED ? 1.5
           : emphasis == DL_PLOT_EMPHASIS_CURRENT && _dl_plot_several_runs (self) ? 2.5
           : PLOT_LINE_WIDTH;

  return flags & DL_PLOT_CURVE_THIN ? w / 2 : w;
}

void
_dl_plot_draw_entry_lines (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, DlPlotEntry *e)
{
  DlPlotEmphasis emphasis = _dl_plot_entry_emphasis (self, e);
  DlPlotCurveFlags flags = _dl_plot_entry_flags (e);
  double width = line_width (self, emphasis, flags);
  GdkRGBA c;

  _dl_plot_entry_drawn_color (self, e, emphasis, &c);
  if (e->members)
    fill_band (cr, f, e, &c, emphasis == DL_PLOT_EMPHASIS_MUTED ? 0.15 : 0.22);
  /* TensorBoard's look: the raw values faint behind the smoothed line, for the emphasised run only (ten
   * overlaid raw bands are only noise). */
  else if (emphasis == DL_PLOT_EMPHASIS_CURRENT && _dl_plot_entry_is_smoothed (e))
    stroke_line (cr, f, e, DL_PLOT_LINE_RAW, &c, 0.25, 1.0, DL_PLOT_CURVE_DEFAULT);
  stroke_line (cr, f, e, DL_PLOT_LINE_MAIN, &c, 1.0, width, flags);
}
