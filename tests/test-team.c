/* test-team.c — the fork-join team that splits a training step, and nets trained on it: every part runs,
 * barriers order the parts' writes, idle threads wake for the next job, and a net trained on 2 or 3
 * threads computes what it computes on one. Also run under ThreadSanitizer (suite 'worker'). */
#include <check.h>
#include <math.h>
#include <float.h>
#include <string.h>

#include "dl-arch.h"
#include "dl-net.h"
#include "dl-test-net.h"
#include "dl-rng.h"
#include "dl-team.h"


/* ---- the team ---- */

START_TEST (share_partitions_exactly)
{
  const int sizes[] = { 0, 1, 7, 16, 30, 100, 784 };
  for (unsigned k = 0; k < G_N_ELEMENTS (sizes); k++)
    for (int parts = 1; parts <= 5; parts++)
      for (int align = 1; align <= 16; align *= 4)
        {
          int n = sizes[k], expect = 0;
          for (int p = 0; p < parts; p++)
            {
              int lo, hi;
              dl_team_share (p, parts, n, align, &lo, &hi);
              ck_assert_int_eq (lo, expect);
              ck_assert_int_ge (hi, lo);
              if (p < parts - 1)
                ck_assert_int_eq (hi % align, 0);
              expect = hi;
            }
          ck_assert_int_eq (expect, n);
        }
  /* 784 columns in two parts at 16-float alignment: 384 and 400. */
  int lo, hi;
  dl_team_share (0, 2, 784, 16, &lo, &hi);
  ck_assert_int_eq (hi, 384);
}
END_TEST

#define ROUNDS 2000

typedef struct {
  int  n;
  int  slots[DL_TEAM_MAX];
  int  seen_wrong;
  int  ran[DL_TEAM_MAX];
} Rounds;

/* Each round every part writes its slot, meets the others, then checks every slot holds this round. */
static void
rounds_part (DlTeam *team, int part, gpointer data)
{
  Rounds *r = data;
  r->ran[part]++;
  for (int round = 1; round <= ROUNDS; round++)
    {
      g_atomic_int_set (&r->slots[part], round);
      dl_team_barrier (team);
      for (int p = 0; p < r->n; p++)
        if (g_atomic_int_get (&r->slots[p]) != round)
          g_atomic_int_inc (&r->seen_wrong);
      dl_team_barrier (team);
    }
}

START_TEST (barrier_orders_every_round)
{
  for (int n = 1; n <= 4; n++)
    {
      DlTeam *team = dl_team_new (n);
      Rounds r = { .n = n };
      ck_assert_int_eq (dl_team_size (team), n);
      dl_team_run (team, rounds_part, &r);
      ck_assert_int_eq (r.seen_wrong, 0);
      for (int p = 0; p < n; p++)
        ck_assert_int_eq (r.ran[p], 1);
      dl_team_free (team);
    }
}
END_TEST

/* Each part multiplies a normal float into the denormal range and reads a denormal back: under the
 * network's mode (dl-fp.h) both come out as zero on every thread. */
typedef struct {
  volatile float tiny, denormal;
  float product[4], read[4];
} Denormals;

static void
denormals_part (DlTeam *team, int part, gpointer data)
{
  Denormals *d = data;
  (void) team;
  d->product[part] = d->tiny * 1e-3f;
  d->read[part] = d->denormal + 0.0f;
}

START_TEST (parts_flush_denormals)
{
  volatile float before = FLT_MIN * 1e-3f;
  ck_assert (before > 0.0f);  /* the test's own thread computes denormals… */
  for (int n = 1; n <= 4; n++)
    {
      DlTeam *team = dl_team_new (n);
      Denormals d = { .tiny = FLT_MIN, .denormal = FLT_MIN / 8.0f };
      dl_team_run (team, denormals_part, &d);
      for (int p = 0; p < n; p++)
        {
          ck_assert_float_eq (d.product[p], 0.0f);
          ck_assert_float_eq (d.read[p], 0.0f);
        }
      dl_team_free (team);
    }
  volatile float after = FLT_MIN * 1e-3f;
  ck_assert (after > 0.0f);  /* …and still does after the team ran on it */
}
END_TEST

static void
add_part (DlTeam *team, int part, gpointer data)
{
  int *sum = data;
  (void) team;
  g_atomic_int_add (sum, part + 1);
}

/* Jobs back to back (the members still spinning) and after pauses longer than the spin (asleep). */
START_TEST (members_wake_for_every_job)
{
  DlTeam *team = dl_team_new (3);
  for (int job = 0; job < 200; job++)
    {
      int sum = 0;
      if (job % 50 == 49)
        g_usleep (10000);
      dl_team_run (team, add_part, &sum);
      ck_assert_int_eq (sum, 1 + 2 + 3);
    }
  dl_team_free (team);
  /* A team freed while its members sleep. */
  team = dl_team_new (2);
  g_usleep (10000);
  dl_team_free (team);
}
END_TEST

/* ---- nets on the team ---- */

/* Trains `spec` for a few steps on 1, 2 and 3 threads from one seed: losses, counts of right answers,
 * parameters and predictions must agree with one thread's up to rounding (a conv layer's weight gradient
 * is summed part by part, and BLAS may round an edge block differently); a wrong split, a race or a
 * missed row moves them by orders of magnitude more. */
static void
check_threads_agree (const char *spec, int B, DlOptimizer opt)
{
  /* Adam with ε 10⁻³, not 10⁻⁸: with the tiny ε, a weight whose gradient is almost nothing (a batch norm's
   * gradient is a difference of means) still takes a full step of ±lr, whose sign the gradient's rounding
   * decides — seen with OpenBLAS's Cooperlake kernel on an AMD EPYC (family 25 model 17), a weight 1.5·10⁻⁵
   * off after 4 steps. The larger ε keeps such steps in proportion to their gradients. */
  DlHyper h = { .lr = opt == DL_OPT_ADAM ? 0.003f : 0.05f, .momentum = 0.9f, .weight_decay = 1e-4f,
                .optimizer = opt, .reduce = DL_REDUCE_MEAN, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-3f };
  g_autofree float *x = g_new (float, B * DL_TEST_IN);
  g_autofree guint8 *y = g_new (guint8, B);
  g_autofree float *p1 = NULL, *probs1 = g_new (float, B * 10), *probs = g_new (float, B * 10);
  float loss1[4];
  int correct1[4];

  for (int threads = 1; threads <= 3; threads++)
    {
      g_autoptr (DlNet) net = dl_test_make_net (spec, 5);
      dl_net_set_threads (net, threads);
      ck_assert_int_eq (dl_net_get_threads (net), threads);
      for (int step = 0; step < 4; step++)
        {
          int correct;
          dl_test_make_batch (B, 100 + step, x, y);
          float loss = dl_net_train_step (net, x, y, B, &h, &correct);
          if (threads == 1)
            loss1[step] = loss, correct1[step] = correct;
          ck_assert_msg (fabsf (loss - loss1[step]) <= 1e-5f * fmaxf (1.0f, fabsf (loss1[step])),
                         "%s, %d threads, step %d: loss %.8g, one thread %.8g", spec, threads, step, loss, loss1[step]);
          ck_assert_int_eq (correct, correct1[step]);
        }
      gsize n = dl_net_n_params (net);
      const float *p = dl_net_params (net);
      dl_net_predict (net, x, B, threads == 1 ? probs1 : probs);
      if (threads == 1)
        {
          p1 = g_memdup2 (p, sizeof (float) * n);
          continue;
        }
      double moved = 0.0;
      for (gsize i = 0; i < n; i++)
        ck_assert_msg (fabsf (p[i] - p1[i]) <= 1e-5f * fmaxf (1.0f, fabsf (p1[i])),
                       "%s, %d threads: parameter %zu is %.9g, one thread %.9g", spec, threads, (size_t) i, p[i], p1[i]);
      for (gsize i = 0; i < n; i++)
        moved += fabs (dl_net_grads (net)[i]);
      ck_assert (moved > 0.0);
      for (int i = 0; i < B * 10; i++)
        ck_assert_msg (fabsf (probs[i] - probs1[i]) <= 1e-4f, "%s, %d threads: probability %d is %.8g, one thread %.8g",
                       spec, threads, i, probs[i], probs1[i]);
    }
}

/* Wide layers (split by columns), a small one (part 0 alone), dropout (masks drawn before the split). */
START_TEST (mlp_with_dropout_agrees)
{
  check_threads_agree ("fc300-relu,dropout0.3,fc40-tanh,fc10,softmax", 64, DL_OPT_MOMENTUM);
}
END_TEST

/* The bug report's net: batch 100, tanh, MSE; and Adam's per-parameter state split the same way. */
START_TEST (seed_net_agrees)
{
  check_threads_agree ("fc30-tanh,fc10-tanh,mse", 100, DL_OPT_SGD);
  check_threads_agree ("fc64-sigmoid,fc10,softmax", 37, DL_OPT_ADAM);
}
END_TEST

/* Batch normalisation: a wide layer split by units (each part its units' statistics), a narrow one by rows
 * (the parts' sums added), with momentum and with Adam (γ and β updated like biases). */
START_TEST (batch_norm_agrees)
{
  check_threads_agree ("fc300-bn-relu,fc40-bn-tanh,fc10,softmax", 64, DL_OPT_MOMENTUM);
  check_threads_agree ("fc64-bn-sigmoid,fc10-bn,softmax", 37, DL_OPT_ADAM);
}
END_TEST

/* Batch-normalised conv layers: each part's rows' channel sums added, dβ from dl-bn rather than the
 * parts' bias gradients. */
START_TEST (conv_batch_norm_agrees)
{
  check_threads_agree ("conv8x3p1-bn-relu,pool2,conv16x3p1-bn-relu,pool2,fc32-relu,fc10,softmax", 64, DL_OPT_MOMENTUM);
  check_threads_agree ("conv4x5-bn-tanh,conv6x3-bn,pool2,fc10-bn,softmax", 29, DL_OPT_ADAM);
}
END_TEST

/* Conv layers: each part's rows give a partial weight gradient that part 0 sums; pooling and dropout by
 * rows. A LeNet-like net on SGD with momentum, and one with Adam and padding. */
START_TEST (conv_net_agrees)
{
  check_threads_agree ("conv6x5p2-relu,pool2,conv16x5-relu,pool2,fc120-relu,fc84-relu,fc10,softmax", 64,
                       DL_OPT_MOMENTUM);
  check_threads_agree ("conv4x3p1-tanh,pool2,dropout0.25,conv8x3-sigmoid,fc10-tanh,mse", 40, DL_OPT_ADAM);
}
END_TEST

/* Changing the thread count of a net that has trained: the per-part buffers follow, and every step's loss
 * and the parameters after them equal a net trained on one thread throughout, within 1e-5. */
START_TEST (threads_change_between_steps)
{
  g_autoptr (DlNet) net = dl_test_make_net ("conv4x5-relu,pool2,fc10,softmax", 1);
  g_autoptr (DlNet) ref = dl_test_make_net ("conv4x5-relu,pool2,fc10,softmax", 1);
  float x[48 * DL_TEST_IN];
  guint8 y[48];
  DlHyper h = { .lr = 0.05f, .momentum = 0.9f, .optimizer = DL_OPT_MOMENTUM, .reduce = DL_REDUCE_MEAN };
  dl_test_make_batch (48, 9, x, y);
  for (int step = 1; step <= 4; step++)
    {
      dl_net_set_threads (net, step % 3 + 1);
      ck_assert_int_eq (dl_net_get_threads (net), step % 3 + 1);
      float loss = dl_net_train_step (net, x, y, 48, &h, NULL);
      float want = dl_net_train_step (ref, x, y, 48, &h, NULL);
      ck_assert_msg (fabsf (loss - want) <= 1e-5f * fmaxf (1.0f, fabsf (want)),
                     "step %d on %d threads: loss %.8g, one thread %.8g", step, step % 3 + 1, loss, want);
    }
  const float *p = dl_net_params (net), *q = dl_net_params (ref);
  for (gsize i = 0; i < dl_net_n_params (net); i++)
    ck_assert_msg (fabsf (p[i] - q[i]) <= 1e-5f * fmaxf (1.0f, fabsf (q[i])),
                   "parameter %zu is %.9g, one thread %.9g", (size_t) i, p[i], q[i]);
  dl_net_set_threads (net, 1);
  ck_assert_int_eq (dl_net_get_threads (net), 1);
}
END_TEST

/* The team's gather is the calling thread's, bit for bit, whatever the team's size: plain, affine, elastic. */
START_TEST (gather_on_the_team)
{
  enum { N = 37 };
  g_autoptr (DlDataset) ds = dl_dataset_new (50, 28, 28);
  int idx[N];
  g_autofree float *want = g_new (float, N * DL_TEST_IN), *got = g_new (float, N * DL_TEST_IN);
  DlRng rng;

  dl_rng_seed (&rng, 2);
  for (int i = 0; i < 50 * DL_TEST_IN; i++)
    ds->pixels[i] = dl_rng_uniform (&rng) < 0.2 ? (guint8) dl_rng_below (&rng, 256) : 0;
  for (int i = 0; i < N; i++)
    idx[i] = (int) dl_rng_below (&rng, 50);
  static const guint combos[] = { 0, DL_AUGMENT_AFFINE, DL_AUGMENT_ELASTIC, DL_AUGMENT_AFFINE | DL_AUGMENT_ELASTIC };
  for (guint c = 0; c < G_N_ELEMENTS (combos); c++)
    {
      guint kinds = combos[c];
      DlAugmentOptions o;
      DlRng r;
      dl_augment_options_init (&o, kinds);
      dl_rng_seed (&r, 9);
      dl_augment_batch (&o, ds, idx, N, &r, want);
      for (int threads = 1; threads <= 3; threads++)
        {
          g_autoptr (DlNet) net = dl_test_make_net ("fc16-relu,fc10,softmax", 1);
          DlRng r2;
          dl_net_set_threads (net, threads);
          dl_rng_seed (&r2, 9);
          memset (got, 0xff, sizeof (float) * N * DL_TEST_IN);
          dl_net_gather (net, ds, idx, N, kinds ? &o : NULL, &r2, got);
          ck_assert_msg (memcmp (got, want, sizeof (float) * N * DL_TEST_IN) == 0, "kinds %u, %d threads", kinds,
                         threads);
          /* As many draws taken from the stream either way. */
          if (kinds)
            ck_assert_mem_eq (&r2, &r, sizeof r);
        }
    }
}
END_TEST

static Suite *
team_suite (void)
{
  Suite *s = suite_create ("team");
  TCase *t = tcase_create ("team");
  tcase_add_test (t, share_partitions_exactly);
  tcase_add_test (t, barrier_orders_every_round);
  tcase_add_test (t, members_wake_for_every_job);
  tcase_add_test (t, parts_flush_denormals);
  suite_add_tcase (s, t);
  TCase *n = tcase_create ("nets");
  tcase_add_test (n, mlp_with_dropout_agrees);
  tcase_add_test (n, seed_net_agrees);
  tcase_add_test (n, conv_net_agrees);
  tcase_add_test (n, conv_batch_norm_agrees);
  tcase_add_test (n, batch_norm_agrees);
  tcase_add_test (n, threads_change_between_steps);
  tcase_add_test (n, gather_on_the_team);
  suite_add_tcase (s, n);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (team_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
