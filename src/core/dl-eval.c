/* dl-eval.c — evaluation over a whole data set, and a plain-language diagnosis of a failing run. */
#include "config.h"

#include "dl-eval.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#define EVAL_BATCH 500

/* MSE nets report the loss on their raw outputs, which the probabilities no longer hold. */
static double
batch_loss (DlNet *net, const float *x, const guint8 *labels, const float *probs, int n)
{
  if (dl_net_arch (net)->loss == DL_LOSS_MSE)
    return (double) dl_net_loss (net, x, labels, n) * n;
  double loss = 0.0;
  for (int r = 0; r < n; r++)
    loss -= log (fmax (probs[r * DL_N_CLASSES + labels[r]], 1e-30));
  return loss;
}

DlEval *
dl_eval_run (DlNet *net, const DlDataset *ds)
{
  const DlArch *arch = dl_net_arch (net);
  g_return_val_if_fail (ds->rows * ds->cols == arch->in_c * arch->in_h * arch->in_w, NULL);

  DlEval *ev = g_new0 (DlEval, 1);
  ev->n = ds->n;
  ev->predicted = g_new0 (guint8, MAX (ds->n, 1));
  ev->confidence = g_new0 (float, MAX (ds->n, 1));
  ev->probs = g_new0 (float, (gsize) MAX (ds->n, 1) * DL_N_CLASSES);

  int size = ds->rows * ds->cols;
  float *x = g_new (float, (gsize) EVAL_BATCH * size);
  int idx[EVAL_BATCH];
  double loss = 0.0;
  for (int start = 0; start < ds->n; start += EVAL_BATCH)
    {
      int n = MIN (EVAL_BATCH, ds->n - start);
      for (int i = 0; i < n; i++)
        idx[i] = start + i;
      dl_dataset_gather (ds, idx, n, x);
      float *probs = ev->probs + (gsize) start * DL_N_CLASSES;
      dl_net_predict (net, x, n, probs);
      loss += batch_loss (net, x, ds->labels + start, probs, n);
      for (int r = 0; r < n; r++)
        {
          const float *p = probs + r * DL_N_CLASSES;
          int best = dl_argmax_class (p);
          int truth = ds->labels[start + r];
          ev->predicted[start + r] = (guint8) best;
          ev->confidence[start + r] = p[best];
          ev->confusion[truth][best]++;
          ev->predicted_hist[best]++;
          ev->correct += best == truth;
        }
    }
  g_free (x);
  ev->accuracy = ds->n ? (double) ev->correct / ds->n : 0.0;
  ev->loss = ds->n ? loss / ds->n : 0.0;
  return ev;
}

void
dl_eval_free (DlEval *ev)
{
  if (ev == NULL)
    return;
  g_free (ev->predicted);
  g_free (ev->confidence);
  g_free (ev->probs);
  g_free (ev);
}

/* ---- diagnosis ---- */

/* "layer 1 (fc30-tanh)": positions are 1-based as in --arch. */
static char *
layer_label (const DlArch *arch, int i)
{
  const DlLayerSpec *l = &arch->layers[i];
  const char *act = l->act != DL_ACT_NONE ? dl_act_name (l->act) : NULL;
  if (l->kind == DL_LAYER_CONV)
    return g_strdup_printf (_("layer %d (conv%dx%d%s%s)"), i + 1, l->units, l->kernel, act ? "-" : "", act ? act : "");
  return g_strdup_printf (_("layer %d (fc%d%s%s)"), i + 1, l->units, act ? "-" : "", act ? act : "");
}

static void
add (DlDiagnosis *d, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
add (DlDiagnosis *d, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_ptr_array_add (d->messages, g_strdup_vprintf (fmt, ap));
  va_end (ap);
}

static gboolean
health_has_nan (const DlHealth *h)
{
  for (int i = 0; i < h->n_layers; i++)
    if (!isfinite (h->weight_norm[i]) || !isfinite (h->grad_norm[i]))
      return TRUE;
  return FALSE;
}

static void
diagnose_collapse (DlDiagnosis *d, const DlEval *ev, const DlDataset *ds)
{
  if (ev->n == 0)
    return;
  int c = 0;
  for (int j = 1; j < DL_N_CLASSES; j++)
    if (ev->predicted_hist[j] > ev->predicted_hist[c])
      c = j;
  d->collapse_class = c;
  d->collapse_share = (double) ev->predicted_hist[c] / ev->n;
  if (d->collapse_share < DL_COLLAPSE_SHARE)
    return;
  d->collapsed = TRUE;
  double label_share = ds && ds->n ? 100.0 * ds->histogram[c] / ds->n : 0.0;
  if (ev->predicted_hist[c] == ev->n)
    add (d, _("The network answers %d for every image: %.2f %% is just the share of %ds in the test set."),
         c, 100.0 * ev->accuracy, c);
  else
    add (d, _("The network answers %d for %.0f %% of the images: its accuracy of %.2f %% is little more than "
           "the share of %ds in the test set (%.2f %%)."), c, 100.0 * d->collapse_share, 100.0 * ev->accuracy, c,
         label_share);
}

static void
diagnose_step_size (DlDiagnosis *d, const DlHyper *hyper, int batch, gboolean in_trouble)
{
  if (hyper == NULL)
    return;
  if (hyper->reduce == DL_REDUCE_SUM && batch > 1)
    {
      d->summed_gradient_message = (int) d->messages->len;
      d->summed_gradient_batch = batch;
      add (d, _("The gradient is summed over the batch of %d, so each step is %d× the learning rate: the learning "
             "rate may be too high — average the gradient (--reduce mean) or lower it."), batch, batch);
    }
  else if (in_trouble)
    {
      gboolean adam = hyper->optimizer == DL_OPT_ADAM;
      double high = adam ? 0.01 : 0.5;
      if (hyper->lr > high)
        add (d, _("The learning rate %g is high for %s: try %g or lower."), hyper->lr,
             dl_optimizer_name (hyper->optimizer), adam ? 0.001 : 0.05);
    }
}

/* The last dense or conv layer: its units answer, and an MSE output near its ±1 or 0/1 targets is
 * saturated by design, so saturation there says nothing unless the answers are wrong (a collapse). */
static int
output_layer (const DlArch *arch)
{
  for (int i = arch->n_layers - 1; i >= 0; i--)
    if (arch->layers[i].kind == DL_LAYER_DENSE || arch->layers[i].kind == DL_LAYER_CONV)
      return i;
  return -1;
}

static gboolean
saturation_matters (const DlArch *arch, int i, gboolean collapsed)
{
  return arch == NULL || collapsed || i != output_layer (arch);
}

static void
diagnose_health (DlDiagnosis *d, const DlHealth *h, const DlArch *arch)
{
  int n = arch ? MIN (h->n_layers, arch->n_layers) : 0;
  for (int i = 0; i < n; i++)
    {
      const DlLayerSpec *l = &arch->layers[i];
      if ((l->kind != DL_LAYER_DENSE && l->kind != DL_LAYER_CONV))
        continue;
      g_autofree char *label = layer_label (arch, i);
      if (!saturation_matters (arch, i, d->collapsed) && l->act != DL_ACT_RELU)
        continue;
      if (l->act == DL_ACT_TANH && h->saturated[i] >= 0.5f)
        add (d, _("%.0f %% of tanh units are saturated (|tanh| > 0.99) in %s: their gradient is almost zero, so "
               "they have stopped learning."), 100.0 * h->saturated[i], label);
      else if (l->act == DL_ACT_SIGMOID && h->saturated[i] >= 0.5f)
        add (d, _("%.0f %% of sigmoid units are saturated (below 0.01 or above 0.99) in %s: their gradient is almost "
               "zero, so they have stopped learning."), 100.0 * h->saturated[i], label);
      else if (l->act == DL_ACT_RELU && h->dead[i] >= 0.5f)
        add (d, _("%.0f %% of the ReLU units in %s are dead (zero for every image of the last batch): they no longer "
               "learn. A smaller learning rate usually prevents this."), 100.0 * h->dead[i], label);
    }
  for (int i = 0; i < n; i++)
    {
      const DlLayerSpec *l = &arch->layers[i];
      if (l->kind != DL_LAYER_DENSE && l->kind != DL_LAYER_CONV)
        continue;
      /* He and Xavier start a layer's weight norm near sqrt(2 × outputs) (dense units or conv filters),
       * whatever its fan-in; a hundred times that has run away. */
      double typical = sqrt (2.0 * l->units);
      if (h->weight_norm[i] > 100.0 * typical)
        {
          g_autofree char *label = layer_label (arch, i);
          add (d, _("The weights of %s have grown to norm %.3g (about %.3g is typical): training is unstable — lower "
                 "the learning rate or add weight decay."), label, h->weight_norm[i], typical);
        }
    }
}

DlDiagnosis *
dl_diagnose (const DlEval *ev, const DlDataset *ds, const DlHealth *health, const DlArch *arch,
             const DlHyper *hyper, int batch)
{
  DlDiagnosis *d = g_new0 (DlDiagnosis, 1);
  d->messages = g_ptr_array_new_with_free_func (g_free);

  if ((ev && isnan (ev->loss)) || (health && health_has_nan (health)))
    add (d, _("The weights became NaN (not a number): training diverged. Lower the learning rate and start again."));
  if (ev)
    diagnose_collapse (d, ev, ds);

  gboolean saturated = FALSE;
  for (int i = 0; health && i < health->n_layers; i++)
    saturated |= (health->saturated[i] >= 0.5f && saturation_matters (arch, i, d->collapsed))
                 || health->dead[i] >= 0.5f;
  diagnose_step_size (d, hyper, batch, d->collapsed || saturated || d->messages->len > 0);
  if (health)
    diagnose_health (d, health, arch);

  if (ds)
    {
      g_autofree char *warning = dl_dataset_histogram_warning (ds);
      if (warning)
        add (d, "%s", warning);
    }
  return d;
}

void
dl_diagnosis_free (DlDiagnosis *d)
{
  if (d == NULL)
    return;
  g_ptr_array_unref (d->messages);
  g_free (d);
}
