/* dl-cli-worker.c — digitlab-cli on the worker thread (see dl-cli-worker.h). */
#include "dl-cli-worker.h"

#include <glib/gi18n.h>

#include <signal.h>
#include <glib-unix.h>

#include "dl-run-recorder.h"
#include "dl-worker.h"

G_DEFINE_QUARK (dl-cli-error-quark, dl_cli_error)

typedef struct {
  int    epoch;
  gint64 step;
  float  loss;
} BatchRow;

typedef struct {
  GMainLoop   *loop;
  DlWorker    *worker;
  DlRunRecorder *recorder;   /* NULL when not recording */
  DlCliReport *report;
  const char  *save_path;
  int          n_train;
  double       epoch_start;  /* the worker's elapsed training seconds when this epoch began */
  gboolean     interrupted;  /* SIGINT: stopping */
  gboolean     finishing;    /* done or stopped: saving, then quitting */
  gboolean     stopped;      /* the worker said the run ended: the recorder has seen it too */
  gboolean     saved;        /* --save written */
  gint64       step;
  GError      *error;
  /* Metrics rows, written on the worker thread by the step observer, read on ours. */
  GMutex       lock;
  GArray      *rows;
} TrainRun;

/* On the worker thread, right after each step: progress events are coalesced, so the metrics rows come
 * from here to be exactly every N steps. */
static void
record_step (const DlStepInfo *info, gpointer user_data)
{
  TrainRun *run = user_data;
  if (info->step % run->report->metrics_every != 0)
    return;
  BatchRow row = { info->epoch, info->step, info->loss };
  g_mutex_lock (&run->lock);
  g_array_append_val (run->rows, row);
  g_mutex_unlock (&run->lock);
}

static void
flush_rows (TrainRun *run)
{
  g_mutex_lock (&run->lock);
  for (guint i = 0; i < run->rows->len; i++)
    {
      const BatchRow *row = &g_array_index (run->rows, BatchRow, i);
      dl_cli_report_batch (run->report, row->epoch, row->step, row->loss);
    }
  g_array_set_size (run->rows, 0);
  g_mutex_unlock (&run->lock);
}

static void
end_of_epoch (TrainRun *run, const DlEvent *ev)
{
  DlEpochRecord rec = {
    .epoch = ev->epoch + 1,
    .train_loss = ev->train_loss,
    .test_loss = ev->test_loss,
    .test_accuracy = ev->test_accuracy,
    .seconds = ev->elapsed_seconds - run->epoch_start,
  };
  run->epoch_start = ev->elapsed_seconds;
  if (ev->elapsed_seconds > 0)
    run->report->samples_per_second = (double) run->n_train * (ev->epoch + 1) / ev->elapsed_seconds;
  dl_cli_report_epoch (run->report, &rec, ev->diagnosis);
}

static void
fail (TrainRun *run, GError *error)
{
  if (run->recorder != NULL)
    dl_run_recorder_abandon (run->recorder, error->message);
  if (run->error == NULL)
    run->error = error;
  else
    g_error_free (error);
  g_main_loop_quit (run->loop);
}

/* Quits once the run has ended, --save is written and the recorder has its final evaluation and model. */
static void
maybe_quit (TrainRun *run)
{
  if (run->finishing && run->stopped && (run->save_path == NULL || run->saved)
      && (run->recorder == NULL || !dl_run_recorder_get_busy (run->recorder)))
    g_main_loop_quit (run->loop);
}

static void
on_recorder_busy (DlRunRecorder *recorder, GParamSpec *pspec, TrainRun *run)
{
  maybe_quit (run);
}

/* All epochs done, or stopped by SIGINT: save when asked, then quit (maybe_quit). */
static void
finish (TrainRun *run)
{
  if (run->finishing)
    return;
  run->finishing = TRUE;
  if (run->save_path)
    dl_worker_save_model (run->worker, run->save_path);
  maybe_quit (run);
}

static gboolean
on_sigint (gpointer user_data)
{
  TrainRun *run = user_data;
  if (!run->interrupted)
    {
      run->interrupted = TRUE;
      dl_cli_report_message (run->report, "%s", run->save_path ? _("interrupted: stopping after this batch and saving "
                                                                   "the model")
                                                                 : _("interrupted: stopping after this batch"));
      dl_worker_stop (run->worker);
    }
  return G_SOURCE_CONTINUE;
}

static void
on_event (DlWorker *worker, DlEvent *ev, TrainRun *run)
{
  flush_rows (run);
  switch (ev->type)
    {
    case DL_EVENT_PROGRESS:
      dl_cli_report_progress (run->report, ev->epoch, ev->epochs, ev->epoch_fraction, ev->loss,
                              ev->samples_per_second, ev->eta_seconds);
      break;
    case DL_EVENT_EVAL:
      if (ev->end_of_epoch)
        end_of_epoch (run, ev);
      break;
    case DL_EVENT_DONE:
      finish (run);
      break;
    case DL_EVENT_STATE:
      if (ev->state != DL_TRAIN_FINISHED && ev->state != DL_TRAIN_STOPPED && ev->state != DL_TRAIN_FAILED)
        break;
      run->stopped = TRUE;
      run->step = ev->step;
      if (run->interrupted)
        finish (run);
      maybe_quit (run);
      break;
    case DL_EVENT_MODEL_SAVED:
      /* The recorder saves the run's final model too; only --save is reported. */
      if (g_strcmp0 (ev->path, run->save_path) != 0)
        break;
      dl_cli_report_message (run->report, _("saved the model to %s"), ev->path);
      run->saved = TRUE;
      maybe_quit (run);
      break;
    case DL_EVENT_DIVERGED:
      fail (run, g_error_new_literal (DL_CLI_ERROR, DL_CLI_ERROR_DIVERGED, ev->message));
      break;
    case DL_EVENT_ERROR:
      fail (run, g_error_copy (ev->error));
      break;
    case DL_EVENT_TUNING:
      /* What the network runs as, once chosen (the measuring itself takes under two seconds). */
      if (ev->tune_fraction >= 1.0)
        {
          g_free (run->report->blas);
          run->report->blas = g_strdup_printf ("%s; %s", dl_blas_describe (), ev->message);
          dl_cli_report_message (run->report, "%s", ev->message);
        }
      break;
    case DL_EVENT_HYPER_APPLIED:
    case DL_EVENT_DATA_LOADED:
    case DL_EVENT_MODEL_LOADED:
    case DL_EVENT_CHECKPOINT:
    case DL_EVENT_LR_PROGRESS:
    case DL_EVENT_LR_FOUND:
      break;
    }
}

/* The recipe as the worker takes it; the CLI evaluates only at the end of each epoch. */
static void
config_from_recipe (DlTrainConfig *cfg, const DlCliRecipe *r)
{
  dl_train_config_from_preset (cfg, &r->p);
  cfg->seed = r->seed;
  cfg->eval_every = 0;
  cfg->threads = r->threads;
  cfg->tune = r->tune;
}

/* A new run (or a branch) through the recorder, which then follows the worker, or a plain one. */
static gboolean
begin_run (TrainRun *run, const DlTrainConfig *cfg, DlCliRecording *rec, const DlCliBranch *branch,
           GError **error)
{
  DlRunSpec spec = {
    .name = rec != NULL ? rec->name : NULL, .preset = rec != NULL ? rec->preset : NULL, .config = cfg,
    .data = rec != NULL ? rec->data : NULL, .program = "digitlab-cli",
    .parent = branch != NULL ? branch->parent : NULL, .checkpoint = branch != NULL ? branch->ckpt : NULL,
  };

  if (run->recorder != NULL)
    return dl_run_recorder_begin (run->recorder, &spec, error);
  if (branch != NULL)
    dl_worker_branch (run->worker, branch->ckpt, cfg);
  else
    dl_worker_new_run (run->worker, cfg);
  return TRUE;
}

gboolean
dl_cli_train_worker (const DlCliRecipe *r, const DlCliBranch *branch, DlDataset *train, DlDataset *test,
                     const char *save_path, DlCliReport *report, DlCliRecording *rec, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  TrainRun run = {
    .report = report,
    .save_path = save_path,
    .n_train = train->n,
    .rows = g_array_new (FALSE, FALSE, sizeof (BatchRow)),
  };
  DlTrainConfig cfg;

  /* The worker delivers its events to the thread-default context of its creator. */
  g_main_context_push_thread_default (context);
  run.loop = g_main_loop_new (context, FALSE);
  g_mutex_init (&run.lock);
  run.worker = dl_worker_new ();
  /* The recorder sees each event first: when the run ends, it has asked for the final model before
   * on_event decides whether everything is done. */
  if (rec != NULL && rec->store != NULL)
    {
      run.recorder = dl_run_recorder_new (run.worker, rec->store);
      g_signal_connect (run.recorder, "notify::busy", G_CALLBACK (on_recorder_busy), &run);
    }
  g_signal_connect (run.worker, "event", G_CALLBACK (on_event), &run);

  config_from_recipe (&cfg, r);
  if (report->metrics)
    dl_worker_set_step_observer (run.worker, record_step, &run);
  dl_worker_set_data (run.worker, train, test);
  gboolean begun = begin_run (&run, &cfg, rec, branch, &run.error);
  if (begun)
    dl_worker_start (run.worker);

  GSource *sigint = g_unix_signal_source_new (SIGINT);
  g_source_set_callback (sigint, on_sigint, &run, NULL);
  g_source_attach (sigint, context);
  if (begun)
    g_main_loop_run (run.loop);
  g_source_destroy (sigint);
  g_source_unref (sigint);

  dl_worker_shutdown (run.worker);
  flush_rows (&run);
  if (run.recorder != NULL)
    {
      if (dl_run_recorder_get_run (run.recorder) != NULL)
        g_set_object (&rec->run, dl_run_recorder_get_run (run.recorder));
      g_object_unref (run.recorder);
    }
  g_object_unref (run.worker);
  g_main_loop_unref (run.loop);
  g_main_context_pop_thread_default (context);
  dl_train_config_clear (&cfg);
  g_array_unref (run.rows);
  g_mutex_clear (&run.lock);

  if (run.error == NULL && run.interrupted)
    run.error = g_error_new (DL_CLI_ERROR, DL_CLI_ERROR_INTERRUPTED, _("interrupted at step %lld"),
                             (long long) run.step);
  if (run.error)
    {
      g_propagate_error (error, run.error);
      return FALSE;
    }
  return TRUE;
}

/* ---- bench ---- */

typedef struct {
  GMainLoop *loop;
  GError    *error;
  gint64     first_step, last_step;  /* the timed span: after step first_step … after step last_step */
  gint64     t_first, t_last;        /* monotonic µs, written on the worker thread, read after it is joined */
} BenchRun;

static void
time_step (const DlStepInfo *info, gpointer user_data)
{
  BenchRun *b = user_data;
  if (info->step == b->first_step)
    b->t_first = g_get_monotonic_time ();
  else if (info->step == b->last_step)
    b->t_last = g_get_monotonic_time ();
}

static void
on_bench_event (DlWorker *worker, DlEvent *ev, BenchRun *b)
{
  if (ev->type == DL_EVENT_ERROR && b->error == NULL)
    b->error = g_error_copy (ev->error);
  else if (ev->type == DL_EVENT_DIVERGED && b->error == NULL)
    b->error = g_error_new_literal (DL_CLI_ERROR, DL_CLI_ERROR_DIVERGED, ev->message);
  if (ev->type == DL_EVENT_DONE || ev->type == DL_EVENT_ERROR || ev->type == DL_EVENT_DIVERGED)
    g_main_loop_quit (b->loop);
}

gboolean
dl_cli_bench_worker (const DlCliRecipe *r, DlDataset *train, DlDataset *test, int warmup, int batches,
                     double *samples_per_second, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  int batch = r->p.batch, steps = MAX (warmup, 1) + batches;
  int per_epoch = MAX (MIN (train->n, steps * batch) / batch, 1);
  BenchRun b = { .first_step = MAX (warmup, 1), .last_step = steps };
  DlTrainConfig cfg;

  /* Whole batches only, enough epochs for every step, and a test set so small its evaluation is noise. */
  g_autoptr (DlDataset) part = dl_dataset_subset (train, per_epoch * batch);
  g_autoptr (DlDataset) probe = dl_dataset_subset (test, 10);
  config_from_recipe (&cfg, r);
  cfg.epochs = (steps + per_epoch - 1) / per_epoch;

  g_main_context_push_thread_default (context);
  b.loop = g_main_loop_new (context, FALSE);
  DlWorker *worker = dl_worker_new ();
  g_signal_connect (worker, "event", G_CALLBACK (on_bench_event), &b);
  dl_worker_set_step_observer (worker, time_step, &b);
  dl_worker_set_data (worker, part, probe);
  dl_worker_new_run (worker, &cfg);
  dl_worker_start (worker);
  g_main_loop_run (b.loop);
  dl_worker_shutdown (worker);
  g_object_unref (worker);
  g_main_loop_unref (b.loop);
  g_main_context_pop_thread_default (context);
  dl_train_config_clear (&cfg);

  if (b.error)
    {
      g_propagate_error (error, b.error);
      return FALSE;
    }
  *samples_per_second = (double) batches * batch / ((b.t_last - b.t_first) / (double) G_USEC_PER_SEC);
  return TRUE;
}
