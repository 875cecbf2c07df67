/* bench-plot.c — prints how long the dashboard plot takes: appending points, re-smoothing, and one full
 * dl_plot_draw at 960 × 480 for series of 1k to 1M points (noisy, smooth, and a smoothed loss with its raw
 * band). The plots redraw at up to 30 Hz while training, so a draw should stay around a millisecond.
 * CPU time, median of repeated runs; nothing here is a pass/fail test. Needs a display (GTK): run it under
 * xvfb-run when there is none.
 *
 * Usage: bench-plot
 */
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dl-plot.h"

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

static double
time_draw (DlPlot *plot, cairo_surface_t *surface)
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
  return median (t, G_N_ELEMENTS (t));
}

static void
bench_draw (const char *what, guint n, Shape shape, cairo_surface_t *surface, GRand *rand)
{
  DlPlot *plot = g_object_ref_sink (DL_PLOT (dl_plot_new ()));
  DlSeries *s = dl_series_new (what, "blue");

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
  printf ("  %-28s %8u points  %7.3f ms per draw\n", what, n, time_draw (plot, surface));
  if (shape == LOSS)
    {
      dl_plot_set_log_y (plot, TRUE);
      printf ("  %-28s %8u points  %7.3f ms per draw\n", "  same, log y", n, time_draw (plot, surface));
    }
  g_object_unref (s);
  g_object_unref (plot);
}

int
main (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  GRand *rand = g_rand_new_with_seed (1);
  const guint sizes[] = { 1000, 20000, 100000, 1000000 };

  gtk_init ();

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

  printf ("dl_plot_draw at %d x %d (image surface, CPU time, median of 21):\n", WIDTH, HEIGHT);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    bench_draw ("noisy", sizes[i], NOISY, surface, rand);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    bench_draw ("smooth", sizes[i], SMOOTH, surface, rand);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    bench_draw ("loss, raw + smoothed", sizes[i], LOSS, surface, rand);

  {
    DlPlot *plot = g_object_ref_sink (DL_PLOT (dl_plot_new ()));
    printf ("  %-28s %8u points  %7.3f ms per draw (axes, labels, legend only)\n", "empty", 0,
            time_draw (plot, surface));
    g_object_unref (plot);
  }

  cairo_surface_destroy (surface);
  g_rand_free (rand);
  return 0;
}
