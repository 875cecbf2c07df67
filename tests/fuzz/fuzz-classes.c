/* fuzz-classes.c — a data folder's classes.txt: never a crash; what loads is ten valid UTF-8 names,
 * none empty, and saves back to a file that loads to the same names. */
#include "fuzz-common.h"
#include "dl-classes.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (fuzz_scratch_dir (), "classes", NULL);
  g_autofree char *path = g_build_filename (dir, DL_CLASSES_FILE, NULL);

  fuzz_init ();
  FUZZ_ASSERT (g_mkdir_with_parents (dir, 0755) == 0);
  FUZZ_ASSERT (g_file_set_contents (path, (const char *) data, size, NULL));
  g_autoptr (DlClasses) classes = dl_classes_load_dir (dir, &error);
  FUZZ_ASSERT ((classes == NULL) != (error == NULL));
  if (classes == NULL)
    {
      FUZZ_ASSERT (error->domain == DL_DATA_ERROR);
      return 0;
    }
  for (int i = 0; i < DL_N_CLASSES; i++)
    {
      const char *name = dl_classes_name (classes, i);
      FUZZ_ASSERT (name != NULL && *name != '\0' && g_utf8_validate (name, -1, NULL));
    }
  FUZZ_ASSERT (dl_classes_save_dir (classes, dir, NULL));
  g_autoptr (DlClasses) back = dl_classes_load_dir (dir, NULL);
  FUZZ_ASSERT (back != NULL);
  for (int i = 0; i < DL_N_CLASSES; i++)
    FUZZ_ASSERT (strcmp (dl_classes_name (back, i), dl_classes_name (classes, i)) == 0);
  return 0;
}
