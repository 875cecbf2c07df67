/* fuzz-personal.c — the personal data set: the input split into an images and a labels file (the first
 * two bytes give the images file's length) in a personal folder, loaded; what loads is 28 × 28, is
 * counted by a network without reading past it, and takes one more digit that loads back. */
#include "fuzz-common.h"
#include "dl-personal.h"

#include <string.h>

static DlNet *
small_net (void)
{
  static DlNet *net;
  if (net == NULL)
    {
      DlArch arch;
      FUZZ_ASSERT (dl_arch_parse ("fc10,softmax", &arch, NULL));
      net = dl_net_new (&arch, 1);
    }
  return net;
}

static void
write_file (const char *dir, const char *name, const uint8_t *data, size_t len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  FUZZ_ASSERT (g_file_set_contents (path, (const char *) data, len, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;

  fuzz_init ();
  if (size < 2)
    return 0;
  size_t split = MIN ((size_t) (data[0] << 8 | data[1]), size - 2);
  g_autofree char *dir = g_build_filename (fuzz_scratch_dir (), "personal", NULL);
  FUZZ_ASSERT (g_mkdir_with_parents (dir, 0755) == 0);
  write_file (dir, "train-images-idx3-ubyte", data + 2, split);
  write_file (dir, "train-labels-idx1-ubyte", data + 2 + split, size - 2 - split);

  g_autoptr (DlDataset) set = dl_personal_load (dir, &error);
  FUZZ_ASSERT ((set == NULL) != (error == NULL));
  if (set == NULL)
    {
      FUZZ_ASSERT (error->domain == DL_DATA_ERROR);
      return 0;
    }
  FUZZ_ASSERT (set->rows == 28 && set->cols == 28);
  int right = dl_personal_count_correct (small_net (), set);
  FUZZ_ASSERT (right >= 0 && right <= set->n);

  float input[784];
  for (int i = 0; i < 784; i++)
    input[i] = (i % 7) / 6.0f;
  g_autoptr (DlDataset) grown = dl_personal_add (dir, set, input, 4, &error);
  FUZZ_ASSERT (grown != NULL && grown->n == set->n + 1);
  g_autoptr (DlDataset) back = dl_personal_load (dir, &error);
  FUZZ_ASSERT (back != NULL && back->n == grown->n && back->labels[back->n - 1] == 4);
  FUZZ_ASSERT (memcmp (back->pixels, grown->pixels, (gsize) back->n * 784) == 0);
  return 0;
}
