/* dl-net-loss.c — softmax cross-entropy and MSE with their gradients, the probabilities, and the health of
 * a training batch's activations (saturated tanh units, dead ReLUs). */
#include "dl-net-private.h"

#include <math.h>

/* The MSE target for output j of a digit y: 1 for the digit, else −1 after tanh and 0 otherwise. */
static inline float
mse_target (DlAct act, int j, int y)
{
  return j == y ? 1.0f : (act == DL_ACT_TANH ? -1.0f : 0.0f);
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
double
_dl_net_loss_rows (DlNet *net, const float *out, const guint8 *y, int r0, int r1, float scale, float *dout)
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
void
_dl_net_probs_rows (const DlNet *net, const float *out, float *probs, int r0, int r1)
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
void
_dl_net_measure_health (const DlNet *net, int B, float *saturated, float *dead)
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
void
_dl_net_settle_health (DlNet *net)
{
  if (net->health_batch == 0)
    return;
  _dl_net_measure_health (net, net->health_batch, net->saturated, net->dead);
  net->health_batch = 0;
}
