/* fuzz-model.c — model files: the input as it is, and again with its last four bytes replaced by the
 * right CRC-32 (so mutations get past the checksum to the architecture and the parameter count). Never
 * a crash or an abort on allocation; what loads saves back and loads to the same parameters, and its
 * training-state section (a checkpoint's) is read as dl_model_load_state reads it. */
#include "fuzz-common.h"
#include "dl-model.h"

#include <string.h>
#include <zlib.h>

/* A checkpoint's training-state section read as well: loads exactly when the model does, and holds the
 * optimiser's four values a parameter (velocity, Adam's two moments, the weight average), whatever version
 * wrote it. */
static void
check_state (FuzzFile *f, DlNet *net)
{
  g_auto (DlModelState) state = { 0 };
  gboolean has_state = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlNet) again = dl_model_load_state (f->path, &state, &has_state, &error);

  FUZZ_ASSERT ((again == NULL) == (net == NULL));
  if (again != NULL && has_state)
    FUZZ_ASSERT (state.n_opt_state == 4 * dl_net_n_params (again) && state.trainer != NULL);
}

static void
load (const uint8_t *data, size_t size)
{
  FuzzFile f;
  g_autoptr (GError) error = NULL;

  fuzz_file_open (&f, data, size);
  g_autoptr (DlNet) net = dl_model_load (f.path, &error);
  check_state (&f, net);
  fuzz_file_close (&f);
  FUZZ_ASSERT ((net == NULL) != (error == NULL));
  if (net == NULL)
    {
      FUZZ_ASSERT (error->domain == DL_MODEL_ERROR);
      return;
    }
  g_autofree char *path = g_build_filename (fuzz_scratch_dir (), "round-trip.dlm", NULL);
  FUZZ_ASSERT (dl_model_save (net, path, NULL));
  g_autoptr (DlNet) back = dl_model_load (path, NULL);
  FUZZ_ASSERT (back != NULL && dl_net_n_params (back) == dl_net_n_params (net));
  FUZZ_ASSERT (memcmp (dl_net_params (back), dl_net_params (net), 4 * dl_net_n_params (net)) == 0);
  float x[784] = { 0 }, probs[10];
  dl_net_predict (net, x, 1, probs);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  load (data, size);
  if (size >= 4)
    {
      g_autofree uint8_t *fixed = g_memdup2 (data, size);
      guint32 crc = GUINT32_TO_LE ((guint32) crc32 (0L, fixed, (uInt) (size - 4)));
      memcpy (fixed + size - 4, &crc, 4);
      load (fixed, size);
    }
  return 0;
}
