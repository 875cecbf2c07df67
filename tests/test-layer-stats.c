/* test-layer-stats.c — the Network page's figures in the core: histograms on their lattice (counts, exact
 * widening), per-layer statistics (parameter histograms that add up to each layer's parameter count,
 * activation counts, the diagnostics' dead and saturated shares copied unchanged), their stored form
 * (round trip, damaged blobs named), per-class accuracies and confusion-matrix changes. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "dl-class-stats.h"
#include "dl-layer-stats.h"
#include "dl-rng.h"
#include "dl-test-net.h"

static const char *const specs[] = {
  "fc256-relu,fc128-relu,fc10,softmax",
  "fc30-tanh,fc10-tanh,mse",
  "conv6x5p2-relu,pool2,conv16x5-relu,pool2,fc120-relu,fc84-relu,fc10,softmax",
  "conv4x3p1-sigmoid,pool2,dropout0.25,fc12-relu,fc10,softmax",
  "conv4x3p1-bn-relu,pool2,conv6x3-bn-tanh,fc12-bn-relu,fc10,softmax",
};

static void
random_values (float *v, gsize n, guint64 seed, double scale)
{
  DlRng rng;
  dl_rng_seed (&rng, seed);
  for (gsize i = 0; i < n; i++)
    v[i] = (float) (scale * dl_rng_normal (&rng));
}

START_TEST (histogram_counts_everything)
{
  float v[1000];

  random_values (v, 1000, 1, 0.3);
  v[3] = NAN, v[4] = INFINITY, v[5] = -INFINITY, v[6] = 0.0f;
  DlHistogram h;
  dl_histogram_compute (&h, v, 1000);
  ck_assert_uint_eq (dl_histogram_total (&h), 1000);
  ck_assert_uint_eq (h.n_nonfinite, 3);
  /* The range is the narrowest power of two above every finite magnitude. */
  double m = 0;
  for (int i = 0; i < 1000; i++)
    if (isfinite (v[i]))
      m = MAX (m, fabs (v[i]));
  ck_assert (ldexp (1.0, h.exponent) > m && ldexp (1.0, h.exponent - 1) <= m);
  ck_assert (dl_histogram_edge (&h, 0) <= h.min && h.max < dl_histogram_edge (&h, DL_HIST_BINS));
  /* All zeros: the narrowest range, every count in the bin holding 0. */
  float z[10] = { 0 };
  dl_histogram_compute (&h, z, 10);
  ck_assert_int_eq (h.exponent, DL_HIST_MIN_EXP);
  ck_assert_uint_eq (h.counts[DL_HIST_BINS / 2], 10);
}
END_TEST

/* Widening merges bins exactly: the same counts as binning the values at the wider range to begin with,
 * including values on bin edges and just below the top of the range. */
START_TEST (histogram_widen_is_exact)
{
  float v[4096];

  random_values (v, 4000, 2, 0.05);
  for (int i = 0; i < 96; i++)
    v[4000 + i] = (float) ldexp ((i % 33) - 16, -8);   /* edges of the narrow lattice */
  v[4095] = nextafterf (0.125f, 0.0f);
  DlHistogram h;
  dl_histogram_compute (&h, v, 4096);
  for (int e = h.exponent; e < h.exponent + 6; e++)
    {
      DlHistogram wide, direct;
      dl_histogram_widen (&h, e, &wide);
      dl_histogram_init (&direct, e);
      ck_assert (dl_histogram_add (&direct, v, 4096));
      ck_assert_int_eq (wide.exponent, e);
      ck_assert_msg (memcmp (wide.counts, direct.counts, sizeof wide.counts) == 0, "widened to 2^%d differs", e);
    }
  /* A range too narrow for the values is refused, unchanged. */
  DlHistogram narrow;
  dl_histogram_init (&narrow, h.exponent - 1);
  ck_assert (!dl_histogram_add (&narrow, v, 4096));
  ck_assert_uint_eq (dl_histogram_total (&narrow), 0);
}
END_TEST

/* Each layer's parameter histogram counts exactly that layer's parameters; the layers' ranges tile the
 * net's flat parameters; the activations count the probe's outputs. */
START_TEST (layer_histograms_count_each_layer)
{
  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      g_autoptr (DlNet) net = dl_test_make_net (specs[s], 7);
      const DlArch *arch = dl_net_arch (net);
      g_autoptr (DlNetWork) work = dl_net_work_new (net, 8);
      float x[8 * DL_TEST_IN];
      guint8 y[8];
      gsize total = 0;

      dl_test_make_batch (8, 3, x, y);
      dl_net_compute_grads (net, x, y, 8, DL_REDUCE_MEAN);
      g_autoptr (DlLayerStats) st = dl_layer_stats_compute (net, NULL, work, x, 8, 12);
      ck_assert_int_eq (st->n_layers, arch->n_layers);
      ck_assert_int_eq (st->step, 12);
      for (int i = 0; i < arch->n_layers; i++)
        {
          const DlLayerStat *l = &st->layers[i];
          gsize off, n_w, n_b;
          int c, h, w;
          dl_layer_param_range (arch, i, &off, &n_w, &n_b);
          ck_assert_uint_eq (off, total);
          ck_assert_uint_eq (l->n_params, n_w + n_b);
          /* a batch-normalised layer's running mean and variance follow, as many as its β and γ */
          total += l->n_params + (arch->layers[i].bn ? n_b : 0);
          gboolean weighted = arch->layers[i].kind == DL_LAYER_DENSE || arch->layers[i].kind == DL_LAYER_CONV;
          ck_assert_int_eq (dl_layer_stats_has (st, i, DL_LAYER_STAT_PARAMS), weighted);
          if (weighted)
            {
              ck_assert_uint_eq (dl_histogram_total (&l->hist[DL_LAYER_STAT_PARAMS]), l->n_params);
              ck_assert_uint_eq (dl_histogram_total (&l->hist[DL_LAYER_STAT_GRADS]), l->n_params);
            }
          dl_arch_shape (arch, i, &c, &h, &w);
          ck_assert_uint_eq (dl_histogram_total (&l->hist[DL_LAYER_STAT_ACTS]), 8u * c * h * w);
        }
      ck_assert_msg (total == dl_net_n_params (net), "%s: layers hold %zu of %zu parameters", specs[s], total,
                     dl_net_n_params (net));
    }
}
END_TEST

/* The ranges point at the layers' own parameters: a layer set to 0.5 shows only 0.5 in its histogram. */
START_TEST (layer_ranges_are_the_layers)
{
  g_autoptr (DlNet) net = dl_test_make_net (specs[2], 7);
  const DlArch *arch = dl_net_arch (net);
  g_autofree float *p = g_new0 (float, dl_net_n_params (net));

  for (int i = 0; i < arch->n_layers; i++)
    {
      gsize off, n_w, n_b;
      dl_layer_param_range (arch, i, &off, &n_w, &n_b);
      for (gsize j = 0; j < n_w + n_b; j++)
        p[off + j] = 0.5f * (i + 1);
    }
  dl_net_set_params (net, p);
  g_autoptr (DlLayerStats) st = dl_layer_stats_compute (net, NULL, NULL, NULL, 0, 0);
  for (int i = 0; i < arch->n_layers; i++)
    if (st->layers[i].n_params > 0)
      {
        ck_assert_float_eq (st->layers[i].hist[DL_LAYER_STAT_PARAMS].min, 0.5f * (i + 1));
        ck_assert_float_eq (st->layers[i].hist[DL_LAYER_STAT_PARAMS].max, 0.5f * (i + 1));
      }
  ck_assert (!dl_layer_stats_has (st, 0, DL_LAYER_STAT_ACTS));
}
END_TEST

/* Dead and saturated shares are DlHealth's, bit for bit. */
START_TEST (health_is_the_diagnostics)
{
  gboolean some_dead = FALSE, some_saturated = FALSE;

  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      g_autoptr (DlNet) net = dl_test_make_net (specs[s], 9);
      DlHyper hyper;
      float x[32 * DL_TEST_IN];
      guint8 y[32];
      DlHealth health;

      dl_hyper_init_default (&hyper);
      hyper.lr = 2.0f;   /* kills some ReLUs, saturates some tanh units */
      for (int k = 0; k < 5; k++)
        {
          dl_test_make_batch (32, 10 + k, x, y);
          dl_net_train_step (net, x, y, 32, &hyper, NULL);
        }
      dl_net_health (net, &health);
      g_autoptr (DlLayerStats) st = dl_layer_stats_compute (net, &health, NULL, NULL, 0, 5);
      for (int i = 0; i < health.n_layers; i++)
        {
          ck_assert (st->layers[i].dead == health.dead[i]);
          ck_assert (st->layers[i].saturated == health.saturated[i]);
          some_dead |= health.dead[i] > 0.0f;
          some_saturated |= health.saturated[i] > 0.0f;
        }
    }
  ck_assert (some_dead && some_saturated);
}
END_TEST

START_TEST (stored_form_round_trips)
{
  g_autoptr (DlNet) net = dl_test_make_net (specs[2], 7);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 4);
  float x[4 * DL_TEST_IN];
  guint8 y[4];
  DlHealth health;

  dl_test_make_batch (4, 3, x, y);
  dl_net_compute_grads (net, x, y, 4, DL_REDUCE_MEAN);
  dl_net_health (net, &health);
  g_autoptr (DlLayerStats) st = dl_layer_stats_compute (net, &health, work, x, 4, 99);
  g_autoptr (GBytes) bytes = dl_layer_stats_to_bytes (st);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlLayerStats) back = dl_layer_stats_from_bytes (bytes, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (back->step, 99);
  ck_assert_int_eq (back->n_probe, 4);
  ck_assert_int_eq (back->n_layers, st->n_layers);
  for (int i = 0; i < st->n_layers; i++)
    ck_assert (memcmp (&back->layers[i], &st->layers[i], sizeof st->layers[i]) == 0);

  /* Cut short, another version, a foreign blob: refused, saying where. */
  gsize n;
  const guint8 *data = g_bytes_get_data (bytes, &n);
  g_autoptr (GBytes) cut = g_bytes_new (data, n - 3);
  g_clear_error (&error);
  ck_assert_ptr_null (dl_layer_stats_from_bytes (cut, &error));
  ck_assert_msg (strstr (error->message, "cut short") != NULL, "%s", error->message);
  g_autofree guint8 *v2 = g_memdup2 (data, n);
  v2[4] = 2;
  g_autoptr (GBytes) other = g_bytes_new (v2, n);
  g_clear_error (&error);
  ck_assert_ptr_null (dl_layer_stats_from_bytes (other, &error));
  ck_assert_msg (strstr (error->message, "version 2") != NULL, "%s", error->message);
  g_autoptr (GBytes) foreign = g_bytes_new_static ("SQLite format 3", 15);
  g_clear_error (&error);
  ck_assert_ptr_null (dl_layer_stats_from_bytes (foreign, &error));
  ck_assert_msg (strstr (error->message, "not a statistics record") != NULL, "%s", error->message);
}
END_TEST

START_TEST (class_accuracy_weighs_to_the_accuracy)
{
  DlRng rng;
  dl_rng_seed (&rng, 4);
  for (int trial = 0; trial < 50; trial++)
    {
      int conf[DL_N_CLASSES][DL_N_CLASSES], count[DL_N_CLASSES], n = 0, correct = 0;
      double acc[DL_N_CLASSES], mean = 0.0;
      for (int t = 0; t < DL_N_CLASSES; t++)
        for (int p = 0; p < DL_N_CLASSES; p++)
          {
            conf[t][p] = t == 5 && trial % 2 ? 0 : (int) dl_rng_below (&rng, t == p ? 1000 : 30);
            n += conf[t][p];
            correct += t == p ? conf[t][p] : 0;
          }
      dl_class_accuracy (conf, acc, count);
      for (int c = 0; c < DL_N_CLASSES; c++)
        if (count[c] > 0)
          mean += count[c] * acc[c];
      ck_assert (fabs (mean / n - (double) correct / n) < 1e-12);
      ck_assert (trial % 2 == 0 || isnan (acc[5]));
    }
}
END_TEST

START_TEST (confusion_changes)
{
  const guint8 labels[] = { 4, 4, 4, 4, 9, 4, 7 };
  const guint8 before[] = { 9, 4, 9, 4, 9, 9, 7 };
  const guint8 after[]  = { 9, 9, 4, 4, 4, 9, 9 };
  int conf[DL_N_CLASSES][DL_N_CLASSES];
  g_autoptr (GArray) entered = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) left = g_array_new (FALSE, FALSE, sizeof (int));

  dl_confusion_count (labels, after, 7, conf);
  ck_assert_int_eq (conf[4][9], 3);
  ck_assert_int_eq (conf[4][4], 2);
  ck_assert_int_eq (conf[9][4], 1);
  ck_assert_int_eq (conf[7][9], 1);
  dl_confusion_cell_changes (labels, before, after, 7, 4, 9, entered, left);
  ck_assert_uint_eq (entered->len, 1);
  ck_assert_int_eq (g_array_index (entered, int, 0), 1);
  ck_assert_uint_eq (left->len, 1);
  ck_assert_int_eq (g_array_index (left, int, 0), 2);
}
END_TEST

static Suite *
layer_stats_suite (void)
{
  Suite *s = suite_create ("layer-stats");
  TCase *tc = tcase_create ("core");

  tcase_add_test (tc, histogram_counts_everything);
  tcase_add_test (tc, histogram_widen_is_exact);
  tcase_add_test (tc, layer_histograms_count_each_layer);
  tcase_add_test (tc, layer_ranges_are_the_layers);
  tcase_add_test (tc, health_is_the_diagnostics);
  tcase_add_test (tc, stored_form_round_trips);
  tcase_add_test (tc, class_accuracy_weighs_to_the_accuracy);
  tcase_add_test (tc, confusion_changes);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (layer_stats_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
