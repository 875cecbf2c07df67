/* test-runs-store.c — the run store: its schema and migrations, a run's round trip with every series, marker
 * and evaluation, the messages for newer, corrupt, foreign and locked files, soft delete with undo, two
 * processes writing at once, another process's commits noticed, runs whose process died.
 *
 *   test-runs-store                      the tests
 *   test-runs-store --writer PATH K N    (helper) records K runs of N batches each into PATH
 *   test-runs-store --orphan PATH        (helper) records a running run, then exits without ending it
 */
#include <check.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "dl-test-runs.h"
#include "dl-run-store-private.h"

static char *home;
static char *self_exe;

/* ---- a run with a full history, recorded as DlRunRecorder records one ---- */

static DlRunData *
make_data (void)
{
  DlRunData *data = dl_run_data_new ("/data/mnist", "/data/mnist", 60000, 10000);

  dl_run_data_add_file (data, "train", "images", "/data/mnist/train-images-idx3-ubyte", 47040016,
                        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
  dl_run_data_add_file (data, "train", "labels", "/data/mnist/train-labels-idx1-ubyte", 60008,
                        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5");
  dl_run_data_add_file (data, "test", "images", "/data/mnist/t10k-images-idx3-ubyte", 7840016,
                        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7");
  return data;
}

static DlRun *
make_run (const char *name)
{
  DlTrainConfig cfg;
  g_autoptr (DlRunData) data = make_data ();
  DlRun *run;

  test_runs_config (&cfg, "fc32-relu,fc10,softmax", 64, 2);
  cfg.hyper.lr = 0.1f;   /* not exact in binary: must still round-trip */
  cfg.hyper.weight_decay = 3e-5f;
  cfg.seed = G_GUINT64_CONSTANT (18446744073709551557);   /* above G_MAXINT64 */
  run = g_object_new (DL_TYPE_RUN, "config", &cfg, "preset", "mlp", "data", data, "program", "test-runs-store",
                      "name", name, "origin-model-path", "/models/start.dlm", "origin-model-sha256", "00ff", NULL);
  dl_train_config_clear (&cfg);
  return run;
}

static void
add_eval (DlRunStore *store, DlRun *run, DlEvalKind kind, gint64 step, double x, int n)
{
  DlRunEval e = { .kind = kind, .step = step, .x = x, .epoch = (int) x, .n = n };
  g_autofree guint8 *pred = g_new (guint8, n);
  g_autofree guint8 *probs = g_new (guint8, n * 10);

  for (int i = 0; i < n; i++)
    {
      pred[i] = (guint8) ((i * 7 + step) % 10);
      for (int c = 0; c < 10; c++)
        probs[i * 10 + c] = (guint8) ((i + c * 31 + step) % 256);
      e.confusion[i % 10][pred[i]]++;
      e.correct += pred[i] == i % 10;
    }
  e.accuracy = (double) e.correct / n;
  e.loss = 2.5 / (1.0 + step);
  if (kind != DL_EVAL_SUBSET)
    {
      e.predicted = g_bytes_new (pred, n);
      e.probs = g_bytes_new (probs, n * 10);
    }
  dl_run_add_eval (run, &e);
  dl_series_append (dl_run_get_series (run, kind == DL_EVAL_SUBSET ? DL_RUN_SERIES_SUBSET_LOSS : DL_RUN_SERIES_TEST_LOSS),
                    x, e.loss);
  dl_series_append (dl_run_get_series (run, kind == DL_EVAL_SUBSET ? DL_RUN_SERIES_SUBSET_ACCURACY
                                                                     : DL_RUN_SERIES_TEST_ACCURACY), x, 100.0 * e.accuracy);
  dl_run_store_add_eval (store, run, &e);
  g_clear_pointer (&e.predicted, g_bytes_unref);
  g_clear_pointer (&e.probs, g_bytes_unref);
}

/* `n_batches` per epoch for 2 epochs: losses and rates, periodic and end-of-epoch evaluations, a marker, the
 * epoch figures, a final model; the run ends finished. */
static void
record_history (DlRunStore *store, DlRun *run, int n_batches)
{
  dl_run_set_state (run, DL_TRAIN_RUNNING);
  dl_run_set_started_at (run, 1764300000000000 + 17);
  dl_run_store_add_run (store, run);
  for (int epoch = 0; epoch < 2; epoch++)
    {
      g_autofree DlRunBatch *rows = g_new (DlRunBatch, n_batches);

      for (int b = 0; b < n_batches; b++)
        {
          gint64 step = (gint64) epoch * n_batches + b + 1;
          double x = epoch + (b + 1.0) / n_batches;
          float loss = b == 3 && epoch == 0 ? NAN : 2.3f / (float) step;
          float lr = 0.1f * (float) (1.0 + cos (G_PI * x / 2)) / 2;

          rows[b] = (DlRunBatch) { step, x, loss, lr };
          dl_series_append (dl_run_get_series (run, DL_RUN_SERIES_LOSS), x, loss);
          dl_series_append (dl_run_get_series (run, DL_RUN_SERIES_LR), x, lr);
          if (b == n_batches / 2)
            add_eval (store, run, DL_EVAL_SUBSET, step, x, 200);
          if (epoch == 0 && b == n_batches / 3)
            {
              dl_run_add_marker (run, step, x, "lr 0.1 → 0.01; batch 64 → 128");
              dl_run_store_add_event (store, run, "hyper", step, x, TRUE, "lr 0.1 → 0.01; batch 64 → 128");
            }
        }
      dl_run_store_add_batches (store, run, rows, n_batches);
      add_eval (store, run, DL_EVAL_EPOCH, (gint64) (epoch + 1) * n_batches, epoch + 1.0, 500);
      DlRunEpoch e = { epoch, (gint64) (epoch + 1) * n_batches, epoch + 1.0, 0.5 / (epoch + 1), 0.8 + epoch * 0.1,
                       0.4 / (epoch + 1), 0.85 + epoch * 0.05, 1.25 };
      dl_series_append (dl_run_get_series (run, DL_RUN_SERIES_TRAIN_LOSS), e.x, e.train_loss);
      dl_series_append (dl_run_get_series (run, DL_RUN_SERIES_TRAIN_ACCURACY), e.x, 100.0 * e.train_accuracy);
      dl_run_store_add_epoch (store, run, &e);
      dl_run_set_progress (run, e.step, e.x);
      dl_run_set_train_seconds (run, 1.25 * (epoch + 1));
      dl_run_set_best (run, 0.9, epoch);
      dl_run_store_update_run (store, run);
    }
  dl_run_store_add_event (store, run, "hyper", 3, 0.1, FALSE, "not a marker: changed while ready");
  dl_run_set_state (run, DL_TRAIN_FINISHED);
  dl_run_set_ended_at (run, 1764300000000000 + 99);
  dl_run_set_final_test_accuracy (run, 0.875);
  dl_run_set_final_model_path (run, "/models/final.dlm");
  dl_run_store_update_run (store, run);
}

static DlRunStore *
open_ok (const char *path)
{
  g_autoptr (GError) error = NULL;
  DlRunStore *store = dl_run_store_open (path, &error);

  ck_assert_msg (store != NULL, "cannot open %s: %s", path, error ? error->message : "");
  return store;
}

static void
flush_ok (DlRunStore *store)
{
  g_autoptr (GError) error = NULL;

  ck_assert_msg (dl_run_store_flush (store, &error), "flush: %s", error ? error->message : "");
}

/* ---- schema ---- */

START_TEST (test_new_store_schema)
{
  g_autofree char *path = dl_run_store_default_path ();
  g_autofree char *expected = g_build_filename (g_getenv ("XDG_DATA_HOME"), "digitlab", "runs.sqlite", NULL);
  g_autoptr (DlRunStore) store = NULL;
  g_autofree char *journal = NULL;

  ck_assert_str_eq (path, expected);
  store = open_ok (path);
  ck_assert (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  ck_assert_int_eq (test_runs_query_int (path, "PRAGMA user_version"), DL_RUN_STORE_SCHEMA_VERSION);
  ck_assert_int_eq (test_runs_query_int (path, "PRAGMA application_id"), DL_RUN_STORE_APPLICATION_ID);
  journal = test_runs_query_text (path, "PRAGMA journal_mode");
  ck_assert_str_eq (journal, "wal");
  const char *tables[] = { "runs", "run_config", "data_files", "events", "batch_metrics", "evaluations",
                           "epoch_metrics", "models", "checkpoints" };
  for (gsize i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                                              tables[i]);
      ck_assert_msg (test_runs_query_int (path, sql) == 1, "no table %s", tables[i]);
    }
  /* Foreign keys are enforced: metrics of a run that does not exist are refused. */
  {
    sqlite3 *db = dl_run_store_connect (path, NULL);
    ck_assert (db != NULL);
    ck_assert_int_ne (sqlite3_exec (db, "INSERT INTO batch_metrics VALUES (12345, 1, 0.1, 1.0, 0.1)", NULL, NULL, NULL),
                      SQLITE_OK);
    sqlite3_close (db);
  }
  /* Opening again changes nothing. */
  g_clear_object (&store);
  store = open_ok (path);
  ck_assert_int_eq (test_runs_query_int (path, "PRAGMA user_version"), DL_RUN_STORE_SCHEMA_VERSION);
}
END_TEST

/* ---- round trip ---- */

START_TEST (test_round_trip)
{
  g_autofree char *path = test_runs_store_path (home, "round-trip");
  g_autoptr (DlRunStore) store = open_ok (path);
  g_autoptr (DlRun) run = make_run ("round trip");
  g_autoptr (DlRunStore) other = NULL;
  g_autoptr (DlRun) back = NULL;
  g_autoptr (GError) error = NULL;

  record_history (store, run, 40);
  dl_run_set_notes (run, "notes: ünïcødé, 'quotes' and \"double\"");
  dl_run_store_add_model (store, run, "final", path, 80);   /* any readable file: its checksum is kept */
  flush_ok (store);
  /* The writer tells the run its number on this context. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  ck_assert_int_gt (dl_run_get_number (run), 0);

  /* Another connection, as the next session would open it. */
  other = open_ok (path);
  back = dl_run_store_find_run (other, dl_run_get_uuid (run), &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert (!dl_run_get_loaded (back));
  ck_assert_int_eq (dl_run_get_number (back), dl_run_get_number (run));
  ck_assert_msg (dl_run_store_load_run (other, back, &error), "%s", error ? error->message : "");
  ck_assert (dl_run_get_loaded (back));
  test_runs_assert_runs_equal (run, back);
  ck_assert (dl_run_get_config (back)->seed == G_GUINT64_CONSTANT (18446744073709551557));

  /* By its number too, and the event log, epochs and models with their checksums. */
  {
    g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, dl_run_get_number (run));
    g_autoptr (DlRun) by_number = dl_run_store_find_run (other, number, &error);
    g_autoptr (GPtrArray) events = dl_run_store_list_events (other, run, &error);
    g_autoptr (GArray) epochs = dl_run_store_list_epochs (other, run, &error);
    g_autoptr (GPtrArray) models = dl_run_store_list_models (other, run, &error);
    g_autofree char *sha = dl_run_data_checksum_file (path, NULL, NULL);

    ck_assert (by_number != NULL);
    ck_assert_str_eq (dl_run_get_uuid (by_number), dl_run_get_uuid (run));
    ck_assert_uint_eq (events->len, 2);
    ck_assert_str_eq (((DlRunEvent *) events->pdata[0])->kind, "hyper");
    ck_assert (((DlRunEvent *) events->pdata[0])->marker);
    ck_assert (!((DlRunEvent *) events->pdata[1])->marker);
    ck_assert_uint_eq (epochs->len, 2);
    ck_assert (g_array_index (epochs, DlRunEpoch, 1).test_accuracy == 0.9);
    ck_assert_uint_eq (models->len, 1);
    ck_assert_str_eq (((DlRunModel *) models->pdata[0])->kind, "final");
    ck_assert (sha != NULL);
    ck_assert_str_eq (((DlRunModel *) models->pdata[0])->sha256, sha);
  }
  ck_assert_str_eq (test_runs_query_text (path, "PRAGMA integrity_check"), "ok");
}
END_TEST

/* The configuration's text form gives back every field exactly. */
START_TEST (test_config_pairs)
{
  DlTrainConfig a, b = { 0 };
  g_autoptr (GPtrArray) pairs = NULL;

  test_runs_config (&a, "conv6x5p2-relu,pool2,fc10,softmax", 100, 3);
  a.hyper.lr = 0.0123456789f;
  a.hyper.optimizer = DL_OPT_ADAM;
  a.hyper.reduce = DL_REDUCE_SUM;
  a.hyper.beta2 = 0.9990001f;
  a.schedule = DL_SCHEDULE_STEP;
  a.schedule_gamma = 0.3f;
  a.schedule_step = 2;
  a.augment = TRUE;
  a.seed = G_MAXUINT64;
  pairs = dl_run_config_to_pairs (&a);
  for (guint i = 0; i < pairs->len; i += 2)
    ck_assert_msg (dl_run_config_set_pair (&b, pairs->pdata[i], pairs->pdata[i + 1]), "%s = %s",
                   (char *) pairs->pdata[i], (char *) pairs->pdata[i + 1]);
  ck_assert_str_eq (a.arch, b.arch);
  ck_assert (memcmp (&a.hyper, &b.hyper, sizeof a.hyper) == 0);
  ck_assert (a.batch == b.batch && a.epochs == b.epochs && a.seed == b.seed && a.schedule == b.schedule
             && a.schedule_gamma == b.schedule_gamma && a.schedule_step == b.schedule_step && a.augment == b.augment
             && a.eval_every == b.eval_every && a.threads == b.threads);
  ck_assert (!dl_run_config_set_pair (&b, "batch", "12x"));
  ck_assert (dl_run_config_set_pair (&b, "a key of a later version", "anything"));
  dl_train_config_clear (&a);
  dl_train_config_clear (&b);
}
END_TEST

/* ---- migrations ---- */

/* One migration past this build's schema (applied after the real ones). */
#define NEXT (DL_RUN_STORE_SCHEMA_VERSION + 1)
static const DlRunStoreMigration next_migration = {
  NEXT, "ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT ''; UPDATE runs SET tags = 'migrated'" };
static const DlRunStoreMigration bad_migration = {
  NEXT, "ALTER TABLE runs ADD COLUMN tags TEXT; INSERT INTO no_such_table VALUES (1)" };

/* The real migrations, then `extra`. */
static void
migrate (const char *path, const DlRunStoreMigration *extra, GError **error, gboolean *ok)
{
  DlRunStoreMigration m[DL_RUN_STORE_SCHEMA_VERSION + 1];
  sqlite3 *db = NULL;

  ck_assert_int_eq (dl_run_store_n_migrations, DL_RUN_STORE_SCHEMA_VERSION);
  for (int i = 0; i < dl_run_store_n_migrations; i++)
    m[i] = dl_run_store_migrations[i];
  m[DL_RUN_STORE_SCHEMA_VERSION] = *extra;
  /* A plain connection: dl_run_store_connect itself refuses a store newer than this build. */
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  *ok = dl_run_store_migrate (db, path, m, G_N_ELEMENTS (m), error);
  sqlite3_close (db);
}

START_TEST (test_migration)
{
  g_autofree char *path = test_runs_store_path (home, "migrate");
  g_autoptr (DlRunStore) store = open_ok (path);
  g_autoptr (DlRun) run = make_run ("before the migration");
  g_autoptr (GError) error = NULL;
  g_autofree char *next = g_strdup_printf ("version %d", NEXT);
  gboolean ok;

  record_history (store, run, 10);
  flush_ok (store);
  g_clear_object (&store);

  /* A migration that fails is rolled back whole: still this build's version, nothing added, the run intact. */
  migrate (path, &bad_migration, &error, &ok);
  ck_assert (!ok);
  ck_assert_msg (strstr (error->message, path) != NULL && strstr (error->message, next) != NULL, "%s",
                 error->message);
  g_clear_error (&error);
  ck_assert_int_eq (test_runs_query_int (path, "PRAGMA user_version"), DL_RUN_STORE_SCHEMA_VERSION);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'tags'"), 0);

  /* A good one applies once, keeps the data, and a second run of the list changes nothing. */
  migrate (path, &next_migration, &error, &ok);
  ck_assert_msg (ok, "%s", error ? error->message : "");
  ck_assert_int_eq (test_runs_query_int (path, "PRAGMA user_version"), NEXT);
  ck_assert_str_eq (test_runs_query_text (path, "SELECT tags FROM runs"), "migrated");
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM batch_metrics"), 20);
  migrate (path, &next_migration, &error, &ok);
  ck_assert (ok);
  ck_assert_str_eq (test_runs_query_text (path, "SELECT tags FROM runs"), "migrated");

  /* The store of "a newer Digit Lab" is refused and left untouched. */
  store = dl_run_store_open (path, &error);
  ck_assert (store == NULL);
  ck_assert (g_error_matches (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NEWER));
  ck_assert_msg (strstr (error->message, path) != NULL && strstr (error->message, "newer") != NULL
                 && strstr (error->message, next) != NULL, "%s", error->message);
  ck_assert_int_eq (test_runs_query_int (path, "PRAGMA user_version"), NEXT);
}
END_TEST

/* A version 1 store (before checkpoints) is migrated on opening: its runs kept, the checkpoints table added. */
START_TEST (test_migration_from_version1)
{
  g_autofree char *path = test_runs_store_path (home, "v1");
  g_autoptr (DlRunStore) store = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  ck_assert (dl_run_store_migrate (db, path, dl_run_store_migrations, 1, &error));
  ck_assert_int_eq (sqlite3_exec (db, "INSERT INTO runs (uuid, name, arch, seed, program, host, pid, created_at, "
                                  "heartbeat_at, state) VALUES ('u1', 'old', 'fc10,softmax', 1, 'p', 'h', 1, 1, 1, "
                                  "'finished')", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);
  ck_assert_int_eq (test_runs_query_int (path, "PRAGMA user_version"), 1);
  store = open_ok (path);
  ck_assert_int_eq (test_runs_query_int (path, "PRAGMA user_version"), DL_RUN_STORE_SCHEMA_VERSION);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM checkpoints"), 0);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM runs WHERE uuid = 'u1'"), 1);
}
END_TEST

/* ---- files that are not a store ---- */

START_TEST (test_corrupt_file)
{
  g_autofree char *path = test_runs_store_path (home, "garbage");
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) junk = g_string_new (NULL);
  g_autofree char *after = NULL;
  gsize len;

  for (int i = 0; i < 500; i++)
    g_string_append (junk, "this is not a database ");
  ck_assert (g_file_set_contents (path, junk->str, junk->len, NULL));
  ck_assert (dl_run_store_open (path, &error) == NULL);
  ck_assert (g_error_matches (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_CORRUPT));
  ck_assert_msg (strstr (error->message, path) != NULL && strstr (error->message, "damaged") != NULL, "%s",
                 error->message);
  /* Nothing was written to it. */
  ck_assert (g_file_get_contents (path, &after, &len, NULL));
  ck_assert (len == junk->len && memcmp (after, junk->str, len) == 0);
}
END_TEST

START_TEST (test_foreign_database)
{
  g_autofree char *path = test_runs_store_path (home, "foreign");
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  ck_assert_int_eq (sqlite3_exec (db, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)", NULL, NULL, NULL),
                    SQLITE_OK);
  sqlite3_close (db);
  ck_assert (dl_run_store_open (path, &error) == NULL);
  ck_assert (g_error_matches (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_A_STORE));
  ck_assert_msg (strstr (error->message, path) != NULL && strstr (error->message, "not a Digit Lab run store"),
                 "%s", error->message);
  ck_assert_str_eq (test_runs_query_text (path, "PRAGMA journal_mode"), "delete");
}
END_TEST

/* Found by fuzz-run-store: a run whose id is not positive read as "no such run" without an error. */
START_TEST (test_run_id_below_1)
{
  g_autofree char *path = test_runs_store_path (home, "run-id-below-1");
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  {
    g_autoptr (DlRunStore) store = open_ok (path);
    g_autoptr (DlRun) run = make_run ("renumbered");

    record_history (store, run, 8);
    flush_ok (store);
  }
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  ck_assert_int_eq (sqlite3_exec (db, "UPDATE runs SET id = -3", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);
  ck_assert (dl_run_store_open (path, &error) == NULL);
  ck_assert (g_error_matches (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_CORRUPT));
  ck_assert_msg (strstr (error->message, path) != NULL && strstr (error->message, "below 1") != NULL, "%s",
                 error->message);
}
END_TEST

START_TEST (test_locked_file)
{
  g_autofree char *path = test_runs_store_path (home, "locked");
  g_autoptr (DlRunStore) store = open_ok (path);
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;
  gint64 t0;

  g_clear_object (&store);
  /* Another program takes the file for itself. */
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  ck_assert_int_eq (sqlite3_exec (db, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; "
                                      "UPDATE runs SET name = name; COMMIT", NULL, NULL, NULL), SQLITE_OK);
  dl_run_store_set_busy_timeout (300);
  t0 = g_get_monotonic_time ();
  store = dl_run_store_open (path, &error);
  ck_assert (store == NULL);
  ck_assert (g_error_matches (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_LOCKED));
  ck_assert_msg (strstr (error->message, path) != NULL && strstr (error->message, "locked by another program"),
                 "%s", error->message);
  ck_assert (g_get_monotonic_time () - t0 < 30 * G_USEC_PER_SEC);
  sqlite3_close (db);
  /* Once it lets go, the store opens. */
  g_clear_error (&error);
  store = open_ok (path);
  dl_run_store_set_busy_timeout (DL_RUN_STORE_BUSY_TIMEOUT_MS);
}
END_TEST

/* ---- soft delete ---- */

static gboolean
list_has (GListModel *list, DlRun *run)
{
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (DlRun) r = g_list_model_get_item (list, i);

      if (g_str_equal (dl_run_get_uuid (r), dl_run_get_uuid (run)))
        return TRUE;
    }
  return FALSE;
}

static guint
count_listed (DlRunStore *store, gboolean include_deleted)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = dl_run_store_list_runs (store, include_deleted, &error);

  ck_assert_msg (runs != NULL, "%s", error ? error->message : "");
  return runs->len;
}

START_TEST (test_soft_delete)
{
  g_autofree char *path = test_runs_store_path (home, "delete");
  g_autoptr (DlRunStore) store = open_ok (path);
  g_autoptr (DlRun) a = make_run ("a");
  g_autoptr (DlRun) b = make_run ("b");
  GListModel *list = dl_run_store_get_runs (store);
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;

  record_history (store, a, 10);
  record_history (store, b, 10);
  dir = dl_run_store_dup_run_dir (store, a);
  file = g_build_filename (dir, "final.dlm", NULL);
  ck_assert (g_mkdir_with_parents (dir, 0700) == 0 && g_file_set_contents (file, "model", -1, NULL));
  flush_ok (store);
  ck_assert (list_has (list, a) && list_has (list, b));

  dl_run_store_delete_run (store, a);
  ck_assert (!list_has (list, a) && list_has (list, b));   /* at once, in this process */
  flush_ok (store);
  ck_assert_uint_eq (count_listed (store, FALSE), 1);
  ck_assert_uint_eq (count_listed (store, TRUE), 2);

  /* Undo: back in every listing, its history whole. */
  dl_run_store_restore_run (store, a);
  ck_assert (list_has (list, a));
  flush_ok (store);
  ck_assert_uint_eq (count_listed (store, FALSE), 2);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM batch_metrics"), 40);

  /* Purge removes only what is deleted: the rows (every table) and the run's directory. */
  dl_run_store_delete_run (store, a);
  dl_run_store_purge (store);
  flush_ok (store);
  ck_assert_uint_eq (count_listed (store, TRUE), 1);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM batch_metrics"), 20);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM evaluations"), 4);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM run_config"),
                    test_runs_query_int (path, "SELECT count(*) FROM run_config WHERE run_id = (SELECT id FROM runs)"));
  ck_assert (!g_file_test (dir, G_FILE_TEST_EXISTS));
  ck_assert_str_eq (test_runs_query_text (path, "PRAGMA foreign_key_check") == NULL ? "none" : "violations", "none");
}
END_TEST

/* Purging one run: only that one, only while it is deleted (the Runs page purges what it deleted once its
 * undo is gone, not what `digitlab-cli runs rm` left restorable). */
START_TEST (test_purge_one)
{
  g_autofree char *path = test_runs_store_path (home, "purge-one");
  g_autoptr (DlRunStore) store = open_ok (path);
  g_autoptr (DlRun) a = make_run ("a");
  g_autoptr (DlRun) b = make_run ("b");
  g_autoptr (DlRun) c = make_run ("c");

  record_history (store, a, 10);
  record_history (store, b, 10);
  record_history (store, c, 10);
  dl_run_store_delete_run (store, a);
  dl_run_store_delete_run (store, b);
  dl_run_store_purge_run (store, a);
  /* Not deleted: a purge of it does nothing. */
  dl_run_store_purge_run (store, c);
  flush_ok (store);
  ck_assert_uint_eq (count_listed (store, TRUE), 2);
  ck_assert_uint_eq (count_listed (store, FALSE), 1);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM batch_metrics"), 40);
  dl_run_store_restore_run (store, b);
  flush_ok (store);
  ck_assert_uint_eq (count_listed (store, FALSE), 2);
}
END_TEST

/* ---- other processes ---- */

static GPid
spawn_helper (const char *mode, const char *path, const char *k, const char *n)
{
  const char *argv[] = { self_exe, mode, path, k, n, NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;

  ck_assert_msg (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error),
                 "%s", error ? error->message : "");
  return pid;
}

static int
wait_helper (GPid pid)
{
  int status;

  ck_assert (waitpid (pid, &status, 0) == pid);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Two processes and this one write the same store at once: every run arrives whole. */
START_TEST (test_concurrent_writers)
{
  g_autofree char *path = test_runs_store_path (home, "concurrent");
  g_autoptr (DlRunStore) store = open_ok (path);
  GPid p1 = spawn_helper ("--writer", path, "6", "400");
  GPid p2 = spawn_helper ("--writer", path, "6", "400");

  for (int i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("parent %d", i);
      g_autoptr (DlRun) run = make_run (name);

      record_history (store, run, 200);
    }
  flush_ok (store);
  ck_assert_int_eq (wait_helper (p1), 0);
  ck_assert_int_eq (wait_helper (p2), 0);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM runs"), 18);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM batch_metrics"), 12 * 800 + 6 * 400);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM runs WHERE state = 'finished'"), 18);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(DISTINCT id) FROM runs"), 18);
  ck_assert_str_eq (test_runs_query_text (path, "PRAGMA integrity_check"), "ok");
}
END_TEST

static void
on_changed (DlRunStore *store, gboolean *flag)
{
  *flag = TRUE;
}

/* A run another process records appears in this process's list (and "changed" says so). */
START_TEST (test_external_change)
{
  g_autofree char *path = test_runs_store_path (home, "external");
  g_autoptr (DlRunStore) store = open_ok (path);
  GListModel *list = dl_run_store_get_runs (store);
  gboolean changed = FALSE;
  GPid pid;

  g_signal_connect (store, "changed", G_CALLBACK (on_changed), &changed);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  ck_assert_uint_eq (g_list_model_get_n_items (list), 0);
  pid = spawn_helper ("--writer", path, "1", "50");
  ck_assert_int_eq (wait_helper (pid), 0);
  ck_assert (test_runs_wait_flag (&changed, 10));
  for (int i = 0; i < 500 && g_list_model_get_n_items (list) == 0; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
  ck_assert_uint_eq (g_list_model_get_n_items (list), 1);
  {
    g_autoptr (DlRun) run = g_list_model_get_item (list, 0);

    ck_assert_str_eq (dl_run_get_name (run), "helper 0");
    ck_assert_int_eq (dl_run_get_state (run), DL_TRAIN_FINISHED);
    ck_assert (!dl_run_get_loaded (run));
    /* A rename here reaches the file. */
    dl_run_set_name (run, "renamed in the app");
    flush_ok (store);
    ck_assert_str_eq (test_runs_query_text (path, "SELECT name FROM runs"), "renamed in the app");
  }
  /* The store may outlive this function (a refresh in flight holds it): `changed` is on this stack. */
  g_signal_handlers_disconnect_by_data (store, &changed);
}
END_TEST

/* A process that recorded a running run and died: the next open marks the run failed, with an event. */
START_TEST (test_orphaned_run)
{
  g_autofree char *path = test_runs_store_path (home, "orphan");
  g_autoptr (DlRunStore) store = NULL;
  GPid pid = spawn_helper ("--orphan", path, "0", "0");
  g_autoptr (GError) error = NULL;

  ck_assert_int_eq (wait_helper (pid), 0);
  ck_assert_str_eq (test_runs_query_text (path, "SELECT state FROM runs"), "running");
  store = open_ok (path);
  ck_assert_str_eq (test_runs_query_text (path, "SELECT state FROM runs"), "failed");
  ck_assert_int_gt (test_runs_query_int (path, "SELECT ended_at FROM runs"), 0);
  g_autofree char *text = test_runs_query_text (path, "SELECT text FROM events WHERE kind = 'state'");
  ck_assert_msg (text != NULL && strstr (text, "ended without finishing"), "%s", text);
  /* Once only. */
  g_clear_object (&store);
  store = open_ok (path);
  ck_assert_int_eq (test_runs_query_int (path, "SELECT count(*) FROM events"), 1);
}
END_TEST

/* ---- async reads ---- */

static void
on_done (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

START_TEST (test_async_reads)
{
  g_autofree char *path = test_runs_store_path (home, "async");
  g_autoptr (DlRunStore) store = open_ok (path);
  g_autoptr (DlRun) run = make_run ("async");
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) runs = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlRunStore) opened = NULL;
  DlRun *back;

  record_history (store, run, 30);
  flush_ok (store);

  dl_run_store_open_async (path, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  opened = dl_run_store_open_finish (result, &error);
  ck_assert_msg (opened != NULL, "%s", error ? error->message : "");
  g_clear_object (&result);

  dl_run_store_list_runs_async (opened, FALSE, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  runs = dl_run_store_list_runs_finish (opened, result, &error);
  ck_assert (runs != NULL && runs->len == 1);
  g_clear_object (&result);
  back = runs->pdata[0];
  dl_run_store_load_run_async (opened, back, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ck_assert_msg (dl_run_store_load_run_finish (opened, result, &error), "%s", error ? error->message : "");
  test_runs_assert_runs_equal (run, back);

  /* The async open of a bad file gives the same message as the blocking one. */
  g_clear_object (&result);
  g_autofree char *bad = test_runs_store_path (home, "async-bad");
  ck_assert (g_file_set_contents (bad, "no database here, not at all, not even a header of one", -1, NULL));
  dl_run_store_open_async (bad, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ck_assert (dl_run_store_open_finish (result, &error) == NULL);
  ck_assert (g_error_matches (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_CORRUPT));
}
END_TEST

/* ---- helpers run as other processes ---- */

static int
helper_writer (const char *path, int k, int n)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlRunStore) store = dl_run_store_open (path, &error);

  if (store == NULL)
    {
      g_printerr ("helper: %s\n", error->message);
      return 1;
    }
  for (int i = 0; i < k; i++)
    {
      g_autofree char *name = g_strdup_printf ("helper %d", i);
      g_autoptr (DlRun) run = make_run (name);

      record_history (store, run, n);
    }
  if (!dl_run_store_flush (store, &error))
    {
      g_printerr ("helper: %s\n", error->message);
      return 1;
    }
  return 0;
}

static int
helper_orphan (const char *path)
{
  g_autoptr (DlRunStore) store = dl_run_store_open (path, NULL);
  g_autoptr (DlRun) run = make_run ("cut off");

  if (store == NULL)
    return 1;
  dl_run_set_state (run, DL_TRAIN_RUNNING);
  dl_run_store_add_run (store, run);
  if (!dl_run_store_flush (store, NULL))
    return 1;
  _exit (0);   /* no close: as a crash leaves it */
}

static Suite *
store_suite (void)
{
  Suite *s = suite_create ("runs-store");
  struct { const char *name; const TTest *test; } cases[] = {
    { "schema", test_new_store_schema },
    { "round-trip", test_round_trip },
    { "config-pairs", test_config_pairs },
    { "migration", test_migration },
    { "migration-v1", test_migration_from_version1 },
    { "corrupt", test_corrupt_file },
    { "foreign", test_foreign_database },
    { "run-id-below-1", test_run_id_below_1 },
    { "locked", test_locked_file },
    { "soft-delete", test_soft_delete },
    { "purge-one", test_purge_one },
    { "concurrent-writers", test_concurrent_writers },
    { "external-change", test_external_change },
    { "orphaned-run", test_orphaned_run },
    { "async-reads", test_async_reads },
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

  self_exe = g_canonicalize_filename (argv[0], NULL);
  if (argc == 5 && g_str_equal (argv[1], "--writer"))
    return helper_writer (argv[2], atoi (argv[3]), atoi (argv[4]));
  if (argc >= 3 && g_str_equal (argv[1], "--orphan"))
    return helper_orphan (argv[2]);

  home = test_runs_private_home ();
  SRunner *sr = srunner_create (store_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
