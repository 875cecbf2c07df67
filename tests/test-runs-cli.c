/* test-runs-cli.c — digitlab-cli and the run history, spawned as a user runs it: `train` records its run
 * (listed by `runs list --json`, shown with its data files' and final model's checksums), `--no-record`,
 * the default store under XDG_DATA_HOME, a store that cannot be used (training goes on, with a warning),
 * `runs export` (one long-format CSV), `runs rm` / `restore` / `rm --purge`, usage errors.
 *
 *   test-runs-cli CLI-PATH
 */
#include <check.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dl-test-cli.h"
#include "dl-test-runs.h"

#define ARCH "fc16-relu,fc10,softmax"

static char *home;
static char *train_csv, *test_csv;

/* The `runs list --json` entries of a store. */
static JsonArray *
list_runs (const char *store, gboolean all)
{
  g_auto (Result) r = run_cli ("runs", "list", "--store", store, "--json", all ? "--all" : NULL, NULL);
  g_autoptr (JsonNode) root = NULL;

  ck_assert_msg (r.status == 0, "runs list: status %d\n%s", r.status, r.err);
  root = parse_json (r.out);
  return json_array_ref (json_object_get_array_member (json_node_get_object (root), "runs"));
}

static JsonObject *
find_named (JsonArray *runs, const char *name)
{
  for (guint i = 0; i < json_array_get_length (runs); i++)
    {
      JsonObject *o = json_array_get_object_element (runs, i);

      if (g_strcmp0 (json_object_get_string_member (o, "name"), name) == 0)
        return o;
    }
  return NULL;
}

/* `train` on the tiny sets, recorded in `store` under `name`; returns its run number. */
static gint64
train_recorded (const char *store, const char *name, const char *epochs)
{
  g_auto (Result) r = run_cli ("train", "--train", train_csv, "--test", test_csv, "--arch", ARCH, "--batch", "16",
                               "--epochs", epochs, "--threads", "1", "--store", store, "--run-name", name, "--json",
                               NULL);
  g_autoptr (JsonNode) root = NULL;

  ck_assert_msg (r.status == 0, "train: status %d\n%s", r.status, r.err);
  ck_assert_msg (strstr (r.err, "recorded as run") != NULL, "%s", r.err);
  root = parse_json (r.out);
  ck_assert (json_object_get_int_member (json_node_get_object (root), "run") > 0);
  return json_object_get_int_member (json_node_get_object (root), "run");
}

/* ---- tests ---- */

START_TEST (test_train_is_listed)
{
  g_autofree char *store = test_runs_store_path (home, "cli");
  gint64 number = train_recorded (store, "cli run", "2");
  g_autoptr (JsonArray) runs = list_runs (store, FALSE);
  JsonObject *run = find_named (runs, "cli run");
  JsonObject *data;

  ck_assert_msg (run != NULL, "'cli run' not in runs list --json");
  ck_assert_int_eq (json_object_get_int_member (run, "number"), number);
  ck_assert_str_eq (json_object_get_string_member (run, "state"), "finished");
  ck_assert_str_eq (json_object_get_string_member (run, "program"), "digitlab-cli");
  ck_assert_str_eq (json_object_get_string_member (run, "arch"), ARCH);
  ck_assert_int_eq (json_object_get_int_member (run, "steps"), 2 * 400 / 16);
  ck_assert (json_object_get_double_member (run, "final_test_accuracy") > 0.5);
  ck_assert (json_object_get_double_member (run, "best_test_accuracy")
             >= json_object_get_double_member (run, "final_test_accuracy"));
  data = json_object_get_object_member (run, "data");
  ck_assert_int_eq (json_object_get_int_member (data, "n_train"), 400);
  ck_assert_int_eq (json_object_get_int_member (data, "n_test"), 200);

  /* show: the data files and the final model, each with its real checksum. */
  {
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, number);
    g_auto (Result) r = run_cli ("runs", "show", id, "--store", store, "--json", NULL);
    g_autoptr (JsonNode) root = NULL;
    JsonObject *o;
    JsonArray *files, *models;
    g_autofree char *train_sha = dl_run_data_checksum_file (train_csv, NULL, NULL);

    ck_assert_msg (r.status == 0, "%s", r.err);
    root = parse_json (r.out);
    o = json_node_get_object (root);
    files = json_object_get_array_member (o, "data_files");
    ck_assert_uint_eq (json_array_get_length (files), 2);
    ck_assert_str_eq (json_object_get_string_member (json_array_get_object_element (files, 0), "sha256"), train_sha);
    models = json_object_get_array_member (o, "models");
    ck_assert_uint_eq (json_array_get_length (models), 1);
    {
      JsonObject *m = json_array_get_object_element (models, 0);
      g_autofree char *sha = dl_run_data_checksum_file (json_object_get_string_member (m, "path"), NULL, NULL);

      ck_assert_str_eq (json_object_get_string_member (m, "kind"), "final");
      ck_assert (sha != NULL);
      ck_assert_str_eq (json_object_get_string_member (m, "sha256"), sha);
    }
    ck_assert_str_eq (json_object_get_string_member (json_object_get_object_member (o, "config"), "batch"), "16");
    ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (o, "epochs")), 2);
  }
  ck_assert_str_eq (test_runs_query_text (store, "PRAGMA integrity_check"), "ok");
}
END_TEST

/* Without --store, the store under XDG_DATA_HOME; with --no-record, none. */
START_TEST (test_default_store_and_no_record)
{
  g_autofree char *data_home = g_build_filename (home, "default-home", NULL);
  g_autofree char *store = g_build_filename (data_home, "digitlab", "runs.sqlite", NULL);
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "XDG_DATA_HOME", data_home, TRUE);

  {
    g_auto (Result) r = run_cli_env (env, "train", "--train", train_csv, "--test", test_csv, "--arch", ARCH,
                                     "--epochs", "1", "--no-record", NULL);

    ck_assert_msg (r.status == 0, "%s", r.err);
    ck_assert (!g_file_test (store, G_FILE_TEST_EXISTS));
    ck_assert (strstr (r.out, "recorded") == NULL);
  }
  {
    g_auto (Result) r = run_cli_env (env, "train", "--train", train_csv, "--test", test_csv, "--arch", ARCH,
                                     "--epochs", "1", NULL);

    ck_assert_msg (r.status == 0, "%s", r.err);
    ck_assert_msg (strstr (r.out, store) != NULL, "%s", r.out);
    ck_assert_int_eq (test_runs_query_int (store, "SELECT count(*) FROM runs"), 1);
  }
  {
    g_auto (Result) r = run_cli_env (env, "runs", "list", NULL);

    ck_assert_int_eq (r.status, 0);
    ck_assert_msg (strstr (r.out, "finished") != NULL, "%s", r.out);
  }
}
END_TEST

/* A store of a newer Digit Lab is not touched; training goes on and says why it is not recorded. */
START_TEST (test_unusable_store)
{
  g_autofree char *store = test_runs_store_path (home, "newer");
  sqlite3 *db = NULL;

  ck_assert_int_eq (sqlite3_open (store, &db), SQLITE_OK);
  ck_assert_int_eq (sqlite3_exec (db, "PRAGMA application_id = 1145856354; PRAGMA user_version = 99", NULL, NULL, NULL),
                    SQLITE_OK);
  sqlite3_close (db);
  {
    g_auto (Result) r = run_cli ("train", "--train", train_csv, "--test", test_csv, "--arch", ARCH, "--epochs", "1",
                                 "--store", store, NULL);

    ck_assert_msg (r.status == 0, "%s", r.err);
    ck_assert_msg (strstr (r.out, "not recorded") != NULL && strstr (r.out, store) != NULL
                   && strstr (r.out, "newer Digit Lab") != NULL, "%s", r.out);
    ck_assert_msg (strstr (r.out, "test accuracy") != NULL, "%s", r.out);
  }
  ck_assert_int_eq (test_runs_query_int (store, "PRAGMA user_version"), 99);
  {
    g_auto (Result) r = run_cli ("runs", "list", "--store", store, NULL);

    ck_assert_int_eq (r.status, 1);
    ck_assert_msg (strstr (r.err, "newer Digit Lab") != NULL, "%s", r.err);
  }
}
END_TEST

/* export: one long-format CSV of several runs, a row per point, every metric with its step. */
START_TEST (test_export)
{
  g_autofree char *store = test_runs_store_path (home, "export");
  g_autofree char *csv = g_build_filename (home, "export.csv", NULL);
  gint64 a = train_recorded (store, "first, with a comma", "1");
  gint64 b = train_recorded (store, "second", "2");
  g_autofree char *ida = g_strdup_printf ("%" G_GINT64_FORMAT, a);
  g_autofree char *idb = g_strdup_printf ("%" G_GINT64_FORMAT, b);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  int loss[2] = { 0 }, test_acc[2] = { 0 }, train_acc[2] = { 0 };

  {
    g_auto (Result) r = run_cli ("runs", "export", ida, idb, "--store", store, "--output", csv, NULL);

    ck_assert_msg (r.status == 0, "%s", r.err);
  }
  ck_assert (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  ck_assert_str_eq (lines[0], "run,uuid,name,metric,step,x,value,text");
  for (int i = 1; lines[i] != NULL && *lines[i]; i++)
    {
      g_auto (GStrv) f = NULL;
      int which;

      /* The quoted name holds a comma: skip past it by hand. */
      if (g_str_has_prefix (lines[i], ida))
        {
          const char *end = strstr (lines[i], "\"first, with a comma\",");
          ck_assert_msg (end != NULL, "%s", lines[i]);
          f = g_strsplit (end + strlen ("\"first, with a comma\","), ",", -1);
          which = 0;
        }
      else
        {
          g_auto (GStrv) all = g_strsplit (lines[i], ",", -1);
          ck_assert_str_eq (all[0], idb);
          f = g_strdupv (all + 3);
          which = 1;
        }
      loss[which] += g_str_equal (f[0], "loss");
      test_acc[which] += g_str_equal (f[0], "test_accuracy");
      train_acc[which] += g_str_equal (f[0], "train_accuracy");
      if (g_str_equal (f[0], "test_accuracy"))
        ck_assert (g_ascii_strtod (f[3], NULL) > 0 && g_ascii_strtod (f[3], NULL) <= 1.0);   /* a fraction */
    }
  ck_assert_int_eq (loss[0], 400 / 16);
  ck_assert_int_eq (loss[1], 2 * 400 / 16);
  ck_assert_int_eq (test_acc[0], 1);   /* the last epoch's evaluation is the final one: no extra */
  ck_assert_int_eq (test_acc[1], 2);
  ck_assert_int_eq (train_acc[1], 2);

  /* Saved as every file is (dl_file_save): through a symlink into its target, and never over a FIFO. */
  {
    g_autofree char *link = g_build_filename (home, "export-link.csv", NULL);
    g_autofree char *fifo = g_build_filename (home, "export.fifo", NULL);
    g_autofree char *again = NULL;
    g_auto (Result) r = { 0 };
    GStatBuf st;

    g_unlink (csv);
    ck_assert (symlink (csv, link) == 0);
    r = run_cli ("runs", "export", ida, "--store", store, "--output", link, NULL);
    ck_assert_msg (r.status == 0, "%s", r.err);
    ck_assert (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
    ck_assert (g_file_get_contents (csv, &again, NULL, NULL) && g_str_has_prefix (again, "run,uuid,name,"));
    result_clear (&r);
    ck_assert (mkfifo (fifo, 0600) == 0);
    r = run_cli ("runs", "export", ida, "--store", store, "--output", fifo, NULL);
    ck_assert_int_eq (r.status, 1);
    ck_assert_msg (strstr (r.err, fifo) != NULL, "%s", r.err);
    ck_assert (g_lstat (fifo, &st) == 0 && S_ISFIFO (st.st_mode));
  }
}
END_TEST

START_TEST (test_rm_restore_purge)
{
  g_autofree char *store = test_runs_store_path (home, "rm");
  gint64 a = train_recorded (store, "keep", "1");
  gint64 b = train_recorded (store, "drop", "1");
  g_autofree char *idb = g_strdup_printf ("%" G_GINT64_FORMAT, b);
  g_autofree char *model = NULL;
  (void) a;

  {
    g_auto (Result) r = run_cli ("runs", "rm", idb, "--store", store, NULL);

    ck_assert_msg (r.status == 0, "%s", r.err);
    ck_assert_msg (strstr (r.out, "runs restore") != NULL, "%s", r.out);
  }
  {
    g_autoptr (JsonArray) runs = list_runs (store, FALSE);
    g_autoptr (JsonArray) all = list_runs (store, TRUE);

    ck_assert (find_named (runs, "drop") == NULL && find_named (runs, "keep") != NULL);
    ck_assert (find_named (all, "drop") != NULL);
    ck_assert (json_object_get_boolean_member (find_named (all, "drop"), "deleted"));
    model = g_strdup (json_object_get_string_member (find_named (all, "drop"), "final_model"));
    ck_assert (g_file_test (model, G_FILE_TEST_EXISTS));
  }
  {
    g_auto (Result) r = run_cli ("runs", "restore", idb, "--store", store, NULL);
    g_autoptr (JsonArray) runs = NULL;

    ck_assert_msg (r.status == 0, "%s", r.err);
    runs = list_runs (store, FALSE);
    ck_assert (find_named (runs, "drop") != NULL);
  }
  {
    g_auto (Result) r = run_cli ("runs", "rm", idb, "--purge", "--store", store, NULL);
    g_autoptr (JsonArray) all = NULL;

    ck_assert_msg (r.status == 0, "%s", r.err);
    all = list_runs (store, TRUE);
    ck_assert (find_named (all, "drop") == NULL && find_named (all, "keep") != NULL);
    ck_assert (!g_file_test (model, G_FILE_TEST_EXISTS));
  }
}
END_TEST

START_TEST (test_usage_errors)
{
  g_autofree char *store = test_runs_store_path (home, "usage");

  train_recorded (store, "only", "1");
  {
    g_auto (Result) r = run_cli ("runs", "show", "--store", store, NULL);
    ck_assert_int_eq (r.status, 2);
  }
  {
    g_auto (Result) r = run_cli ("runs", "show", "999", "--store", store, NULL);
    ck_assert_int_eq (r.status, 1);
    ck_assert_msg (strstr (r.err, "no run 999") != NULL, "%s", r.err);
  }
  {
    g_auto (Result) r = run_cli ("runs", "show", "xyz", "--store", store, NULL);
    ck_assert_int_eq (r.status, 1);
    ck_assert_msg (strstr (r.err, "number or at least 4 characters") != NULL, "%s", r.err);
  }
  {
    g_auto (Result) r = run_cli ("runs", "frobnicate", NULL);
    ck_assert_int_eq (r.status, 2);
  }
  {
    g_auto (Result) r = run_cli ("runs", "export", "--store", store, NULL);
    ck_assert_int_eq (r.status, 2);
  }
  /* Listing where there is no history yet is an empty list, and creates nothing. */
  {
    g_autofree char *none = g_build_filename (home, "none.sqlite", NULL);
    g_auto (Result) r = run_cli ("runs", "list", "--store", none, "--json", NULL);
    ck_assert_int_eq (r.status, 0);
    ck_assert (!g_file_test (none, G_FILE_TEST_EXISTS));
    g_autoptr (JsonNode) root = parse_json (r.out);
    ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (json_node_get_object (root), "runs")), 0);
  }
}
END_TEST

static void
write_sets (void)
{
  g_autoptr (DlDataset) train = test_runs_blocks (400, 1);
  g_autoptr (DlDataset) test = test_runs_blocks (200, 2);
  g_autoptr (GError) error = NULL;

  train_csv = g_build_filename (home, "train.csv", NULL);
  test_csv = g_build_filename (home, "test.csv", NULL);
  g_assert (dl_dataset_save_csv (train, train_csv, &error));
  g_assert (dl_dataset_save_csv (test, test_csv, &error));
}

static Suite *
cli_suite (void)
{
  Suite *s = suite_create ("runs-cli");
  struct { const char *name; const TTest *test; } cases[] = {
    { "train-is-listed", test_train_is_listed },
    { "default-store-and-no-record", test_default_store_and_no_record },
    { "unusable-store", test_unusable_store },
    { "export", test_export },
    { "rm-restore-purge", test_rm_restore_purge },
    { "usage-errors", test_usage_errors },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TCase *tc = tcase_create (cases[i].name);

      tcase_set_timeout (tc, 120);
      tcase_add_test (tc, cases[i].test);
      suite_add_tcase (s, tc);
    }
  return s;
}

int
main (int argc, char **argv)
{
  int failed;

  if (argc < 2)
    {
      g_printerr ("usage: %s CLI-PATH\n", argv[0]);
      return 2;
    }
  test_cli_path = argv[1];
  home = test_runs_private_home ();
  write_sets ();
  SRunner *sr = srunner_create (cli_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
