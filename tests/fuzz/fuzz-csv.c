/* fuzz-csv.c — the seed-format CSV loader: never a crash or an allocation beyond what the file can
 * hold, errors in DL_DATA_ERROR naming the file, and what loads is consistent (28 × 28, labels 0–9) and
 * saves back to a CSV file that loads to the same examples. */
#include "fuzz-common.h"
#include "dl-data.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzFile f;
  g_autoptr (GError) error = NULL;

  fuzz_init ();
  fuzz_file_open (&f, data, size);
  g_autoptr (DlDataset) ds = dl_dataset_load_csv (f.path, &error);
  fuzz_file_close (&f);
  FUZZ_ASSERT ((ds == NULL) != (error == NULL));
  if (ds == NULL)
    {
      FUZZ_ASSERT (error->domain == DL_DATA_ERROR && strstr (error->message, f.path) != NULL);
      return 0;
    }
  FUZZ_ASSERT (ds->n > 0 && ds->rows == 28 && ds->cols == 28);
  for (int i = 0; i < ds->n; i++)
    FUZZ_ASSERT (ds->labels[i] < DL_N_CLASSES);

  g_autofree char *path = g_build_filename (fuzz_scratch_dir (), "round-trip.csv", NULL);
  FUZZ_ASSERT (dl_dataset_save_csv (ds, path, NULL));
  g_autoptr (DlDataset) back = dl_dataset_load_csv (path, NULL);
  FUZZ_ASSERT (back != NULL && back->n == ds->n);
  FUZZ_ASSERT (memcmp (back->labels, ds->labels, ds->n) == 0);
  FUZZ_ASSERT (memcmp (back->pixels, ds->pixels, (gsize) ds->n * 784) == 0);
  return 0;
}
