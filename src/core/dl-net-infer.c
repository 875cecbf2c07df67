/* dl-net-infer.c — inference: the loss and probabilities on the net's own buffers, and the re-entrant
 * path on a caller's DlNetWork (parameters read only) with the input gradient for the attributions. */
#include "dl-net-private.h"
#include "dl-bn.h"
#include "dl-fp.h"

#include <math.h>

#include <string.h>

/* ---- inference ---- */

float
dl_net_loss (DlNet *net, const float *x, const guint8 *y, int batch)
{
  g_return_val_if_fail (batch >= 1 && batch <= DL_MAX_BATCH, NAN);
  Pass s = { .net = net, .x = x, .y = y, .B = batch };

  _dl_net_settle_health (net);
  _dl_net_ensure_capacity (net, batch);
  return (float) (_dl_net_run_pass (net, &s, NULL) / batch);
}

void
dl_net_predict (DlNet *net, const float *x, int batch, float *probs)
{
  g_return_if_fail (batch >= 1 && batch <= DL_MAX_BATCH);
  Pass s = { .net = net, .x = x, .B = batch, .probs = probs };

  _dl_net_settle_health (net);
  _dl_net_ensure_capacity (net, batch);
  _dl_net_run_pass (net, &s, NULL);
}

/* ---- re-entrant inference: a caller's DlNetWork, the parameters only read ---- */

DlNetWork *
dl_net_work_new (const DlNet *net, int batch)
{
  g_return_val_if_fail (net != NULL && batch >= 1 && batch <= DL_MAX_BATCH, NULL);
  DlNetWork *work = g_new0 (DlNetWork, 1);
  work->n_params = net->n_params;
  work->n_layers = net->n_layers;
  _dl_net_acts_alloc (&work->acts, net, batch, 1, FALSE);
  return work;
}

void
dl_net_work_free (DlNetWork *work)
{
  if (work == NULL)
    return;
  _dl_net_acts_clear (&work->acts);
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
  const float *out = _dl_net_forward_part (net, &work->acts, NULL, 0, x, batch, 0, batch, FALSE, FALSE);
  if (probs)
    _dl_net_probs_rows (net, out, probs, 0, batch);
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
          _dl_net_act_backward (dy, a->out[i], n_out, l->act);
          if (l->bn)
            dl_bn_infer_backward (dy, batch, l->out_size, 1, net->params + l->g_off, net->params + l->rv_off);
          /* d_in: B × in = dz · w */
          net->config.blas->sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, l->in_size, l->out_size, 1.0f,
                                   dy, l->out_size, w, l->in_size, 0.0f, d_in, l->in_size);
          break;
        case DL_LAYER_CONV:
          {
            DlConvPlan plan = _dl_net_conv_plan (net, a, i, 0);
            if (l->bn)
              {
                _dl_net_act_backward (dy, a->out[i], n_out, l->act);
                dl_bn_infer_backward (dy, batch, l->out_c, _dl_net_bn_hw (l), net->params + l->g_off,
                                      net->params + l->rv_off);
              }
            _dl_net_conv_backward (net, i, &plan, d_in, NULL, NULL, dy, a->out[i], in, w, batch, a->conv_scratch,
                                   l->bn);
          }
          break;
        case DL_LAYER_MAXPOOL:
          dl_maxpool_backward (dy, a->argmax[i], d_in, batch, l->in_c, l->in_h, l->in_w);
          break;
        case DL_LAYER_DROPOUT:
          memcpy (d_in, dy, sizeof (float) * n_out);
          break;
        case DL_LAYER_STD:
          _dl_net_std_apply (d_in, dy, n_out, TRUE);
          break;
        }
      cur = 1 - cur;
    }
  dl_fp_leave (fp);
}
