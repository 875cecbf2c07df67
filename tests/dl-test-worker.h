/* dl-test-worker.h — what the worker tests share (test-worker.c: runs and their commands;
 * test-worker-training.c: the training loop): one worker per test and every event it delivered, waits
 * that fail loudly, generated data, and the step observer's log.
 *
 * The worker runs on its own thread; the tests drive it from the main context like the app does, and
 * look inside through the step observer (dl_worker_set_step_observer), which reports what each optimiser
 * step really used. Data shared with the observer is read on the main thread only after an event the
 * worker posted later (or through atomics), so the event queue orders the accesses. Nothing passes on
 * timing: each test waits for the events it expects, with generous timeouts that fail naming what did
 * not come, and "nothing happened" is checked against a later event the worker had to post first.
 */
#pragma once

#include <check.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "dl-model.h"
#include "dl-rng.h"
#include "dl-worker.h"
#include "dl-test-mnist.h"

#define SMALL_ARCH "fc32-relu,fc10,softmax"
#define N_PROBE    16
/* Seconds: far beyond what any wait takes, even under ThreadSanitizer, and longer still on a loaded
 * machine as $CK_TIMEOUT_MULTIPLIER says. */
#define WAIT       (60.0 * dl_test_timeout_multiplier ())

/* ---- generated data: each class a bright block in its own place, on noise ---- */

static inline DlDataset *
make_blocks (int n, guint64 seed)
{
  DlDataset *ds = dl_dataset_new (n, 28, 28);
  DlRng rng;

  dl_rng_seed (&rng, seed);
  for (int i = 0; i < n; i++)
    {
      guint8 *img = ds->pixels + (gsize) i * 28 * 28;
      int k = i % DL_N_CLASSES;
      int r0 = 3 + (k / 5) * 12 + (int) dl_rng_below (&rng, 3);
      int c0 = 1 + (k % 5) * 5 + (int) dl_rng_below (&rng, 2);

      for (int p = 0; p < 28 * 28; p++)
        img[p] = (guint8) dl_rng_below (&rng, 60);
      for (int r = r0; r < r0 + 6; r++)
        for (int c = c0; c < c0 + 4; c++)
          img[r * 28 + c] = 200 + (guint8) dl_rng_below (&rng, 56);
      ds->labels[i] = (guint8) k;
    }
  dl_dataset_recount (ds);
  return ds;
}

/* ---- fixture: a worker and every event it delivered ---- */

typedef struct {
  DlWorker  *worker;
  GPtrArray *events;   /* DlEvent*, in delivery order */
  guint      cursor;   /* wait_event looks from here on */
  /* When set, only the checkpoints it accepts are kept (each holds a copy of the network). */
  gboolean (*keep_checkpoint) (const DlCheckpoint *ckpt, gpointer data);
  gpointer   keep_data;
} Fixture;

/* One worker per test; the checked fixture joins it even when the test fails. */
static Fixture F;

static inline void
on_event (DlWorker *worker, DlEvent *ev, gpointer data)
{
  Fixture *f = data;

  if (ev->type == DL_EVENT_CHECKPOINT && f->keep_checkpoint != NULL
      && !f->keep_checkpoint (ev->checkpoint, f->keep_data))
    return;
  g_ptr_array_add (f->events, dl_event_ref (ev));
}

static inline void
fixture_init (Fixture *f)
{
  f->worker = dl_worker_new ();
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) dl_event_unref);
  f->cursor = 0;
  f->keep_checkpoint = NULL;
  g_signal_connect (f->worker, "event", G_CALLBACK (on_event), f);
}

static inline void
fixture_clear (Fixture *f)
{
  g_clear_object (&f->worker);
  g_clear_pointer (&f->events, g_ptr_array_unref);
}

static inline gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static inline const char *
state_nick (int state)
{
  return state < 0 ? "any" : dl_train_state_to_nick (state);
}

/* The next event of `type` (and `state`, for STATE events; -1 for any) from the cursor on, waiting up
 * to WAIT seconds. Fails the test when it does not come, or when an error comes first. */
static inline DlEvent *
wait_event (Fixture *f, DlEventType type, int state)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT * G_USEC_PER_SEC);
  guint id = g_timeout_add (100, wake, NULL);   /* so the loop wakes to look at the clock */

  for (;;)
    {
      for (; f->cursor < f->events->len; f->cursor++)
        {
          DlEvent *ev = g_ptr_array_index (f->events, f->cursor);

          if (ev->type == type && (type != DL_EVENT_STATE || state < 0 || (int) ev->state == state))
            {
              f->cursor++;
              g_source_remove (id);
              return ev;
            }
          ck_assert_msg (ev->type != DL_EVENT_ERROR || type == DL_EVENT_ERROR,
                         "unexpected error event: %s", ev->message);
        }
      ck_assert_msg (g_get_monotonic_time () < deadline, "no event of type %d (state %s) within %.0f s",
                     type, state_nick (state), WAIT);
      g_main_context_iteration (NULL, TRUE);
    }
}

static inline DlEvent *
wait_state (Fixture *f, DlTrainState state)
{
  return wait_event (f, DL_EVENT_STATE, state);
}

/* The next progress event at `step` or later. */
static inline DlEvent *
wait_progress (Fixture *f, gint64 step)
{
  DlEvent *ev;

  do
    ev = wait_event (f, DL_EVENT_PROGRESS, -1);
  while (ev->step < step);
  return ev;
}

static inline DlEvent *
wait_eval (Fixture *f, DlEvalKind kind)
{
  DlEvent *ev;

  do
    ev = wait_event (f, DL_EVENT_EVAL, -1);
  while (ev->eval_kind != kind);
  return ev;
}

/* An evaluation asked for now: the worker has applied every command sent before it when it comes. */
static inline DlEvent *
sync_worker (Fixture *f)
{
  dl_worker_evaluate (f->worker);
  return wait_eval (f, DL_EVAL_REQUESTED);
}

static inline guint
count_events (Fixture *f, DlEventType type, guint from, guint to)
{
  guint n = 0;

  for (guint i = from; i < to; i++)
    n += ((DlEvent *) g_ptr_array_index (f->events, i))->type == type;
  return n;
}

/* Delivers whatever is ready, without waiting. */
static inline void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    continue;
}

static inline void
config_init (DlTrainConfig *cfg, int batch, int epochs)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->arch = g_strdup (SMALL_ARCH);
  dl_hyper_init_default (&cfg->hyper);
  cfg->hyper.optimizer = DL_OPT_SGD;
  cfg->hyper.lr = 0.05f;
  cfg->hyper.reduce = DL_REDUCE_MEAN;
  cfg->batch = batch;
  cfg->epochs = epochs;
  cfg->seed = 7;
  cfg->schedule = DL_SCHEDULE_NONE;
  /* Every net splits its batches over a team of 2, as dense nets do on a 2-core machine: the controls,
   * snapshots, divergence and shutdown all run with the team's threads (and under ThreadSanitizer). */
  cfg->threads = 2;
}

static inline void
sgd_hyper (DlHyper *hyper, float lr)
{
  dl_hyper_init_default (hyper);
  hyper->optimizer = DL_OPT_SGD;
  hyper->reduce = DL_REDUCE_MEAN;
  hyper->lr = lr;
}

/* `train` and `test` as the data, then a new run of cfg: READY. */
static inline DlEvent *
begin_run (DlDataset *train, DlDataset *test, const DlTrainConfig *cfg)
{
  DlEvent *ready;

  dl_worker_set_data (F.worker, train, test);
  dl_worker_new_run (F.worker, cfg);
  wait_event (&F, DL_EVENT_DATA_LOADED, -1);
  ready = wait_state (&F, DL_TRAIN_READY);
  ck_assert_ptr_nonnull (ready->config);
  return ready;
}

/* A new run of SMALL_ARCH on `n` generated examples (and `n_test` generated test examples). */
static inline DlEvent *
load_blocks_test (int n, int n_test, int batch, int epochs)
{
  g_autoptr(DlDataset) train = make_blocks (n, 1);
  g_autoptr(DlDataset) test = make_blocks (n_test, 2);
  g_auto(DlTrainConfig) cfg = { 0 };

  config_init (&cfg, batch, epochs);
  return begin_run (train, test, &cfg);
}

static inline DlEvent *
load_blocks (int n, int batch, int epochs)
{
  return load_blocks_test (n, 500, batch, epochs);
}

/* ---- the step observer's log ---- */

typedef struct {
  gint64  step;
  int     epoch;
  int     batch;
  int     first_index;
  float   lr;
  float   loss;
} StepRecord;

typedef struct {
  DlWorker *worker;
  GArray   *steps;            /* StepRecord */
  gint      n_steps;          /* atomic: steps observed, for waiting without the main loop */
  int      *seen;             /* per training example, times it was in a batch of epoch 0 */
  int       n;
  gint64    pause_at;         /* observer pauses the worker after this step (0: never) */
  char     *save_path;        /* and then has it save the model there, when set */
  gint64    stop_at;          /* observer stops the run after this step (0: never) */
  gint64    change_batch_at;  /* observer asks for hyper, change_batch and change_augment after this step */
  int       change_batch;
  gboolean  change_augment;
  DlDataset *train;           /* when set, each step records whether x was the plain gathered images */
  GArray    *plain;           /* gboolean per step */
  DlHyper   hyper;
  gint64    block_at;         /* observer sleeps in this step, so the worker is busy mid-epoch */
  gint      blocking;         /* atomic: set while it sleeps */
  gint      unblocked;        /* atomic: set when that step's observer returns */
  int       first_batch[DL_MAX_BATCH];   /* the examples of step 1 */
  int       first_batch_n;
  float    *probe_x;          /* N_PROBE images to predict at every step */
  GHashTable *probe_probs;    /* step → float[N_PROBE × 10] the worker's net gave */
} Log;

static Log L;

static inline void
log_init (Log *log, DlWorker *worker)
{
  memset (log, 0, sizeof *log);
  log->worker = worker;
  log->steps = g_array_new (FALSE, FALSE, sizeof (StepRecord));
  log->plain = g_array_new (FALSE, FALSE, sizeof (gboolean));
}

/* Count how often each of the first n training examples is used in epoch 0. */
static inline void
log_track (int n)
{
  g_free (L.seen);
  L.seen = g_new0 (int, n);
  L.n = n;
}

static inline void
log_clear (Log *log)
{
  g_array_unref (log->steps);
  g_array_unref (log->plain);
  g_clear_pointer (&log->train, dl_dataset_unref);
  g_free (log->seen);
  g_free (log->save_path);
  g_free (log->probe_x);
  g_clear_pointer (&log->probe_probs, g_hash_table_unref);
}

static inline const StepRecord *
log_step (guint i)
{
  return &g_array_index (L.steps, StepRecord, i);
}

static inline void
observe_step (const DlStepInfo *info, gpointer data)
{
  Log *log = data;
  StepRecord rec = { info->step, info->epoch, info->batch, info->indices[0], info->hyper->lr, info->loss };

  g_array_append_val (log->steps, rec);
  if (info->step == 1)
    {
      memcpy (log->first_batch, info->indices, info->batch * sizeof (int));
      log->first_batch_n = info->batch;
    }
  if (log->train != NULL)
    {
      float *plain = g_new (float, (gsize) info->batch * 28 * 28);
      gboolean same;

      dl_dataset_gather (log->train, info->indices, info->batch, plain);
      same = memcmp (plain, info->x, (gsize) info->batch * 28 * 28 * sizeof (float)) == 0;
      g_array_append_val (log->plain, same);
      g_free (plain);
    }
  for (int i = 0; i < info->batch; i++)
    if (info->epoch == 0 && info->indices[i] >= 0 && info->indices[i] < log->n)
      log->seen[info->indices[i]]++;
  if (log->probe_probs != NULL)
    {
      float *probs = g_new (float, N_PROBE * DL_N_CLASSES);
      gint64 *key = g_new (gint64, 1);

      *key = info->step;
      dl_net_predict (info->net, log->probe_x, N_PROBE, probs);
      g_hash_table_insert (log->probe_probs, key, probs);
    }
  if (info->step == log->change_batch_at)
    dl_worker_set_hyper (log->worker, &log->hyper, log->change_batch, log->change_augment);
  if (info->step == log->pause_at)
    dl_worker_pause (log->worker);
  if (info->step == log->pause_at && log->save_path != NULL)
    dl_worker_save_model (log->worker, log->save_path);
  if (info->step == log->stop_at)
    dl_worker_stop (log->worker);
  if (info->step == log->block_at)
    {
      g_atomic_int_set (&log->blocking, TRUE);
      g_usleep (300 * 1000);
      g_atomic_int_set (&log->unblocked, TRUE);
    }
  g_atomic_int_inc (&log->n_steps);
}

/* Polls, without running the main loop, until the observer sets `flag`. */
static inline void
wait_flag_unseen (gint *flag)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT * G_USEC_PER_SEC);

  while (!g_atomic_int_get (flag))
    {
      ck_assert_msg (g_get_monotonic_time () < deadline, "the observer did not block within %.0f s (%d steps)",
                     WAIT, g_atomic_int_get (&L.n_steps));
      g_usleep (1000);
    }
}

/* Polls, without running the main loop, until `path` exists. */
static inline void
wait_file_unseen (const char *path)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT * G_USEC_PER_SEC);

  while (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      ck_assert_msg (g_get_monotonic_time () < deadline, "no %s within %.0f s (%d steps)", path, WAIT,
                     g_atomic_int_get (&L.n_steps));
      g_usleep (1000);
    }
}

static inline void
setup (void)
{
  fixture_init (&F);
  log_init (&L, F.worker);
}

static inline void
teardown (void)
{
  /* The worker first: once it is joined, the observer no longer touches the log. */
  fixture_clear (&F);
  log_clear (&L);
}

static inline gboolean
all_finite (const float *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (p[i]))
      return FALSE;
  return TRUE;
}

typedef struct {
  const char  *name;
  const TTest *test;
  int          loop;   /* runs of a loop test (_i = 0 … loop - 1); 0 for a plain test */
} Case;

static inline Suite *
make_suite (const char *name, const Case *cases, gsize n)
{
  Suite *s = suite_create (name);

  /* One case per test, so CK_RUN_CASE=<name> runs one alone. */
  for (gsize i = 0; i < n; i++)
    {
      TCase *tc = tcase_create (cases[i].name);

      tcase_set_timeout (tc, 300);
      tcase_add_checked_fixture (tc, setup, teardown);
      if (cases[i].loop > 0)
        tcase_add_loop_test (tc, cases[i].test, 0, cases[i].loop);
      else
        tcase_add_test (tc, cases[i].test);
      suite_add_tcase (s, tc);
    }
  return s;
}
