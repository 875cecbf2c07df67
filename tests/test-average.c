/* test-average.c — weight averaging (DlHyper.average): the average follows its rule for every layer kind and
 * every way a team splits the work, it is the model (predictions, saved files, checkpoints), and switching it
 * off or on starts over. */
#include <check.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "dl-model.h"
#include "dl-test-net.h"

/* Every kind of parameter the update touches: conv weights and biases, a batch-normalised layer's γ, β and
 * running estimates, dense weights. */
#define SPEC "conv4x3-relu,pool2,fc16-bn-relu,fc10,softmax"
#define B 16

static void
hyper (DlHyper *h, float average)
{
  dl_hyper_init_default (h);
  h->lr = 0.05f;
  h->average = average;
}

/* The rule, as dl-net.h states it, in double: every 4th step (the u-th update) the average moves
 * 1 − min((1 − 1/N)⁴, (1 + u)/(10 + u)) of the way to the parameters; it starts at the parameters the first
 * averaged step began from. */
static void
check_rule (int threads, DlSplit split)
{
  g_autoptr (DlNet) net = dl_test_make_net (SPEC, 3);
  DlNetConfig cfg;
  dl_net_config_init (&cfg);
  cfg.threads = threads;
  cfg.split = split;
  dl_net_set_config (net, &cfg);

  gsize n = dl_net_n_params (net);
  g_autofree double *want = g_new (double, n);
  float x[B * DL_TEST_IN];
  guint8 y[B];
  const float N = 10;
  DlHyper h;
  hyper (&h, N);

  for (gsize i = 0; i < n; i++)
    want[i] = dl_net_params (net)[i];
  for (int step = 1; step <= 22; step++)
    {
      dl_test_make_batch (B, step, x, y);
      dl_net_train_step (net, x, y, B, &h, NULL);
      if (step % 4 == 0)
        {
          double u = step / 4;
          double r = 1 - fmin (pow (1 - 1 / N, 4), (1 + u) / (10 + u));
          for (gsize i = 0; i < n; i++)
            want[i] += r * (dl_net_params (net)[i] - want[i]);
        }
      const float *got = dl_net_model_params (net);
      double worst = 0;
      for (gsize i = 0; i < n; i++)
        worst = fmax (worst, fabs (got[i] - want[i]) / (1e-3 + fabs (want[i])));
      ck_assert_msg (worst < 1e-5, "%d threads, step %d: off by %g", threads, step, worst);
    }
  /* It is not the last step's parameters (the rule would be met by those if nothing was averaged). */
  ck_assert (memcmp (dl_net_model_params (net), dl_net_params (net), sizeof (float) * n) != 0);
}

START_TEST (rule_one_thread)      { check_rule (1, DL_SPLIT_UNITS); } END_TEST
START_TEST (rule_team_by_rows)    { check_rule (2, DL_SPLIT_ROWS); } END_TEST
START_TEST (rule_team_by_units)   { check_rule (2, DL_SPLIT_UNITS); } END_TEST

static DlNet *
averaged_net (int steps)
{
  DlNet *net = dl_test_make_net (SPEC, 5);
  float x[B * DL_TEST_IN];
  guint8 y[B];
  DlHyper h;
  hyper (&h, 10);
  for (int s = 0; s < steps; s++)
    {
      dl_test_make_batch (B, 100 + s, x, y);
      dl_net_train_step (net, x, y, B, &h, NULL);
    }
  return net;
}

/* Swapped in, the net's own passes compute the averaged model; swapped back, training's parameters are
 * there again, bit for bit. */
START_TEST (swap_computes_the_average)
{
  g_autoptr (DlNet) net = averaged_net (12);
  gsize n = dl_net_n_params (net);
  g_autofree float *raw = g_memdup2 (dl_net_params (net), sizeof (float) * n);
  g_autofree float *avg = g_memdup2 (dl_net_model_params (net), sizeof (float) * n);
  g_autoptr (DlNet) model = dl_net_copy (net);
  float x[4 * DL_TEST_IN], p_net[40], p_model[40];
  guint8 y[4];

  dl_net_set_params (model, avg);
  dl_test_make_batch (4, 9, x, y);
  dl_net_swap_average (net);
  ck_assert_mem_eq (dl_net_params (net), avg, sizeof (float) * n);
  ck_assert_mem_eq (dl_net_model_params (net), avg, sizeof (float) * n);
  dl_net_predict (net, x, 4, p_net);
  dl_net_swap_average (net);
  dl_net_predict (model, x, 4, p_model);
  ck_assert_mem_eq (p_net, p_model, sizeof p_net);
  ck_assert_mem_eq (dl_net_params (net), raw, sizeof (float) * n);
  ck_assert_mem_eq (dl_net_model_params (net), avg, sizeof (float) * n);
}
END_TEST

/* A step with averaging off drops the average; the next one on starts from the parameters. */
START_TEST (off_drops_on_restarts)
{
  g_autoptr (DlNet) net = averaged_net (8);
  gsize n = dl_net_n_params (net);
  float x[B * DL_TEST_IN];
  guint8 y[B];
  DlHyper h;

  hyper (&h, 0);
  dl_test_make_batch (B, 1, x, y);
  dl_net_train_step (net, x, y, B, &h, NULL);
  ck_assert_ptr_eq (dl_net_model_params (net), dl_net_params (net));
  dl_net_swap_average (net);  /* nothing to swap */
  ck_assert_ptr_eq (dl_net_model_params (net), dl_net_params (net));

  g_autofree float *before = g_memdup2 (dl_net_params (net), sizeof (float) * n);
  hyper (&h, 10);
  dl_net_train_step (net, x, y, B, &h, NULL);
  ck_assert_mem_eq (dl_net_model_params (net), before, sizeof (float) * n);  /* no update before the 4th */
}
END_TEST

/* A saved model holds the average: what was evaluated is what is loaded. A checkpoint holds both, and
 * training resumed from it goes on exactly as the original. */
START_TEST (saved_and_resumed)
{
  g_autofree char *dir = g_dir_make_tmp ("dl-average-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "m.dlm", NULL);
  g_autoptr (DlNet) net = averaged_net (13);
  gsize n = dl_net_n_params (net);
  g_autoptr (GError) error = NULL;

  ck_assert_msg (dl_model_save (net, path, &error), "%s", error ? error->message : "");
  g_autoptr (DlNet) back = dl_model_load (path, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert_mem_eq (dl_net_params (back), dl_net_model_params (net), sizeof (float) * n);
  g_unlink (path);
  g_rmdir (dir);

  /* Resumed from the training state on another net: the next steps' averages are the same bits. */
  g_autoptr (DlNet) twin = dl_test_make_net (SPEC, 5);
  g_autofree float *state = g_new (float, dl_net_opt_state_floats (net));
  DlNetTrainState ts;
  dl_net_set_params (twin, dl_net_params (net));
  dl_net_get_train_state (net, &ts, state);
  dl_net_set_train_state (twin, &ts, state);
  float x[B * DL_TEST_IN];
  guint8 y[B];
  DlHyper h;
  hyper (&h, 10);
  for (int s = 0; s < 6; s++)
    {
      dl_test_make_batch (B, 200 + s, x, y);
      float la = dl_net_train_step (net, x, y, B, &h, NULL);
      float lb = dl_net_train_step (twin, x, y, B, &h, NULL);
      ck_assert (la == lb);
      ck_assert_mem_eq (dl_net_model_params (twin), dl_net_model_params (net), sizeof (float) * n);
    }
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("average");
  TCase *tc = tcase_create ("average");
  tcase_add_test (tc, rule_one_thread);
  tcase_add_test (tc, rule_team_by_rows);
  tcase_add_test (tc, rule_team_by_units);
  tcase_add_test (tc, swap_computes_the_average);
  tcase_add_test (tc, off_drops_on_restarts);
  tcase_add_test (tc, saved_and_resumed);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
