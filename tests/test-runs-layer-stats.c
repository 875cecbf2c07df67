/* test-runs-layer-stats.c — the layer statistics and per-class figures from a real DlWorker through the
 * recorder into the store and back (generated data, a small conv net): every evaluation carries them, each
 * layer's parameter histogram counts that layer's parameters, the dead and saturated shares are the ones the
 * diagnostics got in the same evaluation event, the count-weighted mean of the ten per-class accuracies is
 * the overall accuracy (within 1e-6) at every evaluation, and a past confusion matrix read from the store
 * equals a recount from its stored per-example predictions. */
#include <check.h>

#include "dl-class-stats.h"
#include "dl-run-recorder.h"
#include "dl-run-store-private.h"
#include "dl-test-runs.h"

#define ARCH      "conv4x5p2-relu,pool2,fc16-tanh,fc10,softmax"
#define N_TRAIN   640
#define N_TEST    2500
#define BATCH     32

static char *home;

typedef struct {
  gint64   step;
  DlHealth health;
  double   accuracy;
} Seen;

static void
on_event (DlWorker *worker, DlEvent *ev, GArray *seen)
{
  if (ev->type != DL_EVENT_EVAL)
    return;
  Seen s = { ev->step, ev->health, ev->test_accuracy };
  g_array_append_val (seen, s);
}

static gboolean
finished (DlRunRecorder *recorder)
{
  DlRun *run = dl_run_recorder_get_run (recorder);

  return run != NULL && dl_run_get_state (run) == DL_TRAIN_FINISHED && !dl_run_recorder_get_busy (recorder);
}

static void
check_eval (const DlRunEval *e, const DlArch *arch, const Seen *seen, const DlDataset *test)
{
  double acc[DL_N_CLASSES], mean = 0.0;
  int count[DL_N_CLASSES], n = 0;

  /* Per class, weighted by the classes' counts: the overall accuracy. */
  dl_class_accuracy (e->confusion, acc, count);
  for (int c = 0; c < DL_N_CLASSES; c++)
    if (count[c] > 0)
      mean += count[c] * acc[c], n += count[c];
  ck_assert_int_eq (n, e->n);
  ck_assert_msg (fabs (mean / n - e->accuracy) < 1e-6, "step %lld: per-class mean %.9f, accuracy %.9f",
                 (long long) e->step, mean / n, e->accuracy);

  /* The statistics: of this step, every layer's parameters counted, the diagnostics' shares. */
  ck_assert_msg (e->layer_stats != NULL, "the evaluation at step %lld has no layer statistics", (long long) e->step);
  ck_assert_int_eq (e->layer_stats->step, e->step);
  ck_assert_int_eq (e->layer_stats->n_layers, arch->n_layers);
  ck_assert_int_eq (e->layer_stats->n_probe, DL_LAYER_STATS_PROBE);
  for (int i = 0; i < arch->n_layers; i++)
    {
      const DlLayerStat *l = &e->layer_stats->layers[i];
      gsize n_w, n_b;
      dl_layer_param_range (arch, i, NULL, &n_w, &n_b);
      ck_assert_uint_eq (l->n_params, n_w + n_b);
      if (l->n_params > 0)
        ck_assert_uint_eq (dl_histogram_total (&l->hist[DL_LAYER_STAT_PARAMS]), l->n_params);
      ck_assert_msg (l->dead == seen->health.dead[i], "step %lld, layer %d: dead %g, diagnostics %g",
                     (long long) e->step, i, l->dead, seen->health.dead[i]);
      ck_assert (l->saturated == seen->health.saturated[i]);
    }

  /* A whole-set evaluation: its confusion matrix is the recount of its per-example predictions. */
  if (e->predicted != NULL)
    {
      int recount[DL_N_CLASSES][DL_N_CLASSES];
      gsize np;
      const guint8 *pred = g_bytes_get_data (e->predicted, &np);
      ck_assert_uint_eq (np, (gsize) e->n);
      dl_confusion_count (test->labels, pred, e->n, recount);
      ck_assert_msg (memcmp (recount, e->confusion, sizeof recount) == 0, "step %lld: confusion differs from the "
                     "predictions", (long long) e->step);
    }
}

START_TEST (test_stats_recorded_and_stored)
{
  g_autofree char *path = test_runs_store_path (home, "layer-stats");
  g_autoptr (GError) error = NULL;
  g_autoptr (DlRunStore) store = dl_run_store_open (path, &error);
  g_autoptr (DlWorker) worker = dl_worker_new ();
  g_autoptr (DlRunRecorder) recorder = dl_run_recorder_new (worker, store);
  g_autoptr (DlDataset) train = test_runs_blocks (N_TRAIN, 1);
  g_autoptr (DlDataset) test = test_runs_blocks (N_TEST, 2);
  g_autoptr (GArray) seen = g_array_new (FALSE, FALSE, sizeof (Seen));
  g_autoptr (DlRunData) data = dl_run_data_new (NULL, NULL, N_TRAIN, N_TEST);
  DlTrainConfig cfg;
  DlArch arch;
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  ck_assert_msg (store != NULL, "%s", error ? error->message : "");
  test_runs_config (&cfg, ARCH, BATCH, 2);
  cfg.hyper.lr = 0.2f;   /* high enough that some units die or saturate */
  ck_assert (dl_arch_parse (ARCH, &arch, NULL));
  g_signal_connect (worker, "event", G_CALLBACK (on_event), seen);
  dl_worker_set_data (worker, train, test);
  DlRunSpec spec = { .preset = "tiny", .config = &cfg, .data = data, .program = "test-runs-layer-stats" };
  ck_assert_msg (dl_run_recorder_begin (recorder, &spec, &error), "%s", error ? error->message : "");
  while (dl_run_recorder_get_run (recorder) == NULL || dl_run_get_state (dl_run_recorder_get_run (recorder)) != DL_TRAIN_READY)
    g_main_context_iteration (NULL, TRUE);
  dl_worker_start (worker);
  while (!finished (recorder))
    {
      ck_assert_msg (g_get_monotonic_time () < deadline, "the run did not finish");
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  ck_assert_msg (dl_run_store_flush (store, &error), "%s", error ? error->message : "");

  DlRun *run = dl_run_recorder_get_run (recorder);
  ck_assert_uint_eq (dl_run_get_n_evals (run), seen->len);
  ck_assert_uint_ge (seen->len, 8);
  for (guint i = 0; i < dl_run_get_n_evals (run); i++)
    {
      const Seen *s = &g_array_index (seen, Seen, i);
      ck_assert_int_eq (dl_run_get_eval (run, i)->step, s->step);
      check_eval (dl_run_get_eval (run, i), &arch, s, test);
    }

  /* Read back from another connection: the same statistics, the same checks. */
  g_autoptr (DlRunStore) other = dl_run_store_open (path, &error);
  ck_assert_msg (other != NULL, "%s", error ? error->message : "");
  g_autoptr (DlRun) back = dl_run_store_find_run (other, dl_run_get_uuid (run), &error);
  ck_assert_msg (back != NULL && dl_run_store_load_run (other, back, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (dl_run_get_n_evals (back), seen->len);
  for (guint i = 0; i < dl_run_get_n_evals (back); i++)
    {
      const DlRunEval *a = dl_run_get_eval (run, i), *b = dl_run_get_eval (back, i);
      check_eval (b, &arch, &g_array_index (seen, Seen, i), test);
      ck_assert (memcmp (a->layer_stats->layers, b->layer_stats->layers,
                         sizeof (DlLayerStat) * arch.n_layers) == 0);
    }
  dl_worker_shutdown (worker);
  dl_train_config_clear (&cfg);
}
END_TEST

/* A store of version 1 (before the statistics) migrates, and its evaluations read back without them. */
START_TEST (test_version_1_store)
{
  g_autofree char *path = test_runs_store_path (home, "v1");
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  ck_assert_msg (dl_run_store_migrate (db, path, dl_run_store_migrations, 1, &error), "%s", error ? error->message : "");
  ck_assert_int_eq (sqlite3_exec (db, "INSERT INTO runs (id, uuid, name, arch, seed, program, host, pid, created_at, "
                                      "heartbeat_at, state) VALUES (1, 'u1', 'old', 'fc10,softmax', 1, 'x', 'h', 1, 1, 1, "
                                      "'finished');"
                                      "INSERT INTO evaluations (run_id, at, kind, step, x, epoch, n, correct, loss, "
                                      "accuracy, confusion) VALUES (1, 1, 'subset', 5, 0.5, 0, 0, 0, 1.0, 0.5, "
                                      "zeroblob(400));", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);
  g_autoptr (DlRunStore) store = dl_run_store_open (path, &error);
  ck_assert_msg (store != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (test_runs_query_int (path, "PRAGMA user_version"), DL_RUN_STORE_SCHEMA_VERSION);
  g_autoptr (DlRun) run = dl_run_store_find_run (store, "1", &error);
  ck_assert_msg (run != NULL && dl_run_store_load_run (store, run, &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (dl_run_get_n_evals (run), 1);
  ck_assert_ptr_null (dl_run_get_eval (run, 0)->layer_stats);
}
END_TEST

/* Statistics that do not parse (another program's, a damaged file) are left out of that evaluation with a
 * message naming the store and the step, not a warning (GLib's for programming errors; fatal here): the
 * evaluation and the rest of the run load. */
START_TEST (test_broken_stats_left_out)
{
  g_autofree char *path = test_runs_store_path (home, "broken-stats");
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  ck_assert_msg (dl_run_store_migrate (db, path, dl_run_store_migrations, DL_RUN_STORE_SCHEMA_VERSION, &error), "%s",
                 error ? error->message : "");
  ck_assert_int_eq (sqlite3_exec (db, "INSERT INTO runs (id, uuid, name, arch, seed, program, host, pid, created_at, "
                                      "heartbeat_at, state) VALUES (1, 'u1', 'old', 'fc10,softmax', 1, 'x', 'h', 1, 1, 1, "
                                      "'finished');"
                                      "INSERT INTO evaluations (run_id, at, kind, step, x, epoch, n, correct, loss, "
                                      "accuracy, confusion, layer_stats) VALUES "
                                      "(1, 1, 'subset', 5, 0.5, 0, 0, 0, 1.0, 0.5, zeroblob(400), x'010203'), "
                                      "(1, 2, 'subset', 9, 0.9, 0, 0, 0, 0.8, 0.6, zeroblob(400), NULL);",
                                  NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);
  GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  g_autoptr (DlRunStore) store = dl_run_store_open (path, &error);
  ck_assert_msg (store != NULL, "%s", error ? error->message : "");
  g_autoptr (DlRun) run = dl_run_store_find_run (store, "1", &error);
  ck_assert_msg (run != NULL && dl_run_store_load_run (store, run, &error), "%s", error ? error->message : "");
  g_log_set_always_fatal (fatal);
  ck_assert_uint_eq (dl_run_get_n_evals (run), 2);
  ck_assert_ptr_null (dl_run_get_eval (run, 0)->layer_stats);
  ck_assert (dl_run_get_eval (run, 0)->accuracy == 0.5);
  ck_assert_int_eq (dl_run_get_eval (run, 1)->step, 9);
}
END_TEST

int
main (void)
{
  home = test_runs_private_home ();
  Suite *s = suite_create ("runs-layer-stats");
  TCase *tc = tcase_create ("recorded");
  tcase_set_timeout (tc, 200);
  tcase_add_test (tc, test_stats_recorded_and_stored);
  tcase_add_test (tc, test_version_1_store);
  tcase_add_test (tc, test_broken_stats_left_out);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
