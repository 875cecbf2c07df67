/* dl-plot-describe.c — the plot in words for assistive technologies: its accessible description names each
 * curve with its latest value and, for curves that mark one, its best, to the read-out's precision and unit.
 * Points arrive with every batch: the description follows at most twice a second, not at every point. */
#include "dl-plot-private.h"

#include <glib/gi18n.h>
#include <math.h>

#define DESCRIBE_DELAY_MS    500
#define DESCRIBE_MAX_CURVES  6

/* The last finite point of the line as drawn, or -1. */
static int
latest_index (const DlPlotArray *a)
{
  for (guint i = a->end; i > a->begin; i--)
    if (isfinite (a->y[i - 1]))
      return i - 1;
  return -1;
}

static void
append_point (DlPlot *self, GString *text, const char *what, double x, double y)
{
  char ybuf[64];
  const char *x_label = self->x_label && *self->x_label ? self->x_label : "x";

  _dl_plot_format_y (self, y, ybuf, sizeof ybuf);
  /* TRANSLATORS: in a plot's description for screen readers, e.g. "latest 0.1234 at epoch 3.03" */
  g_string_append_printf (text, _("%s %s at %s %.2f"), what, ybuf, x_label, x);
}

/* "[run · ]name: latest Y at epoch X[, best Y at epoch X]"; FALSE when the curve has no point yet. */
static gboolean
describe_entry (DlPlot *self, DlPlotEntry *e, GString *text)
{
  DlPlotCurveFlags flags = _dl_plot_entry_flags (e);
  const DlPlotStats *stats;
  DlPlotArray a;
  int last;

  if (!_dl_plot_entry_array (e, DL_PLOT_LINE_MAIN, &a) || (last = latest_index (&a)) < 0)
    return FALSE;
  if (text->len > 0)
    g_string_append (text, "; ");
  if (e->run && _dl_plot_several_runs (self) && dl_plot_run_get_label (e->run))
    g_string_append_printf (text, "%s · ", dl_plot_run_get_label (e->run));
  g_string_append_printf (text, "%s: ", _dl_plot_entry_name (e) ? _dl_plot_entry_name (e) : "");
  append_point (self, text, _("latest"), a.x[last], a.y[last]);
  stats = _dl_plot_entry_stats (e, DL_PLOT_LINE_MAIN);
  if (stats && stats->n > 0 && (flags & (DL_PLOT_CURVE_BEST_MAX | DL_PLOT_CURVE_BEST_MIN)))
    {
      guint best = (flags & DL_PLOT_CURVE_BEST_MAX) ? stats->imax : stats->imin;

      g_string_append (text, ", ");
      append_point (self, text, _("best"), a.x[best], a.y[best]);
    }
  return TRUE;
}

char *
dl_plot_describe (DlPlot *self)
{
  g_autoptr (GString) curves = g_string_new (NULL);
  guint shown = 0, more = 0;

  g_return_val_if_fail (DL_IS_PLOT (self), NULL);

  /* The current run's curves when there is one (the others are what it is compared with). */
  for (guint i = 0; i < self->entries->len; i++)
    {
      DlPlotEntry *e = g_ptr_array_index (self->entries, i);

      if (self->current_run && e->run != self->current_run && e->run != NULL)
        continue;
      if (shown == DESCRIBE_MAX_CURVES)
        {
          more++;
          continue;
        }
      if (describe_entry (self, e, curves))
        shown++;
    }
  if (more > 0)
    {
      g_autofree char *rest = g_strdup_printf (ngettext ("and %u more curve", "and %u more curves", more), more);
      g_string_append_printf (curves, "; %s", rest);
    }
  if (shown == 0)
    return g_strdup (_("No points yet"));
  if (self->markers->len > 0)
    {
      g_autofree char *marks = g_strdup_printf (ngettext ("%u marked change", "%u marked changes",
                                                          self->markers->len), self->markers->len);
      g_string_append_printf (curves, "; %s", marks);
    }
  return g_string_free (g_steal_pointer (&curves), FALSE);
}

static gboolean
describe_now (gpointer data)
{
  DlPlot *self = data;
  g_autofree char *text = NULL;

  self->describe_id = 0;
  if (_dl_plot_cursor_refresh (self))
    return G_SOURCE_REMOVE;
  text = dl_plot_describe (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  return G_SOURCE_REMOVE;
}

void
_dl_plot_describe_queue (DlPlot *self)
{
  if (self->describe_id == 0)
    self->describe_id = g_timeout_add (DESCRIBE_DELAY_MS, describe_now, self);
}

void
_dl_plot_describe_cancel (DlPlot *self)
{
  g_clear_handle_id (&self->describe_id, g_source_remove);
}
