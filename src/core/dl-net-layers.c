/* dl-net-layers.c — the activations and each layer's kernels: dense (through CBLAS sgemm), batch-normalised
 * dense, convolution, dropout, standardisation; forward and backward, and the share of a layer's gradient
 * each part of the team takes. */
#include "dl-net-private.h"
#include "dl-bn.h"

#include <math.h>

/* ---- activations ---- */

/* tanh as a rational function (Eigen's 13/6-degree fit), within 4e-7 of the exact value (libm's tanhf:
 * 1e-7) and, unlike a libm call, vectorised by the compiler: libm's tanhf took a quarter of the seed
 * preset's training step. NaN stays NaN. */
static inline float
fast_tanhf (float x)
{
  const float c = 7.90531110763549805f;  /* beyond it tanh rounds to ±1 within the fit's error */
  float xc = x < -c ? -c : (x > c ? c : x);
  float x2 = xc * xc;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return fabsf (x) < 0.0004f ? x : xc * p / q;
}

/* y = act(y + b), row by row: the bias add and the activation in one pass. y: B rows of n, `ld` apart;
 * b: n. */
VECTOR_CLONES static void
bias_act_forward (float *restrict y, const float *restrict b, int B, int n, int ld, DlAct act)
{
  for (int r = 0; r < B; r++)
    {
      float *row = y + (gsize) r * ld;
      switch (act)
        {
        case DL_ACT_NONE:
          for (int j = 0; j < n; j++)
            row[j] += b[j];
          break;
        case DL_ACT_RELU:
          for (int j = 0; j < n; j++)
            {
              float v = row[j] + b[j];
              row[j] = v < 0.0f ? 0.0f : v;  /* not fmaxf: a libm call at -O2, and NaN must stay NaN */
            }
          break;
        case DL_ACT_TANH:
          for (int j = 0; j < n; j++)
            row[j] = fast_tanhf (row[j] + b[j]);
          break;
        case DL_ACT_SIGMOID:
          for (int j = 0; j < n; j++)
            row[j] = 1.0f / (1.0f + expf (-(row[j] + b[j])));
          break;
        }
    }
}

/* y = act(y) in place, y: n values (conv output, bias already added). */
static void
act_forward (float *y, gsize n, DlAct act)
{
  switch (act)
    {
    case DL_ACT_NONE:
      break;
    case DL_ACT_RELU:
      for (gsize i = 0; i < n; i++)
        y[i] = y[i] < 0.0f ? 0.0f : y[i];
      break;
    case DL_ACT_TANH:
      for (gsize i = 0; i < n; i++)
        y[i] = fast_tanhf (y[i]);
      break;
    case DL_ACT_SIGMOID:
      for (gsize i = 0; i < n; i++)
        y[i] = 1.0f / (1.0f + expf (-y[i]));
      break;
    }
}

/* dy ← dy · act'(z), the derivative written through the activation's output y. Both n values. */
VECTOR_CLONES void
_dl_net_act_backward (float *restrict dy, const float *restrict y, gsize n, DlAct act)
{
  switch (act)
    {
    case DL_ACT_NONE:
      break;
    case DL_ACT_RELU:
      for (gsize i = 0; i < n; i++)
        dy[i] = y[i] > 0.0f ? dy[i] : 0.0f;
      break;
    case DL_ACT_TANH:
      for (gsize i = 0; i < n; i++)
        dy[i] *= 1.0f - y[i] * y[i];
      break;
    case DL_ACT_SIGMOID:
      for (gsize i = 0; i < n; i++)
        dy[i] *= y[i] * (1.0f - y[i]);
      break;
    }
}

/* ---- layers ---- */

/* x: B × in, w: out × in → y: B × out = x · wᵀ, output units [j0, j1) only. */
static void
dense_product (const DlBlasKernel *blas, float *y, const float *x, const float *w, int B, int in, int out, int j0,
               int j1)
{
  /* One image (the Draw page, inference latency): a matrix-vector product, which OpenBLAS's sgemm
   * does not switch to by itself (mlp: 85 µs per image through sgemm, 15 through sgemv). */
  if (B == 1)
    blas->sgemv (CblasRowMajor, CblasNoTrans, j1 - j0, in, 1.0f, w + (gsize) j0 * in, in, x, 1, 0.0f, y + j0, 1);
  else
    blas->sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, B, j1 - j0, in, 1.0f, x, in, w + (gsize) j0 * in, in, 0.0f,
                 y + j0, out);
}

/* x: B × in, w: out × in, b: out → y: B × out = act(x · wᵀ + b), output units [j0, j1) only. */
void
_dl_net_dense_forward (const DlBlasKernel *blas, float *y, const float *x, const float *w, const float *b, int B, int in,
               int out, int j0, int j1, DlAct act)
{
  if (B == 0 || j1 == j0)
    return;
  dense_product (blas, y, x, w, B, in, out, j0, j1);
  bias_act_forward (y + j0, b + j0, B, j1 - j0, out, act);
}

/* A batch-normalised layer i, rows [r0, r0 + n) × units [j0, j1) of its output y (B × out): the product
 * (x · wᵀ, or the convolution without its bias), normalised per unit (dl-bn.h: a dense layer's outputs, a
 * conv layer's channels), + β, the activation — a conv layer's left to the pool after it when `fused`.
 * Training normalises by the whole batch: with the rows split over the team (all units, by_units FALSE)
 * the parts meet twice — once their sums are in, and once each has turned its share of the units' sums
 * into the batch's statistics (and moved the running estimates); with the units split (all rows, dense
 * only) a part's units are its own. Inference uses the running estimates. */
void
_dl_net_bn_forward (const DlNet *net, Acts *a, DlTeam *team, int part, int i, float *y, const float *x, int B, int r0,
                    int n, int j0, int j1, gboolean training, gboolean by_units, gboolean fused)
{
  const Layer *l = &net->layers[i];
  const float *w = net->params + l->w_off, *gamma = net->params + l->g_off, *beta = net->params + l->b_off;
  float *run_mean = net->params + l->rm_off, *run_var = net->params + l->rv_off;
  int out = l->out_size, hw = _dl_net_bn_hw (l), n_parts = by_units ? 1 : dl_team_size (team);
  float *yr = y + (gsize) r0 * out;
  gboolean conv = l->kind == DL_LAYER_CONV;

  if (n > 0 && j1 > j0 && conv)
    {
      DlConvPlan plan = _dl_net_conv_plan (net, a, i, r0);
      dl_conv_forward (&plan, x + (gsize) r0 * l->in_size, w, NULL, yr, n, l->in_c, l->in_h, l->in_w, l->out_c, l->k,
                       l->pad, a->conv_scratch + part * a->conv_scratch_n);
    }
  else if (n > 0 && j1 > j0)
    dense_product (net->config.blas, yr, x + (gsize) r0 * l->in_size, w, n, l->in_size, out, j0, j1);
  if (training)
    {
      double *sums = a->bn_sums[i];
      dl_bn_sums (yr, n, out, hw, j0, j1, sums + (by_units ? 0 : part * a->bn_stride));
      int u0 = j0, u1 = j1;
      if (!by_units)
        {
          dl_team_barrier (team);
          dl_team_share (part, n_parts, (int) l->n_b, LINE_FLOATS, &u0, &u1);
        }
      dl_bn_stats (sums, n_parts, a->bn_stride, B * hw, u0, u1, a->bn_mean[i], a->bn_istd[i], run_mean, run_var);
      if (!by_units)
        dl_team_barrier (team);
      dl_bn_forward (yr, n, out, hw, j0, j1, a->bn_mean[i], a->bn_istd[i], gamma, conv ? beta : NULL,
                     a->xhat[i] + (gsize) r0 * out);
    }
  else
    dl_bn_infer (yr, n, out, hw, j0, j1, run_mean, run_var, gamma, conv ? beta : NULL);
  if (n == 0 || j1 == j0)
    return;
  if (!conv)
    bias_act_forward (yr + j0, beta + j0, n, j1 - j0, out, l->act);
  else if (!fused)
    act_forward (yr, (gsize) n * out, l->act);
}

/* Whether the team splits a dense layer's forward pass by output units (every part computes all rows of
 * its units) rather than by rows: when the layer has more units than the batch has rows, the weights are
 * the bigger operand, and split by rows every part would pack all of them for its sgemm (the mlp preset on
 * 2 threads, best 50-step window: 115k samples/s split by rows, 120k by units). */
gboolean
_dl_net_forward_by_units (DlSplit split, const Layer *l, int B, int n_parts)
{
  return split == DL_SPLIT_UNITS && n_parts > 1 && l->kind == DL_LAYER_DENSE && l->n_w >= SPLIT_MIN_WEIGHTS && l->out_size > B;
}

void
_dl_net_weight_share (DlSplit split, const Layer *l, int B, int part, int n_parts, Share *s)
{
  gboolean dense = l->kind == DL_LAYER_DENSE;

  s->rows = dense ? l->out_size : 1;
  s->cols = dense ? l->in_size : (int) l->n_w;
  s->r0 = 0, s->r1 = s->rows, s->c0 = 0, s->c1 = s->cols;
  s->b0 = 0, s->b1 = (int) l->n_b;
  if (_dl_net_forward_by_units (split, l, B, n_parts))
    {
      dl_team_share (part, n_parts, s->rows, LINE_FLOATS, &s->r0, &s->r1);
      s->b0 = s->r0, s->b1 = s->r1;
      return;
    }
  if (part > 0)
    s->b0 = s->b1 = 0;
  if (n_parts == 1 || l->n_w < SPLIT_MIN_WEIGHTS)
    {
      if (part > 0)
        s->r1 = s->r0;
    }
  else
    dl_team_share (part, n_parts, s->cols, LINE_FLOATS, &s->c0, &s->c1);
}

/* dz: the output gradient of every row of the batch, each part's rows at its own place in the gradient
 * buffer (row_base); x: B × in → the part's block of dw: out × in = dzᵀ · x, and its biases' db = Σ_batch
 * dz. One sgemm per part's block of rows, the later ones accumulating. */
void
_dl_net_dense_weight_grads (const DlNet *net, const Layer *l, float *dw, float *db, const float *dz, const float *x, int B,
                    int part, int n_parts)
{
  Share s;
  int out = l->out_size, in = l->in_size, blocks = n_parts;

  _dl_net_weight_share (net->config.split, l, B, part, n_parts, &s);
  /* A batch-normalised layer's β has its gradient from dl_bn_grad_sums: Σ dz is 0 there. */
  if (l->bn)
    s.b0 = s.b1 = 0;
  for (int j = s.b0; j < s.b1; j++)
    db[j] = 0.0f;
  /* The widest layer's rows of all parts follow each other: one sgemm. */
  if (out == net->grad_size)
    blocks = 1;
  for (int q = 0, first = 1; q < blocks; q++)
    {
      int q0, q1;
      dl_team_share (q, blocks, B, 1, &q0, &q1);
      const float *dzq = dz + row_base (net, q0);
      if (q1 == q0)
        continue;
      if (s.r1 > s.r0 && s.c1 > s.c0)
        net->config.blas->sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, s.r1 - s.r0, s.c1 - s.c0, q1 - q0, 1.0f, dzq + s.r0,
                     out, x + (gsize) q0 * in + s.c0, in, first ? 0.0f : 1.0f, dw + (gsize) s.r0 * in + s.c0, in);
      first = 0;
      for (int r = 0; r < q1 - q0; r++)
        for (int j = s.b0; j < s.b1; j++)
          db[j] += dzq[(gsize) r * out + j];
    }
}

/* How layer i's convolution runs for rows from r0 on, from the net's configuration (and the columns `a`
 * keeps for it, if any). */
DlConvPlan
_dl_net_conv_plan (const DlNet *net, const Acts *a, int i, int r0)
{
  const Layer *l = &net->layers[i];
  float *cols = a->kept[i] ? a->kept[i] + dl_conv_kept_floats (r0, l->in_c, l->in_h, l->in_w, l->k, l->pad) : NULL;
  return (DlConvPlan) { .algo = net->config.conv[i], .blas = net->config.blas, .cols = cols };
}

/* Layer i, a conv layer. x: B × C × H × W, w: K × C × k × k, b: K → y: B × K × Ho × Wo =
 * act(conv(x, w) + b), stride 1, zero padding `pad` (dl-conv adds the bias); the activation left to the
 * pool after it when `fused` (relu_by_pool). */
void
_dl_net_conv_forward (const DlNet *net, int i, const DlConvPlan *plan, float *y, const float *x, const float *w,
              const float *b, int B, float *scratch, gboolean fused)
{
  const Layer *l = &net->layers[i];

  dl_conv_forward (plan, x, w, b, y, B, l->in_c, l->in_h, l->in_w, l->out_c, l->k, l->pad, scratch);
  if (!fused)
    act_forward (y, (gsize) B * l->out_size, l->act);
}

/* Layer i. dy: B × K × Ho × Wo (overwritten with dy · act', unless the pool after it or the caller did
 * that: `fused`), y: the forward output, x: B × C × H × W → dw: K × C × k × k, db: K (summed over the
 * batch; both skipped when dw is NULL, db alone when it is NULL), dx: B × C × H × W (skipped when NULL). */
void
_dl_net_conv_backward (const DlNet *net, int i, const DlConvPlan *plan, float *dx, float *dw, float *db, float *dy,
               const float *y, const float *x, const float *w, int B, float *scratch, gboolean fused)
{
  const Layer *l = &net->layers[i];

  if (!fused)
    _dl_net_act_backward (dy, y, (gsize) B * l->out_size, l->act);
  dl_conv_backward (plan, x, w, dy, dx, dw, db, B, l->in_c, l->in_h, l->in_w, l->out_c, l->k, l->pad, scratch);
}

/* A fresh dropout mask of n values: 0 with probability p, else 1/(1 − p) (inverted dropout, so inference
 * needs no rescaling). Drawn for the whole batch before the team splits it, so that the random stream
 * does not depend on the number of threads. */
void
_dl_net_dropout_draw (float *mask, gsize n, float p, DlRng *rng)
{
  float keep = 1.0f / (1.0f - p);
  /* 24 random bits per unit are plenty for a drop decision and twice as cheap as a double. */
  guint32 threshold = (guint32) (p * 16777216.0f);
  for (gsize i = 0; i < n; i++)
    {
      guint32 u = (guint32) (dl_rng_next (rng) >> 40);
      mask[i] = u < threshold ? 0.0f : keep;
    }
}

/* y = x · mask: forward (x the input), and backward (x the output gradient). n values. */
void
_dl_net_dropout_apply (float *restrict y, const float *restrict x, const float *restrict mask, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = x[i] * mask[i];
}

/* A std layer, forward: y = (x − mean) / deviation, n values. Backward (x the output gradient, y the
 * input's): the same scale without the shift, scale_only. */
VECTOR_CLONES void
_dl_net_std_apply (float *restrict y, const float *restrict x, gsize n, gboolean scale_only)
{
  const float shift = scale_only ? 0.0f : DL_STD_MEAN, scale = 1.0f / DL_STD_DEV;
  for (gsize i = 0; i < n; i++)
    y[i] = (x[i] - shift) * scale;
}
