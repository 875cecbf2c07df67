/* fuzz-csv.c — the CSV loaders, labelled (seed format: a label and 784 pixels a row) and unlabeled (784
 * pixels a row, Kaggle's test.csv), each given the same input: never a crash or an allocation beyond what
 * the file can hold, errors in DL_DATA_ERROR naming the file, and what loads is consistent (28 × 28, labels
 * 0–9, or none) and saves back to a CSV file that loads to the same examples. */
#include "fuzz-common.h"
#include "dl-data.h"

#include <string.h>

/* What one loader made of the file: an error that names it, or a data set that survives a round trip. */
static void
check (DlDataset *ds, GError *error, const char *path, gboolean labeled)
{
  FUZZ_ASSERT ((ds == NULL) != (error == NULL));
  if (ds == NULL)
    {
      FUZZ_ASSERT (error->domain == DL_DATA_ERROR && strstr (error->message, path) != NULL);
      return;
    }
  FUZZ_ASSERT (ds->n > 0 && ds->rows == 28 && ds->cols == 28 && ds->unlabeled == !labeled);
  for (int i = 0; i < ds->n; i++)
    FUZZ_ASSERT (labeled ? ds->labels[i] < DL_N_CLASSES : ds->labels[i] == 0);

  /* Saved as labelled CSV (the labels of an unlabeled set are 0) and read back. */
  g_autofree char *out = g_build_filename (fuzz_scratch_dir (), "round-trip.csv", NULL);
  FUZZ_ASSERT (dl_dataset_save_csv (ds, out, NULL));
  g_autoptr (DlDataset) back = dl_dataset_load_csv (out, NULL);
  FUZZ_ASSERT (back != NULL && back->n == ds->n);
  FUZZ_ASSERT (memcmp (back->labels, ds->labels, ds->n) == 0);
  FUZZ_ASSERT (memcmp (back->pixels, ds->pixels, (gsize) ds->n * 784) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzFile f;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) images_error = NULL;

  fuzz_init ();
  fuzz_file_open (&f, data, size);
  g_autoptr (DlDataset) ds = dl_dataset_load_csv (f.path, &error);
  g_autoptr (DlDataset) images = dl_dataset_load_csv_images (f.path, &images_error);
  fuzz_file_close (&f);
  check (ds, error, f.path, TRUE);
  check (images, images_error, f.path, FALSE);
  return 0;
}
