/* dl-net.c — the network: layers over one flat parameter buffer, mini-batch forward and backward
 * through CBLAS sgemm, the losses and the optimisers.
 *
 * Memory, in the style of llm.c: parameters, gradients and optimiser state are each ONE allocation
 * carved into per-layer tensors; activations, masks and scratch are one allocation sized for the
 * largest batch seen, so a training step never allocates.
 */
#include "dl-net-private.h"
#include "dl-conv.h"
#include "dl-rng.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define N_OUT 10  /* one output per digit */

typedef struct {
  DlLayerKind kind;
  DlAct       act;
  int         in_c, in_h, in_w, in_size;     /* per example */
  int         out_c, out_h, out_w, out_size; /* per example */
  int         k, pad;                        /* conv */
  float       drop;                          /* dropout */
  gsize       w_off, n_w, b_off, n_b;        /* into params / grads / optimiser state */
  float      *out;                           /* batch × out_size, after the activation */
  float      *mask;                          /* dropout: batch × out_size, 0 or 1/(1 − p) */
  int        *argmax;                        /* maxpool: batch × out_size */
} Layer;

struct _DlNet {
  DlArch   arch;
  guint64  seed;
  DlRng    rng;
  int      n_layers;
  Layer    layers[DL_MAX_LAYERS];
  int      max_size;            /* largest per-example tensor, input included */

  gsize    n_params;
  float   *params;              /* n_params */
  float   *grads;               /* n_params */
  float   *opt_state;           /* 3 × n_params: velocity | Adam m | Adam v */
  gboolean opt_started;
  DlOptimizer opt_last;
  gint64   adam_t;

  int      capacity;            /* batch the buffers below hold */
  float   *acts;                /* one allocation: layer outputs, masks, gradients, scratch */
  int     *argmax_buf;
  float   *dbuf[2];             /* ping-pong gradients, capacity × max_size */
  float   *probs;               /* capacity × 10 */
  float   *unit_max;            /* max_size: per-unit maximum over a batch (dead ReLUs) */
  float   *conv_scratch;
  gsize    conv_scratch_n;

  int      health_batch;        /* batch whose training activations the layer outputs still hold, or 0 */
  float    saturated[DL_MAX_LAYERS];  /* health of the last training batch, once measured */
  float    dead[DL_MAX_LAYERS];
};

/* ---- activations ---- */

/* y = act(y + b), row by row: the bias add and the activation in one pass. y: B × n, b: n. */
static void
bias_act_forward (float *restrict y, const float *restrict b, int B, int n, DlAct act)
{
  for (int r = 0; r < B; r++)
    {
      float *row = y + (gsize) r * n;
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
            row[j] = tanhf (row[j] + b[j]);
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
        y[i] = tanhf (y[i]);
      break;
    case DL_ACT_SIGMOID:
      for (gsize i = 0; i < n; i++)
        y[i] = 1.0f / (1.0f + expf (-y[i]));
      break;
    }
}

/* dy ← dy · act'(z), the derivative written through the activation's output y. Both n values. */
static void
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

/* x: B × in, w: out × in, b: out → y: B × out = act(x · wᵀ + b). */
static void
dense_forward (float *y, const float *x, const float *w, const float *b, int B, int in, int out, DlAct act)
{
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, B, out, in, 1.0f, x, in, w, in, 0.0f, y, out);
  bias_act_forward (y, b, B, out, act);
}

/* dy: B × out (overwritten with dz = dy · act'), y: B × out, x: B × in, w: out × in →
 * dw: out × in = dzᵀ · x, db: out = Σ_batch dz, dx: B × in = dz · w (skipped when NULL). */
static void
dense_backward (float *dx, float *dw, float *db, float *dy, const float *y, const float *x, const float *w,
                int B, int in, int out, DlAct act)
{
  act_backward (dy, y, (gsize) B * out, act);
  memset (db, 0, sizeof (float) * out);
  for (int r = 0; r < B; r++)
    {
      const float *row = dy + (gsize) r * out;
      for (int j = 0; j < out; j++)
        db[j] += row[j];
    }
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B, 1.0f, dy, out, x, in, 0.0f, dw, in);
  if (dx)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, B, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
}

/* x: B × C × H × W, w: K × C × k × k, b: K → y: B × K × Ho × Wo = act(conv(x, w) + b), stride 1,
 * zero padding `pad` (dl-conv does im2col + sgemm and adds the bias). */
static void
conv_forward (float *y, const float *x, const float *w, const float *b, const Layer *l, int B, float *scratch)
{
  dl_conv_forward (x, w, b, y, B, l->in_c, l->in_h, l->in_w, l->out_c, l->k, l->pad, scratch);
  act_forward (y, (gsize) B * l->out_size, l->act);
}

/* dy: B × K × Ho × Wo (overwritten with dy · act'), y: the forward output, x: B × C × H × W →
 * dw: K × C × k × k, db: K (summed over the batch), dx: B × C × H × W (skipped when NULL). */
static void
conv_backward (float *dx, float *dw, float *db, float *dy, const float *y, const float *x, const float *w,
               const Layer *l, int B, float *scratch)
{
  act_backward (dy, y, (gsize) B * l->out_size, l->act);
  dl_conv_backward (x, w, dy, dx, dw, db, B, l->in_c, l->in_h, l->in_w, l->out_c, l->k, l->pad, scratch);
}

/* x: B × n → y: B × n = x · mask, mask drawn fresh: 0 with probability p, else 1/(1 − p) (inverted
 * dropout, so inference needs no rescaling). */
static void
dropout_forward (float *y, float *mask, const float *x, gsize n, float p, DlRng *rng)
{
  float keep = 1.0f / (1.0f - p);
  /* 24 random bits per unit are plenty for a drop decision and twice as cheap as a double. */
  guint32 threshold = (guint32) (p * 16777216.0f);
  for (gsize i = 0; i < n; i++)
    {
      guint32 u = (guint32) (dl_rng_next (rng) >> 40);
      mask[i] = u < threshold ? 0.0f : keep;
      y[i] = x[i] * mask[i];
    }
}

/* dy: B × n → dx = dy · mask. */
static void
dropout_backward (float *restrict dx, const float *restrict dy, const float *restrict mask, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dx[i] = dy[i] * mask[i];
}

/* ---- construction ---- */

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
  memset (net->opt_state, 0, sizeof (float) * 3 * net->n_params);
  net->opt_started = FALSE;
  net->adam_t = 0;
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
      l->drop = s->drop;
      dl_arch_shape (arch, i - 1, &l->in_c, &l->in_h, &l->in_w);
      dl_arch_shape (arch, i, &l->out_c, &l->out_h, &l->out_w);
      l->in_size = l->in_c * l->in_h * l->in_w;
      l->out_size = l->out_c * l->out_h * l->out_w;
      net->max_size = MAX (net->max_size, l->out_size);
      if (s->kind == DL_LAYER_DENSE)
        l->n_w = (gsize) l->out_size * l->in_size, l->n_b = l->out_size;
      else if (s->kind == DL_LAYER_CONV)
        l->n_w = (gsize) l->out_c * l->in_c * l->k * l->k, l->n_b = l->out_c;
      l->w_off = off;
      off += l->n_w;
      l->b_off = off;
      off += l->n_b;
    }
  net->n_params = off;
  net->params = g_new (float, off);
  net->grads = g_new0 (float, off);
  net->opt_state = g_new (float, 3 * off);
  reset_opt_state (net);
  init_params (net);
  return net;
}

DlNet *
dl_net_copy (const DlNet *net)
{
  DlNet *copy = dl_net_new (&net->arch, net->seed);
  memcpy (copy->params, net->params, sizeof (float) * net->n_params);
  copy->rng = net->rng;
  return copy;
}

static void
free_buffers (DlNet *net)
{
  g_clear_pointer (&net->acts, g_free);
  g_clear_pointer (&net->argmax_buf, g_free);
  g_clear_pointer (&net->conv_scratch, g_free);
  net->capacity = 0;
}

void
dl_net_free (DlNet *net)
{
  if (net == NULL)
    return;
  free_buffers (net);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->opt_state);
  g_free (net);
}

/* Sizes every batch-dependent buffer for `batch` examples; a no-op unless the batch is the largest yet. */
static void
ensure_capacity (DlNet *net, int batch)
{
  if (batch <= net->capacity)
    return;
  free_buffers (net);

  gsize n = 0, n_argmax = 0, scratch = 0;
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      n += (gsize) batch * l->out_size;
      if (l->kind == DL_LAYER_DROPOUT)
        n += (gsize) batch * l->out_size;
      if (l->kind == DL_LAYER_MAXPOOL)
        n_argmax += (gsize) batch * l->out_size;
      if (l->kind == DL_LAYER_CONV)
        scratch = MAX (scratch, dl_conv_scratch_floats (batch, l->in_c, l->in_h, l->in_w, l->out_c, l->k, l->pad));
    }
  n += 2 * (gsize) batch * net->max_size + (gsize) batch * N_OUT + net->max_size;

  float *p = net->acts = g_new (float, n);
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      l->out = p, p += (gsize) batch * l->out_size;
      l->mask = NULL;
      if (l->kind == DL_LAYER_DROPOUT)
        l->mask = p, p += (gsize) batch * l->out_size;
    }
  net->dbuf[0] = p, p += (gsize) batch * net->max_size;
  net->dbuf[1] = p, p += (gsize) batch * net->max_size;
  net->probs = p, p += (gsize) batch * N_OUT;
  net->unit_max = p;

  int *q = net->argmax_buf = n_argmax ? g_new (int, n_argmax) : NULL;
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      l->argmax = NULL;
      if (l->kind == DL_LAYER_MAXPOOL)
        l->argmax = q, q += (gsize) batch * l->out_size;
    }
  net->conv_scratch_n = scratch;
  net->conv_scratch = scratch ? g_new (float, scratch) : NULL;
  net->capacity = batch;
}

/* ---- forward, loss, backward ---- */

/* x: B × input size → every layer's out; the last is B × 10. Dropout is active when training. */
static const float *
net_forward (DlNet *net, const float *x, int B, gboolean training)
{
  const float *in = x;
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      const float *w = net->params + l->w_off, *b = net->params + l->b_off;
      gsize n_out = (gsize) B * l->out_size;
      switch (l->kind)
        {
        case DL_LAYER_DENSE:
          dense_forward (l->out, in, w, b, B, l->in_size, l->out_size, l->act);
          break;
        case DL_LAYER_CONV:
          conv_forward (l->out, in, w, b, l, B, net->conv_scratch);
          break;
        case DL_LAYER_MAXPOOL:
          dl_maxpool_forward (in, l->out, l->argmax, B, l->in_c, l->in_h, l->in_w);
          break;
        case DL_LAYER_DROPOUT:
          if (training && l->drop > 0.0f)
            dropout_forward (l->out, l->mask, in, n_out, l->drop, &net->rng);
          else
            memcpy (l->out, in, sizeof (float) * n_out);
          break;
        }
      in = l->out;
    }
  return in;
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

/* Mean loss of the batch whose forward pass just ran; writes dL/d(out) into dout (B × 10) when non-NULL,
 * scaled by 1/B for DL_REDUCE_MEAN and by 1 for DL_REDUCE_SUM. */
static float
net_loss (DlNet *net, const float *out, const guint8 *y, int B, DlReduce reduce, float *dout)
{
  float scale = reduce == DL_REDUCE_SUM ? 1.0f : 1.0f / B;
  double loss;
  if (net->arch.loss == DL_LOSS_SOFTMAX_CE)
    {
      loss = softmax_rows (out, net->probs, y, B);
      if (dout)
        for (int r = 0; r < B; r++)
          for (int j = 0; j < N_OUT; j++)
            dout[r * N_OUT + j] = (net->probs[r * N_OUT + j] - (j == y[r])) * scale;
    }
  else
    {
      DlAct act = net->layers[net->n_layers - 1].act;
      loss = mse_rows (out, y, B, act);
      if (dout)
        for (int r = 0; r < B; r++)
          for (int j = 0; j < N_OUT; j++)
            dout[r * N_OUT + j] = 2.0f * (out[r * N_OUT + j] - mse_target (act, j, y[r])) * scale;
    }
  return (float) (loss / B);
}

/* Gradient of the loss w.r.t. the last layer's output, in dbuf[0] → net->grads for every parameter. */
static void
net_backward (DlNet *net, const float *x, int B)
{
  int cur = 0;
  for (int i = net->n_layers - 1; i >= 0; i--)
    {
      Layer *l = &net->layers[i];
      const float *in = i > 0 ? net->layers[i - 1].out : x;
      float *dy = net->dbuf[cur];
      /* The first layer's input gradient is never needed. */
      float *dx = i > 0 ? net->dbuf[1 - cur] : NULL;
      float *dw = net->grads + l->w_off, *db = net->grads + l->b_off;
      const float *w = net->params + l->w_off;
      switch (l->kind)
        {
        case DL_LAYER_DENSE:
          dense_backward (dx, dw, db, dy, l->out, in, w, B, l->in_size, l->out_size, l->act);
          break;
        case DL_LAYER_CONV:
          conv_backward (dx, dw, db, dy, l->out, in, w, l, B, net->conv_scratch);
          break;
        case DL_LAYER_MAXPOOL:
          if (dx)
            dl_maxpool_backward (dy, l->argmax, dx, B, l->in_c, l->in_h, l->in_w);
          break;
        case DL_LAYER_DROPOUT:
          if (dx && l->drop > 0.0f)
            dropout_backward (dx, dy, l->mask, (gsize) B * l->out_size);
          else if (dx)
            memcpy (dx, dy, sizeof (float) * B * l->out_size);
          break;
        }
      cur = 1 - cur;
    }
}

/* Share of a ReLU layer's units that gave 0 for every example of the batch. A conv layer's unit is a
 * filter, dead when zero at every position: single positions are zero on MNIST's black border anyway. */
static float
dead_share (const DlNet *net, const Layer *l, int B)
{
  int per_unit = l->kind == DL_LAYER_CONV ? l->out_h * l->out_w : 1;
  int n_units = l->out_size / per_unit;
  float *mx = net->unit_max;
  int n_dead = 0;

  for (int u = 0; u < n_units; u++)
    mx[u] = 0.0f;
  for (int r = 0; r < B; r++)
    {
      const float *row = l->out + (gsize) r * l->out_size;
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
      gsize n = (gsize) B * l->out_size;
      saturated[i] = dead[i] = 0.0f;
      if (l->act == DL_ACT_TANH || l->act == DL_ACT_SIGMOID)
        {
          gsize sat = 0;
          if (l->act == DL_ACT_TANH)
            for (gsize j = 0; j < n; j++)
              sat += fabsf (l->out[j]) > 0.99f;
          else
            for (gsize j = 0; j < n; j++)
              sat += l->out[j] < 0.01f || l->out[j] > 0.99f;
          saturated[i] = (float) sat / n;
        }
      else if (l->act == DL_ACT_RELU)
        dead[i] = dead_share (net, l, B);
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

static float
compute_grads (DlNet *net, const float *x, const guint8 *y, int B, DlReduce reduce, int *n_correct)
{
  ensure_capacity (net, B);
  const float *out = net_forward (net, x, B, TRUE);
  float loss = net_loss (net, out, y, B, reduce, net->dbuf[0]);
  if (n_correct)
    {
      int c = 0;
      for (int r = 0; r < B; r++)
        c += argmax10 (out + r * N_OUT) == y[r];
      *n_correct = c;
    }
  net->health_batch = B;
  net_backward (net, x, B);
  return loss;
}

float
dl_net_compute_grads (DlNet *net, const float *x, const guint8 *y, int batch, DlReduce reduce)
{
  g_return_val_if_fail (batch >= 1 && batch <= DL_MAX_BATCH, NAN);
  return compute_grads (net, x, y, batch, reduce, NULL);
}

/* ---- optimisers (PyTorch semantics) ---- */

/* One tensor's update. g' = g + wd·p; then
 *   SGD:       p −= lr·g'
 *   momentum:  v = μv + g';  p −= lr·v
 *   Nesterov:  v = μv + g';  p −= lr·(g' + μv)
 *   Adam:      m = β1·m + (1 − β1)·g';  s = β2·s + (1 − β2)·g'²;
 *              p −= lr/(1 − β1ᵗ) · m / (√s / √(1 − β2ᵗ) + eps) */
static void
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
  gsize n = net->n_params;
  if (net->opt_started && net->opt_last == to)
    return;
  gboolean had_velocity = net->opt_started && uses_velocity (net->opt_last);
  if (uses_velocity (to) && !had_velocity)
    memset (net->opt_state, 0, sizeof (float) * n);
  if (to == DL_OPT_ADAM)
    {
      memset (net->opt_state + n, 0, sizeof (float) * 2 * n);
      net->adam_t = 0;
    }
  net->opt_started = TRUE;
  net->opt_last = to;
}

static void
opt_step (DlNet *net, const DlHyper *h)
{
  gsize n = net->n_params;
  opt_switch (net, h->optimizer);
  float bc1 = 1.0f, bc2 = 1.0f;
  if (h->optimizer == DL_OPT_ADAM)
    {
      net->adam_t++;
      bc1 = 1.0f - (float) pow (h->beta1, (double) net->adam_t);
      bc2 = 1.0f - (float) pow (h->beta2, (double) net->adam_t);
    }
  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];
      float *vel = net->opt_state, *m = net->opt_state + n, *s = net->opt_state + 2 * n;
      /* Weight decay applies to weights only: decaying biases only hurts the fit. */
      if (l->n_w)
        opt_update (h, net->params + l->w_off, net->grads + l->w_off, vel + l->w_off, m + l->w_off,
                    s + l->w_off, l->n_w, h->weight_decay, bc1, bc2);
      if (l->n_b)
        opt_update (h, net->params + l->b_off, net->grads + l->b_off, vel + l->b_off, m + l->b_off,
                    s + l->b_off, l->n_b, 0.0f, bc1, bc2);
    }
}

float
dl_net_train_step (DlNet *net, const float *x, const guint8 *y, int batch, const DlHyper *hyper,
                   int *n_correct)
{
  g_return_val_if_fail (batch >= 1 && batch <= DL_MAX_BATCH, NAN);
  float loss = compute_grads (net, x, y, batch, hyper->reduce, n_correct);
  opt_step (net, hyper);
  return loss;
}

/* ---- inference ---- */

float
dl_net_loss (DlNet *net, const float *x, const guint8 *y, int batch)
{
  g_return_val_if_fail (batch >= 1 && batch <= DL_MAX_BATCH, NAN);
  settle_health (net);
  ensure_capacity (net, batch);
  const float *out = net_forward (net, x, batch, FALSE);
  return net_loss (net, out, y, batch, DL_REDUCE_MEAN, NULL);
}

void
dl_net_predict (DlNet *net, const float *x, int batch, float *probs)
{
  g_return_if_fail (batch >= 1 && batch <= DL_MAX_BATCH);
  settle_health (net);
  ensure_capacity (net, batch);
  const float *out = net_forward (net, x, batch, FALSE);
  if (net->arch.loss == DL_LOSS_SOFTMAX_CE)
    {
      softmax_rows (out, probs, NULL, batch);
      return;
    }
  DlAct act = net->layers[net->n_layers - 1].act;
  for (int r = 0; r < batch; r++)
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
   * except for layer 0, whose input gradient (the image's) net_backward never computes. */
  double f = 0.0;
  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];
      double passes = i == 0 ? 2.0 : 3.0;
      if (l->kind == DL_LAYER_DENSE)
        f += passes * 2.0 * l->in_size * l->out_size;
      else if (l->kind == DL_LAYER_CONV)
        f += passes * 2.0 * l->out_size * l->in_c * l->k * l->k;
    }
  return f;
}
