/* test-personal.c — the personal data set: dl_personal_add and dl_personal_count_correct, sets that are
 * not 28 × 28 (defects 3 and 4 of issue 16), and the folder saved as one unit. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "dl-data.h"
#include "dl-file.h"
#include "dl-personal.h"
#include "dl-test-net.h"

static char *tmpdir;

static void
remove_all (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  if (d != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_all (child);
          else
            g_unlink (child);
        }
      g_dir_close (d);
    }
  g_rmdir (path);
}

static void
setup (void)
{
  tmpdir = g_dir_make_tmp ("test-personal-XXXXXX", NULL);
}

static void
teardown (void)
{
  remove_all (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

/* A drawn-looking input: a vertical bar, brightness `level`. */
static void
bar (float *input, float level)
{
  memset (input, 0, 784 * sizeof *input);
  for (int y = 4; y < 24; y++)
    for (int x = 12; x < 16; x++)
      input[y * 28 + x] = level;
}

START_TEST (add_writes_and_loads_back)
{
  g_autofree char *dir = g_build_filename (tmpdir, "deep", "personal", NULL);
  g_autoptr (GError) error = NULL;
  float input[784];

  g_autoptr (DlDataset) empty = dl_personal_load (dir, &error);
  ck_assert_ptr_nonnull (empty);
  ck_assert_int_eq (empty->n, 0);
  bar (input, 1.0f);
  g_autoptr (DlDataset) one = dl_personal_add (dir, empty, input, 1, &error);
  ck_assert_msg (one != NULL, "%s", error ? error->message : "");
  bar (input, 0.5f);
  input[0] = -3.0f;   /* out of range: clamped, as dl_dataset_gather's inverse */
  input[1] = 7.0f;
  g_autoptr (DlDataset) two = dl_personal_add (dir, one, input, 7, &error);
  ck_assert_ptr_nonnull (two);
  ck_assert_int_eq (one->n, 1);   /* the old set is not changed */
  ck_assert_int_eq (two->n, 2);

  g_autoptr (DlDataset) back = dl_personal_load (dir, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (back->n, 2);
  ck_assert_int_eq (back->labels[0], 1);
  ck_assert_int_eq (back->labels[1], 7);
  ck_assert_int_eq (back->histogram[1], 1);
  ck_assert_int_eq (back->histogram[7], 1);
  ck_assert_int_eq (back->pixels[4 * 28 + 12], 255);
  ck_assert_int_eq (back->pixels[784 + 4 * 28 + 12], 128);   /* round (0.5 × 255) */
  ck_assert_int_eq (back->pixels[784 + 0], 0);
  ck_assert_int_eq (back->pixels[784 + 1], 255);
  ck_assert_int_eq (back->pixels[784 + 2], 0);
  ck_assert_mem_eq (back->pixels, two->pixels, 2 * 784);
  /* The folder loads wherever a data folder does, and holds no temporary leftovers. */
  g_autoptr (DlDataset) as_data = dl_dataset_load_dir (dir, TRUE, &error);
  ck_assert_ptr_nonnull (as_data);
  ck_assert_int_eq (as_data->n, 2);
  g_autofree char *parent = g_path_get_dirname (dir);
  GDir *d = g_dir_open (parent, 0, NULL);
  const char *name;
  int entries = 0;
  while ((name = g_dir_read_name (d)) != NULL)
    entries++;
  g_dir_close (d);
  ck_assert_int_eq (entries, 1);
}
END_TEST

START_TEST (count_correct_counts)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc10,softmax", 3);
  g_autoptr (DlDataset) set = dl_dataset_new (70, 28, 28);   /* more than one chunk of 64 */
  float probs[10];
  int expected = 0;

  for (int i = 0; i < set->n * 784; i++)
    set->pixels[i] = (i * 13 + i / 784 * 7) % 256;
  /* Label each image with the net's own answer for the first 40, another class for the rest. */
  for (int i = 0; i < set->n; i++)
    {
      float x[784];
      int idx = i, best = 0;
      dl_dataset_gather (set, &idx, 1, x);
      dl_net_predict (net, x, 1, probs);
      for (int c = 1; c < 10; c++)
        best = probs[c] > probs[best] ? c : best;
      set->labels[i] = i < 40 ? best : (best + 1) % 10;
      expected += i < 40;
    }
  dl_dataset_recount (set);
  ck_assert_int_eq (dl_personal_count_correct (net, set), expected);
  g_autoptr (DlDataset) none = dl_dataset_new (0, 28, 28);
  ck_assert_int_eq (dl_personal_count_correct (net, none), 0);
}
END_TEST

/* An IDX pair of n images of side × side in dir, under the personal set's names. */
static void
write_set (const char *dir, int n, int side)
{
  g_autoptr (DlDataset) ds = dl_dataset_new (n, side, side);
  g_autofree char *images = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  g_autofree char *labels = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);
  for (int i = 0; i < n * side * side; i++)
    ds->pixels[i] = i % 251;
  ck_assert_int_eq (g_mkdir_with_parents (dir, 0755), 0);
  ck_assert (dl_dataset_save_idx (ds, images, labels, NULL));
}

START_TEST (defect_3_personal_set_not_28x28)
{
  g_autofree char *dir = g_build_filename (tmpdir, "personal", NULL);
  g_autoptr (GError) error = NULL;

  /* A 32 × 32 set: refused at load with what is wrong, instead of read past by the network. */
  write_set (dir, 3, 32);
  g_autoptr (DlDataset) set = dl_personal_load (dir, &error);
  ck_assert_ptr_null (set);
  ck_assert (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_MISMATCH));
  ck_assert_msg (strstr (error->message, "32×32") && strstr (error->message, "28×28"), "%s", error->message);

  /* Counting one in memory reads nothing the net cannot take (ASan saw a read past 1024 bytes here). */
  g_autoptr (DlNet) fc = dl_test_make_net ("fc10,softmax", 1);
  g_autoptr (DlNet) conv = dl_test_make_net ("conv2x3,pool2,fc10,softmax", 1);
  g_autoptr (DlDataset) wide = dl_dataset_new (3, 32, 32);
  g_autoptr (DlDataset) small = dl_dataset_new (100, 16, 16);
  ck_assert_int_eq (dl_personal_count_correct (fc, wide), -1);
  ck_assert_int_eq (dl_personal_count_correct (conv, wide), -1);
  ck_assert_int_eq (dl_personal_count_correct (conv, small), -1);
}
END_TEST

START_TEST (defect_4_add_failure_sets_error)
{
  g_autofree char *dir = g_build_filename (tmpdir, "personal", NULL);
  g_autoptr (DlDataset) wide = dl_dataset_new (2, 32, 32);
  g_autoptr (GError) error = NULL;
  float input[784];

  bar (input, 1.0f);
  /* Not 28 × 28: NULL with an error the Draw page can show (it read error->message of NULL). */
  ck_assert_ptr_null (dl_personal_add (dir, wide, input, 3, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_MISMATCH));
  g_clear_error (&error);

  /* A folder that cannot be made (a file is in the way): an error as well. */
  g_autofree char *file = g_build_filename (tmpdir, "file", NULL);
  g_autofree char *under = g_build_filename (file, "personal", NULL);
  ck_assert (g_file_set_contents (file, "x", 1, NULL));
  g_autoptr (DlDataset) empty = dl_dataset_new (0, 28, 28);
  ck_assert_ptr_null (dl_personal_add (under, empty, input, 3, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, file) != NULL, "%s", error->message);
}
END_TEST

/* The set saved in a symlinked folder: the link stays and the files land in its target. */
START_TEST (add_through_symlinked_folder)
{
  g_autofree char *target = g_build_filename (tmpdir, "on-another-disk", NULL);
  g_autofree char *dir = g_build_filename (tmpdir, "personal", NULL);
  g_autoptr (GError) error = NULL;
  float input[784];

  ck_assert_int_eq (g_mkdir (target, 0755), 0);
  ck_assert_int_eq (symlink ("on-another-disk", dir), 0);
  bar (input, 1.0f);
  g_autoptr (DlDataset) empty = dl_personal_load (dir, &error);
  g_autoptr (DlDataset) one = dl_personal_add (dir, empty, input, 2, &error);
  ck_assert_msg (one != NULL, "%s", error ? error->message : "");
  ck_assert (g_file_test (dir, G_FILE_TEST_IS_SYMLINK));
  g_autoptr (DlDataset) back = dl_personal_load (target, &error);
  ck_assert_ptr_nonnull (back);
  ck_assert_int_eq (back->n, 1);

  /* A link to a folder that does not exist yet: the folder is made where the link points. */
  g_autofree char *later = g_build_filename (tmpdir, "later", NULL);
  g_autofree char *dangling = g_build_filename (tmpdir, "personal2", NULL);
  ck_assert_int_eq (symlink ("later", dangling), 0);
  g_autoptr (DlDataset) first = dl_personal_add (dangling, empty, input, 5, &error);
  ck_assert_msg (first != NULL, "%s", error ? error->message : "");
  ck_assert (g_file_test (dangling, G_FILE_TEST_IS_SYMLINK));
  ck_assert (g_file_test (later, G_FILE_TEST_IS_DIR) && !g_file_test (later, G_FILE_TEST_IS_SYMLINK));
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("personal");
  TCase *tc = tcase_create ("personal");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, add_writes_and_loads_back);
  tcase_add_test (tc, count_correct_counts);
  tcase_add_test (tc, defect_3_personal_set_not_28x28);
  tcase_add_test (tc, defect_4_add_failure_sets_error);
  tcase_add_test (tc, add_through_symlinked_folder);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
