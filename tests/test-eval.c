/* test-eval.c — evaluation and diagnosis: exact figures on a hand-made net and data set, then the
 * bug report's story on real MNIST (mean reduce learns, summed gradient collapses onto "0"). */
#include <check.h>
#include <math.h>
#include <string.h>

#include "dl-test-mnist.h"
#include "dl-arch.h"
#include "dl-data.h"
#include "dl-eval.h"
#include "dl-net.h"
#include "dl-test-net.h"
#include "dl-rng.h"

/* "fc10,softmax" whose output j is 10 × pixel j: an image lighting only pixel j is classed j with
 * probability e¹⁰ / (e¹⁰ + 9). */
static DlNet *
make_pixel_net (void)
{
  DlNet *net = dl_test_make_net ("fc10,softmax", 1);
  float *p = dl_net_params (net);
  memset (p, 0, sizeof (float) * dl_net_n_params (net));
  for (int j = 0; j < 10; j++)
    p[j * 784 + j] = 10.0f;
  return net;
}

/* 40 images: label i % 10; the first 30 light the label's pixel, the last 10 the next digit's. */
static DlDataset *
make_pixel_data (void)
{
  DlDataset *ds = dl_dataset_new (40, 28, 28);
  for (int i = 0; i < 40; i++)
    {
      int label = i % 10;
      int lit = i < 30 ? label : (label + 1) % 10;
      ds->labels[i] = (guint8) label;
      ds->pixels[(gsize) i * 784 + lit] = 255;
    }
  dl_dataset_recount (ds);
  return ds;
}

START_TEST (eval_counts)
{
  g_autoptr (DlNet) net = make_pixel_net ();
  g_autoptr (DlDataset) ds = make_pixel_data ();
  g_autoptr (DlEval) ev = dl_eval_run (net, ds);
  ck_assert_int_eq (ev->n, 40);
  ck_assert_int_eq (ev->correct, 30);
  ck_assert_double_eq_tol (ev->accuracy, 0.75, 1e-12);

  int total = 0;
  for (int t = 0; t < 10; t++)
    {
      int row = 0;
      for (int p = 0; p < 10; p++)
        row += ev->confusion[t][p];
      ck_assert_int_eq (row, ds->histogram[t]);
      ck_assert_int_eq (ev->confusion[t][t], 3);
      ck_assert_int_eq (ev->confusion[t][(t + 1) % 10], 1);
      ck_assert_int_eq (ev->predicted_hist[t], 4);
      total += row;
    }
  ck_assert_int_eq (total, 40);

  double conf = exp (10.0) / (exp (10.0) + 9.0);
  for (int i = 0; i < 40; i++)
    {
      int label = i % 10;
      ck_assert_int_eq (ev->predicted[i], i < 30 ? label : (label + 1) % 10);
      ck_assert_double_eq_tol (ev->confidence[i], conf, 1e-6);
      ck_assert_double_eq_tol (ev->probs[i * 10 + ev->predicted[i]], conf, 1e-6);
    }
  /* Loss: −log p of the true class, 30 times conf and 10 times 1/(e¹⁰ + 9). */
  double expect = (30 * -log (conf) + 10 * -log (1.0 / (exp (10.0) + 9.0))) / 40;
  ck_assert_double_eq_tol (ev->loss, expect, 1e-4);
}
END_TEST

START_TEST (eval_in_several_batches)
{
  /* 1234 examples cross several evaluation batches and end on a partial one. */
  g_autoptr (DlNet) net = make_pixel_net ();
  g_autoptr (DlDataset) ds = dl_dataset_new (1234, 28, 28);
  for (int i = 0; i < ds->n; i++)
    {
      ds->labels[i] = (guint8) (i % 7);
      ds->pixels[(gsize) i * 784 + (i % 3 == 0 ? 9 : i % 7)] = 200;
    }
  dl_dataset_recount (ds);
  g_autoptr (DlEval) ev = dl_eval_run (net, ds);
  int expect_correct = 0;
  for (int i = 0; i < ds->n; i++)
    {
      int lit = i % 3 == 0 ? 9 : i % 7;
      ck_assert_int_eq (ev->predicted[i], lit);
      expect_correct += lit == i % 7;
    }
  ck_assert_int_eq (ev->correct, expect_correct);
  ck_assert_int_eq (ev->predicted_hist[9], (1234 + 2) / 3);
}
END_TEST

START_TEST (diagnose_healthy)
{
  g_autoptr (DlNet) net = make_pixel_net ();
  g_autoptr (DlDataset) ds = make_pixel_data ();
  g_autoptr (DlEval) ev = dl_eval_run (net, ds);
  DlHyper h;
  dl_hyper_init_default (&h);
  DlHealth health;
  dl_net_health (net, &health);
  g_autoptr (DlDiagnosis) d = dl_diagnose (ev, ds, &health, dl_net_arch (net), &h, 64);
  ck_assert (!d->collapsed);
  ck_assert_double_eq_tol (d->collapse_share, 0.1, 1e-12);
  ck_assert_uint_eq (d->messages->len, 0);
}
END_TEST

static gboolean
has_message (const DlDiagnosis *d, const char *fragment)
{
  for (guint i = 0; i < d->messages->len; i++)
    if (strstr (g_ptr_array_index (d->messages, i), fragment))
      return TRUE;
  return FALSE;
}

static char *
all_messages (const DlDiagnosis *d)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < d->messages->len; i++)
    g_string_append_printf (s, "\n  %s", (char *) g_ptr_array_index (d->messages, i));
  return g_string_free (s, FALSE);
}

START_TEST (diagnose_collapse_and_causes)
{
  /* A net whose bias for 0 dwarfs everything answers 0 for every image. */
  g_autoptr (DlNet) net = make_pixel_net ();
  dl_net_params (net)[784 * 10] = 100.0f;
  g_autoptr (DlDataset) ds = make_pixel_data ();
  g_autoptr (DlEval) ev = dl_eval_run (net, ds);
  ck_assert_int_eq (ev->predicted_hist[0], 40);

  /* Health as the bug report's run leaves it: hidden tanh layer saturated. */
  DlArch arch;
  ck_assert (dl_arch_parse ("fc30-tanh,fc40-relu,fc10-tanh,mse", &arch, NULL));
  DlHealth health = { .n_layers = 3 };
  health.saturated[0] = 0.97f;
  health.dead[1] = 0.75f;
  health.weight_norm[0] = 20.0f;
  health.weight_norm[1] = 5000.0f;
  DlHyper h = { .lr = 0.1f, .optimizer = DL_OPT_SGD, .reduce = DL_REDUCE_SUM };
  g_autoptr (DlDiagnosis) d = dl_diagnose (ev, ds, &health, &arch, &h, 100);
  g_autofree char *msgs = all_messages (d);
  ck_assert (d->collapsed);
  ck_assert_int_eq (d->collapse_class, 0);
  ck_assert_double_eq (d->collapse_share, 1.0);
  ck_assert_msg (has_message (d, "The network answers 0 for every image: 10.00 % is just the share of 0s in the test set."),
                 "%s", msgs);
  ck_assert_str_eq (g_ptr_array_index (d->messages, 0),
                    "The network answers 0 for every image: 10.00 % is just the share of 0s in the test set.");
  ck_assert_msg (has_message (d, "97 % of tanh units are saturated (|tanh| > 0.99) in layer 1 (fc30-tanh)"), "%s", msgs);
  ck_assert_msg (has_message (d, "The gradient is summed over the batch of 100, so each step is 100× the learning rate: "
                                 "the learning rate may be too high"), "%s", msgs);
  ck_assert_msg (has_message (d, "average the gradient (--reduce mean) or lower it"), "%s", msgs);
  /* The app words that remedy its own way: it finds the finding by its index. */
  ck_assert_int_eq (d->summed_gradient_batch, 100);
  ck_assert (strstr (g_ptr_array_index (d->messages, d->summed_gradient_message), "--reduce mean") != NULL);
  ck_assert_msg (has_message (d, "75 % of the ReLU units in layer 2 (fc40-relu) are dead"), "%s", msgs);
  ck_assert_msg (has_message (d, "The weights of layer 2 (fc40-relu) have grown to norm 5e+03"), "%s", msgs);
  ck_assert_msg (!has_message (d, "layer 1 (fc30-tanh) have grown"), "%s", msgs);

  /* NaN weights come first. */
  health.weight_norm[2] = NAN;
  g_autoptr (DlDiagnosis) d2 = dl_diagnose (ev, ds, &health, &arch, &h, 100);
  ck_assert (strstr (g_ptr_array_index (d2->messages, 0), "NaN") != NULL);
}
END_TEST

/* An MSE output near its ±1 targets is saturated by design: only a collapse makes it worth a word. */
START_TEST (diagnose_output_saturation_only_when_collapsed)
{
  g_autoptr (DlNet) net = make_pixel_net ();
  g_autoptr (DlDataset) ds = make_pixel_data ();
  g_autoptr (DlEval) ev = dl_eval_run (net, ds);
  DlArch arch;
  DlHealth health = { .n_layers = 2 };
  DlHyper h = { .lr = 0.1f, .optimizer = DL_OPT_SGD, .reduce = DL_REDUCE_MEAN };

  ck_assert (dl_arch_parse ("fc30-tanh,fc10-tanh,mse", &arch, NULL));
  health.saturated[1] = 0.55f;
  {
    g_autoptr (DlDiagnosis) d = dl_diagnose (ev, ds, &health, &arch, &h, 100);
    g_autofree char *msgs = all_messages (d);
    ck_assert (!d->collapsed);
    ck_assert_msg (!has_message (d, "saturated"), "%s", msgs);
  }
  health.saturated[0] = 0.55f;
  {
    g_autoptr (DlDiagnosis) d = dl_diagnose (ev, ds, &health, &arch, &h, 100);
    g_autofree char *msgs = all_messages (d);
    ck_assert_msg (has_message (d, "55 % of tanh units are saturated (|tanh| > 0.99) in layer 1 (fc30-tanh)"), "%s", msgs);
    ck_assert_msg (!has_message (d, "in layer 2 (fc10-tanh)"), "%s", msgs);
  }
}
END_TEST

START_TEST (diagnose_partial_collapse)
{
  /* 36 of 40 answered 3: 90 % is a collapse, named with the real share of 3s. */
  g_autoptr (DlNet) net = make_pixel_net ();
  g_autoptr (DlDataset) ds = make_pixel_data ();
  for (int i = 0; i < 40; i++)
    {
      memset (ds->pixels + (gsize) i * 784, 0, 784);
      ds->pixels[(gsize) i * 784 + (i < 36 ? 3 : 5)] = 255;
    }
  g_autoptr (DlEval) ev = dl_eval_run (net, ds);
  g_autoptr (DlDiagnosis) d = dl_diagnose (ev, ds, NULL, NULL, NULL, 0);
  g_autofree char *msgs = all_messages (d);
  ck_assert (d->collapsed);
  ck_assert_int_eq (d->collapse_class, 3);
  ck_assert_msg (has_message (d, "The network answers 3 for 90 % of the images: its accuracy of 10.00 % is little more "
                                 "than the share of 3s in the test set (10.00 %)."), "%s", msgs);
}
END_TEST

/* ---- real MNIST ---- */

static DlDataset *train_set, *test_set;

/* Loaded once for the three training tests (one process, CK_NOFORK), asserted to load. */
static void
load_mnist (void)
{
  if (train_set == NULL)
    {
      train_set = dl_test_mnist_load (TRUE);
      test_set = dl_test_mnist_load (FALSE);
    }
}

/* One epoch of the preset's recipe (its schedule over its whole run), shuffled with `seed`. */
static DlNet *
train_one_epoch (const DlPreset *p, DlReduce reduce, guint64 seed)
{
  DlArch arch;
  ck_assert (dl_arch_parse (p->arch, &arch, NULL));
  DlNet *net = dl_net_new (&arch, seed);
  DlHyper h = p->hyper;
  h.reduce = reduce;
  int n = train_set->n, B = p->batch;
  int *order = g_new (int, n);
  for (int i = 0; i < n; i++)
    order[i] = i;
  DlRng rng;
  dl_rng_seed (&rng, seed);
  dl_rng_shuffle (&rng, order, n);
  float *x = g_new (float, (gsize) B * 784);
  guint8 *y = g_new (guint8, B);
  for (int start = 0; start + B <= n; start += B)
    {
      dl_dataset_gather (train_set, order + start, B, x);
      for (int i = 0; i < B; i++)
        y[i] = train_set->labels[order[start + i]];
      h.lr = dl_schedule_lr (p, p->hyper.lr, (double) start / n, p->epochs);
      dl_net_train_step (net, x, y, B, &h, NULL);
    }
  g_free (x);
  g_free (y);
  g_free (order);
  return net;
}

START_TEST (mnist_mlp_one_epoch)
{
  DL_TEST_WATCHDOG ();
  load_mnist ();
  g_autoptr (DlNet) net = train_one_epoch (dl_preset_find ("mlp"), DL_REDUCE_MEAN, 1);
  g_autoptr (DlEval) ev = dl_eval_run (net, test_set);
  g_printerr ("mlp, 1 epoch: %.2f %% test accuracy, loss %.4f\n", 100 * ev->accuracy, ev->loss);
  ck_assert_msg (ev->accuracy >= 0.95, "mlp after one epoch: %.2f %%", 100 * ev->accuracy);
}
END_TEST

START_TEST (mnist_seed_mean_learns)
{
  DL_TEST_WATCHDOG ();
  load_mnist ();
  const DlPreset *p = dl_preset_find ("seed");
  g_autoptr (DlNet) net = train_one_epoch (p, DL_REDUCE_MEAN, 1);
  g_autoptr (DlEval) ev = dl_eval_run (net, test_set);
  g_printerr ("seed preset, reduce mean, 1 epoch: %.2f %% test accuracy\n", 100 * ev->accuracy);
  ck_assert_msg (ev->accuracy >= 0.85, "seed preset after one epoch: %.2f %%", 100 * ev->accuracy);
  DlHealth health;
  dl_net_health (net, &health);
  g_autoptr (DlDiagnosis) d = dl_diagnose (ev, test_set, &health, dl_net_arch (net), &p->hyper, p->batch);
  ck_assert (!d->collapsed);
}
END_TEST

START_TEST (mnist_seed_sum_collapses)
{
  DL_TEST_WATCHDOG ();
  load_mnist ();
  const DlPreset *p = dl_preset_find ("seed");
  g_autoptr (DlNet) net = train_one_epoch (p, DL_REDUCE_SUM, 1);
  g_autoptr (DlEval) ev = dl_eval_run (net, test_set);
  DlHealth health;
  dl_net_health (net, &health);
  DlHyper h = p->hyper;
  h.reduce = DL_REDUCE_SUM;
  g_autoptr (DlDiagnosis) d = dl_diagnose (ev, test_set, &health, dl_net_arch (net), &h, p->batch);
  g_autofree char *msgs = all_messages (d);
  g_printerr ("seed preset, reduce sum, 1 epoch: %.2f %% test accuracy; diagnosis:%s\n", 100 * ev->accuracy, msgs);
  ck_assert_msg (ev->accuracy < 0.2, "reduce=sum reached %.2f %%", 100 * ev->accuracy);
  ck_assert (d->collapsed);
  ck_assert_msg (has_message (d, "The network answers"), "%s", msgs);
  ck_assert_msg (has_message (d, "of tanh units are saturated (|tanh| > 0.99)"), "%s", msgs);
  ck_assert_msg (has_message (d, "summed over the batch of 100, so each step is 100× the learning rate"), "%s", msgs);
}
END_TEST

static Suite *
eval_suite (void)
{
  Suite *s = suite_create ("eval");
  TCase *tc = tcase_create ("eval");
  tcase_add_test (tc, eval_counts);
  tcase_add_test (tc, eval_in_several_batches);
  tcase_add_test (tc, diagnose_healthy);
  tcase_add_test (tc, diagnose_collapse_and_causes);
  tcase_add_test (tc, diagnose_partial_collapse);
  tcase_add_test (tc, diagnose_output_saturation_only_when_collapsed);
  suite_add_tcase (s, tc);
  return s;
}

static Suite *
mnist_suite (void)
{
  Suite *s = suite_create ("eval-mnist");
  TCase *m = tcase_create ("mnist");
  tcase_add_test (m, mnist_mlp_one_epoch);
  tcase_add_test (m, mnist_seed_mean_learns);
  tcase_add_test (m, mnist_seed_sum_collapses);
  suite_add_tcase (s, m);
  return s;
}

int
main (int argc, char **argv)
{
  gboolean mnist = argc > 1 && strcmp (argv[1], "mnist") == 0;
  /* The MNIST tests share one process, so that MNIST is loaded once for the three of them. */
  int status = dl_test_main (argc, argv, eval_suite, mnist_suite, mnist ? CK_NOFORK : CK_FORK_GETENV);
  g_clear_pointer (&train_set, dl_dataset_unref);
  g_clear_pointer (&test_set, dl_dataset_unref);
  return status;
}
