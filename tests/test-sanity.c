/* test-sanity.c — the data sanity report on small synthetic sets with known faults (shared images,
 * blank images, in-set copies, a dominant class, missing classes, inverted and scaled pixels), the
 * seeded sampler, and real MNIST (clean, and with test images planted in a copy of the training set). */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "dl-test-mnist.h"
#include "dl-sanity.h"

#define D 784

/* n distinct images (a pattern that depends on the index) with labels i % 10. */
static DlDataset *
make_set (int n, int salt)
{
  DlDataset *ds = dl_dataset_new (n, 28, 28);

  for (int i = 0; i < n; i++)
    {
      for (int j = 0; j < D; j++)
        ds->pixels[i * D + j] = (j % 28 < 14) ? (guint8) ((i * 37 + j * (salt + 3)) % 200) : 0;
      ds->labels[i] = i % DL_N_CLASSES;
    }
  dl_dataset_recount (ds);
  return ds;
}

static void
copy_image (DlDataset *to, int i, const DlDataset *from, int j)
{
  memcpy (to->pixels + i * D, from->pixels + j * D, D);
}

static gboolean
has_finding (const DlSanityReport *r, const char *part)
{
  for (guint i = 0; i < r->findings->len; i++)
    if (strstr (g_ptr_array_index (r->findings, i), part) != NULL)
      return TRUE;
  return FALSE;
}

static char *
all_findings (const DlSanityReport *r)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < r->findings->len; i++)
    g_string_append_printf (s, "\n  %s", (char *) g_ptr_array_index (r->findings, i));
  return g_string_free (s, FALSE);
}

#define ck_assert_finding(r, part) \
  do { g_autofree char *_all = all_findings (r); \
       ck_assert_msg (has_finding ((r), (part)), "“%s” not among the findings:%s", (part), _all); } while (0)

START_TEST (test_shared_and_blank)
{
  g_autoptr (DlDataset) train = make_set (20, 1);
  g_autoptr (DlDataset) test = make_set (10, 2);

  copy_image (test, 2, train, 7);                 /* given the same label below */
  test->labels[2] = train->labels[7];
  copy_image (test, 5, train, 13);                /* different label: 5 vs 3 */
  memset (train->pixels + 3 * D, 0, D);           /* black */
  memset (train->pixels + 4 * D, 255, D);         /* white */
  memset (test->pixels + 8 * D, 0, D);            /* black, hence also the same as train #3 */
  copy_image (train, 9, train, 1);                /* a copy inside the training set */
  test->pixels[6 * D + 100] = train->pixels[11 * D + 100] ^ 1;   /* one pixel off: not a copy */
  dl_dataset_recount (test);

  g_autoptr (DlSanityReport) r = dl_sanity_check (train, test);
  ck_assert_int_eq (r->n_test_in_train, 3);
  ck_assert_int_eq (r->n_conflicting, 2);     /* #5 (5 vs 3) and the black #8 (8 vs 3) */
  ck_assert_int_eq (r->duplicates->len, 3);
  const int expect[3][4] = { { 2, 7, 7, 7 }, { 5, 13, 5, 3 }, { 8, 3, 8, 3 } };
  for (int k = 0; k < 3; k++)
    {
      DlDuplicatePair p = g_array_index (r->duplicates, DlDuplicatePair, k);
      ck_assert_int_eq (p.test_index, expect[k][0]);
      ck_assert_int_eq (p.train_index, expect[k][1]);
      ck_assert_int_eq (p.test_label, expect[k][2]);
      ck_assert_int_eq (p.train_label, expect[k][3]);
    }

  ck_assert_int_eq (r->train.all_black->len, 1);
  ck_assert_int_eq (g_array_index (r->train.all_black, int, 0), 3);
  ck_assert_int_eq (r->train.all_white->len, 1);
  ck_assert_int_eq (g_array_index (r->train.all_white, int, 0), 4);
  ck_assert_int_eq (r->test.all_black->len, 1);
  ck_assert_int_eq (g_array_index (r->test.all_black, int, 0), 8);
  ck_assert_int_eq (r->test.all_white->len, 0);
  ck_assert_int_eq (r->train.n_duplicates, 1);
  ck_assert_int_eq (r->test.n_duplicates, 0);
  ck_assert_int_eq (r->train.pixel_min, 0);
  ck_assert_int_eq (r->train.pixel_max, 255);
  ck_assert_int_eq (r->train.dominant_class, -1);

  ck_assert_finding (r, "3 test images also appear in the training set (2 of them with a different label there)");
  ck_assert_finding (r, "1 training image is entirely black (#3)");
  ck_assert_finding (r, "1 training image is entirely white (#4)");
  ck_assert_finding (r, "1 test image is entirely black (#8)");
  ck_assert_finding (r, "1 training image is an exact copy");
  /* The most serious finding comes first. */
  ck_assert (strstr (g_ptr_array_index (r->findings, 0), "also appear in the training set") != NULL);
}
END_TEST

START_TEST (test_many_blank_listed)
{
  g_autoptr (DlDataset) train = make_set (30, 1);

  for (int i = 10; i < 17; i++)
    memset (train->pixels + i * D, 0, D);
  g_autoptr (DlSanityReport) r = dl_sanity_check (train, NULL);
  ck_assert_int_eq (r->train.all_black->len, 7);
  ck_assert_finding (r, "7 training images are entirely black (#10, #11, #12, #13, #14 and 2 more)");
  /* Identical black images are copies of one another. */
  ck_assert_int_eq (r->train.n_duplicates, 6);
  ck_assert_int_eq (r->test.n, 0);
  ck_assert_int_eq (r->duplicates->len, 0);
}
END_TEST

START_TEST (test_dominant_and_missing_class)
{
  g_autoptr (DlDataset) train = make_set (100, 1);

  /* 61 of 100 labels are 1, and no 8 or 9 — like labels squashed by a bad conversion. */
  for (int i = 0; i < 100; i++)
    train->labels[i] = i < 61 ? 1 : i % 8 == 1 ? 0 : i % 8;
  dl_dataset_recount (train);
  g_autoptr (DlSanityReport) r = dl_sanity_check (train, NULL);
  ck_assert_int_eq (r->train.dominant_class, 1);
  ck_assert_float_eq_tol (r->train.dominant_share, 0.61, 1e-9);
  ck_assert_finding (r, "class 1 holds 61 % of the training labels");
  ck_assert_finding (r, "the training set has no examples of the digit 8");
  ck_assert_finding (r, "the training set has no examples of the digit 9");
}
END_TEST

/* The same set with Fashion-MNIST's names: the findings name the classes, not their numbers. */
START_TEST (test_findings_name_classes)
{
  g_autoptr (DlDataset) train = make_set (100, 1);

  for (int i = 0; i < 100; i++)
    train->labels[i] = i < 61 ? 1 : i % 8 == 1 ? 0 : i % 8;
  dl_dataset_recount (train);
  g_autoptr (DlSanityReport) r = dl_sanity_check_classes (train, NULL, dl_classes_fashion ());
  ck_assert_finding (r, "“Trouser” holds 61 % of the training labels");
  ck_assert_finding (r, "the training set has no examples of “Bag”");
  ck_assert_finding (r, "the training set has no examples of “Ankle boot”");
  for (guint k = 0; k < r->findings->len; k++)
    ck_assert_msg (strstr (g_ptr_array_index (r->findings, k), "digit") == NULL, "%s",
                   (char *) g_ptr_array_index (r->findings, k));
}
END_TEST

START_TEST (test_scaled_and_inverted_pixels)
{
  g_autoptr (DlDataset) binary = make_set (10, 1);
  g_autoptr (DlDataset) inverted = make_set (10, 1);

  for (int i = 0; i < 10 * D; i++)
    {
      binary->pixels[i] = binary->pixels[i] > 100;
      inverted->pixels[i] = 255 - inverted->pixels[i];
    }
  g_autoptr (DlSanityReport) a = dl_sanity_check (binary, NULL);
  ck_assert_int_eq (a->train.pixel_max, 1);
  ck_assert_finding (a, "only take the pixel values 0–1");

  g_autoptr (DlSanityReport) b = dl_sanity_check (inverted, NULL);
  ck_assert (b->train.pixel_mean > 127);
  ck_assert_finding (b, "look inverted");
}
END_TEST

START_TEST (test_clean_set)
{
  g_autoptr (DlDataset) train = make_set (50, 1);
  g_autoptr (DlDataset) test = make_set (20, 2);
  g_autoptr (DlSanityReport) r = dl_sanity_check (train, test);

  ck_assert_int_eq (r->findings->len, 1);
  ck_assert_str_eq (g_ptr_array_index (r->findings, 0), "no problems found in 50 training and 20 test images");
  ck_assert_int_eq (r->n_test_in_train, 0);
  for (int c = 0; c < DL_N_CLASSES; c++)
    ck_assert_int_eq (r->test.histogram[c], 2);
}
END_TEST

START_TEST (test_sample)
{
  int a[100], b[100], c[100], all[10];
  int counts[50] = { 0 };

  ck_assert_int_eq (dl_sanity_sample (1000, 100, 5, a), 100);
  ck_assert_int_eq (dl_sanity_sample (1000, 100, 5, b), 100);
  ck_assert_int_eq (dl_sanity_sample (1000, 100, 6, c), 100);
  ck_assert_mem_eq (a, b, sizeof a);
  ck_assert (memcmp (a, c, sizeof a) != 0);
  for (int i = 0; i < 100; i++)
    {
      ck_assert (a[i] >= 0 && a[i] < 1000);
      if (i > 0)
        ck_assert_int_lt (a[i - 1], a[i]);   /* ascending, hence distinct */
    }

  /* Asking for more than there are gives each index once. */
  ck_assert_int_eq (dl_sanity_sample (10, 25, 1, all), 10);
  for (int i = 0; i < 10; i++)
    ck_assert_int_eq (all[i], i);
  ck_assert_int_eq (dl_sanity_sample (0, 5, 1, all), 0);

  /* Uniform: over 2000 seeds, each of 50 indices is picked about 2000 × 10/50 = 400 times. */
  for (guint64 seed = 0; seed < 2000; seed++)
    {
      int pick[10];
      dl_sanity_sample (50, 10, seed, pick);
      for (int i = 0; i < 10; i++)
        counts[pick[i]]++;
    }
  for (int i = 0; i < 50; i++)
    ck_assert_msg (counts[i] > 320 && counts[i] < 480, "index %d picked %d times", i, counts[i]);
}
END_TEST

START_TEST (test_real_mnist)
{
  g_autoptr (DlDataset) train = dl_test_mnist_load (TRUE);
  g_autoptr (DlDataset) test = dl_test_mnist_load (FALSE);

  /* MNIST as published has no shared, blank or repeated images. */
  g_autoptr (DlSanityReport) clean = dl_sanity_check (train, test);
  ck_assert_int_eq (clean->n_test_in_train, 0);
  ck_assert_int_eq (clean->train.n_duplicates, 0);
  ck_assert_int_eq (clean->test.all_black->len, 0);
  ck_assert_int_eq (clean->test.histogram[0], 980);
  ck_assert_int_eq (clean->train.pixel_max, 255);
  ck_assert_str_eq (g_ptr_array_index (clean->findings, 0), "no problems found in 60000 training and 10000 test images");

  /* Plant 12 test images into a copy of the training set, at known places. */
  g_autoptr (DlDataset) leaky = dl_dataset_subset (train, train->n);
  for (int k = 0; k < 12; k++)
    {
      copy_image (leaky, 1000 + 4000 * k, test, 7 + 811 * k);
      leaky->labels[1000 + 4000 * k] = test->labels[7 + 811 * k];
    }
  dl_dataset_recount (leaky);
  g_autoptr (DlSanityReport) r = dl_sanity_check (leaky, test);
  ck_assert_int_eq (r->n_test_in_train, 12);
  ck_assert_int_eq (r->n_conflicting, 0);
  ck_assert_int_eq (r->duplicates->len, 12);
  for (int k = 0; k < 12; k++)
    {
      DlDuplicatePair p = g_array_index (r->duplicates, DlDuplicatePair, k);
      ck_assert_int_eq (p.test_index, 7 + 811 * k);
      ck_assert_int_eq (p.train_index, 1000 + 4000 * k);
    }
  ck_assert_finding (r, "12 test images also appear in the training set");
}
END_TEST

static Suite *
sanity_suite (void)
{
  Suite *s = suite_create ("sanity");
  TCase *tc = tcase_create ("sanity");

  tcase_add_test (tc, test_shared_and_blank);
  tcase_add_test (tc, test_many_blank_listed);
  tcase_add_test (tc, test_dominant_and_missing_class);
  tcase_add_test (tc, test_findings_name_classes);
  tcase_add_test (tc, test_scaled_and_inverted_pixels);
  tcase_add_test (tc, test_clean_set);
  tcase_add_test (tc, test_sample);
  suite_add_tcase (s, tc);
  return s;
}

static Suite *
mnist_suite (void)
{
  Suite *s = suite_create ("sanity-mnist");
  TCase *tc = tcase_create ("mnist");

  tcase_add_test (tc, test_real_mnist);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  return dl_test_main (argc, argv, sanity_suite, mnist_suite, CK_FORK_GETENV);
}
