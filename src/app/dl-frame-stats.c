/* dl-frame-stats.c — see dl-frame-stats.h. */
#include "dl-frame-stats.h"

#define PROBE_MS     10
#define REPORT_EVERY (10 * G_USEC_PER_SEC)

struct _DlFrameStats
{
  GtkWidget *widget;
  guint      tick_id;
  guint      probe_id;
  gint64     last_frame;      /* µs, frame clock time */
  gint64     probe_due;       /* µs, monotonic */
  gint64     last_report;
  GArray    *frames_ms;       /* double */
  GArray    *latency_ms;      /* double */
};

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted, double p)
{
  guint i = (guint) (p * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, double, i);
}

static void
report_one (const char *what, GArray *values)
{
  if (values->len == 0)
    return;
  g_array_sort (values, compare_doubles);
  g_printerr ("digitlab: %s n=%u p50=%.1f ms p99=%.1f ms max=%.1f ms\n", what, values->len,
              percentile (values, 0.50), percentile (values, 0.99),
              g_array_index (values, double, values->len - 1));
  g_array_set_size (values, 0);
}

static void
report (DlFrameStats *stats)
{
  report_one ("frame interval", stats->frames_ms);
  report_one ("main-loop latency", stats->latency_ms);
  stats->last_report = g_get_monotonic_time ();
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  DlFrameStats *stats = user_data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (stats->last_frame != 0)
    {
      double ms = (now - stats->last_frame) / 1000.0;
      g_array_append_val (stats->frames_ms, ms);
    }
  stats->last_frame = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_probe (gpointer user_data)
{
  DlFrameStats *stats = user_data;
  gint64 now = g_get_monotonic_time ();
  double late_ms = MAX (0, now - stats->probe_due) / 1000.0;

  g_array_append_val (stats->latency_ms, late_ms);
  stats->probe_due = now + PROBE_MS * 1000;
  if (now - stats->last_report >= REPORT_EVERY)
    report (stats);
  return G_SOURCE_CONTINUE;
}

DlFrameStats *
dl_frame_stats_start (GtkWidget *widget)
{
  DlFrameStats *stats;

  if (g_getenv ("DIGITLAB_FRAME_STATS") == NULL)
    return NULL;

  stats = g_new0 (DlFrameStats, 1);
  stats->widget = widget;
  stats->frames_ms = g_array_new (FALSE, FALSE, sizeof (double));
  stats->latency_ms = g_array_new (FALSE, FALSE, sizeof (double));
  stats->last_report = g_get_monotonic_time ();
  stats->probe_due = stats->last_report + PROBE_MS * 1000;
  stats->tick_id = gtk_widget_add_tick_callback (widget, on_tick, stats, NULL);
  stats->probe_id = g_timeout_add (PROBE_MS, on_probe, stats);
  return stats;
}

void
dl_frame_stats_stop (DlFrameStats *stats)
{
  if (stats == NULL)
    return;
  report (stats);
  gtk_widget_remove_tick_callback (stats->widget, stats->tick_id);
  g_source_remove (stats->probe_id);
  g_array_unref (stats->frames_ms);
  g_array_unref (stats->latency_ms);
  g_free (stats);
}
