/* dl-plot-readout.c — what the hover read-out says at a pointer position (each curve's nearest point, to
 * the axis' precision and unit), and the x a right-click on the plot refers to. */
#include "dl-plot-private.h"

#include <glib/gi18n.h>
#include <math.h>

/* The current run's entries first (in their order), then the others as drawn. */
DlPlotEntry *
_dl_plot_readout_entry (DlPlot *self, guint i)
{
  guint n = self->entries->len, n_current = 0;

  while (n_current < n && self->current_run
         && ((DlPlotEntry *) g_ptr_array_index (self->entries, n - 1 - n_current))->run == self->current_run)
    n_current++;
  if (i < n_current)
    return g_ptr_array_index (self->entries, n - n_current + i);
  return g_ptr_array_index (self->entries, i - n_current);
}

static gboolean
x_in_run (const DlPlotEntry *e, double x)
{
  return e->run == NULL || (x >= dl_plot_run_get_x_from (e->run) && x <= dl_plot_run_get_x_to (e->run));
}

/* "● [run ·] name value (raw value | low–high) at x": the raw value for smoothed series, a mean's band,
 * the x when the point is not at the header's x (per-epoch points next to per-step ones). */
static void
append_row (DlPlot *self, const DlPlotFrame *f, GString *text, DlPlotEntry *e, int j, const GdkRGBA *c,
            const char *header_x)
{
  g_autofree char *name = g_markup_escape_text (_dl_plot_entry_name (e) ? _dl_plot_entry_name (e) : "", -1);
  DlPlotArray a;
  char buf[64], buf2[64];

  g_string_append_printf (text, "\n<span foreground=\"#%02x%02x%02x\">●</span> ", (int) (c->red * 255),
                          (int) (c->green * 255), (int) (c->blue * 255));
  if (e->run && _dl_plot_several_runs (self) && dl_plot_run_get_label (e->run))
    {
      g_autofree char *run = g_markup_escape_text (dl_plot_run_get_label (e->run), -1);
      g_string_append_printf (text, "%s · ", run);
    }
  _dl_plot_entry_array (e, DL_PLOT_LINE_MAIN, &a);
  _dl_plot_format_y (self, a.y[j], buf, sizeof buf);
  g_string_append_printf (text, "%s <b>%s</b>", name, buf);
  if (e->members)
    {
      DlPlotArray lo, hi;

      _dl_plot_entry_array (e, DL_PLOT_LINE_LOW, &lo);
      _dl_plot_entry_array (e, DL_PLOT_LINE_HIGH, &hi);
      _dl_plot_format_y (self, lo.y[j], buf, sizeof buf);
      _dl_plot_format_y (self, hi.y[j], buf2, sizeof buf2);
      g_string_append_printf (text, " <span alpha=\"60%%\">(%s – %s)</span>", buf, buf2);
    }
  else if (_dl_plot_entry_is_smoothed (e))
    {
      _dl_plot_format_y (self, dl_series_get_y (e->series, j), buf, sizeof buf);
      g_string_append_printf (text, " <span alpha=\"60%%\">(%s %s)</span>", _("raw"), buf);
    }
  _dl_plot_format_x (f, a.x[j], buf, sizeof buf);
  if (!g_str_equal (buf, header_x))
    /* TRANSLATORS: in the plot's hover read-out, "at" an x value such as an epoch */
    g_string_append_printf (text, " <span alpha=\"60%%\">%s %s</span>", _("at"), buf);
}

char *
_dl_plot_readout (DlPlot *self, DlPlotFrame *f, double px, double py, GArray *dots)
{
  GString *text = NULL;
  char header_x[64] = "";
  double hx = _dl_plot_px_to_x (f, px);
  guint shown = 0, more = 0;

  if (!graphene_rect_contains_point (&f->area, &GRAPHENE_POINT_INIT (px, py)))
    return NULL;
  for (guint i = 0; i < self->entries->len; i++)
    {
      DlPlotEntry *e = _dl_plot_readout_entry (self, i);
      int j = x_in_run (e, hx) ? _dl_plot_entry_nearest (e, hx) : -1;
      DlPlotArray a;
      DlPlotDot dot;

      if (j < 0)
        continue;
      if (shown == PLOT_READOUT_ROWS)
        {
          more++;
          continue;
        }
      _dl_plot_entry_array (e, DL_PLOT_LINE_MAIN, &a);
      _dl_plot_entry_drawn_color (self, e, _dl_plot_entry_emphasis (self, e), &dot.color);
      dot.px = _dl_plot_x_to_px (f, a.x[j]);
      dot.py = _dl_plot_y_to_px (f, a.y[j]);
      if (dots && isfinite (dot.py))
        g_array_append_val (dots, dot);
      if (shown++ == 0)
        {
          /* The header: x of the first row's point. */
          g_autofree char *x_label =
            g_markup_escape_text (self->x_label && *self->x_label ? self->x_label : "x", -1);

          _dl_plot_format_x (f, a.x[j], header_x, sizeof header_x);
          text = g_string_new (NULL);
          g_string_append_printf (text, "<b>%s %s</b>", x_label, header_x);
        }
      append_row (self, f, text, e, j, &dot.color, header_x);
    }
  if (more > 0)
    {
      /* TRANSLATORS: the plot's read-out lists some curves; this many more are left out */
      g_autofree char *rest = g_strdup_printf (ngettext ("and %u more curve", "and %u more curves", more), more);
      g_string_append_printf (text, "\n<span alpha=\"60%%\">%s</span>", rest);
    }
  return text ? g_string_free (text, FALSE) : NULL;
}

gboolean
_dl_plot_point_x_at (DlPlot *self, const DlPlotFrame *f, double px, double *x)
{
  double hx = _dl_plot_px_to_x (f, px), best = INFINITY;

  if (px < f->area.origin.x || px > f->area.origin.x + f->area.size.width)
    return FALSE;
  for (guint i = 0; i < self->entries->len; i++)
    {
      DlPlotEntry *e = g_ptr_array_index (self->entries, i);
      DlPlotArray a;
      int j;

      if (self->current_run && e->run != self->current_run)
        continue;
      j = _dl_plot_entry_nearest (e, hx);
      if (j < 0)
        continue;
      _dl_plot_entry_array (e, DL_PLOT_LINE_MAIN, &a);
      if (fabs (a.x[j] - hx) < fabs (best - hx))
        best = a.x[j];
    }
  if (!isfinite (best))
    return FALSE;
  *x = best;
  return TRUE;
}

