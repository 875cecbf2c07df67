/* dl-net.c — the network: layers over one flat parameter buffer, mini-batch forward and backward
 * through CBLAS sgemm, the losses and the optimisers.
 *
 * Memory, in the style of llm.c: parameters, gradients and optimiser state are each ONE allocation
 * carved into per-layer tensors; activations, masks and scratch are one allocation sized for the
 * largest batch seen, so a training step never allocates.
 */
#include "config.h"

#include "dl-net-private.h"
#include "dl-blas.h"
#include "dl-bn.h"
#include "dl-conv.h"
#include "dl-fp.h"
#include "dl-rng.h"
#include "dl-team.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#define N_OUT 10  /* one output per digit */
/* The element-wise loops memory and the activation math bound: AVX-512 and AVX2 copies beside the
 * baseline SSE2 one, the widest the CPU runs picked when the program loads. The AVX-512 copy: mlp's step
 * on one thread 156k → 160k samples/s (4 pairs, `digitlab-cli bench --preset mlp --threads 1`, AMD EPYC
 * family 26 model 2, Zen 5), the optimiser update streaming from L2 in half the loads. Not under the
 * sanitizers: the picking runs (instrumented) before their runtime starts, and crashes. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif
/* Below these, work is not worth splitting over the team: a batch under 8 rows per part runs on the
 * calling thread, and a layer under 8192 weights has its gradient and update done by part 0. */
#define MIN_ROWS_PER_PART 8
#define LINE_FLOATS 16  /* a 64-byte cache line */
#define SPLIT_MIN_WEIGHTS 8192

typedef struct {
  DlLayerKind kind;
  DlAct       act;
  int         in_c, in_h, in_w, in_size;     /* per example */
  int         out_c, out_h, out_w, out_size; /* per example */
  int         k, pad;                        /* conv */
  gboolean    relu_by_pool;                  /* conv with ReLU before a pool, or that pool: the net's own passes
                                              * apply the ReLU to the pooled values (dl_maxpool_relu_forward) */
  float       drop;                          /* dropout */
  gboolean    bn;                            /* dense, batch-normalised (dl-bn.h): b is β */
  gsize       w_off, n_w, b_off, n_b;        /* into params / grads / optimiser state */
  gsize       g_off, rm_off, rv_off;         /* bn: γ, then the running mean and variance (never trained) */
} Layer;

/* The buffers of passes over up to `capacity` examples, in one allocation (and one for the pool
 * winners): every layer's output, the dropout masks (training only), the ping-pong gradient buffers,
 * the probabilities and the conv scratch of each part of a team. The net has one for its own training
 * and predictions; a DlNetWork is one that a caller owns, so that any number of threads can run
 * inference on one net at once. Parameters live in the net, read only by a pass that is not training. */
typedef struct {
  int      capacity;
  float   *buf;
  int     *argmax_buf;
  float   *out[DL_MAX_LAYERS];     /* layer i: batch × out_size, after the activation */
  float   *mask[DL_MAX_LAYERS];    /* dropout: batch × out_size, 0 or 1/(1 − p) */
  int     *argmax[DL_MAX_LAYERS];  /* maxpool: batch × out_size */
  float   *dbuf[2];                /* ping-pong gradients, capacity × max_size */
  float   *probs;                  /* capacity × 10 */
  float   *unit_max;               /* max_size: per-unit maximum over a batch (dead ReLUs) */
  float   *conv_scratch;           /* conv_scratch_n floats per part */
  gsize    conv_scratch_n;
  float   *kept_buf;
  float   *kept[DL_MAX_LAYERS];    /* conv layers on DL_CONV_IM2COL_KEPT (training only): their columns */
  /* Batch-normalised layers, training only: x̂ (batch × out_size), the batch's mean and 1/√(σ² + ε)
   * (out_size each), and each part's sums (dl_bn_sums, dl_bn_grad_sums), bn_stride doubles apart. */
  float   *xhat[DL_MAX_LAYERS], *bn_mean[DL_MAX_LAYERS], *bn_istd[DL_MAX_LAYERS];
  double  *bn_sums_buf;
  double  *bn_sums[DL_MAX_LAYERS];
  gsize    bn_stride;
} Acts;

struct _DlNetWork {
  gsize n_params;  /* of the net it was made for: a work fits only nets of that architecture */
  int   n_layers;
  Acts  acts;
};

struct _DlNet {
  DlArch   arch;
  guint64  seed;
  DlRng    rng;
  int      n_layers;
  Layer    layers[DL_MAX_LAYERS];
  int      max_size;            /* largest per-example tensor, input included */
  int      grad_size;           /* largest layer output: the row stride of a part's block in dbuf */
  int      first_weighted;      /* the lowest layer with parameters: below it, no gradient is needed */

  gsize    n_params;
  float   *params;              /* n_params */
  float   *grads;               /* n_params */
  float   *opt_state;           /* velocity | Adam m | Adam v, each state_stride long */
  gsize    state_stride;        /* n_params rounded up to a cache line */
  gboolean opt_started;
  DlOptimizer opt_last;
  gint64   adam_t;
  float   *average;             /* n_params: the parameters' moving average (DlHyper.average) */
  gint64   avg_t;               /* steps since averaging started; 0: there is no average */
  gboolean swapped;             /* params and average exchanged (dl_net_swap_average) */
  DlTeam  *team;                /* splits each batch over threads (dl_net_set_threads), or NULL */
  DlNetConfig config;           /* threads = the team's size */

  Acts     acts;                /* the training step's and dl_net_predict's */
  float   *part_grads;          /* parts 1 … n − 1: n_params each, their share of conv weight gradients */
  float   *augment_scratch;     /* dl_net_gather: augment_scratch_n floats per part */
  gsize    augment_scratch_n;
  guint64  seeds[DL_MAX_BATCH]; /* dl_net_gather: one augmentation stream per image */

  int      health_batch;        /* batch whose training activations the layer outputs still hold, or 0 */
  float    saturated[DL_MAX_LAYERS];  /* health of the last training batch, once measured */
  float    dead[DL_MAX_LAYERS];
};

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
VECTOR_CLONES static void
act_backward (float *restrict dy, const float *restrict y, gsize n, DlAct act)
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
static void
dense_forward (const DlBlasKernel *blas, float *y, const float *x, const float *w, const float *b, int B, int in,
               int out, int j0, int j1, DlAct act)
{
  if (B == 0 || j1 == j0)
    return;
  dense_product (blas, y, x, w, B, in, out, j0, j1);
  bias_act_forward (y + j0, b + j0, B, j1 - j0, out, act);
}

/* A batch-normalised dense layer i, rows [r0, r0 + n) × units [j0, j1) of its output y (B × out): x · wᵀ,
 * normalised (dl-bn.h), + β, the activation. Training normalises by the whole batch: with the rows split
 * over the team (all units, by_units FALSE) the parts meet twice — once their sums are in, and once each
 * has turned its share of the units' sums into the batch's statistics (and moved the running estimates);
 * with the units split (all rows) a part's units are its own. Inference uses the running estimates. */
static void
dense_bn_forward (const DlNet *net, Acts *a, DlTeam *team, int part, int i, float *y, const float *x, int B,
                  int r0, int n, int j0, int j1, gboolean training, gboolean by_units)
{
  const Layer *l = &net->layers[i];
  const float *w = net->params + l->w_off, *gamma = net->params + l->g_off;
  float *run_mean = net->params + l->rm_off, *run_var = net->params + l->rv_off;
  int out = l->out_size, n_parts = by_units ? 1 : dl_team_size (team);
  float *yr = y + (gsize) r0 * out;

  if (n > 0 && j1 > j0)
    dense_product (net->config.blas, yr, x + (gsize) r0 * l->in_size, w, n, l->in_size, out, j0, j1);
  if (training)
    {
      double *sums = a->bn_sums[i];
      dl_bn_sums (yr, n, out, j0, j1, sums + (by_units ? 0 : part * a->bn_stride));
      int u0 = j0, u1 = j1;
      if (!by_units)
        {
          dl_team_barrier (team);
          dl_team_share (part, n_parts, out, LINE_FLOATS, &u0, &u1);
        }
      dl_bn_stats (sums, n_parts, a->bn_stride, B, u0, u1, a->bn_mean[i], a->bn_istd[i], run_mean, run_var);
      if (!by_units)
        dl_team_barrier (team);
      dl_bn_forward (yr, n, out, j0, j1, a->bn_mean[i], a->bn_istd[i], gamma, a->xhat[i] + (gsize) r0 * out);
    }
  else
    dl_bn_infer (yr, n, out, j0, j1, run_mean, run_var, gamma);
  if (n > 0 && j1 > j0)
    bias_act_forward (yr + j0, net->params + l->b_off + j0, n, j1 - j0, out, l->act);
}

/* Whether the team splits a dense layer's forward pass by output units (every part computes all rows of
 * its units) rather than by rows: when the layer has more units than the batch has rows, the weights are
 * the bigger operand, and split by rows every part would pack all of them for its sgemm (the mlp preset on
 * 2 threads, best 50-step window: 115k samples/s split by rows, 120k by units). */
static gboolean
forward_by_units (DlSplit split, const Layer *l, int B, int n_parts)
{
  return split == DL_SPLIT_UNITS && n_parts > 1 && l->kind == DL_LAYER_DENSE && l->n_w >= SPLIT_MIN_WEIGHTS && l->out_size > B;
}

/* Where row r's part of the batch starts in a gradient buffer (dbuf): each part's rows packed from its
 * first row times the largest layer output, so that parts never share memory whatever the layer (the
 * image's gradient is never computed). Packed at r × the layer's size instead, a conv layer's rows of one
 * part overlapped a dense layer's rows of the other, written and read at the same time. */
static inline gsize
row_base (const DlNet *net, int r)
{
  return (gsize) r * net->grad_size;
}

/* The share of a weight layer's gradient and update a part of the team takes: the weights' rows [r0, r1)
 * × columns [c0, c1) (dense: out × in; conv: one row of all its weights), and the biases [b0, b1).
 * - A layer whose forward pass is split by output units keeps that split: each part computes and updates
 *   the rows of the units it multiplied, so its share of the weights, their gradient and the optimiser
 *   state stay in its own cache from one step to the next. Split by columns instead, each core's update
 *   read the rows the other core multiplied: mlp on 2 threads (Intel Xeon family 6 model 167, the best of
 *   the windows no other program disturbed, paired) 66k samples/s by columns, 99k by units.
 * - Other wide layers split by columns, in multiples of 16 floats so that no two threads write one cache
 *   line; part 0 takes the biases.
 * - Small layers stay whole with part 0; a conv layer's update is done whole by part 0, its caller
 *   passing n_parts 1. */
typedef struct {
  int rows, cols;      /* the whole weight matrix */
  int r0, r1, c0, c1;  /* the part's block of it */
  int b0, b1;          /* the part's biases */
} Share;

static void
weight_share (DlSplit split, const Layer *l, int B, int part, int n_parts, Share *s)
{
  gboolean dense = l->kind == DL_LAYER_DENSE;

  s->rows = dense ? l->out_size : 1;
  s->cols = dense ? l->in_size : (int) l->n_w;
  s->r0 = 0, s->r1 = s->rows, s->c0 = 0, s->c1 = s->cols;
  s->b0 = 0, s->b1 = (int) l->n_b;
  if (forward_by_units (split, l, B, n_parts))
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
static void
dense_weight_grads (const DlNet *net, const Layer *l, float *dw, float *db, const float *dz, const float *x, int B,
                    int part, int n_parts)
{
  Share s;
  int out = l->out_size, in = l->in_size, blocks = n_parts;

  weight_share (net->config.split, l, B, part, n_parts, &s);
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
static DlConvPlan
conv_plan (const DlNet *net, const Acts *a, int i, int r0)
{
  const Layer *l = &net->layers[i];
  float *cols = a->kept[i] ? a->kept[i] + dl_conv_kept_floats (r0, l->in_c, l->in_h, l->in_w, l->k, l->pad) : NULL;
  return (DlConvPlan) { .algo = net->config.conv[i], .blas = net->config.blas, .cols = cols };
}

/* Layer i, a conv layer. x: B × C × H × W, w: K × C × k × k, b: K → y: B × K × Ho × Wo =
 * act(conv(x, w) + b), stride 1, zero padding `pad` (dl-conv adds the bias); the activation left to the
 * pool after it when `fused` (relu_by_pool). */
static void
conv_forward (const DlNet *net, int i, const DlConvPlan *plan, float *y, const float *x, const float *w,
              const float *b, int B, float *scratch, gboolean fused)
{
  const Layer *l = &net->layers[i];

  dl_conv_forward (plan, x, w, b, y, B, l->in_c, l->in_h, l->in_w, l->out_c, l->k, l->pad, scratch);
  if (!fused)
    act_forward (y, (gsize) B * l->out_size, l->act);
}

/* Layer i. dy: B × K × Ho × Wo (overwritten with dy · act', unless the pool after it did that: `fused`),
 * y: the forward output, x: B × C × H × W → dw: K × C × k × k, db: K (summed over the batch; both skipped
 * when dw is NULL), dx: B × C × H × W (skipped when NULL). */
static void
conv_backward (const DlNet *net, int i, const DlConvPlan *plan, float *dx, float *dw, float *db, float *dy,
               const float *y, const float *x, const float *w, int B, float *scratch, gboolean fused)
{
  const Layer *l = &net->layers[i];

  if (!fused)
    act_backward (dy, y, (gsize) B * l->out_size, l->act);
  dl_conv_backward (plan, x, w, dy, dx, dw, db, B, l->in_c, l->in_h, l->in_w, l->out_c, l->k, l->pad, scratch);
}

/* A fresh dropout mask of n values: 0 with probability p, else 1/(1 − p) (inverted dropout, so inference
 * needs no rescaling). Drawn for the whole batch before the team splits it, so that the random stream
 * does not depend on the number of threads. */
static void
dropout_draw (float *mask, gsize n, float p, DlRng *rng)
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
static void
dropout_apply (float *restrict y, const float *restrict x, const float *restrict mask, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = x[i] * mask[i];
}

/* A std layer, forward: y = (x − mean) / deviation, n values. Backward (x the output gradient, y the
 * input's): the same scale without the shift, scale_only. */
VECTOR_CLONES static void
std_apply (float *restrict y, const float *restrict x, gsize n, gboolean scale_only)
{
  const float shift = scale_only ? 0.0f : DL_STD_MEAN, scale = 1.0f / DL_STD_DEV;
  for (gsize i = 0; i < n; i++)
    y[i] = (x[i] - shift) * scale;
}

/* ---- construction ---- */


/* Cache-line aligned, so that where the team splits a tensor at a multiple of 16 floats no line is
 * written by two threads (measured: with 16-byte alignment, some runs of the mlp step took twice as long). */
static float *
aligned_floats (gsize n)
{
  return g_aligned_alloc (MAX (n, 1), sizeof (float), 64);
}

static void
init_params (DlNet *net)
{
  dl_rng_seed (&net->rng, net->seed);
  memset (net->params, 0, sizeof (float) * net->n_params);
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      if (l->n_w == 0)
        continue;
      for (gsize j = 0; l->bn && j < l->n_b; j++)
        net->params[l->g_off + j] = net->params[l->rv_off + j] = 1.0f;
      int fan_in = l->kind == DL_LAYER_DENSE ? l->in_size : l->in_c * l->k * l->k;
      int fan_out = l->kind == DL_LAYER_DENSE ? l->out_size : l->out_c * l->k * l->k;
      float *w = net->params + l->w_off;
      if (l->act == DL_ACT_RELU)
        {
          /* He: normal with variance 2 / fan_in keeps ReLU activations from shrinking layer by layer. */
          double sd = sqrt (2.0 / fan_in);
          for (gsize j = 0; j < l->n_w; j++)
            w[j] = (float) (sd * dl_rng_normal (&net->rng));
        }
      else
        {
          /* Xavier: uniform in ±sqrt(6 / (fan_in + fan_out)). */
          double a = sqrt (6.0 / (fan_in + fan_out));
          for (gsize j = 0; j < l->n_w; j++)
            w[j] = (float) (a * (2.0 * dl_rng_uniform (&net->rng) - 1.0));
        }
    }
}

static void
reset_opt_state (DlNet *net)
{
  memset (net->opt_state, 0, sizeof (float) * 3 * net->state_stride);
  net->opt_started = FALSE;
  net->adam_t = 0;
  net->avg_t = 0;
}

DlNet *
dl_net_new (const DlArch *arch, guint64 seed)
{
  g_return_val_if_fail (arch != NULL && arch->n_layers > 0 && arch->n_layers <= DL_MAX_LAYERS, NULL);
  DlNet *net = g_new0 (DlNet, 1);
  net->arch = *arch;
  net->seed = seed;
  net->n_layers = arch->n_layers;
  net->max_size = arch->in_c * arch->in_h * arch->in_w;

  gsize off = 0;
  for (int i = 0; i < arch->n_layers; i++)
    {
      const DlLayerSpec *s = &arch->layers[i];
      Layer *l = &net->layers[i];
      l->kind = s->kind;
      l->act = (s->kind == DL_LAYER_DENSE || s->kind == DL_LAYER_CONV) ? s->act : DL_ACT_NONE;
      l->k = s->kernel;
      l->pad = s->pad;
      if (s->kind == DL_LAYER_CONV && s->act == DL_ACT_RELU && i + 1 < arch->n_layers
          && arch->layers[i + 1].kind == DL_LAYER_MAXPOOL)
        l->relu_by_pool = net->layers[i + 1].relu_by_pool = TRUE;
      l->drop = s->drop;
      dl_arch_shape (arch, i - 1, &l->in_c, &l->in_h, &l->in_w);
      dl_arch_shape (arch, i, &l->out_c, &l->out_h, &l->out_w);
      l->in_size = l->in_c * l->in_h * l->in_w;
      l->out_size = l->out_c * l->out_h * l->out_w;
      net->max_size = MAX (net->max_size, l->out_size);
      net->grad_size = MAX (net->grad_size, l->out_size);
      if (s->kind == DL_LAYER_DENSE)
        l->n_w = (gsize) l->out_size * l->in_size, l->n_b = l->out_size;
      else if (s->kind == DL_LAYER_CONV)
        l->n_w = (gsize) l->out_c * l->in_c * l->k * l->k, l->n_b = l->out_c;
      l->bn = s->kind == DL_LAYER_DENSE && s->bn;
      l->w_off = off;
      off += l->n_w;
      l->b_off = off;
      off += l->n_b;
      if (l->bn)
        {
          l->g_off = off, off += l->n_b;
          l->rm_off = off, off += l->n_b;
          l->rv_off = off, off += l->n_b;
        }
    }
  net->n_params = off;
  net->first_weighted = 0;
  while (net->first_weighted < net->n_layers - 1 && net->layers[net->first_weighted].n_w == 0)
    net->first_weighted++;
  net->state_stride = (off + LINE_FLOATS - 1) / LINE_FLOATS * LINE_FLOATS;
  net->params = aligned_floats (off);
  net->grads = aligned_floats (off);
  memset (net->grads, 0, sizeof (float) * off);
  net->opt_state = aligned_floats (3 * net->state_stride);
  net->average = aligned_floats (off);
  reset_opt_state (net);
  init_params (net);
  dl_net_config_init (&net->config);
  return net;
}

/* dl_net_new's buffers are tried first in one piece: an architecture from outside (a model file, a
 * typed Layers field) gets an error where dl_net_new would abort in g_aligned_alloc. */
DlNet *
dl_net_try_new (const DlArch *arch, guint64 seed, GError **error)
{
  guint64 n = dl_arch_n_params (arch);
  guint64 floats = 3 * n + 3 * ((n + LINE_FLOATS - 1) / LINE_FLOATS * LINE_FLOATS);
  void *probe = floats <= G_MAXSIZE / sizeof (float) ? g_try_malloc (floats * sizeof (float)) : NULL;

  if (probe == NULL)
    {
      g_set_error (error, DL_ARCH_ERROR, DL_ARCH_ERROR_MEMORY, _("cannot allocate %.1f MiB for the %llu parameters of the network, "
                     "their gradients and optimiser state"),
                   floats * sizeof (float) / 1048576.0, (unsigned long long) n);
      return NULL;
    }
  g_free (probe);
  return dl_net_new (arch, seed);
}

DlNet *
dl_net_copy (const DlNet *net)
{
  DlNet *copy = dl_net_new (&net->arch, net->seed);
  memcpy (copy->params, net->params, sizeof (float) * net->n_params);
  copy->rng = net->rng;
  /* Everything but the team. */
  copy->config = net->config;
  copy->config.threads = 1;
  return copy;
}

static void
acts_clear (Acts *a)
{
  g_clear_pointer (&a->buf, g_aligned_free);
  g_clear_pointer (&a->argmax_buf, g_free);
  g_clear_pointer (&a->conv_scratch, g_aligned_free);
  g_clear_pointer (&a->kept_buf, g_aligned_free);
  memset (a->kept, 0, sizeof a->kept);
  g_clear_pointer (&a->bn_sums_buf, g_free);
  a->capacity = 0;
}

static void
free_buffers (DlNet *net)
{
  acts_clear (&net->acts);
  g_clear_pointer (&net->part_grads, g_aligned_free);
  g_clear_pointer (&net->augment_scratch, g_free);
}

void
dl_net_free (DlNet *net)
{
  if (net == NULL)
    return;
  free_buffers (net);
  dl_team_free (net->team);
  g_aligned_free (net->params);
  g_aligned_free (net->grads);
  g_aligned_free (net->opt_state);
  g_aligned_free (net->average);
  g_free (net);
}

/* Carves the buffers of `a` for `batch` examples of `net`, with conv scratch for `n_parts` parts and
 * dropout masks only when `masks` (a pass that trains). */
static void
acts_alloc (Acts *a, const DlNet *net, int batch, int n_parts, gboolean masks)
{
  gsize n = 0, n_argmax = 0, scratch = 0;
  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];
      n += (gsize) batch * l->out_size;
      if (masks && l->kind == DL_LAYER_DROPOUT)
        n += (gsize) batch * l->out_size;
      if (masks && l->bn)
        n += (gsize) (batch + 2) * l->out_size;
      if (l->kind == DL_LAYER_MAXPOOL)
        n_argmax += (gsize) batch * l->out_size;
      /* Room for any algorithm: the net's configuration may change while a work made for it lives. */
      for (int algo = 0; algo < DL_CONV_N_ALGOS && l->kind == DL_LAYER_CONV; algo++)
        {
          DlConvPlan plan = { .algo = algo };
          scratch = MAX (scratch, dl_conv_scratch_floats (&plan, batch, l->in_c, l->in_h, l->in_w, l->out_c, l->k,
                                                          l->pad));
        }
    }
  n += 2 * (gsize) batch * net->max_size + (gsize) batch * N_OUT + net->max_size;

  float *p = a->buf = aligned_floats (n);
  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];
      a->out[i] = p, p += (gsize) batch * l->out_size;
      a->mask[i] = NULL;
      if (masks && l->kind == DL_LAYER_DROPOUT)
        a->mask[i] = p, p += (gsize) batch * l->out_size;
      a->xhat[i] = a->bn_mean[i] = a->bn_istd[i] = NULL;
      if (masks && l->bn)
        {
          a->xhat[i] = p, p += (gsize) batch * l->out_size;
          a->bn_mean[i] = p, p += l->out_size;
          a->bn_istd[i] = p, p += l->out_size;
        }
    }
  a->dbuf[0] = p, p += (gsize) batch * net->max_size;
  a->dbuf[1] = p, p += (gsize) batch * net->max_size;
  a->probs = p, p += (gsize) batch * N_OUT;
  a->unit_max = p;

  int *q = a->argmax_buf = n_argmax ? g_new (int, n_argmax) : NULL;
  for (int i = 0; i < net->n_layers; i++)
    {
      a->argmax[i] = NULL;
      if (net->layers[i].kind == DL_LAYER_MAXPOOL)
        a->argmax[i] = q, q += (gsize) batch * net->layers[i].out_size;
    }
  /* Each part's on a cache line of its own. */
  a->conv_scratch_n = (scratch + LINE_FLOATS - 1) / LINE_FLOATS * LINE_FLOATS;
  a->conv_scratch = scratch ? aligned_floats (a->conv_scratch_n * n_parts) : NULL;
  /* The columns DL_CONV_IM2COL_KEPT layers keep from a training step's forward pass to its backward. */
  gsize kept = 0;
  for (int i = 0; i < net->n_layers && masks; i++)
    if (net->layers[i].kind == DL_LAYER_CONV && net->config.conv[i] == DL_CONV_IM2COL_KEPT)
      {
        const Layer *l = &net->layers[i];
        kept += dl_conv_kept_floats (batch, l->in_c, l->in_h, l->in_w, l->k, l->pad);
      }
  memset (a->kept, 0, sizeof a->kept);
  a->kept_buf = kept ? aligned_floats (kept) : NULL;
  for (int i = 0, off = 0; i < net->n_layers && kept; i++)
    if (net->layers[i].kind == DL_LAYER_CONV && net->config.conv[i] == DL_CONV_IM2COL_KEPT)
      {
        const Layer *l = &net->layers[i];
        a->kept[i] = a->kept_buf + off;
        off += dl_conv_kept_floats (batch, l->in_c, l->in_h, l->in_w, l->k, l->pad);
      }
  /* Each part's sums on cache lines of their own. */
  gsize bn_units = 0, n_bn = 0;
  for (int i = 0; i < net->n_layers && masks; i++)
    if (net->layers[i].bn)
      bn_units = MAX (bn_units, (gsize) net->layers[i].out_size), n_bn++;
  a->bn_stride = (2 * bn_units + 7) / 8 * 8;
  a->bn_sums_buf = n_bn ? g_new (double, a->bn_stride * n_parts * n_bn) : NULL;
  for (int i = 0, k = 0; i < net->n_layers; i++)
    a->bn_sums[i] = masks && net->layers[i].bn ? a->bn_sums_buf + a->bn_stride * n_parts * k++ : NULL;
  a->capacity = batch;
}

/* Sizes the net's own buffers for `batch` examples; a no-op unless the batch is the largest yet. */
static void
ensure_capacity (DlNet *net, int batch)
{
  if (batch <= net->acts.capacity)
    return;
  free_buffers (net);

  int n_parts = dl_team_size (net->team);
  acts_alloc (&net->acts, net, batch, n_parts, TRUE);
  if (net->acts.conv_scratch_n && n_parts > 1)
    net->part_grads = aligned_floats (net->n_params * (n_parts - 1));
}

/* ---- forward, loss, backward ---- */

/* x: B × input size → rows [r0, r1) of every layer's output in `a` (the last: B × 10), for part `part` of
 * the team: wide dense layers split by output units instead, between barriers, since every part needs all
 * of the layer's input and the next layer all of its output. Dropout, when training, applies the masks
 * draw_masks drew for this step. Reads the net's parameters only — but for the running estimates of
 * batch-normalised layers, which training moves. */
static const float *
forward_part (const DlNet *net, Acts *a, DlTeam *team, int part, const float *x, int B, int r0, int r1,
              gboolean training, gboolean fuse)
{
  const float *in = x;
  int n = r1 - r0, n_parts = dl_team_size (team);
  gboolean by_units_before = TRUE;  /* the input is complete: no barrier before layer 0 */

  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];
      const float *w = net->params + l->w_off, *b = net->params + l->b_off;
      const float *in_r = in + (gsize) r0 * l->in_size;
      float *out = a->out[i], *out_r = out + (gsize) r0 * l->out_size;
      gsize n_out = (gsize) n * l->out_size;
      gboolean by_units = forward_by_units (net->config.split, l, B, n_parts);
      if (by_units)
        {
          int j0, j1;
          if (!by_units_before)
            dl_team_barrier (team);
          dl_team_share (part, n_parts, l->out_size, LINE_FLOATS, &j0, &j1);
          if (l->bn)
            dense_bn_forward (net, a, team, part, i, out, in, B, 0, B, j0, j1, training, TRUE);
          else
            dense_forward (net->config.blas, out, in, w, b, B, l->in_size, l->out_size, j0, j1, l->act);
          dl_team_barrier (team);
        }
      /* Every part meets the others at a batch-normalised layer's barriers. */
      else if (l->bn)
        dense_bn_forward (net, a, team, part, i, out, in, B, r0, n, 0, l->out_size, training, FALSE);
      by_units_before = by_units;
      in = out;
      if (n == 0 || by_units || l->bn)
        continue;
      switch (l->kind)
        {
        case DL_LAYER_DENSE:
          dense_forward (net->config.blas, out_r, in_r, w, b, n, l->in_size, l->out_size, 0, l->out_size, l->act);
          break;
        case DL_LAYER_CONV:
          {
            DlConvPlan plan = conv_plan (net, a, i, r0);
            conv_forward (net, i, &plan, out_r, in_r, w, b, n, a->conv_scratch + part * a->conv_scratch_n,
                          fuse && l->relu_by_pool);
          }
          break;
        case DL_LAYER_MAXPOOL:
          if (fuse && l->relu_by_pool)
            dl_maxpool_relu_forward (in_r, out_r, a->argmax[i] + (gsize) r0 * l->out_size, n, l->in_c, l->in_h,
                                     l->in_w);
          else
            dl_maxpool_forward (in_r, out_r, a->argmax[i] + (gsize) r0 * l->out_size, n, l->in_c, l->in_h,
                                l->in_w);
          break;
        case DL_LAYER_DROPOUT:
          if (training && l->drop > 0.0f)
            dropout_apply (out_r, in_r, a->mask[i] + (gsize) r0 * l->out_size, n_out);
          else
            memcpy (out_r, in_r, sizeof (float) * n_out);
          break;
        case DL_LAYER_STD:
          std_apply (out_r, in_r, n_out, FALSE);
          break;
        }
    }
  return in;
}

/* This training step's dropout masks, for the whole batch, in layer order. */
static void
draw_masks (DlNet *net, int B)
{
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      if (l->kind == DL_LAYER_DROPOUT && l->drop > 0.0f)
        dropout_draw (net->acts.mask[i], (gsize) B * l->out_size, l->drop, &net->rng);
    }
}

/* The MSE target for output j of a digit y: 1 for the digit, else −1 after tanh and 0 otherwise. */
static inline float
mse_target (DlAct act, int j, int y)
{
  return j == y ? 1.0f : (act == DL_ACT_TANH ? -1.0f : 0.0f);
}

static int
argmax10 (const float *v)
{
  int best = 0;
  for (int j = 1; j < N_OUT; j++)
    if (v[j] > v[best])
      best = j;
  return best;
}

/* out: B × 10 (the last layer's output) → softmax probabilities p: B × 10, returns Σ −log p[y]. */
static double
softmax_rows (const float *out, float *p, const guint8 *y, int B)
{
  double loss = 0.0;
  for (int r = 0; r < B; r++)
    {
      const float *z = out + r * N_OUT;
      float *pr = p + r * N_OUT;
      float mx = z[0];
      for (int j = 1; j < N_OUT; j++)
        mx = fmaxf (mx, z[j]);
      float sum = 0.0f;
      for (int j = 0; j < N_OUT; j++)
        sum += pr[j] = expf (z[j] - mx);
      for (int j = 0; j < N_OUT; j++)
        pr[j] /= sum;
      if (y)
        loss += (double) logf (sum) + mx - z[y[r]];
    }
  return loss;
}

/* Per-example squared error summed over the 10 outputs, whose gradient is the bug report's
 * δ = 2 (a − y); returns the batch sum. (The mean over outputs, as nn.MSELoss takes it, is the same
 * loss with a step ten times smaller: the seed preset then reaches only ~89 % in an epoch.) */
static double
mse_rows (const float *out, const guint8 *y, int B, DlAct act)
{
  double loss = 0.0;
  for (int r = 0; r < B; r++)
    for (int j = 0; j < N_OUT; j++)
      {
        double d = out[r * N_OUT + j] - mse_target (act, j, y[r]);
        loss += d * d;
      }
  return loss;
}

/* Σ loss over rows [r0, r1) of the batch whose forward pass just ran; writes dL/d(out) for those rows
 * into the gradient buffer dout (at row_base (r0)) when non-NULL, times `scale`: 1/B for DL_REDUCE_MEAN,
 * 1 for DL_REDUCE_SUM. */
static double
loss_rows (DlNet *net, const float *out, const guint8 *y, int r0, int r1, float scale, float *dout)
{
  int n = r1 - r0;
  float *p = net->acts.probs + r0 * N_OUT;
  double loss;

  out += r0 * N_OUT;
  y += r0;
  if (dout)
    dout += row_base (net, r0);
  if (net->arch.loss == DL_LOSS_SOFTMAX_CE)
    {
      loss = softmax_rows (out, p, y, n);
      if (dout)
        for (int r = 0; r < n; r++)
          for (int j = 0; j < N_OUT; j++)
            dout[r * N_OUT + j] = (p[r * N_OUT + j] - (j == y[r])) * scale;
    }
  else
    {
      DlAct act = net->layers[net->n_layers - 1].act;
      loss = mse_rows (out, y, n, act);
      if (dout)
        for (int r = 0; r < n; r++)
          for (int j = 0; j < N_OUT; j++)
            dout[r * N_OUT + j] = 2.0f * (out[r * N_OUT + j] - mse_target (act, j, y[r])) * scale;
    }
  return loss;
}

/* Inference probabilities of rows [r0, r1): for softmax nets the softmax; for MSE nets the outputs mapped
 * to [0, 1] (tanh: (o+1)/2) and normalised to sum to 1. */
static void
probs_rows (const DlNet *net, const float *out, float *probs, int r0, int r1)
{
  DlAct act = net->layers[net->n_layers - 1].act;

  if (net->arch.loss == DL_LOSS_SOFTMAX_CE)
    {
      softmax_rows (out + r0 * N_OUT, probs + r0 * N_OUT, NULL, r1 - r0);
      return;
    }
  for (int r = r0; r < r1; r++)
    {
      const float *o = out + r * N_OUT;
      float *p = probs + r * N_OUT;
      float sum = 0.0f;
      for (int j = 0; j < N_OUT; j++)
        {
          float v = act == DL_ACT_TANH ? (o[j] + 1.0f) * 0.5f : o[j];
          sum += p[j] = CLAMP (v, 0.0f, 1.0f);
        }
      for (int j = 0; j < N_OUT; j++)
        p[j] = sum > 0.0f ? p[j] / sum : 1.0f / N_OUT;
    }
}

/* Share of a ReLU layer's units that gave 0 for every example of the batch. A conv layer's unit is a
 * filter, dead when zero at every position: single positions are zero on MNIST's black border anyway. */
static float
dead_share (const DlNet *net, int i, int B)
{
  const Layer *l = &net->layers[i];
  int per_unit = l->kind == DL_LAYER_CONV ? l->out_h * l->out_w : 1;
  int n_units = l->out_size / per_unit;
  float *mx = net->acts.unit_max;
  int n_dead = 0;

  for (int u = 0; u < n_units; u++)
    mx[u] = 0.0f;
  for (int r = 0; r < B; r++)
    {
      const float *row = net->acts.out[i] + (gsize) r * l->out_size;
      for (int j = 0; j < l->out_size; j++)
        mx[j / per_unit] = row[j] > mx[j / per_unit] ? row[j] : mx[j / per_unit];
    }
  for (int u = 0; u < n_units; u++)
    n_dead += mx[u] <= 0.0f;
  return (float) n_dead / n_units;
}

/* Saturation and dead-unit shares of a batch of B whose activations are in the layer outputs. Reads only
 * the net (unit_max is scratch), so dl_net_health can run it on a const net. */
static void
measure_health (const DlNet *net, int B, float *saturated, float *dead)
{
  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];
      const float *out = net->acts.out[i];
      gsize n = (gsize) B * l->out_size;
      saturated[i] = dead[i] = 0.0f;
      if (l->act == DL_ACT_TANH || l->act == DL_ACT_SIGMOID)
        {
          gsize sat = 0;
          if (l->act == DL_ACT_TANH)
            for (gsize j = 0; j < n; j++)
              sat += fabsf (out[j]) > 0.99f;
          else
            for (gsize j = 0; j < n; j++)
              sat += out[j] < 0.01f || out[j] > 0.99f;
          saturated[i] = (float) sat / n;
        }
      else if (l->act == DL_ACT_RELU)
        dead[i] = dead_share (net, i, B);
    }
}

/* Health is measured only when asked for, from the activations the last training step left behind;
 * an inference pass that is about to overwrite them measures it first. */
static void
settle_health (DlNet *net)
{
  if (net->health_batch == 0)
    return;
  measure_health (net, net->health_batch, net->saturated, net->dead);
  net->health_batch = 0;
}

/* ---- optimisers (PyTorch semantics) ---- */

/* One tensor's update. g' = g + wd·p; then
 *   SGD:       p −= lr·g'
 *   momentum:  v = μv + g';  p −= lr·v
 *   Nesterov:  v = μv + g';  p −= lr·(g' + μv)
 *   Adam:      m = β1·m + (1 − β1)·g';  s = β2·s + (1 − β2)·g'²;
 *              p −= lr/(1 − β1ᵗ) · m / (√s / √(1 − β2ᵗ) + eps) */
VECTOR_CLONES static void
opt_update (const DlHyper *h, float *restrict p, const float *restrict g, float *restrict vel, float *restrict m,
            float *restrict s, gsize n, float wd,
            float bc1, float bc2)
{
  float lr = h->lr, mu = h->momentum;
  switch (h->optimizer)
    {
    case DL_OPT_SGD:
      for (gsize i = 0; i < n; i++)
        p[i] -= lr * (g[i] + wd * p[i]);
      break;
    case DL_OPT_MOMENTUM:
      for (gsize i = 0; i < n; i++)
        {
          vel[i] = mu * vel[i] + g[i] + wd * p[i];
          p[i] -= lr * vel[i];
        }
      break;
    case DL_OPT_NESTEROV:
      for (gsize i = 0; i < n; i++)
        {
          float gi = g[i] + wd * p[i];
          vel[i] = mu * vel[i] + gi;
          p[i] -= lr * (gi + mu * vel[i]);
        }
      break;
    case DL_OPT_ADAM:
      {
        float b1 = h->beta1, b2 = h->beta2, eps = h->eps;
        float step = lr / bc1, inv_sqrt_bc2 = 1.0f / sqrtf (bc2);
        for (gsize i = 0; i < n; i++)
          {
            float gi = g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1.0f - b1) * gi;
            s[i] = b2 * s[i] + (1.0f - b2) * gi * gi;
            p[i] -= step * m[i] / (sqrtf (s[i]) * inv_sqrt_bc2 + eps);
          }
      }
      break;
    }
}

/* a += r·(p − a): the average moves a share r of the way to the parameters. */
VECTOR_CLONES static void
average_update (float *restrict a, const float *restrict p, gsize n, float r)
{
  for (gsize i = 0; i < n; i++)
    a[i] += r * (p[i] - a[i]);
}

/* The average is updated every AVERAGE_EVERY steps, with the decay of that many steps. Every step it would
 * add two streams to the optimiser's five, which take 6 % of the mlp preset's step (perf, AMD Zen 5): about
 * 2.5 %; every fourth step, under 1 % (measured within noise: bench --preset mlp --threads 1, 2026-12-02),
 * and an average over ~100 steps hardly notices. */
#define AVERAGE_EVERY 4

/* This step's share r of average_update, or 0 when the average is not updated in this step. Starts the
 * average at the parameters when averaging is switched on; early updates take TensorFlow's
 * ExponentialMovingAverage warm-up, min(decay, (1 + u) / (10 + u)) for the u-th update, so the average
 * does not hold on to the initial weights for hundreds of steps. */
static float
average_prepare (DlNet *net, const DlHyper *h)
{
  if (!(h->average > 0.0f))
    {
      net->avg_t = 0;
      return 0.0f;
    }
  if (net->avg_t == 0)
    memcpy (net->average, net->params, sizeof (float) * net->n_params);
  if (++net->avg_t % AVERAGE_EVERY != 0)
    return 0.0f;
  double u = (double) (net->avg_t / AVERAGE_EVERY);
  double keep = pow (1.0 - 1.0 / MAX (h->average, 1.0f), AVERAGE_EVERY);
  return (float) (1.0 - MIN (keep, (1.0 + u) / (10.0 + u)));
}

static gboolean
uses_velocity (DlOptimizer o)
{
  return o == DL_OPT_MOMENTUM || o == DL_OPT_NESTEROV;
}

/* Switching optimiser: momentum and Nesterov share their velocity; entering either from SGD or Adam
 * starts from zero velocity, and entering Adam starts a fresh Adam (moments zero, step count 0),
 * exactly as a newly created PyTorch optimiser would. */
static void
opt_switch (DlNet *net, DlOptimizer to)
{
  if (net->opt_started && net->opt_last == to)
    return;
  gboolean had_velocity = net->opt_started && uses_velocity (net->opt_last);
  if (uses_velocity (to) && !had_velocity)
    memset (net->opt_state, 0, sizeof (float) * net->state_stride);
  if (to == DL_OPT_ADAM)
    {
      memset (net->opt_state + net->state_stride, 0, sizeof (float) * 2 * net->state_stride);
      net->adam_t = 0;
    }
  net->opt_started = TRUE;
  net->opt_last = to;
}

/* Starts a step: the optimiser switch, Adam's step count and bias corrections, the average's share. */
static void
opt_prepare (DlNet *net, const DlHyper *h, float *bc1, float *bc2, float *avg_rate)
{
  g_return_if_fail (!net->swapped);
  opt_switch (net, h->optimizer);
  *avg_rate = average_prepare (net, h);
  *bc1 = *bc2 = 1.0f;
  if (h->optimizer == DL_OPT_ADAM)
    {
      net->adam_t++;
      *bc1 = 1.0f - (float) pow (h->beta1, (double) net->adam_t);
      *bc2 = 1.0f - (float) pow (h->beta2, (double) net->adam_t);
    }
}

/* A part's share of a layer's update: the weights and biases whose gradient it computed (weight_share).
 * Weight decay applies to weights only: decaying biases only hurts the fit. */
static void
opt_layer (DlNet *net, const Layer *l, const DlHyper *h, float bc1, float bc2, float avg_rate, int B, int part,
           int n_parts)
{
  float *vel = net->opt_state, *m = vel + net->state_stride, *v2 = m + net->state_stride;
  Share s;

  weight_share (net->config.split, l, B, part, n_parts, &s);
  /* Whole rows are one run of memory: one call. */
  gboolean whole = s.c1 - s.c0 == s.cols;
  int runs = whole ? 1 : s.r1 - s.r0;
  gsize len = whole ? (gsize) (s.r1 - s.r0) * s.cols : (gsize) (s.c1 - s.c0);
  for (int r = 0; r < runs && len > 0; r++)
    {
      gsize o = l->w_off + (gsize) (s.r0 + r) * s.cols + s.c0;
      opt_update (h, net->params + o, net->grads + o, vel + o, m + o, v2 + o, len, h->weight_decay, bc1, bc2);
      if (avg_rate > 0.0f)
        average_update (net->average + o, net->params + o, len, avg_rate);
    }
  if (s.b1 > s.b0)
    {
      gsize o = l->b_off + s.b0;
      opt_update (h, net->params + o, net->grads + o, vel + o, m + o, v2 + o, s.b1 - s.b0, 0.0f, bc1, bc2);
      if (avg_rate > 0.0f)
        average_update (net->average + o, net->params + o, s.b1 - s.b0, avg_rate);
    }
  /* γ, like the biases, without decay; the running mean and variance after it are averaged with it, as
   * the averaged model's own. */
  if (l->bn && part == 0)
    {
      opt_update (h, net->params + l->g_off, net->grads + l->g_off, vel + l->g_off, m + l->g_off, v2 + l->g_off,
                  l->n_b, 0.0f, bc1, bc2);
      if (avg_rate > 0.0f)
        average_update (net->average + l->g_off, net->params + l->g_off, 3 * l->n_b, avg_rate);
    }
}

/* ---- a pass over a batch, split by rows over the team ---- */

typedef struct {
  DlNet         *net;
  const float   *x;
  const guint8  *y;          /* labels; NULL for predictions */
  int            B;
  float          scale;      /* factor of dL/d(out): 1/B (mean) or 1 (sum) */
  gboolean       backward;   /* training: dropout on, gradients */
  const DlHyper *hyper;      /* then also the optimiser step, or NULL */
  float          bc1, bc2;
  float          avg_rate;   /* average_prepare's */
  float         *probs;      /* predictions: B × 10 out */
  double         loss[DL_TEAM_MAX];
  int            correct[DL_TEAM_MAX];
} Pass;

/* A conv layer's weight and bias gradients: part 0's plus the other parts'. */
static void
sum_part_grads (DlNet *net, const Layer *l, int n_parts)
{
  float *g = net->grads + l->w_off;
  gsize n = l->n_w + l->n_b;  /* the biases follow the weights */

  for (int p = 1; p < n_parts; p++)
    {
      const float *pg = net->part_grads + (gsize) (p - 1) * net->n_params + l->w_off;
      for (gsize i = 0; i < n; i++)
        g[i] += pg[i];
    }
}

/* Batch-normalised dense layer i, the part's rows [r0, r0 + n) of dy = dL/dy (before β and the activation,
 * rows packed): dβ and dγ over the whole batch (the parts' sums added in part order, each part a share of
 * the units), then dy → dz for the part's rows. */
static void
dense_bn_backward (DlNet *net, DlTeam *team, int part, int i, float *dy, int r0, int n, int B)
{
  const Layer *l = &net->layers[i];
  Acts *a = &net->acts;
  int out = l->out_size, n_parts = dl_team_size (team), u0, u1;
  const float *xhat = a->xhat[i] + (gsize) r0 * out;
  float *dbeta = net->grads + l->b_off, *dgamma = net->grads + l->g_off;

  dl_bn_grad_sums (dy, xhat, n, out, a->bn_sums[i] + part * a->bn_stride);
  dl_team_barrier (team);
  dl_team_share (part, n_parts, out, LINE_FLOATS, &u0, &u1);
  dl_bn_grad_stats (a->bn_sums[i], n_parts, a->bn_stride, u0, u1, dbeta, dgamma);
  dl_team_barrier (team);
  dl_bn_backward (dy, xhat, n, out, net->params + l->g_off, a->bn_istd[i], dbeta, dgamma, B);
}

/* Gradient of the loss w.r.t. the last layer's output, rows [r0, r1) of dbuf[0] → every parameter's
 * gradient, and the optimiser step when the pass has one. Each part carries its own rows back through the
 * layers; a weight gradient sums over the whole batch, so at each dense layer the parts meet at a
 * barrier and then each takes its columns of it — and updates them at once, while they are in its cache:
 * past the barrier nobody reads that layer's weights any more. A second barrier keeps the layers below
 * from overwriting the ping-pong buffer that holds dz while another part still reads it. */
static void
backward_rows (const Pass *s, DlTeam *team, int part, int r0, int r1)
{
  DlNet *net = s->net;
  Acts *a = &net->acts;
  int cur = 0, n = r1 - r0, n_parts = dl_team_size (team);

  /* Layers below the lowest one with weights (a std layer) need no gradient, nor does that one's input. */
  for (int i = net->n_layers - 1; i >= net->first_weighted; i--)
    {
      const Layer *l = &net->layers[i];
      const float *in = i > 0 ? a->out[i - 1] : s->x, *out = a->out[i];
      float *dy = a->dbuf[cur];
      float *dx = i > net->first_weighted ? a->dbuf[1 - cur] : NULL;
      float *dw = net->grads + l->w_off, *db = net->grads + l->b_off;
      const float *w = net->params + l->w_off;
      /* ro, ri: the part's rows in the layer's own buffers; rb: in the gradient buffers */
      gsize ro = (gsize) r0 * l->out_size, ri = (gsize) r0 * l->in_size, rb = row_base (net, r0);
      gsize n_out = (gsize) n * l->out_size;
      switch (l->kind)
        {
        case DL_LAYER_DENSE:
          act_backward (dy + rb, out + ro, n_out, l->act);
          if (l->bn)
            dense_bn_backward (net, team, part, i, dy + rb, r0, n, s->B);
          /* dx: rows × in = dz · w, before the barrier: past it, w changes */
          if (dx && n > 0)
            net->config.blas->sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, l->in_size, l->out_size, 1.0f,
                                     dy + rb, l->out_size, w, l->in_size, 0.0f, dx + rb, l->in_size);
          dl_team_barrier (team);
          dense_weight_grads (net, l, dw, db, dy, in, s->B, part, n_parts);
          if (s->hyper)
            opt_layer (net, l, s->hyper, s->bc1, s->bc2, s->avg_rate, s->B, part, n_parts);
          if (dx)
            dl_team_barrier (team);
          break;
        case DL_LAYER_CONV:
          /* Each part's rows give a partial weight gradient (part 0's in place); part 0 sums them past
           * the barrier — conv layers hold few weights — and updates. */
          if (part > 0)
            dw = net->part_grads + (gsize) (part - 1) * net->n_params + l->w_off, db = dw + l->n_w;
          if (n > 0)
            {
              DlConvPlan plan = conv_plan (net, a, i, r0);
              conv_backward (net, i, &plan, dx ? dx + rb : NULL, dw, db, dy + rb, out + ro, in + ri, w, n,
                             a->conv_scratch + part * a->conv_scratch_n, l->relu_by_pool);
            }
          else
            memset (dw, 0, sizeof (float) * (l->n_w + l->n_b));
          dl_team_barrier (team);
          if (part > 0)
            break;
          sum_part_grads (net, l, n_parts);
          if (s->hyper)
            opt_layer (net, l, s->hyper, s->bc1, s->bc2, s->avg_rate, s->B, 0, 1);
          break;
        case DL_LAYER_MAXPOOL:
          if (dx && n > 0 && l->relu_by_pool)
            dl_maxpool_relu_backward (dy + rb, out + ro, a->argmax[i] + ro, dx + rb, n, l->in_c, l->in_h, l->in_w);
          else if (dx && n > 0)
            dl_maxpool_backward (dy + rb, a->argmax[i] + ro, dx + rb, n, l->in_c, l->in_h, l->in_w);
          break;
        case DL_LAYER_DROPOUT:
          if (dx && l->drop > 0.0f)
            dropout_apply (dx + rb, dy + rb, a->mask[i] + ro, n_out);
          else if (dx)
            memcpy (dx + rb, dy + rb, sizeof (float) * n_out);
          break;
        case DL_LAYER_STD:
          if (dx)
            std_apply (dx + rb, dy + rb, n_out, TRUE);
          break;
        }
      cur = 1 - cur;
    }
}

static void
pass_part (DlTeam *team, int part, gpointer data)
{
  Pass *s = data;
  DlNet *net = s->net;
  int r0, r1;

  dl_team_share (part, dl_team_size (team), s->B, 1, &r0, &r1);
  const float *out = forward_part (net, &net->acts, team, part, s->x, s->B, r0, r1, s->backward, TRUE);
  if (s->probs)
    {
      probs_rows (net, out, s->probs, r0, r1);
      return;
    }
  s->loss[part] = loss_rows (net, out, s->y, r0, r1, s->scale, s->backward ? net->acts.dbuf[0] : NULL);
  for (int r = r0; r < r1; r++)
    s->correct[part] += argmax10 (out + r * N_OUT) == s->y[r];
  if (!s->backward)
    return;
  backward_rows (s, team, part, r0, r1);
}

/* Runs the pass on the team, or on the calling thread when the batch is too small to share. Returns the
 * summed loss; *n_correct gets the count of right answers. */
static double
run_pass (DlNet *net, Pass *s, int *n_correct)
{
  DlTeam *team = s->B >= MIN_ROWS_PER_PART * dl_team_size (net->team) ? net->team : NULL;
  double loss = 0.0;
  int correct = 0;

  dl_team_run (team, pass_part, s);
  for (int i = 0; i < dl_team_size (team); i++)
    loss += s->loss[i], correct += s->correct[i];
  if (n_correct)
    *n_correct = correct;
  return loss;
}

static float
train_pass (DlNet *net, const float *x, const guint8 *y, int B, DlReduce reduce, const DlHyper *h,
            int *n_correct)
{
  Pass s = { .net = net, .x = x, .y = y, .B = B, .backward = TRUE, .hyper = h,
             .scale = reduce == DL_REDUCE_SUM ? 1.0f : 1.0f / B };

  ensure_capacity (net, B);
  draw_masks (net, B);
  if (h)
    opt_prepare (net, h, &s.bc1, &s.bc2, &s.avg_rate);
  double loss = run_pass (net, &s, n_correct);
  net->health_batch = B;
  return (float) (loss / B);
}

float
dl_net_train_step (DlNet *net, const float *x, const guint8 *y, int batch, const DlHyper *hyper,
                   int *n_correct)
{
  g_return_val_if_fail (batch >= 1 && batch <= DL_MAX_BATCH, NAN);
  return train_pass (net, x, y, batch, hyper->reduce, hyper, n_correct);
}

float
dl_net_compute_grads (DlNet *net, const float *x, const guint8 *y, int batch, DlReduce reduce)
{
  g_return_val_if_fail (batch >= 1 && batch <= DL_MAX_BATCH, NAN);
  return train_pass (net, x, y, batch, reduce, NULL, NULL);
}

/* ---- the batch, gathered by the team ---- */

typedef struct {
  DlNet                  *net;
  const DlDataset        *ds;
  const int              *idx;
  int                     n;
  const DlAugmentOptions *augment;  /* NULL: a plain gather */
  float                  *x;
} Gather;

static void
gather_part (DlTeam *team, int part, gpointer data)
{
  const Gather *g = data;
  const gsize d = (gsize) g->ds->rows * g->ds->cols;
  int i0, i1;

  dl_team_share (part, dl_team_size (team), g->n, 1, &i0, &i1);
  if (g->augment == NULL)
    {
      dl_dataset_gather (g->ds, g->idx + i0, i1 - i0, g->x + i0 * d);
      return;
    }
  float *scratch = g->net->augment_scratch + part * g->net->augment_scratch_n;
  for (int i = i0; i < i1; i++)
    dl_augment_one (g->augment, g->net->seeds[i], g->ds->pixels + (gsize) g->idx[i] * d, g->ds->rows, g->ds->cols,
                    g->x + i * d, scratch);
}

void
dl_net_gather (DlNet *net, const DlDataset *ds, const int *idx, int n, const DlAugmentOptions *augment, DlRng *rng,
               float *x)
{
  g_return_if_fail (n >= 0 && n <= DL_MAX_BATCH);
  Gather g = { net, ds, idx, n, augment && augment->kinds ? augment : NULL, x };
  /* A handful of images is not worth waking the team for. */
  DlTeam *team = n >= 4 * dl_team_size (net->team) ? net->team : NULL;

  if (g.augment)
    {
      gsize need = dl_augment_scratch_floats (ds->rows, ds->cols);
      if (net->augment_scratch == NULL || net->augment_scratch_n < need)
        {
          g_free (net->augment_scratch);
          net->augment_scratch_n = need;
          net->augment_scratch = g_new (float, need * dl_team_size (net->team));
        }
      dl_augment_seeds (rng, n, net->seeds);
    }
  dl_team_run (team, gather_part, &g);
}

/* ---- inference ---- */

float
dl_net_loss (DlNet *net, const float *x, const guint8 *y, int batch)
{
  g_return_val_if_fail (batch >= 1 && batch <= DL_MAX_BATCH, NAN);
  Pass s = { .net = net, .x = x, .y = y, .B = batch };

  settle_health (net);
  ensure_capacity (net, batch);
  return (float) (run_pass (net, &s, NULL) / batch);
}

void
dl_net_predict (DlNet *net, const float *x, int batch, float *probs)
{
  g_return_if_fail (batch >= 1 && batch <= DL_MAX_BATCH);
  Pass s = { .net = net, .x = x, .B = batch, .probs = probs };

  settle_health (net);
  ensure_capacity (net, batch);
  run_pass (net, &s, NULL);
}

/* ---- re-entrant inference: a caller's DlNetWork, the parameters only read ---- */

DlNetWork *
dl_net_work_new (const DlNet *net, int batch)
{
  g_return_val_if_fail (net != NULL && batch >= 1 && batch <= DL_MAX_BATCH, NULL);
  DlNetWork *work = g_new0 (DlNetWork, 1);
  work->n_params = net->n_params;
  work->n_layers = net->n_layers;
  acts_alloc (&work->acts, net, batch, 1, FALSE);
  return work;
}

void
dl_net_work_free (DlNetWork *work)
{
  if (work == NULL)
    return;
  acts_clear (&work->acts);
  g_free (work);
}

static gboolean
work_fits (const DlNet *net, const DlNetWork *work, int batch)
{
  return work->n_params == net->n_params && work->n_layers == net->n_layers && batch >= 1
         && batch <= work->acts.capacity;
}

void
dl_net_forward (const DlNet *net, DlNetWork *work, const float *x, int batch, float *probs)
{
  g_return_if_fail (work_fits (net, work, batch));
  unsigned fp = dl_fp_enter ();
  /* Unfused: every layer's output, as the work promises, is after its activation. */
  const float *out = forward_part (net, &work->acts, NULL, 0, x, batch, 0, batch, FALSE, FALSE);
  if (probs)
    probs_rows (net, out, probs, 0, batch);
  dl_fp_leave (fp);
}

const float *
dl_net_work_output (const DlNetWork *work, int layer)
{
  g_return_val_if_fail (work != NULL && layer >= 0 && layer < work->n_layers, NULL);
  return work->acts.out[layer];
}

/* Backward from dout through every layer to the image, with the activations the last dl_net_forward
 * left in the work: no parameter gradient, no update, dropout as in inference (identity). Each layer's
 * output gradient is B rows of its own size, packed, in the work's ping-pong buffers. */
void
dl_net_input_grad (const DlNet *net, DlNetWork *work, const float *x, const float *dout, int batch, float *dx)
{
  g_return_if_fail (work_fits (net, work, batch));
  Acts *a = &work->acts;
  int cur = 0;
  unsigned fp = dl_fp_enter ();

  memcpy (a->dbuf[0], dout, sizeof (float) * batch * N_OUT);
  for (int i = net->n_layers - 1; i >= 0; i--)
    {
      const Layer *l = &net->layers[i];
      const float *in = i > 0 ? a->out[i - 1] : x, *w = net->params + l->w_off;
      float *dy = a->dbuf[cur], *d_in = i > 0 ? a->dbuf[1 - cur] : dx;
      gsize n_out = (gsize) batch * l->out_size;
      switch (l->kind)
        {
        case DL_LAYER_DENSE:
          act_backward (dy, a->out[i], n_out, l->act);
          if (l->bn)
            dl_bn_infer_backward (dy, batch, l->out_size, net->params + l->g_off, net->params + l->rv_off);
          /* d_in: B × in = dz · w */
          net->config.blas->sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, l->in_size, l->out_size, 1.0f,
                                   dy, l->out_size, w, l->in_size, 0.0f, d_in, l->in_size);
          break;
        case DL_LAYER_CONV:
          {
            DlConvPlan plan = conv_plan (net, a, i, 0);
            conv_backward (net, i, &plan, d_in, NULL, NULL, dy, a->out[i], in, w, batch, a->conv_scratch, FALSE);
          }
          break;
        case DL_LAYER_MAXPOOL:
          dl_maxpool_backward (dy, a->argmax[i], d_in, batch, l->in_c, l->in_h, l->in_w);
          break;
        case DL_LAYER_DROPOUT:
          memcpy (d_in, dy, sizeof (float) * n_out);
          break;
        case DL_LAYER_STD:
          std_apply (d_in, dy, n_out, TRUE);
          break;
        }
      cur = 1 - cur;
    }
  dl_fp_leave (fp);
}

/* ---- threads ---- */

void
dl_net_set_threads (DlNet *net, int n)
{
  n = CLAMP (n, 1, DL_TEAM_MAX);
  if (dl_team_size (net->team) != n)
    {
      g_clear_pointer (&net->team, dl_team_free);
      if (n > 1)
        net->team = dl_team_new (n);
      free_buffers (net);  /* conv scratch and partial gradients are per part */
    }
  net->config.threads = n;
  dl_blas_set_threads (1);
}

int
dl_net_get_threads (const DlNet *net)
{
  return dl_team_size (net->team);
}

double
dl_net_team_cpu_seconds (const DlNet *net)
{
  return dl_team_cpu_seconds (net->team);
}

void
dl_net_config_init (DlNetConfig *config)
{
  memset (config, 0, sizeof *config);
  config->threads = 1;
  config->split = DL_SPLIT_UNITS;
  config->blas = dl_blas_kernel ();
  for (int i = 0; i < DL_MAX_LAYERS; i++)
    config->conv[i] = DL_CONV_IM2COL;
}

void
dl_net_get_config (const DlNet *net, DlNetConfig *config)
{
  *config = net->config;
}

void
dl_net_set_config (DlNet *net, const DlNetConfig *config)
{
  g_return_if_fail (config->blas != NULL && config->split <= DL_SPLIT_UNITS);
  /* The buffers depend on the conv algorithms (the columns some keep). */
  if (memcmp (net->config.conv, config->conv, sizeof config->conv) != 0)
    free_buffers (net);
  net->config = *config;
  for (int i = 0; i < DL_MAX_LAYERS; i++)
    net->config.conv[i] = CLAMP (config->conv[i], 0, DL_CONV_N_ALGOS - 1);
  dl_net_set_threads (net, config->threads);
}

/* ---- accessors and diagnostics ---- */

const DlArch *
dl_net_arch (const DlNet *net)
{
  return &net->arch;
}

gsize
dl_net_n_params (const DlNet *net)
{
  return net->n_params;
}

float *
dl_net_params (DlNet *net)
{
  return net->params;
}

const float *
dl_net_grads (const DlNet *net)
{
  return net->grads;
}

void
dl_net_set_params (DlNet *net, const float *params)
{
  memcpy (net->params, params, sizeof (float) * net->n_params);
  reset_opt_state (net);
}

void
dl_net_seed (DlNet *net, guint64 seed)
{
  net->seed = seed;
  dl_rng_seed (&net->rng, seed);
}

guint64
dl_net_get_seed (const DlNet *net)
{
  return net->seed;
}

gsize
dl_net_opt_state_floats (const DlNet *net)
{
  return DL_NET_STATE_BLOCKS * net->n_params;
}

/* The state is stored packed (velocity, Adam m, Adam v, average; n_params each), not at the net's padded
 * stride; without an average its block is zeros. */
void
dl_net_get_train_state (const DlNet *net, DlNetTrainState *state, float *opt_state)
{
  g_return_if_fail (!net->swapped);
  state->opt_started = net->opt_started;
  state->opt_last = net->opt_last;
  state->adam_t = net->adam_t;
  state->avg_t = net->avg_t;
  memcpy (state->rng, net->rng.s, sizeof state->rng);
  for (int k = 0; k < 3; k++)
    memcpy (opt_state + k * net->n_params, net->opt_state + k * net->state_stride, sizeof (float) * net->n_params);
  if (net->avg_t > 0)
    memcpy (opt_state + 3 * net->n_params, net->average, sizeof (float) * net->n_params);
  else
    memset (opt_state + 3 * net->n_params, 0, sizeof (float) * net->n_params);
}

void
dl_net_set_train_state (DlNet *net, const DlNetTrainState *state, const float *opt_state)
{
  g_return_if_fail (!net->swapped);
  net->opt_started = state->opt_started;
  net->opt_last = state->opt_last;
  net->adam_t = state->adam_t;
  net->avg_t = MAX (state->avg_t, 0);
  memcpy (net->rng.s, state->rng, sizeof state->rng);
  for (int k = 0; k < 3; k++)
    memcpy (net->opt_state + k * net->state_stride, opt_state + k * net->n_params, sizeof (float) * net->n_params);
  memcpy (net->average, opt_state + 3 * net->n_params, sizeof (float) * net->n_params);
}

const float *
dl_net_model_params (const DlNet *net)
{
  return (net->avg_t > 0) != net->swapped ? net->average : net->params;
}

void
dl_net_swap_average (DlNet *net)
{
  if (net->avg_t == 0)
    return;
  float *p = net->params;
  net->params = net->average;
  net->average = p;
  net->swapped = !net->swapped;
}

static float
l2_norm (const float *v, gsize n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += (double) v[i] * v[i];
  return (float) sqrt (s);
}

void
dl_net_health (const DlNet *net, DlHealth *health)
{
  memset (health, 0, sizeof *health);
  health->n_layers = net->n_layers;
  if (net->health_batch)
    measure_health (net, net->health_batch, health->saturated, health->dead);
  else
    {
      memcpy (health->saturated, net->saturated, sizeof net->saturated);
      memcpy (health->dead, net->dead, sizeof net->dead);
    }
  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];
      health->weight_norm[i] = l2_norm (net->params + l->w_off, l->n_w);
      health->grad_norm[i] = l2_norm (net->grads + l->w_off, l->n_w);
    }
}

double
dl_net_train_flops (const DlNet *net)
{
  /* Forward: 2 flops per multiply-add; backward: twice that (input gradient and weight gradient),
   * except for the lowest layer with weights, whose input gradient (the image's, or a std layer's)
   * backward_rows never computes. A std layer's few flops per pixel are left out, like the activations'. */
  double f = 0.0;
  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];
      double passes = i <= net->first_weighted ? 2.0 : 3.0;
      if (l->kind == DL_LAYER_DENSE)
        f += passes * 2.0 * l->in_size * l->out_size;
      else if (l->kind == DL_LAYER_CONV)
        f += passes * 2.0 * l->out_size * l->in_c * l->k * l->k;
    }
  return f;
}
