/* dl-plot-layout.c — one DlPlotFrame per drawing: fonts, the header with its legend, the data range, the
 * axes and their ticks, the pixel mapping, and how read-out values are written. */
#include "dl-plot-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------------
 * Colours of the style
 */

void
_dl_plot_background_color (DlPlot *self, GdkRGBA *c)
{
  guint32 hex = self->dark ? 0x242424 : 0xffffff;

  *c = (GdkRGBA) { ((hex >> 16) & 0xff) / 255.0, ((hex >> 8) & 0xff) / 255.0, (hex & 0xff) / 255.0, 1.0 };
}

void
_dl_plot_update_style_colors (DlPlot *self)
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
 * Text
 */

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

void
_dl_plot_text_size (PangoLayout *layout, const char *text, double *width, double *height)
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
void
_dl_plot_draw_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y, double xalign,
                    double yalign)
{
  double w, h;

  _dl_plot_text_size (layout, text, &w, &h);
  cairo_move_to (cr, round (x - w * xalign), round (y - h * yalign));
  pango_cairo_show_layout (cr, layout);
}

/* ------------------------------------------------------------------------------------------------------
 * Legend
 */

static void
legend_item_clear (gpointer data)
{
  g_free (((DlPlotLegendItem *) data)->text);
}

static void
add_item (DlPlotFrame *f, const char *text, const GdkRGBA *color, DlPlotCurveFlags flags)
{
  DlPlotLegendItem item = { 0 };
  double w;

  if (!text || !*text)
    return;
  _dl_plot_text_size (f->small, text, &w, NULL);
  item.text = g_strdup (text);
  item.color = *color;
  item.flags = flags;
  item.width = PLOT_LEGEND_SWATCH + 6 + w;
  g_array_append_val (f->legend, item);
}

/* One run: its curves by their own colours. Several: one item per run in its colour, then a key of the
 * line styles in the text colour, from the current run (else the first). */
static void
build_legend (DlPlot *self, DlPlotFrame *f)
{
  gboolean several = _dl_plot_several_runs (self);

  for (guint i = 0; i < self->entries->len; i++)
    {
      DlPlotEntry *e = g_ptr_array_index (self->entries, i);
      GdkRGBA c;

      if (several && e->run)
        continue;
      _dl_plot_entry_color (self, e, &c);
      add_item (f, _dl_plot_entry_name (e), &c, _dl_plot_entry_flags (e) & (DL_PLOT_CURVE_DASHED | DL_PLOT_CURVE_POINTS));
    }
  if (!several)
    return;
  for (guint r = 0; r < self->runs->len; r++)
    {
      DlPlotRun *run = g_ptr_array_index (self->runs, r);
      GdkRGBA c;

      _dl_plot_run_color (self, run, &c);
      add_item (f, dl_plot_run_get_label (run), &c, DL_PLOT_CURVE_DEFAULT);
    }
  {
    DlPlotRun *key = self->current_run ? self->current_run : g_ptr_array_index (self->runs, 0);
    GdkRGBA c = self->fg;

    c.alpha *= 0.7;
    for (guint i = 0; dl_plot_run_get_n_curves (key) > 1 && i < dl_plot_run_get_n_curves (key); i++)
      add_item (f, dl_plot_run_get_curve_name (key, i), &c,
                dl_plot_run_get_curve_flags (key, i) & (DL_PLOT_CURVE_DASHED | DL_PLOT_CURVE_POINTS));
  }
}

static double
legend_total_width (DlPlotFrame *f)
{
  double total = 0;

  for (guint i = 0; i < f->legend->len; i++)
    total += (i > 0 ? PLOT_LEGEND_SPACING : 0) + g_array_index (f->legend, DlPlotLegendItem, i).width;
  return total;
}

/* Replaces the items from `first` on, which do not fit, by "+N more" on the last row (dropping more items
 * until it fits there). */
static void
summarise_legend (DlPlotFrame *f, guint first, double row_y)
{
  guint n = f->legend->len, keep = first;
  g_autofree char *more = NULL;
  DlPlotLegendItem item = { 0 };
  double more_w, x = PLOT_PAD;

  more = g_strdup_printf (_("+%u more"), n - keep);
  _dl_plot_text_size (f->small, more, &more_w, NULL);
  while (keep > 0)
    {
      const DlPlotLegendItem *prev = &g_array_index (f->legend, DlPlotLegendItem, keep - 1);

      if (prev->y < row_y)
        break;
      x = prev->x + prev->width + PLOT_LEGEND_SPACING;
      if (x + more_w <= f->width - PLOT_PAD)
        break;
      x = prev->x;
      keep--;
    }
  g_free (more);
  more = g_strdup_printf (_("+%u more"), n - keep);
  g_array_set_size (f->legend, keep);
  /* No swatch: a transparent colour and the text's width only. */
  _dl_plot_text_size (f->small, more, &more_w, NULL);
  item.text = g_steal_pointer (&more);
  item.x = x;
  item.y = row_y;
  item.width = more_w;
  g_array_append_val (f->legend, item);
}

/* Rows from `top`, left to right, wrapping at the width; what does not fit in PLOT_LEGEND_ROWS rows is
 * summarised. Returns the number of rows. */
static int
flow_legend (DlPlotFrame *f, double top, double row_h)
{
  double x = PLOT_PAD;
  int row = 0;

  for (guint i = 0; i < f->legend->len; i++)
    {
      DlPlotLegendItem *item = &g_array_index (f->legend, DlPlotLegendItem, i);

      if (x > PLOT_PAD && x + item->width > f->width - PLOT_PAD)
        {
          if (row + 1 == PLOT_LEGEND_ROWS)
            {
              summarise_legend (f, i, top + row * row_h);
              return PLOT_LEGEND_ROWS;
            }
          x = PLOT_PAD;
          row++;
        }
      item->x = x;
      item->y = top + row * row_h;
      x += item->width + PLOT_LEGEND_SPACING;
    }
  return f->legend->len > 0 ? row + 1 : 0;
}

/* Lays out the title and legend; returns the header's height. */
static double
layout_header (DlPlot *self, DlPlotFrame *f, double small_h)
{
  double title_w = 0, title_h = 0, legend_w, row_h = small_h + 4;

  if (self->title && *self->title)
    _dl_plot_text_size (f->title, self->title, &title_w, &title_h);
  build_legend (self, f);
  legend_w = legend_total_width (f);
  if (f->legend->len == 0 && title_h == 0)
    return 0;

  /* The legend on the title's row, at the right, when it fits there. */
  if (legend_w + (title_w > 0 ? title_w + 2 * PLOT_LEGEND_SPACING : 0) <= f->width - 2 * PLOT_PAD)
    {
      double x = f->width - PLOT_PAD - legend_w;

      for (guint i = 0; i < f->legend->len; i++)
        {
          DlPlotLegendItem *item = &g_array_index (f->legend, DlPlotLegendItem, i);
          item->x = x;
          item->y = PLOT_PAD + MAX (title_h - small_h, 0) / 2;
          x += item->width + PLOT_LEGEND_SPACING;
        }
      return MAX (title_h, small_h);
    }
  /* Else in rows below it. */
  return title_h + (title_h > 0 ? 4 : 0) + flow_legend (f, PLOT_PAD + title_h + (title_h > 0 ? 4 : 0), row_h) * row_h;
}

/* ------------------------------------------------------------------------------------------------------
 * Data range and axes
 */

/* The range over every entry's line (and a mean's band) and the markers' x; the empty plot shows 0..1
 * (0..100 on a percent axis). */
static void
data_range (DlPlot *self, DlPlotFrame *f, double *ylo, double *yhi, gboolean *data_nonneg)
{
  double xmax = -INFINITY, xmin = INFINITY, lo = INFINITY, hi = -INFINITY, pos = INFINITY, q;

  for (guint i = 0; i < self->entries->len; i++)
    {
      DlPlotEntry *e = g_ptr_array_index (self->entries, i);

      /* A smoothed series scales to its smoothed line, as TensorBoard ignores outliers: a few wild
       * batches early on would otherwise flatten the whole curve. The raw band is clipped instead. */
      for (DlPlotLineKind k = DL_PLOT_LINE_MAIN; k < DL_PLOT_N_LINES; k++)
        {
          const DlPlotStats *s = _dl_plot_entry_stats (e, k);

          if (s == NULL || s->n == 0)
            continue;
          xmin = MIN (xmin, s->xmin);
          xmax = MAX (xmax, s->xmax);
          lo = MIN (lo, s->lo);
          hi = MAX (hi, s->hi);
          pos = MIN (pos, s->pos);
          f->has_data = TRUE;
        }
    }
  for (guint i = 0; i < self->markers->len; i++)
    {
      double x = g_array_index (self->markers, DlPlotMarker, i).x;
      xmin = MIN (xmin, x);
      xmax = MAX (xmax, x);
    }

  /* x runs from 0 (the start of training) to the latest point, rounded up to about 1/50 of the span so
   * that the axis, and with it every cached decimation, stays put while points arrive. */
  f->x0 = MIN (0.0, isfinite (xmin) ? xmin : 0.0);
  f->x1 = isfinite (xmax) ? xmax : 1.0;
  if (f->x1 <= f->x0)
    f->x1 = f->x0 + 1.0;
  q = dl_ticks_nice_step (f->x1 - f->x0, PLOT_X_QUANTA, NULL);
  f->x1 = f->x0 + ceil ((f->x1 - f->x0) / q - 1e-9) * q;

  *data_nonneg = lo >= 0;
  if (f->log)
    {
      lo = pos;
      if (!isfinite (lo))
        lo = 0.01, hi = 1.0;
    }
  else if (!f->has_data)
    lo = 0.0, hi = self->y_percent ? 100.0 : 1.0;
  *ylo = lo;
  *yhi = hi;
}

static void
compute_y_axis (DlPlot *self, DlPlotFrame *f, double lo, double hi, gboolean data_nonneg)
{
  int target = CLAMP ((int) (f->area.size.height / 60), 2, 8);
  double step, below, above;

  dl_ticks_pad_range (&lo, &hi, PLOT_Y_PADDING, f->log);
  if (f->log)
    {
      dl_ticks_log (lo, hi, target, &f->yt, &f->yminor);
      f->y0 = log10 (lo);
      f->y1 = log10 (hi);
      return;
    }
  /* A loss never goes below 0: don't show negative ticks just for the padding. Percentages stay within
   * 0..100 (one evaluation at 97 % is not widened past 100). */
  if ((data_nonneg || self->y_percent) && lo < 0)
    lo = 0;
  if (self->y_percent && hi > 100)
    hi = 100;
  /* An end less than half a step from a tick moves out to it, so the axis usually starts and ends on a
   * labelled line (a loss axis from 0) while the data keep a little room. Steps of 1, 2, 5 × 10^k divide
   * 100, so a percent axis moved out still ends at 100 at most. */
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

static double
y_tick_label_width (DlPlotFrame *f)
{
  double widest = 0;

  for (int i = 0; i < f->yt.n; i++)
    {
      char buf[64];
      double w;

      dl_ticks_format (&f->yt, f->yt.values[i], buf, sizeof buf);
      _dl_plot_text_size (f->small, buf, &w, NULL);
      widest = MAX (widest, w);
    }
  return widest;
}

static void
compute_x_axis (DlPlotFrame *f)
{
  /* Room for the widest x label plus a gap between labels. */
  char buf[64];
  double w, per_px;
  DlTicks probe;

  dl_ticks_linear (f->x0, f->x1, 5, &probe);
  dl_ticks_format (&probe, f->x1, buf, sizeof buf);
  _dl_plot_text_size (f->small, buf, &w, NULL);
  dl_ticks_linear (f->x0, f->x1, CLAMP ((int) (f->area.size.width / (w + 48)), 2, 10), &f->xt);

  /* Read-outs give x to a digit that moves every few pixels: "epoch 3.03", not "3.027733". */
  per_px = (f->x1 - f->x0) / f->area.size.width;
  f->x_digits = CLAMP ((int) ceil (-log10 (5 * per_px)), 0, 6);
}

void
_dl_plot_frame_init (DlPlot *self, cairo_t *cr, int width, int height, DlPlotFrame *f)
{
  double top = PLOT_PAD, bottom = PLOT_PAD, left = PLOT_PAD, right = PLOT_PAD;
  double small_h, label_h, header_h, ylo, yhi;
  gboolean nonneg;

  memset (f, 0, sizeof *f);
  f->width = width;
  f->height = height;
  f->small = make_layout (self, cr, 0.82, PANGO_WEIGHT_NORMAL, TRUE);
  f->label = make_layout (self, cr, 0.9, PANGO_WEIGHT_NORMAL, FALSE);
  f->title = make_layout (self, cr, 1.0, PANGO_WEIGHT_BOLD, FALSE);
  f->legend = g_array_new (FALSE, TRUE, sizeof (DlPlotLegendItem));
  g_array_set_clear_func (f->legend, legend_item_clear);
  f->log = self->log_y;
  _dl_plot_text_size (f->small, "0123456789", NULL, &small_h);
  _dl_plot_text_size (f->label, "Xg", NULL, &label_h);

  header_h = layout_header (self, f, small_h);
  if (header_h > 0)
    top += header_h + PLOT_HEADER_GAP;
  bottom += small_h + PLOT_TICK_GAP;
  if (self->x_label && *self->x_label)
    bottom += label_h + PLOT_LABEL_GAP;

  /* The y ticks depend on the area's height, the left margin on their labels' width. */
  f->area.origin.y = top;
  f->area.size.height = MAX (height - top - bottom, 1);
  data_range (self, f, &ylo, &yhi, &nonneg);
  compute_y_axis (self, f, ylo, yhi, nonneg);

  left += y_tick_label_width (f) + PLOT_TICK_GAP;
  if (self->y_label && *self->y_label)
    left += label_h + PLOT_LABEL_GAP;
  f->area.origin.x = left;
  f->area.size.width = MAX (width - left - right, 1);
  compute_x_axis (f);
}

void
_dl_plot_frame_clear (DlPlotFrame *f)
{
  g_clear_object (&f->small);
  g_clear_object (&f->label);
  g_clear_object (&f->title);
  g_clear_pointer (&f->legend, g_array_unref);
}

double
_dl_plot_y_to_px (const DlPlotFrame *f, double y)
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

/* ------------------------------------------------------------------------------------------------------
 * Read-out values
 */

void
_dl_plot_format_x (const DlPlotFrame *f, double x, char *buf, gsize size)
{
  snprintf (buf, size, "%.*f", f->x_digits, x);
  if (buf[0] == '-' && strspn (buf + 1, "0.,") == strlen (buf + 1))
    memmove (buf, buf + 1, strlen (buf));
}

void
_dl_plot_format_y (DlPlot *self, double y, char *buf, gsize size)
{
  if (self->y_percent && isfinite (y))
    snprintf (buf, size, "%.2f %%", y);
  else
    dl_ticks_format_value (y, 4, buf, size);
}
