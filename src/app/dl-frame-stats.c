/* dl-frame-stats.c — see dl-frame-stats.h. */
#include "dl-frame-stats.h"

#include <stdio.h>
#include <time.h>

#define PROBE_MS     10
#define REPORT_EVERY (10 * G_USEC_PER_SEC)
#define LONG_FRAME_MS 34.0     /* more than two frames at 60 Hz */

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
  GArray    *cpu_ms;          /* double: the main thread's CPU time in each frame interval */
  GArray    *paint_ms;        /* double: of which from the tick to the end of the frame's paint */
  GdkFrameClock *clock;       /* followed for its after-paint, once the tick shows which it is */
  gulong     after_paint_id;
  double     tick_cpu_ms;     /* thread CPU time at the last tick */
  guint64    last_run_ns, last_wait_ns;  /* the main thread's schedstat at the last frame */
  double     long_ms, long_cpu_ms, long_wait_ms;  /* summed over the long intervals */
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

/* Where the long intervals' time went: the main thread computing, waiting for a CPU (other threads
 * and processes had it), or neither (waiting for the X server, or for nothing). It tells a frame the
 * app made late from one the machine's load made late. */
static void
report_long (DlFrameStats *stats)
{
  if (stats->long_ms > 0)
    g_printerr ("digitlab: intervals > %.0f ms: %.0f ms in all, the main thread on a CPU %.0f %%, "
                "waiting for a CPU %.0f %%, neither %.0f %%\n", LONG_FRAME_MS, stats->long_ms,
                100 * stats->long_cpu_ms / stats->long_ms, 100 * stats->long_wait_ms / stats->long_ms,
                100 * (stats->long_ms - stats->long_cpu_ms - stats->long_wait_ms) / stats->long_ms);
  stats->long_ms = stats->long_cpu_ms = stats->long_wait_ms = 0;
}

static void
report (DlFrameStats *stats)
{
  report_one ("frame interval", stats->frames_ms);
  report_one ("main-thread CPU per frame", stats->cpu_ms);
  report_one ("of which painting", stats->paint_ms);
  report_long (stats);
  report_one ("main-loop latency", stats->latency_ms);
  stats->last_report = g_get_monotonic_time ();
}

/* The calling thread's time on a CPU and waiting in a run queue, in ns (Linux schedstat); FALSE where
 * there is none. */
static gboolean
read_schedstat (guint64 *run_ns, guint64 *wait_ns)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL))
    return FALSE;
  return sscanf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, run_ns, wait_ns) == 2;
}

static void
add_interval (DlFrameStats *stats, double ms)
{
  guint64 run_ns, wait_ns;
  double cpu = 0, wait = 0;

  g_array_append_val (stats->frames_ms, ms);
  if (!read_schedstat (&run_ns, &wait_ns))
    return;
  if (stats->last_run_ns != 0)
    {
      cpu = (run_ns - stats->last_run_ns) / 1e6;
      wait = (wait_ns - stats->last_wait_ns) / 1e6;
      g_array_append_val (stats->cpu_ms, cpu);
    }
  if (ms > LONG_FRAME_MS)
    {
      stats->long_ms += ms;
      stats->long_cpu_ms += MIN (cpu, ms);
      stats->long_wait_ms += MIN (wait, ms - MIN (cpu, ms));
    }
  stats->last_run_ns = run_ns;
  stats->last_wait_ns = wait_ns;
}

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The frame's own work (layout, snapshot, rendering) apart from what the main loop did between frames
 * (the worker's events, input, timers). */
static void
on_after_paint (GdkFrameClock *clock, DlFrameStats *stats)
{
  double ms = thread_cpu_ms () - stats->tick_cpu_ms;

  g_array_append_val (stats->paint_ms, ms);
}

/* The clock loses its handlers when the window's surface goes, which may come first. */
static void
drop_clock (DlFrameStats *stats)
{
  if (stats->clock != NULL && g_signal_handler_is_connected (stats->clock, stats->after_paint_id))
    g_signal_handler_disconnect (stats->clock, stats->after_paint_id);
  g_clear_object (&stats->clock);
}

static void
follow_clock (DlFrameStats *stats, GdkFrameClock *clock)
{
  if (stats->clock == clock)
    return;
  drop_clock (stats);
  stats->clock = g_object_ref (clock);
  stats->after_paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), stats);
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  DlFrameStats *stats = user_data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (stats->last_frame != 0)
    add_interval (stats, (now - stats->last_frame) / 1000.0);
  stats->last_frame = now;
  stats->tick_cpu_ms = thread_cpu_ms ();
  follow_clock (stats, clock);
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
  stats->cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
  stats->paint_ms = g_array_new (FALSE, FALSE, sizeof (double));
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
  drop_clock (stats);
  g_array_unref (stats->cpu_ms);
  g_array_unref (stats->paint_ms);
  g_free (stats);
}
