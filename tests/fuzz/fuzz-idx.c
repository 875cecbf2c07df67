/* fuzz-idx.c — the IDX loader, the input taken as an images file and as a labels file (each with a
 * matching partner, so a valid header leads all the way through). Built twice: fuzz-idx reads the input
 * as it is (raw, or gzip when it starts with gzip's magic), fuzz-idx-gz gzip-compresses it first, so
 * that the fuzzer's IDX structure reaches the loader through the decompressing path too. */
#include "fuzz-common.h"
#include "dl-data.h"

#include <string.h>
#include <zlib.h>

static guint32
be32 (const uint8_t *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static void
put_be32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 4);
}

#ifdef FUZZ_GZIP
static GByteArray *
gzip_bytes (const uint8_t *data, size_t size)
{
  z_stream z = { 0 };
  GByteArray *out = g_byte_array_sized_new (size + 64);
  FUZZ_ASSERT (deflateInit2 (&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  g_byte_array_set_size (out, deflateBound (&z, size));
  z.next_in = (Bytef *) data;
  z.avail_in = size;
  z.next_out = out->data;
  z.avail_out = out->len;
  FUZZ_ASSERT (deflate (&z, Z_FINISH) == Z_STREAM_END);
  g_byte_array_set_size (out, z.total_out);
  deflateEnd (&z);
  return out;
}
#endif

/* A consistent dataset: n, dimensions, labels 0–9, histogram adding up. */
static void
check_dataset (DlDataset *ds)
{
  int sum = 0;
  FUZZ_ASSERT (ds->n > 0 && ds->rows > 0 && ds->cols > 0);
  for (int i = 0; i < ds->n; i++)
    FUZZ_ASSERT (ds->labels[i] < DL_N_CLASSES);
  for (int c = 0; c < DL_N_CLASSES; c++)
    sum += ds->histogram[c];
  FUZZ_ASSERT (sum == ds->n);
  /* Touch the whole pixel buffer: ASan sees a buffer shorter than n × rows × cols. */
  volatile guint8 last = ds->pixels[(gsize) ds->n * ds->rows * ds->cols - 1];
  (void) last;
}

static void
load_pair (const void *images, size_t images_len, const void *labels, size_t labels_len)
{
  FuzzFile fi, fl;
  g_autoptr (GError) error = NULL;

  fuzz_file_open (&fi, images, images_len);
  fuzz_file_open (&fl, labels, labels_len);
  g_autoptr (DlDataset) ds = dl_dataset_load_idx (fi.path, fl.path, &error);
  FUZZ_ASSERT ((ds == NULL) != (error == NULL));
  if (ds != NULL)
    check_dataset (ds);
  else
    FUZZ_ASSERT (error->domain == DL_DATA_ERROR && strstr (error->message, "/proc/self/fd/") != NULL);
  fuzz_file_close (&fi);
  fuzz_file_close (&fl);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
#ifdef FUZZ_GZIP
  g_autoptr (GByteArray) packed = gzip_bytes (data, size);
  const uint8_t *file = packed->data;
  size_t file_len = packed->len;
#else
  const uint8_t *file = data;
  size_t file_len = size;
#endif
  /* The partner follows the count in the header (a small one, or a mismatch, when it is huge). */
  guint32 count = size >= 8 ? be32 (data + 4) : 1;
  guint32 n = count >= 1 && count <= 4096 ? count : 1;
  g_autoptr (GByteArray) labels = g_byte_array_new ();
  put_be32 (labels, 0x801);
  put_be32 (labels, n);
  for (guint32 i = 0; i < n; i++)
    g_byte_array_append (labels, (const guint8 *) "\3", 1);
  load_pair (file, file_len, labels->data, labels->len);

  g_autoptr (GByteArray) images = g_byte_array_new ();
  put_be32 (images, 0x803);
  put_be32 (images, n);
  put_be32 (images, 1);
  put_be32 (images, 1);
  for (guint32 i = 0; i < n; i++)
    g_byte_array_append (images, (const guint8 *) "\200", 1);
  load_pair (images->data, images->len, file, file_len);
  return 0;
}
