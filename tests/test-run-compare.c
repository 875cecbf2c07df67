/* test-run-compare.c — the comparison of runs (src/runs/dl-run-compare): only the settings that differ
 * (recipe pairs, data set by checksum, origin, live changes with their steps), best values with their epoch
 * and step rather than last ones, runs grouped by everything but the seed, and a group's mean, spread and
 * range. Runs are made as the recorder makes them (recipe, data, markers, evaluations); no store. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dl-run-compare.h"

#define ARCH "fc16-relu,fc10,softmax"

static DlRunData *
make_data (const char *dir, const char *train_sha, int n_train)
{
  DlRunData *data = dl_run_data_new (dir, dir, n_train, 100);
  g_autofree char *images = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  g_autofree char *labels = g_build_filename (dir, "t10k-labels-idx1-ubyte", NULL);

  dl_run_data_add_file (data, "train", "images", images, 1000, train_sha);
  dl_run_data_add_file (data, "test", "labels", labels, 108, "bbbb");
  return data;
}

/* A run of the test recipe (momentum, lr 0.05, batch 16, 2 epochs, seed 7) on the standard data. */
static DlRun *
make_run_with (float lr, int batch, guint64 seed, int threads, DlRunData *data)
{
  DlTrainConfig cfg = { 0 };
  g_autoptr (DlRunData) standard = data == NULL ? make_data ("/data/mnist", "aaaa", 1000) : NULL;
  DlRun *run;

  cfg.arch = g_strdup (ARCH);
  dl_hyper_init_default (&cfg.hyper);
  cfg.hyper.optimizer = DL_OPT_MOMENTUM;
  cfg.hyper.lr = lr;
  cfg.batch = batch;
  cfg.epochs = 2;
  cfg.seed = seed;
  cfg.threads = threads;
  run = dl_run_new (&cfg, "mlp", data != NULL ? data : standard);
  dl_train_config_clear (&cfg);
  return run;
}

static DlRun *
make_run (float lr, guint64 seed)
{
  return make_run_with (lr, 16, seed, 1, NULL);
}

static void
add_eval (DlRun *run, DlEvalKind kind, gint64 step, double x, int epoch, double accuracy, double loss)
{
  DlRunEval ev = { .kind = kind, .step = step, .x = x, .epoch = epoch, .n = 100, .loss = loss,
                   .accuracy = accuracy, .correct = (int) lround (accuracy * 100) };

  dl_run_add_eval (run, &ev);
}

static DlRunCompare *
compare (DlRun *a, DlRun *b, gboolean group)
{
  DlRun *runs[] = { a, b };

  return dl_run_compare_new (runs, 2, group);
}

static DlRunCompareRow *
row_at (GListModel *rows, guint i)
{
  DlRunCompareRow *row = g_list_model_get_item (rows, i);

  g_object_unref (row);   /* the model keeps it */
  return row;
}

static DlRunCompareRow *
find_row (GListModel *rows, const char *key)
{
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    if (g_str_equal (dl_run_compare_row_get_key (row_at (rows, i)), key))
      return row_at (rows, i);
  return NULL;
}

/* ---- settings that differ ---- */

START_TEST (test_only_lr_differs)
{
  g_autoptr (DlRun) a = make_run (0.05f, 7);
  g_autoptr (DlRun) b = make_run (0.01f, 7);
  g_autoptr (DlRunCompare) cmp = compare (a, b, FALSE);
  GListModel *settings = dl_run_compare_get_settings (cmp);
  DlRunCompareRow *row;

  ck_assert_uint_eq (dl_run_compare_get_n_columns (cmp), 2);
  ck_assert_uint_eq (g_list_model_get_n_items (settings), 1);
  row = row_at (settings, 0);
  ck_assert_int_eq (dl_run_compare_row_get_kind (row), DL_RUN_COMPARE_RECIPE);
  ck_assert_str_eq (dl_run_compare_row_get_key (row), "lr");
  ck_assert_uint_eq (dl_run_compare_row_get_n_values (row), 2);
  ck_assert_str_eq (dl_run_compare_row_get_value (row, 0), "0.05");
  ck_assert_str_eq (dl_run_compare_row_get_value (row, 1), "0.01");
}
END_TEST

START_TEST (test_nothing_differs)
{
  g_autoptr (DlRun) a = make_run (0.05f, 7);
  g_autoptr (DlRun) b = make_run (0.05f, 7);
  g_autoptr (DlRunCompare) same = NULL;
  DlRun *one[] = { a };
  g_autoptr (DlRunCompare) single = dl_run_compare_new (one, 1, FALSE);

  /* Names, uuids and times differ, the preset name and the program are labels: none is a setting. */
  dl_run_set_name (b, "another name");
  same = compare (a, b, FALSE);
  ck_assert_uint_eq (g_list_model_get_n_items (dl_run_compare_get_settings (same)), 0);
  ck_assert_uint_eq (g_list_model_get_n_items (dl_run_compare_get_settings (single)), 0);
  /* Results are there for any number of runs. */
  ck_assert_uint_eq (g_list_model_get_n_items (dl_run_compare_get_results (single)), 5);
}
END_TEST

START_TEST (test_several_differences_in_order)
{
  g_autoptr (DlRunData) other = make_data ("/data/mnist", "cccc", 1000);
  g_autoptr (DlRun) a = make_run_with (0.05f, 16, 7, 1, NULL);
  g_autoptr (DlRun) b = make_run_with (0.05f, 64, 8, 2, other);
  g_autoptr (DlRunCompare) cmp = compare (a, b, FALSE);
  GListModel *settings = dl_run_compare_get_settings (cmp);
  const char *keys[] = { "batch", "seed", "threads", "data" };

  ck_assert_uint_eq (g_list_model_get_n_items (settings), G_N_ELEMENTS (keys));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    ck_assert_str_eq (dl_run_compare_row_get_key (row_at (settings, i)), keys[i]);
  ck_assert_int_eq (dl_run_compare_row_get_kind (row_at (settings, 3)), DL_RUN_COMPARE_DATA);
  /* The same folder with other bytes: the values say which is which. */
  ck_assert_str_ne (dl_run_compare_row_get_value (row_at (settings, 3), 0),
                    dl_run_compare_row_get_value (row_at (settings, 3), 1));
  ck_assert (strstr (dl_run_compare_row_get_value (row_at (settings, 3), 0), "mnist") != NULL);
}
END_TEST

START_TEST (test_data_by_checksum)
{
  g_autoptr (DlRunData) copy = make_data ("/elsewhere/copy-of-mnist", "aaaa", 1000);
  g_autoptr (DlRunData) fewer = make_data ("/data/mnist", "aaaa", 500);
  g_autoptr (DlRun) a = make_run (0.05f, 7);
  g_autoptr (DlRun) b = make_run_with (0.05f, 16, 7, 1, copy);
  g_autoptr (DlRun) c = make_run_with (0.05f, 16, 7, 1, fewer);
  g_autoptr (DlRunCompare) same_bytes = compare (a, b, FALSE);
  g_autoptr (DlRunCompare) subset = compare (a, c, FALSE);
  DlRunCompareRow *row;

  /* A copy of the same files elsewhere is the same data set. */
  ck_assert_uint_eq (g_list_model_get_n_items (dl_run_compare_get_settings (same_bytes)), 0);
  /* Fewer examples of the same files is not. */
  row = find_row (dl_run_compare_get_settings (subset), "data");
  ck_assert (row != NULL);
  ck_assert (strstr (dl_run_compare_row_get_value (row, 1), "500") != NULL);
}
END_TEST

START_TEST (test_origin)
{
  g_autoptr (DlRun) fresh = make_run (0.05f, 7);
  DlTrainConfig *cfg = dl_train_config_copy (dl_run_get_config (fresh));
  g_autoptr (DlRun) loaded = g_object_new (DL_TYPE_RUN, "config", cfg, "preset", "mlp", "data",
                                           dl_run_get_data (fresh), "origin-model-path", "/tmp/lenet.dlm",
                                           "origin-model-sha256", "0123456789abcdef", NULL);
  g_autoptr (DlRun) branch = g_object_new (DL_TYPE_RUN, "config", cfg, "preset", "mlp", "data",
                                           dl_run_get_data (fresh), "parent-uuid", dl_run_get_uuid (fresh),
                                           "parent-step", (gint64) 900, NULL);
  g_autoptr (DlRunCompare) from_model = compare (fresh, loaded, FALSE);
  g_autoptr (DlRunCompare) from_parent = compare (fresh, branch, FALSE);
  DlRunCompareRow *row;

  row = find_row (dl_run_compare_get_settings (from_model), "origin");
  ck_assert (row != NULL);
  ck_assert_uint_eq (g_list_model_get_n_items (dl_run_compare_get_settings (from_model)), 1);
  ck_assert (strstr (dl_run_compare_row_get_value (row, 1), "lenet.dlm") != NULL);
  ck_assert (strstr (dl_run_compare_row_get_value (row, 1), "01234567") != NULL);
  row = find_row (dl_run_compare_get_settings (from_parent), "origin");
  ck_assert (row != NULL);
  ck_assert (strstr (dl_run_compare_row_get_value (row, 1), "900") != NULL);
  dl_train_config_free (cfg);
}
END_TEST

START_TEST (test_live_changes)
{
  g_autoptr (DlRun) a = make_run (0.05f, 7);
  g_autoptr (DlRun) b = make_run (0.05f, 7);
  g_autoptr (DlRun) c = make_run (0.05f, 7);
  g_autoptr (DlRunCompare) differ = NULL, same = NULL, later = NULL;
  DlRunCompareRow *lr, *wd;
  GListModel *settings;

  dl_run_add_marker (a, 900, 1.92, "lr 0.05 → 0.01; weight decay 0 → 0.0001");
  differ = compare (a, b, FALSE);
  settings = dl_run_compare_get_settings (differ);
  /* The recipes are equal: only the two live changes differ, each setting its own row. */
  ck_assert_uint_eq (g_list_model_get_n_items (settings), 2);
  lr = find_row (settings, "lr");
  wd = find_row (settings, "weight_decay");
  ck_assert (lr != NULL && wd != NULL);
  ck_assert_int_eq (dl_run_compare_row_get_kind (lr), DL_RUN_COMPARE_LIVE);
  ck_assert_msg (strstr (dl_run_compare_row_get_value (lr, 0), "0.05 → 0.01 at step 900") != NULL, "%s",
                 dl_run_compare_row_get_value (lr, 0));
  ck_assert_str_eq (dl_run_compare_row_get_value (lr, 1), "—");
  ck_assert (strstr (dl_run_compare_row_get_value (wd, 0), "0 → 0.0001") != NULL);

  /* The same change at the same step is no difference; at another step it is. */
  dl_run_add_marker (b, 900, 1.92, "lr 0.05 → 0.01; weight decay 0 → 0.0001");
  same = compare (a, b, FALSE);
  ck_assert_uint_eq (g_list_model_get_n_items (dl_run_compare_get_settings (same)), 0);
  dl_run_add_marker (c, 950, 2.03, "lr 0.05 → 0.01; weight decay 0 → 0.0001");
  later = compare (a, c, FALSE);
  ck_assert_uint_eq (g_list_model_get_n_items (dl_run_compare_get_settings (later)), 2);
  ck_assert (strstr (dl_run_compare_row_get_value (find_row (dl_run_compare_get_settings (later), "lr"), 1),
                     "step 950") != NULL);
}
END_TEST

/* A run read from the store without its history: its changes are not known, so they are no difference. */
START_TEST (test_live_changes_not_loaded)
{
  g_autoptr (DlRun) a = make_run (0.05f, 7);
  g_autoptr (DlRun) b = make_run (0.05f, 7);
  g_autoptr (DlRunCompare) cmp = NULL;

  dl_run_set_loaded (b, FALSE);
  cmp = compare (a, b, FALSE);
  ck_assert_uint_eq (g_list_model_get_n_items (dl_run_compare_get_settings (cmp)), 0);
  dl_run_add_marker (a, 10, 0.1, "batch 16 → 32");
  g_clear_object (&cmp);
  cmp = compare (a, b, FALSE);
  ck_assert_uint_eq (g_list_model_get_n_items (dl_run_compare_get_settings (cmp)), 1);
  ck_assert_str_ne (dl_run_compare_row_get_value (row_at (dl_run_compare_get_settings (cmp), 0), 1), "—");
}
END_TEST

/* ---- best values ---- */

START_TEST (test_best_not_last)
{
  g_autoptr (DlRun) run = make_run (0.05f, 7);
  DlRunBest best;

  add_eval (run, DL_EVAL_SUBSET, 50, 0.5, 0, 0.99, 0.01);    /* the subset is not the test set */
  add_eval (run, DL_EVAL_EPOCH, 100, 1.0, 0, 0.90, 0.30);
  add_eval (run, DL_EVAL_EPOCH, 200, 2.0, 1, 0.95, 0.20);
  add_eval (run, DL_EVAL_REQUESTED, 250, 2.5, 2, 0.93, 0.25);
  add_eval (run, DL_EVAL_EPOCH, 300, 3.0, 2, 0.95, 0.22);    /* as good again, later: the first counts */
  add_eval (run, DL_EVAL_EPOCH, 400, 4.0, 3, 0.92, 0.24);    /* the last */

  ck_assert (dl_run_compare_best (run, DL_RUN_SERIES_TEST_ACCURACY, &best));
  ck_assert (best.value == 0.95 && best.step == 200 && best.epoch == 1 && best.x == 2.0);
  ck_assert (dl_run_compare_best (run, DL_RUN_SERIES_TEST_LOSS, &best));
  ck_assert (best.value == 0.20 && best.step == 200);
  ck_assert (dl_run_compare_best (run, DL_RUN_SERIES_SUBSET_ACCURACY, &best));
  ck_assert (best.value == 0.99 && best.step == 50);
  ck_assert (!dl_run_compare_best (run, DL_RUN_SERIES_LOSS, &best));
}
END_TEST

START_TEST (test_best_of_epochs)
{
  g_autoptr (DlRun) run = make_run (0.05f, 7);
  DlSeries *acc = dl_run_get_series (run, DL_RUN_SERIES_TRAIN_ACCURACY);
  DlSeries *loss = dl_run_get_series (run, DL_RUN_SERIES_TRAIN_LOSS);
  DlRunBest best;

  add_eval (run, DL_EVAL_EPOCH, 100, 1.0, 0, 0.90, 0.30);
  add_eval (run, DL_EVAL_EPOCH, 200, 2.0, 1, 0.91, 0.29);
  add_eval (run, DL_EVAL_EPOCH, 300, 3.0, 2, 0.92, 0.28);
  dl_series_append (acc, 1.0, 91.0);   /* percent, as drawn */
  dl_series_append (acc, 2.0, 96.5);
  dl_series_append (acc, 3.0, 95.0);
  dl_series_append (loss, 1.0, 0.3);
  dl_series_append (loss, 2.0, NAN);    /* a diverged epoch is not the lowest */
  dl_series_append (loss, 3.0, 0.1);

  ck_assert (dl_run_compare_best (run, DL_RUN_SERIES_TRAIN_ACCURACY, &best));
  ck_assert (fabs (best.value - 0.965) < 1e-12 && best.epoch == 1 && best.step == 200);
  ck_assert (dl_run_compare_best (run, DL_RUN_SERIES_TRAIN_LOSS, &best));
  ck_assert (best.value == 0.1 && best.epoch == 2 && best.step == 300);
}
END_TEST

/* A run not loaded has its summary's best (no step), and the results say which epoch. */
START_TEST (test_best_from_summary)
{
  g_autoptr (DlRun) a = make_run (0.05f, 7);
  g_autoptr (DlRun) b = make_run (0.01f, 7);
  g_autoptr (DlRunCompare) cmp = NULL;
  DlRunCompareRow *row;
  DlRunBest best;

  dl_run_set_loaded (b, FALSE);
  dl_run_set_best (b, 0.9712, 4);
  add_eval (a, DL_EVAL_EPOCH, 123456, 1.0, 0, 0.5, 1.0);
  ck_assert (dl_run_compare_best (b, DL_RUN_SERIES_TEST_ACCURACY, &best));
  ck_assert (best.value == 0.9712 && best.epoch == 4 && best.step == -1);

  cmp = compare (a, b, FALSE);
  row = find_row (dl_run_compare_get_results (cmp), "best_test_accuracy");
  ck_assert (row != NULL);
  ck_assert_msg (strstr (dl_run_compare_row_get_value (row, 0), "50.00 %") != NULL
                 && strstr (dl_run_compare_row_get_value (row, 0), "epoch 1") != NULL
                 && strstr (dl_run_compare_row_get_value (row, 0), "123") != NULL,
                 "%s", dl_run_compare_row_get_value (row, 0));
  ck_assert_str_eq (dl_run_compare_row_get_value (row, 1), "97.12 % (epoch 5)");
  /* No loss known for either. */
  ck_assert_str_eq (dl_run_compare_row_get_value (find_row (dl_run_compare_get_results (cmp), "lowest_test_loss"), 1),
                    "—");
}
END_TEST

/* ---- seeds ---- */

START_TEST (test_group_seeds)
{
  g_autoptr (DlRun) s1 = make_run (0.05f, 1);
  g_autoptr (DlRun) s2 = make_run (0.05f, 2);
  g_autoptr (DlRun) other_lr = make_run (0.01f, 3);
  g_autoptr (DlRun) s4 = make_run_with (0.05f, 16, 4, 3, NULL);   /* another thread count: still a seed */
  g_autoptr (DlRun) changed = make_run (0.05f, 5);                /* the same recipe, changed live */
  DlRun *runs[] = { s1, other_lr, s2, s4, changed };
  g_autoptr (GPtrArray) groups = NULL;
  GPtrArray *g0, *g1, *g2;

  dl_run_add_marker (changed, 10, 0.1, "lr 0.05 → 0.02");
  groups = dl_run_compare_group_seeds (runs, G_N_ELEMENTS (runs));
  ck_assert_uint_eq (groups->len, 3);
  g0 = groups->pdata[0];
  g1 = groups->pdata[1];
  g2 = groups->pdata[2];
  ck_assert_uint_eq (g0->len, 3);
  ck_assert (g0->pdata[0] == s1 && g0->pdata[1] == s2 && g0->pdata[2] == s4);
  ck_assert (g1->len == 1 && g1->pdata[0] == other_lr);
  ck_assert (g2->len == 1 && g2->pdata[0] == changed);
  ck_assert (dl_run_compare_same_experiment (s1, s2));
  ck_assert (!dl_run_compare_same_experiment (s1, changed));
}
END_TEST

START_TEST (test_grouped_columns)
{
  g_autoptr (DlRun) a1 = make_run (0.05f, 1);
  g_autoptr (DlRun) a2 = make_run (0.05f, 2);
  g_autoptr (DlRun) b1 = make_run (0.01f, 1);
  g_autoptr (DlRun) b2 = make_run (0.01f, 2);
  DlRun *runs[] = { a1, b1, a2, b2 };
  g_autoptr (DlRunCompare) cmp = NULL;
  GListModel *settings, *results;
  DlRunCompareRow *best;

  add_eval (a1, DL_EVAL_EPOCH, 100, 1.0, 0, 0.90, 0.3);
  add_eval (a2, DL_EVAL_EPOCH, 100, 1.0, 0, 0.92, 0.3);
  add_eval (b1, DL_EVAL_EPOCH, 100, 1.0, 0, 0.80, 0.5);
  cmp = dl_run_compare_new (runs, G_N_ELEMENTS (runs), TRUE);
  ck_assert_uint_eq (dl_run_compare_get_n_columns (cmp), 2);
  ck_assert_uint_eq (dl_run_compare_get_column_runs (cmp, 0)->len, 2);
  ck_assert (strstr (dl_run_compare_get_column_label (cmp, 0), "2 seeds") != NULL);

  /* Both groups hold seeds 1 and 2: only the learning rate tells them apart. */
  settings = dl_run_compare_get_settings (cmp);
  ck_assert_uint_eq (g_list_model_get_n_items (settings), 1);
  ck_assert_str_eq (dl_run_compare_row_get_key (row_at (settings, 0)), "lr");

  results = dl_run_compare_get_results (cmp);
  best = find_row (results, "best_test_accuracy");
  ck_assert_str_eq (dl_run_compare_row_get_value (best, 0), "91.00 % ± 1.41 (90.00 %–92.00 %, 2 of 2 runs)");
  ck_assert_str_eq (dl_run_compare_row_get_value (best, 1), "80.00 % (1 of 2 runs)");
}
END_TEST

static Suite *
compare_suite (void)
{
  Suite *s = suite_create ("run-compare");
  struct { const char *name; const TTest *test; } cases[] = {
    { "only-lr", test_only_lr_differs },
    { "nothing", test_nothing_differs },
    { "several", test_several_differences_in_order },
    { "data", test_data_by_checksum },
    { "origin", test_origin },
    { "live", test_live_changes },
    { "live-not-loaded", test_live_changes_not_loaded },
    { "best-not-last", test_best_not_last },
    { "best-of-epochs", test_best_of_epochs },
    { "best-from-summary", test_best_from_summary },
    { "group-seeds", test_group_seeds },
    { "grouped-columns", test_grouped_columns },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TCase *tc = tcase_create (cases[i].name);

      tcase_add_test (tc, cases[i].test);
      suite_add_tcase (s, tc);
    }
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (compare_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
