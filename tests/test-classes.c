/* test-classes.c — class names of a data set: the built-in digits and Fashion-MNIST sets, a folder's
 * classes.txt (good, and each way it can be wrong), and its save. */
#include <check.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "dl-classes.h"

static char *tmp_dir;

static char *
dir_with (const char *name, const char *classes_txt)
{
  char *dir = g_build_filename (tmp_dir, name, NULL);
  g_autofree char *path = g_build_filename (dir, DL_CLASSES_FILE, NULL);

  g_mkdir_with_parents (dir, 0755);
  if (classes_txt != NULL)
    ck_assert (g_file_set_contents (path, classes_txt, -1, NULL));
  return dir;
}

START_TEST (test_builtin)
{
  ck_assert_str_eq (dl_classes_name (dl_classes_digits (), 0), "0");
  ck_assert_str_eq (dl_classes_name (dl_classes_digits (), 9), "9");
  ck_assert (dl_classes_are_digits (dl_classes_digits ()));
  ck_assert_str_eq (dl_classes_name (dl_classes_fashion (), 0), "T-shirt/top");
  ck_assert_str_eq (dl_classes_name (dl_classes_fashion (), 1), "Trouser");
  ck_assert_str_eq (dl_classes_name (dl_classes_fashion (), 9), "Ankle boot");
  ck_assert (!dl_classes_are_digits (dl_classes_fashion ()));
}
END_TEST

START_TEST (test_folder_without_file_is_digits)
{
  g_autofree char *dir = dir_with ("plain", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlClasses) c = dl_classes_load_dir (dir, &error);

  ck_assert_msg (c != NULL, "%s", error ? error->message : "");
  ck_assert (dl_classes_are_digits (c));
}
END_TEST

START_TEST (test_folder_file)
{
  g_autofree char *dir = dir_with ("fashion", "# Fashion-MNIST\nT-shirt/top\nTrouser\nPullover\nDress\n\n"
                                              "Coat\nSandal\nShirt\nSneaker\nBag\n  Ankle boot  \n");
  g_autoptr (GError) error = NULL;
  g_autoptr (DlClasses) c = dl_classes_load_dir (dir, &error);

  ck_assert_msg (c != NULL, "%s", error ? error->message : "");
  for (int i = 0; i < DL_N_CLASSES; i++)
    ck_assert_str_eq (dl_classes_name (c, i), dl_classes_name (dl_classes_fashion (), i));
}
END_TEST

START_TEST (test_folder_file_wrong)
{
  g_autofree char *few = dir_with ("few", "a\nb\nc\n");
  g_autofree char *many = dir_with ("many", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
  g_autofree char *binary = dir_with ("binary", "a\nb\nc\nd\ne\nf\ng\nh\ni\n\xff\xfe\n");
  g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL;

  ck_assert (dl_classes_load_dir (few, &e1) == NULL);
  ck_assert_msg (strstr (e1->message, "classes.txt: 3 class names, expected 10"), "%s", e1->message);
  ck_assert (dl_classes_load_dir (many, &e2) == NULL);
  ck_assert_msg (strstr (e2->message, "classes.txt, line 11: more than 10 class names"), "%s", e2->message);
  ck_assert (dl_classes_load_dir (binary, &e3) == NULL);
  ck_assert_msg (strstr (e3->message, "classes.txt, line 10: not UTF-8 text"), "%s", e3->message);
}
END_TEST

START_TEST (test_save_round_trip)
{
  g_autofree char *dir = dir_with ("saved", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlClasses) c = NULL;

  ck_assert (dl_classes_save_dir (dl_classes_fashion (), dir, &error));
  c = dl_classes_load_dir (dir, &error);
  ck_assert_msg (c != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (dl_classes_name (c, 7), "Sneaker");
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("classes");
  TCase *tc = tcase_create ("classes");
  GError *error = NULL;
  SRunner *sr;
  int failed;

  tmp_dir = g_dir_make_tmp ("test-classes-XXXXXX", &error);
  g_assert_no_error (error);
  tcase_add_test (tc, test_builtin);
  tcase_add_test (tc, test_folder_without_file_is_digits);
  tcase_add_test (tc, test_folder_file);
  tcase_add_test (tc, test_folder_file_wrong);
  tcase_add_test (tc, test_save_round_trip);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
