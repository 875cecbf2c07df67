/* test-plot.c — the series model (smoothing, ranges, search) and the plot widget: pixels of off-screen
 * renders through dl_plot_draw, exports, and one render of a realized window through its GskRenderer. */
#include <check.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "dl-plot.h"

/* The palette's light-style colours (the tests run with the default, light, style). */
#define BLUE   0x1c71d8
#define ORANGE 0xe66100
#define RED    0xc01c28

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
  ck_assert (g_str_has_prefix (text, "plot,run,series,x,y,smoothed\n,,flat,0,0.5,\n") || g_str_has_prefix (text, "plot,run,series,x,y,smoothed\nplot 1,,flat,0,0.5,\n"));
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
  suite_add_tcase (s, draw);

  tcase_add_test (window, test_window_snapshot);
  tcase_add_test (window, test_export_action);
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
