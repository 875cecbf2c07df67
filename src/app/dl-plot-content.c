/* dl-plot-content.c — what a DlPlot shows: series on their own, runs (one the current), markers. */
#include "dl-plot-private.h"

#include <math.h>

void
dl_plot_add_series (DlPlot *self, DlSeries *series)
{
  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (DL_IS_SERIES (series));

  if (g_ptr_array_find (self->series, series, NULL))
    return;
  g_ptr_array_add (self->series, g_object_ref (series));
  _dl_plot_entries_rebuild (self);
}

void
dl_plot_remove_series (DlPlot *self, DlSeries *series)
{
  guint index;

  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (DL_IS_SERIES (series));

  if (!g_ptr_array_find (self->series, series, &index))
    return;
  g_ptr_array_remove_index (self->series, index);
  _dl_plot_entries_rebuild (self);
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

/* Label, colour and x range are read at each drawing; what the layer holds may be out of date. */
static void
run_notify (DlPlot *self)
{
  self->style_serial++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_plot_add_run (DlPlot *self, DlPlotRun *run)
{
  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (DL_IS_PLOT_RUN (run));

  if (g_ptr_array_find (self->runs, run, NULL))
    return;
  g_ptr_array_add (self->runs, g_object_ref (run));
  g_signal_connect_object (run, "curves-changed", G_CALLBACK (_dl_plot_entries_rebuild), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "notify", G_CALLBACK (run_notify), self, G_CONNECT_SWAPPED);
  _dl_plot_entries_rebuild (self);
}

void
dl_plot_remove_run (DlPlot *self, DlPlotRun *run)
{
  guint index;

  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (DL_IS_PLOT_RUN (run));

  if (!g_ptr_array_find (self->runs, run, &index))
    return;
  if (self->current_run == run)
    dl_plot_set_current_run (self, NULL);
  g_signal_handlers_disconnect_by_data (run, self);
  g_ptr_array_remove_index (self->runs, index);
  _dl_plot_entries_rebuild (self);
}

guint
dl_plot_get_n_runs (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), 0);
  return self->runs->len;
}

DlPlotRun *
dl_plot_get_run (DlPlot *self, guint i)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);
  g_return_val_if_fail (i < self->runs->len, NULL);
  return g_ptr_array_index (self->runs, i);
}

void
dl_plot_add_marker (DlPlot *self, double x, const char *label)
{
  DlPlotMarker m = { x, g_strdup (label) };

  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (isfinite (x));

  g_array_append_val (self->markers, m);
  self->style_serial++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  _dl_plot_describe_queue (self);
}

void
dl_plot_clear_markers (DlPlot *self)
{
  g_return_if_fail (DL_IS_PLOT (self));

  g_array_remove_range (self->markers, 0, self->markers->len);
  self->style_serial++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  _dl_plot_describe_queue (self);
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
  return g_array_index (self->markers, DlPlotMarker, i).x;
}

const char *
dl_plot_get_marker_label (DlPlot *self, guint i)
{
  g_return_val_if_fail (DL_IS_PLOT (self) && i < self->markers->len, NULL);
  return g_array_index (self->markers, DlPlotMarker, i).label;
}
