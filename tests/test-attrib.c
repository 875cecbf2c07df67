/* test-attrib.c — attributions (dl-attrib): exact values on a linear net, contrast as a difference of
 * maps, one batched pass for integrated gradients, and completeness (the map sums to f(x) − f(black)
 * within 1 % at 64 steps) for `mlp` and `cnn` nets trained briefly on real MNIST. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl-attrib.h"
#include "dl-test-net.h"
#include "dl-test-train.h"

#define P DL_ATTRIB_PIXELS
#define SIDE DL_ATTRIB_SIDE

/* A one-layer net (logits = W x + b): f's gradient is W's row, so gradient × input and integrated
 * gradients are both x ⊙ W_t, and occlusion is the mean over the patches covering a pixel of the
 * patch's Σ x ⊙ W_t. */
START_TEST (linear_net_exact)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc10,softmax", 7);
  g_autoptr (DlAttrib) a = dl_attrib_new (net);
  const float *w = dl_net_params (net);
  float x[P], map[P];
  guint8 y;
  const int t = 3, c = 8;
  DlAttribResult res;

  dl_test_make_batch (1, 9, x, &y);
  for (int i = 0; i < P; i++)   /* black corners, so occlusion skips some patches */
    if (i % SIDE < 6 && i / SIDE < 6)
      x[i] = 0;
  for (DlAttribMethod m = DL_ATTRIB_GRADIENT_INPUT; m <= DL_ATTRIB_INTEGRATED_GRADIENTS; m++)
    {
      dl_attrib_compute (a, net, m, x, t, c, 16, map, &res);
      for (int i = 0; i < P; i++)
        ck_assert_msg (fabs (map[i] - x[i] * (w[t * P + i] - w[c * P + i])) < 1e-5, "%s: pixel %d: %g",
                       dl_attrib_method_name (m), i, map[i]);
      ck_assert_msg (fabs (res.sum - (res.f_x - res.f_baseline)) < 1e-4 * fabs (res.f_x - res.f_baseline) + 1e-5,
                     "%s: sum %g, f(x) − f(0) %g", dl_attrib_method_name (m), res.sum, res.f_x - res.f_baseline);
    }

  dl_attrib_compute (a, net, DL_ATTRIB_OCCLUSION, x, t, -1, 0, map, &res);
  for (int py = 0; py < SIDE; py++)
    for (int px = 0; px < SIDE; px++)
      {
        double expected = 0;
        for (int oy = py - DL_ATTRIB_PATCH + 1; oy <= py; oy++)
          for (int ox = px - DL_ATTRIB_PATCH + 1; ox <= px; ox++)
            for (int yy = MAX (oy, 0); yy < MIN (oy + DL_ATTRIB_PATCH, SIDE); yy++)
              for (int xx = MAX (ox, 0); xx < MIN (ox + DL_ATTRIB_PATCH, SIDE); xx++)
                expected += (double) x[yy * SIDE + xx] * w[t * P + yy * SIDE + xx];
        expected /= DL_ATTRIB_PATCH * DL_ATTRIB_PATCH;
        ck_assert_msg (fabs (map[py * SIDE + px] - expected) < 1e-4, "occlusion at (%d, %d): %g, expected %g", px, py,
                       map[py * SIDE + px], expected);
      }
  /* Of the 31 × 31 placements, those over black pixels only (in the corner) were not run. */
  ck_assert_int_lt (res.passes, 2 + 31 * 31);
}
END_TEST

/* "Why t and not c" is the map of t minus the map of c for gradient × input and occlusion (both linear in
 * f), and within 1 % of the map's range for integrated gradients (whose intervals' splits depend on f). */
START_TEST (contrast_is_a_difference)
{
  g_autoptr (DlNet) net = dl_test_make_net ("conv4x5p2-tanh,pool2,fc16-tanh,fc10,softmax", 3);
  g_autoptr (DlAttrib) a = dl_attrib_new (net);
  float x[P], both[P], mt[P], mc[P];
  guint8 y;
  DlAttribResult res;

  dl_test_make_batch (1, 4, x, &y);
  for (DlAttribMethod m = 0; m < DL_ATTRIB_N_METHODS; m++)
    {
      dl_attrib_compute (a, net, m, x, 2, 5, 8, both, &res);
      dl_attrib_compute (a, net, m, x, 2, -1, 8, mt, NULL);
      dl_attrib_compute (a, net, m, x, 5, 5, 8, mc, NULL);   /* contrast == target: none */
      double tol = m == DL_ATTRIB_INTEGRATED_GRADIENTS ? 0.01 * res.max_abs : 1e-5;
      for (int i = 0; i < P; i++)
        ck_assert_msg (fabs (both[i] - (mt[i] - mc[i])) < tol, "%s: pixel %d: %g vs %g", dl_attrib_method_name (m), i,
                       both[i], mt[i] - mc[i]);
    }
}
END_TEST

/* Integrated gradients is one batch: steps + 1 rows (the path from the black image to the image) in one
 * forward and one backward pass; a black image gets an all-zero map whatever the method. */
START_TEST (integrated_gradients_is_one_batch)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc32-relu,fc10,softmax", 5);
  g_autoptr (DlAttrib) a = dl_attrib_new (net);
  float x[P], map[P];
  guint8 y;
  DlAttribResult res;

  dl_test_make_batch (1, 2, x, &y);
  dl_attrib_compute (a, net, DL_ATTRIB_INTEGRATED_GRADIENTS, x, 1, -1, DL_ATTRIB_MAX_STEPS, map, &res);
  ck_assert_int_eq (res.passes, DL_ATTRIB_MAX_STEPS + 1);
  dl_attrib_compute (a, net, DL_ATTRIB_INTEGRATED_GRADIENTS, x, 1, -1, 0, map, &res);
  ck_assert_int_eq (res.passes, DL_ATTRIB_STEPS + 1);

  memset (x, 0, sizeof x);
  for (DlAttribMethod m = 0; m < DL_ATTRIB_N_METHODS; m++)
    {
      dl_attrib_compute (a, net, m, x, 1, -1, 0, map, &res);
      ck_assert_float_eq (res.max_abs, 0.0f);
      ck_assert_float_eq (res.f_x, res.f_baseline);
    }
  ck_assert_int_eq (res.passes, 2);   /* occlusion ran no patch */
}
END_TEST

/* Completeness on a trained net: for each of 40 test images and its predicted class t,
 * |Σ map − (f(x) − f(black))| ≤ 1 % of |f(x) − f(black)| at 64 steps; against the runner-up c (whose gap
 * f_t − f_c may be nearly the same at x and at black) within 1 % of the two classes' own gaps together. */
static void
check_completeness (const char *preset, int n_train, int epochs)
{
  g_autoptr (DlDataset) train = dl_test_load_mnist (TRUE);
  g_autoptr (DlDataset) test = dl_test_load_mnist (FALSE);
  if (train == NULL || test == NULL)
    return;
  g_autoptr (DlNet) net = dl_test_train_preset (preset, train, n_train, epochs, 2, 1);
  g_autoptr (DlAttrib) a = dl_attrib_new (net);
  const int n = 40;
  g_autofree float *x = dl_test_images (test, 0, n);
  float probs[10], map[P];
  double worst[2] = { 0 }, worst32[2] = { 0 };

  for (int i = 0; i < n; i++)
    {
      const float *xi = x + (gsize) i * P;
      dl_net_predict (net, xi, 1, probs);
      int t = 0, c = -1;
      for (int k = 1; k < 10; k++)
        if (probs[k] > probs[t])
          t = k;
      for (int k = 0; k < 10; k++)
        if (k != t && (c < 0 || probs[k] > probs[c]))
          c = k;
      DlAttribResult rt, rc, r;
      dl_attrib_compute (a, net, DL_ATTRIB_INTEGRATED_GRADIENTS, xi, t, -1, 64, map, &rt);
      double gap_t = rt.f_x - rt.f_baseline, err = fabs (rt.sum - gap_t) / fabs (gap_t);
      ck_assert_msg (err <= 0.01, "%s, test image %d, class %d: the map sums to %g, f(x) − f(black) is %g (%.2f %% off)",
                     preset, i, t, rt.sum, gap_t, 100 * err);
      worst[0] = MAX (worst[0], err);

      dl_attrib_compute (a, net, DL_ATTRIB_INTEGRATED_GRADIENTS, xi, c, -1, 64, map, &rc);
      dl_attrib_compute (a, net, DL_ATTRIB_INTEGRATED_GRADIENTS, xi, t, c, 64, map, &r);
      double scale = fabs (gap_t) + fabs (rc.f_x - rc.f_baseline), gap = r.f_x - r.f_baseline;
      err = fabs (r.sum - gap) / scale;
      ck_assert_msg (err <= 0.01, "%s, test image %d, %d against %d: the map sums to %g, f(x) − f(black) is %g (%.2f %% "
                     "of %g off)", preset, i, t, c, r.sum, gap, 100 * err, scale);
      worst[1] = MAX (worst[1], err);

      dl_attrib_compute (a, net, DL_ATTRIB_INTEGRATED_GRADIENTS, xi, t, -1, DL_ATTRIB_STEPS, map, &r);
      worst32[0] = MAX (worst32[0], fabs (r.sum - gap_t) / fabs (gap_t));
      dl_attrib_compute (a, net, DL_ATTRIB_INTEGRATED_GRADIENTS, xi, t, c, DL_ATTRIB_STEPS, map, &r);
      worst32[1] = MAX (worst32[1], fabs (r.sum - gap) / scale);
    }
  printf ("completeness, %s (%d test images): worst error %.3f %% at 64 steps (%.3f %% at %d) for the predicted class, "
          "%.3f %% (%.3f %%) against the runner-up\n", preset, n, 100 * worst[0], 100 * worst32[0], DL_ATTRIB_STEPS,
          100 * worst[1], 100 * worst32[1]);
}

START_TEST (completeness_mlp)
{
  check_completeness ("mlp", 60000, 1);
}
END_TEST

START_TEST (completeness_cnn)
{
  check_completeness ("cnn", 20000, 1);
}
END_TEST

static Suite *
attrib_suite (void)
{
  Suite *s = suite_create ("attrib");
  TCase *tc = tcase_create ("core");
  tcase_add_test (tc, linear_net_exact);
  tcase_add_test (tc, contrast_is_a_difference);
  tcase_add_test (tc, integrated_gradients_is_one_batch);
  suite_add_tcase (s, tc);
  /* Tagged: test.sh leaves these out of the sanitizer run (CK_EXCLUDE_TAGS), where they took minutes; the
   * same code runs there in the small cases above, and their figures are the plain build's. */
  tc = tcase_create ("mnist");
  tcase_set_tags (tc, "mnist-figures");
  tcase_add_test (tc, completeness_mlp);
  tcase_add_test (tc, completeness_cnn);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (attrib_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
