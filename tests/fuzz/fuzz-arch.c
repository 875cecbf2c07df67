/* fuzz-arch.c — the --arch parser (also what a model file's architecture string and the app's Layers
 * field go through): never a crash, and whatever it accepts prints back to a string that parses to the
 * same network within the size cap. */
#include "fuzz-common.h"
#include "dl-arch.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *spec = g_strndup ((const char *) data, size);
  g_autoptr (GError) error = NULL;
  DlArch arch, again;

  fuzz_init ();
  if (!dl_arch_parse (spec, &arch, &error))
    {
      FUZZ_ASSERT (error != NULL && error->domain == DL_ARCH_ERROR);
      return 0;
    }
  FUZZ_ASSERT (error == NULL);
  FUZZ_ASSERT (dl_arch_train_bytes (&arch, DL_MAX_BATCH) <= DL_ARCH_MAX_BYTES);
  g_autofree char *text = dl_arch_to_string (&arch);
  FUZZ_ASSERT (dl_arch_parse (text, &again, NULL));
  g_autofree char *text2 = dl_arch_to_string (&again);
  FUZZ_ASSERT (strcmp (text, text2) == 0);
  FUZZ_ASSERT (again.n_layers == arch.n_layers && again.loss == arch.loss);
  for (int i = 0; i < arch.n_layers; i++)
    FUZZ_ASSERT (memcmp (&arch.layers[i], &again.layers[i], sizeof arch.layers[i]) == 0);
  return 0;
}
