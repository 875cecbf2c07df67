/* dl-predict.c — a network's answers for a set of images, and their CSV. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dl-arch.h"
#include "dl-predict.h"

#define BATCH 256

gboolean
dl_predict_check_shape (const DlNet *net, const DlDataset *ds, const char *model, GError **error)
{
  int c, h, w;

  dl_arch_shape (dl_net_arch (net), -1, &c, &h, &w);
  if (c == 1 && ds->rows == h && ds->cols == w)
    return TRUE;
  g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_MISMATCH, _("%s: images are %d×%d; %s takes %d×%d images"),
               ds->source, ds->rows, ds->cols, model, h, w);
  return FALSE;
}

float *
dl_predict_dataset (const DlNet *net, const DlDataset *ds, gboolean (*stop) (gpointer data), gpointer data)
{
  const gsize d = (gsize) ds->rows * ds->cols;
  g_autoptr (DlNetWork) work = dl_net_work_new (net, BATCH);
  g_autofree float *x = g_new (float, BATCH * d);
  g_autofree float *probs = g_new (float, (gsize) MAX (ds->n, 1) * DL_N_CLASSES);
  int idx[BATCH];

  for (int start = 0; start < ds->n; start += BATCH)
    {
      int b = MIN (BATCH, ds->n - start);

      if (stop != NULL && stop (data))
        return NULL;
      for (int i = 0; i < b; i++)
        idx[i] = start + i;
      dl_dataset_gather (ds, idx, b, x);
      dl_net_forward (net, work, x, b, probs + (gsize) start * DL_N_CLASSES);
    }
  return g_steal_pointer (&probs);
}

int
dl_predict_label (const float *probs, float *margin)
{
  int best = 0, second = -1;

  for (int k = 1; k < DL_N_CLASSES; k++)
    if (probs[k] > probs[best])
      {
        second = best;
        best = k;
      }
    else if (second < 0 || probs[k] > probs[second])
      second = k;
  if (margin != NULL)
    *margin = probs[best] - probs[second];
  return best;
}

GString *
dl_predict_csv (const float *probs, int n, gboolean probabilities, int counts[DL_N_CLASSES])
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  GString *out = g_string_new (probabilities ? "ImageId,Label,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9\n" : "ImageId,Label\n");

  if (counts != NULL)
    memset (counts, 0, DL_N_CLASSES * sizeof *counts);
  for (int i = 0; i < n; i++)
    {
      const float *p = probs + (gsize) i * DL_N_CLASSES;
      int label = dl_predict_label (p, NULL);

      if (counts != NULL)
        counts[label]++;
      g_string_append_printf (out, "%d,%d", i + 1, label);
      for (int k = 0; probabilities && k < DL_N_CLASSES; k++)
        {
          g_string_append_c (out, ',');
          g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.6g", p[k]));
        }
      g_string_append_c (out, '\n');
    }
  return out;
}
