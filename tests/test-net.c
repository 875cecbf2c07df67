/* test-net.c — the network: gradients against central finite differences for every layer, activation
 * and loss; the optimisers against PyTorch's update formulas; seeding, copies and predictions. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "dl-arch.h"
#include "dl-net.h"
#include "dl-test-net.h"
#include "dl-rng.h"


/* Per-layer parameter tensors (weights, then biases; a batch-normalised layer's γ as a third), as laid out
 * in the flat buffer. skip: the running mean and variance that follow γ, which no gradient reaches. */
typedef struct { gsize off, n; gboolean weights; int layer; gsize skip; } Tensor;

static int
list_tensors (const DlArch *arch, Tensor *t)
{
  int n = 0;
  gsize off = 0;
  for (int i = 0; i < arch->n_layers; i++)
    {
      const DlLayerSpec *l = &arch->layers[i];
      int c, h, w, oc, oh, ow;
      dl_arch_shape (arch, i - 1, &c, &h, &w);
      dl_arch_shape (arch, i, &oc, &oh, &ow);
      gsize nw = 0, nb = 0;
      if (l->kind == DL_LAYER_DENSE)
        nw = (gsize) c * h * w * oc, nb = oc;
      else if (l->kind == DL_LAYER_CONV)
        nw = (gsize) oc * c * l->kernel * l->kernel, nb = oc;
      if (nw == 0)
        continue;
      t[n++] = (Tensor) { off, nw, TRUE, i, 0 };
      off += nw;
      t[n++] = (Tensor) { off, nb, FALSE, i, 0 };
      off += nb;
      if (l->bn)
        {
          t[n++] = (Tensor) { off, nb, FALSE, i, 2 * nb };
          off += 3 * nb;
        }
    }
  return n;
}

/* Loss after moving the parameters by eps·d on [t.off, t.off + t.n), with the dropout stream reseeded
 * so every evaluation draws the same mask. */
static double
loss_at (DlNet *net, const float *p0, const Tensor *t, const double *d, double eps, const float *x,
         const guint8 *y, int B, guint64 mask_seed)
{
  float *p = dl_net_params (net);
  memcpy (p, p0, sizeof (float) * dl_net_n_params (net));
  for (gsize i = 0; i < t->n; i++)
    p[t->off + i] = (float) (p0[t->off + i] + eps * d[i]);
  dl_net_seed (net, mask_seed);
  return dl_net_compute_grads (net, x, y, B, DL_REDUCE_MEAN);
}

/* For every parameter tensor: the directional derivative of the loss along the normalised analytic
 * gradient (central differences) must equal the gradient's norm, and the largest single coordinates must
 * match their own finite differences. Asserts the gradient is not zero. */
static void
check_gradients (const char *spec, int B, double tol)
{
  g_autoptr (DlNet) net = dl_test_make_net (spec, 7);
  const DlArch *arch = dl_net_arch (net);
  gsize n = dl_net_n_params (net);
  float *x = g_new (float, B * DL_TEST_IN);
  guint8 *y = g_new (guint8, B);
  dl_test_make_batch (B, 11, x, y);

  const guint64 mask_seed = 99;
  dl_net_seed (net, mask_seed);
  dl_net_compute_grads (net, x, y, B, DL_REDUCE_MEAN);
  float *p0 = g_memdup2 (dl_net_params (net), sizeof (float) * n);
  float *g = g_memdup2 (dl_net_grads (net), sizeof (float) * n);

  Tensor tensors[3 * DL_MAX_LAYERS];
  int nt = list_tensors (arch, tensors);
  gsize total = 0;
  for (int k = 0; k < nt; k++)
    total += tensors[k].n + tensors[k].skip;
  ck_assert_uint_eq (total, n);

  for (int k = 0; k < nt; k++)
    {
      const Tensor *t = &tensors[k];
      double *d = g_new0 (double, t->n);
      double norm = 0.0;
      for (gsize i = 0; i < t->n; i++)
        norm += (double) g[t->off + i] * g[t->off + i];
      norm = sqrt (norm);
      ck_assert_msg (norm > 1e-6, "%s: layer %d %s gradient is zero", spec, t->layer,
                     t->weights ? "weight" : "bias");
      for (gsize i = 0; i < t->n; i++)
        d[i] = g[t->off + i] / norm;

      /* The net sums the loss in double; its forward pass is float, and a step of 1e-3 along a unit
       * direction keeps float rounding near 1e-4 of the difference while curvature error stays below it. */
      double eps = 1e-3;
      double num = (loss_at (net, p0, t, d, eps, x, y, B, mask_seed) -
                    loss_at (net, p0, t, d, -eps, x, y, B, mask_seed)) / (2 * eps);
      double rel = fabs (num - norm) / fmax (fabs (num), norm);
      ck_assert_msg (rel < tol, "%s: layer %d %s: directional derivative %.6g, gradient norm %.6g (rel %.3g)",
                     spec, t->layer, t->weights ? "weights" : "biases", num, norm, rel);

      /* The three largest coordinates, one by one. */
      gsize top[3] = { 0, 0, 0 };
      int n_top = 0;
      for (int rep = 0; rep < 3 && rep < (int) t->n; rep++)
        {
          gsize best = G_MAXSIZE;
          for (gsize i = 0; i < t->n; i++)
            {
              gboolean taken = FALSE;
              for (int q = 0; q < n_top; q++)
                taken |= top[q] == i;
              if (!taken && (best == G_MAXSIZE || fabsf (g[t->off + i]) > fabsf (g[t->off + best])))
                best = i;
            }
          top[n_top++] = best;
        }
      for (int q = 0; q < n_top; q++)
        {
          memset (d, 0, sizeof (double) * t->n);
          d[top[q]] = 1.0;
          double gi = g[t->off + top[q]];
          double ci = (loss_at (net, p0, t, d, eps, x, y, B, mask_seed) -
                       loss_at (net, p0, t, d, -eps, x, y, B, mask_seed)) / (2 * eps);
          double r = fabs (ci - gi) / fmax (fabs (ci), fabs (gi));
          ck_assert_msg (r < 5 * tol, "%s: layer %d %s[%zu]: finite difference %.6g, gradient %.6g (rel %.3g)",
                         spec, t->layer, t->weights ? "w" : "b", (size_t) top[q], ci, gi, r);
        }
      g_free (d);
    }
  g_free (p0);
  g_free (g);
  g_free (x);
  g_free (y);
}

START_TEST (grad_dense_relu)    { check_gradients ("fc12-relu,fc10,softmax", 8, 1e-2); } END_TEST
START_TEST (grad_dense_tanh)    { check_gradients ("fc12-tanh,fc10,softmax", 8, 1e-2); } END_TEST
START_TEST (grad_dense_sigmoid) { check_gradients ("fc12-sigmoid,fc10,softmax", 8, 1e-2); } END_TEST
START_TEST (grad_dense_none)    { check_gradients ("fc12,fc10,softmax", 8, 1e-2); } END_TEST
START_TEST (grad_deep)          { check_gradients ("fc20-tanh,fc16-sigmoid,fc14-relu,fc10,softmax", 6, 1e-2); } END_TEST
START_TEST (grad_mse_tanh)      { check_gradients ("fc12-tanh,fc10-tanh,mse", 8, 1e-2); } END_TEST
START_TEST (grad_mse_sigmoid)   { check_gradients ("fc12-relu,fc10-sigmoid,mse", 8, 1e-2); } END_TEST
START_TEST (grad_mse_none)      { check_gradients ("fc12-sigmoid,fc10,mse", 8, 1e-2); } END_TEST
START_TEST (grad_dropout)       { check_gradients ("fc16-relu,dropout0.5,fc10,softmax", 8, 1e-2); } END_TEST
/* Conv stacks: a perturbed conv parameter moves thousands of pre-activations at once, so ReLU kinks sit
 * within eps of some of them; the first conv here is smooth (tanh) and ReLU follows the small second one. */
START_TEST (grad_cnn)           { check_gradients ("conv3x5p2-tanh,pool2,conv4x3-relu,pool2,fc12-sigmoid,fc10,softmax", 3, 1e-2); } END_TEST
START_TEST (grad_cnn_mse)       { check_gradients ("conv2x3-sigmoid,pool2,dropout0.3,conv3x3p1,fc10-tanh,mse", 2, 1e-2); } END_TEST
START_TEST (grad_lenet)         { check_gradients ("conv6x5p2-relu,pool2,conv16x5-relu,pool2,fc120-relu,fc84-relu,fc10,softmax", 2, 1e-2); } END_TEST
START_TEST (grad_single_example){ check_gradients ("fc12-tanh,fc10,softmax", 1, 1e-2); } END_TEST
START_TEST (grad_std)           { check_gradients ("std,fc12-relu,fc10,softmax", 8, 1e-2); } END_TEST
/* Batch normalisation: every row's output depends on the whole batch's statistics. */
START_TEST (grad_bn)            { check_gradients ("fc12-bn-tanh,fc10,softmax", 8, 1e-2); } END_TEST
START_TEST (grad_bn_deep)       { check_gradients ("conv3x5-tanh,pool2,fc16-bn-sigmoid,fc12-bn-tanh,fc10-bn,softmax", 6, 1e-2); } END_TEST
START_TEST (grad_bn_mse)        { check_gradients ("fc14-bn-relu,fc10-bn-tanh,mse", 8, 1e-2); } END_TEST
START_TEST (grad_std_cnn)       { check_gradients ("std,conv3x5p2-tanh,pool2,fc10-tanh,mse", 3, 1e-2); } END_TEST
/* Batch-normalised conv layers: each channel over the batch's images and positions; the ReLU before a pool
 * applied to the pooled values, and a layer without a pool after it. */
START_TEST (grad_conv_bn)       { check_gradients ("conv3x5p2-bn-tanh,pool2,conv4x3-bn-relu,pool2,fc12-sigmoid,fc10,softmax", 3, 1e-2); } END_TEST
START_TEST (grad_conv_bn_mse)   { check_gradients ("conv2x3-bn-sigmoid,conv3x3p1-bn,fc10-tanh,mse", 2, 1e-2); } END_TEST

/* A std layer against float64: its output is (x − 0.1307) / 0.3081, the dense layer after it sees that,
 * and that layer's weight gradient is (p − onehot)ᵀ · std(x) / B — the standardised input, not the raw one.
 * And training through std is training the same net without it on standardised images. */
START_TEST (std_matches_double)
{
  enum { B = 5 };
  g_autoptr (DlNet) net = dl_test_make_net ("std,fc10,softmax", 4);
  g_autoptr (DlNet) plain = dl_test_make_net ("fc10,softmax", 4);
  static float x[B * DL_TEST_IN], xs[B * DL_TEST_IN];
  guint8 y[B];
  double sx[B * DL_TEST_IN];
  dl_test_make_batch (B, 21, x, y);
  for (int i = 0; i < B * DL_TEST_IN; i++)
    {
      sx[i] = ((double) x[i] - 0.1307) / 0.3081;
      xs[i] = (float) sx[i];
    }
  ck_assert_uint_eq (dl_net_n_params (net), dl_net_n_params (plain));
  dl_net_set_params (plain, dl_net_params (net));

  g_autoptr (DlNetWork) work = dl_net_work_new (net, B);
  float probs[B * 10];
  dl_net_forward (net, work, x, B, probs);
  const float *s0 = dl_net_work_output (work, 0), *logits = dl_net_work_output (work, 1);
  const float *w = dl_net_params (net), *b = w + 10 * DL_TEST_IN;
  double ref_grad[10 * DL_TEST_IN] = { 0 };
  for (int r = 0; r < B; r++)
    {
      for (int i = 0; i < DL_TEST_IN; i++)
        ck_assert_double_eq_tol (s0[r * DL_TEST_IN + i], sx[r * DL_TEST_IN + i], 1e-6);
      double z[10], mx = -INFINITY, sum = 0.0;
      for (int j = 0; j < 10; j++)
        {
          z[j] = b[j];
          for (int i = 0; i < DL_TEST_IN; i++)
            z[j] += (double) w[j * DL_TEST_IN + i] * sx[r * DL_TEST_IN + i];
          ck_assert_double_eq_tol (logits[r * 10 + j], z[j], 1e-4);
          mx = fmax (mx, z[j]);
        }
      for (int j = 0; j < 10; j++)
        sum += exp (z[j] - mx);
      for (int j = 0; j < 10; j++)
        {
          double p = exp (z[j] - mx) / sum;
          ck_assert_double_eq_tol (probs[r * 10 + j], p, 1e-5);
          for (int i = 0; i < DL_TEST_IN; i++)
            ref_grad[j * DL_TEST_IN + i] += (p - (j == y[r])) * sx[r * DL_TEST_IN + i] / B;
        }
    }
  dl_net_compute_grads (net, x, y, B, DL_REDUCE_MEAN);
  const float *g = dl_net_grads (net);
  double max_ref = 0.0;
  for (int k = 0; k < 10 * DL_TEST_IN; k++)
    {
      ck_assert_msg (fabs (g[k] - ref_grad[k]) <= 1e-5 * fmax (1.0, fabs (ref_grad[k])), "weight %d: %.8g, double %.8g",
                     k, g[k], ref_grad[k]);
      max_ref = fmax (max_ref, fabs (ref_grad[k]));
    }
  ck_assert (max_ref > 0.1);  /* standardised inputs reach ±2.9: the raw ones' gradient would differ */

  DlHyper h;
  dl_hyper_init_default (&h);
  for (int step = 0; step < 5; step++)
    {
      float l1 = dl_net_train_step (net, x, y, B, &h, NULL);
      float l2 = dl_net_train_step (plain, xs, y, B, &h, NULL);
      ck_assert_float_eq_tol (l1, l2, 1e-5f);
    }
  for (gsize k = 0; k < dl_net_n_params (net); k++)
    ck_assert_float_eq_tol (dl_net_params (net)[k], dl_net_params (plain)[k], 1e-5f);
}
END_TEST

/* A batch-normalised layer against float64: one training step normalises by the batch (the loss from
 * those outputs) and moves the running estimates by 0.1 towards the batch's mean and unbiased variance;
 * inference then uses the running estimates, γ and β. */
START_TEST (bn_matches_double)
{
  const int B = 16, U = 12;
  g_autoptr (DlNet) net = dl_test_make_net ("fc12-bn-relu,fc10,softmax", 3);
  g_autofree float *x = g_new (float, B * DL_TEST_IN);
  g_autofree guint8 *y = g_new (guint8, B);
  dl_test_make_batch (B, 21, x, y);
  float *p = dl_net_params (net);
  const gsize nw = (gsize) U * DL_TEST_IN, b_off = nw, g_off = nw + U, rm_off = nw + 2 * U, rv_off = nw + 3 * U;
  const gsize w2_off = nw + 4 * U;
  for (int j = 0; j < U; j++)
    p[b_off + j] = 0.1f * (j - 6), p[g_off + j] = 0.5f + 0.1f * j;
  g_autofree float *p0 = g_memdup2 (p, sizeof (float) * dl_net_n_params (net));

  /* The batch's statistics and the loss the step reports, in double. */
  double z[16][12], mu[12] = { 0 }, var[12] = { 0 }, loss = 0.0;
  for (int r = 0; r < B; r++)
    for (int j = 0; j < U; j++)
      {
        z[r][j] = 0.0;
        for (int k = 0; k < DL_TEST_IN; k++)
          z[r][j] += (double) p0[(gsize) j * DL_TEST_IN + k] * x[(gsize) r * DL_TEST_IN + k];
        mu[j] += z[r][j] / B;
      }
  for (int r = 0; r < B; r++)
    for (int j = 0; j < U; j++)
      var[j] += (z[r][j] - mu[j]) * (z[r][j] - mu[j]) / B;
  for (int r = 0; r < B; r++)
    {
      double h[12], o[10], m = -1e300, sum = 0.0;
      for (int j = 0; j < U; j++)
        h[j] = fmax (0.0, p0[g_off + j] * (z[r][j] - mu[j]) / sqrt (var[j] + 1e-5) + p0[b_off + j]);
      for (int c = 0; c < 10; c++)
        {
          o[c] = p0[w2_off + (gsize) 10 * U + c];
          for (int j = 0; j < U; j++)
            o[c] += (double) p0[w2_off + (gsize) c * U + j] * h[j];
          m = fmax (m, o[c]);
        }
      for (int c = 0; c < 10; c++)
        sum += exp (o[c] - m);
      loss += (m + log (sum) - o[y[r]]) / B;
    }
  DlHyper h = { .lr = 0.0f, .optimizer = DL_OPT_SGD, .reduce = DL_REDUCE_MEAN };
  float got = dl_net_train_step (net, x, y, B, &h, NULL);
  ck_assert_msg (fabs (got - loss) < 1e-5 * fmax (1.0, loss), "training loss %.8g, float64 %.8g", got, loss);
  for (int j = 0; j < U; j++)
    {
      double rm = 0.1 * mu[j], rv = 0.9 + 0.1 * var[j] * B / (B - 1);
      ck_assert_msg (fabs (p[rm_off + j] - rm) < 1e-5 * fmax (1.0, fabs (rm)), "running mean %d: %.8g, float64 %.8g",
                     j, p[rm_off + j], rm);
      ck_assert_msg (fabs (p[rv_off + j] - rv) < 1e-5 * fmax (1.0, rv), "running var %d: %.8g, float64 %.8g", j,
                     p[rv_off + j], rv);
    }

  /* Inference on one image: the running estimates. */
  float probs[10];
  dl_net_predict (net, x, 1, probs);
  double o[10], m = -1e300, sum = 0.0;
  for (int c = 0; c < 10; c++)
    o[c] = p[w2_off + (gsize) 10 * U + c];
  for (int j = 0; j < U; j++)
    {
      double hj = fmax (0.0, p[g_off + j] * (z[0][j] - p[rm_off + j]) / sqrt (p[rv_off + j] + 1e-5) + p[b_off + j]);
      for (int c = 0; c < 10; c++)
        o[c] += (double) p[w2_off + (gsize) c * U + j] * hj;
    }
  for (int c = 0; c < 10; c++)
    m = fmax (m, o[c]);
  for (int c = 0; c < 10; c++)
    sum += exp (o[c] - m);
  for (int c = 0; c < 10; c++)
    ck_assert_msg (fabs (probs[c] - exp (o[c] - m) / sum) < 1e-5, "probability %d: %.8g, float64 %.8g", c, probs[c],
                   exp (o[c] - m) / sum);
}
END_TEST

/* A batch-normalised conv layer against float64: one training step moves each channel's running mean and
 * variance by 0.1 towards the mean and unbiased variance of its values over the batch's images and
 * positions; inference then gives ReLU(γ · (z − running mean) / √(running var + ε) + β) per channel. */
START_TEST (conv_bn_matches_double)
{
  enum { B = 4, K = 3, KS = 5, HO = 24, N = HO * HO };
  g_autoptr (DlNet) net = dl_test_make_net ("conv3x5-bn-relu,fc10,softmax", 5);
  static float x[B * DL_TEST_IN];
  guint8 y[B];
  dl_test_make_batch (B, 31, x, y);
  float *p = dl_net_params (net);
  const gsize b_off = K * KS * KS, g_off = b_off + K, rm_off = g_off + K, rv_off = rm_off + K;
  for (int c = 0; c < K; c++)
    p[b_off + c] = 0.2f * (c - 1), p[g_off + c] = 0.7f + 0.3f * c;

  static double z[B][K][N];
  double mu[K] = { 0 }, var[K] = { 0 };
  for (int r = 0; r < B; r++)
    for (int c = 0; c < K; c++)
      for (int q = 0; q < N; q++)
        {
          double v = 0.0;
          for (int ky = 0; ky < KS; ky++)
            for (int kx = 0; kx < KS; kx++)
              v += (double) p[(c * KS + ky) * KS + kx] * x[r * DL_TEST_IN + (q / HO + ky) * 28 + q % HO + kx];
          z[r][c][q] = v;
          mu[c] += v / (B * N);
        }
  for (int r = 0; r < B; r++)
    for (int c = 0; c < K; c++)
      for (int q = 0; q < N; q++)
        var[c] += (z[r][c][q] - mu[c]) * (z[r][c][q] - mu[c]) / (B * N);

  DlHyper h = { .lr = 0.0f, .optimizer = DL_OPT_SGD, .reduce = DL_REDUCE_MEAN };
  dl_net_train_step (net, x, y, B, &h, NULL);
  for (int c = 0; c < K; c++)
    {
      double rm = 0.1 * mu[c], rv = 0.9 + 0.1 * var[c] * (B * N) / (B * N - 1);
      ck_assert_msg (fabs (p[rm_off + c] - rm) < 1e-5 * fmax (1.0, fabs (rm)), "running mean %d: %.8g, float64 %.8g",
                     c, p[rm_off + c], rm);
      ck_assert_msg (fabs (p[rv_off + c] - rv) < 1e-5 * fmax (1.0, rv), "running var %d: %.8g, float64 %.8g", c,
                     p[rv_off + c], rv);
    }

  g_autoptr (DlNetWork) work = dl_net_work_new (net, B);
  dl_net_forward (net, work, x, B, NULL);
  const float *out = dl_net_work_output (work, 0);
  for (int r = 0; r < B; r++)
    for (int c = 0; c < K; c++)
      for (int q = 0; q < N; q += 7)
        {
          double want = fmax (0.0, p[g_off + c] * (z[r][c][q] - p[rm_off + c]) / sqrt (p[rv_off + c] + 1e-5)
                                     + p[b_off + c]);
          ck_assert_msg (fabs (out[(r * K + c) * N + q] - want) < 1e-4 * fmax (1.0, want),
                         "image %d channel %d at %d: %.8g, float64 %.8g", r, c, q, out[(r * K + c) * N + q], want);
        }
}
END_TEST

/* Summing the batch gradient instead of averaging it multiplies it by the batch size, exactly. */
START_TEST (reduce_sum_is_batch_times_mean)
{
  const int B = 16;
  g_autoptr (DlNet) net = dl_test_make_net ("fc20-tanh,fc10-tanh,mse", 3);
  float x[16 * DL_TEST_IN];
  guint8 y[16];
  dl_test_make_batch (B, 5, x, y);
  gsize n = dl_net_n_params (net);
  float lm = dl_net_compute_grads (net, x, y, B, DL_REDUCE_MEAN);
  float *gm = g_memdup2 (dl_net_grads (net), sizeof (float) * n);
  float ls = dl_net_compute_grads (net, x, y, B, DL_REDUCE_SUM);
  const float *gs = dl_net_grads (net);
  ck_assert_float_eq (lm, ls);  /* the loss reported is the batch mean either way */
  double max_g = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      ck_assert_msg (fabsf (gs[i] - B * gm[i]) <= 1e-5f * fmaxf (1.0f, fabsf (gs[i])),
                     "param %zu: sum %.8g vs %d × mean %.8g", (size_t) i, gs[i], B, B * gm[i]);
      max_g = fmax (max_g, fabs (gm[i]));
    }
  ck_assert (max_g > 1e-4);
  g_free (gm);
}
END_TEST

/* ---- optimisers ---- */

typedef struct { double *v, *m, *s; gint64 t; } RefState;

/* The update of one parameter as PyTorch's torch.optim SGD(momentum, nesterov) and Adam perform it. */
static double
ref_update (const DlHyper *h, RefState *st, gsize i, double p, double g, gboolean decay)
{
  double gi = g + (decay ? h->weight_decay * p : 0.0);
  switch (h->optimizer)
    {
    case DL_OPT_SGD:
      return p - h->lr * gi;
    case DL_OPT_MOMENTUM:
      st->v[i] = h->momentum * st->v[i] + gi;
      return p - h->lr * st->v[i];
    case DL_OPT_NESTEROV:
      st->v[i] = h->momentum * st->v[i] + gi;
      return p - h->lr * (gi + h->momentum * st->v[i]);
    case DL_OPT_ADAM:
      {
        st->m[i] = h->beta1 * st->m[i] + (1 - h->beta1) * gi;
        st->s[i] = h->beta2 * st->s[i] + (1 - h->beta2) * gi * gi;
        double mhat = st->m[i] / (1 - pow (h->beta1, st->t));
        double shat = st->s[i] / (1 - pow (h->beta2, st->t));
        return p - h->lr * mhat / (sqrt (shat) + h->eps);
      }
    }
  return p;
}

/* Runs the given sequence of optimiser settings on a tiny net and compares every parameter after each
 * step with the reference formulas driven by the same gradient. `resets` says where the reference state
 * must restart, as a fresh PyTorch optimiser would on a switch. */
static void
run_optimizer_sequence (const DlHyper *steps, int n_steps)
{
  const int B = 4;
  g_autoptr (DlNet) net = dl_test_make_net ("fc3-tanh,fc10,softmax", 21);
  float x[4 * DL_TEST_IN];
  guint8 y[4];
  dl_test_make_batch (B, 8, x, y);
  gsize n = dl_net_n_params (net);
  Tensor tensors[4];
  list_tensors (dl_net_arch (net), tensors);
  RefState st = { g_new0 (double, n), g_new0 (double, n), g_new0 (double, n), 0 };
  DlOptimizer prev = (DlOptimizer) -1;
  double *expect = g_new (double, n);

  for (int k = 0; k < n_steps; k++)
    {
      const DlHyper *h = &steps[k];
      gboolean vel = h->optimizer == DL_OPT_MOMENTUM || h->optimizer == DL_OPT_NESTEROV;
      gboolean prev_vel = prev == DL_OPT_MOMENTUM || prev == DL_OPT_NESTEROV;
      if (vel && !prev_vel)
        memset (st.v, 0, sizeof (double) * n);
      if (h->optimizer == DL_OPT_ADAM && prev != DL_OPT_ADAM)
        {
          memset (st.m, 0, sizeof (double) * n);
          memset (st.s, 0, sizeof (double) * n);
          st.t = 0;
        }
      if (h->optimizer == DL_OPT_ADAM)
        st.t++;
      prev = h->optimizer;

      float *p = dl_net_params (net);
      dl_net_compute_grads (net, x, y, B, h->reduce);
      const float *g = dl_net_grads (net);
      for (gsize i = 0; i < n; i++)
        {
          gboolean decay = (i >= tensors[0].off && i < tensors[0].off + tensors[0].n) ||
                           (i >= tensors[2].off && i < tensors[2].off + tensors[2].n);
          expect[i] = ref_update (h, &st, i, p[i], g[i], decay);
        }
      dl_net_train_step (net, x, y, B, h, NULL);
      double moved = 0.0;
      for (gsize i = 0; i < n; i++)
        {
          ck_assert_msg (fabs (p[i] - expect[i]) <= 2e-6 * fmax (1.0, fabs (expect[i])),
                         "step %d (%s): param %zu is %.9g, expected %.9g", k + 1,
                         dl_optimizer_name (h->optimizer), (size_t) i, p[i], expect[i]);
          moved += fabs (g[i]);
        }
      ck_assert (moved > 0.0);
    }
  g_free (expect);
  g_free (st.v);
  g_free (st.m);
  g_free (st.s);
}

static DlHyper
hyper (DlOptimizer opt, float lr, float momentum, float wd)
{
  return (DlHyper) { .lr = lr, .momentum = momentum, .weight_decay = wd, .optimizer = opt,
                     .reduce = DL_REDUCE_MEAN, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
}

START_TEST (opt_sgd)
{
  DlHyper s[3] = { hyper (DL_OPT_SGD, 0.5f, 0, 0), hyper (DL_OPT_SGD, 0.5f, 0, 0), hyper (DL_OPT_SGD, 0.1f, 0, 0) };
  run_optimizer_sequence (s, 3);
}
END_TEST

START_TEST (opt_momentum)
{
  DlHyper s[3] = { hyper (DL_OPT_MOMENTUM, 0.3f, 0.9f, 0), hyper (DL_OPT_MOMENTUM, 0.3f, 0.9f, 0),
                   hyper (DL_OPT_MOMENTUM, 0.3f, 0.5f, 0) };
  run_optimizer_sequence (s, 3);
}
END_TEST

START_TEST (opt_nesterov)
{
  DlHyper s[3] = { hyper (DL_OPT_NESTEROV, 0.3f, 0.9f, 0), hyper (DL_OPT_NESTEROV, 0.3f, 0.9f, 0),
                   hyper (DL_OPT_NESTEROV, 0.3f, 0.9f, 0) };
  run_optimizer_sequence (s, 3);
}
END_TEST

START_TEST (opt_adam)
{
  DlHyper s[3] = { hyper (DL_OPT_ADAM, 0.01f, 0, 0), hyper (DL_OPT_ADAM, 0.01f, 0, 0),
                   hyper (DL_OPT_ADAM, 0.01f, 0, 0) };
  run_optimizer_sequence (s, 3);
}
END_TEST

START_TEST (opt_weight_decay)
{
  DlHyper s[3] = { hyper (DL_OPT_SGD, 0.2f, 0, 0.1f), hyper (DL_OPT_MOMENTUM, 0.2f, 0.9f, 0.05f),
                   hyper (DL_OPT_ADAM, 0.01f, 0, 0.1f) };
  run_optimizer_sequence (s, 3);
}
END_TEST

/* Switching between steps: momentum ↔ Nesterov keep the velocity, Adam starts fresh, and coming back to
 * momentum from Adam starts from zero velocity. */
START_TEST (opt_switching)
{
  DlHyper s[6] = { hyper (DL_OPT_MOMENTUM, 0.2f, 0.9f, 0), hyper (DL_OPT_NESTEROV, 0.2f, 0.9f, 0),
                   hyper (DL_OPT_ADAM, 0.01f, 0, 0), hyper (DL_OPT_ADAM, 0.01f, 0, 0),
                   hyper (DL_OPT_MOMENTUM, 0.2f, 0.9f, 0), hyper (DL_OPT_SGD, 0.2f, 0, 0) };
  run_optimizer_sequence (s, 6);
}
END_TEST

/* ---- seeding, copies, predictions ---- */

START_TEST (same_seed_same_net)
{
  g_autoptr (DlNet) a = dl_test_make_net ("fc32-relu,dropout0.3,fc10,softmax", 42);
  g_autoptr (DlNet) b = dl_test_make_net ("fc32-relu,dropout0.3,fc10,softmax", 42);
  g_autoptr (DlNet) c = dl_test_make_net ("fc32-relu,dropout0.3,fc10,softmax", 43);
  gsize n = dl_net_n_params (a);
  ck_assert_int_eq (memcmp (dl_net_params (a), dl_net_params (b), n * sizeof (float)), 0);
  ck_assert_int_ne (memcmp (dl_net_params (a), dl_net_params (c), n * sizeof (float)), 0);

  /* Training the two same-seed nets on the same batches, dropout included, stays bit-identical. */
  float x[32 * DL_TEST_IN];
  guint8 y[32];
  DlHyper h = hyper (DL_OPT_ADAM, 0.001f, 0, 0);
  for (int step = 0; step < 3; step++)
    {
      dl_test_make_batch (32, 100 + step, x, y);
      float la = dl_net_train_step (a, x, y, 32, &h, NULL);
      float lb = dl_net_train_step (b, x, y, 32, &h, NULL);
      ck_assert (memcmp (&la, &lb, sizeof la) == 0);
    }
  ck_assert_int_eq (memcmp (dl_net_params (a), dl_net_params (b), n * sizeof (float)), 0);
}
END_TEST

START_TEST (init_scale)
{
  /* He for ReLU: weight variance 2/fan_in; Xavier for tanh: variance 2/(fan_in + fan_out). */
  g_autoptr (DlNet) net = dl_test_make_net ("fc500-relu,fc300-tanh,fc10,softmax", 1);
  const float *p = dl_net_params (net);
  double s1 = 0, s2 = 0;
  for (gsize i = 0; i < 500 * DL_TEST_IN; i++)
    s1 += (double) p[i] * p[i];
  for (gsize i = 0; i < 500; i++)
    ck_assert_float_eq (p[500 * DL_TEST_IN + i], 0.0f);
  const float *w2 = p + 500 * DL_TEST_IN + 500;
  for (gsize i = 0; i < 300 * 500; i++)
    s2 += (double) w2[i] * w2[i];
  ck_assert_double_eq_tol (s1 / (500 * DL_TEST_IN), 2.0 / DL_TEST_IN, 0.02 * 2.0 / DL_TEST_IN);
  ck_assert_double_eq_tol (s2 / (300 * 500), 2.0 / 800, 0.02 * 2.0 / 800);
}
END_TEST

START_TEST (copy_predicts_the_same)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc16-sigmoid,dropout0.5,fc10,softmax", 5);
  float x[20 * DL_TEST_IN];
  guint8 y[20];
  dl_test_make_batch (20, 3, x, y);
  DlHyper h = hyper (DL_OPT_MOMENTUM, 0.1f, 0.9f, 0);
  dl_net_train_step (net, x, y, 20, &h, NULL);
  g_autoptr (DlNet) copy = dl_net_copy (net);
  float pa[200], pb[200];
  dl_net_predict (net, x, 20, pa);
  dl_net_predict (copy, x, 20, pb);
  ck_assert_int_eq (memcmp (pa, pb, sizeof pa), 0);
  for (int r = 0; r < 20; r++)
    {
      double sum = 0;
      for (int j = 0; j < 10; j++)
        {
          ck_assert (pa[r * 10 + j] > 0.0f && pa[r * 10 + j] < 1.0f);
          sum += pa[r * 10 + j];
        }
      ck_assert_double_eq_tol (sum, 1.0, 1e-5);
    }
  /* Inference ignores dropout: the same input twice gives the same answer, and the loss agrees. */
  dl_net_predict (net, x, 20, pb);
  ck_assert_int_eq (memcmp (pa, pb, sizeof pa), 0);
  double ce = 0;
  for (int r = 0; r < 20; r++)
    ce -= log (pa[r * 10 + y[r]]);
  ck_assert_double_eq_tol (dl_net_loss (net, x, y, 20), ce / 20, 1e-4);
}
END_TEST

/* The outputs of a one-layer "fc10-tanh" net computed here in double: tanh (W x + b), W 10 × 784 then b. */
static void
forward_outputs (DlNet *net, const float *x, int B, float *out)
{
  const float *w = dl_net_params (net), *b = w + 10 * DL_TEST_IN;
  for (int r = 0; r < B; r++)
    for (int j = 0; j < 10; j++)
      {
        double z = b[j];
        for (int i = 0; i < DL_TEST_IN; i++)
          z += (double) w[j * DL_TEST_IN + i] * x[r * DL_TEST_IN + i];
        out[r * 10 + j] = (float) tanh (z);
      }
}

START_TEST (mse_predictions_map_tanh)
{
  /* For a tanh/MSE net the probabilities are (o + 1)/2 normalised: their argmax is the output's. */
  g_autoptr (DlNet) net = dl_test_make_net ("fc10-tanh,mse", 9);
  float x[4 * DL_TEST_IN], probs[40];
  guint8 y[4];
  dl_test_make_batch (4, 4, x, y);
  dl_net_predict (net, x, 4, probs);
  for (int r = 0; r < 4; r++)
    {
      double sum = 0;
      for (int j = 0; j < 10; j++)
        sum += probs[r * 10 + j];
      ck_assert_double_eq_tol (sum, 1.0, 1e-5);
    }
  /* Each row's probabilities are its outputs o mapped to (o + 1) / 2 and normalised: the same order as
   * the outputs (so the same argmax), and proportional to (o + 1) / 2. */
  float out[40];
  forward_outputs (net, x, 4, out);
  for (int r = 0; r < 4; r++)
    {
      const float *o = out + r * 10, *p = probs + r * 10;
      int best_o = 0, best_p = 0;
      double mapped = 0;
      for (int j = 0; j < 10; j++)
        {
          best_o = o[j] > o[best_o] ? j : best_o;
          best_p = p[j] > p[best_p] ? j : best_p;
          mapped += (o[j] + 1) / 2;
        }
      ck_assert_int_eq (best_p, best_o);
      for (int j = 0; j < 10; j++)
        ck_assert_double_eq_tol (p[j], (o[j] + 1) / 2 / mapped, 1e-5);
    }
  /* The reported MSE loss sums the 10 outputs' squared errors against ±1 targets: below 10 × 4; an
   * untrained net's outputs sit near 0, about 1 from every target, so near 10. */
  float loss = dl_net_loss (net, x, y, 4);
  ck_assert (loss > 5.0f && loss < 40.0f);
}
END_TEST

/* dl_net_set_params copies every parameter and resets the optimiser: the next step from the copied
 * parameters equals a fresh net's step from the same parameters (momentum starts from zero again). */
START_TEST (set_params_copies_and_resets)
{
  g_autoptr (DlNet) src = dl_test_make_net ("fc16-relu,fc10,softmax", 3);
  g_autoptr (DlNet) net = dl_test_make_net ("fc16-relu,fc10,softmax", 4);
  g_autoptr (DlNet) fresh = dl_test_make_net ("fc16-relu,fc10,softmax", 4);
  DlHyper h = { .lr = 0.1f, .momentum = 0.9f, .optimizer = DL_OPT_MOMENTUM, .reduce = DL_REDUCE_MEAN };
  float x[8 * DL_TEST_IN];
  guint8 y[8];
  gsize n = dl_net_n_params (net);

  dl_test_make_batch (8, 5, x, y);
  /* Momentum built up on net; src trained away from its start. */
  for (int i = 0; i < 3; i++)
    dl_net_train_step (net, x, y, 8, &h, NULL), dl_net_train_step (src, x, y, 8, &h, NULL);
  ck_assert (memcmp (dl_net_params (net), dl_net_params (src), 4 * n) != 0);
  dl_net_set_params (net, dl_net_params (src));
  ck_assert_int_eq (memcmp (dl_net_params (net), dl_net_params (src), 4 * n), 0);
  dl_net_set_params (fresh, dl_net_params (src));
  float a = dl_net_train_step (net, x, y, 8, &h, NULL);
  float b = dl_net_train_step (fresh, x, y, 8, &h, NULL);
  ck_assert_float_eq (a, b);
  ck_assert_int_eq (memcmp (dl_net_params (net), dl_net_params (fresh), 4 * n), 0);
}
END_TEST

START_TEST (health_reports_saturation)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc30-tanh,fc10-tanh,mse", 2);
  float x[50 * DL_TEST_IN];
  guint8 y[50];
  dl_test_make_batch (50, 6, x, y);
  DlHyper h = hyper (DL_OPT_SGD, 0.1f, 0, 0);
  dl_net_train_step (net, x, y, 50, &h, NULL);
  DlHealth a;
  dl_net_health (net, &a);
  ck_assert_int_eq (a.n_layers, 2);
  ck_assert (a.weight_norm[0] > 0 && a.grad_norm[0] > 0);
  float sat_before = a.saturated[0];

  /* Blow the first layer's weights up ×50: nearly every hidden tanh now sits at ±1. */
  float *p = dl_net_params (net);
  for (int i = 0; i < 30 * DL_TEST_IN; i++)
    p[i] *= 50.0f;
  dl_net_train_step (net, x, y, 50, &h, NULL);
  /* Inference on blank images in between must not change what the last training batch reported. */
  float *blank = g_new0 (float, 50 * DL_TEST_IN), probs[500];
  dl_net_predict (net, blank, 50, probs);
  g_free (blank);
  DlHealth b;
  dl_net_health (net, &b);
  ck_assert (b.saturated[0] > 0.9f);
  ck_assert (b.saturated[0] > sat_before);
  ck_assert (b.weight_norm[0] > 40 * a.weight_norm[0]);
}
END_TEST

/* A conv unit is a filter: alive if it fires anywhere. Positions over a blank border are zero for
 * every image yet say nothing about the filter. */
START_TEST (health_counts_dead_conv_filters)
{
  g_autoptr (DlNet) net = dl_test_make_net ("conv4x3-relu,pool2,fc10,softmax", 2);
  float *p = dl_net_params (net);
  float x[8 * DL_TEST_IN] = { 0 };
  guint8 y[8] = { 0 };
  DlHealth hl;
  DlHyper h = hyper (DL_OPT_SGD, 0.0f, 0, 0);

  /* Weights 4 × 1 × 3 × 3 all +1; biases: filter 0 at −1000 (never fires), the others 0. */
  for (int i = 0; i < 36; i++)
    p[i] = 1.0f;
  for (int f = 0; f < 4; f++)
    p[36 + f] = f == 0 ? -1000.0f : 0.0f;
  /* Ink only in a 6 × 6 square in the middle: most positions see nothing but black. */
  for (int r = 0; r < 8; r++)
    for (int i = 11; i < 17; i++)
      for (int j = 11; j < 17; j++)
        x[r * DL_TEST_IN + i * 28 + j] = 1.0f;
  dl_net_train_step (net, x, y, 8, &h, NULL);
  dl_net_health (net, &hl);
  ck_assert_float_eq (hl.dead[0], 0.25f);
}
END_TEST

START_TEST (health_reports_dead_relus)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc40-relu,fc10,softmax", 2);
  float *p = dl_net_params (net);
  /* Biases of units 0..19 at −1000: those units can never fire; units 20..39 at +1000 always do. */
  for (int i = 0; i < 40; i++)
    p[40 * DL_TEST_IN + i] = i < 20 ? -1000.0f : 1000.0f;
  float x[8 * DL_TEST_IN];
  guint8 y[8];
  dl_test_make_batch (8, 1, x, y);
  DlHyper h = hyper (DL_OPT_SGD, 0.0f, 0, 0);
  dl_net_train_step (net, x, y, 8, &h, NULL);
  DlHealth hl;
  dl_net_health (net, &hl);
  ck_assert_float_eq (hl.dead[0], 0.5f);
  ck_assert_float_eq (hl.dead[1], 0.0f);  /* no activation, nothing to report */
}
END_TEST

START_TEST (flops_counted)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc256-relu,fc128-relu,fc10,softmax", 1);
  /* Forward, weight and input gradients; no input gradient for the first layer. */
  ck_assert_double_eq (dl_net_train_flops (net), 2.0 * (2 * 784 * 256 + 3 * (256 * 128 + 128 * 10)));
  ck_assert_uint_eq (dl_net_n_params (net), 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
  /* std adds no weights, and the dense layer after it, the lowest with weights, needs no input gradient. */
  g_autoptr (DlNet) std = dl_test_make_net ("std,fc256-relu,fc128-relu,fc10,softmax", 1);
  ck_assert_double_eq (dl_net_train_flops (std), dl_net_train_flops (net));
  ck_assert_uint_eq (dl_net_n_params (std), dl_net_n_params (net));
}
END_TEST

START_TEST (training_reduces_loss)
{
  /* A fixed batch of 64 is memorised within a few dozen steps by every optimiser. */
  const DlOptimizer opts[] = { DL_OPT_SGD, DL_OPT_MOMENTUM, DL_OPT_NESTEROV, DL_OPT_ADAM };
  float x[64 * DL_TEST_IN];
  guint8 y[64];
  dl_test_make_batch (64, 77, x, y);
  for (unsigned k = 0; k < G_N_ELEMENTS (opts); k++)
    {
      g_autoptr (DlNet) net = dl_test_make_net ("fc64-relu,fc10,softmax", 3);
      DlHyper h = hyper (opts[k], opts[k] == DL_OPT_ADAM ? 0.003f : 0.05f, 0.9f, 0);
      float first = dl_net_loss (net, x, y, 64);
      int correct = 0;
      for (int step = 0; step < 60; step++)
        dl_net_train_step (net, x, y, 64, &h, &correct);
      float last = dl_net_loss (net, x, y, 64);
      ck_assert_msg (last < 0.2f * first, "%s: loss %.4f → %.4f", dl_optimizer_name (opts[k]), first, last);
      ck_assert_int_ge (correct, 60);
    }
}
END_TEST

static Suite *
net_suite (void)
{
  Suite *s = suite_create ("net");
  TCase *g = tcase_create ("gradients");
  tcase_add_test (g, grad_dense_relu);
  tcase_add_test (g, grad_dense_tanh);
  tcase_add_test (g, grad_dense_sigmoid);
  tcase_add_test (g, grad_dense_none);
  tcase_add_test (g, grad_deep);
  tcase_add_test (g, grad_mse_tanh);
  tcase_add_test (g, grad_mse_sigmoid);
  tcase_add_test (g, grad_mse_none);
  tcase_add_test (g, grad_dropout);
  tcase_add_test (g, grad_cnn);
  tcase_add_test (g, grad_cnn_mse);
  tcase_add_test (g, grad_lenet);
  tcase_add_test (g, grad_single_example);
  tcase_add_test (g, grad_std);
  tcase_add_test (g, grad_bn);
  tcase_add_test (g, grad_bn_deep);
  tcase_add_test (g, grad_bn_mse);
  tcase_add_test (g, bn_matches_double);
  tcase_add_test (g, grad_conv_bn);
  tcase_add_test (g, grad_conv_bn_mse);
  tcase_add_test (g, conv_bn_matches_double);
  tcase_add_test (g, grad_std_cnn);
  tcase_add_test (g, std_matches_double);
  tcase_add_test (g, reduce_sum_is_batch_times_mean);
  suite_add_tcase (s, g);

  TCase *o = tcase_create ("optimisers");
  tcase_add_test (o, opt_sgd);
  tcase_add_test (o, opt_momentum);
  tcase_add_test (o, opt_nesterov);
  tcase_add_test (o, opt_adam);
  tcase_add_test (o, opt_weight_decay);
  tcase_add_test (o, opt_switching);
  tcase_add_test (o, training_reduces_loss);
  suite_add_tcase (s, o);

  TCase *m = tcase_create ("net");
  tcase_add_test (m, same_seed_same_net);
  tcase_add_test (m, init_scale);
  tcase_add_test (m, copy_predicts_the_same);
  tcase_add_test (m, set_params_copies_and_resets);
  tcase_add_test (m, mse_predictions_map_tanh);
  tcase_add_test (m, health_reports_saturation);
  tcase_add_test (m, health_reports_dead_relus);
  tcase_add_test (m, health_counts_dead_conv_filters);
  tcase_add_test (m, flops_counted);
  suite_add_tcase (s, m);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (net_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
