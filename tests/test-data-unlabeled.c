/* test-data-unlabeled.c — unlabeled images (issue 17): Kaggle's Digit Recognizer test.csv (a header, then
 * 784 pixel columns a row) and any CSV of that shape, IDX images files raw and gzipped, each loaded exactly;
 * and the damage each can have, refused naming the file, the place and what was expected — including a
 * labelled file given where an unlabeled one belongs, and the other way round. Files written here. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "dl-data.h"

#define D 784

static char *tmpdir;

#define ck_assert_has(haystack, needle) \
  ck_assert_msg (strstr ((haystack), (needle)) != NULL, "expected “%s” in: %s", (needle), (haystack))

static char *
write_file (const char *name, const void *data, gsize len)
{
  char *path = g_build_filename (tmpdir, name, NULL);

  if (g_str_has_suffix (name, ".gz"))
    {
      gzFile gz = gzopen (path, "wb");

      ck_assert_ptr_nonnull (gz);
      ck_assert_int_eq (gzwrite (gz, data, len), (int) len);
      ck_assert_int_eq (gzclose (gz), Z_OK);
    }
  else
    ck_assert (g_file_set_contents (path, data, len, NULL));
  return path;
}

/* Pixel i of image r. */
static int
pixel (int r, int i)
{
  return (i * 7 + r * 31) % 256;
}

/* n rows of `columns` pixel columns (pixel (r, i), the first 784 of them), a header when asked. */
static char *
write_csv (const char *name, int n, int columns, gboolean header)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (int i = 0; header && i < columns; i++)
    g_string_append_printf (s, "%spixel%d", i ? "," : "", i);
  if (header)
    g_string_append_c (s, '\n');
  for (int r = 0; r < n; r++)
    {
      for (int i = 0; i < columns; i++)
        g_string_append_printf (s, "%s%d", i ? "," : "", pixel (r, i % D));
      g_string_append_c (s, '\n');
    }
  return write_file (name, s->str, s->len);
}

static char *
write_idx (const char *name, guint32 magic, guint32 n, guint32 rows, guint32 cols, gsize payload)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();
  guint32 header[4] = { GUINT32_TO_BE (magic), GUINT32_TO_BE (n), GUINT32_TO_BE (rows), GUINT32_TO_BE (cols) };

  g_byte_array_append (a, (guint8 *) header, sizeof header);
  for (gsize i = 0; i < payload; i++)
    {
      guint8 v = pixel ((int) (i / (rows * cols)), (int) (i % (rows * cols)));

      g_byte_array_append (a, &v, 1);
    }
  return write_file (name, a->data, a->len);
}

static void
check_images (const DlDataset *ds, const char *path, int n)
{
  ck_assert_str_eq (ds->source, path);
  ck_assert (ds->unlabeled);
  ck_assert_int_eq (ds->n, n);
  ck_assert_int_eq (ds->rows, 28);
  ck_assert_int_eq (ds->cols, 28);
  for (int r = 0; r < n; r++)
    {
      ck_assert_int_eq (ds->labels[r], 0);
      for (int i = 0; i < D; i++)
        ck_assert_int_eq (ds->pixels[r * D + i], pixel (r, i));
    }
}

/* The message of the error loading `path` unlabeled, asserted to be `code` and to name the file. */
static char *
expect_error (const char *path, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) ds = dl_dataset_load_unlabeled (path, &error);

  ck_assert_msg (ds == NULL, "%s loaded", path);
  ck_assert_msg (g_error_matches (error, DL_DATA_ERROR, code), "%s: %s", path, error->message);
  ck_assert_has (error->message, path);
  return g_strdup (error->message);
}

START_TEST (test_kaggle_csv)
{
  g_autofree char *with = write_csv ("test.csv", 3, D, TRUE);
  g_autofree char *without = write_csv ("plain.csv", 3, D, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) a = dl_dataset_load_unlabeled (with, &error);
  g_autoptr (DlDataset) b = NULL;
  g_autoptr (DlDataset) sub = NULL;

  ck_assert_msg (a != NULL, "%s", error ? error->message : "");
  check_images (a, with, 3);
  b = dl_dataset_load_csv_images (without, &error);
  ck_assert_msg (b != NULL, "%s", error ? error->message : "");
  check_images (b, without, 3);
  sub = dl_dataset_subset (a, 2);
  ck_assert (sub->unlabeled);
}
END_TEST

/* A byte-order mark, CRLF line ends and a last line without a newline, as spreadsheets write them. */
START_TEST (test_csv_spreadsheet_forms)
{
  g_autoptr (GString) s = g_string_new ("\xef\xbb\xbf");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) ds = NULL;

  for (int r = 0; r < 2; r++)
    {
      for (int i = 0; i < D; i++)
        g_string_append_printf (s, "%s%d", i ? "," : "", pixel (r, i));
      if (r == 0)
        g_string_append (s, "\r\n");
    }
  path = write_file ("bom.csv", s->str, s->len);
  ds = dl_dataset_load_unlabeled (path, &error);
  ck_assert_msg (ds != NULL, "%s", error ? error->message : "");
  check_images (ds, path, 2);
}
END_TEST

START_TEST (test_csv_damage)
{
  /* Kaggle's train.csv (a label column) where the unlabeled set belongs. */
  g_autofree char *labelled = write_csv ("train.csv", 2, D + 1, TRUE);
  g_autofree char *msg = expect_error (labelled, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg, "row 1, column 784: the header row has 785 columns, expected 784 (784 pixels, no label)");
  ck_assert_has (msg, "a label column and the pixels make a labelled set");

  g_autofree char *short_row = write_csv ("short.csv", 2, D - 1, FALSE);
  g_autofree char *msg2 = expect_error (short_row, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg2, "row 1, column 783: the row has 783 columns, expected 784 (784 pixels, no label)");

  /* A bad pixel: its row and column (column 5 is the fifth pixel: there is no label column). */
  g_autoptr (GString) s = g_string_new (NULL);
  for (int r = 0; r < 2; r++)
    for (int i = 0; i < D; i++)
      g_string_append_printf (s, "%s%s%s", i ? "," : "", r == 1 && i == 4 ? "300" : r == 1 && i == 9 ? "x" : "7",
                              i == D - 1 ? "\n" : "");
  g_autofree char *bad = write_file ("bad.csv", s->str, s->len);
  g_autofree char *msg3 = expect_error (bad, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg3, "row 2, column 5: pixel 300 is outside the range 0–255");

  g_autofree char *header_only = write_csv ("header.csv", 0, D, TRUE);
  g_autofree char *msg4 = expect_error (header_only, DL_DATA_ERROR_EMPTY);
  ck_assert_has (msg4, "only a header row, no examples");

  g_autofree char *empty = write_file ("empty.csv", "", 0);
  g_autofree char *msg5 = expect_error (empty, DL_DATA_ERROR_EMPTY);
  ck_assert_has (msg5, "the file is empty (0 bytes)");
}
END_TEST

/* The labelled loader says what Kaggle's test.csv is instead of only counting its columns. */
START_TEST (test_labelled_loader_names_unlabeled)
{
  g_autofree char *path = write_csv ("test.csv", 2, D, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) ds = dl_dataset_load_csv (path, &error);

  ck_assert (ds == NULL);
  ck_assert_has (error->message, "the header row has 784 columns, expected 785 (a label and 784 pixels)");
  ck_assert_has (error->message, "an unlabeled set, for digitlab-cli predict");
}
END_TEST

START_TEST (test_idx_images)
{
  const char *names[] = { "t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz" };

  for (int k = 0; k < 2; k++)
    {
      g_autofree char *path = write_idx (names[k], 0x803, 3, 28, 28, 3 * D);
      g_autoptr (GError) error = NULL;
      g_autoptr (DlDataset) ds = dl_dataset_load_unlabeled (path, &error);

      ck_assert_msg (ds != NULL, "%s", error ? error->message : "");
      check_images (ds, path, 3);
    }
  /* Another image size loads as it is: the caller checks it against its network. */
  {
    g_autofree char *path = write_idx ("small-images", 0x803, 2, 20, 20, 2 * 400);
    g_autoptr (DlDataset) ds = dl_dataset_load_idx_images (path, NULL);

    ck_assert (ds != NULL && ds->rows == 20 && ds->cols == 20 && ds->unlabeled);
  }
}
END_TEST

START_TEST (test_idx_damage)
{
  /* A labels file given for the images. */
  guint8 labels[] = { 0, 0, 8, 1, 0, 0, 0, 2, 3, 4 };
  g_autofree char *lab = write_file ("labels", labels, sizeof labels);
  g_autofree char *msg = expect_error (lab, DL_DATA_ERROR_FORMAT);
  ck_assert_has (msg, "wrong magic number 0x00000801 at byte 0, expected 0x00000803");

  const char *names[] = { "short-images", "short-images.gz" };
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *path = write_idx (names[k], 0x803, 3, 28, 28, 3 * D - 100);
      g_autofree char *msg2 = expect_error (path, DL_DATA_ERROR_FORMAT);
      ck_assert_has (msg2, "file ends at byte 2268");
      ck_assert_has (msg2, "expected 2368 bytes for 3 images of 28×28");
    }

  g_autofree char *none = write_idx ("no-images", 0x803, 0, 28, 28, 0);
  g_autofree char *msg3 = expect_error (none, DL_DATA_ERROR_EMPTY);
  ck_assert_has (msg3, "says the file holds 0 images");

  g_autofree char *missing = g_build_filename (tmpdir, "nothing-here", NULL);
  g_autofree char *msg4 = expect_error (missing, DL_DATA_ERROR_IO);
  (void) msg4;
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("data-unlabeled");
  TCase *tc = tcase_create ("unlabeled");
  int failed;

  tmpdir = g_dir_make_tmp ("test-unlabeled-XXXXXX", NULL);
  g_assert (tmpdir != NULL);
  tcase_add_test (tc, test_kaggle_csv);
  tcase_add_test (tc, test_csv_spreadsheet_forms);
  tcase_add_test (tc, test_csv_damage);
  tcase_add_test (tc, test_labelled_loader_names_unlabeled);
  tcase_add_test (tc, test_idx_images);
  tcase_add_test (tc, test_idx_damage);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
