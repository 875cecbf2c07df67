/* dl-net-pass.c — a pass over a batch, split by rows over the team: the forward pass of a part's rows, the
 * backward pass with the optimiser step, the training step, and the batch gathered by the team. */
#include "dl-net-private.h"
#include "dl-bn.h"
#include "dl-augment.h"

#include <math.h>
#include <string.h>

/* ---- the forward pass ---- */

/* x: B × input size → rows [r0, r1) of every layer's output in `a` (the last: B × 10), for part `part` of
 * the team: wide dense layers split by output units instead, between barriers, since every part needs all
 * of the layer's input and the next layer all of its output. Dropout, when training, applies the masks
 * draw_masks drew for this step. Reads the net's parameters only — but for the running estimates of
 * batch-normalised layers, which training moves. */
const float *
_dl_net_forward_part (const DlNet *net, Acts *a, DlTeam *team, int part, const float *x, int B, int r0, int r1,
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
      gboolean by_units = _dl_net_forward_by_units (net->config.split, l, B, n_parts);
      if (by_units)
        {
          int j0, j1;
          if (!by_units_before)
            dl_team_barrier (team);
          dl_team_share (part, n_parts, l->out_size, LINE_FLOATS, &j0, &j1);
          if (l->bn)
            _dl_net_bn_forward (net, a, team, part, i, out, in, B, 0, B, j0, j1, training, TRUE, FALSE);
          else
            _dl_net_dense_forward (net->config.blas, out, in, w, b, B, l->in_size, l->out_size, j0, j1, l->act);
          dl_team_barrier (team);
        }
      /* Every part meets the others at a batch-normalised layer's barriers. */
      else if (l->bn)
        _dl_net_bn_forward (net, a, team, part, i, out, in, B, r0, n, 0, (int) l->n_b, training, FALSE,
                            fuse && l->relu_by_pool);
      by_units_before = by_units;
      in = out;
      if (n == 0 || by_units || l->bn)
        continue;
      switch (l->kind)
        {
        case DL_LAYER_DENSE:
          _dl_net_dense_forward (net->config.blas, out_r, in_r, w, b, n, l->in_size, l->out_size, 0, l->out_size, l->act);
          break;
        case DL_LAYER_CONV:
          {
            DlConvPlan plan = _dl_net_conv_plan (net, a, i, r0);
            _dl_net_conv_forward (net, i, &plan, out_r, in_r, w, b, n, a->conv_scratch + part * a->conv_scratch_n,
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
            _dl_net_dropout_apply (out_r, in_r, a->mask[i] + (gsize) r0 * l->out_size, n_out);
          else
            memcpy (out_r, in_r, sizeof (float) * n_out);
          break;
        case DL_LAYER_STD:
          _dl_net_std_apply (out_r, in_r, n_out, FALSE);
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
        _dl_net_dropout_draw (net->acts.mask[i], (gsize) B * l->out_size, l->drop, &net->rng);
    }
}


/* ---- a pass over a batch, split by rows over the team ---- */

/* A conv layer's weight and bias gradients: part 0's plus the other parts' (a batch-normalised layer's
 * weights only: dl-bn summed its β's over the batch). */
static void
sum_part_grads (DlNet *net, const Layer *l, int n_parts)
{
  float *g = net->grads + l->w_off;
  gsize n = l->n_w + (l->bn ? 0 : l->n_b);  /* the biases follow the weights */

  for (int p = 1; p < n_parts; p++)
    {
      const float *pg = net->part_grads + (gsize) (p - 1) * net->n_params + l->w_off;
      for (gsize i = 0; i < n; i++)
        g[i] += pg[i];
    }
}

/* Batch-normalised layer i, the part's rows [r0, r0 + n) of dy = dL/dy (before β and the activation,
 * rows packed): dβ and dγ over the whole batch (the parts' sums added in part order, each part a share of
 * the units), then dy → dz for the part's rows. */
static void
bn_backward (DlNet *net, DlTeam *team, int part, int i, float *dy, int r0, int n, int B)
{
  const Layer *l = &net->layers[i];
  Acts *a = &net->acts;
  int units = (int) l->n_b, hw = _dl_net_bn_hw (l), n_parts = dl_team_size (team), u0, u1;
  const float *xhat = a->xhat[i] + (gsize) r0 * l->out_size;
  float *dbeta = net->grads + l->b_off, *dgamma = net->grads + l->g_off;

  dl_bn_grad_sums (dy, xhat, n, units, hw, a->bn_sums[i] + part * a->bn_stride);
  dl_team_barrier (team);
  dl_team_share (part, n_parts, units, LINE_FLOATS, &u0, &u1);
  dl_bn_grad_stats (a->bn_sums[i], n_parts, a->bn_stride, u0, u1, dbeta, dgamma);
  dl_team_barrier (team);
  dl_bn_backward (dy, xhat, n, units, hw, net->params + l->g_off, a->bn_istd[i], dbeta, dgamma, B * hw);
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
          _dl_net_act_backward (dy + rb, out + ro, n_out, l->act);
          if (l->bn)
            bn_backward (net, team, part, i, dy + rb, r0, n, s->B);
          /* dx: rows × in = dz · w, before the barrier: past it, w changes */
          if (dx && n > 0)
            net->config.blas->sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, l->in_size, l->out_size, 1.0f,
                                     dy + rb, l->out_size, w, l->in_size, 0.0f, dx + rb, l->in_size);
          dl_team_barrier (team);
          _dl_net_dense_weight_grads (net, l, dw, db, dy, in, s->B, part, n_parts);
          if (s->hyper)
            _dl_net_opt_layer (net, l, s->hyper, s->bc1, s->bc2, s->avg_rate, s->B, part, n_parts);
          if (dx)
            dl_team_barrier (team);
          break;
        case DL_LAYER_CONV:
          /* Each part's rows give a partial weight gradient (part 0's in place); part 0 sums them past
           * the barrier — conv layers hold few weights — and updates. A batch-normalised layer's dβ
           * comes from dl-bn, for the whole batch at once. */
          if (part > 0)
            dw = net->part_grads + (gsize) (part - 1) * net->n_params + l->w_off, db = dw + l->n_w;
          if (l->bn)
            {
              if (!l->relu_by_pool)
                _dl_net_act_backward (dy + rb, out + ro, n_out, l->act);
              bn_backward (net, team, part, i, dy + rb, r0, n, s->B);
              db = NULL;
            }
          if (n > 0)
            {
              DlConvPlan plan = _dl_net_conv_plan (net, a, i, r0);
              _dl_net_conv_backward (net, i, &plan, dx ? dx + rb : NULL, dw, db, dy + rb, out + ro, in + ri, w, n,
                             a->conv_scratch + part * a->conv_scratch_n, l->relu_by_pool || l->bn);
            }
          else
            memset (dw, 0, sizeof (float) * (l->n_w + (db ? l->n_b : 0)));
          dl_team_barrier (team);
          if (part > 0)
            break;
          sum_part_grads (net, l, n_parts);
          if (s->hyper)
            _dl_net_opt_layer (net, l, s->hyper, s->bc1, s->bc2, s->avg_rate, s->B, 0, 1);
          break;
        case DL_LAYER_MAXPOOL:
          if (dx && n > 0 && l->relu_by_pool)
            dl_maxpool_relu_backward (dy + rb, out + ro, a->argmax[i] + ro, dx + rb, n, l->in_c, l->in_h, l->in_w);
          else if (dx && n > 0)
            dl_maxpool_backward (dy + rb, a->argmax[i] + ro, dx + rb, n, l->in_c, l->in_h, l->in_w);
          break;
        case DL_LAYER_DROPOUT:
          if (dx && l->drop > 0.0f)
            _dl_net_dropout_apply (dx + rb, dy + rb, a->mask[i] + ro, n_out);
          else if (dx)
            memcpy (dx + rb, dy + rb, sizeof (float) * n_out);
          break;
        case DL_LAYER_STD:
          if (dx)
            _dl_net_std_apply (dx + rb, dy + rb, n_out, TRUE);
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
  const float *out = _dl_net_forward_part (net, &net->acts, team, part, s->x, s->B, r0, r1, s->backward, TRUE);
  if (s->probs)
    {
      _dl_net_probs_rows (net, out, s->probs, r0, r1);
      return;
    }
  s->loss[part] = _dl_net_loss_rows (net, out, s->y, r0, r1, s->scale, s->backward ? net->acts.dbuf[0] : NULL);
  for (int r = r0; r < r1; r++)
    s->correct[part] += dl_argmax_class (out + r * N_OUT) == s->y[r];
  if (!s->backward)
    return;
  backward_rows (s, team, part, r0, r1);
}

/* Runs the pass on the team, or on the calling thread when the batch is too small to share. Returns the
 * summed loss; *n_correct gets the count of right answers. */
double
_dl_net_run_pass (DlNet *net, Pass *s, int *n_correct)
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

  _dl_net_ensure_capacity (net, B);
  draw_masks (net, B);
  if (h)
    _dl_net_opt_prepare (net, h, &s.bc1, &s.bc2, &s.avg_rate);
  double loss = _dl_net_run_pass (net, &s, n_correct);
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
