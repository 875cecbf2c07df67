/* test-infer.c — the core's re-entrant path: dl_net_forward on a caller's DlNetWork against the net's own
 * dl_net_predict, input gradients against central finite differences, several threads on one net, and
 * the training state a checkpoint restores. In the 'worker' suite too, so ThreadSanitizer sees the
 * threads. */
#include <cblas.h>
#include <check.h>
#include <math.h>
#include <string.h>

#include "dl-arch.h"
#include "dl-net.h"
#include "dl-test-net.h"

#define N_OUT 10

/* Every layer kind and activation, and both losses. */
static const char *const specs[] = {
  "fc32-relu,fc16-relu,fc10,softmax",
  "conv4x5p2-relu,pool2,conv6x3-tanh,pool2,dropout0.3,fc12-sigmoid,fc10,softmax",
  "fc12-tanh,fc10-tanh,mse",
};

static void
check_forward_matches_predict (const char *spec, int B)
{
  g_autoptr (DlNet) net = dl_test_make_net (spec, 3);
  g_autoptr (DlNet) copy = dl_net_copy (net);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 16);
  g_autofree float *x = g_new (float, B * DL_TEST_IN);
  g_autofree guint8 *y = g_new (guint8, B);
  g_autofree float *p_work = g_new (float, B * N_OUT);
  g_autofree float *p_net = g_new (float, B * N_OUT);

  dl_test_make_batch (B, 5, x, y);
  dl_net_forward (net, work, x, B, p_work);
  dl_net_predict (copy, x, B, p_net);
  ck_assert_msg (memcmp (p_work, p_net, sizeof (float) * B * N_OUT) == 0, "%s, batch %d: probabilities differ",
                 spec, B);
}

START_TEST (forward_matches_predict)
{
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      check_forward_matches_predict (specs[i], 7);
      check_forward_matches_predict (specs[i], 1);
    }
}
END_TEST

/* The first dense layer's output is relu (x · wᵀ + b), and the softmax of the last one is the
 * probabilities. */
START_TEST (work_outputs_are_the_layers)
{
  g_autoptr (DlNet) net = dl_test_make_net (specs[0], 4);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 4);
  const int B = 3, units = 32;
  float x[3 * DL_TEST_IN], probs[3 * N_OUT];
  guint8 y[3];
  const float *w = dl_net_params (net), *b = w + units * DL_TEST_IN;

  dl_test_make_batch (B, 6, x, y);
  dl_net_forward (net, work, x, B, probs);
  const float *h = dl_net_work_output (work, 0);
  for (int r = 0; r < B; r++)
    for (int j = 0; j < units; j++)
      {
        double z = b[j];
        for (int k = 0; k < DL_TEST_IN; k++)
          z += (double) x[r * DL_TEST_IN + k] * w[j * DL_TEST_IN + k];
        ck_assert_msg (fabs (h[r * units + j] - fmax (z, 0.0)) < 1e-4, "row %d unit %d: %g, expected %g", r, j,
                       h[r * units + j], fmax (z, 0.0));
      }
  const float *logits = dl_net_work_output (work, 2);
  for (int r = 0; r < B; r++)
    {
      double sum = 0.0;
      for (int j = 0; j < N_OUT; j++)
        sum += exp (logits[r * N_OUT + j]);
      for (int j = 0; j < N_OUT; j++)
        ck_assert (fabs (exp (logits[r * N_OUT + j]) / sum - probs[r * N_OUT + j]) < 1e-6);
    }
}
END_TEST

/* Σ_r out[r, class[r]] at x + eps·d. */
static double
outputs_at (const DlNet *net, DlNetWork *work, const float *x, const double *d, double eps, const int *cls, int B)
{
  g_autofree float *xd = g_new (float, B * DL_TEST_IN);
  for (int i = 0; i < B * DL_TEST_IN; i++)
    xd[i] = (float) (x[i] + eps * d[i]);
  dl_net_forward (net, work, xd, B, NULL);
  const float *out = dl_net_work_output (work, dl_net_arch (net)->n_layers - 1);
  double f = 0.0;
  for (int r = 0; r < B; r++)
    f += out[r * N_OUT + cls[r]];
  return f;
}

/* The input gradient of one output per row: its directional derivative along itself equals its norm,
 * and its largest coordinate matches its own central difference. Smooth activations only: a ReLU kink
 * inside ±eps would make the finite difference meaningless. */
static void
check_input_grad_after (const char *spec, int B, int train_steps)
{
  g_autoptr (DlNet) net = dl_test_make_net (spec, 8);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, B);
  gsize n = (gsize) B * DL_TEST_IN;
  g_autofree float *x = g_new (float, n);
  g_autofree guint8 *y = g_new (guint8, B);
  g_autofree float *dx = g_new (float, n);
  g_autofree double *d = g_new0 (double, n);
  g_autofree float *dout = g_new0 (float, B * N_OUT);
  int cls[8];

  /* Steps of training first, for layers whose inference differs from a fresh net's (batch norm's running
   * estimates, γ and β). */
  DlHyper h;
  dl_hyper_init_default (&h);
  h.lr = 0.05f;
  for (int step = 0; step < train_steps; step++)
    {
      g_autofree float *xb = g_new (float, 32 * DL_TEST_IN);
      g_autofree guint8 *yb = g_new (guint8, 32);
      dl_test_make_batch (32, 50 + step, xb, yb);
      dl_net_train_step (net, xb, yb, 32, &h, NULL);
    }
  dl_test_make_batch (B, 9, x, y);
  for (int r = 0; r < B; r++)
    dout[r * N_OUT + (cls[r] = (3 * r + 1) % N_OUT)] = 1.0f;
  dl_net_forward (net, work, x, B, NULL);
  dl_net_input_grad (net, work, x, dout, B, dx);

  double norm = 0.0;
  gsize top = 0;
  for (gsize i = 0; i < n; i++)
    {
      norm += (double) dx[i] * dx[i];
      if (fabsf (dx[i]) > fabsf (dx[top]))
        top = i;
    }
  norm = sqrt (norm);
  ck_assert_msg (norm > 1e-6, "%s: the input gradient is zero", spec);
  for (gsize i = 0; i < n; i++)
    d[i] = dx[i] / norm;
  double eps = 1e-2;
  double num = (outputs_at (net, work, x, d, eps, cls, B) - outputs_at (net, work, x, d, -eps, cls, B)) / (2 * eps);
  ck_assert_msg (fabs (num - norm) / norm < 1e-2, "%s: directional derivative %g, gradient norm %g", spec, num,
                 norm);

  memset (d, 0, sizeof (double) * n);
  d[top] = 1.0;
  double ci = (outputs_at (net, work, x, d, eps, cls, B) - outputs_at (net, work, x, d, -eps, cls, B)) / (2 * eps);
  ck_assert_msg (fabs (ci - dx[top]) / fabs (dx[top]) < 3e-2, "%s: pixel %zu: finite difference %g, gradient %g",
                 spec, (size_t) top, ci, dx[top]);
}

static void
check_input_grad (const char *spec, int B)
{
  check_input_grad_after (spec, B, 0);
}

START_TEST (input_grad_dense)  { check_input_grad ("fc20-tanh,fc16-sigmoid,fc10,softmax", 3); } END_TEST
/* Batch-normalised layers at inference (the running estimates), after training has moved them. */
START_TEST (input_grad_bn)     { check_input_grad_after ("fc20-bn-tanh,fc16-bn-sigmoid,fc10-bn,softmax", 3, 5); } END_TEST
START_TEST (input_grad_conv_bn) { check_input_grad_after ("conv3x5p2-bn-tanh,pool2,conv4x3-bn-sigmoid,fc10,softmax", 2, 5); } END_TEST
START_TEST (input_grad_conv)   { check_input_grad ("conv3x5p2-tanh,pool2,conv4x3-sigmoid,pool2,dropout0.4,fc10,softmax", 2); } END_TEST
START_TEST (input_grad_mse)    { check_input_grad ("fc12-tanh,fc10-tanh,mse", 4); } END_TEST
START_TEST (input_grad_std)    { check_input_grad ("std,fc20-tanh,fc10,softmax", 3); } END_TEST
START_TEST (input_grad_std_conv) { check_input_grad ("std,conv3x5p2-tanh,pool2,fc10-sigmoid,mse", 2); } END_TEST

/* The backward pass reads the outputs of the forward pass and leaves them as they were: a caller reads
 * the features after the gradient. */
START_TEST (input_grad_keeps_outputs)
{
  g_autoptr (DlNet) net = dl_test_make_net (specs[1], 2);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 2);
  int n_layers = dl_net_arch (net)->n_layers, c, h, w;
  float x[2 * DL_TEST_IN], dx[2 * DL_TEST_IN], dout[2 * N_OUT] = { 0 };
  guint8 y[2];

  dl_test_make_batch (2, 3, x, y);
  dout[4] = dout[N_OUT + 7] = 1.0f;
  dl_net_forward (net, work, x, 2, NULL);
  float *before[DL_MAX_LAYERS];
  for (int i = 0; i < n_layers; i++)
    {
      dl_arch_shape (dl_net_arch (net), i, &c, &h, &w);
      before[i] = g_memdup2 (dl_net_work_output (work, i), sizeof (float) * 2 * c * h * w);
    }
  dl_net_input_grad (net, work, x, dout, 2, dx);
  for (int i = 0; i < n_layers; i++)
    {
      dl_arch_shape (dl_net_arch (net), i, &c, &h, &w);
      ck_assert_msg (memcmp (before[i], dl_net_work_output (work, i), sizeof (float) * 2 * c * h * w) == 0,
                     "layer %d's output changed", i);
      g_free (before[i]);
    }
}
END_TEST

/* Two threads, each with its own work, on one net: every answer is the one a single thread gets, and
 * the parameters are untouched. */
#define THREAD_ROUNDS 150

typedef struct {
  const DlNet *net;
  const float *x;
  const float *expected;
  int          mismatches;
} Reader;

static gpointer
read_net (gpointer data)
{
  Reader *r = data;
  g_autoptr (DlNetWork) work = dl_net_work_new (r->net, 4);
  float probs[4 * N_OUT], dx[4 * DL_TEST_IN], dout[4 * N_OUT] = { 0 };

  dout[0] = 1.0f;
  for (int i = 0; i < THREAD_ROUNDS; i++)
    {
      dl_net_forward (r->net, work, r->x, 4, probs);
      r->mismatches += memcmp (probs, r->expected, sizeof probs) != 0;
      dl_net_input_grad (r->net, work, r->x, dout, 4, dx);
    }
  return NULL;
}

START_TEST (threads_share_one_net)
{
  g_autoptr (DlNet) net = dl_test_make_net (specs[1], 5);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 4);
  float x[4 * DL_TEST_IN], expected[4 * N_OUT];
  guint8 y[4];
  gsize n = dl_net_n_params (net);
  g_autofree float *params = g_memdup2 (dl_net_params (net), sizeof (float) * n);
  Reader readers[2];
  GThread *threads[2];

  dl_test_make_batch (4, 1, x, y);
  dl_net_forward (net, work, x, 4, expected);
  for (int t = 0; t < 2; t++)
    {
      readers[t] = (Reader) { .net = net, .x = x, .expected = expected };
      threads[t] = g_thread_new ("reader", read_net, &readers[t]);
    }
  for (int t = 0; t < 2; t++)
    {
      g_thread_join (threads[t]);
      ck_assert_int_eq (readers[t].mismatches, 0);
    }
  ck_assert (memcmp (params, dl_net_params (net), sizeof (float) * n) == 0);
}
END_TEST

/* A net restored from another's parameters and training state takes the same next steps, bit for bit:
 * dropout draws the same masks and Adam (or momentum) continues its moments and step count. Without the
 * state the steps differ, so the comparison can fail. */
static void
check_train_state (DlOptimizer opt, gboolean restore, gboolean expect_equal)
{
  const char *spec = "fc24-relu,dropout0.5,fc10,softmax";
  g_autoptr (DlNet) a = dl_test_make_net (spec, 1);
  g_autoptr (DlNet) b = dl_test_make_net (spec, 2);
  float x[16 * DL_TEST_IN];
  guint8 y[16];
  DlHyper h;
  DlNetTrainState state;
  gsize n = dl_net_n_params (a);
  g_autofree float *opt_state = g_new (float, dl_net_opt_state_floats (a));

  dl_hyper_init_default (&h);
  h.optimizer = opt;
  h.lr = opt == DL_OPT_ADAM ? 1e-3f : 0.05f;
  for (int s = 0; s < 4; s++)
    {
      dl_test_make_batch (16, 100 + s, x, y);
      dl_net_train_step (a, x, y, 16, &h, NULL);
    }
  dl_net_set_params (b, dl_net_params (a));
  if (restore)
    {
      dl_net_get_train_state (a, &state, opt_state);
      dl_net_set_train_state (b, &state, opt_state);
    }
  for (int s = 0; s < 3; s++)
    {
      dl_test_make_batch (16, 200 + s, x, y);
      float la = dl_net_train_step (a, x, y, 16, &h, NULL);
      float lb = dl_net_train_step (b, x, y, 16, &h, NULL);
      if (expect_equal)
        ck_assert_msg (la == lb, "step %d: loss %.9g, restored %.9g", s, la, lb);
    }
  gboolean equal = memcmp (dl_net_params (a), dl_net_params (b), sizeof (float) * n) == 0;
  ck_assert_msg (equal == expect_equal, "%s: parameters %s after the same steps", dl_optimizer_name (opt),
                 equal ? "equal" : "differ");
}

START_TEST (train_state_restores_adam)      { check_train_state (DL_OPT_ADAM, TRUE, TRUE); } END_TEST
START_TEST (train_state_restores_momentum)  { check_train_state (DL_OPT_MOMENTUM, TRUE, TRUE); } END_TEST
START_TEST (train_state_is_needed)          { check_train_state (DL_OPT_ADAM, FALSE, FALSE); } END_TEST

/* A net splits its passes over its own team: the BLAS kernel it is given runs on one thread, though
 * OpenBLAS starts with one per core (with OpenBLAS's pool, ThreadSanitizer saw this program's passes race
 * on AMD Zen 5). check runs each test in a fresh process, where nothing has chosen threads yet. */
START_TEST (new_net_keeps_blas_on_one_thread)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc16-relu,fc10,softmax", 1);
  ck_assert_int_eq (openblas_get_num_threads (), 1);
}
END_TEST

static Suite *
infer_suite (void)
{
  Suite *s = suite_create ("infer");
  TCase *f = tcase_create ("forward");
  tcase_add_test (f, forward_matches_predict);
  tcase_add_test (f, work_outputs_are_the_layers);
  tcase_add_test (f, threads_share_one_net);
  tcase_add_test (f, new_net_keeps_blas_on_one_thread);
  suite_add_tcase (s, f);
  TCase *g = tcase_create ("input-gradient");
  tcase_add_test (g, input_grad_dense);
  tcase_add_test (g, input_grad_bn);
  tcase_add_test (g, input_grad_conv_bn);
  tcase_add_test (g, input_grad_conv);
  tcase_add_test (g, input_grad_mse);
  tcase_add_test (g, input_grad_std);
  tcase_add_test (g, input_grad_std_conv);
  tcase_add_test (g, input_grad_keeps_outputs);
  suite_add_tcase (s, g);
  TCase *t = tcase_create ("train-state");
  tcase_add_test (t, train_state_restores_adam);
  tcase_add_test (t, train_state_restores_momentum);
  tcase_add_test (t, train_state_is_needed);
  suite_add_tcase (s, t);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (infer_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
