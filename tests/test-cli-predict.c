/* test-cli-predict.c — `digitlab-cli predict` spawned as a user runs it (issue 17): a model trained here
 * answers Kaggle-style unlabeled CSV (header, 784 pixel columns) and IDX images (raw and gzipped) as
 * `ImageId,Label` from 1, each label the model's own argmax for that image (checked in this process); with
 * --probabilities the ten probabilities; --output saved atomically; bad input, a wrong image size and bad
 * options refused with what was wrong.
 *
 *   test-cli-predict CLI-PATH
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dl-model.h"
#include "dl-net.h"
#include "dl-test-cli.h"
#include "dl-test-runs.h"

#define D 784
#define N 37   /* not a multiple of the CLI's batch of images, nor of anything else */

static char *home, *model_path;
static DlDataset *images;   /* the unlabeled images, and what the model says of each */
static int expected[N];
static float expected_probs[N * DL_N_CLASSES];

static char *
home_path (const char *name)
{
  return g_build_filename (home, name, NULL);
}

/* Kaggle's test.csv: a header, then the pixels of each image. */
static char *
write_kaggle_csv (void)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (int i = 0; i < D; i++)
    g_string_append_printf (s, "%spixel%d", i ? "," : "", i);
  g_string_append_c (s, '\n');
  for (int r = 0; r < N; r++)
    for (int i = 0; i < D; i++)
      g_string_append_printf (s, "%d%c", images->pixels[r * D + i], i == D - 1 ? '\n' : ',');
  char *path = home_path ("test.csv");
  ck_assert (g_file_set_contents (path, s->str, s->len, NULL));
  return path;
}

static char *
write_idx (const char *name, int rows, int cols)
{
  guint32 header[4] = { GUINT32_TO_BE (0x803), GUINT32_TO_BE (N), GUINT32_TO_BE (rows), GUINT32_TO_BE (cols) };
  gsize len = (gsize) N * rows * cols;
  g_autofree guint8 *pixels = g_malloc0 (len);
  char *path = home_path (name);

  for (int r = 0; r < N; r++)
    for (int i = 0; i < MIN (rows * cols, D); i++)
      pixels[(gsize) r * rows * cols + i] = images->pixels[r * D + i];
  if (g_str_has_suffix (name, ".gz"))
    {
      gzFile gz = gzopen (path, "wb");

      ck_assert (gz != NULL);
      ck_assert_int_eq (gzwrite (gz, header, sizeof header), (int) sizeof header);
      ck_assert_int_eq (gzwrite (gz, pixels, len), (int) len);
      ck_assert_int_eq (gzclose (gz), Z_OK);
    }
  else
    {
      g_autoptr (GByteArray) a = g_byte_array_new ();

      g_byte_array_append (a, (guint8 *) header, sizeof header);
      g_byte_array_append (a, pixels, len);
      ck_assert (g_file_set_contents (path, (char *) a->data, a->len, NULL));
    }
  return path;
}

/* The rows of a predict CSV, header checked; each row's fields. */
static GPtrArray *
read_rows (const char *text, gboolean probabilities)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  ck_assert_str_eq (lines[0], probabilities ? "ImageId,Label,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9" : "ImageId,Label");
  for (int i = 1; lines[i] != NULL && *lines[i] != '\0'; i++)
    g_ptr_array_add (rows, g_strsplit (lines[i], ",", -1));
  ck_assert_str_eq (lines[g_strv_length (lines) - 1], "");   /* ends with a newline */
  return rows;
}

/* One row per image, in order, ImageId from 1, the model's own answer. */
static void
check_predictions (const char *text, gboolean probabilities)
{
  g_autoptr (GPtrArray) rows = read_rows (text, probabilities);

  ck_assert_uint_eq (rows->len, N);
  for (int r = 0; r < N; r++)
    {
      char **f = rows->pdata[r];
      double sum = 0;

      ck_assert_uint_eq (g_strv_length (f), probabilities ? 12 : 2);
      ck_assert_int_eq (atoi (f[0]), r + 1);
      ck_assert_int_eq (atoi (f[1]), expected[r]);
      for (int k = 0; probabilities && k < DL_N_CLASSES; k++)
        {
          double p = g_ascii_strtod (f[2 + k], NULL);

          ck_assert_msg (fabs (p - expected_probs[r * DL_N_CLASSES + k]) <= 1e-5 * fmax (1, p), "image %d p%d %s", r + 1,
                         k, f[2 + k]);
          sum += p;
        }
      if (probabilities)
        ck_assert_msg (fabs (sum - 1) < 1e-4, "image %d: probabilities sum to %g", r + 1, sum);
    }
}

START_TEST (test_kaggle_csv_to_stdout)
{
  g_autofree char *csv = write_kaggle_csv ();
  g_auto (Result) r = run_cli ("predict", "--model", model_path, "--input", csv, NULL);

  ck_assert_msg (r.status == 0, "%s", r.err);
  check_predictions (r.out, FALSE);
  ck_assert_msg (strstr (r.err, "37 images of") != NULL, "%s", r.err);
}
END_TEST

START_TEST (test_idx_with_probabilities)
{
  const char *names[] = { "images-idx3-ubyte", "images-idx3-ubyte.gz" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *idx = write_idx (names[i], 28, 28);
      g_autofree char *out = home_path ("predictions.csv");
      g_autofree char *text = NULL;
      g_auto (Result) r = run_cli ("predict", "--model", model_path, "--input", idx, "--output", out, "--probabilities",
                                   NULL);

      ck_assert_msg (r.status == 0, "%s", r.err);
      ck_assert_str_eq (r.out, "");
      ck_assert (g_file_get_contents (out, &text, NULL, NULL));
      check_predictions (text, TRUE);
    }
}
END_TEST

/* --output as every save: through a symlink into its target, never over a FIFO (checked before any work). */
START_TEST (test_output_is_saved_safely)
{
  g_autofree char *csv = write_kaggle_csv ();
  g_autofree char *target = home_path ("target.csv");
  g_autofree char *link = home_path ("link.csv");
  g_autofree char *fifo = home_path ("out.fifo");
  g_autofree char *text = NULL;
  struct stat st;

  g_unlink (link);
  ck_assert (symlink (target, link) == 0);
  {
    g_auto (Result) r = run_cli ("predict", "--model", model_path, "--input", csv, "--output", link, NULL);

    ck_assert_msg (r.status == 0, "%s", r.err);
  }
  ck_assert (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  ck_assert (g_file_get_contents (target, &text, NULL, NULL));
  check_predictions (text, FALSE);
  ck_assert (mkfifo (fifo, 0600) == 0);
  {
    g_auto (Result) r = run_cli ("predict", "--model", model_path, "--input", csv, "--output", fifo, NULL);

    ck_assert_int_eq (r.status, 1);
    ck_assert_msg (strstr (r.err, fifo) != NULL, "%s", r.err);
  }
  ck_assert (lstat (fifo, &st) == 0 && S_ISFIFO (st.st_mode));
}
END_TEST

START_TEST (test_refusals)
{
  g_autofree char *small = write_idx ("small-idx3-ubyte", 20, 20);
  g_autofree char *labelled = home_path ("train.csv");
  g_autofree char *missing = home_path ("missing.dlm");
  g_autofree char *csv = write_kaggle_csv ();
  g_autoptr (DlDataset) train = test_runs_blocks (20, 3);
  struct { const char *model, *input, *extra; int status; const char *says; } cases[] = {
    { model_path, small, NULL, 1, "images are 20×20" },
    { model_path, labelled, NULL, 1, "the row has 785 columns, expected 784 (784 pixels, no label)" },
    { missing, csv, NULL, 1, missing },
    { model_path, NULL, NULL, 2, "--model FILE and --input FILE are required" },
    { model_path, csv, "--frobnicate", 2, "frobnicate" },
  };

  ck_assert (dl_dataset_save_csv (train, labelled, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Result) r = cases[i].input != NULL
                            ? run_cli ("predict", "--model", cases[i].model, "--input", cases[i].input, cases[i].extra, NULL)
                            : run_cli ("predict", "--model", cases[i].model, NULL);

      ck_assert_msg (r.status == cases[i].status, "case %zu: status %d\n%s", i, r.status, r.err);
      ck_assert_msg (strstr (r.err, cases[i].says) != NULL, "case %zu: expected '%s' in:\n%s", i, cases[i].says, r.err);
      ck_assert_str_eq (r.out, "");
    }
}
END_TEST

/* A small model trained by the CLI on generated digits, and its answers for other images, here. */
static void
make_model (void)
{
  g_autoptr (DlDataset) train = test_runs_blocks (400, 1);
  g_autofree char *train_csv = home_path ("fit.csv");
  g_autoptr (GError) error = NULL;
  g_autoptr (DlNet) net = NULL;
  g_autofree float *x = g_new (float, N * D);
  int idx[N];

  images = test_runs_blocks (N, 9);
  model_path = home_path ("model.dlm");
  g_assert (dl_dataset_save_csv (train, train_csv, &error));
  {
    /* Outside any test: check's assertions (run_cli's) are not for here. */
    const char *args[] = { test_cli_path, "train", "--train", train_csv, "--test", train_csv, "--arch",
                           "fc16-relu,fc10,softmax", "--epochs", "1", "--threads", "1", "--no-record", "--save",
                           model_path, NULL };
    int status;

    g_assert (g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status,
                            &error));
    g_assert (g_spawn_check_wait_status (status, &error));
  }
  net = dl_model_load (model_path, &error);
  g_assert_no_error (error);
  for (int i = 0; i < N; i++)
    idx[i] = i;
  dl_dataset_gather (images, idx, N, x);
  dl_net_predict (net, x, N, expected_probs);
  for (int r = 0; r < N; r++)
    {
      expected[r] = 0;
      for (int k = 1; k < DL_N_CLASSES; k++)
        if (expected_probs[r * DL_N_CLASSES + k] > expected_probs[r * DL_N_CLASSES + expected[r]])
          expected[r] = k;
    }
}

int
main (int argc, char **argv)
{
  Suite *s = suite_create ("cli-predict");
  TCase *tc = tcase_create ("predict");
  int failed;

  if (argc < 2)
    {
      g_printerr ("usage: %s CLI-PATH\n", argv[0]);
      return 2;
    }
  test_cli_path = argv[1];
  home = test_runs_private_home ();
  make_model ();
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_kaggle_csv_to_stdout);
  tcase_add_test (tc, test_idx_with_probabilities);
  tcase_add_test (tc, test_output_is_saved_safely);
  tcase_add_test (tc, test_refusals);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
