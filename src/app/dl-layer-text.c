/* dl-layer-text.c — names of layers and their figures (see dl-layer-text.h). */
#include "config.h"

#include "dl-layer-text.h"

#include <glib/gi18n.h>
#include <math.h>

char *
dl_layer_text_kind (const DlArch *arch, int i)
{
  const DlLayerSpec *l = &arch->layers[i];

  switch (l->kind)
    {
    case DL_LAYER_DENSE:
      return l->bn ? g_strdup_printf (_("dense %d, batch-normalised"), l->units) : g_strdup_printf (_("dense %d"), l->units);
    case DL_LAYER_CONV:
      if (l->bn)
        return l->pad > 0 ? g_strdup_printf (_("conv %d × %d×%d, pad %d, batch-normalised"), l->units, l->kernel,
                                             l->kernel, l->pad)
                          : g_strdup_printf (_("conv %d × %d×%d, batch-normalised"), l->units, l->kernel, l->kernel);
      return l->pad > 0 ? g_strdup_printf (_("conv %d × %d×%d, pad %d"), l->units, l->kernel, l->kernel, l->pad)
                        : g_strdup_printf (_("conv %d × %d×%d"), l->units, l->kernel, l->kernel);
    case DL_LAYER_MAXPOOL:
      return g_strdup (_("max-pool 2×2"));
    case DL_LAYER_DROPOUT:
      return g_strdup_printf (_("dropout %g"), (double) l->drop);
    case DL_LAYER_STD:
      return g_strdup (_("standardised image"));
    }
  return g_strdup ("?");
}

char *
dl_layer_text_shape (const DlArch *arch, int i)
{
  int c, h, w;

  dl_arch_shape (arch, i, &c, &h, &w);
  if (h == 1 && w == 1)
    return g_strdup_printf ("%d", c);
  return g_strdup_printf ("%d × %d × %d", c, h, w);
}

const char *
dl_layer_text_activation (const DlArch *arch, int i)
{
  const DlLayerSpec *l = &arch->layers[i];

  if (l->kind != DL_LAYER_DENSE && l->kind != DL_LAYER_CONV)
    return "";
  switch (l->act)
    {
    case DL_ACT_RELU: return "ReLU";
    case DL_ACT_TANH: return "tanh";
    case DL_ACT_SIGMOID: return "sigmoid";
    case DL_ACT_NONE: return i == arch->n_layers - 1 && arch->loss == DL_LOSS_SOFTMAX_CE ? "softmax" : _("linear");
    }
  return "";
}

double
dl_layer_health_share (const DlArch *arch, const DlLayerStats *stats, int i)
{
  const DlLayerSpec *l = &arch->layers[i];

  if (stats == NULL || i >= stats->n_layers || (l->kind != DL_LAYER_DENSE && l->kind != DL_LAYER_CONV))
    return NAN;
  if (l->act == DL_ACT_RELU)
    return stats->layers[i].dead;
  if (l->act == DL_ACT_TANH || l->act == DL_ACT_SIGMOID)
    return stats->layers[i].saturated;
  return NAN;
}

char *
dl_layer_text_health (const DlArch *arch, const DlLayerStats *stats, int i)
{
  double share = dl_layer_health_share (arch, stats, i);

  if (isnan (share))
    return NULL;
  /* The diagnostics' own rounding ("67 % of the ReLU units … are dead"). */
  if (arch->layers[i].act == DL_ACT_RELU)
    return g_strdup_printf (_("dead %.0f %%"), 100.0 * share);
  return g_strdup_printf (_("saturated %.0f %%"), 100.0 * share);
}
