/* dl-data-private.h — what the data set's files share (dl-data.c: the type, paths, saving; dl-data-idx.c and
 * dl-data-csv.c: the formats). */
#pragma once

#include "dl-data.h"

G_BEGIN_DECLS

/* A data set of more than 4 GiB of pixels is not MNIST-like: the loaders refuse it. */
#define MAX_PIXEL_BYTES (G_GUINT64_CONSTANT (1) << 32)

/* A data set around the arrays, taking source, pixels and labels. */
DlDataset *_dl_dataset_wrap (char *source, int n, int rows, int cols, guint8 *pixels, guint8 *labels);
/* Header + payload written to path atomically, gzip-compressed for a .gz path (dl-data.c). */
gboolean   _dl_data_write_atomic (const char *path, const guint8 *header, gsize header_len, const guint8 *data,
                                  gsize len, GError **error);

G_END_DECLS
