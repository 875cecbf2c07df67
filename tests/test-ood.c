/* test-ood.c — "this doesn't look like a digit" (dl-ood) for `mlp` and `cnn` nets trained briefly on real
 * MNIST: calibrated on the test set's even-numbered images, it flags at most 5 % of the odd-numbered
 * ones, and catches generated non-digits (tests/dl-test-nondigits.h) drawn through the Draw page's
 * preprocessing; the rates are printed. Dots and short dashes get a hint before any net sees them. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl-gauss.h"
#include "dl-ood.h"
#include "dl-subspace.h"
#include "dl-tangent.h"
#include "dl-test-nondigits.h"
#include "dl-test-train.h"

#define CANVAS 540.0
#define PEN (CANVAS * DL_DIGIT_PEN_WIDTH / DL_DIGIT_BOX * 0.4)   /* the canvas's pen (dl-canvas.c) */
#define PER_KIND 200

/* The least share of each kind caught (flagged or given a hint): a little under what these briefly
 * trained nets measured (mlp 95.5, 78.5, 100, 80.0 %; cnn 96.0, 89.0, 100, 84.0 %; without the subspace
 * signal mlp 94.0, 74.5, 100, 60.0 %, cnn 94.0, 86.5, 100, 79.0 %). The issue asks for 90 % of all four
 * kinds together, which the presets trained in full reach (README). */
static const double at_least[2][N_NONDIGIT_KINDS] = {
  /* mlp */ { 0.93, 0.75, 1.00, 0.76 },
  /* cnn */ { 0.93, 0.86, 1.00, 0.80 },
};

static void
check_rates (const char *preset, int which, int n_train)
{
  g_autoptr (DlDataset) train = dl_test_load_mnist (TRUE);
  g_autoptr (DlDataset) test = dl_test_load_mnist (FALSE);
  if (train == NULL || test == NULL)
    return;
  g_autoptr (DlNet) net = dl_test_train_preset (preset, train, n_train, 1, 2, 1);
  g_autoptr (DlNeighbours) nb = dl_neighbours_build (net, train, NULL);
  g_autoptr (DlOod) ood = dl_ood_new (net, nb, train, test, NULL);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 1);
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();

  double held_out = dl_ood_held_out_rate (ood, net, test);
  printf ("not a digit, %s: flags %.2f %% of the held-out test digits;", preset, 100 * held_out);
  ck_assert_msg (held_out <= 0.05, "%s: %.2f %% of the held-out test digits flagged", preset, 100 * held_out);
  for (NonDigitKind k = 0; k < N_NONDIGIT_KINDS; k++)
    {
      DlRng rng;
      int caught = 0;
      dl_rng_seed (&rng, 77 + k);
      for (int i = 0; i < PER_KIND; i++)
        {
          DlTestStrokes t = nondigit_make (k, &rng, CANVAS, PEN, 4, NULL);
          if (dl_ood_check_strokes (t.strokes, t.n, PEN) != DL_OOD_HINT_NONE
              || !dl_preprocess_strokes (t.strokes, t.n, PEN, in))
            caught++;
          else
            {
              DlOodVerdict v;
              dl_ood_judge (ood, net, work, in->input, 1, &v);
              caught += v.flagged;
            }
          test_strokes_clear (&t);
        }
      double rate = (double) caught / PER_KIND;
      printf (" %s %.1f %%%s", NONDIGIT_KIND_NAMES[k], 100 * rate, k + 1 < N_NONDIGIT_KINDS ? "," : "\n");
      ck_assert_msg (rate >= at_least[which][k], "%s: %s caught %.1f %%, expected at least %.0f %%", preset,
                     NONDIGIT_KIND_NAMES[k], 100 * rate, 100 * at_least[which][k]);
    }
}

START_TEST (rates_mlp)
{
  check_rates ("mlp", 0, 60000);
}
END_TEST

START_TEST (rates_cnn)
{
  check_rates ("cnn", 1, 30000);
}
END_TEST

/* Two classes drawn around their means with independent spreads 1, 2 and 0.5 on three axes: the fitted
 * distance of a point is Σ ((x − μ_c) / σ)² to the nearer mean, as computed by hand. */
START_TEST (gauss_is_the_mahalanobis_distance)
{
  enum { N = 20000, D = 3 };
  const double sigma[D] = { 1, 2, 0.5 }, mean[2][D] = { { 0, 0, 0 }, { 10, -4, 2 } };
  g_autofree float *x = g_new (float, N * D);
  g_autofree guint8 *y = g_new (guint8, N);
  DlRng rng;
  dl_rng_seed (&rng, 5);
  for (int i = 0; i < N; i++)
    {
      y[i] = i % 2;
      for (int j = 0; j < D; j++)
        x[i * D + j] = mean[y[i]][j] + sigma[j] * dl_rng_normal (&rng);
    }
  g_autoptr (DlGauss) g = dl_gauss_fit (x, y, N, D);
  ck_assert_int_eq (dl_gauss_dim (g), D);
  const float q[2][D] = { { 1, 2, 0.5 }, { 9, -4, 2.25 } };
  const double want[2] = { 1 + 1 + 1, 1 + 0 + 0.25 };
  for (int k = 0; k < 2; k++)
    {
      float row[D], d2;
      memcpy (row, q[k], sizeof row);
      dl_gauss_score (g, row, 1, &d2);
      ck_assert_msg (fabs (d2 - want[k]) < 0.05 * want[k], "point %d: %.4f, expected %.4f", k, d2, want[k]);
    }
}
END_TEST

/* A blob of class 4, the same blob a third of a pixel to the right (4), and the first again as a 7: the
 * tangent distance is 0 to itself (measured again in double: the float norm expansion alone gave 0.003 with
 * OpenBLAS's AVX-512 kernel on AMD Zen 5) and a small part of the Euclidean to the shifted one, which is the
 * second nearest 4 (the identical 7 does not count); there is no second 7. */
START_TEST (tangent_distance_forgives_a_shift)
{
  enum { SIDE = 14, D = SIDE * SIDE };
  float img[3][D], norm[3];
  for (int k = 0; k < 3; k++)
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++)
        {
          const double cx = 6.5 + (k == 1 ? 1.0 / 3 : 0), dx = x - cx, dy = y - 6.5;
          img[k][y * SIDE + x] = expf (-(dx * dx + dy * dy) / 8);
        }
  double euclid = 0;
  for (int p = 0; p < D; p++)
    euclid += (img[1][p] - img[0][p]) * (img[1][p] - img[0][p]);
  for (int k = 0; k < 3; k++)
    {
      norm[k] = 0;
      for (int p = 0; p < D; p++)
        norm[k] += img[k][p] * img[k][p];
    }
  const guint8 labels[3] = { 4, 4, 7 };
  const int want[1] = { 4 };
  float nearest, second;
  dl_tangent_nearest (img[0], norm, labels, 3, SIDE, img[0], 1, want, 1, &nearest);
  dl_tangent_nearest (img[0], norm, labels, 3, SIDE, img[0], 1, want, 2, &second);
  ck_assert_float_lt (nearest, 1e-6);
  ck_assert_float_gt (second, 0);
  ck_assert_msg (second < 0.1 * sqrt (euclid), "tangent %.4f, Euclidean %.4f", second, sqrt (euclid));
  const int other[1] = { 7 };
  float to_other;
  dl_tangent_nearest (img[0], norm, labels, 3, SIDE, img[0], 1, other, 2, &to_other);   /* one 7 only */
  ck_assert_float_eq (to_other, INFINITY);
}
END_TEST

/* ---- the class subspaces against a direct computation in double ---- */

enum { SS_SIDE = 4, SS_D = SS_SIDE * SS_SIDE, SS_PER_PART = 400, SS_K = 2 };

typedef struct {
  double mean[SS_D];
  double dir[SS_K][SS_D];   /* the top SS_K eigenvectors of the part's covariance */
} SsPart;

static double
ss_dot (const double *a, const double *b)
{
  double s = 0;
  for (int j = 0; j < SS_D; j++)
    s += a[j] * b[j];
  return s;
}

/* Orthonormalises v against the n orthonormal rows of basis; FALSE when nothing is left of it. */
static gboolean
ss_orthonormalise (double *v, double (*basis)[SS_D], int n)
{
  const double before = sqrt (ss_dot (v, v));
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < n; i++)
      {
        double p = ss_dot (v, basis[i]);
        for (int j = 0; j < SS_D; j++)
          v[j] -= p * basis[i][j];
      }
  const double norm = sqrt (ss_dot (v, v));
  if (norm <= 1e-3 * before || norm == 0)
    return FALSE;
  for (int j = 0; j < SS_D; j++)
    v[j] /= norm;
  return TRUE;
}

/* The mean and, by power iteration with deflation, the top eigenvectors of n rows' covariance. */
static void
ss_direct_part (const float *x, int n, SsPart *part)
{
  static double cov[SS_D][SS_D];
  memset (part, 0, sizeof *part);
  memset (cov, 0, sizeof cov);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < SS_D; j++)
      part->mean[j] += x[i * SS_D + j] / (double) n;
  for (int i = 0; i < n; i++)
    for (int a = 0; a < SS_D; a++)
      for (int b = 0; b < SS_D; b++)
        cov[a][b] += (x[i * SS_D + a] - part->mean[a]) * (x[i * SS_D + b] - part->mean[b]) / n;
  for (int k = 0; k < SS_K; k++)
    {
      double *v = part->dir[k], w[SS_D];
      for (int j = 0; j < SS_D; j++)
        v[j] = 1 + j;
      ss_orthonormalise (v, part->dir, k);
      for (int it = 0; it < 2000; it++)
        {
          for (int a = 0; a < SS_D; a++)
            w[a] = ss_dot (cov[a], v);
          memcpy (v, w, sizeof w);
          ss_orthonormalise (v, part->dir, k);
        }
    }
}

/* The squared distance from x (or from x's tangent plane, with `tangents`) to the part's subspace:
 * what is left of x − mean outside the span of the directions and the tangents. */
static double
ss_direct_residual (const SsPart *part, const float *x, gboolean tangents)
{
  double basis[SS_K + DL_TANGENTS][SS_D], r[SS_D];
  float t[DL_TANGENTS * SS_D];
  int n = 0;
  for (int k = 0; k < SS_K; k++)
    {
      memcpy (basis[n], part->dir[k], sizeof basis[n]);
      n += ss_orthonormalise (basis[n], basis, n);
    }
  if (tangents)
    {
      dl_tangents (x, SS_SIDE, t);
      for (int a = 0; a < DL_TANGENTS; a++)
        {
          for (int j = 0; j < SS_D; j++)
            basis[n][j] = t[a * SS_D + j];
          n += ss_orthonormalise (basis[n], basis, n);
        }
    }
  for (int j = 0; j < SS_D; j++)
    r[j] = x[j] - part->mean[j];
  double e = ss_dot (r, r);
  for (int i = 0; i < n; i++)
    e -= ss_dot (r, basis[i]) * ss_dot (r, basis[i]);
  return e;
}

/* Classes 3 and 5 each made of two parts far apart, each part spread along two directions of its own
 * (spreads 3 and 1.5) and a little in all (0.05): with two models of rank 2 per class, the residual of
 * any point, with and without its tangents, is the direct double computation's distance to the nearer
 * part of the class. */
START_TEST (subspace_is_the_distance_to_the_nearest_part)
{
  enum { N_PARTS = 4, N = N_PARTS * SS_PER_PART, N_QUERIES = 40 };
  const guint8 part_class[N_PARTS] = { 3, 3, 5, 5 };
  g_autofree float *x = g_new (float, N * SS_D);
  g_autofree guint8 *labels = g_new (guint8, N);
  SsPart part[N_PARTS];
  DlRng rng;
  dl_rng_seed (&rng, 9);
  for (int p = 0; p < N_PARTS; p++)
    {
      double centre[SS_D], dir[SS_K][SS_D];
      for (int j = 0; j < SS_D; j++)
        centre[j] = 12 * dl_rng_normal (&rng);
      for (int k = 0; k < SS_K; k++)
        {
          for (int j = 0; j < SS_D; j++)
            dir[k][j] = dl_rng_normal (&rng);
          ss_orthonormalise (dir[k], dir, k);
        }
      for (int i = p * SS_PER_PART; i < (p + 1) * SS_PER_PART; i++)
        {
          const double a = 3 * dl_rng_normal (&rng), b = 1.5 * dl_rng_normal (&rng);
          labels[i] = part_class[p];
          for (int j = 0; j < SS_D; j++)
            x[i * SS_D + j] = centre[j] + a * dir[0][j] + b * dir[1][j] + 0.05 * dl_rng_normal (&rng);
        }
      ss_direct_part (x + p * SS_PER_PART * SS_D, SS_PER_PART, &part[p]);
    }
  g_autoptr (DlSubspace) s = dl_subspace_fit (x, labels, N, SS_D, SS_K, 2);
  ck_assert_int_eq (dl_subspace_dim (s), SS_D);
  ck_assert_int_eq (dl_subspace_n_models (s, 3), 2);
  ck_assert_int_eq (dl_subspace_n_models (s, 0), 1);

  for (int q = 0; q < N_QUERIES; q++)
    {
      /* a training row moved a little, or a point anywhere; asked about either class */
      float row[SS_D];
      const int c = q % 2 ? 3 : 5, src = (int) dl_rng_below (&rng, N);
      for (int j = 0; j < SS_D; j++)
        row[j] = q < N_QUERIES / 2 ? x[src * SS_D + j] + 0.3 * dl_rng_normal (&rng) : 12 * dl_rng_normal (&rng);
      for (int side = 0; side <= SS_SIDE; side += SS_SIDE)
        {
          double want = INFINITY;
          for (int p = 0; p < N_PARTS; p++)
            if (part_class[p] == c)
              want = MIN (want, ss_direct_residual (&part[p], row, side > 0));
          float got;
          dl_subspace_residual (s, row, 1, &c, side, &got);
          ck_assert_msg (fabs (got - want) <= 1e-3 * want + 1e-3, "query %d, class %d, side %d: %.6f, expected %.6f", q,
                         c, side, got, want);
        }
    }
}
END_TEST

/* A click and a jiggle are dots, a dash of 1.5 pens is short, a stroke of 3 pens is read. */
START_TEST (small_drawings_get_a_hint)
{
  DlPoint click[] = { { 100, 100, 1 } };
  DlPoint jiggle[] = { { 100, 100, 1 }, { 110, 104, 1 }, { 104, 112, 1 } };
  DlPoint dash[] = { { 100, 100, 1 }, { 100 + 1.5 * PEN, 100, 1 } };
  DlPoint stroke[] = { { 100, 100, 1 }, { 100, 100 + 3 * PEN, 1 } };
  const struct { DlPoint *p; int n; DlOodHint hint; } cases[] = {
    { click, 1, DL_OOD_HINT_DOT }, { jiggle, 3, DL_OOD_HINT_DOT }, { dash, 2, DL_OOD_HINT_SHORT },
    { stroke, 2, DL_OOD_HINT_NONE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      DlStroke s = { cases[i].p, cases[i].n };
      ck_assert_int_eq (dl_ood_check_strokes (&s, 1, PEN), cases[i].hint);
    }
  ck_assert_int_eq (dl_ood_check_strokes (NULL, 0, PEN), DL_OOD_HINT_NONE);
}
END_TEST

static Suite *
ood_suite (void)
{
  Suite *s = suite_create ("ood");
  TCase *tc = tcase_create ("core");
  tcase_add_test (tc, small_drawings_get_a_hint);
  tcase_add_test (tc, gauss_is_the_mahalanobis_distance);
  tcase_add_test (tc, tangent_distance_forgives_a_shift);
  tcase_add_test (tc, subspace_is_the_distance_to_the_nearest_part);
  suite_add_tcase (s, tc);
  /* Tagged: test.sh leaves these out of the sanitizer run (CK_EXCLUDE_TAGS), where they took minutes; the
   * same code runs there in the small cases above, and their figures are the plain build's. */
  tc = tcase_create ("mnist");
  tcase_set_tags (tc, "mnist-figures");
  tcase_add_test (tc, rates_mlp);
  tcase_add_test (tc, rates_cnn);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (ood_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
