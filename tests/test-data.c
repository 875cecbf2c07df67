/* test-data.c — the IDX and CSV loaders on small files written here (good ones, raw and gzipped, and
 * each kind of bad one), the savers, the in-memory helpers, and — when it is cached — real MNIST. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dl-data.h"
#include "dl-test-mnist.h"

#define D 784

static char *tmpdir;

static void
setup (void)
{
  tmpdir = g_dir_make_tmp ("test-data-XXXXXX", NULL);
  ck_assert_ptr_nonnull (tmpdir);
}

static void
teardown (void)
{
  GDir *dir = g_dir_open (tmpdir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (tmpdir, name, NULL);
      g_unlink (p);
    }
  g_dir_close (dir);
  g_rmdir (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Writes bytes to dir/name, gzip-compressed when the name ends in .gz; returns the path. */
static char *
write_bytes (const char *name, const void *data, gsize len)
{
  char *path = tmp_path (name);

  if (g_str_has_suffix (name, ".gz"))
    {
      gzFile gz = gzopen (path, "wb");
      ck_assert_ptr_nonnull (gz);
      if (len > 0)
        ck_assert_int_eq (gzwrite (gz, data, len), (int) len);
      ck_assert_int_eq (gzclose (gz), Z_OK);
    }
  else
    {
      g_unlink (path);   /* GLib 2.74 does not truncate an existing file with G_FILE_SET_CONTENTS_NONE */
      ck_assert (g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_NONE, 0644, NULL));
    }
  return path;
}

static void
put32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 4);
}

/* An IDX images file: header as given, then `payload` bytes of the pattern (i * 7) % 256. */
static char *
write_images (const char *name, guint32 magic, guint32 n, guint32 rows, guint32 cols, gsize payload)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();

  put32 (a, magic);
  put32 (a, n);
  put32 (a, rows);
  put32 (a, cols);
  for (gsize i = 0; i < payload; i++)
    {
      guint8 v = (i * 7) % 256;
      g_byte_array_append (a, &v, 1);
    }
  return write_bytes (name, a->data, a->len);
}

static char *
write_labels (const char *name, guint32 magic, guint32 n, const guint8 *labels, gsize len)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();

  put32 (a, magic);
  put32 (a, n);
  g_byte_array_append (a, labels, len);
  return write_bytes (name, a->data, a->len);
}

static const guint8 good_labels[3] = { 0, 5, 9 };

/* Loads images + labels and expects failure with the given code; returns the message. */
static char *
expect_idx_error (const char *images, const char *labels, int code)
{
  g_autoptr (GError) error = NULL;
  DlDataset *ds = dl_dataset_load_idx (images, labels, &error);

  ck_assert_ptr_null (ds);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (error->domain == DL_DATA_ERROR, "domain %s", g_quark_to_string (error->domain));
  ck_assert_msg (error->code == code, "code %d, expected %d: %s", error->code, code, error->message);
  return g_strdup (error->message);
}

static char *
expect_csv_error (const char *path, int code)
{
  g_autoptr (GError) error = NULL;
  DlDataset *ds = dl_dataset_load_csv (path, &error);

  ck_assert_ptr_null (ds);
  ck_assert_ptr_nonnull (error);
  ck_assert (error->domain == DL_DATA_ERROR);
  ck_assert_msg (error->code == code, "code %d, expected %d: %s", error->code, code, error->message);
  return g_strdup (error->message);
}

#define ck_assert_has(msg, part) \
  ck_assert_msg (strstr ((msg), (part)) != NULL, "“%s” not in message: %s", (part), (msg))

/* ---- good IDX ---------------------------------------------------------------------------------- */

static void
check_good_idx (const char *images_name, const char *labels_name)
{
  g_autofree char *images = write_images (images_name, 0x803, 3, 2, 4, 3 * 2 * 4);
  g_autofree char *labels = write_labels (labels_name, 0x801, 3, good_labels, 3);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) ds = dl_dataset_load_idx (images, labels, &error);

  ck_assert_msg (ds != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (ds->n, 3);
  ck_assert_int_eq (ds->rows, 2);
  ck_assert_int_eq (ds->cols, 4);
  for (int i = 0; i < 24; i++)
    ck_assert_int_eq (ds->pixels[i], (i * 7) % 256);
  ck_assert_mem_eq (ds->labels, good_labels, 3);
  ck_assert_int_eq (ds->histogram[0], 1);
  ck_assert_int_eq (ds->histogram[5], 1);
  ck_assert_int_eq (ds->histogram[9], 1);
  ck_assert_int_eq (ds->histogram[1], 0);
  ck_assert_str_eq (ds->source, images);
}

START_TEST (test_idx_raw)
{
  check_good_idx ("a-images", "a-labels");
}
END_TEST

START_TEST (test_idx_gzip)
{
  check_good_idx ("a-images.gz", "a-labels.gz");
}
END_TEST

START_TEST (test_load_dir)
{
  g_autoptr (GError) error = NULL;

  g_free (write_images ("train-images-idx3-ubyte.gz", 0x803, 3, 28, 28, 3 * D));
  g_free (write_labels ("train-labels-idx1-ubyte.gz", 0x801, 3, good_labels, 3));
  g_free (write_images ("t10k-images-idx3-ubyte", 0x803, 2, 28, 28, 2 * D));
  g_free (write_labels ("t10k-labels-idx1-ubyte", 0x801, 2, good_labels, 2));

  g_autoptr (DlDataset) train = dl_dataset_load_dir (tmpdir, TRUE, &error);
  ck_assert_msg (train != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (train->n, 3);
  ck_assert (g_str_has_suffix (train->source, "train-images-idx3-ubyte.gz"));

  g_autoptr (DlDataset) test = dl_dataset_load_path (tmpdir, FALSE, &error);
  ck_assert_msg (test != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (test->n, 2);
  ck_assert (g_str_has_suffix (test->source, "t10k-images-idx3-ubyte"));

  /* "IMAGES,LABELS" */
  g_autofree char *pair = g_strdup_printf ("%s/t10k-images-idx3-ubyte,%s/t10k-labels-idx1-ubyte", tmpdir, tmpdir);
  g_autoptr (DlDataset) by_pair = dl_dataset_load_path (pair, TRUE, &error);
  ck_assert_msg (by_pair != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (by_pair->n, 2);
  ck_assert_mem_eq (by_pair->pixels, test->pixels, 2 * D);
}
END_TEST

START_TEST (test_load_dir_missing)
{
  g_autoptr (GError) error = NULL;
  g_free (write_images ("train-images-idx3-ubyte", 0x803, 3, 28, 28, 3 * D));

  ck_assert_ptr_null (dl_dataset_load_dir (tmpdir, TRUE, &error));
  ck_assert (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_IO));
  ck_assert_has (error->message, "train-labels-idx1-ubyte");
  ck_assert_has (error->message, tmpdir);
  g_clear_error (&error);

  g_autofree char *nothing = tmp_path ("nothing-here");
  ck_assert_ptr_null (dl_dataset_load_path (nothing, TRUE, &error));
  ck_assert (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_IO));
  ck_assert_has (error->message, nothing);
}
END_TEST

/* ---- bad IDX ----------------------------------------------------------------------------------- */

START_TEST (test_idx_truncated)
{
  /* 3 images of 28×28 need 16 + 2352 bytes; the file stops 100 bytes short. */
  const char *names[] = { "short-images", "short-images.gz" };

  for (int k = 0; k < 2; k++)
    {
      g_autofree char *images = write_images (names[k], 0x803, 3, 28, 28, 3 * D - 100);
      g_autofree char *labels = write_labels ("labels", 0x801, 3, good_labels, 3);
      g_autofree char *msg = expect_idx_error (images, labels, DL_DATA_ERROR_FORMAT);

      ck_assert_has (msg, images);
      ck_assert_has (msg, "file ends at byte 2268");
      ck_assert_has (msg, "expected 2368 bytes for 3 images of 28×28");
    }
}
END_TEST

START_TEST (test_idx_short_header)
{
  g_autofree char *images = write_bytes ("tiny", "\0\0\x08\x03\0\0", 6);
  g_autofree char *labels = write_labels ("labels", 0x801, 3, good_labels, 3);
  g_autofree char *msg = expect_idx_error (images, labels, DL_DATA_ERROR_FORMAT);

  ck_assert_has (msg, images);
  ck_assert_has (msg, "file ends at byte 6");
  ck_assert_has (msg, "16-byte IDX images header");
}
END_TEST

START_TEST (test_idx_trailing_garbage)
{
  const char *names[] = { "long-images", "long-images.gz" };

  for (int k = 0; k < 2; k++)
    {
      g_autofree char *images = write_images (names[k], 0x803, 3, 28, 28, 3 * D + 5);
      g_autofree char *labels = write_labels ("labels", 0x801, 3, good_labels, 3);
      g_autofree char *msg = expect_idx_error (images, labels, DL_DATA_ERROR_FORMAT);

      ck_assert_has (msg, images);
      ck_assert_has (msg, "byte 2368");
      ck_assert_has (msg, "expected the file to end there");
    }
}
END_TEST

START_TEST (test_idx_wrong_magic)
{
  /* A labels file given where the images belong, and a little-endian header. */
  g_autofree char *labels = write_labels ("labels", 0x801, 3, good_labels, 3);
  g_autofree char *msg = expect_idx_error (labels, labels, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg, labels);
  ck_assert_has (msg, "wrong magic number 0x00000801 at byte 0, expected 0x00000803");
  ck_assert_has (msg, "labels file");

  g_autofree char *swapped = write_images ("swapped", 0x03080000, 3, 28, 28, 3 * D);
  g_autofree char *msg2 = expect_idx_error (swapped, labels, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg2, swapped);
  ck_assert_has (msg2, "byte-swapped");

  g_autofree char *images = write_images ("images", 0x803, 3, 28, 28, 3 * D);
  g_autofree char *msg3 = expect_idx_error (images, images, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg3, "expected 0x00000801 (IDX labels)");
}
END_TEST

START_TEST (test_idx_count_mismatch)
{
  g_autofree char *images = write_images ("images", 0x803, 3, 28, 28, 3 * D);
  g_autofree char *labels = write_labels ("labels", 0x801, 2, good_labels, 2);
  g_autofree char *msg = expect_idx_error (images, labels, DL_DATA_ERROR_MISMATCH);

  ck_assert_has (msg, images);
  ck_assert_has (msg, labels);
  ck_assert_has (msg, "3 images");
  ck_assert_has (msg, "2 labels");
}
END_TEST

START_TEST (test_idx_dimension_overflow)
{
  g_autofree char *labels = write_labels ("labels", 0x801, 3, good_labels, 3);
  /* 2^32-1 cubed overflows 64 bits; 65536 × 65536 is no digit; 2^31 images is more than an int. */
  const guint32 dims[][3] = { { 0xffffffff, 0xffffffff, 0xffffffff }, { 3, 65536, 65536 },
                              { 0x80000000, 1, 1 }, { 100000000, 200, 200 } };

  for (guint k = 0; k < G_N_ELEMENTS (dims); k++)
    {
      g_autofree char *images = write_images ("huge", 0x803, dims[k][0], dims[k][1], dims[k][2], 64);
      g_autofree char *msg = expect_idx_error (images, labels, DL_DATA_ERROR_FORMAT);
      ck_assert_has (msg, images);
      ck_assert_has (msg, "dimension overflow");
      ck_assert_has (msg, "bytes 4–15");
    }
}
END_TEST

START_TEST (test_idx_zero_dimensions)
{
  g_autofree char *labels = write_labels ("labels", 0x801, 3, good_labels, 3);
  g_autofree char *images = write_images ("flat", 0x803, 3, 0, 28, 0);
  g_autofree char *msg = expect_idx_error (images, labels, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg, images);
  ck_assert_has (msg, "0×28 at byte 8");

  g_autofree char *none = write_images ("none", 0x803, 0, 28, 28, 0);
  g_autofree char *msg2 = expect_idx_error (none, labels, DL_DATA_ERROR_EMPTY);
  ck_assert_has (msg2, none);
  ck_assert_has (msg2, "0 images");
}
END_TEST

START_TEST (test_idx_bad_label)
{
  const guint8 bad[4] = { 3, 1, 10, 2 };
  g_autofree char *images = write_images ("images", 0x803, 4, 28, 28, 4 * D);
  const char *names[] = { "labels", "labels.gz" };

  for (int k = 0; k < 2; k++)
    {
      g_autofree char *labels = write_labels (names[k], 0x801, 4, bad, 4);
      g_autofree char *msg = expect_idx_error (images, labels, DL_DATA_ERROR_LABEL);
      ck_assert_has (msg, labels);
      ck_assert_has (msg, "label 10 at byte 10");
      ck_assert_has (msg, "example 2");
    }
}
END_TEST

START_TEST (test_idx_empty_and_missing)
{
  g_autofree char *labels = write_labels ("labels", 0x801, 3, good_labels, 3);
  g_autofree char *empty = write_bytes ("empty", "", 0);
  g_autofree char *msg = expect_idx_error (empty, labels, DL_DATA_ERROR_EMPTY);
  ck_assert_has (msg, empty);

  g_autofree char *missing = tmp_path ("missing");
  g_autofree char *msg2 = expect_idx_error (missing, labels, DL_DATA_ERROR_IO);
  ck_assert_has (msg2, missing);

  g_autofree char *msg3 = expect_idx_error (tmpdir, labels, DL_DATA_ERROR_IO);
  ck_assert_has (msg3, tmpdir);
}
END_TEST

START_TEST (test_idx_corrupt_gzip)
{
  g_autofree char *images = write_images ("images.gz", 0x803, 3, 28, 28, 3 * D);
  g_autofree char *labels = write_labels ("labels", 0x801, 3, good_labels, 3);
  g_autofree char *data = NULL;
  gsize len;

  /* Flip bytes in the deflate stream (past the 10-byte gzip header). */
  ck_assert (g_file_get_contents (images, &data, &len, NULL));
  for (gsize i = 12; i < len - 8; i += 3)
    data[i] ^= 0x5a;
  ck_assert (g_file_set_contents (images, data, len, NULL));

  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dl_dataset_load_idx (images, labels, &error));
  ck_assert (error->domain == DL_DATA_ERROR);
  ck_assert_has (error->message, images);
}
END_TEST

/* ---- CSV ---------------------------------------------------------------------------------------- */

/* One CSV line: `label`, then 784 pixels (i + row) % 256, with column `bad_col` (1-based; 0 for none)
 * replaced by `bad`, and `columns` fields in all. */
static void
csv_line (GString *s, const char *label, int row, int columns, int bad_col, const char *bad)
{
  for (int c = 1; c <= columns; c++)
    {
      if (c > 1)
        g_string_append_c (s, ',');
      if (c == bad_col)
        g_string_append (s, bad);
      else if (c == 1)
        g_string_append (s, label);
      else
        g_string_append_printf (s, "%d", (c - 2 + row) % 256);
    }
  g_string_append_c (s, '\n');
}

static char *
csv_header (void)
{
  GString *s = g_string_new ("label");
  for (int i = 0; i < D; i++)
    g_string_append_printf (s, ",pixel%d", i);
  g_string_append_c (s, '\n');
  return g_string_free (s, FALSE);
}

/* Three good rows (labels 4, 0, 9), optionally after a header, with row `bad_row` (0-based among the
 * data rows) replaced by a line with column `bad_col` set to `bad` and `columns` fields. */
static char *
write_csv (const char *name, gboolean header, int bad_row, int columns, int bad_col, const char *bad)
{
  g_autoptr (GString) s = g_string_new (NULL);
  const char *labels[] = { "4", "0", "9" };

  if (header)
    {
      g_autofree char *h = csv_header ();
      g_string_append (s, h);
    }
  for (int r = 0; r < 3; r++)
    csv_line (s, labels[r], r, r == bad_row ? columns : D + 1, r == bad_row ? bad_col : 0, bad);
  return write_bytes (name, s->str, s->len);
}

static void
check_good_csv (const DlDataset *ds)
{
  const guint8 labels[3] = { 4, 0, 9 };

  ck_assert_int_eq (ds->n, 3);
  ck_assert_int_eq (ds->rows, 28);
  ck_assert_int_eq (ds->cols, 28);
  ck_assert_mem_eq (ds->labels, labels, 3);
  for (int r = 0; r < 3; r++)
    for (int i = 0; i < D; i++)
      ck_assert_int_eq (ds->pixels[r * D + i], (i + r) % 256);
  ck_assert_int_eq (ds->histogram[4], 1);
  ck_assert_int_eq (ds->histogram[0], 1);
  ck_assert_int_eq (ds->histogram[9], 1);
}

START_TEST (test_csv_good)
{
  for (int header = 0; header < 2; header++)
    {
      g_autofree char *path = write_csv ("good.csv", header, -1, 0, 0, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (DlDataset) ds = dl_dataset_load_path (path, TRUE, &error);

      ck_assert_msg (ds != NULL, "%s", error ? error->message : "");
      check_good_csv (ds);
      ck_assert_str_eq (ds->source, path);
    }
}
END_TEST

START_TEST (test_csv_lenient_forms)
{
  /* A byte-order mark, CRLF line ends, spaces around fields, "7.0"-style whole decimals, blank lines,
   * no final newline. */
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  csv_line (s, "4", 0, D + 1, 5, " 3 ");
  g_string_truncate (s, s->len - 1);
  g_string_append (s, "\r\n\r\n");
  csv_line (s, "0.0", 1, D + 1, 2, "255.0");
  csv_line (s, "9", 2, D + 1, 0, NULL);
  g_string_truncate (s, s->len - 1);

  g_string_prepend (s, "\xef\xbb\xbf");        /* a byte-order mark, as spreadsheets write */
  g_autofree char *path = write_bytes ("lenient.csv", s->str, s->len);
  g_autoptr (DlDataset) ds = dl_dataset_load_csv (path, &error);
  ck_assert_msg (ds != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (ds->n, 3);
  ck_assert_int_eq (ds->labels[1], 0);
  ck_assert_int_eq (ds->pixels[3], 3);
  ck_assert_int_eq (ds->pixels[D], 255);
  ck_assert_int_eq (ds->pixels[2 * D + 5], 7);
}
END_TEST

START_TEST (test_csv_label_10)
{
  /* Data row 2 is line 3 without a header and line 4 with one. */
  for (int header = 0; header < 2; header++)
    {
      g_autofree char *path = write_csv ("bad.csv", header, 2, D + 1, 1, "10");
      g_autofree char *msg = expect_csv_error (path, DL_DATA_ERROR_LABEL);
      g_autofree char *where = g_strdup_printf ("row %d, column 1", header ? 4 : 3);

      ck_assert_has (msg, path);
      ck_assert_has (msg, where);
      ck_assert_has (msg, "label 10 is outside 0–9");
    }
}
END_TEST

START_TEST (test_csv_scaled_label)
{
  /* The bug report's mistake: 7 / 255 = 0.0275 written into the label column. */
  g_autofree char *path = write_csv ("scaled.csv", FALSE, 1, D + 1, 1, "0.027");
  g_autofree char *msg = expect_csv_error (path, DL_DATA_ERROR_LABEL);

  ck_assert_has (msg, path);
  ck_assert_has (msg, "row 2, column 1");
  ck_assert_has (msg, "0.027");
  ck_assert_has (msg, "scaled along with the pixels");
  ck_assert_has (msg, "0.027 × 255 ≈ 7");

  g_autofree char *half = write_csv ("half.csv", FALSE, 0, D + 1, 1, "7.5");
  g_autofree char *msg2 = expect_csv_error (half, DL_DATA_ERROR_LABEL);
  ck_assert_has (msg2, "row 1, column 1: label 7.5 is not a whole number 0–9");
}
END_TEST

START_TEST (test_csv_wrong_columns)
{
  g_autofree char *few = write_csv ("few.csv", TRUE, 1, D, 0, NULL);
  g_autofree char *msg = expect_csv_error (few, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg, few);
  ck_assert_has (msg, "row 3, column 784");
  ck_assert_has (msg, "784 columns, expected 785");

  g_autofree char *many = write_csv ("many.csv", FALSE, 0, D + 3, 0, NULL);
  g_autofree char *msg2 = expect_csv_error (many, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg2, "row 1, column 785");
  ck_assert_has (msg2, "787 columns, expected 785");
}
END_TEST

START_TEST (test_csv_text_in_number)
{
  g_autofree char *path = write_csv ("text.csv", FALSE, 2, D + 1, 5, "abc");
  g_autofree char *msg = expect_csv_error (path, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg, path);
  ck_assert_has (msg, "row 3, column 5");
  ck_assert_has (msg, "“abc” is not a number");

  g_autofree char *hex = write_csv ("hex.csv", FALSE, 0, D + 1, 2, "0x1f");
  g_autofree char *msg2 = expect_csv_error (hex, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg2, "row 1, column 2");

  /* Binary junk: the message stays valid UTF-8 and quotes only the start of the field. */
  g_autofree char *junk = write_csv ("junk.csv", FALSE, 1, D + 1, 7, "\xff\xfe" "abcdefghijklmnopqrstuvwxyz0123456789");
  g_autofree char *msg4 = expect_csv_error (junk, DL_DATA_ERROR_FORMAT);
  ck_assert (g_utf8_validate (msg4, -1, NULL));
  ck_assert_has (msg4, "row 2, column 7");
  ck_assert_has (msg4, "stuv…” is not a number");

  g_autofree char *blank = write_csv ("blank.csv", FALSE, 1, D + 1, 9, "");
  g_autofree char *msg3 = expect_csv_error (blank, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg3, "row 2, column 9: empty field");
}
END_TEST

START_TEST (test_csv_pixel_range)
{
  g_autofree char *path = write_csv ("range.csv", FALSE, 1, D + 1, 100, "256");
  g_autofree char *msg = expect_csv_error (path, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg, "row 2, column 100");
  ck_assert_has (msg, "pixel 256 is outside the range 0–255");

  g_autofree char *neg = write_csv ("neg.csv", FALSE, 0, D + 1, 3, "-1");
  g_autofree char *msg2 = expect_csv_error (neg, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg2, "row 1, column 3");

  g_autofree char *scaled = write_csv ("scaledpx.csv", FALSE, 0, D + 1, 3, "0.5");
  g_autofree char *msg3 = expect_csv_error (scaled, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg3, "already scaled");
}
END_TEST

START_TEST (test_csv_empty)
{
  g_autofree char *empty = write_bytes ("empty.csv", "", 0);
  g_autofree char *msg = expect_csv_error (empty, DL_DATA_ERROR_EMPTY);
  ck_assert_has (msg, empty);
  ck_assert_has (msg, "empty");

  g_autofree char *header = csv_header ();
  g_autofree char *only = write_bytes ("header.csv", header, strlen (header));
  g_autofree char *msg2 = expect_csv_error (only, DL_DATA_ERROR_EMPTY);
  ck_assert_has (msg2, "only a header");

  g_autofree char *missing = tmp_path ("missing.csv");
  g_autofree char *msg3 = expect_csv_error (missing, DL_DATA_ERROR_IO);
  ck_assert_has (msg3, missing);

  g_autofree char *blank = write_bytes ("blank.csv", "\n\n  \r\n", 6);
  g_autofree char *msg4 = expect_csv_error (blank, DL_DATA_ERROR_EMPTY);
  ck_assert_has (msg4, blank);
}
END_TEST

/* Damaged files — random bytes changed, or cut at random places — either load or fail with an
 * error in DL_DATA_ERROR that names the file; never a crash (run under ASan/UBSan to see). */
/* A damaged file that loaded holds what its bytes say: the raw IDX header's counts and its pixels or
 * labels byte for byte; for CSV, labels 0–9 and the same examples after a save and a reload. */
static void
check_loaded (DlDataset *ds, const char *name, const char *data, gsize len)
{
  const guint8 *p = (const guint8 *) data;
  for (int i = 0; i < ds->n; i++)
    ck_assert_int_lt (ds->labels[i], DL_N_CLASSES);
  if (g_str_has_suffix (name, ".csv"))
    {
      g_autofree char *again = tmp_path ("again.csv");
      ck_assert (dl_dataset_save_csv (ds, again, NULL));
      g_autoptr (DlDataset) back = dl_dataset_load_csv (again, NULL);
      ck_assert_ptr_nonnull (back);
      ck_assert_int_eq (back->n, ds->n);
      ck_assert_mem_eq (back->pixels, ds->pixels, (gsize) ds->n * D);
      ck_assert_mem_eq (back->labels, ds->labels, ds->n);
      return;
    }
  if (g_str_has_suffix (name, ".gz"))
    {
      ck_assert_int_eq (ds->n, 3);   /* the header survived, or it would not load against 3 labels */
      return;
    }
  if (g_str_has_suffix (name, "labels"))
    {
      ck_assert_uint_eq (len, 8 + (gsize) ds->n);
      ck_assert_mem_eq (ds->labels, p + 8, ds->n);
      return;
    }
  guint32 n = (guint32) p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7];
  guint32 rows = (guint32) p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11];
  ck_assert_int_eq (ds->n, (int) n);
  ck_assert_int_eq (ds->rows, (int) rows);
  ck_assert_uint_eq (len, 16 + (gsize) ds->n * ds->rows * ds->cols);
  ck_assert_mem_eq (ds->pixels, p + 16, (gsize) ds->n * ds->rows * ds->cols);
}

/* Mutations of the file `name`: an images file loaded with the labels file `partner`, a labels file (name
 * ending in "labels") with the images file `partner`, or a CSV file. */
static void
check_mutations (const char *name, const char *partner, guint32 seed)
{
  int loaded = 0;
  g_autofree char *path = tmp_path (name);
  g_autofree char *orig = NULL;
  gsize len;
  GRand *rand = g_rand_new_with_seed (seed);

  ck_assert (g_file_get_contents (path, &orig, &len, NULL));
  for (int k = 0; k < 150; k++)
    {
      g_autofree char *data = g_memdup2 (orig, len);
      gsize cut = k % 3 == 0 ? (gsize) g_rand_int_range (rand, 0, len) : len;
      for (int m = 0; m < 1 + k % 4; m++)
        data[g_rand_int_range (rand, 0, len)] = k % 2 ? g_rand_int_range (rand, 0, 256)
                                                : k % 5 == 4 ? g_rand_int_range (rand, 0, 10)   /* a value a label may have */
                                                : ",.-\n9a"[m % 6];
      /* Unlinked first: with G_FILE_SET_CONTENTS_NONE, GLib 2.74 writes over the old file without
       * truncating it, so a cut file kept the old file's tail and was never really cut. */
      g_unlink (path);
      ck_assert (g_file_set_contents_full (path, data, cut, G_FILE_SET_CONTENTS_NONE, 0644, NULL));
      GStatBuf st;
      ck_assert_int_eq (g_stat (path, &st), 0);
      ck_assert_uint_eq (st.st_size, cut);

      g_autoptr (GError) error = NULL;
      g_autoptr (DlDataset) ds = g_str_has_suffix (name, ".csv") ? dl_dataset_load_csv (path, &error)
        : g_str_has_suffix (name, "labels") ? dl_dataset_load_idx (partner, path, &error)
        : dl_dataset_load_idx (path, partner, &error);
      ck_assert ((ds == NULL) != (error == NULL));
      if (error != NULL)
        {
          ck_assert (error->domain == DL_DATA_ERROR);
          ck_assert_has (error->message, path);
          continue;
        }
      check_loaded (ds, name, data, cut);
      loaded++;
    }
  g_rand_free (rand);
  /* Most damage to a pixel or a label value still loads: those loads were checked. */
  ck_assert_msg (loaded > 0, "%s: no mutation loaded, so check_loaded never ran", name);
}

START_TEST (test_damaged_files)
{
  const guint8 labels[3] = { 1, 2, 3 };

  g_free (write_csv ("damaged.csv", TRUE, -1, 0, 0, NULL));
  check_mutations ("damaged.csv", NULL, 1);
  g_autofree char *three = write_labels ("three-labels", 0x801, 3, labels, 3);
  g_free (write_images ("damaged-images", 0x803, 3, 28, 28, 3 * D));
  check_mutations ("damaged-images", three, 2);
  g_free (write_images ("damaged-images.gz", 0x803, 3, 28, 28, 3 * D));
  check_mutations ("damaged-images.gz", three, 3);
  g_autofree char *images = write_images ("images", 0x803, 3, 28, 28, 3 * D);
  g_free (write_labels ("damaged-labels", 0x801, 3, labels, 3));
  check_mutations ("damaged-labels", images, 4);
}
END_TEST

/* ---- saving and in-memory data sets ------------------------------------------------------------ */

static DlDataset *
make_dataset (int n)
{
  DlDataset *ds = dl_dataset_new (n, 28, 28);

  for (int i = 0; i < n * D; i++)
    ds->pixels[i] = (i * 31 + i / D) % 256;
  for (int i = 0; i < n; i++)
    ds->labels[i] = (i * 3) % DL_N_CLASSES;
  dl_dataset_recount (ds);
  return ds;
}

static int
count_files (void)
{
  GDir *dir = g_dir_open (tmpdir, 0, NULL);
  int n = 0;

  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

START_TEST (test_save_roundtrip)
{
  g_autoptr (DlDataset) ds = make_dataset (7);
  g_autoptr (GError) error = NULL;
  const char *suffix[] = { "", ".gz" };

  for (int k = 0; k < 2; k++)
    {
      g_autofree char *images = g_strdup_printf ("%s/train-images-idx3-ubyte%s", tmpdir, suffix[k]);
      g_autofree char *labels = g_strdup_printf ("%s/train-labels-idx1-ubyte%s", tmpdir, suffix[k]);
      ck_assert_msg (dl_dataset_save_idx (ds, images, labels, &error), "%s", error ? error->message : "");
      g_autoptr (DlDataset) back = dl_dataset_load_idx (images, labels, &error);
      ck_assert_msg (back != NULL, "%s", error ? error->message : "");
      ck_assert_int_eq (back->n, 7);
      ck_assert_mem_eq (back->pixels, ds->pixels, 7 * D);
      ck_assert_mem_eq (back->labels, ds->labels, 7);
      ck_assert_mem_eq (back->histogram, ds->histogram, sizeof ds->histogram);
    }
  /* The gzipped pair really is compressed, and the raw one is the plain IDX size. */
  g_autofree char *raw = tmp_path ("train-images-idx3-ubyte");
  g_autofree char *gz = tmp_path ("train-images-idx3-ubyte.gz");
  GStatBuf st_raw, st_gz;
  ck_assert_int_eq (g_stat (raw, &st_raw), 0);
  ck_assert_int_eq (g_stat (gz, &st_gz), 0);
  ck_assert_int_eq (st_raw.st_size, 16 + 7 * D);
  ck_assert_int_lt (st_gz.st_size, st_raw.st_size);

  g_autofree char *csv = tmp_path ("set.csv");
  ck_assert (dl_dataset_save_csv (ds, csv, &error));
  g_autoptr (DlDataset) from_csv = dl_dataset_load_csv (csv, &error);
  ck_assert_msg (from_csv != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (from_csv->n, 7);
  ck_assert_mem_eq (from_csv->pixels, ds->pixels, 7 * D);
  ck_assert_mem_eq (from_csv->labels, ds->labels, 7);

  /* Atomic saves leave no temporary files behind: 4 IDX + 1 CSV. */
  ck_assert_int_eq (count_files (), 5);
}
END_TEST

START_TEST (test_save_fails_cleanly)
{
  g_autoptr (DlDataset) ds = make_dataset (2);
  g_autoptr (GError) error = NULL;
  g_autofree char *bad = g_build_filename (tmpdir, "no-such-dir", "x.csv", NULL);

  ck_assert (!dl_dataset_save_csv (ds, bad, &error));
  ck_assert (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_IO));
  ck_assert_has (error->message, bad);
  g_clear_error (&error);

  /* An existing file is replaced only by a complete one: a failed save leaves it as it was. */
  g_autofree char *csv = tmp_path ("keep.csv");
  ck_assert (dl_dataset_save_csv (ds, csv, &error));
  g_autoptr (DlDataset) wide = dl_dataset_new (1, 10, 10);
  ck_assert (!dl_dataset_save_csv (wide, csv, &error));
  ck_assert (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT));
  g_autoptr (DlDataset) still = dl_dataset_load_csv (csv, NULL);
  ck_assert_int_eq (still->n, 2);
}
END_TEST

START_TEST (test_new_append_subset)
{
  g_autoptr (DlDataset) empty = dl_dataset_new (0, 28, 28);
  guint8 img[D];

  for (int i = 0; i < D; i++)
    img[i] = i % 256;
  g_autoptr (DlDataset) one = dl_dataset_append (empty, img, 7);
  g_autoptr (DlDataset) two = dl_dataset_append (one, img, 3);
  ck_assert_int_eq (empty->n, 0);
  ck_assert_int_eq (one->n, 1);
  ck_assert_int_eq (two->n, 2);
  ck_assert_int_eq (two->labels[0], 7);
  ck_assert_int_eq (two->labels[1], 3);
  ck_assert_int_eq (two->histogram[3], 1);
  ck_assert_int_eq (two->histogram[7], 1);
  ck_assert_mem_eq (two->pixels + D, img, D);

  g_autoptr (DlDataset) ds = make_dataset (10);
  g_autoptr (DlDataset) sub = dl_dataset_subset (ds, 4);
  g_autoptr (DlDataset) all = dl_dataset_subset (ds, 100);
  ck_assert_int_eq (sub->n, 4);
  ck_assert_int_eq (all->n, 10);
  ck_assert_mem_eq (sub->pixels, ds->pixels, 4 * D);
  ck_assert_int_eq (sub->histogram[0] + sub->histogram[3] + sub->histogram[6] + sub->histogram[9], 4);

  /* Reference counting: the data set lives until the last unref. */
  DlDataset *ref = dl_dataset_ref (ds);
  ck_assert_ptr_eq (ref, ds);
  dl_dataset_unref (ref);
  ck_assert_int_eq (ds->n, 10);
}
END_TEST

START_TEST (test_gather)
{
  g_autoptr (DlDataset) ds = make_dataset (5);
  const int idx[3] = { 4, 0, 2 };
  g_autofree float *out = g_new (float, 3 * D);

  dl_dataset_gather (ds, idx, 3, out);
  for (int k = 0; k < 3; k++)
    for (int j = 0; j < D; j++)
      ck_assert_float_eq_tol (out[k * D + j], ds->pixels[idx[k] * D + j] / 255.0f, 1e-7);
}
END_TEST

START_TEST (test_histogram_warning)
{
  g_autoptr (DlDataset) ds = make_dataset (10);
  g_autofree char *fine = dl_dataset_histogram_warning (ds);
  ck_assert_ptr_null (fine);

  /* The scaled-label bug: every label truncated to 0. */
  g_autoptr (DlDataset) zeros = dl_dataset_new (10, 28, 28);
  for (int i = 0; i < 4; i++)
    zeros->labels[i] = 1 + i;
  dl_dataset_recount (zeros);
  g_autofree char *warning = dl_dataset_histogram_warning (zeros);
  ck_assert_ptr_nonnull (warning);
  ck_assert_has (warning, "class 0 holds 60 %");

  /* Exactly half is not "over half". */
  zeros->labels[4] = 5;
  dl_dataset_recount (zeros);
  g_autofree char *half = dl_dataset_histogram_warning (zeros);
  ck_assert_ptr_null (half);

  g_autofree char *text = dl_dataset_describe (ds);
  ck_assert_has (text, "10 images 28×28; labels 0:1 1:1 2:1 3:1");
}
END_TEST

START_TEST (test_default_dir)
{
  g_autofree char *saved = g_strdup (g_getenv ("DIGITLAB_DATA"));

  g_setenv ("DIGITLAB_DATA", "/some/where", TRUE);
  g_autofree char *a = dl_data_default_dir ();
  ck_assert_str_eq (a, "/some/where");
  g_unsetenv ("DIGITLAB_DATA");
  g_autofree char *b = dl_data_default_dir ();
  g_autofree char *expected = g_build_filename (g_get_user_cache_dir (), "digitlab", "mnist", NULL);
  ck_assert_str_eq (b, expected);
  if (saved != NULL)
    g_setenv ("DIGITLAB_DATA", saved, TRUE);
}
END_TEST

/* ---- real MNIST ----------------------------------------------------------------------------------- */

START_TEST (test_real_mnist)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) train = dl_test_mnist_load (TRUE);
  g_autoptr (DlDataset) test = dl_test_mnist_load (FALSE);

  ck_assert_int_eq (train->n, 60000);
  ck_assert_int_eq (test->n, 10000);
  ck_assert_int_eq (test->rows, 28);
  ck_assert_int_eq (test->cols, 28);
  ck_assert_int_eq (test->histogram[0], 980);
  ck_assert_int_eq (train->histogram[1], 6742);
  ck_assert_ptr_null (dl_dataset_histogram_warning (train));
  ck_assert_ptr_null (dl_dataset_histogram_warning (test));
  /* The first test image is a 7 and the first training image a 5. */
  ck_assert_int_eq (test->labels[0], 7);
  ck_assert_int_eq (train->labels[0], 5);

  /* MNIST through CSV equals MNIST through IDX (first 1000, to stay quick). */
  g_autoptr (DlDataset) sub = dl_dataset_subset (test, 1000);
  g_autofree char *csv = tmp_path ("t10k.csv");
  ck_assert (dl_dataset_save_csv (sub, csv, &error));
  g_autoptr (DlDataset) back = dl_dataset_load_csv (csv, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (back->n, 1000);
  ck_assert_mem_eq (back->pixels, sub->pixels, 1000 * D);
  ck_assert_mem_eq (back->labels, sub->labels, 1000);
}
END_TEST

/* Issue 16, defect 10: an empty CSV file reached "NULL + 0" (UBSan) before the empty-file check: the
 * mapping of an empty file has no address. Run under -Db_sanitize=undefined this fails without the fix. */
START_TEST (defect_10_empty_csv_no_null_arithmetic)
{
  g_autofree char *empty = write_bytes ("empty.csv", "", 0);
  g_autofree char *msg = expect_csv_error (empty, DL_DATA_ERROR_EMPTY);
  ck_assert_has (msg, "the file is empty (0 bytes)");
}
END_TEST

/* Runs body in a child process whose address space is limited to `limit` bytes (not under ASan, whose
 * shadow memory needs terabytes of it): an allocation the data cannot justify fails there. */
static void
with_memory_limit (guint64 limit, void (*body) (void))
{
#if defined(__SANITIZE_ADDRESS__)
  body ();
#else
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      struct rlimit rl = { limit, limit };
      setrlimit (RLIMIT_AS, &rl);
      body ();
      _exit (0);
    }
  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "the child failed (status %d)", status);
#endif
}

/* A 33-byte .gz whose header claims 65536 images of 256 × 256 (4 GiB): the loader reads what is there and
 * reports where it ends, instead of allocating the claim first. */
static void
load_small_gz_claiming_4gib (void)
{
  guint8 hdr[16] = { 0, 0, 8, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0 };
  g_autofree char *gz = write_bytes ("huge.gz", hdr, sizeof hdr);
  g_autofree char *labels = write_labels ("huge-labels", 0x801, 1, (const guint8 *) "\1", 1);
  GStatBuf st;
  ck_assert_int_eq (g_stat (gz, &st), 0);
  ck_assert_int_lt (st.st_size, 40);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) ds = dl_dataset_load_idx (gz, labels, &error);
  ck_assert_ptr_null (ds);
  ck_assert_msg (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT), "%s", error->message);
  ck_assert_has (error->message, "file ends at byte 16 (uncompressed), expected 4294967312 bytes");
}

/* 50 MB of blank lines asked for 784 bytes per line, 39 GB; now for what the bytes could hold. */
static void
load_blank_lines (void)
{
  gsize len = 50 * 1000 * 1000;
  g_autofree char *blank = g_malloc (len);
  memset (blank, '\n', len);
  g_autofree char *path = write_bytes ("blank-lines.csv", blank, len);
  g_clear_pointer (&blank, g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) ds = dl_dataset_load_csv (path, &error);
  ck_assert_ptr_null (ds);
  ck_assert_msg (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_EMPTY), "%s", error->message);
  ck_assert_has (error->message, "blank lines only");
}

START_TEST (defect_11_allocation_follows_the_data)
{
  with_memory_limit ((guint64) 2 << 30, load_small_gz_claiming_4gib);
  with_memory_limit ((guint64) 2 << 30, load_blank_lines);
  /* Huge but plausible headers are refused with a message, never an abort: a raw file claiming more than
   * it holds, and counts beyond the limits. */
  guint8 hdr[16] = { 0, 0, 8, 3, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28 };
  g_autofree char *raw = write_bytes ("claims-2g-images", hdr, sizeof hdr);
  g_autofree char *labels = write_labels ("one-label", 0x801, 1, (const guint8 *) "\1", 1);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dl_dataset_load_idx (raw, labels, &error));
  ck_assert_has (error->message, "beyond the limits");
}
END_TEST

static Suite *
data_suite (void)
{
  Suite *s = suite_create ("data");
  TCase *tc = tcase_create ("loaders");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_idx_raw);
  tcase_add_test (tc, test_idx_gzip);
  tcase_add_test (tc, test_load_dir);
  tcase_add_test (tc, test_load_dir_missing);
  tcase_add_test (tc, test_idx_truncated);
  tcase_add_test (tc, test_idx_short_header);
  tcase_add_test (tc, test_idx_trailing_garbage);
  tcase_add_test (tc, test_idx_wrong_magic);
  tcase_add_test (tc, test_idx_count_mismatch);
  tcase_add_test (tc, test_idx_dimension_overflow);
  tcase_add_test (tc, test_idx_zero_dimensions);
  tcase_add_test (tc, test_idx_bad_label);
  tcase_add_test (tc, test_idx_empty_and_missing);
  tcase_add_test (tc, test_idx_corrupt_gzip);
  tcase_add_test (tc, test_csv_good);
  tcase_add_test (tc, test_csv_lenient_forms);
  tcase_add_test (tc, test_csv_label_10);
  tcase_add_test (tc, test_csv_scaled_label);
  tcase_add_test (tc, test_csv_wrong_columns);
  tcase_add_test (tc, test_csv_text_in_number);
  tcase_add_test (tc, test_csv_pixel_range);
  tcase_add_test (tc, test_csv_empty);
  tcase_add_test (tc, test_damaged_files);
  tcase_add_test (tc, test_save_roundtrip);
  tcase_add_test (tc, test_save_fails_cleanly);
  tcase_add_test (tc, test_new_append_subset);
  tcase_add_test (tc, test_gather);
  tcase_add_test (tc, test_histogram_warning);
  tcase_add_test (tc, test_default_dir);
  tcase_add_test (tc, defect_10_empty_csv_no_null_arithmetic);
  tcase_add_test (tc, defect_11_allocation_follows_the_data);
  suite_add_tcase (s, tc);
  return s;
}

static Suite *
mnist_suite (void)
{
  Suite *s = suite_create ("data-mnist");
  TCase *tc = tcase_create ("mnist");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_real_mnist);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  return dl_test_main (argc, argv, data_suite, mnist_suite, CK_FORK_GETENV);
}
