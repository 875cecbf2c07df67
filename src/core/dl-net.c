/* dl-net.c — the network: layers over one flat parameter buffer, built, configured (threads, BLAS kernel,
 * conv algorithms) and read; its passes, losses and optimisers are in the other dl-net-*.c files
 * (dl-net-private.h lists them).
 *
 * Memory, in the style of llm.c: parameters, gradients and optimiser state are each ONE allocation
 * carved into per-layer tensors; activations, masks and scratch are one allocation sized for the
 * largest batch seen, so a training step never allocates.
 */
#include "config.h"
#include "dl-net-private.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

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
      l->bn = (s->kind == DL_LAYER_DENSE || s->kind == DL_LAYER_CONV) && s->bn;
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

void
_dl_net_acts_clear (Acts *a)
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
  _dl_net_acts_clear (&net->acts);
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
void
_dl_net_acts_alloc (Acts *a, const DlNet *net, int batch, int n_parts, gboolean masks)
{
  gsize n = 0, n_argmax = 0, scratch = 0;
  for (int i = 0; i < net->n_layers; i++)
    {
      const Layer *l = &net->layers[i];
      n += (gsize) batch * l->out_size;
      if (masks && l->kind == DL_LAYER_DROPOUT)
        n += (gsize) batch * l->out_size;
      if (masks && l->bn)
        n += (gsize) batch * l->out_size + 2 * l->n_b;
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
          a->bn_mean[i] = p, p += l->n_b;
          a->bn_istd[i] = p, p += l->n_b;
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
      bn_units = MAX (bn_units, net->layers[i].n_b), n_bn++;
  a->bn_stride = (2 * bn_units + 7) / 8 * 8;
  a->bn_sums_buf = n_bn ? g_new (double, a->bn_stride * n_parts * n_bn) : NULL;
  for (int i = 0, k = 0; i < net->n_layers; i++)
    a->bn_sums[i] = masks && net->layers[i].bn ? a->bn_sums_buf + a->bn_stride * n_parts * k++ : NULL;
  a->capacity = batch;
}

/* Sizes the net's own buffers for `batch` examples; a no-op unless the batch is the largest yet. */
void
_dl_net_ensure_capacity (DlNet *net, int batch)
{
  if (batch <= net->acts.capacity)
    return;
  free_buffers (net);

  int n_parts = dl_team_size (net->team);
  _dl_net_acts_alloc (&net->acts, net, batch, n_parts, TRUE);
  if (net->acts.conv_scratch_n && n_parts > 1)
    net->part_grads = aligned_floats (net->n_params * (n_parts - 1));
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
    _dl_net_measure_health (net, net->health_batch, health->saturated, health->dead);
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
