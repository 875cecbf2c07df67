/* test-plot.c — the series model (smoothing, ranges, search) and the plot widget: pixels of off-screen
 * renders through dl_plot_draw (one run and several overlaid, clipped runs, best values, mean bands, the
 * image kept between frames), axes and read-outs (computed layout), exports of one and several plots, the
 * right-click menu's run actions, the save dialog's lifetime, and one render of a realized window through
 * its GskRenderer. */
#include <check.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "dl-plot.h"
#include "dl-test-gtk.h"
#include "dl-test-mnist.h"
#include "dl-train-page.h"

/* The palette's light-style colours (the tests run with the default, light, style). */
#define BLUE   0x1c71d8
#define ORANGE 0xe66100
#define RED    0xc01c28
#define GREEN  0x26a269
#define PURPLE 0x813d9c
#define TEAL   0x218787

#define W 400
#define H 300

/* ------------------------------------------------------------------------------------------------------
 * Series model
 */

static void
count_changed (DlSeries *s, int *count)
{
  (*count)++;
}

START_TEST (test_smoothing_exact)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlSeries) s = dl_series_new ("loss", NULL);
  const double ys[] = { 1, 0, 0 };

  dl_series_set_smoothing (s, 0.5);
  for (int i = 0; i < 3; i++)
    dl_series_append (s, i, ys[i]);

  /* ema = 0.5, 0.25, 0.125 divided by the debiasing 1 - 0.5^k = 0.5, 0.75, 0.875. */
  ck_assert (dl_series_get_smoothed (s, 0) == 1.0);
  ck_assert (dl_series_get_smoothed (s, 1) == 1.0 / 3.0);
  ck_assert (dl_series_get_smoothed (s, 2) == 1.0 / 7.0);

  /* Changing the factor recomputes from the start; 0 is no smoothing. */
  dl_series_set_smoothing (s, 0);
  for (int i = 0; i < 3; i++)
    ck_assert (dl_series_get_smoothed (s, i) == ys[i]);
  dl_series_set_smoothing (s, 0.5);
  ck_assert (dl_series_get_smoothed (s, 2) == 1.0 / 7.0);

  /* Out-of-range factors are clamped to TensorBoard's 0..0.999. */
  dl_series_set_smoothing (s, 5);
  ck_assert (dl_series_get_smoothing (s) == 0.999);
}
END_TEST

START_TEST (test_smoothing_constant_and_nan)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlSeries) s = dl_series_new ("loss", NULL);
  double lo, hi, x1;

  /* Debiasing makes the smoothed value of a constant series that constant from the first point. */
  dl_series_set_smoothing (s, 0.9);
  dl_series_append (s, 0, 2.0);
  dl_series_append (s, 1, 2.0);
  ck_assert (fabs (dl_series_get_smoothed (s, 0) - 2.0) < 1e-15);
  ck_assert (fabs (dl_series_get_smoothed (s, 1) - 2.0) < 1e-15);

  /* A NaN passes through, is kept, and neither moves the average nor the range. */
  dl_series_append (s, 2, NAN);
  dl_series_append (s, 3, 2.0);
  ck_assert (isnan (dl_series_get_y (s, 2)));
  ck_assert (isnan (dl_series_get_smoothed (s, 2)));
  ck_assert (fabs (dl_series_get_smoothed (s, 3) - 2.0) < 1e-15);
  ck_assert (dl_series_get_range (s, NULL, &x1, &lo, &hi, NULL));
  ck_assert (lo == 2.0 && hi == 2.0 && x1 == 3);
  ck_assert_uint_eq (dl_series_get_n_points (s), 4);
}
END_TEST

START_TEST (test_series_large)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlSeries) s = dl_series_new ("loss", "blue");
  const guint n = 200000;
  g_autofree double *x = g_new (double, n);
  g_autofree double *y = g_new (double, n);
  double x0, x1, y0, y1, pos;
  int changed = 0;

  g_signal_connect (s, "changed", G_CALLBACK (count_changed), &changed);
  ck_assert (!dl_series_get_range (s, NULL, NULL, NULL, NULL, NULL));
  ck_assert_int_eq (dl_series_find_nearest (s, 3), -1);

  for (guint i = 0; i < n; i++)
    {
      x[i] = i * 2.0;
      y[i] = i % 7 - 3.0;
    }
  dl_series_append_many (s, x, y, n);
  ck_assert_int_eq (changed, 1);
  ck_assert_uint_eq (dl_series_get_n_points (s), n);
  ck_assert (dl_series_get_range (s, &x0, &x1, &y0, &y1, &pos));
  ck_assert (x0 == 0 && x1 == (n - 1) * 2.0 && y0 == -3 && y1 == 3 && pos == 1);

  /* Nearest by x: ties go to the earlier point, beyond the ends to the end points. */
  ck_assert_int_eq (dl_series_find_nearest (s, 10.9), 5);
  ck_assert_int_eq (dl_series_find_nearest (s, 11.0), 5);
  ck_assert_int_eq (dl_series_find_nearest (s, 11.1), 6);
  ck_assert_int_eq (dl_series_find_nearest (s, -50), 0);
  ck_assert_int_eq (dl_series_find_nearest (s, 1e12), (int) n - 1);

  dl_series_append (s, n * 2.0, 100);
  ck_assert_int_eq (changed, 2);
  dl_series_clear (s);
  ck_assert_int_eq (changed, 3);
  ck_assert_uint_eq (dl_series_get_n_points (s), 0);
  ck_assert (!dl_series_get_range (s, NULL, NULL, NULL, NULL, NULL));
}
END_TEST

/* ------------------------------------------------------------------------------------------------------
 * Off-screen rendering
 */

static DlPlot *
new_plot (void)
{
  return g_object_ref_sink (DL_PLOT (dl_plot_new ()));
}

static DlSeries *
add_line (DlPlot *plot, const char *name, const char *color, double x0, double y0, double x1, double y1)
{
  DlSeries *s = dl_series_new (name, color);

  for (int i = 0; i <= 100; i++)
    dl_series_append (s, x0 + (x1 - x0) * i / 100, y0 + (y1 - y0) * i / 100);
  dl_plot_add_series (plot, s);
  g_object_unref (s);
  return s;
}

/* A white W × H render of the plot. */
static cairo_surface_t *
render (DlPlot *plot)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  dl_plot_draw (plot, cr, W, H);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static guint32
pixel (cairo_surface_t *surface, int x, int y)
{
  const guchar *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  return *(const guint32 *) (data + y * stride + x * 4) & 0xffffff;
}

static int
color_distance (guint32 a, guint32 b)
{
  return abs ((int) ((a >> 16) & 0xff) - (int) ((b >> 16) & 0xff))
         + abs ((int) ((a >> 8) & 0xff) - (int) ((b >> 8) & 0xff))
         + abs ((int) (a & 0xff) - (int) (b & 0xff));
}

static gboolean
is_color (guint32 p, guint32 c)
{
  return color_distance (p, c) < 80;
}

/* The rows of column x showing colour c. */
static void
rows_of_color (cairo_surface_t *surface, int x, guint32 c, int *first, int *last)
{
  *first = -1;
  *last = -1;
  for (int y = 0; y < H; y++)
    if (is_color (pixel (surface, x, y), c))
      {
        if (*first < 0)
          *first = y;
        *last = y;
      }
}

static void
assert_line_at (cairo_surface_t *surface, int x, guint32 c, double row)
{
  int first, last;

  rows_of_color (surface, x, c, &first, &last);
  ck_assert_msg (first >= 0, "colour %06x not found in column %d (expected at row %.1f)", c, x, row);
  ck_assert_msg (first >= row - 2.5 && last <= row + 2.5,
                 "colour %06x in column %d spans rows %d..%d, expected %.1f ± 2", c, x, first, last, row);
}

START_TEST (test_draw_lines)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  cairo_surface_t *surface;
  graphene_rect_t a;
  double top, h, row_half, row_quarter;
  int x_quarter, x_three_quarters, bg_count = 0;

  add_line (plot, "flat", "blue", 0, 0.5, 100, 0.5);
  add_line (plot, "ramp", "red", 0, 0, 100, 1);
  dl_plot_get_plot_area (plot, W, H, &a);
  ck_assert (a.origin.x > 20 && a.origin.x + a.size.width < W && a.size.width > 250);
  ck_assert (a.origin.y > 10 && a.origin.y + a.size.height < H - 10 && a.size.height > 150);

  surface = render (plot);

  /* y runs from 0 (data ≥ 0, so the padding stops at 0) to 1 + 5 %; x from 0 to 100. */
  top = a.origin.y;
  h = a.size.height;
  row_half = top + h * (1 - 0.5 / 1.05);
  row_quarter = top + h * (1 - 0.25 / 1.05);
  x_quarter = (int) (a.origin.x + a.size.width * 0.25);
  x_three_quarters = (int) (a.origin.x + a.size.width * 0.75);

  assert_line_at (surface, x_quarter, BLUE, row_half);
  assert_line_at (surface, x_three_quarters, BLUE, row_half);
  assert_line_at (surface, x_quarter, RED, row_quarter);
  assert_line_at (surface, x_three_quarters, RED, top + h * (1 - 0.75 / 1.05));

  /* Left of the data area (the tick labels' margin) no series colour at all. */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < (int) a.origin.x - 8; x++)
      ck_assert (!is_color (pixel (surface, x, y), BLUE) && !is_color (pixel (surface, x, y), RED));

  /* The baseline under the area is drawn across it; the area is mostly background. */
  for (int x = (int) a.origin.x + 1; x < (int) (a.origin.x + a.size.width) - 1; x++)
    ck_assert (color_distance (pixel (surface, x, (int) (top + h)), 0xffffff) > 60);
  for (int y = (int) top + 1; y < (int) (top + h); y++)
    for (int x = (int) a.origin.x + 1; x < (int) (a.origin.x + a.size.width); x++)
      bg_count += color_distance (pixel (surface, x, y), 0xffffff) < 30;
  ck_assert_int_gt (bg_count, (int) (0.85 * a.size.width * a.size.height));

  /* A horizontal grid line at the tick 1.0: faint, not background. */
  {
    int row = (int) floor (top + h * (1 - 1.0 / 1.05));
    int x = (int) (a.origin.x + a.size.width * 0.9);
    guint32 p = pixel (surface, x, row);
    ck_assert_msg (color_distance (p, 0xffffff) > 10 && color_distance (p, 0xffffff) < 120,
                   "grid pixel %06x", p);
    ck_assert (color_distance (pixel (surface, x, row + 3), 0xffffff) == 0);
  }
  cairo_surface_destroy (surface);
}
END_TEST

START_TEST (test_draw_log_axis)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  cairo_surface_t *surface;
  graphene_rect_t a;
  int x;

  add_line (plot, "one", "blue", 0, 1, 100, 1);
  add_line (plot, "tenth", "red", 0, 0.1, 100, 0.1);
  dl_plot_set_log_y (plot, TRUE);
  ck_assert (dl_plot_get_log_y (plot));
  dl_plot_get_plot_area (plot, W, H, &a);
  surface = render (plot);

  /* The decades 0.1 .. 1 plus 5 % of a decade each side, in log10 units: -1.05 .. 0.05. */
  x = (int) (a.origin.x + a.size.width / 2);
  assert_line_at (surface, x, BLUE, a.origin.y + a.size.height * (0.05 / 1.1));
  assert_line_at (surface, x, RED, a.origin.y + a.size.height * (1.05 / 1.1));
  cairo_surface_destroy (surface);

  /* The same data on a linear axis puts 0.1 elsewhere: 0.1 .. 1 padded by 5 % of 0.9 is 0.055 .. 1.045,
   * and with ticks every 0.5 the bottom moves out to the tick 0 (less than half a step away). */
  dl_plot_set_log_y (plot, FALSE);
  surface = render (plot);
  assert_line_at (surface, x, RED, a.origin.y + a.size.height * (1 - 0.1 / 1.045));
  assert_line_at (surface, x, BLUE, a.origin.y + a.size.height * (1 - 1 / 1.045));
  cairo_surface_destroy (surface);
}
END_TEST

START_TEST (test_draw_marker)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  cairo_surface_t *before, *after;
  graphene_rect_t a;
  int mx, inked = 0, rows = 0, changed_elsewhere = 0;

  add_line (plot, "flat", "blue", 0, 0.5, 100, 0.5);
  dl_plot_get_plot_area (plot, W, H, &a);
  before = render (plot);
  dl_plot_add_marker (plot, 50, "lr 0.05 → 0.01");
  after = render (plot);

  /* A dashed vertical line at x = 50 (not a grid position: the ticks are every 20). */
  mx = (int) floor (a.origin.x + a.size.width * 0.5);
  for (int y = (int) a.origin.y + 40; y < (int) (a.origin.y + a.size.height) - 2; y++)
    {
      rows++;
      if (color_distance (pixel (after, mx, y), 0xffffff) > 100 && !is_color (pixel (after, mx, y), BLUE))
        inked++;
    }
  ck_assert_msg (inked > rows / 3 && inked < rows, "marker column %d inked in %d of %d rows", mx, inked, rows);

  /* Away from the line and its label nothing changed. */
  for (int y = (int) a.origin.y + 40; y < (int) (a.origin.y + a.size.height); y++)
    for (int x = (int) a.origin.x; x < (int) (a.origin.x + a.size.width); x++)
      if (abs (x - mx) > 2 && pixel (before, x, y) != pixel (after, x, y))
        changed_elsewhere++;
  ck_assert_int_eq (changed_elsewhere, 0);

  /* The label sits at the top, right of the line: ink there that was not there before. */
  {
    int label_ink = 0;
    for (int y = (int) a.origin.y; y < (int) a.origin.y + 20; y++)
      for (int x = mx + 4; x < mx + 60; x++)
        label_ink += color_distance (pixel (after, x, y), pixel (before, x, y)) > 100;
    ck_assert_int_gt (label_ink, 20);
  }

  dl_plot_clear_markers (plot);
  cairo_surface_destroy (after);
  after = render (plot);
  ck_assert_int_eq (memcmp (cairo_image_surface_get_data (before), cairo_image_surface_get_data (after),
                            cairo_image_surface_get_stride (after) * H), 0);
  cairo_surface_destroy (before);
  cairo_surface_destroy (after);
}
END_TEST

START_TEST (test_draw_smoothed_and_dense)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) s = dl_series_new ("loss", "orange");
  cairo_surface_t *surface;
  graphene_rect_t a;
  double lo, hi;
  int x, first, last;

  /* 100k points alternating 0 and 1: smoothed at 0.999 the line settles at 0.5. */
  dl_series_set_smooth (s, TRUE);
  for (int i = 0; i < 100000; i++)
    dl_series_append (s, i, i % 2);
  dl_plot_add_series (plot, s);
  dl_plot_set_smoothing (plot, 0.999);
  ck_assert (dl_series_get_smoothing (s) == 0.999);
  ck_assert (fabs (dl_series_get_smoothed (s, 99999) - 0.5) < 1e-3);
  ck_assert (dl_series_get_smoothed_range (s, &lo, &hi, NULL));
  ck_assert (lo == 0 && hi > 0.5 && hi < 0.51);

  /* The y axis follows the smoothed line (0 .. its maximum + 5 % = 0.5255, moved out to the tick 0.6 less
   * than half a step of 0.2 away), not the raw 0..1 spread. */
  dl_plot_get_plot_area (plot, W, H, &a);
  surface = render (plot);
  x = (int) (a.origin.x + a.size.width * 0.8);
  rows_of_color (surface, x, ORANGE, &first, &last);
  ck_assert (first >= 0);
  ck_assert (fabs ((first + last) / 2.0 - (a.origin.y + a.size.height * (1 - 0.5 / 0.6))) < 2.5);
  ck_assert_int_le (last - first, 4);

  /* The faint raw band fills the whole column of the area, clipped at its top. */
  {
    int tinted = 0;
    for (int y = (int) a.origin.y + 1; y < (int) (a.origin.y + a.size.height) - 1; y++)
      tinted += color_distance (pixel (surface, x, y), 0xffffff) > 40;
    ck_assert_int_ge (tinted, (int) a.size.height - 3);
    ck_assert_int_lt (color_distance (pixel (surface, x, (int) a.origin.y - 3), 0xffffff), 20);
  }
  cairo_surface_destroy (surface);
}
END_TEST

START_TEST (test_draw_nan_breaks_line)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) s = dl_series_new ("loss", "blue");
  cairo_surface_t *surface;
  graphene_rect_t a;
  int first, last;

  for (int i = 0; i <= 100; i++)
    dl_series_append (s, i, i >= 40 && i <= 60 ? NAN : 0.5);
  dl_plot_add_series (plot, s);
  dl_plot_get_plot_area (plot, W, H, &a);
  surface = render (plot);
  rows_of_color (surface, (int) (a.origin.x + a.size.width * 0.2), BLUE, &first, &last);
  ck_assert (first >= 0);
  rows_of_color (surface, (int) (a.origin.x + a.size.width * 0.5), BLUE, &first, &last);
  ck_assert_int_eq (first, -1);
  cairo_surface_destroy (surface);
}
END_TEST

/* Awkward data and sizes draw without cairo errors: empty plots, all-NaN series, only non-positive values
 * on a log axis, a single point, sizes down to 1 × 1. */
START_TEST (test_draw_edge_cases)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) nan = dl_series_new ("nan", NULL);
  g_autoptr (DlSeries) negative = dl_series_new ("negative", NULL);
  g_autoptr (DlSeries) single = dl_series_new ("single", NULL);
  const int sizes[][2] = { { 1, 1 }, { 10, 300 }, { 300, 10 }, { 60, 40 }, { W, H } };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);

  for (int stage = 0; stage < 4; stage++)
    {
      if (stage == 1)
        {
          dl_series_append (nan, 0, NAN);
          dl_series_append (nan, 1, INFINITY);
          dl_plot_add_series (plot, nan);
        }
      else if (stage == 2)
        {
          dl_series_append (negative, 0, -1);
          dl_series_append (negative, 5, 0);
          dl_plot_add_series (plot, negative);
          dl_plot_add_marker (plot, 3, "");
        }
      else if (stage == 3)
        {
          dl_series_set_markers (single, TRUE);
          dl_series_append (single, 7, 1e-12);
          dl_plot_add_series (plot, single);
          dl_plot_set_title (plot, "A title far too long to share its row with the legend of three series");
        }
      for (int log = 0; log < 2; log++)
        for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
          {
            cairo_t *cr = cairo_create (surface);
            dl_plot_set_log_y (plot, log);
            dl_plot_draw (plot, cr, sizes[i][0], sizes[i][1]);
            ck_assert_msg (cairo_status (cr) == CAIRO_STATUS_SUCCESS, "stage %d, log %d, %d x %d: %s", stage,
                           log, sizes[i][0], sizes[i][1], cairo_status_to_string (cairo_status (cr)));
            cairo_destroy (cr);
          }
    }
  cairo_surface_destroy (surface);
}
END_TEST

static void
count_notify (GObject *object, GParamSpec *pspec, int *count)
{
  (*count)++;
}

START_TEST (test_properties)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  int notified = 0;
  g_autofree char *title = NULL;

  g_signal_connect (plot, "notify::title", G_CALLBACK (count_notify), &notified);
  dl_plot_set_title (plot, "Loss");
  dl_plot_set_title (plot, "Loss");
  ck_assert_int_eq (notified, 1);
  g_object_get (plot, "title", &title, NULL);
  ck_assert_str_eq (title, "Loss");
  g_object_set (plot, "x-label", "step", "y-label", "loss", "smoothing", 0.6, NULL);
  ck_assert_str_eq (dl_plot_get_x_label (plot), "step");
  ck_assert_str_eq (dl_plot_get_y_label (plot), "loss");
  ck_assert (dl_plot_get_smoothing (plot) == 0.6);

  /* The log-y property doubles as the stateful plot.log-y action. */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (plot), "plot.log-y", NULL));
  ck_assert (dl_plot_get_log_y (plot));
}
END_TEST

/* ------------------------------------------------------------------------------------------------------
 * Exports
 */

START_TEST (test_exports)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) s = dl_series_new ("train, loss", "blue");
  g_autoptr (DlSeries) acc = dl_series_new ("acc", "green");
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("dl-plot-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "plot.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "plot.svg", NULL);
  g_autofree char *csv = g_build_filename (dir, "plot.csv", NULL);
  g_autofree char *bad = g_build_filename (dir, "missing", "plot.png", NULL);
  g_autofree char *text = NULL;
  cairo_surface_t *image;

  dl_series_set_smooth (s, TRUE);
  dl_plot_add_series (plot, s);
  dl_plot_set_smoothing (plot, 0.5);
  dl_series_append (s, 0, 1);
  dl_series_append (s, 10, 0);
  dl_series_append (s, 20, NAN);
  dl_series_append (acc, 1, 0.25);
  dl_series_append (acc, 2, 0.5);
  dl_plot_add_series (plot, acc);
  dl_plot_set_title (plot, "Loss");

  ck_assert (dl_plot_export (&plot, 1, DL_PLOT_FORMAT_PNG, png, 320, 200, &error));
  image = cairo_image_surface_create_from_png (png);
  ck_assert_int_eq (cairo_surface_status (image), CAIRO_STATUS_SUCCESS);
  ck_assert_int_eq (cairo_image_surface_get_width (image), 320);
  ck_assert_int_eq (cairo_image_surface_get_height (image), 200);
  /* Painted on an opaque background. */
  ck_assert_uint_eq (*(guint32 *) cairo_image_surface_get_data (image) >> 24, 0xff);
  cairo_surface_destroy (image);

  ck_assert (dl_plot_export (&plot, 1, DL_PLOT_FORMAT_SVG, svg, 320, 200, &error));
  ck_assert (g_file_get_contents (svg, &text, NULL, NULL));
  ck_assert (g_str_has_prefix (text, "<?xml"));
  ck_assert (strstr (text, "<svg") != NULL && strstr (text, "width=\"320") != NULL);
  g_clear_pointer (&text, g_free);

  ck_assert (dl_plot_export (&plot, 1, DL_PLOT_FORMAT_CSV, csv, 0, 0, &error));
  ck_assert (g_file_get_contents (csv, &text, NULL, NULL));
  ck_assert_str_eq (text,
                    "plot,run,series,x,y,smoothed\n"
                    "Loss,,\"train, loss\",0,1,1\n"
                    "Loss,,\"train, loss\",10,0,0.33333333333333331\n"
                    "Loss,,\"train, loss\",20,nan,nan\n"
                    "Loss,,acc,1,0.25,\n"
                    "Loss,,acc,2,0.5,\n");
  g_clear_pointer (&text, g_free);

  /* Failures name the file and leave nothing behind. */
  ck_assert (!dl_plot_export (&plot, 1, DL_PLOT_FORMAT_PNG, bad, 320, 200, &error));
  ck_assert (error != NULL);
  ck_assert_msg (strstr (error->message, "missing") != NULL, "%s", error->message);
  g_clear_error (&error);
  ck_assert (!dl_plot_export (&plot, 1, DL_PLOT_FORMAT_SVG, svg, 0, 200, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  ck_assert (strstr (error->message, svg) != NULL);
  g_clear_error (&error);
  ck_assert (!g_file_test (bad, G_FILE_TEST_EXISTS));

  g_unlink (png);
  g_unlink (svg);
  g_unlink (csv);
  g_rmdir (dir);
}
END_TEST

/* ------------------------------------------------------------------------------------------------------
 * Runs overlaid
 */

/* The row of y and the column of x in the plot drawn at W × H, from its computed layout. */
static double
row_of (DlPlot *plot, double y)
{
  graphene_rect_t a;
  double y0, y1;

  dl_plot_get_plot_area (plot, W, H, &a);
  dl_plot_get_axis_range (plot, W, H, NULL, NULL, &y0, &y1);
  return a.origin.y + (1 - (y - y0) / (y1 - y0)) * a.size.height;
}

static double
col_of (DlPlot *plot, double x)
{
  graphene_rect_t a;
  double x0, x1;

  dl_plot_get_plot_area (plot, W, H, &a);
  dl_plot_get_axis_range (plot, W, H, &x0, &x1, NULL, NULL);
  return a.origin.x + (x - x0) / (x1 - x0) * a.size.width;
}

/* n + 1 points from (x0, y0) to (x1, y1). */
static DlSeries *
ramp (const char *name, double x0, double y0, double x1, double y1, int n)
{
  DlSeries *s = dl_series_new (name, NULL);

  for (int i = 0; i <= n; i++)
    dl_series_append (s, x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n);
  return s;
}

/* A run of one curve, added to the plot (which keeps it). */
static DlPlotRun *
add_run (DlPlot *plot, const char *label, const char *color, DlSeries *series, DlPlotCurveFlags flags)
{
  g_autoptr (DlPlotRun) run = dl_plot_run_new (label, color);

  dl_plot_run_add_series (run, series, flags);
  dl_plot_add_run (plot, run);
  return run;
}

/* What a run other than the current one is drawn in over white: its colour mixed 60 % towards white. */
static guint32
muted (guint32 c)
{
  guint32 out = 0;

  for (int shift = 0; shift <= 16; shift += 8)
    out |= (guint32) lround (255 + (((c >> shift) & 0xff) - 255.0) * 0.6) << shift;
  return out;
}

/* The colour nearest to row `row` of column x, within ± 2 rows, counting only c1 and c2. */
static guint32
which_color (cairo_surface_t *surface, int x, double row, guint32 c1, guint32 c2)
{
  for (int d = 0; d <= 2; d++)
    for (int sign = -1; sign <= 1; sign += 2)
      {
        guint32 p = pixel (surface, x, (int) round (row) + sign * d);
        if (color_distance (p, c1) < 40)
          return c1;
        if (color_distance (p, c2) < 40)
          return c2;
      }
  return 0;
}

START_TEST (test_overlay_runs)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) a_low = ramp ("loss", 0, 0.25, 10, 0.25, 100);
  g_autoptr (DlSeries) a_mid = ramp ("test loss", 0, 0.5, 10, 0.5, 100);
  g_autoptr (DlSeries) b_high = ramp ("loss", 0, 0.75, 10, 0.75, 100);
  g_autoptr (DlSeries) b_mid = ramp ("test loss", 0, 0.5, 10, 0.5, 100);
  g_autofree char *readout = NULL;
  cairo_surface_t *surface;
  DlPlotRun *a, *b;
  int x;

  a = add_run (plot, "run A", "green", a_low, DL_PLOT_CURVE_DEFAULT);
  dl_plot_run_add_series (a, a_mid, DL_PLOT_CURVE_DEFAULT);
  b = add_run (plot, "run B", "purple", b_high, DL_PLOT_CURVE_DEFAULT);
  dl_plot_run_add_series (b, b_mid, DL_PLOT_CURVE_DEFAULT);
  ck_assert_uint_eq (dl_plot_get_n_runs (plot), 2);
  dl_plot_set_current_run (plot, a);
  ck_assert (dl_plot_get_current_run (plot) == a);
  x = (int) col_of (plot, 5);

  /* One colour per run, whatever its series' own; the current run full, the other mixed towards the
   * background; where both pass, the current run is on top. */
  surface = render (plot);
  ck_assert_uint_eq (which_color (surface, x, row_of (plot, 0.25), GREEN, muted (GREEN)), GREEN);
  ck_assert_uint_eq (which_color (surface, x, row_of (plot, 0.75), PURPLE, muted (PURPLE)), muted (PURPLE));
  ck_assert_uint_eq (which_color (surface, x, row_of (plot, 0.5), GREEN, muted (PURPLE)), GREEN);
  cairo_surface_destroy (surface);

  dl_plot_set_current_run (plot, b);
  surface = render (plot);
  ck_assert_uint_eq (which_color (surface, x, row_of (plot, 0.25), GREEN, muted (GREEN)), muted (GREEN));
  ck_assert_uint_eq (which_color (surface, x, row_of (plot, 0.75), PURPLE, muted (PURPLE)), PURPLE);
  ck_assert_uint_eq (which_color (surface, x, row_of (plot, 0.5), PURPLE, muted (GREEN)), PURPLE);
  cairo_surface_destroy (surface);

  /* The read-out names each run, the current one first. */
  readout = dl_plot_get_readout (plot, W, H, x, row_of (plot, 0.5));
  ck_assert_msg (readout != NULL && strstr (readout, "run B · loss 0.75") != NULL
                 && strstr (readout, "run A · test loss 0.5") != NULL
                 && strstr (readout, "run B") < strstr (readout, "run A"), "read-out: %s", readout);

  /* Removing a run leaves one: its curves take their own colours again (none given: by position). */
  dl_plot_remove_run (plot, a);
  ck_assert (dl_plot_get_current_run (plot) == b);
  dl_plot_remove_run (plot, b);
  ck_assert (dl_plot_get_current_run (plot) == NULL);
  ck_assert_uint_eq (dl_plot_get_n_runs (plot), 0);
}
END_TEST

START_TEST (test_branch_clipping)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) parent_s = ramp ("loss", 0, 0.25, 10, 0.25, 100);
  g_autoptr (DlSeries) child_s = ramp ("loss", 0, 0.75, 10, 0.75, 100);
  g_autofree char *dir = g_dir_make_tmp ("dl-plot-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "runs.csv", NULL);
  g_autofree char *text = NULL, *before = NULL, *after = NULL;
  g_auto (GStrv) lines = NULL;
  cairo_surface_t *surface;
  graphene_rect_t area;
  DlPlotRun *parent, *child;
  int left, right, parent_rows = 0, child_rows = 0;

  /* The child's series also holds points before its branch point (e.g. its parent's history). */
  parent = add_run (plot, "parent", "green", parent_s, DL_PLOT_CURVE_DEFAULT);
  child = add_run (plot, "child", "purple", child_s, DL_PLOT_CURVE_DEFAULT);
  dl_plot_run_set_x_range (parent, -INFINITY, 4);
  dl_plot_run_set_x_range (child, 4, INFINITY);
  ck_assert (dl_plot_run_get_x_to (parent) == 4 && dl_plot_run_get_x_from (child) == 4);
  dl_plot_set_current_run (plot, child);

  surface = render (plot);
  left = (int) col_of (plot, 2);
  right = (int) col_of (plot, 8);
  ck_assert_uint_eq (which_color (surface, left, row_of (plot, 0.25), GREEN, muted (GREEN)), muted (GREEN));
  ck_assert_uint_eq (which_color (surface, right, row_of (plot, 0.75), PURPLE, muted (PURPLE)), PURPLE);
  /* In the data area, nothing of the parent after x = 4 (two pixels of line cap aside), nothing of the child
   * before it. */
  dl_plot_get_plot_area (plot, W, H, &area);
  for (int x = (int) col_of (plot, 0); x < (int) col_of (plot, 10); x++)
    for (int y = (int) area.origin.y; y < area.origin.y + area.size.height; y++)
      {
        guint32 p = pixel (surface, x, y);
        if (color_distance (p, muted (GREEN)) < 40)
          {
            ck_assert_msg (x <= col_of (plot, 4) + 2, "parent drawn at column %d", x);
            parent_rows++;
          }
        if (color_distance (p, PURPLE) < 40)
          {
            ck_assert_msg (x >= col_of (plot, 4) - 2, "child drawn at column %d", x);
            child_rows++;
          }
      }
  ck_assert (parent_rows > 0 && child_rows > 0);
  cairo_surface_destroy (surface);

  /* The read-outs: only the run that has data at that x. */
  before = dl_plot_get_readout (plot, W, H, left, row_of (plot, 0.5));
  after = dl_plot_get_readout (plot, W, H, right, row_of (plot, 0.5));
  ck_assert_msg (strstr (before, "parent") && !strstr (before, "child"), "%s", before);
  ck_assert_msg (strstr (after, "child") && !strstr (after, "parent"), "%s", after);

  /* The CSV holds what is drawn: the parent to x = 4 (41 points), the child from it (61). */
  ck_assert (dl_plot_export (&plot, 1, DL_PLOT_FORMAT_CSV, csv, 0, 0, NULL));
  ck_assert (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  ck_assert_uint_eq (g_strv_length (lines), 1 + 41 + 61 + 1);
  ck_assert_str_eq (lines[1], "plot 1,parent,loss,0,0.25,");
  ck_assert_str_eq (lines[41], "plot 1,parent,loss,4,0.25,");
  ck_assert_str_eq (lines[42], "plot 1,child,loss,4,0.75,");
  g_unlink (csv);
  g_rmdir (dir);
}
END_TEST

/* How many pixels differ between two renders within `radius` of (cx, cy), and anywhere. */
static void
count_changes (cairo_surface_t *a, cairo_surface_t *b, double cx, double cy, double radius, int *near, int *all)
{
  *near = *all = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      if (color_distance (pixel (a, x, y), pixel (b, x, y)) > 60)
        {
          (*all)++;
          *near += hypot (x - cx, y - cy) <= radius;
        }
}

START_TEST (test_best_markers)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plain = new_plot ();
  g_autoptr (DlPlot) marked = new_plot ();
  g_autoptr (DlSeries) acc = dl_series_new ("accuracy", NULL);
  g_autoptr (DlSeries) loss = dl_series_new ("loss", NULL);
  cairo_surface_t *a, *b;
  int near, all;

  /* An accuracy peaking at x = 3 and a loss lowest at x = 6. */
  for (int i = 0; i <= 20; i++)
    {
      double x = i * 0.5;
      dl_series_append (acc, x, 0.9 - (x - 3) * (x - 3) / 200);
      dl_series_append (loss, x, 0.2 + (x - 6) * (x - 6) / 100);
    }
  add_run (plain, "run", "green", acc, DL_PLOT_CURVE_DEFAULT);
  add_run (marked, "run", "green", acc, DL_PLOT_CURVE_BEST_MAX);
  a = render (plain);
  b = render (marked);
  /* A ring at the maximum, and its value in a label above it. */
  count_changes (a, b, col_of (marked, 3), row_of (marked, 0.9), 9, &near, &all);
  ck_assert_msg (near > 40, "%d pixels changed at the maximum (%d in all)", near, all);
  ck_assert_int_lt (all, 4 * near + 400);
  for (int y = (int) row_of (marked, 0.9) + 12; y < H; y++)
    for (int x = 0; x < W; x++)
      ck_assert (color_distance (pixel (a, x, y), pixel (b, x, y)) <= 60);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);

  /* The lowest value for a loss: a ring there, nothing at its highest point. */
  g_clear_object (&plain);
  g_clear_object (&marked);
  plain = new_plot ();
  marked = new_plot ();
  add_run (plain, "run", "green", loss, DL_PLOT_CURVE_DEFAULT);
  add_run (marked, "run", "green", loss, DL_PLOT_CURVE_BEST_MIN);
  a = render (plain);
  b = render (marked);
  count_changes (a, b, col_of (marked, 6), row_of (marked, 0.2), 9, &near, &all);
  ck_assert_msg (near > 40, "%d pixels changed at the minimum (%d in all)", near, all);
  count_changes (a, b, col_of (marked, 0), row_of (marked, 0.56), 12, &near, &all);
  ck_assert_int_eq (near, 0);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
}
END_TEST

/* The plot in words for screen readers: each curve's latest value, the best of those that mark one, in the
 * axis' unit and to the read-out's precision; only the current run's curves when several are overlaid. */
START_TEST (test_describe)
{
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) acc = dl_series_new ("test accuracy", NULL);
  g_autoptr (DlSeries) other = dl_series_new ("test accuracy", NULL);
  g_autofree char *empty = NULL, *text = NULL, *two = NULL;
  DlPlotRun *run;

  dl_plot_set_x_label (plot, "epoch");
  dl_plot_set_y_percent (plot, TRUE);
  empty = dl_plot_describe (plot);
  ck_assert_str_eq (empty, "No points yet");

  /* Accuracy peaking at epoch 2, then a little lower. */
  dl_series_append (acc, 1.0, 95.123456);
  dl_series_append (acc, 2.0, 97.904);
  dl_series_append (acc, 3.0, 97.6789);
  run = add_run (plot, "run 1", "green", acc, DL_PLOT_CURVE_BEST_MAX);
  dl_plot_add_marker (plot, 1.5, "lr 0.05 → 0.01");
  text = dl_plot_describe (plot);
  ck_assert_str_eq (text, "test accuracy: latest 97.68 % at epoch 3.00, best 97.90 % at epoch 2.00; 1 marked change");

  /* A compared run: still the current run's figures only. */
  dl_series_append (other, 1.0, 50.0);
  add_run (plot, "run 2", "blue", other, DL_PLOT_CURVE_BEST_MAX);
  dl_plot_set_current_run (plot, run);
  two = dl_plot_describe (plot);
  ck_assert_msg (strstr (two, "run 1 · test accuracy: latest 97.68 %") != NULL && strstr (two, "50.00") == NULL,
                 "%s", two);
}
END_TEST

static gboolean
tinted (guint32 p)
{
  return color_distance (p, 0xffffff) > 25;
}

START_TEST (test_mean_band)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) s1 = ramp ("loss", 0, 0.4, 10, 0.4, 100);
  g_autoptr (DlSeries) s2 = ramp ("loss", 0, 0.5, 10, 0.5, 100);
  g_autoptr (DlSeries) s3 = ramp ("loss", 0, 0.9, 10, 0.9, 2);
  g_autoptr (DlPlotRun) run = dl_plot_run_new ("3 seeds", "teal");
  DlSeries *members[] = { s1, s2, s3 };
  cairo_surface_t *surface;
  g_autofree char *readout = NULL;
  guint n_members;
  DlPlotBand band;
  int x;

  dl_plot_run_add_mean (run, "loss", members, 3, DL_PLOT_BAND_MIN_MAX, DL_PLOT_CURVE_DEFAULT);
  ck_assert (dl_plot_run_get_curve_members (run, 0, &n_members, &band) != NULL);
  ck_assert (n_members == 3 && band == DL_PLOT_BAND_MIN_MAX && dl_plot_run_get_curve_series (run, 0) == NULL);
  dl_plot_add_run (plot, run);
  x = (int) col_of (plot, 2.5);

  /* The mean 0.6 (s3 has three points: interpolated between them) in the run's colour, the band from 0.4
   * to 0.9 tinted, plain background outside it. */
  surface = render (plot);
  ck_assert_uint_eq (which_color (surface, x, row_of (plot, 0.6), TEAL, 0), TEAL);
  for (int y = (int) row_of (plot, 0.9) + 3; y < row_of (plot, 0.4) - 3; y++)
    ck_assert_msg (tinted (pixel (surface, x, y)), "row %d (%.3f) not in the band", y, row_of (plot, 0.4));
  ck_assert (!tinted (pixel (surface, x, (int) row_of (plot, 0.9) - 4)));
  ck_assert (!tinted (pixel (surface, x, (int) row_of (plot, 0.4) + 4)));
  cairo_surface_destroy (surface);
  readout = dl_plot_get_readout (plot, W, H, x, row_of (plot, 0.6));
  ck_assert_msg (strstr (readout, "loss 0.6 (0.4 – 0.9)") != NULL, "%s", readout);

  /* ± one sample standard deviation: sqrt (((−0.2)² + (−0.1)² + 0.3²) / 2) = 0.2646. */
  g_clear_object (&plot);
  g_clear_object (&run);
  plot = new_plot ();
  run = dl_plot_run_new ("3 seeds", "teal");
  dl_plot_run_add_mean (run, "loss", members, 3, DL_PLOT_BAND_STDDEV, DL_PLOT_CURVE_DEFAULT);
  dl_plot_add_run (plot, run);
  surface = render (plot);
  for (int y = (int) row_of (plot, 0.8646) + 3; y < row_of (plot, 0.3354) - 3; y++)
    ck_assert (tinted (pixel (surface, x, y)));
  ck_assert (!tinted (pixel (surface, x, (int) row_of (plot, 0.8646) - 4)));
  ck_assert (!tinted (pixel (surface, x, (int) row_of (plot, 0.3354) + 4)));
  cairo_surface_destroy (surface);
  g_clear_pointer (&readout, g_free);
  readout = dl_plot_get_readout (plot, W, H, x, row_of (plot, 0.6));
  ck_assert_msg (strstr (readout, "loss 0.6 (0.3354 – 0.8646)") != NULL, "%s", readout);

  /* A member that stops early is left out after its last point: at x = 8 the mean of the other two. */
  dl_series_clear (s3);
  dl_series_append (s3, 0, 0.9);
  dl_series_append (s3, 5, 0.9);
  g_clear_pointer (&readout, g_free);
  readout = dl_plot_get_readout (plot, W, H, col_of (plot, 8), row_of (plot, 0.5));
  ck_assert_msg (strstr (readout, "loss 0.45 (0.3793 – 0.5207)") != NULL, "%s", readout);
}
END_TEST

/* ------------------------------------------------------------------------------------------------------
 * Axes and read-outs
 */

START_TEST (test_percent_axis)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) acc = dl_series_new ("test accuracy", NULL);
  g_autofree char *readout = NULL;
  double y0, y1;

  /* Empty: 0–100, not 0–1. */
  dl_plot_set_y_percent (plot, TRUE);
  dl_plot_set_y_label (plot, "accuracy (%)");
  dl_plot_get_axis_range (plot, W, H, NULL, NULL, &y0, &y1);
  ck_assert_msg (y0 == 0 && y1 == 100, "empty percent axis %g..%g", y0, y1);

  /* One evaluation at 97 %: around it, never past 100. */
  dl_series_append (acc, 0.1, 97.68);
  dl_plot_add_series (plot, acc);
  dl_plot_get_axis_range (plot, W, H, NULL, NULL, &y0, &y1);
  ck_assert_msg (y1 == 100 && y0 >= 80 && y0 < 97, "one point at 97.68 %%: axis %g..%g", y0, y1);

  /* At 100 % exactly, and from 0. */
  dl_series_append (acc, 1, 100);
  dl_plot_get_axis_range (plot, W, H, NULL, NULL, &y0, &y1);
  ck_assert (y1 == 100);
  dl_series_append (acc, 2, 0);
  dl_plot_get_axis_range (plot, W, H, NULL, NULL, &y0, &y1);
  ck_assert (y0 == 0 && y1 == 100);

  /* Read-outs in percent, to two decimals. */
  readout = dl_plot_get_readout (plot, W, H, col_of (plot, 0.1), row_of (plot, 50));
  ck_assert_msg (strstr (readout, "test accuracy 97.68 %") != NULL, "%s", readout);

  /* A plain axis, empty, still shows 0–1 (and its padding). */
  dl_plot_set_y_percent (plot, FALSE);
  dl_plot_remove_series (plot, acc);
  dl_plot_get_axis_range (plot, W, H, NULL, NULL, &y0, &y1);
  ck_assert_msg (y0 == 0 && y1 >= 1 && y1 < 1.1, "%g..%g", y0, y1);
}
END_TEST

START_TEST (test_readout_precision)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) plot = new_plot ();
  g_autoptr (DlSeries) loss = dl_series_new ("train loss", NULL);
  g_autoptr (DlSeries) test = dl_series_new ("test loss", NULL);
  g_autoptr (DlSeries) lr = dl_series_new ("lr", NULL);
  g_autofree char *readout = NULL;

  /* Batches every 1/300 epoch over 4 epochs, evaluations every third of an epoch. */
  dl_plot_set_x_label (plot, "epoch");
  for (int i = 0; i <= 1200; i++)
    dl_series_append (loss, i / 300.0, 0.123456 + i * 1e-7);
  for (int k = 1; k <= 12; k++)
    dl_series_append (test, k / 3.0, 0.2 + k / 3000.0);
  dl_plot_add_series (plot, loss);
  dl_plot_add_series (plot, test);

  /* x to the digit that moves every few pixels: "epoch 3.03", not "epoch 3.026667". */
  readout = dl_plot_get_readout (plot, W, H, col_of (plot, 3.0277), row_of (plot, 0.15));
  ck_assert_msg (g_str_has_prefix (readout, "epoch 3.03\n"), "%s", readout);
  ck_assert_msg (strstr (readout, "train loss 0.1235\n") != NULL, "%s", readout);
  ck_assert_msg (strstr (readout, "test loss 0.203 at 3.00") != NULL, "%s", readout);
  g_clear_pointer (&readout, g_free);
  /* "at 0.33", not "at 0.3333333"; no "at" where the point is at the header's x. */
  readout = dl_plot_get_readout (plot, W, H, col_of (plot, 0.345), row_of (plot, 0.15));
  ck_assert_msg (g_str_has_prefix (readout, "epoch 0.34\n") || g_str_has_prefix (readout, "epoch 0.35\n"), "%s",
                 readout);
  ck_assert_msg (strstr (readout, "at 0.33") != NULL && strstr (readout, "0.333") == NULL, "%s", readout);
  g_clear_pointer (&readout, g_free);

  /* Outside the data area there is no read-out. */
  ck_assert (dl_plot_get_readout (plot, W, H, 2, 2) == NULL);

  /* A learning rate on a log axis. */
  g_clear_object (&plot);
  plot = new_plot ();
  dl_plot_set_log_y (plot, TRUE);
  for (int i = 0; i <= 100; i++)
    dl_series_append (lr, i / 10.0, i < 50 ? 0.0501 : 0.005);
  dl_plot_add_series (plot, lr);
  readout = dl_plot_get_readout (plot, W, H, col_of (plot, 2), row_of (plot, 0.01));
  ck_assert_msg (strstr (readout, "lr 0.0501") != NULL, "%s", readout);
}
END_TEST

/* ------------------------------------------------------------------------------------------------------
 * The image kept between frames and the cached decimation
 */

/* n noisy losses from batch `from` on, as a run appends them. */
static void
append_noisy (DlSeries *s, GRand *rand, int from, int n, double rate)
{
  for (int i = from; i < from + n; i++)
    {
      double x = i / 100.0;
      dl_series_append (s, x, (0.05 + 2 * exp (-x * rate)) * (1 + 0.3 * (g_rand_double (rand) - 0.5)));
    }
}

/* The largest channel difference, and how many pixels differ by more than 2. */
static int
max_difference (cairo_surface_t *a, cairo_surface_t *b, int *n_off)
{
  int worst = 0;

  *n_off = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint32 p = pixel (a, x, y), q = pixel (b, x, y);
        for (int shift = 0; shift <= 16; shift += 8)
          {
            int d = abs ((int) ((p >> shift) & 0xff) - (int) ((q >> shift) & 0xff));
            worst = MAX (worst, d);
            *n_off += d > 2;
          }
      }
  return worst;
}

static DlPlot *
overlay_plot (DlSeries **finished, guint n, DlSeries *current)
{
  DlPlot *plot = new_plot ();

  dl_plot_set_smoothing (plot, 0.6);
  for (guint k = 0; k < n; k++)
    add_run (plot, "finished", NULL, finished[k], DL_PLOT_CURVE_DEFAULT);
  dl_plot_set_current_run (plot, add_run (plot, "current", NULL, current, DL_PLOT_CURVE_BEST_MIN));
  return plot;
}

/* Frames drawn while a run appends (finished runs kept as an image, every array's columns extended)
 * look like one drawing of the same data from scratch. */
START_TEST (test_cached_frames_match)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  DlSeries *finished[5], *copies[5];
  g_autoptr (DlSeries) current = dl_series_new ("loss", NULL);
  g_autoptr (DlSeries) current_copy = dl_series_new ("loss", NULL);
  g_autoptr (DlPlot) live = NULL;
  g_autoptr (DlPlot) fresh = NULL;
  cairo_surface_t *a, *b;
  int worst, n_off;

  for (guint k = 0; k < G_N_ELEMENTS (finished); k++)
    {
      finished[k] = dl_series_new ("loss", NULL);
      dl_series_set_smooth (finished[k], TRUE);
      append_noisy (finished[k], rand, 0, 1000, 0.5 + 0.2 * k);
    }
  dl_series_set_smooth (current, TRUE);
  live = overlay_plot (finished, G_N_ELEMENTS (finished), current);
  for (int frame = 0; frame < 40; frame++)
    {
      append_noisy (current, rand, frame * 20, 20, 1.5);
      cairo_surface_destroy (render (live));
    }

  /* The same data in a new plot, drawn once. */
  for (guint k = 0; k < G_N_ELEMENTS (finished); k++)
    {
      copies[k] = dl_series_new ("loss", NULL);
      dl_series_set_smooth (copies[k], TRUE);
      dl_series_append_many (copies[k], dl_series_peek_x (finished[k]), dl_series_peek_y (finished[k]), 1000);
    }
  dl_series_set_smooth (current_copy, TRUE);
  dl_series_append_many (current_copy, dl_series_peek_x (current), dl_series_peek_y (current), 800);
  fresh = overlay_plot (copies, G_N_ELEMENTS (copies), current_copy);

  a = render (live);
  b = render (fresh);
  worst = max_difference (a, b, &n_off);
  ck_assert_msg (worst <= 3 && n_off < W * H * 3 / 1000, "largest difference %d, %d channels off by more than 2",
                 worst, n_off);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);

  /* A finished run cleared and refilled differently is drawn anew (the image does not keep it). */
  dl_series_clear (finished[0]);
  dl_series_clear (copies[0]);
  append_noisy (finished[0], rand, 0, 1000, 3);
  dl_series_append_many (copies[0], dl_series_peek_x (finished[0]), dl_series_peek_y (finished[0]), 1000);
  a = render (live);
  b = render (fresh);
  worst = max_difference (a, b, &n_off);
  ck_assert_msg (worst <= 3 && n_off < W * H * 3 / 1000, "after a clear: largest difference %d, %d off", worst, n_off);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
  for (guint k = 0; k < G_N_ELEMENTS (finished); k++)
    {
      g_object_unref (finished[k]);
      g_object_unref (copies[k]);
    }
}
END_TEST

/* ------------------------------------------------------------------------------------------------------
 * Several plots into one file
 */

START_TEST (test_export_several)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlPlot) loss = new_plot ();
  g_autoptr (DlPlot) accuracy = new_plot ();
  g_autoptr (DlSeries) l = ramp ("train loss", 0, 1, 2, 0.5, 2);
  g_autoptr (DlSeries) m1 = ramp ("test accuracy", 0, 90, 1, 94, 1);
  g_autoptr (DlSeries) m2 = ramp ("test accuracy", 0, 92, 1, 96, 1);
  g_autoptr (DlPlotRun) seeds = dl_plot_run_new ("mlp, 2 seeds", NULL);
  g_autofree char *dir = g_dir_make_tmp ("dl-plot-XXXXXX", NULL);
  g_autofree char *both = g_build_filename (dir, "both.png", NULL);
  g_autofree char *one = g_build_filename (dir, "one.png", NULL);
  g_autofree char *csv = g_build_filename (dir, "both.csv", NULL);
  g_autofree char *text = NULL;
  DlPlot *plots[2];
  DlSeries *members[] = { m1, m2 };
  cairo_surface_t *a, *b;
  int stride;

  dl_plot_set_title (loss, "Loss");
  dl_plot_set_title (accuracy, "Accuracy");
  add_run (loss, "this run", NULL, l, DL_PLOT_CURVE_DEFAULT);
  dl_plot_run_add_mean (seeds, "test accuracy", members, 2, DL_PLOT_BAND_MIN_MAX, DL_PLOT_CURVE_DEFAULT);
  dl_plot_add_run (accuracy, seeds);
  plots[0] = loss;
  plots[1] = accuracy;

  /* PNG: one above the other; the top half is the first plot's own export. */
  ck_assert (dl_plot_export (plots, 2, DL_PLOT_FORMAT_PNG, both, 320, 200, NULL));
  ck_assert (dl_plot_export (plots, 1, DL_PLOT_FORMAT_PNG, one, 320, 200, NULL));
  a = cairo_image_surface_create_from_png (both);
  b = cairo_image_surface_create_from_png (one);
  ck_assert_int_eq (cairo_image_surface_get_width (a), 320);
  ck_assert_int_eq (cairo_image_surface_get_height (a), 400);
  stride = cairo_image_surface_get_stride (a);
  ck_assert_int_eq (memcmp (cairo_image_surface_get_data (a), cairo_image_surface_get_data (b), stride * 200), 0);
  ck_assert_int_ne (memcmp (cairo_image_surface_get_data (a), cairo_image_surface_get_data (a) + stride * 200,
                            stride * 200), 0);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);

  /* CSV: long format, both plots, the mean with its band. */
  ck_assert (dl_plot_export (plots, 2, DL_PLOT_FORMAT_CSV, csv, 0, 0, NULL));
  ck_assert (g_file_get_contents (csv, &text, NULL, NULL));
  ck_assert_str_eq (text,
                    "plot,run,series,x,y,smoothed\n"
                    "Loss,this run,train loss,0,1,\n"
                    "Loss,this run,train loss,1,0.75,\n"
                    "Loss,this run,train loss,2,0.5,\n"
                    "Accuracy,\"mlp, 2 seeds\",test accuracy (mean),0,91,\n"
                    "Accuracy,\"mlp, 2 seeds\",test accuracy (mean),1,95,\n"
                    "Accuracy,\"mlp, 2 seeds\",test accuracy (low),0,90,\n"
                    "Accuracy,\"mlp, 2 seeds\",test accuracy (low),1,94,\n"
                    "Accuracy,\"mlp, 2 seeds\",test accuracy (high),0,92,\n"
                    "Accuracy,\"mlp, 2 seeds\",test accuracy (high),1,96,\n");

  /* Too tall together: refused, naming the file. */
  {
    g_autoptr (GError) error = NULL;
    ck_assert (!dl_plot_export (plots, 2, DL_PLOT_FORMAT_PNG, both, 320, 9000, &error));
    ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) && strstr (error->message, both));
  }
  g_unlink (both);
  g_unlink (one);
  g_unlink (csv);
  g_rmdir (dir);
}
END_TEST

/* A run of the mlp preset, named for the plots' CSV. */
static DlRun *
test_run (const char *name)
{
  DlTrainConfig cfg;
  DlRun *run;

  dl_train_config_from_preset (&cfg, dl_preset_find ("mlp"));
  run = dl_run_new (&cfg, "mlp", NULL);
  dl_run_set_name (run, name);
  dl_train_config_clear (&cfg);
  return run;
}

/* The Train page's plots: the accuracy axis in percent, the run shown as each plot's current run (its own
 * series), the learning-rate plot shown once it has a series, on a linear axis (a cosine schedule ends at 0,
 * which a log axis can only show by stretching down to the last tiny rate: 1e-8 in a screenshot). */
START_TEST (test_train_page_plots)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  DlTrainPage *page = g_object_ref_sink (g_object_new (DL_TYPE_TRAIN_PAGE, NULL));
  DlPlot *accuracy = dl_train_page_get_accuracy_plot (page), *lr_plot = dl_train_page_get_lr_plot (page);
  g_autoptr (DlSeries) lr = dl_series_new ("learning rate", NULL);
  g_autoptr (DlRun) run = test_run ("this run");
  double y0, y1;

  ck_assert (dl_plot_get_y_percent (accuracy));
  ck_assert_str_eq (dl_plot_get_y_label (accuracy), "accuracy (%)");
  dl_plot_get_axis_range (accuracy, W, H, NULL, NULL, &y0, &y1);
  ck_assert (y0 == 0 && y1 == 100);
  ck_assert_uint_eq (dl_plot_get_n_runs (accuracy), 0);
  dl_train_page_set_run (page, run);
  ck_assert_uint_eq (dl_plot_get_n_runs (accuracy), 1);
  ck_assert (dl_plot_get_current_run (accuracy) != NULL);
  ck_assert (dl_plot_run_get_curve_series (dl_plot_get_current_run (accuracy), 2)
             == dl_run_get_series (run, DL_RUN_SERIES_TEST_ACCURACY));
  /* The run's own learning rate, on its own plot. */
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (lr_plot)));
  ck_assert (dl_plot_run_get_curve_series (dl_plot_get_current_run (lr_plot), 0)
             == dl_run_get_series (run, DL_RUN_SERIES_LR));
  dl_train_page_set_run (page, NULL);

  ck_assert (!gtk_widget_get_visible (GTK_WIDGET (lr_plot)));
  ck_assert (!dl_plot_get_log_y (lr_plot));
  for (int i = 0; i < 100; i++)
    dl_series_append (lr, i / 10.0, 0.05 * (1 + cos (G_PI * i / 100)) / 2 + 1e-4);
  dl_train_page_set_lr_series (page, lr);
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (lr_plot)));
  ck_assert_uint_eq (dl_plot_get_n_runs (lr_plot), 1);
  ck_assert (dl_plot_run_get_curve_series (dl_plot_get_current_run (lr_plot), 0) == lr);
  dl_train_page_set_lr_series (page, NULL);
  ck_assert (!gtk_widget_get_visible (GTK_WIDGET (lr_plot)));
  ck_assert_uint_eq (dl_plot_get_n_runs (lr_plot), 0);
  g_object_unref (page);
}
END_TEST

/* ------------------------------------------------------------------------------------------------------
 * A real window: the snapshot path through the GskRenderer
 */

static gboolean
quit_loop (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_ms (int ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, quit_loop, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* The plot's snapshot rendered by the window's renderer, as cairo ARGB32 bytes (premultiplied). */
static guchar *
render_widget (GtkWidget *window, GtkWidget *widget, int w, int h)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  GdkTexture *texture;
  guchar *data = g_malloc0 (w * h * 4);

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  ck_assert (node != NULL);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  gdk_texture_download (texture, data, w * 4);
  g_object_unref (texture);
  gsk_render_node_unref (node);
  g_object_unref (paintable);
  return data;
}

static guint32
texture_pixel (const guchar *data, int w, int x, int y)
{
  return *(const guint32 *) (data + (y * w + x) * 4);
}

START_TEST (test_window_snapshot)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *window = gtk_window_new ();
  GtkWidget *plot = dl_plot_new ();
  GtkEventController *motion = NULL;
  g_autoptr (GListModel) controllers = NULL;
  g_autofree guchar *data = NULL;
  g_autofree guchar *hovered = NULL;
  graphene_rect_t a;
  int w, h, x, first = -1, last = -1, box = 0;
  double row;

  add_line (DL_PLOT (plot), "flat", "blue", 0, 0.5, 100, 0.5);
  dl_plot_set_title (DL_PLOT (plot), "Loss");
  gtk_window_set_child (GTK_WINDOW (window), plot);
  gtk_window_set_default_size (GTK_WINDOW (window), W, H);
  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < 100 && (!gtk_widget_get_mapped (plot) || gtk_widget_get_width (plot) < 100); i++)
    iterate_ms (20);
  ck_assert (gtk_widget_get_mapped (plot));
  ck_assert (gtk_widget_has_css_class (plot, "dl-plot"));

  w = gtk_widget_get_width (plot);
  h = gtk_widget_get_height (plot);
  dl_plot_get_plot_area (DL_PLOT (plot), w, h, &a);
  data = render_widget (window, plot, w, h);

  /* The line, opaque, in the series colour, at the row of 0.5. */
  /* A single value is shown in the middle of a range around it. */
  x = (int) (a.origin.x + a.size.width / 2);
  row = a.origin.y + a.size.height / 2;
  for (int y = 0; y < h; y++)
    {
      guint32 p = texture_pixel (data, w, x, y);
      if (p >> 24 == 0xff && is_color (p & 0xffffff, BLUE))
        {
          if (first < 0)
            first = y;
          last = y;
        }
    }
  ck_assert_msg (first >= 0 && first >= row - 2.5 && last <= row + 2.5, "line at %d..%d, expected %.1f",
                 first, last, row);
  /* The plot paints no background of its own: inside the area away from lines it stays clear. */
  ck_assert_uint_lt (texture_pixel (data, w, x, (int) (a.origin.y + a.size.height * 0.25) + 3) >> 24, 0x40);

  /* Hovering draws the crosshair and a read-out box next to the pointer. */
  controllers = gtk_widget_observe_controllers (plot);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (controllers, i);
      if (GTK_IS_EVENT_CONTROLLER_MOTION (c))
        motion = c;
    }
  ck_assert (motion != NULL);
  g_signal_emit_by_name (motion, "motion", a.origin.x + 40, a.origin.y + 30);
  iterate_ms (100);
  hovered = render_widget (window, plot, w, h);
  for (int y = (int) a.origin.y + 50; y < (int) a.origin.y + 60; y++)
    for (int xx = (int) a.origin.x + 60; xx < (int) a.origin.x + 80; xx++)
      box += texture_pixel (hovered, w, xx, y) >> 24 > 0xe0 && texture_pixel (data, w, xx, y) >> 24 < 0x40;
  ck_assert_int_gt (box, 150);
  /* The vertical crosshair at the pointer. */
  ck_assert_uint_gt (texture_pixel (hovered, w, (int) a.origin.x + 40, (int) (a.origin.y + a.size.height) - 20) >> 24, 0x30);

  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* The export action's save dialog (GtkFileChooserNative falls back to a GtkFileChooserDialog without a
 * portal), answered as a user would: a file name, then Export. */
static GtkWidget *
find_file_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* owned by GTK */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_FILE_CHOOSER_DIALOG (w) && gtk_widget_get_visible (w))
        return w;
    }
  return NULL;
}

START_TEST (test_export_action)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *window = gtk_window_new ();
  GtkWidget *plot = dl_plot_new ();
  GtkWidget *dialog = NULL;
  g_autofree char *dir = g_dir_make_tmp ("dl-plot-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "exported.csv", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *text = NULL;

  ck_assert_int_eq (g_chdir (dir), 0);
  add_line (DL_PLOT (plot), "flat", "blue", 0, 0.5, 1, 0.5);
  gtk_window_set_child (GTK_WINDOW (window), plot);
  gtk_window_present (GTK_WINDOW (window));
  iterate_ms (50);

  ck_assert (gtk_widget_activate_action (plot, "plot.export-csv", NULL));
  for (int i = 0; i < 100 && !(dialog = find_file_chooser ()); i++)
    iterate_ms (20);
  ck_assert_msg (dialog != NULL, "no save dialog appeared");
  ck_assert (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (dialog)) == GTK_FILE_CHOOSER_ACTION_SAVE);
  /* The dialog opens in the working directory, which is the test's own directory. */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "exported.csv");
  iterate_ms (100);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  for (int i = 0; i < 50 && !g_file_test (path, G_FILE_TEST_EXISTS); i++)
    iterate_ms (20);

  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert (g_str_has_prefix (text, "plot,run,series,x,y,smoothed\nplot 1,,flat,0,0.5,\n"));
  g_unlink (path);
  ck_assert_int_eq (g_chdir (cwd), 0);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* ------------------------------------------------------------------------------------------------------
 * The right-click menu's run actions
 */

/* The menu's items (GtkModelButton, whose action is kept by the menu, not the button) labelled `label`. */
static void
collect_items (GtkWidget *widget, const char *label, GPtrArray *found)
{
  GtkWidget *text = GTK_IS_ACTIONABLE (widget) ? find_type (widget, GTK_TYPE_LABEL) : NULL;

  if (text && g_str_equal (gtk_label_get_label (GTK_LABEL (text)), label))
    g_ptr_array_add (found, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_items (c, label, found);
}

/* Right-clicks the plot at (x, y) (through its click gesture, as a secondary button press does) and
 * returns the menu items shown labelled `label`. */
static GPtrArray *
right_click (GtkWidget *plot, double x, double y, const char *label)
{
  GPtrArray *found = g_ptr_array_new ();
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (plot);
  GtkWidget *popover = find_type (plot, GTK_TYPE_POPOVER_MENU);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (controllers, i);
      if (GTK_IS_GESTURE_CLICK (c) && gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (c)) == GDK_BUTTON_SECONDARY)
        g_signal_emit_by_name (c, "pressed", 1, x, y);
    }
  iterate_ms (100);
  ck_assert (popover != NULL && gtk_widget_get_visible (popover));
  collect_items (popover, label, found);
  gtk_popover_popdown (GTK_POPOVER (popover));
  iterate_ms (50);
  return found;
}

static void
on_run_action (GSimpleAction *action, GVariant *parameter, double *got)
{
  *got = g_variant_get_double (parameter);
}

/* A key press as the plot's key bindings take it: the binding of `keyval` (no modifier) found among the
 * plot's shortcuts and its action activated with the binding's arguments. */
static void
press_key (GtkWidget *plot, guint keyval)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (plot);
  gboolean done = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !done; i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (c))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)) && !done; j++)
        {
          g_autoptr (GtkShortcut) sc = g_list_model_get_item (G_LIST_MODEL (c), j);
          GtkShortcutTrigger *t = gtk_shortcut_get_trigger (sc);

          if (GTK_IS_KEYVAL_TRIGGER (t) && gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (t)) == keyval
              && gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (t)) == 0)
            done = gtk_shortcut_action_activate (gtk_shortcut_get_action (sc), 0, plot,
                                                 gtk_shortcut_get_arguments (sc));
        }
    }
  ck_assert_msg (done, "no binding of %s on the plot", gdk_keyval_name (keyval));
  iterate_ms (20);
}

static void
assert_cursor (GtkWidget *plot, const char *expected)
{
  g_autofree char *text = dl_plot_get_cursor_readout (DL_PLOT (plot));

  ck_assert_msg (g_strcmp0 (text, expected) == 0, "cursor read-out \"%s\", expected \"%s\"", text, expected);
}

START_TEST (test_keyboard_readout)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *window = gtk_window_new ();
  GtkWidget *plot = dl_plot_new ();
  g_autoptr (DlSeries) loss = dl_series_new ("loss", NULL);
  g_autoptr (DlSeries) test = dl_series_new ("test loss", NULL);
  g_autofree char *hover = NULL, *text = NULL;
  guchar *before, *after;
  int w, h, changed = 0;

  /* A per-batch loss every 1/100 epoch over 4 epochs (0.5 − x/10), a test loss at each epoch's end. */
  dl_plot_set_x_label (DL_PLOT (plot), "epoch");
  for (int i = 0; i <= 400; i++)
    dl_series_append (loss, i / 100.0, 0.5 - i / 1000.0);
  for (int k = 1; k <= 4; k++)
    dl_series_append (test, k, 0.2 - k / 100.0);
  dl_plot_add_series (DL_PLOT (plot), loss);
  dl_plot_add_series (DL_PLOT (plot), test);
  gtk_window_set_child (GTK_WINDOW (window), plot);
  gtk_window_set_default_size (GTK_WINDOW (window), W, H);
  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < 100 && gtk_widget_get_width (plot) < 100; i++)
    iterate_ms (20);
  w = gtk_widget_get_width (plot);
  h = gtk_widget_get_height (plot);
  gtk_widget_grab_focus (plot);
  ck_assert (dl_plot_get_cursor_readout (DL_PLOT (plot)) == NULL);
  before = render_widget (window, plot, w, h);

  /* The first Left turns the cursor on at the latest point and steps back one point: 1 % of the 4
   * epochs. Right goes back; Home and End reach the ends; Page Up goes back a tenth. */
  press_key (plot, GDK_KEY_Left);
  assert_cursor (plot, "epoch 3.96, loss 0.104, test loss 0.16 at 4.00");
  press_key (plot, GDK_KEY_Right);
  assert_cursor (plot, "epoch 4.00, loss 0.1, test loss 0.16");
  press_key (plot, GDK_KEY_Home);
  assert_cursor (plot, "epoch 0.00, loss 0.5, test loss 0.19 at 1.00");
  press_key (plot, GDK_KEY_Right);
  assert_cursor (plot, "epoch 0.04, loss 0.496, test loss 0.19 at 1.00");
  press_key (plot, GDK_KEY_Left);
  press_key (plot, GDK_KEY_Left);
  assert_cursor (plot, "epoch 0.00, loss 0.5, test loss 0.19 at 1.00");
  press_key (plot, GDK_KEY_End);
  press_key (plot, GDK_KEY_Page_Up);
  assert_cursor (plot, "epoch 3.60, loss 0.14, test loss 0.16 at 4.00");

  /* The same read-out the pointer gets over that point, and it is drawn: the picture changed. */
  {
    graphene_rect_t a;
    double x0, x1;

    dl_plot_get_plot_area (DL_PLOT (plot), w, h, &a);
    dl_plot_get_axis_range (DL_PLOT (plot), w, h, &x0, &x1, NULL, NULL);
    hover = dl_plot_get_readout (DL_PLOT (plot), w, h, a.origin.x + (3.6 - x0) / (x1 - x0) * a.size.width,
                                 a.origin.y + a.size.height / 2);
  }
  ck_assert_msg (g_str_has_prefix (hover, "epoch 3.60\n● loss 0.14\n"), "%s", hover);
  {
    g_auto (GStrv) lines = g_strsplit (hover, "\n● ", -1);

    text = g_strjoinv (", ", lines);
  }
  assert_cursor (plot, text);
  after = render_widget (window, plot, w, h);
  for (int i = 0; i < w * h * 4; i++)
    changed += before[i] != after[i];
  ck_assert_msg (changed > 0, "the keyboard read-out is not drawn");

  /* Escape turns it off, and so does leaving the plot by focus. */
  press_key (plot, GDK_KEY_Escape);
  ck_assert (dl_plot_get_cursor_readout (DL_PLOT (plot)) == NULL);
  press_key (plot, GDK_KEY_End);
  ck_assert (dl_plot_get_cursor_readout (DL_PLOT (plot)) != NULL);
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  iterate_ms (20);
  ck_assert (dl_plot_get_cursor_readout (DL_PLOT (plot)) == NULL);
  g_free (before);
  g_free (after);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

START_TEST (test_context_menu_run_actions)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *window = gtk_window_new ();
  GtkWidget *plot = dl_plot_new ();
  g_autoptr (DlSeries) current = dl_series_new ("loss", NULL);
  g_autoptr (DlSeries) other = dl_series_new ("loss", NULL);
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr (GSimpleAction) branch = g_simple_action_new ("branch-from", G_VARIANT_TYPE_DOUBLE);
  g_autoptr (GSimpleAction) back = g_simple_action_new ("go-back-to", G_VARIANT_TYPE_DOUBLE);
  g_autoptr (GPtrArray) items = NULL;
  double got_branch = NAN, got_back = NAN, px, py;
  int w, h;

  /* The current run has a point every 1/100 epoch; another run's points fall elsewhere (every 1/7). */
  for (int i = 0; i <= 500; i++)
    dl_series_append (current, i / 100.0, 1.0 - i / 1000.0);
  for (int i = 0; i <= 35; i++)
    dl_series_append (other, i / 7.0, 0.7);
  add_run (DL_PLOT (plot), "other", NULL, other, DL_PLOT_CURVE_DEFAULT);
  dl_plot_set_current_run (DL_PLOT (plot), add_run (DL_PLOT (plot), "this run", NULL, current, DL_PLOT_CURVE_DEFAULT));
  gtk_window_set_child (GTK_WINDOW (window), plot);
  gtk_window_set_default_size (GTK_WINDOW (window), W, H);
  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < 100 && gtk_widget_get_width (plot) < 100; i++)
    iterate_ms (20);
  w = gtk_widget_get_width (plot);
  h = gtk_widget_get_height (plot);
  {
    graphene_rect_t a;
    double x0, x1;

    dl_plot_get_plot_area (DL_PLOT (plot), w, h, &a);
    dl_plot_get_axis_range (DL_PLOT (plot), w, h, &x0, &x1, NULL, NULL);
    px = a.origin.x + (3.0277 - x0) / (x1 - x0) * a.size.width;
    py = a.origin.y + a.size.height / 2;
  }

  /* No page provides the actions: the items are not offered; the export items are. */
  items = right_click (plot, px, py, "_Branch from Here");
  ck_assert_uint_eq (items->len, 0);
  g_clear_pointer (&items, g_ptr_array_unref);
  items = right_click (plot, px, py, "Export as _PNG…");
  ck_assert_uint_eq (items->len, 1);
  g_clear_pointer (&items, g_ptr_array_unref);

  /* A page sets them up: both are offered, and each activates with the x of the current run's point
   * under the pointer (3.03, not the pointer's own 3.0277 nor the other run's 3.0). */
  g_signal_connect (branch, "activate", G_CALLBACK (on_run_action), &got_branch);
  g_signal_connect (back, "activate", G_CALLBACK (on_run_action), &got_back);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (branch));
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (back));
  gtk_widget_insert_action_group (window, "run", G_ACTION_GROUP (group));
  items = right_click (plot, px, py, "_Branch from Here");
  ck_assert_uint_eq (items->len, 1);
  ck_assert (gtk_widget_get_visible (g_ptr_array_index (items, 0)));
  ck_assert (gtk_widget_is_sensitive (g_ptr_array_index (items, 0)));
  g_signal_emit_by_name (g_ptr_array_index (items, 0), "clicked");
  iterate_ms (50);
  ck_assert_msg (got_branch == 3.03, "run.branch-from got %.17g", got_branch);
  g_clear_pointer (&items, g_ptr_array_unref);
  items = right_click (plot, px, py, "_Go Back to Here");
  ck_assert_uint_eq (items->len, 1);
  g_signal_emit_by_name (g_ptr_array_index (items, 0), "clicked");
  iterate_ms (50);
  ck_assert_msg (got_back == 3.03, "run.go-back-to got %.17g", got_back);
  g_clear_pointer (&items, g_ptr_array_unref);

  /* Disabled by the page: shown but not sensitive. Outside the data area: not offered. */
  g_simple_action_set_enabled (branch, FALSE);
  items = right_click (plot, px, py, "_Branch from Here");
  ck_assert (items->len == 1 && !gtk_widget_is_sensitive (g_ptr_array_index (items, 0)));
  g_clear_pointer (&items, g_ptr_array_unref);
  items = right_click (plot, 3, 3, "_Go Back to Here");
  ck_assert_uint_eq (items->len, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* ------------------------------------------------------------------------------------------------------
 * The save dialog belongs to its widget
 */

static void
open_dialog_then_destroy (GtkWidget *window, GtkWidget *owner, const char *action)
{
  GtkWidget *dialog = NULL;

  gtk_window_set_child (GTK_WINDOW (window), owner);
  gtk_window_present (GTK_WINDOW (window));
  iterate_ms (50);
  ck_assert (gtk_widget_activate_action (owner, action, NULL));
  for (int i = 0; i < 100 && !(dialog = find_file_chooser ()); i++)
    iterate_ms (20);
  ck_assert_msg (dialog != NULL, "%s: no save dialog appeared", action);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  /* Until it has listed its folder (GTK 4.8 reports a listing cut short as an error in a dialog). */
  iterate_ms (300);

  /* The window and the widget go while the dialog is open: the dialog goes with them, so no answer can
   * arrive for a widget that is gone. */
  gtk_window_destroy (GTK_WINDOW (window));
  for (int i = 0; i < 50 && find_file_chooser (); i++)
    iterate_ms (20);
  ck_assert_msg (find_file_chooser () == NULL, "%s: the save dialog outlived its widget", action);
  if (dialog)
    g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
}

START_TEST (test_chooser_closes_with_widget)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *plot = dl_plot_new ();

  add_line (DL_PLOT (plot), "flat", "blue", 0, 0.5, 1, 0.5);
  open_dialog_then_destroy (gtk_window_new (), plot, "plot.export-png");
  open_dialog_then_destroy (gtk_window_new (), g_object_new (DL_TYPE_TRAIN_PAGE, NULL), "train.export-csv");
}
END_TEST

/* The Train page's CSV button: one file with every plot shown. */
START_TEST (test_train_page_export)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *window = gtk_window_new ();
  DlTrainPage *page = g_object_new (DL_TYPE_TRAIN_PAGE, NULL);
  g_autoptr (DlRun) run = test_run ("this run");
  DlSeries *loss = dl_run_get_series (run, DL_RUN_SERIES_LOSS);
  DlSeries *accuracy = dl_run_get_series (run, DL_RUN_SERIES_TEST_ACCURACY);
  GtkWidget *dialog = NULL;
  g_autofree char *dir = g_dir_make_tmp ("dl-plot-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "this run.csv", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *text = NULL;

  ck_assert_int_eq (g_chdir (dir), 0);
  dl_train_page_set_run (page, run);
  dl_series_append (loss, 0.5, 0.25);
  dl_series_append (accuracy, 1, 97.5);
  dl_series_append (dl_run_get_series (run, DL_RUN_SERIES_LR), 0.5, 0.05);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));
  iterate_ms (50);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (page), "train.export-csv", NULL));
  for (int i = 0; i < 100 && !(dialog = find_file_chooser ()); i++)
    iterate_ms (20);
  ck_assert_msg (dialog != NULL, "no save dialog appeared");
  iterate_ms (100);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  for (int i = 0; i < 50 && !g_file_test (path, G_FILE_TEST_EXISTS); i++)
    iterate_ms (20);
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert_str_eq (text,
                    "plot,run,series,x,y,smoothed\n"
                    "Loss,this run,train loss (per batch),0.5,0.25,0.25\n"
                    "Accuracy,this run,test accuracy,1,97.5,\n"
                    "Learning rate,this run,learning rate,0.5,0.05,\n");
  g_unlink (path);
  ck_assert_int_eq (g_chdir (cwd), 0);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

static Suite *
plot_suite (void)
{
  Suite *s = suite_create ("plot");
  TCase *model = tcase_create ("series");
  TCase *draw = tcase_create ("draw");
  TCase *window = tcase_create ("window");

  tcase_add_test (model, test_smoothing_exact);
  tcase_add_test (model, test_smoothing_constant_and_nan);
  tcase_add_test (model, test_series_large);
  suite_add_tcase (s, model);

  tcase_add_test (draw, test_draw_lines);
  tcase_add_test (draw, test_draw_log_axis);
  tcase_add_test (draw, test_draw_marker);
  tcase_add_test (draw, test_draw_smoothed_and_dense);
  tcase_add_test (draw, test_draw_nan_breaks_line);
  tcase_add_test (draw, test_draw_edge_cases);
  tcase_add_test (draw, test_properties);
  tcase_add_test (draw, test_exports);
  tcase_add_test (draw, test_overlay_runs);
  tcase_add_test (draw, test_branch_clipping);
  tcase_add_test (draw, test_best_markers);
  tcase_add_test (draw, test_mean_band);
  tcase_add_test (draw, test_percent_axis);
  tcase_add_test (draw, test_readout_precision);
  tcase_add_test (draw, test_describe);
  tcase_add_test (draw, test_cached_frames_match);
  tcase_add_test (draw, test_export_several);
  tcase_add_test (draw, test_train_page_plots);
  suite_add_tcase (s, draw);

  tcase_add_test (window, test_window_snapshot);
  tcase_add_test (window, test_export_action);
  tcase_add_test (window, test_context_menu_run_actions);
  tcase_add_test (window, test_keyboard_readout);
  tcase_add_test (window, test_chooser_closes_with_widget);
  tcase_add_test (window, test_train_page_export);
  suite_add_tcase (s, window);
  return s;
}

int
main (void)
{
  SRunner *sr;
  int failed;

  gtk_init ();
  /* A failed precondition (g_return_if_fail) anywhere in the plot fails the run. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  sr = srunner_create (plot_suite ());
  /* GTK holds one display connection: run the tests in this process rather than forked children. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
