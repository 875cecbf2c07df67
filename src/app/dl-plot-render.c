/* dl-plot-render.c — drawing one frame of a DlPlot: grid, axes, legend, the curves (their lines in
 * dl-plot-lines.c; points, best values), markers, and the hover read-out. */
#include "dl-plot-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-cairo.h"

/* Snap a 1-pixel line to the pixel grid so it stays crisp. */
static double
crisp (double v)
{
  return floor (v) + 0.5;
}

/* ------------------------------------------------------------------------------------------------------
 * Grid, axes, legend
 */

static void
draw_grid (DlPlot *self, cairo_t *cr, const DlPlotFrame *f)
{
  const graphene_rect_t *a = &f->area;

  cairo_set_line_width (cr, 1);
  if (f->yminor.n > 0)
    {
      _dl_plot_set_source (cr, &self->fg, 0.045);
      for (int i = 0; i < f->yminor.n; i++)
        {
          double y = crisp (_dl_plot_y_to_px (f, f->yminor.values[i]));
          cairo_move_to (cr, a->origin.x, y);
          cairo_line_to (cr, a->origin.x + a->size.width, y);
        }
      cairo_stroke (cr);
    }

  _dl_plot_set_source (cr, &self->fg, 0.1);
  for (int i = 0; i < f->yt.n; i++)
    {
      double y = crisp (_dl_plot_y_to_px (f, f->yt.values[i]));
      cairo_move_to (cr, a->origin.x, y);
      cairo_line_to (cr, a->origin.x + a->size.width, y);
    }
  for (int i = 0; i < f->xt.n; i++)
    {
      double x = crisp (_dl_plot_x_to_px (f, f->xt.values[i]));
      cairo_move_to (cr, x, a->origin.y);
      cairo_line_to (cr, x, a->origin.y + a->size.height);
    }
  cairo_stroke (cr);

  /* The baseline: the x axis at the bottom of the area. */
  _dl_plot_set_source (cr, &self->fg, 0.35);
  cairo_move_to (cr, a->origin.x, crisp (a->origin.y + a->size.height));
  cairo_line_to (cr, a->origin.x + a->size.width, crisp (a->origin.y + a->size.height));
  cairo_stroke (cr);
}

static void
draw_axes_text (DlPlot *self, cairo_t *cr, const DlPlotFrame *f)
{
  const graphene_rect_t *a = &f->area;
  char buf[64];

  _dl_plot_set_source (cr, &self->fg, 0.6);
  for (int i = 0; i < f->yt.n; i++)
    {
      dl_ticks_format (&f->yt, f->yt.values[i], buf, sizeof buf);
      _dl_plot_draw_text (cr, f->small, buf, a->origin.x - PLOT_TICK_GAP, _dl_plot_y_to_px (f, f->yt.values[i]),
                          1.0, 0.5);
    }
  for (int i = 0; i < f->xt.n; i++)
    {
      double x = _dl_plot_x_to_px (f, f->xt.values[i]), w;

      dl_ticks_format (&f->xt, f->xt.values[i], buf, sizeof buf);
      _dl_plot_text_size (f->small, buf, &w, NULL);
      /* Keep the end labels inside the widget. */
      x = CLAMP (x, w / 2 + 2, f->width - w / 2 - 2);
      _dl_plot_draw_text (cr, f->small, buf, x, a->origin.y + a->size.height + PLOT_TICK_GAP, 0.5, 0.0);
    }

  _dl_plot_set_source (cr, &self->fg, 0.75);
  if (self->x_label && *self->x_label)
    _dl_plot_draw_text (cr, f->label, self->x_label, a->origin.x + a->size.width / 2, f->height - PLOT_PAD,
                        0.5, 1.0);
  if (self->y_label && *self->y_label)
    {
      cairo_save (cr);
      cairo_translate (cr, PLOT_PAD, a->origin.y + a->size.height / 2);
      cairo_rotate (cr, -G_PI / 2);
      _dl_plot_draw_text (cr, f->label, self->y_label, 0, 0, 0.5, 0.0);
      cairo_restore (cr);
    }

  if (self->title && *self->title)
    {
      _dl_plot_set_source (cr, &self->fg, 1.0);
      _dl_plot_draw_text (cr, f->title, self->title, PLOT_PAD, PLOT_PAD, 0.0, 0.0);
    }
}

static void
draw_point (cairo_t *cr, double x, double y, const GdkRGBA *c, const GdkRGBA *ring)
{
  cairo_arc (cr, x, y, PLOT_MARKER_RADIUS + 1.5, 0, 2 * G_PI);
  _dl_plot_set_source (cr, ring, 1.0);
  cairo_fill (cr);
  cairo_arc (cr, x, y, PLOT_MARKER_RADIUS, 0, 2 * G_PI);
  _dl_plot_set_source (cr, c, 1.0);
  cairo_fill (cr);
}

static void
draw_legend (DlPlot *self, cairo_t *cr, const DlPlotFrame *f)
{
  GdkRGBA bg;
  double h;

  _dl_plot_background_color (self, &bg);
  _dl_plot_text_size (f->small, "Xg", NULL, &h);
  for (guint i = 0; i < f->legend->len; i++)
    {
      const DlPlotLegendItem *item = &g_array_index (f->legend, DlPlotLegendItem, i);
      double x = item->x, cy = item->y + h / 2;

      if (item->color.alpha > 0)
        {
          _dl_plot_set_source (cr, &item->color, 1.0);
          cairo_set_line_width (cr, 2.5);
          cairo_set_line_cap (cr, item->flags & DL_PLOT_CURVE_DASHED ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND);
          _dl_plot_set_dash (cr, item->flags, 1.5);
          cairo_move_to (cr, x + 1.5, cy);
          cairo_line_to (cr, x + PLOT_LEGEND_SWATCH - 1.5, cy);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
          if (item->flags & DL_PLOT_CURVE_POINTS)
            draw_point (cr, x + PLOT_LEGEND_SWATCH / 2, cy, &item->color, &bg);
          x += PLOT_LEGEND_SWATCH + 6;
        }
      _dl_plot_set_source (cr, &self->fg, 0.8);
      _dl_plot_draw_text (cr, f->small, item->text, x, item->y, 0.0, 0.0);
    }
}

/* ------------------------------------------------------------------------------------------------------
 * Points and best values
 */

/* A pill behind text that sits over the data, so it stays readable. */
static void
draw_label_box (DlPlot *self, cairo_t *cr, double x, double y, double w, double h, double alpha)
{
  GdkRGBA bg;

  _dl_plot_background_color (self, &bg);
  dl_cairo_rounded_rect (cr, x, y, w, h, 4);
  _dl_plot_set_source (cr, &bg, alpha);
  cairo_fill_preserve (cr);
  _dl_plot_set_source (cr, &self->fg, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
draw_points (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, DlPlotEntry *e, const GdkRGBA *c)
{
  DlPlotArray a;
  GdkRGBA bg;

  /* Only while they stay apart. */
  if (!_dl_plot_entry_array (e, DL_PLOT_LINE_MAIN, &a) || a.end - a.begin > f->area.size.width / (4 * PLOT_MARKER_RADIUS))
    return;
  _dl_plot_background_color (self, &bg);
  for (guint j = a.begin; j < a.end; j++)
    {
      double py = _dl_plot_y_to_px (f, a.y[j]);
      if (isfinite (py))
        draw_point (cr, _dl_plot_x_to_px (f, a.x[j]), py, c, &bg);
    }
}

/* The curve's best point (its highest or lowest value), in pixels; FALSE when it has none shown. */
static gboolean
best_point (const DlPlotFrame *f, DlPlotEntry *e, gboolean max, double *px, double *py, double *value)
{
  const DlPlotStats *s = _dl_plot_entry_stats (e, DL_PLOT_LINE_MAIN);
  DlPlotArray a;
  guint i;

  if (s == NULL || s->n == 0 || !_dl_plot_entry_array (e, DL_PLOT_LINE_MAIN, &a))
    return FALSE;
  i = max ? s->imax : s->imin;
  *px = _dl_plot_x_to_px (f, a.x[i]);
  *py = _dl_plot_y_to_px (f, a.y[i]);
  *value = a.y[i];
  return isfinite (*py);
}

/* A ring around the best point. */
static void
draw_best_ring (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, DlPlotEntry *e, const GdkRGBA *c, gboolean max)
{
  double px, py, value;
  GdkRGBA bg;

  if (!best_point (f, e, max, &px, &py, &value))
    return;
  _dl_plot_background_color (self, &bg);
  cairo_arc (cr, px, py, PLOT_BEST_RADIUS + 1.5, 0, 2 * G_PI);
  _dl_plot_set_source (cr, &bg, 1.0);
  cairo_fill (cr);
  cairo_arc (cr, px, py, PLOT_BEST_RADIUS, 0, 2 * G_PI);
  _dl_plot_set_source (cr, c, 1.0);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
  cairo_arc (cr, px, py, 1.5, 0, 2 * G_PI);
  cairo_fill (cr);
}

static gboolean
overlaps_any (GArray *placed, const graphene_rect_t *r)
{
  for (guint i = 0; i < placed->len; i++)
    if (graphene_rect_intersection (&g_array_index (placed, graphene_rect_t, i), r, NULL))
      return TRUE;
  return FALSE;
}

/* The best value as text, above a maximum and below a minimum (or the other side, or stacked further
 * away, when an earlier label is there), inside the area. */
static void
draw_best_label (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, DlPlotEntry *e, const GdkRGBA *c,
                 gboolean max, GArray *placed)
{
  const graphene_rect_t *a = &f->area;
  double px, py, value, w, h, lx, ly = 0;
  graphene_rect_t r;
  char buf[64];

  if (!best_point (f, e, max, &px, &py, &value))
    return;
  _dl_plot_format_y (self, value, buf, sizeof buf);
  _dl_plot_text_size (f->small, buf, &w, &h);
  w += 8;
  h += 2;
  lx = round (CLAMP (px - w / 2, a->origin.x, a->origin.x + a->size.width - w));
  for (int attempt = 0; attempt < 6; attempt++)
    {
      gboolean up = (attempt % 2 == 0) == max;
      double gap = PLOT_BEST_RADIUS + 4 + (attempt / 2) * (h + 2);

      ly = up ? py - gap - h : py + gap;
      ly = round (CLAMP (ly, a->origin.y, a->origin.y + a->size.height - h));
      r = GRAPHENE_RECT_INIT (lx, ly, w, h);
      if (!overlaps_any (placed, &r))
        break;
    }
  g_array_append_val (placed, r);
  draw_label_box (self, cr, lx, ly, w, h, 0.9);
  _dl_plot_set_source (cr, c, 1.0);
  _dl_plot_draw_text (cr, f->small, buf, lx + 4, ly + 1, 0.0, 0.0);
}

static void
draw_entry_marks (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, DlPlotEntry *e)
{
  DlPlotEmphasis emphasis = _dl_plot_entry_emphasis (self, e);
  DlPlotCurveFlags flags = _dl_plot_entry_flags (e);
  GdkRGBA c;

  _dl_plot_entry_drawn_color (self, e, emphasis, &c);
  if (flags & DL_PLOT_CURVE_POINTS)
    draw_points (self, cr, f, e, &c);
  if (flags & DL_PLOT_CURVE_BEST_MAX)
    draw_best_ring (self, cr, f, e, &c, TRUE);
  if (flags & DL_PLOT_CURVE_BEST_MIN)
    draw_best_ring (self, cr, f, e, &c, FALSE);
}

/* The emphasised run's best values, after every ring so that no curve covers them. */
static void
draw_best_labels (DlPlot *self, cairo_t *cr, const DlPlotFrame *f)
{
  g_autoptr (GArray) placed = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));

  for (guint i = 0; i < self->entries->len; i++)
    {
      DlPlotEntry *e = g_ptr_array_index (self->entries, i);
      DlPlotCurveFlags flags = _dl_plot_entry_flags (e);
      DlPlotEmphasis emphasis = _dl_plot_entry_emphasis (self, e);
      GdkRGBA c;

      if (emphasis != DL_PLOT_EMPHASIS_CURRENT)
        continue;
      _dl_plot_entry_drawn_color (self, e, emphasis, &c);
      if (flags & DL_PLOT_CURVE_BEST_MAX)
        draw_best_label (self, cr, f, e, &c, TRUE, placed);
      if (flags & DL_PLOT_CURVE_BEST_MIN)
        draw_best_label (self, cr, f, e, &c, FALSE, placed);
    }
}

/* ------------------------------------------------------------------------------------------------------
 * Markers
 */

static void
draw_marker_lines (DlPlot *self, cairo_t *cr, const DlPlotFrame *f)
{
  const graphene_rect_t *a = &f->area;
  const double dash[] = { 4, 3 };

  cairo_save (cr);
  cairo_set_line_width (cr, 1);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
  _dl_plot_set_source (cr, &self->fg, 0.5);
  for (guint i = 0; i < self->markers->len; i++)
    {
      double x = crisp (_dl_plot_x_to_px (f, g_array_index (self->markers, DlPlotMarker, i).x));
      cairo_move_to (cr, x, a->origin.y);
      cairo_line_to (cr, x, a->origin.y + a->size.height);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Labels at the top, right of their line (left when it would leave the area), stacked in rows when
 * neighbours would overlap; drawn over the data so they stay readable. */
static void
draw_marker_labels (DlPlot *self, cairo_t *cr, const DlPlotFrame *f)
{
  const graphene_rect_t *a = &f->area;
  double row_h, row_end[4] = { -INFINITY, -INFINITY, -INFINITY, -INFINITY };

  _dl_plot_text_size (f->small, "Xg", NULL, &row_h);
  for (guint i = 0; i < self->markers->len; i++)
    {
      const DlPlotMarker *m = &g_array_index (self->markers, DlPlotMarker, i);
      double x = crisp (_dl_plot_x_to_px (f, m->x)), w, lx, ly;
      guint row = 0;

      if (!m->label || !*m->label)
        continue;
      _dl_plot_text_size (f->small, m->label, &w, NULL);
      lx = x + 4;
      if (lx + w + 8 > a->origin.x + a->size.width)
        lx = x - 4 - w - 8;
      while (row + 1 < G_N_ELEMENTS (row_end) && lx < row_end[row] + 4)
        row++;
      row_end[row] = lx + w + 8;
      ly = a->origin.y + 4 + row * (row_h + 6);
      draw_label_box (self, cr, lx, ly, w + 8, row_h + 2, 0.9);
      _dl_plot_set_source (cr, &self->fg, 0.85);
      _dl_plot_draw_text (cr, f->small, m->label, lx + 4, ly + 1, 0.0, 0.0);
    }
}

/* ------------------------------------------------------------------------------------------------------
 * Hover
 */

static void
draw_hover (DlPlot *self, cairo_t *cr, DlPlotFrame *f)
{
  const graphene_rect_t *a = &f->area;
  g_autoptr (GArray) dots = g_array_new (FALSE, FALSE, sizeof (DlPlotDot));
  g_autofree char *markup = NULL;
  GdkRGBA bg;
  double hx, hy, w, h, bx, by;
  int pw, ph;

  /* The pointer's position, or the keyboard cursor's point. */
  if (!_dl_plot_cursor_point (self, f, &hx, &hy))
    return;
  markup = _dl_plot_readout (self, f, hx, hy, dots);
  if (!graphene_rect_contains_point (a, &GRAPHENE_POINT_INIT (hx, hy)))
    return;
  _dl_plot_background_color (self, &bg);

  /* The crosshair. */
  cairo_set_line_width (cr, 1);
  _dl_plot_set_source (cr, &self->fg, 0.3);
  cairo_move_to (cr, crisp (hx), a->origin.y);
  cairo_line_to (cr, crisp (hx), a->origin.y + a->size.height);
  cairo_move_to (cr, a->origin.x, crisp (hy));
  cairo_line_to (cr, a->origin.x + a->size.width, crisp (hy));
  cairo_stroke (cr);

  /* A dot on each line read out, then the read-out right of and below the pointer, flipped when it
   * would leave the area. */
  for (guint i = 0; i < dots->len; i++)
    {
      const DlPlotDot *d = &g_array_index (dots, DlPlotDot, i);
      draw_point (cr, d->px, d->py, &d->color, &bg);
    }
  if (markup == NULL)
    return;
  pango_layout_set_markup (f->small, markup, -1);
  pango_layout_get_pixel_size (f->small, &pw, &ph);
  w = pw + 16;
  h = ph + 10;
  bx = hx + 12;
  if (bx + w > a->origin.x + a->size.width)
    bx = hx - 12 - w;
  by = CLAMP (hy + 12, a->origin.y, MAX (a->origin.y, a->origin.y + a->size.height - h));
  draw_label_box (self, cr, round (bx), round (by), w, h, 0.95);
  _dl_plot_set_source (cr, &self->fg, 0.9);
  cairo_move_to (cr, round (bx) + 8, round (by) + 5);
  pango_cairo_show_layout (cr, f->small);
}

/* ------------------------------------------------------------------------------------------------------
 * The whole frame
 */

static void
draw_empty (DlPlot *self, cairo_t *cr, const DlPlotFrame *f)
{
  _dl_plot_set_source (cr, &self->fg, 0.45);
  _dl_plot_draw_text (cr, f->label, _("No data yet"), f->area.origin.x + f->area.size.width / 2,
                      f->area.origin.y + f->area.size.height / 2, 0.5, 0.5);
}

void
_dl_plot_draw_entries (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, guint first, guint last)
{
  const graphene_rect_t *a = &f->area;

  /* Widened sideways so the points at x = 0 and at the latest x stay whole (the y padding keeps them
   * clear of the top and bottom). */
  cairo_save (cr);
  cairo_rectangle (cr, a->origin.x - 2 * PLOT_MARKER_RADIUS, a->origin.y - 1,
                   a->size.width + 4 * PLOT_MARKER_RADIUS, a->size.height + 2);
  cairo_clip (cr);
  if (first == 0)
    draw_marker_lines (self, cr, f);
  for (guint i = first; i < last; i++)
    _dl_plot_draw_entry_lines (self, cr, f, g_ptr_array_index (self->entries, i));
  for (guint i = first; i < last; i++)
    draw_entry_marks (self, cr, f, g_ptr_array_index (self->entries, i));
  cairo_restore (cr);
}

void
_dl_plot_render (DlPlot *self, cairo_t *cr, int width, int height, gboolean on_screen)
{
  const graphene_rect_t *a;
  DlPlotFrame f;
  guint first = 0;

  _dl_plot_frame_init (self, cr, width, height, &f);
  a = &f.area;
  cairo_save (cr);
  draw_grid (self, cr, &f);
  draw_axes_text (self, cr, &f);
  draw_legend (self, cr, &f);

  /* The data, clipped to the area as the lines are. */
  cairo_save (cr);
  cairo_rectangle (cr, a->origin.x - 2 * PLOT_MARKER_RADIUS, a->origin.y - 1,
                   a->size.width + 4 * PLOT_MARKER_RADIUS, a->size.height + 2);
  cairo_clip (cr);
  if (on_screen)
    first = _dl_plot_layer_paint (self, cr, &f, gtk_widget_get_scale_factor (GTK_WIDGET (self)));
  _dl_plot_draw_entries (self, cr, &f, first, self->entries->len);
  draw_best_labels (self, cr, &f);
  draw_marker_labels (self, cr, &f);
  if (!f.has_data)
    draw_empty (self, cr, &f);
  if (on_screen)
    draw_hover (self, cr, &f);
  cairo_restore (cr);

  cairo_restore (cr);
  _dl_plot_frame_clear (&f);
}
