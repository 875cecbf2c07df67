/* test-runs-recorder.c — DlRunRecorder fed real DlWorker events from short trainings on generated data: the
 * series against what each optimiser step really used, markers only for changes acknowledged during the run,
 * evaluations by kind, states, best and final accuracies, the final model and its checksum in the store, and
 * the run read back from the store equal to the live one. Runs that start from a model, models that fail to
 * load, recipes the worker would refuse, divergence, a new run while one trains, no store at all.
 */
#include <check.h>
#include <stdlib.h>

#include "dl-test-runs.h"
#include "dl-model.h"
#include "dl-run-recorder.h"

#define ARCH      "fc32-relu,fc10,softmax"
#define N_TRAIN   640
#define N_TEST    2500    /* above the 2,000-image subset of the periodic evaluations */
#define BATCH     32      /* 20 steps an epoch */

static char *home;

/* ---- what each step really used, from the worker's step observer ---- */

typedef struct {
  gint64 step;
  float  lr, loss;
} Step;

typedef struct {
  GMutex    lock;
  GArray   *steps;      /* Step */
  DlWorker *worker;
  gint64    pause_at;   /* pause the worker after this step (0: never) */
} Log;

static void
observe (const DlStepInfo *info, gpointer data)
{
  Log *log = data;
  Step s = { info->step, info->hyper->lr, info->loss };

  g_mutex_lock (&log->lock);
  g_array_append_val (log->steps, s);
  g_mutex_unlock (&log->lock);
  if (info->step == log->pause_at)
    dl_worker_pause (log->worker);
}

/* ---- fixture ---- */

typedef struct {
  char          *path;
  DlWorker      *worker;
  DlRunStore    *store;
  DlRunRecorder *recorder;
  Log            log;
  GError        *begin_error;
} Fixture;

static Fixture F;

static void
on_begin_failed (DlRunRecorder *recorder, GError *error, Fixture *f)
{
  g_clear_error (&f->begin_error);
  f->begin_error = g_error_copy (error);
}

static void
fixture_open (gboolean with_store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) train = test_runs_blocks (N_TRAIN, 1);
  g_autoptr (DlDataset) test = test_runs_blocks (N_TEST, 2);

  F.path = test_runs_store_path (home, "recorder");
  if (with_store)
    {
      F.store = dl_run_store_open (F.path, &error);
      ck_assert_msg (F.store != NULL, "%s", error ? error->message : "");
    }
  F.worker = dl_worker_new ();
  F.recorder = dl_run_recorder_new (F.worker, F.store);
  g_signal_connect (F.recorder, "begin-failed", G_CALLBACK (on_begin_failed), &F);
  g_mutex_init (&F.log.lock);
  F.log.steps = g_array_new (FALSE, FALSE, sizeof (Step));
  F.log.worker = F.worker;
  dl_worker_set_step_observer (F.worker, observe, &F.log);
  dl_worker_set_data (F.worker, train, test);
}

static void
setup (void)
{
  memset (&F, 0, sizeof F);
  fixture_open (TRUE);
}

static void
teardown (void)
{
  g_clear_object (&F.recorder);
  if (F.worker != NULL)
    dl_worker_shutdown (F.worker);
  g_clear_object (&F.worker);
  g_clear_object (&F.store);
  g_clear_pointer (&F.log.steps, g_array_unref);
  g_mutex_clear (&F.log.lock);
  g_clear_error (&F.begin_error);
  g_free (F.path);
}

/* Runs the main context until `done (data)` or `seconds` pass; fails the test on a timeout. */
static void
wait_until (gboolean (*done) (gpointer), gpointer data, double seconds, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data))
    {
      ck_assert_msg (g_get_monotonic_time () < deadline, "timed out waiting for %s", what);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static gboolean
run_in_state (gpointer data)
{
  DlRun *run = dl_run_recorder_get_run (F.recorder);

  return run != NULL && dl_run_get_state (run) == (DlTrainState) GPOINTER_TO_INT (data);
}

static gboolean
settled (gpointer data)
{
  return !dl_run_recorder_get_busy (F.recorder);
}

static gboolean
got_begin_error (gpointer data)
{
  return F.begin_error != NULL;
}

static DlRun *
begin (const DlTrainConfig *cfg, const char *model)
{
  g_autoptr (DlRunData) data = dl_run_data_new (NULL, NULL, N_TRAIN, N_TEST);   /* generated: no files */
  DlRunSpec spec = { .name = NULL, .preset = "tiny", .config = cfg, .data = data, .model = model,
                     .program = "test-runs-recorder" };
  DlRun *before = dl_run_recorder_get_run (F.recorder);
  g_autoptr (GError) error = NULL;

  ck_assert_msg (dl_run_recorder_begin (F.recorder, &spec, &error), "%s", error ? error->message : "");
  ck_assert (dl_run_recorder_get_busy (F.recorder));
  for (int i = 0; i < 10000 && dl_run_recorder_get_run (F.recorder) == before; i++)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  ck_assert_msg (dl_run_recorder_get_run (F.recorder) != before, "the new run never became current");
  return dl_run_recorder_get_run (F.recorder);
}

static void
flush (void)
{
  g_autoptr (GError) error = NULL;

  ck_assert_msg (dl_run_store_flush (F.store, &error), "%s", error ? error->message : "");
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static DlRun *
read_back (DlRun *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlRunStore) other = dl_run_store_open (F.path, &error);
  DlRun *back;

  ck_assert_msg (other != NULL, "%s", error ? error->message : "");
  back = dl_run_store_find_run (other, dl_run_get_uuid (run), &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert_msg (dl_run_store_load_run (other, back, &error), "%s", error ? error->message : "");
  return back;
}

static guint
count_kind (DlRun *run, DlEvalKind kind)
{
  guint n = 0;

  for (guint i = 0; i < dl_run_get_n_evals (run); i++)
    n += dl_run_get_eval (run, i)->kind == kind;
  return n;
}

/* ---- a whole run ---- */

START_TEST (test_finished_run)
{
  DlTrainConfig cfg;
  DlRun *run;
  DlHyper hyper;
  DlSeries *loss, *lr;
  g_autoptr (DlRun) back = NULL;
  g_autoptr (GError) error = NULL;

  test_runs_config (&cfg, ARCH, BATCH, 2);
  run = begin (&cfg, NULL);
  ck_assert_int_eq (dl_run_get_state (run), DL_TRAIN_READY);
  ck_assert_str_eq (dl_run_get_arch (run), ARCH);
  ck_assert_str_eq (dl_run_get_preset (run), "tiny");

  /* A change while the run is ready: acknowledged, but no marker. */
  hyper = cfg.hyper;
  hyper.momentum = 0.8f;
  dl_worker_set_hyper (F.worker, &hyper, BATCH, FALSE);
  /* Paused after step 7; the learning rate lowered there is a marker at step 8. */
  F.log.pause_at = 7;
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_PAUSED), 30, "the pause");
  hyper.lr = 0.01f;
  dl_worker_set_hyper (F.worker, &hyper, BATCH, FALSE);
  dl_worker_resume (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_FINISHED), 60, "the end of the run");
  wait_until (settled, NULL, 30, "the final model");
  flush ();

  ck_assert_int_eq (dl_run_get_steps (run), 2 * N_TRAIN / BATCH);
  ck_assert (dl_run_get_epochs_done (run) == 2.0);
  ck_assert_int_gt (dl_run_get_started_at (run), 0);
  ck_assert_int_ge (dl_run_get_ended_at (run), dl_run_get_started_at (run));
  ck_assert_int_gt (dl_run_get_number (run), 0);

  /* Every step's loss and learning rate, exactly as the optimiser had them. */
  loss = dl_run_get_series (run, DL_RUN_SERIES_LOSS);
  lr = dl_run_get_series (run, DL_RUN_SERIES_LR);
  ck_assert_uint_eq (dl_series_get_n_points (loss), F.log.steps->len);
  ck_assert_uint_eq (dl_series_get_n_points (lr), F.log.steps->len);
  for (guint i = 0; i < F.log.steps->len; i++)
    {
      const Step *s = &g_array_index (F.log.steps, Step, i);

      ck_assert_msg ((float) dl_series_get_y (loss, i) == s->loss, "loss of step %" G_GINT64_FORMAT, s->step);
      ck_assert_msg ((float) dl_series_get_y (lr, i) == s->lr, "lr of step %" G_GINT64_FORMAT ": %g, used %g", s->step,
                     dl_series_get_y (lr, i), s->lr);
    }
  ck_assert (g_array_index (F.log.steps, Step, 7).lr < 0.011f);   /* step 8 used the new rate */

  /* One marker: the change made while paused, at the step it took effect (7 batches done then). */
  ck_assert_uint_eq (dl_run_get_n_markers (run), 1);
  ck_assert_int_eq (dl_run_get_marker (run, 0)->step, 8);
  ck_assert (dl_run_get_marker (run, 0)->x == 7.0 * BATCH / N_TRAIN);
  ck_assert_str_eq (dl_run_get_marker (run, 0)->text, "lr 0.05 → 0.01");

  /* Evaluations by kind, each in its own series: every 5 steps on the subset, the whole set per epoch. */
  ck_assert_uint_eq (count_kind (run, DL_EVAL_SUBSET), 6);
  ck_assert_uint_eq (count_kind (run, DL_EVAL_EPOCH), 2);
  ck_assert_uint_eq (dl_series_get_n_points (dl_run_get_series (run, DL_RUN_SERIES_SUBSET_ACCURACY)), 6);
  ck_assert_uint_eq (dl_series_get_n_points (dl_run_get_series (run, DL_RUN_SERIES_TEST_ACCURACY)), 2);
  ck_assert_uint_eq (dl_series_get_n_points (dl_run_get_series (run, DL_RUN_SERIES_TRAIN_ACCURACY)), 2);
  for (guint i = 0; i < dl_run_get_n_evals (run); i++)
    {
      const DlRunEval *e = dl_run_get_eval (run, i);

      ck_assert_int_eq (e->n, e->kind == DL_EVAL_SUBSET ? 2000 : N_TEST);
      ck_assert ((e->predicted != NULL) == (e->kind != DL_EVAL_SUBSET));
    }

  /* Best and final: the final model is the one the last epoch evaluated. */
  {
    const DlRunEval *last = dl_run_get_eval (run, dl_run_get_n_evals (run) - 1);
    const DlRunEval *first = NULL;

    for (guint i = 0; first == NULL; i++)
      if (dl_run_get_eval (run, i)->kind == DL_EVAL_EPOCH)
        first = dl_run_get_eval (run, i);
    ck_assert_int_eq (last->kind, DL_EVAL_EPOCH);
    ck_assert (dl_run_get_final_test_accuracy (run) == last->accuracy);
    ck_assert (dl_run_get_best_test_accuracy (run) == MAX (first->accuracy, last->accuracy));
    ck_assert_int_eq (dl_run_get_best_epoch (run), last->accuracy > first->accuracy ? 1 : 0);   /* where first reached */
    ck_assert (last->accuracy > 0.5);
  }

  /* The final model, in the store's directory, recorded with its checksum; it loads. */
  {
    g_autofree char *dir = dl_run_store_dup_run_dir (F.store, run);
    g_autofree char *expect = g_build_filename (dir, "final.dlm", NULL);
    g_autofree char *sha = dl_run_data_checksum_file (expect, NULL, NULL);
    g_autoptr (GPtrArray) models = dl_run_store_list_models (F.store, run, &error);
    g_autoptr (DlNet) net = dl_model_load (expect, &error);

    ck_assert_str_eq (dl_run_get_final_model_path (run), expect);
    ck_assert_msg (net != NULL, "%s", error ? error->message : "");
    ck_assert_uint_eq (models->len, 1);
    ck_assert_str_eq (((DlRunModel *) models->pdata[0])->kind, "final");
    ck_assert_str_eq (((DlRunModel *) models->pdata[0])->path, expect);
    ck_assert_str_eq (((DlRunModel *) models->pdata[0])->sha256, sha);
  }

  /* The events: the early change (no marker), the marker, every state. */
  {
    g_autoptr (GPtrArray) events = dl_run_store_list_events (F.store, run, &error);
    g_autoptr (GString) log = g_string_new (NULL);

    for (guint i = 0; i < events->len; i++)
      {
        DlRunEvent *e = events->pdata[i];

        g_string_append_printf (log, "%s%s:%s;", e->kind, e->marker ? "*" : "", e->text);
      }
    ck_assert_str_eq (log->str, "hyper:momentum 0.9 → 0.8;state:running;state:paused;hyper*:lr 0.05 → 0.01;"
                                "state:running;state:finished;");
  }

  /* What the store holds is the run. */
  back = read_back (run);
  test_runs_assert_runs_equal (run, back);
  ck_assert_str_eq (test_runs_query_text (F.path, "PRAGMA integrity_check"), "ok");
  dl_train_config_clear (&cfg);
}
END_TEST

/* Stopped mid-epoch: a final evaluation of the whole test set gives the final accuracy. */
START_TEST (test_stopped_run)
{
  DlTrainConfig cfg;
  DlRun *run;
  const DlRunEval *last;

  test_runs_config (&cfg, ARCH, BATCH, 3);
  cfg.eval_every = 0;
  run = begin (&cfg, NULL);
  F.log.pause_at = 25;
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_PAUSED), 30, "the pause");
  dl_worker_stop (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_STOPPED), 30, "the stop");
  wait_until (settled, NULL, 30, "the final evaluation and model");
  flush ();

  ck_assert_int_eq (dl_run_get_steps (run), 25);
  last = dl_run_get_eval (run, dl_run_get_n_evals (run) - 1);
  ck_assert_int_eq (last->kind, DL_EVAL_REQUESTED);
  ck_assert_int_eq (last->step, 25);
  ck_assert_int_eq (last->n, N_TEST);
  ck_assert (dl_run_get_final_test_accuracy (run) == last->accuracy);
  ck_assert (dl_run_get_final_model_path (run) != NULL);
  ck_assert (g_file_test (dl_run_get_final_model_path (run), G_FILE_TEST_IS_REGULAR));
  ck_assert_str_eq (test_runs_query_text (F.path, "SELECT state FROM runs"), "stopped");
  dl_train_config_clear (&cfg);
}
END_TEST

/* A new run while one trains: the old one is stopped, evaluated and saved first; then the new one is ready. */
START_TEST (test_new_run_while_training)
{
  DlTrainConfig cfg;
  g_autoptr (DlRun) first = NULL;
  DlRun *second;

  test_runs_config (&cfg, ARCH, BATCH, 1000);
  cfg.eval_every = 0;
  first = g_object_ref (begin (&cfg, NULL));
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_RUNNING), 30, "the start");
  while (dl_run_get_steps (first) < 30)
    g_main_context_iteration (NULL, TRUE);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc16-tanh,fc10,softmax");
  second = begin (&cfg, NULL);
  wait_until (settled, NULL, 30, "the old run's final model");
  flush ();

  ck_assert (second != first);
  ck_assert_int_eq (dl_run_get_state (first), DL_TRAIN_STOPPED);
  ck_assert (!isnan (dl_run_get_final_test_accuracy (first)));
  ck_assert (dl_run_get_final_model_path (first) != NULL);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (DlNet) net = dl_model_load (dl_run_get_final_model_path (first), &error);
    g_autofree char *arch = NULL;

    ck_assert_msg (net != NULL, "%s", error ? error->message : "");
    arch = dl_arch_to_string (dl_net_arch (net));
    ck_assert_str_eq (arch, ARCH);   /* the old network, not the new one */
  }
  ck_assert_int_eq (dl_run_get_state (second), DL_TRAIN_READY);
  ck_assert_str_eq (dl_run_get_arch (second), "fc16-tanh,fc10,softmax");
  /* Only the run that trained is in the store. */
  ck_assert_int_eq (test_runs_query_int (F.path, "SELECT count(*) FROM runs"), 1);
  dl_train_config_clear (&cfg);
}
END_TEST

/* From a model file: the origin recorded with its checksum; a file that does not load changes nothing. */
START_TEST (test_model_origin)
{
  DlTrainConfig cfg;
  g_autofree char *model = g_build_filename (home, "origin.dlm", NULL);
  g_autoptr (DlNet) net = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *bad = g_build_filename (home, "truncated.dlm", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  DlArch arch;
  DlRun *run;

  ck_assert (dl_arch_parse ("fc20-sigmoid,fc10,softmax", &arch, NULL));
  net = dl_net_new (&arch, 3);
  ck_assert (dl_model_save (net, model, NULL));
  sha = dl_run_data_checksum_file (model, NULL, NULL);
  test_runs_config (&cfg, ARCH, BATCH, 1);

  run = begin (&cfg, model);
  ck_assert_str_eq (dl_run_get_arch (run), "fc20-sigmoid,fc10,softmax");
  ck_assert_str_eq (dl_run_get_origin_model_path (run), model);
  ck_assert_str_eq (dl_run_get_origin_model_sha256 (run), sha);
  ck_assert_int_eq (dl_run_get_state (run), DL_TRAIN_READY);
  wait_until (settled, NULL, 10, "the recorder");

  /* A truncated copy: "begin-failed" with the loader's message; the same run goes on. */
  ck_assert (g_file_get_contents (model, &contents, &len, NULL));
  ck_assert (g_file_set_contents (bad, contents, len / 2, NULL));
  {
    DlRunSpec spec = { .config = &cfg, .model = bad };

    ck_assert (dl_run_recorder_begin (F.recorder, &spec, NULL));
  }
  wait_until (got_begin_error, NULL, 10, "begin-failed");
  ck_assert (g_error_matches (F.begin_error, DL_MODEL_ERROR, DL_MODEL_ERROR_FORMAT)
             || g_error_matches (F.begin_error, DL_MODEL_ERROR, DL_MODEL_ERROR_CHECKSUM));
  ck_assert_msg (strstr (F.begin_error->message, bad) != NULL, "%s", F.begin_error->message);
  ck_assert (dl_run_recorder_get_run (F.recorder) == run);
  ck_assert (!dl_run_recorder_get_busy (F.recorder));

  /* It trains as a run of its own. */
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_FINISHED), 30, "the end");
  wait_until (settled, NULL, 30, "the final model");
  flush ();
  ck_assert_str_eq (test_runs_query_text (F.path, "SELECT origin_model_sha256 FROM runs"), sha);
  dl_train_config_clear (&cfg);
}
END_TEST

/* What the worker would refuse is refused at once, and nothing changes. */
START_TEST (test_bad_recipe)
{
  DlTrainConfig cfg;
  DlRunSpec spec = { .config = &cfg };
  g_autoptr (GError) error = NULL;
  DlRun *run;

  test_runs_config (&cfg, ARCH, BATCH, 1);
  run = begin (&cfg, NULL);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc32-relu,fc10");
  ck_assert (!dl_run_recorder_begin (F.recorder, &spec, &error));
  ck_assert (error->domain == DL_ARCH_ERROR);
  g_clear_error (&error);
  g_free (cfg.arch);
  cfg.arch = g_strdup (ARCH);
  cfg.batch = 0;
  ck_assert (!dl_run_recorder_begin (F.recorder, &spec, &error));
  ck_assert (g_error_matches (error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID));
  ck_assert (dl_run_recorder_get_run (F.recorder) == run);
  ck_assert (!dl_run_recorder_get_busy (F.recorder));
  dl_train_config_clear (&cfg);
}
END_TEST

/* Divergence pauses the run as "diverged"; resumed with a sane rate it goes on. */
START_TEST (test_diverged_run)
{
  DlTrainConfig cfg;
  DlHyper hyper;
  DlRun *run;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) events = NULL;
  gboolean logged = FALSE;

  test_runs_config (&cfg, ARCH, BATCH, 1000);
  cfg.hyper.optimizer = DL_OPT_SGD;
  cfg.schedule = DL_SCHEDULE_NONE;
  run = begin (&cfg, NULL);
  F.log.pause_at = 10;
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_PAUSED), 30, "the pause");
  hyper = cfg.hyper;
  hyper.lr = 1e30f;
  dl_worker_set_hyper (F.worker, &hyper, BATCH, FALSE);
  dl_worker_resume (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_DIVERGED), 30, "divergence");
  hyper.lr = 0.05f;
  dl_worker_set_hyper (F.worker, &hyper, BATCH, FALSE);
  dl_worker_resume (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_RUNNING), 30, "the resume");
  dl_worker_stop (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_STOPPED), 30, "the stop");
  wait_until (settled, NULL, 30, "the final model");
  flush ();
  /* Both changes happened during the run: two markers. */
  ck_assert_uint_eq (dl_run_get_n_markers (run), 2);
  events = dl_run_store_list_events (F.store, run, &error);
  for (guint i = 0; i < events->len; i++)
    logged |= g_str_equal (((DlRunEvent *) events->pdata[i])->kind, "diverged");
  ck_assert (logged);
  ck_assert_int_eq (test_runs_query_int (F.path, "SELECT count(*) FROM events WHERE text = 'diverged'"), 1);
  dl_train_config_clear (&cfg);
}
END_TEST

/* Continued after it finished: the same run trains on, and its final model and accuracy are of its new end. */
START_TEST (test_continued_run)
{
  DlTrainConfig cfg;
  DlRun *run;
  g_autofree char *first_sha = NULL, *second_sha = NULL;
  DlSeries *loss;

  test_runs_config (&cfg, ARCH, BATCH, 1);
  cfg.eval_every = 0;
  run = begin (&cfg, NULL);
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_FINISHED), 30, "the end");
  wait_until (settled, NULL, 30, "the final model");
  first_sha = dl_run_data_checksum_file (dl_run_get_final_model_path (run), NULL, NULL);
  dl_worker_continue (F.worker, 2);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_RUNNING), 30, "the continue");
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_FINISHED), 30, "the new end");
  wait_until (settled, NULL, 30, "the new final model");
  flush ();

  ck_assert (dl_run_recorder_get_run (F.recorder) == run);
  ck_assert_int_eq (dl_run_get_steps (run), 3 * N_TRAIN / BATCH);
  ck_assert (dl_run_get_epochs_done (run) == 3.0);
  loss = dl_run_get_series (run, DL_RUN_SERIES_LOSS);
  ck_assert_uint_eq (dl_series_get_n_points (loss), 3 * N_TRAIN / BATCH);
  for (guint i = 1; i < dl_series_get_n_points (loss); i++)
    ck_assert (dl_series_get_x (loss, i) > dl_series_get_x (loss, i - 1));
  ck_assert_uint_eq (count_kind (run, DL_EVAL_EPOCH), 3);
  ck_assert (dl_run_get_final_test_accuracy (run) == dl_run_get_eval (run, dl_run_get_n_evals (run) - 1)->accuracy);
  second_sha = dl_run_data_checksum_file (dl_run_get_final_model_path (run), NULL, NULL);
  ck_assert_str_ne (first_sha, second_sha);
  /* One final model row, of the new end. */
  ck_assert_int_eq (test_runs_query_int (F.path, "SELECT count(*) FROM models"), 1);
  ck_assert_str_eq (test_runs_query_text (F.path, "SELECT sha256 FROM models"), second_sha);
  ck_assert_int_eq (test_runs_query_int (F.path, "SELECT count(*) FROM batch_metrics"), 3 * N_TRAIN / BATCH);
  dl_train_config_clear (&cfg);
}
END_TEST

/* Data replaced under a run that trains: it fails; its model is kept, but not evaluated on the new data. */
START_TEST (test_failed_run)
{
  DlTrainConfig cfg;
  DlRun *run;
  g_autoptr (DlDataset) other = test_runs_blocks (N_TRAIN, 9);
  g_autoptr (DlDataset) other_test = test_runs_blocks (N_TEST, 10);
  guint evals;

  test_runs_config (&cfg, ARCH, BATCH, 1000);
  cfg.eval_every = 0;
  run = begin (&cfg, NULL);
  F.log.pause_at = 30;
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_PAUSED), 30, "the pause");
  evals = dl_run_get_n_evals (run);
  dl_worker_set_data (F.worker, other, other_test);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_FAILED), 30, "the failure");
  wait_until (settled, NULL, 30, "the final model");
  flush ();
  ck_assert_uint_eq (dl_run_get_n_evals (run), evals);
  ck_assert (isnan (dl_run_get_final_test_accuracy (run)));
  ck_assert (dl_run_get_final_model_path (run) != NULL);
  ck_assert_str_eq (test_runs_query_text (F.path, "SELECT state FROM runs"), "failed");
  ck_assert_int_eq (test_runs_query_int (F.path, "SELECT count(*) FROM events WHERE kind = 'error'"), 1);
  dl_train_config_clear (&cfg);
}
END_TEST

/* A run the worker begins without the recorder is recorded all the same (without preset or data set). */
START_TEST (test_run_begun_elsewhere)
{
  DlTrainConfig cfg;
  DlRun *run;

  test_runs_config (&cfg, ARCH, BATCH, 1);
  dl_worker_new_run (F.worker, &cfg);
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_FINISHED), 30, "the end");
  wait_until (settled, NULL, 30, "the final model");
  flush ();
  run = dl_run_recorder_get_run (F.recorder);
  ck_assert (dl_run_get_preset (run) == NULL && dl_run_get_data (run) == NULL);
  ck_assert_int_eq (dl_run_get_steps (run), N_TRAIN / BATCH);
  ck_assert_int_eq (test_runs_query_int (F.path, "SELECT count(*) FROM batch_metrics"), N_TRAIN / BATCH);
  dl_train_config_clear (&cfg);
}
END_TEST

/* Without a store the run is whole in memory; nothing is written anywhere. */
START_TEST (test_no_store)
{
  DlTrainConfig cfg;
  DlRun *run;

  teardown ();
  memset (&F, 0, sizeof F);
  fixture_open (FALSE);
  test_runs_config (&cfg, ARCH, BATCH, 1);
  run = begin (&cfg, NULL);
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_FINISHED), 30, "the end");
  wait_until (settled, NULL, 30, "the recorder");
  ck_assert_int_eq (dl_run_get_steps (run), N_TRAIN / BATCH);
  ck_assert_uint_eq (dl_series_get_n_points (dl_run_get_series (run, DL_RUN_SERIES_LOSS)), N_TRAIN / BATCH);
  ck_assert (!isnan (dl_run_get_final_test_accuracy (run)));
  ck_assert (dl_run_get_final_model_path (run) == NULL);
  ck_assert (!g_file_test (F.path, G_FILE_TEST_EXISTS));
  dl_train_config_clear (&cfg);
}
END_TEST

/* Recording switched off (the app's "record-runs" setting): a run that trains then is never stored, not even
 * its final model, while the next run, begun with recording back on, is. */
START_TEST (test_not_recorded)
{
  DlTrainConfig cfg;
  DlRun *run, *next;

  test_runs_config (&cfg, ARCH, BATCH, 1);
  dl_run_recorder_set_record (F.recorder, FALSE);
  run = g_object_ref (begin (&cfg, NULL));
  ck_assert (!dl_run_recorder_get_recording (F.recorder));
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_FINISHED), 30, "the end");
  wait_until (settled, NULL, 30, "the recorder");
  ck_assert_int_eq (dl_run_get_steps (run), N_TRAIN / BATCH);
  ck_assert (dl_run_get_final_model_path (run) == NULL);
  /* Switched on again after it trained: it stays out of the store. */
  dl_run_recorder_set_record (F.recorder, TRUE);
  ck_assert (!dl_run_recorder_get_recording (F.recorder));

  next = begin (&cfg, NULL);
  ck_assert (dl_run_recorder_get_recording (F.recorder));
  dl_worker_start (F.worker);
  wait_until (run_in_state, GINT_TO_POINTER (DL_TRAIN_FINISHED), 30, "the end");
  wait_until (settled, NULL, 30, "the final model");
  flush ();
  ck_assert_int_eq (test_runs_query_int (F.path, "SELECT count(*) FROM runs"), 1);
  ck_assert_int_eq (test_runs_query_int (F.path, "SELECT count(*) FROM batch_metrics"), N_TRAIN / BATCH);
  ck_assert (dl_run_get_final_model_path (next) != NULL);
  g_object_unref (run);
  dl_train_config_clear (&cfg);
}
END_TEST

static Suite *
recorder_suite (void)
{
  Suite *s = suite_create ("runs-recorder");
  struct { const char *name; const TTest *test; } cases[] = {
    { "finished", test_finished_run },
    { "stopped", test_stopped_run },
    { "new-run-while-training", test_new_run_while_training },
    { "model-origin", test_model_origin },
    { "bad-recipe", test_bad_recipe },
    { "diverged", test_diverged_run },
    { "continued", test_continued_run },
    { "failed", test_failed_run },
    { "begun-elsewhere", test_run_begun_elsewhere },
    { "no-store", test_no_store },
    { "not-recorded", test_not_recorded },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TCase *tc = tcase_create (cases[i].name);

      tcase_set_timeout (tc, 120);
      tcase_add_checked_fixture (tc, setup, teardown);
      tcase_add_test (tc, cases[i].test);
      suite_add_tcase (s, tc);
    }
  return s;
}

int
main (void)
{
  int failed;

  home = test_runs_private_home ();
  SRunner *sr = srunner_create (recorder_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
