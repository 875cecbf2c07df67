/* bench-plot.c — prints how long the dashboard plot takes: appending points, re-smoothing, dl_plot_draw at
 * 960 × 480 for series of 1k to 1M points (noisy, smooth, and a smoothed loss with its raw band; the first
 * draw, and again from the caches), and the draw per frame of the Train page's loss and accuracy plots
 * with 0, 1 and 10 finished runs of 10 epochs overlaid while an 11th (the current run) appends a progress
 * event's batches (45, as mlp at ~85k samples/s and 30 progress events per second) before each frame.
 * CPU time, median (and p99) of repeated runs; nothing here is a pass/fail test. Needs a display (GTK):
 * run it under xvfb-run when there is none.
 *
 * With --app SECONDS it runs the real application instead, with 10 such runs overlaid on the Train page
 * while the mlp preset trains for real, and DIGITLAB_FRAME_STATS=1 (the window logs its frame intervals
 * every 10 s); it needs MNIST.
 *
 * Usage: bench-plot [--app SECONDS]
 */
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dl-application.h"
#include "dl-plot.h"
#include "dl-session.h"
#include "dl-train-page.h"
#include "dl-window.h"

#define BATCHES_PER_EPOCH 938     /* 60,000 / 64 */
#define EPOCHS            10
#define EVAL_EVERY        100     /* batches, as the Train page asks */
#define BATCHES_PER_FRAME 45

#define WIDTH  960
#define HEIGHT 480

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, compare_doubles);
  return v[n / 2];
}

/* Thread CPU time: the machine is shared, and wall time under load says more about the neighbours. */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
gauss (GRand *rand)
{
  double u = g_rand_double (rand), v = g_rand_double (rand);
  return sqrt (-2 * log (u + 1e-300)) * cos (2 * G_PI * v);
}

typedef enum { NOISY, SMOOTH, LOSS } Shape;

static void
fill (DlSeries *s, guint n, Shape shape, GRand *rand)
{
  double *x = g_new (double, n), *y = g_new (double, n);

  for (guint i = 0; i < n; i++)
    {
      double t = (double) i / n;
      x[i] = i;
      if (shape == NOISY)
        y[i] = sin (6 * t) + 0.3 * gauss (rand);
      else if (shape == SMOOTH)
        y[i] = sin (6 * t);
      else
        y[i] = (0.05 + 2.2 * exp (-t * 20)) * exp (0.4 * gauss (rand) - 0.08);
    }
  dl_series_append_many (s, x, y, n);
  g_free (x);
  g_free (y);
}

/* The first draw (every array decimated, everything drawn), and the median of 20 more of the same data
 * (from the caches: the columns, and once settled the image of the curves). */
static double
time_draw (DlPlot *plot, cairo_surface_t *surface, double *first)
{
  double t[21];

  for (int k = 0; k < (int) G_N_ELEMENTS (t); k++)
    {
      double start = cpu_ms ();
      cairo_t *cr = cairo_create (surface);
      dl_plot_draw (plot, cr, WIDTH, HEIGHT);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      t[k] = cpu_ms () - start;
    }
  *first = t[0];
  return median (t + 1, G_N_ELEMENTS (t) - 1);
}

static void
bench_draw (const char *what, guint n, Shape shape, cairo_surface_t *surface, GRand *rand)
{
  DlPlot *plot = g_object_ref_sink (DL_PLOT (dl_plot_new ()));
  DlSeries *s = dl_series_new (what, "blue");
  double first, cached;

  dl_plot_set_title (plot, what);
  dl_plot_set_x_label (plot, "step");
  if (shape == LOSS)
    {
      dl_series_set_smooth (s, TRUE);
      dl_plot_set_smoothing (plot, 0.97);
      dl_plot_add_marker (plot, n * 0.4, "lr 0.05 → 0.01");
    }
  fill (s, n, shape, rand);
  dl_plot_add_series (plot, s);
  cached = time_draw (plot, surface, &first);
  printf ("  %-28s %8u points  %7.3f ms first, %7.3f ms again\n", what, n, first, cached);
  if (shape == LOSS)
    {
      dl_plot_set_log_y (plot, TRUE);
      cached = time_draw (plot, surface, &first);
      printf ("  %-28s %8u points  %7.3f ms first, %7.3f ms again\n", "  same, log y", n, first, cached);
    }
  g_object_unref (s);
  g_object_unref (plot);
}

static void
bench_series_and_sizes (cairo_surface_t *surface, GRand *rand)
{
  const guint sizes[] = { 1000, 20000, 100000, 1000000 };

  {
    const guint n = 1000000;
    DlSeries *s = dl_series_new ("append", NULL);
    double start, append_ms, smooth_ms;

    dl_series_set_smoothing (s, 0.9);
    start = cpu_ms ();
    for (guint i = 0; i < n; i++)
      dl_series_append (s, i, sin (i * 1e-3));
    append_ms = cpu_ms () - start;
    start = cpu_ms ();
    dl_series_set_smoothing (s, 0.95);
    smooth_ms = cpu_ms () - start;
    printf ("series: append %.1f ns per point (smoothed, with \"changed\"), re-smooth 1M points %.1f ms\n",
            append_ms * 1e6 / n, smooth_ms);
    g_object_unref (s);
  }

  printf ("dl_plot_draw at %d x %d (image surface, CPU time; the first draw, then the median of 20 more):\n",
          WIDTH, HEIGHT);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    bench_draw ("noisy", sizes[i], NOISY, surface, rand);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    bench_draw ("smooth", sizes[i], SMOOTH, surface, rand);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    bench_draw ("loss, raw + smoothed", sizes[i], LOSS, surface, rand);

  {
    DlPlot *plot = g_object_ref_sink (DL_PLOT (dl_plot_new ()));
    double first, cached = time_draw (plot, surface, &first);

    printf ("  %-28s %8u points  %7.3f ms first, %7.3f ms again (axes, labels only)\n", "empty", 0, first, cached);
    g_object_unref (plot);
  }
}

/* ------------------------------------------------------------------------------------------------------
 * Overlaid runs
 */

/* One run's series as the Train page keeps them; x in epochs. */
typedef struct {
  DlSeries *loss, *test_loss, *train_acc, *test_acc;
  double    rate;      /* how fast this run learns */
  guint     batches;   /* appended so far */
} FakeRun;

static double
loss_at (const FakeRun *r, double epoch)
{
  return 0.02 + 2.0 * exp (-epoch * 6 * r->rate) + 0.28 * exp (-epoch * r->rate);
}

static void
fake_run_init (FakeRun *r, double rate)
{
  r->loss = dl_series_new ("train loss (per batch)", "blue");
  dl_series_set_smooth (r->loss, TRUE);
  r->test_loss = dl_series_new ("test loss", "orange");
  r->train_acc = dl_series_new ("train accuracy (epoch)", "blue");
  r->test_acc = dl_series_new ("test accuracy", "orange");
  r->rate = rate;
  r->batches = 0;
}

static void
fake_run_clear (FakeRun *r)
{
  g_clear_object (&r->loss);
  g_clear_object (&r->test_loss);
  g_clear_object (&r->train_acc);
  g_clear_object (&r->test_acc);
}

/* n more batches: their losses, and the evaluations (every EVAL_EVERY batches and at each epoch end). */
static void
fake_run_append (FakeRun *r, guint n, GRand *rand)
{
  g_autofree double *x = g_new (double, n);
  g_autofree double *y = g_new (double, n);

  for (guint i = 0; i < n; i++)
    {
      guint b = ++r->batches;
      double epoch = (double) b / BATCHES_PER_EPOCH;

      x[i] = epoch;
      y[i] = loss_at (r, epoch) * exp (0.25 * gauss (rand) - 0.03);
      if (b % EVAL_EVERY == 0 || b % BATCHES_PER_EPOCH == 0)
        {
          double l = loss_at (r, epoch) * 1.1;
          dl_series_append (r->test_loss, epoch, l);
          dl_series_append (r->test_acc, epoch, 100 * (1 - 0.4 * l) - 0.3 * fabs (gauss (rand)));
        }
      if (b % BATCHES_PER_EPOCH == 0)
        dl_series_append (r->train_acc, epoch, 100 * (1 - 0.3 * loss_at (r, epoch)));
    }
  dl_series_append_many (r->loss, x, y, n);
}

/* The run on the Train page's two plots, styled as the page styles its own. */
static void
fake_run_show (FakeRun *r, const char *label, DlPlot *loss_plot, DlPlot *accuracy_plot, gboolean current)
{
  g_autoptr (DlPlotRun) loss = dl_plot_run_new (label, NULL);
  g_autoptr (DlPlotRun) accuracy = dl_plot_run_new (label, NULL);

  dl_plot_run_add_series (loss, r->loss, DL_PLOT_CURVE_DEFAULT);
  dl_plot_run_add_series (loss, r->test_loss, DL_PLOT_CURVE_POINTS | DL_PLOT_CURVE_DASHED | DL_PLOT_CURVE_BEST_MIN);
  dl_plot_run_add_series (accuracy, r->train_acc, DL_PLOT_CURVE_POINTS | DL_PLOT_CURVE_BEST_MAX);
  dl_plot_run_add_series (accuracy, r->test_acc, DL_PLOT_CURVE_POINTS | DL_PLOT_CURVE_DASHED | DL_PLOT_CURVE_BEST_MAX);
  dl_plot_add_run (loss_plot, loss);
  dl_plot_add_run (accuracy_plot, accuracy);
  if (current)
    {
      dl_plot_set_current_run (loss_plot, loss);
      dl_plot_set_current_run (accuracy_plot, accuracy);
    }
}

static FakeRun *
finished_runs (guint n, GRand *rand)
{
  FakeRun *runs = g_new0 (FakeRun, n);

  for (guint k = 0; k < n; k++)
    {
      fake_run_init (&runs[k], 0.6 + 0.15 * k);
      fake_run_append (&runs[k], EPOCHS * BATCHES_PER_EPOCH, rand);
    }
  return runs;
}

static int
compare_doubles_p (const void *a, const void *b)
{
  return compare_doubles (a, b);
}

/* Frames of both plots while the current run appends, from its start to the end of its 10 epochs. */
static void
bench_overlay (guint n_finished, cairo_surface_t *surface, GRand *rand)
{
  DlPlot *loss = g_object_ref_sink (DL_PLOT (dl_plot_new ()));
  DlPlot *accuracy = g_object_ref_sink (DL_PLOT (dl_plot_new ()));
  FakeRun *runs = finished_runs (n_finished, rand), current;
  guint n_frames = EPOCHS * BATCHES_PER_EPOCH / BATCHES_PER_FRAME;
  double *ms = g_new (double, n_frames), first, total = 0;

  dl_plot_set_title (loss, "Loss");
  dl_plot_set_smoothing (loss, 0.9);
  dl_plot_set_title (accuracy, "Accuracy");
  dl_plot_set_y_percent (accuracy, TRUE);
  for (guint k = 0; k < n_finished; k++)
    {
      g_autofree char *label = g_strdup_printf ("lr %.2f", 0.01 * (k + 1));
      fake_run_show (&runs[k], label, loss, accuracy, FALSE);
    }
  fake_run_init (&current, 1.0);
  fake_run_show (&current, "this run", loss, accuracy, TRUE);

  for (guint f = 0; f < n_frames; f++)
    {
      double start;
      cairo_t *cr;

      fake_run_append (&current, BATCHES_PER_FRAME, rand);
      start = cpu_ms ();
      cr = cairo_create (surface);
      dl_plot_draw (loss, cr, WIDTH, HEIGHT);
      dl_plot_draw (accuracy, cr, WIDTH, HEIGHT);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      ms[f] = cpu_ms () - start;
      total += ms[f];
    }
  first = ms[0];
  qsort (ms, n_frames, sizeof *ms, compare_doubles_p);
  printf ("  %2u finished + 1 appending  first frame %6.2f ms   per frame: median %6.2f  p99 %6.2f  max %6.2f  "
          "mean %6.2f ms  (%u frames)\n",
          n_finished, first, ms[n_frames / 2], ms[(int) (0.99 * (n_frames - 1))], ms[n_frames - 1],
          total / n_frames, n_frames);

  g_free (ms);
  for (guint k = 0; k < n_finished; k++)
    fake_run_clear (&runs[k]);
  g_free (runs);
  fake_run_clear (&current);
  g_object_unref (loss);
  g_object_unref (accuracy);
}

/* ------------------------------------------------------------------------------------------------------
 * The real application with 10 runs overlaid
 */

typedef struct {
  GApplication *app;
  DlWindow     *window;
  FakeRun      *runs;
  int           seconds;
} AppBench;

static void
quit_app (gpointer user_data)
{
  AppBench *b = user_data;

  gtk_window_destroy (GTK_WINDOW (b->window));
}

static gboolean
start_when_shown (gpointer user_data)
{
  AppBench *b = user_data;
  DlTrainPage *page = dl_window_get_train_page (b->window);

  GActionGroup *actions = dl_session_get_actions (dl_window_get_session (b->window));

  /* Start is enabled once the session has loaded the data and made its first run. */
  if (!gtk_widget_is_drawable (GTK_WIDGET (page)) || !g_action_group_get_action_enabled (actions, "start"))
    return G_SOURCE_CONTINUE;
  for (guint k = 0; k < 10; k++)
    {
      g_autofree char *label = g_strdup_printf ("lr %.2f", 0.01 * (k + 1));
      fake_run_show (&b->runs[k], label, dl_train_page_get_loss_plot (page), dl_train_page_get_accuracy_plot (page),
                     FALSE);
    }
  /* The page's own run stays current: it is drawn on top. */
  dl_plot_set_current_run (dl_train_page_get_loss_plot (page), dl_plot_get_run (dl_train_page_get_loss_plot (page), 0));
  dl_plot_set_current_run (dl_train_page_get_accuracy_plot (page),
                           dl_plot_get_run (dl_train_page_get_accuracy_plot (page), 0));
  gtk_widget_activate_action (GTK_WIDGET (b->window), "session.start", NULL);
  g_timeout_add_once (b->seconds * 1000, quit_app, b);
  return G_SOURCE_REMOVE;
}

static void
on_activated (AppBench *b)
{
  b->window = DL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (b->app)));
  g_timeout_add (100, start_when_shown, b);
}

static int
bench_app (int seconds)
{
  GRand *rand = g_rand_new_with_seed (1);
  AppBench b = { 0 };
  int status;

  g_setenv ("DIGITLAB_FRAME_STATS", "1", FALSE);
  b.runs = finished_runs (10, rand);
  b.seconds = seconds;
  b.app = G_APPLICATION (dl_application_new ());
  g_signal_connect_data (b.app, "activate", G_CALLBACK (on_activated), &b, NULL, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  printf ("the app, mlp training, 10 runs of %d epochs overlaid, %d s (frame stats every 10 s on stderr)\n",
          EPOCHS, seconds);
  fflush (stdout);
  status = g_application_run (b.app, 0, NULL);
  g_object_unref (b.app);
  for (guint k = 0; k < 10; k++)
    fake_run_clear (&b.runs[k]);
  g_free (b.runs);
  g_rand_free (rand);
  return status;
}

int
main (int argc, char **argv)
{
  cairo_surface_t *surface;
  GRand *rand;

  if (argc == 3 && g_str_equal (argv[1], "--app"))
    return bench_app (atoi (argv[2]));
  if (argc != 1)
    {
      fprintf (stderr, "usage: bench-plot [--app SECONDS]\n");
      return 2;
    }

  gtk_init ();
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  rand = g_rand_new_with_seed (1);
  bench_series_and_sizes (surface, rand);

  printf ("the Train page's loss and accuracy plots, one frame each at %d x %d, while the current run appends "
          "%d batches per frame (%d epochs of %d batches; CPU time):\n", WIDTH, HEIGHT, BATCHES_PER_FRAME, EPOCHS,
          BATCHES_PER_EPOCH);
  bench_overlay (0, surface, rand);
  bench_overlay (1, surface, rand);
  bench_overlay (10, surface, rand);

  cairo_surface_destroy (surface);
  g_rand_free (rand);
  return 0;
}
