/* dl-net-opt.c — SGD, momentum, Nesterov and Adam (PyTorch semantics) as one fused pass per layer share,
 * and the parameters' moving average. */
#include "dl-net-private.h"

#include <math.h>
#include <string.h>

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
void
_dl_net_opt_prepare (DlNet *net, const DlHyper *h, float *bc1, float *bc2, float *avg_rate)
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

/* A part's share of a layer's update: the weights and biases whose gradient it computed (_dl_net_weight_share).
 * Weight decay applies to weights only: decaying biases only hurts the fit. */
void
_dl_net_opt_layer (DlNet *net, const Layer *l, const DlHyper *h, float bc1, float bc2, float avg_rate, int B, int part,
           int n_parts)
{
  float *vel = net->opt_state, *m = vel + net->state_stride, *v2 = m + net->state_stride;
  Share s;

  _dl_net_weight_share (net->config.split, l, B, part, n_parts, &s);
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
