/* dl-personal.c — the personal data set of drawn digits. */
#include "dl-personal.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>

#define SIDE 28
#define IMAGES "train-images-idx3-ubyte"
#define LABELS "train-labels-idx1-ubyte"

char *
dl_personal_default_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "digitlab", "personal", NULL);
}

DlDataset *
dl_personal_load (const char *dir, GError **error)
{
  g_autofree char *images = g_build_filename (dir, IMAGES, NULL);
  g_autofree char *labels = g_build_filename (dir, LABELS, NULL);

  if (!g_file_test (images, G_FILE_TEST_EXISTS) && !g_file_test (labels, G_FILE_TEST_EXISTS))
    return dl_dataset_new (0, SIDE, SIDE);
  return dl_dataset_load_idx (images, labels, error);
}

DlDataset *
dl_personal_add (const char *dir, const DlDataset *set, const float *input, int label, GError **error)
{
  guint8 pixels[SIDE * SIDE];
  g_autofree char *images = g_build_filename (dir, IMAGES, NULL);
  g_autofree char *labels = g_build_filename (dir, LABELS, NULL);

  g_return_val_if_fail (set->rows == SIDE && set->cols == SIDE, NULL);
  g_return_val_if_fail (label >= 0 && label < DL_N_CLASSES, NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), "%s: cannot create the folder: %s",
                   dir, g_strerror (e));
      return NULL;
    }
  /* The inverse of dl_dataset_gather's division by 255. */
  for (int i = 0; i < SIDE * SIDE; i++)
    pixels[i] = (guint8) lroundf (CLAMP (input[i], 0.0f, 1.0f) * 255);

  g_autoptr (DlDataset) grown = dl_dataset_append (set, pixels, label);
  if (!dl_dataset_save_idx (grown, images, labels, error))
    return NULL;
  return g_steal_pointer (&grown);
}

int
dl_personal_count_correct (DlNet *net, const DlDataset *set)
{
  enum { CHUNK = 64 };
  int idx[CHUNK], correct = 0;
  g_autofree float *x = g_new (float, (gsize) CHUNK * set->rows * set->cols);
  float probs[CHUNK * DL_N_CLASSES];

  for (int i = 0; i < set->n; i += CHUNK)
    {
      int b = MIN (CHUNK, set->n - i);
      for (int j = 0; j < b; j++)
        idx[j] = i + j;
      dl_dataset_gather (set, idx, b, x);
      dl_net_predict (net, x, b, probs);
      for (int j = 0; j < b; j++)
        {
          const float *p = probs + j * DL_N_CLASSES;
          int best = 0;
          for (int c = 1; c < DL_N_CLASSES; c++)
            if (p[c] > p[best])
              best = c;
          correct += best == set->labels[i + j];
        }
    }
  return correct;
}
