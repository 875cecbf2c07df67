/* test-preprocess.c — MNIST-style preparation of drawn digits (no GTK), and its robustness on real MNIST. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl-arch.h"
#include "dl-data.h"
#include "dl-net.h"
#include "dl-preprocess.h"
#include "dl-rng.h"
#include "dl-test-mnist.h"

#define SIDE DL_DIGIT_SIDE
#define CANVAS 280
#define CANVAS_PEN 18.0f   /* DlCanvas's pen on a 280 px canvas: about 6 % of its side */

/* Digits as a person draws them, in a unit box (x right, y down); each stroke ends with a NaN point, the
 * drawing with an infinite one. */
static const float DIGIT_7[] = { 0.05f, 0.05f, 0.95f, 0.05f, 0.35f, 1.0f, NAN, NAN, INFINITY };
static const float DIGIT_1[] = { 0.5f, 0.0f, 0.5f, 1.0f, NAN, NAN, INFINITY };
static const float DIGIT_4[] = { 0.65f, 0.0f, 0.0f, 0.65f, 0.9f, 0.65f, NAN, NAN,
                                 0.65f, 0.3f, 0.65f, 1.0f, NAN, NAN, INFINITY };
static const float DIGIT_2[] = { 0.1f, 0.25f, 0.3f, 0.02f, 0.65f, 0.0f, 0.85f, 0.2f, 0.8f, 0.45f,
                                 0.4f, 0.8f, 0.05f, 1.0f, 0.95f, 1.0f, NAN, NAN, INFINITY };

typedef struct {
  DlStroke strokes[4];
  int      n;
} Drawing;

/* Places a unit-box digit at (ox, oy) with side `size` canvas units; the 0 is an ellipse of 48 samples. */
static void
drawing_init (Drawing *d, const float *spec, gboolean ellipse, float ox, float oy, float size)
{
  memset (d, 0, sizeof *d);
  if (ellipse)
    {
      DlPoint *p = g_new (DlPoint, 49);
      for (int i = 0; i <= 48; i++)
        p[i] = (DlPoint) { ox + size * (0.5f + 0.33f * sinf (i * G_PI / 24)),
                           oy + size * (0.5f - 0.5f * cosf (i * G_PI / 24)), 1 };
      d->strokes[0] = (DlStroke) { p, 49 };
      d->n = 1;
      return;
    }
  GArray *pts = g_array_new (FALSE, FALSE, sizeof (DlPoint));
  for (const float *s = spec; !isinf (s[0]); s += 2)
    {
      if (!isnan (s[0]))
        {
          DlPoint p = { ox + size * s[0], oy + size * s[1], 1 };
          g_array_append_val (pts, p);
          continue;
        }
      d->strokes[d->n].n_points = pts->len;
      d->strokes[d->n++].points = (DlPoint *) g_array_free (pts, FALSE);
      pts = g_array_new (FALSE, FALSE, sizeof (DlPoint));
    }
  g_array_free (pts, TRUE);
}

static void
drawing_clear (Drawing *d)
{
  for (int i = 0; i < d->n; i++)
    g_free (d->strokes[i].points);
}

static double
mean_abs_diff (const float *a, const float *b, int n)
{
  double s = 0;
  for (int i = 0; i < n; i++)
    s += fabs (a[i] - b[i]);
  return s / n;
}

static double
ink (const float *img, int n)
{
  double s = 0;
  for (int i = 0; i < n; i++)
    s += img[i];
  return s;
}

/* Rows and columns of the 28×28 input that hold any ink. */
static void
ink_extent (const float *img, int *w, int *h)
{
  int x0 = SIDE, x1 = -1, y0 = SIDE, y1 = -1;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      if (img[y * SIDE + x] > 0)
        {
          x0 = MIN (x0, x); x1 = MAX (x1, x);
          y0 = MIN (y0, y); y1 = MAX (y1, y);
        }
  *w = x1 - x0 + 1;
  *h = y1 - y0 + 1;
}

static const float *const SPECS[] = { DIGIT_7, DIGIT_1, DIGIT_4, DIGIT_2, NULL };

/* Drawn small in a corner or large in the middle, a digit becomes (nearly) the same input. Bound: mean
 * absolute difference per pixel below 0.01 (pixel values span 0–1; MNIST digits of one class differ by
 * about 0.1). */
START_TEST (test_scale_and_position_invariance)
{
  g_autoptr (DlDigitInput) small = dl_digit_input_new ();
  g_autoptr (DlDigitInput) large = dl_digit_input_new ();
  for (int k = 0; k <= 4; k++)
    {
      Drawing a, b;
      drawing_init (&a, SPECS[k], SPECS[k] == NULL, 5, 8, 36);   /* two pen widths tall */
      drawing_init (&b, SPECS[k], SPECS[k] == NULL, 40, 30, 220);
      ck_assert (dl_preprocess_strokes (a.strokes, a.n, CANVAS_PEN, small));
      ck_assert (dl_preprocess_strokes (b.strokes, b.n, CANVAS_PEN, large));
      double d = mean_abs_diff (small->input, large->input, SIDE * SIDE);
      printf ("digit %d: small vs large mean |Δ| = %.5f\n", k, d);
      ck_assert_double_lt (d, 0.01);
      drawing_clear (&a);
      drawing_clear (&b);
    }
}
END_TEST

/* The centre of mass lands within half a pixel of (14, 14), the spread MNIST itself has. */
START_TEST (test_centre_of_mass)
{
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  for (int k = 0; k <= 4; k++)
    {
      Drawing d;
      drawing_init (&d, SPECS[k], SPECS[k] == NULL, 100 + 17 * k, 60 - 9 * k, 90 + 30 * k);
      ck_assert (dl_preprocess_strokes (d.strokes, d.n, CANVAS_PEN, in));
      printf ("digit %d: centre of mass (%.3f, %.3f)\n", k, in->com_x, in->com_y);
      ck_assert_float_le (fabsf (in->com_x - 14.0f), 0.5f);
      ck_assert_float_le (fabsf (in->com_y - 14.0f), 0.5f);
      /* the stored centre is the real one */
      double m = 0, sx = 0;
      for (int i = 0; i < SIDE * SIDE; i++)
        {
          m += in->input[i];
          sx += in->input[i] * (i % SIDE);
        }
      ck_assert_double_eq_tol (sx / m, in->com_x, 1e-3);
      drawing_clear (&d);
    }
}
END_TEST

/* A tall thin 1 stays tall and thin: 20 px high, only the pen's width wide, not stretched to a square. */
START_TEST (test_aspect_ratio_kept)
{
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  Drawing d;
  drawing_init (&d, DIGIT_1, FALSE, 30, 20, 240);
  ck_assert (dl_preprocess_strokes (d.strokes, d.n, CANVAS_PEN, in));
  int w, h;
  ink_extent (in->input, &w, &h);
  printf ("1: fit %d×%d, ink %d×%d in the input\n", in->fit_w, in->fit_h, w, h);
  ck_assert_int_eq (in->fit_h, DL_DIGIT_BOX);
  ck_assert_int_eq (h, DL_DIGIT_BOX);
  ck_assert_int_le (w, 4);
  drawing_clear (&d);

  /* A wide 7 keeps its width as the longer side. */
  drawing_init (&d, DIGIT_7, FALSE, 0, 0, 200);
  for (int i = 0; i < d.strokes[0].n_points; i++)
    d.strokes[0].points[i].y *= 0.5f;
  ck_assert (dl_preprocess_strokes (d.strokes, d.n, CANVAS_PEN, in));
  ck_assert_int_eq (in->fit_w, DL_DIGIT_BOX);
  ck_assert_int_lt (in->fit_h, 14);
  drawing_clear (&d);
}
END_TEST

/* Drawn 0s and 1s carry about the ink MNIST's do (training-set means: 136 for 0, 60 for 1), so the pen is
 * as wide as MNIST's; within 25 %. */
START_TEST (test_pen_matches_mnist)
{
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  Drawing d;
  drawing_init (&d, NULL, TRUE, 10, 10, 200);
  ck_assert (dl_preprocess_strokes (d.strokes, d.n, CANVAS_PEN, in));
  double ink0 = ink (in->input, SIDE * SIDE);
  drawing_clear (&d);
  drawing_init (&d, DIGIT_1, FALSE, 10, 10, 200);
  ck_assert (dl_preprocess_strokes (d.strokes, d.n, CANVAS_PEN, in));
  double ink1 = ink (in->input, SIDE * SIDE);
  drawing_clear (&d);
  printf ("ink: drawn 0 %.1f (MNIST 136), drawn 1 %.1f (MNIST 60)\n", ink0, ink1);
  ck_assert_double_lt (fabs (ink0 / 136 - 1), 0.25);
  ck_assert_double_lt (fabs (ink1 / 60 - 1), 0.25);
  /* bright ink on black in [0, 1], with a saturated core like MNIST's strokes */
  float hi = 0, lo = 1;
  for (int i = 0; i < SIDE * SIDE; i++)
    {
      hi = MAX (hi, in->input[i]);
      lo = MIN (lo, in->input[i]);
    }
  ck_assert_float_eq (lo, 0.0f);
  ck_assert_float_ge (hi, 0.99f);
  ck_assert_float_le (hi, 1.0f);
}
END_TEST

/* Nothing drawn, or a single dot: no input, and classification gives no answer. */
START_TEST (test_empty_gives_no_prediction)
{
  DlArch arch;
  ck_assert (dl_arch_parse ("fc10,softmax", &arch, NULL));
  g_autoptr (DlNet) net = dl_net_new (&arch, 1);
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  float probs[DL_N_CLASSES];

  ck_assert (!dl_preprocess_strokes (NULL, 0, CANVAS_PEN, in));
  ck_assert (in->empty);
  ck_assert_int_eq (dl_digit_classify (net, in, probs), -1);
  ck_assert_float_eq (ink (probs, DL_N_CLASSES), 0.0f);

  /* a click: one sample */
  DlPoint dot = { 140, 140, 1 };
  DlStroke s = { &dot, 1 };
  ck_assert (!dl_preprocess_strokes (&s, 1, CANVAS_PEN, in));
  ck_assert_int_eq (dl_digit_classify (net, in, probs), -1);

  /* a tiny jiggle, shorter than the pen is wide */
  DlPoint jiggle[] = { { 140, 140, 1 }, { 148, 144, 1 }, { 143, 153, 1 } };
  s = (DlStroke) { jiggle, 3 };
  ck_assert (!dl_preprocess_strokes (&s, 1, CANVAS_PEN, in));
  ck_assert_int_eq (dl_digit_classify (net, in, probs), -1);

  /* a real stroke after an empty one still counts */
  DlPoint line[] = { { 140, 40, 1 }, { 140, 240, 1 } };
  DlStroke two[] = { { NULL, 0 }, { line, 2 } };
  ck_assert (dl_preprocess_strokes (two, 2, CANVAS_PEN, in));
  /* Its answer is the net's own: the probabilities of the 28 × 28 input, and their argmax. */
  float want[DL_N_CLASSES];
  dl_net_predict (net, in->input, 1, want);
  int answer = dl_digit_classify (net, in, probs);
  ck_assert_int_ge (answer, 0);
  ck_assert_mem_eq (probs, want, sizeof want);
  for (int c = 0; c < DL_N_CLASSES; c++)
    ck_assert (probs[c] <= probs[answer]);
  ck_assert_float_eq_tol (ink (probs, DL_N_CLASSES), 1.0f, 1e-5f);

  /* the greyscale path: a blank image, and a dot of 3 pixels */
  g_autofree float *img = g_new0 (float, CANVAS * CANVAS);
  ck_assert (!dl_preprocess_image (img, CANVAS, CANVAS, 12, in));
  ck_assert_int_eq (dl_digit_classify (net, in, probs), -1);
  for (int i = 0; i < 3; i++)
    img[140 * CANVAS + 140 + i] = 1;
  ck_assert (!dl_preprocess_image (img, CANVAS, CANVAS, 12, in));
  ck_assert (in->empty);
}
END_TEST

/* The greyscale path crops, fits and centres an image the same way: a 1-pixel-wide 20×5 bar far off to
 * the side comes out as a 20-pixel-wide bar centred on (14, 14). */
START_TEST (test_image_path)
{
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  g_autofree float *img = g_new0 (float, 100 * 60);
  for (int y = 40; y < 50; y++)
    for (int x = 50; x < 90; x++)
      img[y * 100 + x] = 1;
  ck_assert (dl_preprocess_image (img, 100, 60, 4, in));
  ck_assert_int_eq (in->crop_w, 40);
  ck_assert_int_eq (in->crop_h, 10);
  ck_assert_int_eq (in->fit_w, 20);
  ck_assert_int_eq (in->fit_h, 5);
  ck_assert_float_le (fabsf (in->com_x - 14), 0.5f);
  ck_assert_float_le (fabsf (in->com_y - 14), 0.5f);
  ck_assert_double_eq_tol (ink (in->input, SIDE * SIDE), 100, 1e-3);   /* area averaging keeps the mean */
}
END_TEST

/* ---- robustness on real MNIST ---- */

/* MNIST image `src` (28×28, [0, 1]) magnified k× (bilinear) with its top-left at (ox, oy) of a
 * CANVAS × CANVAS image: the digit as a person might draw it, anywhere and at any size. */
static void
render_on_canvas (const float *src, double k, double ox, double oy, float *canvas)
{
  for (int y = 0; y < CANVAS; y++)
    for (int x = 0; x < CANVAS; x++)
      {
        double u = (x + 0.5 - ox) / k - 0.5, v = (y + 0.5 - oy) / k - 0.5;
        int u0 = (int) floor (u), v0 = (int) floor (v);
        double fu = u - u0, fv = v - v0, val = 0;
        for (int dy = 0; dy < 2; dy++)
          for (int dx = 0; dx < 2; dx++)
            if (u0 + dx >= 0 && u0 + dx < SIDE && v0 + dy >= 0 && v0 + dy < SIDE)
              val += (dx ? fu : 1 - fu) * (dy ? fv : 1 - fv) * src[(v0 + dy) * SIDE + u0 + dx];
        canvas[y * CANVAS + x] = (float) val;
      }
}

static double
accuracy (DlNet *net, const float *x, const guint8 *y, int n)
{
  float probs[100 * DL_N_CLASSES];
  int correct = 0;
  for (int i = 0; i < n; i += 100)
    {
      int b = MIN (100, n - i);
      dl_net_predict (net, x + (gsize) i * SIDE * SIDE, b, probs);
      for (int j = 0; j < b; j++)
        correct += dl_argmax_class (probs + j * DL_N_CLASSES) == y[i + j];
    }
  return (double) correct / n;
}

/* The mlp preset trained one epoch; MNIST test digits re-drawn on a 280×280 canvas at 0.5×–1.5× of the
 * size a 20-pixel box magnified 8× would have (80–240 px) and anywhere on it, then preprocessed, are
 * classified within 2 percentage points of the originals (1,000 test images). */
START_TEST (test_robust_on_real_digits)
{
  g_autoptr (DlDataset) train = dl_test_mnist_load (TRUE);
  g_autoptr (DlDataset) test = dl_test_mnist_load (FALSE);

  const DlPreset *preset = dl_preset_find ("mlp");
  ck_assert (preset != NULL);
  DlArch arch;
  ck_assert (dl_arch_parse (preset->arch, &arch, NULL));
  g_autoptr (DlNet) net = dl_net_new (&arch, 7);
  DlRng rng;
  dl_rng_seed (&rng, 7);
  g_autofree int *idx = g_new (int, train->n);
  for (int i = 0; i < train->n; i++)
    idx[i] = i;
  dl_rng_shuffle (&rng, idx, train->n);
  int batch = preset->batch;
  g_autofree float *x = g_new (float, (gsize) batch * SIDE * SIDE);
  g_autofree guint8 *y = g_new (guint8, batch);
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i + batch <= train->n; i += batch)
    {
      dl_dataset_gather (train, idx + i, batch, x);
      for (int j = 0; j < batch; j++)
        y[j] = train->labels[idx[i + j]];
      dl_net_train_step (net, x, y, batch, &preset->hyper, NULL);
    }
  printf ("mlp, 1 epoch: %.1f s\n", (g_get_monotonic_time () - t0) / 1e6);

  /* The originals, and the same digits re-drawn: magnified 4×–12×, placed anywhere the ink fits. */
  enum { N = 1000 };
  g_autofree float *orig = g_new (float, (gsize) N * SIDE * SIDE);
  g_autofree float *drawn = g_new (float, (gsize) N * SIDE * SIDE);
  g_autofree float *naive = g_new (float, (gsize) N * SIDE * SIDE);
  g_autofree float *canvas = g_new (float, CANVAS * CANVAS);
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  int idx_test[N];
  for (int i = 0; i < N; i++)
    idx_test[i] = i;
  dl_dataset_gather (test, idx_test, N, orig);
  for (int i = 0; i < N; i++)
    {
      const float *src = orig + (gsize) i * SIDE * SIDE;
      int bx0 = SIDE, bx1 = 0, by0 = SIDE, by1 = 0;
      for (int p = 0; p < SIDE * SIDE; p++)
        if (src[p] > 0)
          {
            bx0 = MIN (bx0, p % SIDE); bx1 = MAX (bx1, p % SIDE);
            by0 = MIN (by0, p / SIDE); by1 = MAX (by1, p / SIDE);
          }
      double k = 8 * (0.5 + dl_rng_uniform (&rng));
      /* the ink spans [bx0, bx1 + 1) × k on the canvas: choose ox so it lies within 0 … CANVAS */
      double lo_x = -bx0 * k, hi_x = CANVAS - (bx1 + 1) * k;
      double lo_y = -by0 * k, hi_y = CANVAS - (by1 + 1) * k;
      double ox = lo_x + dl_rng_uniform (&rng) * MAX (0, hi_x - lo_x);
      double oy = lo_y + dl_rng_uniform (&rng) * MAX (0, hi_y - lo_y);
      render_on_canvas (src, k, ox, oy, canvas);
      ck_assert (dl_preprocess_image (canvas, CANVAS, CANVAS, 12, in));
      memcpy (drawn + (gsize) i * SIDE * SIDE, in->input, sizeof in->input);
      /* what a web demo does: the whole canvas shrunk to 28×28 */
      for (int p = 0; p < SIDE * SIDE; p++)
        {
          double s = 0;
          for (int dy = 0; dy < CANVAS / SIDE; dy++)
            for (int dx = 0; dx < CANVAS / SIDE; dx++)
              s += canvas[((p / SIDE) * (CANVAS / SIDE) + dy) * CANVAS + (p % SIDE) * (CANVAS / SIDE) + dx];
          naive[(gsize) i * SIDE * SIDE + p] = (float) (s / ((CANVAS / SIDE) * (CANVAS / SIDE)));
        }
    }
  double acc_orig = accuracy (net, orig, test->labels, N);
  double acc_drawn = accuracy (net, drawn, test->labels, N);
  double acc_naive = accuracy (net, naive, test->labels, N);
  printf ("accuracy on %d MNIST test digits: originals %.1f %%, re-drawn at 0.5×–1.5× anywhere and "
          "preprocessed %.1f %%, same canvas merely shrunk to 28×28 %.1f %%\n",
          N, 100 * acc_orig, 100 * acc_drawn, 100 * acc_naive);
  ck_assert_double_gt (acc_orig, 0.9);
  ck_assert_double_ge (acc_drawn, acc_orig - 0.02);

  /* What the Draw page does per frame: preprocess the strokes, one forward pass. A figure, not a test. */
  Drawing d;
  drawing_init (&d, DIGIT_4, FALSE, 30, 30, 220);
  float probs[DL_N_CLASSES];
  gint64 t1 = g_get_monotonic_time ();
  for (int i = 0; i < 200; i++)
    {
      dl_preprocess_strokes (d.strokes, d.n, CANVAS_PEN, in);
      dl_digit_classify (net, in, probs);
    }
  printf ("per frame: preprocess + mlp inference %.3f ms\n", (g_get_monotonic_time () - t1) / 200.0 / 1000);
  drawing_clear (&d);
}
END_TEST

static Suite *
preprocess_suite (void)
{
  Suite *s = suite_create ("preprocess");
  TCase *tc = tcase_create ("strokes");
  tcase_add_test (tc, test_scale_and_position_invariance);
  tcase_add_test (tc, test_centre_of_mass);
  tcase_add_test (tc, test_aspect_ratio_kept);
  tcase_add_test (tc, test_pen_matches_mnist);
  tcase_add_test (tc, test_empty_gives_no_prediction);
  tcase_add_test (tc, test_image_path);
  suite_add_tcase (s, tc);
  return s;
}

static Suite *
mnist_suite (void)
{
  Suite *s = suite_create ("preprocess-mnist");
  TCase *real = tcase_create ("real");
  tcase_add_test (real, test_robust_on_real_digits);
  suite_add_tcase (s, real);
  return s;
}

int
main (int argc, char **argv)
{
  return dl_test_main (argc, argv, preprocess_suite, mnist_suite, CK_FORK_GETENV);
}
