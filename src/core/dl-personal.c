/* dl-personal.c — the personal data set of drawn digits: a folder saved and replaced as one unit. */
#include "config.h"

#include "dl-personal.h"
#include "dl-file.h"

#include <math.h>
#include <glib/gi18n-lib.h>

#define SIDE 28
#define IMAGES "train-images-idx3-ubyte"
#define LABELS "train-labels-idx1-ubyte"

char *
dl_personal_default_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "digitlab", "personal", NULL);
}

/* The set's images must be what the network reads and dl_personal_add writes: 28 × 28. */
static gboolean
check_side (const DlDataset *set, const char *dir, GError **error)
{
  if (set->rows == SIDE && set->cols == SIDE)
    return TRUE;
  g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_MISMATCH, _("%s: the personal set's images are %d×%d, "
                 "expected 28×28 (the size of the digits the Draw page saves)"), dir, set->rows, set->cols);
  return FALSE;
}

DlDataset *
dl_personal_load (const char *dir, GError **error)
{
  g_autofree char *images = g_build_filename (dir, IMAGES, NULL);
  g_autofree char *labels = g_build_filename (dir, LABELS, NULL);

  g_return_val_if_fail (dir != NULL, NULL);

  /* What a save killed part-way left behind: finished or undone, then swept away. */
  dl_file_recover_dir (dir);
  if (!g_file_test (images, G_FILE_TEST_EXISTS) && !g_file_test (labels, G_FILE_TEST_EXISTS))
    return dl_dataset_new (0, SIDE, SIDE);
  DlDataset *set = dl_dataset_load_idx (images, labels, error);
  if (set != NULL && !check_side (set, dir, error))
    g_clear_pointer (&set, dl_dataset_unref);
  return set;
}

static gboolean
write_set (const char *dir, gpointer user_data, GError **error)
{
  const DlDataset *set = user_data;
  g_autofree char *images = g_build_filename (dir, IMAGES, NULL);
  g_autofree char *labels = g_build_filename (dir, LABELS, NULL);

  return dl_dataset_save_idx (set, images, labels, error);
}

DlDataset *
dl_personal_add (const char *dir, const DlDataset *set, const float *input, int label, GError **error)
{
  guint8 pixels[SIDE * SIDE];
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (dir != NULL && set != NULL && input != NULL, NULL);
  g_return_val_if_fail (label >= 0 && label < DL_N_CLASSES, NULL);

  if (!check_side (set, dir, error))
    return NULL;
  /* The inverse of dl_dataset_gather's division by 255. */
  for (int i = 0; i < SIDE * SIDE; i++)
    pixels[i] = (guint8) lroundf (CLAMP (input[i], 0.0f, 1.0f) * 255);

  /* Images and labels go into a new folder that replaces the old one in one rename: a crash or a full
   * disk leaves the old set or the new one, never N + 1 images with N labels. */
  g_autoptr (DlDataset) grown = dl_dataset_append (set, pixels, label);
  if (!dl_file_save_dir (dir, write_set, grown, &local))
    {
      g_set_error_literal (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, local->message);
      return NULL;
    }
  return g_steal_pointer (&grown);
}

int
dl_personal_count_correct (DlNet *net, const DlDataset *set)
{
  enum { CHUNK = 64 };
  const DlArch *arch = dl_net_arch (net);
  int idx[CHUNK], correct = 0;
  float probs[CHUNK * DL_N_CLASSES];

  /* The net reads in_c × in_h × in_w values per image: a set of another size has nothing it can read. */
  if (set->rows != arch->in_h || set->cols != arch->in_w || arch->in_c != 1)
    return -1;
  g_autofree float *x = g_new (float, (gsize) CHUNK * set->rows * set->cols);
  for (int i = 0; i < set->n; i += CHUNK)
    {
      int b = MIN (CHUNK, set->n - i);
      for (int j = 0; j < b; j++)
        idx[j] = i + j;
      dl_dataset_gather (set, idx, b, x);
      dl_net_predict (net, x, b, probs);
      for (int j = 0; j < b; j++)
        {
          correct += dl_argmax_class (probs + j * DL_N_CLASSES) == set->labels[i + j];
        }
    }
  return correct;
}
