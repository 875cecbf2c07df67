/* dl-data-idx.c — IDX images and labels (raw or gzip) read and saved.
 *
 * Every loader checks what it reads against what the format promises and names the file, the place
 * (byte offset) and the expectation when they disagree. IDX files are read through zlib's gzread, which
 * passes plain files through unchanged, so one code path serves both.
 */
#include "config.h"

#include "dl-data-private.h"
#include "dl-file.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <zlib.h>

#define IDX_IMAGES_MAGIC 0x00000803u
#define IDX_LABELS_MAGIC 0x00000801u
#define IDX_IMAGES_HEADER 16
#define IDX_LABELS_HEADER 8
/* An image of more than a megapixel is not a digit. */
#define MAX_IMAGE_PIXELS (1u << 20)

/* ---- IDX reading ------------------------------------------------------------------------------ */

typedef struct {
  const char *path;
  gzFile      gz;
  gboolean    compressed;   /* known after the first read */
  goffset     file_size;    /* on disk */
  guint64     pos;          /* uncompressed bytes consumed so far */
} IdxReader;

static gboolean
idx_open (IdxReader *r, const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  goffset size = 0;
  int fd = dl_file_open_regular (path, &size, &local);

  memset (r, 0, sizeof *r);
  r->path = path;
  if (fd < 0)
    {
      g_set_error_literal (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, local->message);
      return FALSE;
    }
  if (size == 0)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_EMPTY, _("%s: the file is empty (0 bytes)"), path);
      close (fd);
      return FALSE;
    }
  r->file_size = size;
  r->gz = gzdopen (fd, "rb");
  if (r->gz == NULL)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, _("%s: cannot open: out of memory"), path);
      close (fd);
      return FALSE;
    }
  /* 256 KiB buffers (zlib takes twice that for output) for MNIST-sized files; a small file gets small ones. */
  gzbuffer (r->gz, (unsigned) CLAMP (size, 8192, 1 << 18));
  return TRUE;
}

static void
idx_close (IdxReader *r)
{
  if (r->gz != NULL)
    gzclose_r (r->gz);
  r->gz = NULL;
}

/* Reads up to len bytes; *got says how many arrived. FALSE only on a corrupt gzip stream — a stream
 * that simply stops early is reported by the caller, which knows what it expected. */
static gboolean
idx_read (IdxReader *r, void *buf, guint64 len, guint64 *got, GError **error)
{
  guint8 *p = buf;

  *got = 0;
  while (*got < len)
    {
      unsigned chunk = (unsigned) MIN (len - *got, (guint64) 1 << 30);
      int n = gzread (r->gz, p + *got, chunk);
      int errnum = Z_OK;
      const char *msg = n < (int) chunk ? gzerror (r->gz, &errnum) : NULL;

      if (n > 0)
        *got += n;
      if (errnum != Z_OK && errnum != Z_BUF_ERROR)
        {
          g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                       _("%s: corrupt gzip data after %llu uncompressed bytes: %s"),
                       r->path, (unsigned long long) (r->pos + *got), msg);
          return FALSE;
        }
      if (n < (int) chunk)
        break;
    }
  r->compressed = !gzdirect (r->gz);
  r->pos += *got;
  return TRUE;
}

static const char *
idx_kind (IdxReader *r)
{
  /* TRANSLATORS: after a byte offset in a gzip-compressed file, e.g. "file ends at byte 42 (uncompressed)" */
  return r->compressed ? _(" (uncompressed)") : "";
}

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static gboolean
idx_read_header (IdxReader *r, guint8 *hdr, int len, guint32 magic, const char *what, GError **error)
{
  guint64 got;

  if (!idx_read (r, hdr, len, &got, error))
    return FALSE;
  guint32 found = got >= 4 ? be32 (hdr) : magic;
  /* The magic first: a wrong kind of file is the likelier mistake than a cut-off header. */
  if (found != magic)
    {
      const char *hint = "";
      if (found == IDX_LABELS_MAGIC)
        hint = _("; this is an IDX labels file");
      else if (found == IDX_IMAGES_MAGIC)
        hint = _("; this is an IDX images file");
      else if (found == GUINT32_SWAP_LE_BE (magic))
        hint = _("; the header is byte-swapped (written little-endian)");
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                   _("%s: wrong magic number 0x%08x at byte 0, expected 0x%08x (IDX %s)%s"),
                   r->path, found, magic, what, hint);
      return FALSE;
    }
  if (got < (guint64) len)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                   _("%s: file ends at byte %llu%s, expected a %d-byte IDX %s header"),
                   r->path, (unsigned long long) got, idx_kind (r), len, what);
      return FALSE;
    }
  return TRUE;
}

/* The first allocation for a compressed payload: 8 × the file's size (MNIST's images compress 5:1), at
 * least 64 KiB; it doubles as the data arrives, up to what the header claims, so a small file that claims
 * gigabytes costs only what it really holds. */
#define GZ_FIRST_ALLOC(file_size) MAX ((guint64) 1 << 16, 8 * (guint64) (file_size))

static gboolean
no_memory (IdxReader *r, guint64 len, const char *what, GError **error)
{
  g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_IO,
               _("%s: cannot allocate %llu bytes for %s"), r->path, (unsigned long long) len, what);
  return FALSE;
}

/* Reads up to len bytes into a buffer that grows with what arrives; *got says how many did. */
static guint8 *
idx_read_growing (IdxReader *r, guint64 len, guint64 *got, const char *what, GError **error)
{
  guint64 cap = r->compressed ? MIN (len, GZ_FIRST_ALLOC (r->file_size)) : len;
  guint8 *buf = g_try_malloc (cap + 1);

  *got = 0;
  if (buf == NULL)
    return no_memory (r, cap, what, error), NULL;
  for (;;)
    {
      guint64 n;
      if (!idx_read (r, buf + *got, cap - *got, &n, error))
        break;
      *got += n;
      if (*got < cap || cap == len)
        return buf;
      cap = MIN (len, 2 * cap);
      guint8 *grown = g_try_realloc (buf, cap + 1);
      if (grown == NULL)
        {
          no_memory (r, cap, what, error);
          break;
        }
      buf = grown;
    }
  g_free (buf);
  return NULL;
}

/* Reads exactly len payload bytes that start at byte `start` and checks that nothing follows.
 * `what` describes the payload for messages ("60000 images of 28×28"). */
static guint8 *
idx_read_payload (IdxReader *r, guint64 start, guint64 len, const char *what, GError **error)
{
  guint64 expected = start + len;
  guint64 got;
  guint8 extra;

  /* A plain file's size is known up front: catch truncation before allocating anything. */
  if (!r->compressed && (guint64) r->file_size != expected)
    {
      if ((guint64) r->file_size < expected)
        g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                     _("%s: file ends at byte %lld, expected %llu bytes for %s"), r->path,
                     (long long) r->file_size, (unsigned long long) expected, what);
      else
        g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                     _("%s: %llu bytes of trailing garbage after byte %llu: expected the file to end there "
                       "after %s"),
                     r->path, (unsigned long long) r->file_size - expected, (unsigned long long) expected, what);
      return NULL;
    }
  guint8 *buf = idx_read_growing (r, len, &got, what, error);
  if (buf == NULL)
    return NULL;
  if (got < len)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                   _("%s: file ends at byte %llu%s, expected %llu bytes for %s"), r->path,
                   (unsigned long long) (start + got), idx_kind (r), (unsigned long long) expected, what);
      goto fail;
    }
  if (!idx_read (r, &extra, 1, &got, error))
    goto fail;
  if (got != 0)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                   _("%s: data continues past byte %llu%s: expected the file to end there after %s"), r->path,
                   (unsigned long long) expected, idx_kind (r), what);
      goto fail;
    }
  return buf;

fail:
  g_free (buf);
  return NULL;
}

static guint8 *
idx_load_images (const char *path, int *n, int *rows, int *cols, GError **error)
{
  IdxReader r;
  guint8 hdr[IDX_IMAGES_HEADER];
  guint8 *pixels = NULL;
  g_autofree char *what = NULL;
  guint64 total;

  if (!idx_open (&r, path, error))
    return NULL;
  if (!idx_read_header (&r, hdr, sizeof hdr, IDX_IMAGES_MAGIC, _("images"), error))
    goto out;

  guint32 count = be32 (hdr + 4), h = be32 (hdr + 8), w = be32 (hdr + 12);
  if (count == 0)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_EMPTY,
                   _("%s: the header (byte 4) says the file holds 0 images"), path);
      goto out;
    }
  if (h == 0 || w == 0)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                   _("%s: image size %u×%u at byte 8, expected nonzero rows and columns"), path, h, w);
      goto out;
    }
  if (__builtin_mul_overflow ((guint64) count, (guint64) h * w, &total)
      || count > G_MAXINT || (guint64) h * w > MAX_IMAGE_PIXELS || total > MAX_PIXEL_BYTES)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                   _("%s: dimension overflow in the header (bytes 4–15): %u images of %u×%u pixels is "
                     "beyond the limits (at most %u pixels per image, %llu bytes in all)"),
                   path, count, h, w, MAX_IMAGE_PIXELS, (unsigned long long) MAX_PIXEL_BYTES);
      goto out;
    }

  what = g_strdup_printf (_("%u images of %u×%u"), count, h, w);
  pixels = idx_read_payload (&r, IDX_IMAGES_HEADER, total, what, error);
  *n = count;
  *rows = h;
  *cols = w;
out:
  idx_close (&r);
  return pixels;
}

static guint8 *
idx_load_labels (const char *path, int *n, GError **error)
{
  IdxReader r;
  guint8 hdr[IDX_LABELS_HEADER];
  guint8 *labels = NULL;
  g_autofree char *what = NULL;

  if (!idx_open (&r, path, error))
    return NULL;
  if (!idx_read_header (&r, hdr, sizeof hdr, IDX_LABELS_MAGIC, _("labels"), error))
    goto out;

  guint32 count = be32 (hdr + 4);
  if (count == 0)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_EMPTY,
                   _("%s: the header (byte 4) says the file holds 0 labels"), path);
      goto out;
    }
  if (count > G_MAXINT)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                   _("%s: dimension overflow in the header (byte 4): %u labels"), path, count);
      goto out;
    }

  what = g_strdup_printf (_("%u labels"), count);
  labels = idx_read_payload (&r, IDX_LABELS_HEADER, count, what, error);
  if (labels == NULL)
    goto out;
  for (guint32 i = 0; i < count; i++)
    if (labels[i] >= DL_N_CLASSES)
      {
        g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_LABEL,
                     _("%s: label %u at byte %u%s (example %u) is outside 0–9"),
                     path, labels[i], IDX_LABELS_HEADER + i, idx_kind (&r), i);
        g_clear_pointer (&labels, g_free);
        goto out;
      }
  *n = count;
out:
  idx_close (&r);
  return labels;
}

DlDataset *
dl_dataset_load_idx (const char *images_path, const char *labels_path, GError **error)
{
  int n_images = 0, n_labels = 0, rows = 0, cols = 0;
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *labels = NULL;

  g_return_val_if_fail (images_path != NULL && labels_path != NULL, NULL);

  pixels = idx_load_images (images_path, &n_images, &rows, &cols, error);
  if (pixels == NULL)
    return NULL;
  labels = idx_load_labels (labels_path, &n_labels, error);
  if (labels == NULL)
    return NULL;
  if (n_images != n_labels)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_MISMATCH,
                   _("%s holds %d images but %s holds %d labels: expected one label per image"),
                   images_path, n_images, labels_path, n_labels);
      return NULL;
    }
  return _dl_dataset_wrap (g_strdup (images_path), n_images, rows, cols,
                       g_steal_pointer (&pixels), g_steal_pointer (&labels));
}

DlDataset *
dl_dataset_load_idx_images (const char *path, GError **error)
{
  int n = 0, rows = 0, cols = 0;
  guint8 *pixels, *labels;
  DlDataset *ds;

  g_return_val_if_fail (path != NULL, NULL);
  pixels = idx_load_images (path, &n, &rows, &cols, error);
  if (pixels == NULL)
    return NULL;
  labels = g_try_malloc0 (n);
  if (labels == NULL)
    {
      g_free (pixels);
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, _("%s: cannot allocate memory for %d images"), path, n);
      return NULL;
    }
  ds = _dl_dataset_wrap (g_strdup (path), n, rows, cols, pixels, labels);
  ds->unlabeled = TRUE;
  return ds;
}

/* ---- saving ------------------------------------------------------------------------------------- */

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

gboolean
dl_dataset_save_idx (const DlDataset *ds, const char *images_path, const char *labels_path, GError **error)
{
  guint8 hdr[IDX_IMAGES_HEADER];

  g_return_val_if_fail (ds != NULL && images_path != NULL && labels_path != NULL, FALSE);

  put_be32 (hdr, IDX_IMAGES_MAGIC);
  put_be32 (hdr + 4, ds->n);
  put_be32 (hdr + 8, ds->rows);
  put_be32 (hdr + 12, ds->cols);
  if (!_dl_data_write_atomic (images_path, hdr, IDX_IMAGES_HEADER, ds->pixels, (gsize) ds->n * ds->rows * ds->cols, error))
    return FALSE;
  put_be32 (hdr, IDX_LABELS_MAGIC);
  return _dl_data_write_atomic (labels_path, hdr, IDX_LABELS_HEADER, ds->labels, ds->n, error);
}
