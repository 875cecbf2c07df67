/* dl-data.h — MNIST-style data sets: IDX (raw or .gz) and seed-format CSV loaders.
 *
 * No GTK here. Every loader validates what it reads and fails with a GError whose message names
 * the file, the place (byte offset, or row and column) and what was found versus expected.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_DATA_ERROR (dl_data_error_quark ())
GQuark dl_data_error_quark (void);

typedef enum {
  DL_DATA_ERROR_IO,          /* cannot open/read the file */
  DL_DATA_ERROR_FORMAT,      /* wrong magic, bad dimensions, truncated, wrong column count, not a number */
  DL_DATA_ERROR_LABEL,       /* label outside 0–9, or a scaled label such as 0.027 */
  DL_DATA_ERROR_MISMATCH,    /* images and labels disagree (count or dimensions) */
  DL_DATA_ERROR_EMPTY,       /* no examples */
} DlDataError;

#define DL_N_CLASSES 10

/* The class of the highest of DL_N_CLASSES scores (the first of equal ones): a prediction. */
static inline int
dl_argmax_class (const float *scores)
{
  int best = 0;
  for (int c = 1; c < DL_N_CLASSES; c++)
    if (scores[c] > scores[best])
      best = c;
  return best;
}

/* Reference-counted and immutable once loaded, so the worker and the UI can share one without copying. */
typedef struct {
  char   *source;            /* what was loaded, for messages: a path or "images + labels" */
  int     n;                 /* number of examples */
  int     rows, cols;        /* image size, 28 × 28 for MNIST */
  guint8 *pixels;            /* n × rows × cols, 0–255, ink bright on black, row-major */
  guint8 *labels;            /* n labels, 0–9 (all 0 when unlabeled) */
  int     histogram[DL_N_CLASSES];
  gboolean unlabeled;        /* the file had images only (dl_dataset_load_unlabeled): the labels mean nothing */
} DlDataset;

/* IDX images (magic 0x00000803) and labels (0x00000801); either may be gzip-compressed. */
DlDataset *dl_dataset_load_idx (const char *images_path, const char *labels_path, GError **error);
/* Seed-format CSV: label, then rows × cols pixels 0–255 per line; an optional header line. */
DlDataset *dl_dataset_load_csv (const char *path, GError **error);
/* A directory holding train-images-idx3-ubyte[.gz] etc.; train selects the train or t10k pair. */
DlDataset *dl_dataset_load_dir (const char *dir, gboolean train, GError **error);
/* A directory (see above), a .csv file, or "IMAGES,LABELS" (two IDX paths separated by a comma). */
DlDataset *dl_dataset_load_path (const char *path, gboolean train, GError **error);

/* Unlabeled images (unlabeled TRUE, labels all 0): a CSV file of rows × cols pixels 0–255 per line with an
 * optional header line (Kaggle's Digit Recognizer test.csv: "pixel0,…,pixel783"), or an IDX images file
 * (raw or gzip-compressed). dl_dataset_load_unlabeled picks by name: a .csv file, else IDX. */
DlDataset *dl_dataset_load_csv_images (const char *path, GError **error);
DlDataset *dl_dataset_load_idx_images (const char *path, GError **error);
DlDataset *dl_dataset_load_unlabeled (const char *path, GError **error);

DlDataset *dl_dataset_ref (DlDataset *ds);
void       dl_dataset_unref (DlDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlDataset, dl_dataset_unref)

/* First `n` examples (or all when n >= ds->n), for quick tests and subsets. */
DlDataset *dl_dataset_subset (const DlDataset *ds, int n);

/* Gather examples idx[0..n) as floats in [0, 1] into out (n × rows × cols). */
void dl_dataset_gather (const DlDataset *ds, const int *idx, int n, float *out);

/* Plain-language warning when one class holds over half the labels; NULL when the histogram looks fine. */
char *dl_dataset_histogram_warning (const DlDataset *ds);
/* One line: "60000 images 28×28; labels 0:5923 1:6742 …". */
char *dl_dataset_describe (const DlDataset *ds);

/* Building data sets in memory (e.g. the Draw page's personal set). A new data set is zero-filled:
 * fill pixels and labels, then call dl_dataset_recount, before sharing it. n may be 0. */
DlDataset *dl_dataset_new (int n, int rows, int cols);
/* Recomputes histogram[] from labels[]. */
void       dl_dataset_recount (DlDataset *ds);
/* A new data set: ds followed by one rows × cols image (0–255) with the given label 0–9. */
DlDataset *dl_dataset_append (const DlDataset *ds, const guint8 *pixels, int label);

/* Saves as an IDX images + labels pair (gzip-compressed when a path ends in .gz), or as seed-format CSV
 * (28 × 28 only, no header). Each file is written atomically (temporary file, then rename). */
gboolean dl_dataset_save_idx (const DlDataset *ds, const char *images_path, const char *labels_path,
                              GError **error);
gboolean dl_dataset_save_csv (const DlDataset *ds, const char *path, GError **error);

/* dir/name, or dir/name.gz when only that exists: how a directory's IDX files are found. NULL: neither is a
 * regular file. Newly allocated. */
char *dl_data_find_idx (const char *dir, const char *name);

/* Where MNIST lives when no --data is given: $DIGITLAB_DATA, else ${XDG_CACHE_HOME:-~/.cache}/digitlab/mnist. */
char *dl_data_default_dir (void);

G_END_DECLS
