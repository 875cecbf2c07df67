/* test-worker.c — the training worker: live control, coalesced events, snapshots, divergence, shutdown.
 *
 * The worker runs on its own thread; these tests drive it from the main context like the app does, and
 * look inside through the step observer (dl_worker_set_step_observer), which reports what each optimiser
 * step really used. Data shared with the observer is read on the main thread only after an event the
 * worker posted later, so the event queue orders the accesses.
 */
#include <check.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "dl-model.h"
#include "dl-rng.h"
#include "dl-worker.h"

#define SMALL_ARCH "fc32-relu,fc10,softmax"
#define N_PROBE    16

/* ---- generated data: each class a bright block in its own place, on noise ---- */

static DlDataset *
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
} Fixture;

/* One worker per test; the checked fixture joins it even when the test fails. */
static Fixture F;

static void
on_event (DlWorker *worker, DlEvent *ev, gpointer data)
{
  Fixture *f = data;

  g_ptr_array_add (f->events, dl_event_ref (ev));
}

static void
fixture_init (Fixture *f)
{
  f->worker = dl_worker_new ();
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) dl_event_unref);
  f->cursor = 0;
  g_signal_connect (f->worker, "event", G_CALLBACK (on_event), f);
}

static void
fixture_clear (Fixture *f)
{
  g_clear_object (&f->worker);
  g_clear_pointer (&f->events, g_ptr_array_unref);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for `ms` milliseconds. */
static void
run_for (int ms)
{
  gboolean done = FALSE;
  guint id = g_timeout_add (ms, on_timeout, &done);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
  (void) id;
}

static gboolean
event_matches (const DlEvent *ev, DlEventType type, int state)
{
  return ev->type == type && (type != DL_EVENT_STATE || state < 0 || (int) ev->state == state);
}

/* The next event of `type` (and `state`, for STATE events; -1 for any) from the cursor on, waiting up
 * to `seconds`. Fails the test when it does not come. */
static DlEvent *
wait_event (Fixture *f, DlEventType type, int state, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  gboolean timed_out = FALSE;
  guint id = g_timeout_add ((guint) (seconds * 1000), on_timeout, &timed_out);

  for (;;)
    {
      for (; f->cursor < f->events->len; f->cursor++)
        {
          DlEvent *ev = g_ptr_array_index (f->events, f->cursor);

          if (event_matches (ev, type, state))
            {
              f->cursor++;
              if (!timed_out)
                g_source_remove (id);
              return ev;
            }
          ck_assert_msg (ev->type != DL_EVENT_ERROR || type == DL_EVENT_ERROR,
                         "unexpected error event: %s", ev->message);
        }
      ck_assert_msg (!timed_out && g_get_monotonic_time () < deadline,
                     "no event of type %d (state %d) within %.1f s", type, state, seconds);
      g_main_context_iteration (NULL, TRUE);
    }
}

static guint
count_events (Fixture *f, DlEventType type, guint from, guint to)
{
  guint n = 0;

  for (guint i = from; i < to; i++)
    n += ((DlEvent *) g_ptr_array_index (f->events, i))->type == type;
  return n;
}

static void
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

/* The worker reset to SMALL_ARCH on `n` generated examples (and 500 generated test examples). */
static void
load_blocks (int n, int batch, int epochs)
{
  Fixture *f = &F;
  g_autoptr(DlDataset) train = make_blocks (n, 1);
  g_autoptr(DlDataset) test = make_blocks (500, 2);
  DlTrainConfig cfg;

  config_init (&cfg, batch, epochs);
  dl_worker_set_data (f->worker, train, test);
  dl_worker_reset (f->worker, &cfg);
  dl_train_config_clear (&cfg);
  wait_event (f, DL_EVENT_DATA_LOADED, -1, 10);
  wait_event (f, DL_EVENT_STATE, DL_TRAIN_IDLE, 10);
}

/* ---- the step observer's log ---- */

typedef struct {
  gint64  step;
  int     batch;
  float   lr;
  float   loss;
} StepRecord;

typedef struct {
  DlWorker *worker;
  GArray   *steps;            /* StepRecord */
  int      *seen;             /* per training example, times it was in a batch */
  int       n;
  gint64    pause_at;         /* observer pauses the worker after this step (0: never) */
  gint64    change_batch_at;  /* observer asks for change_batch and change_augment after this step */
  int       change_batch;
  gboolean  change_augment;
  DlDataset *train;           /* when set, each step records whether x was the plain gathered images */
  GArray    *plain;           /* gboolean per step */
  DlHyper   hyper;
  gint64    block_at;         /* observer sleeps in this step, so the worker is busy mid-epoch */
  gint      blocking;         /* atomic: set while it sleeps */
  float    *probe_x;          /* N_PROBE images to predict at every step */
  GHashTable *probe_probs;    /* step → float[N_PROBE × 10] the worker's net gave */
} Log;

static Log L;

static void
log_init (Log *log, DlWorker *worker)
{
  memset (log, 0, sizeof *log);
  log->worker = worker;
  log->steps = g_array_new (FALSE, FALSE, sizeof (StepRecord));
  log->plain = g_array_new (FALSE, FALSE, sizeof (gboolean));
}

/* Count how often each of the first n training examples is used in epoch 0. */
static void
log_track (int n)
{
  g_free (L.seen);
  L.seen = g_new0 (int, n);
  L.n = n;
}

static void
log_clear (Log *log)
{
  g_array_unref (log->steps);
  g_array_unref (log->plain);
  g_clear_pointer (&log->train, dl_dataset_unref);
  g_free (log->seen);
  g_free (log->probe_x);
  g_clear_pointer (&log->probe_probs, g_hash_table_unref);
}

static void
observe_step (const DlStepInfo *info, gpointer data)
{
  Log *log = data;
  StepRecord rec = { info->step, info->batch, info->hyper->lr, info->loss };

  g_array_append_val (log->steps, rec);
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
  if (info->step == log->block_at)
    {
      g_atomic_int_set (&log->blocking, TRUE);
      g_usleep (300 * 1000);
    }
}

static void
setup (void)
{
  fixture_init (&F);
  log_init (&L, F.worker);
}

static void
teardown (void)
{
  /* The worker first: once it is joined, the observer no longer touches the log. */
  fixture_clear (&F);
  log_clear (&L);
}

/* ------------------------------------------------------------------------------------------------ */

START_TEST (test_pause_resume_stop)
{
  DlEvent *ev;
  gint64 paused_step, last_step = 0;
  guint mark, running_from, running_to;
  gint64 t0, t1;
  g_autoptr(DlSnapshot) at_pause = NULL;
  g_autoptr(DlSnapshot) later = NULL;

  load_blocks (4000, 16, 1000);
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_IDLE);

  dl_worker_start (F.worker);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_RUNNING, 10);
  running_from = F.events->len;
  t0 = g_get_monotonic_time ();
  run_for (1000);
  t1 = g_get_monotonic_time ();
  running_to = F.events->len;
  ev = wait_event (&F, DL_EVENT_PROGRESS, -1, 10);
  ck_assert_int_gt (ev->step, 0);

  /* Coalesced: at most ~30 progress events a second, while the worker made many more steps. */
  {
    guint n_progress = count_events (&F, DL_EVENT_PROGRESS, running_from, running_to);
    double seconds = (t1 - t0) / (double) G_USEC_PER_SEC;
    DlEvent *last = g_ptr_array_index (F.events, running_to - 1);

    ck_assert_uint_ge (n_progress, 3);
    ck_assert_msg (n_progress <= 30 * seconds + 3, "%u progress events in %.2f s", n_progress, seconds);
    ck_assert_msg (last->step > (gint64) n_progress, "step %" G_GINT64_FORMAT " after %u progress events",
                   last->step, n_progress);
  }

  dl_worker_pause (F.worker);
  ev = wait_event (&F, DL_EVENT_STATE, DL_TRAIN_PAUSED, 10);
  paused_step = ev->step;
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_PAUSED);
  at_pause = dl_worker_dup_snapshot (F.worker);
  ck_assert_int_eq (at_pause->step, paused_step);

  mark = F.events->len;
  run_for (300);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_PROGRESS, mark, F.events->len), 0);
  later = dl_worker_dup_snapshot (F.worker);
  ck_assert_int_eq (later->step, paused_step);

  dl_worker_resume (F.worker);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_RUNNING, 10);
  do
    ev = wait_event (&F, DL_EVENT_PROGRESS, -1, 10);
  while (ev->step <= paused_step);

  dl_worker_stop (F.worker);
  ev = wait_event (&F, DL_EVENT_STATE, DL_TRAIN_STOPPED, 10);
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_STOPPED);
  mark = F.events->len;
  run_for (200);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_PROGRESS, mark, F.events->len), 0);

  /* Delivered in order: progress never goes back, and none arrives after the state it preceded. */
  for (guint i = 0; i < F.events->len; i++)
    {
      DlEvent *e = g_ptr_array_index (F.events, i);

      ck_assert_int_ge (e->step, last_step);
      last_step = e->type == DL_EVENT_HYPER_APPLIED ? last_step : e->step;
    }
}
END_TEST

START_TEST (test_lr_change_acknowledged)
{
  DlEvent *ack;
  DlHyper hyper;
  gboolean seen_new = FALSE;

  load_blocks (4000, 16, 1000);
  log_track (4000);
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_RUNNING, 10);
  wait_event (&F, DL_EVENT_PROGRESS, -1, 10);
  run_for (100);

  /* Sent from the main context while training runs flat out, as a slider would. */
  dl_hyper_init_default (&hyper);
  hyper.optimizer = DL_OPT_SGD;
  hyper.reduce = DL_REDUCE_MEAN;
  hyper.lr = 0.01f;
  dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1, 10);
  ck_assert_int_gt (ack->step, 1);
  ck_assert_str_eq (ack->change, "lr 0.05 → 0.01");
  ck_assert_float_eq (ack->hyper.lr, 0.01f);
  ck_assert_int_eq (ack->batch, 16);

  while (wait_event (&F, DL_EVENT_PROGRESS, -1, 10)->step < ack->step + 20)
    continue;
  dl_worker_set_step_observer (F.worker, NULL, NULL);
  dl_worker_stop (F.worker);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_STOPPED, 10);

  /* Every step before the acknowledged one used the old rate, and every step from it on the new one. */
  ck_assert_uint_ge (L.steps->len, ack->step + 20);
  for (guint i = 0; i < L.steps->len; i++)
    {
      StepRecord *r = &g_array_index (L.steps, StepRecord, i);

      ck_assert_int_eq (r->step, (gint64) i + 1);
      if (r->step < ack->step)
        ck_assert_msg (r->lr == 0.05f, "step %" G_GINT64_FORMAT " used lr %g", r->step, r->lr);
      else
        {
          ck_assert_msg (r->lr == 0.01f, "step %" G_GINT64_FORMAT " used lr %g", r->step, r->lr);
          seen_new = TRUE;
        }
    }
  ck_assert (seen_new);
}
END_TEST

START_TEST (test_batch_change_keeps_epoch_exact)
{
  const int n = 3000;
  DlEvent *ack, *eval;
  gint64 total = 0;

  load_blocks (n, 32, 1);
  log_track (n);
  dl_hyper_init_default (&L.hyper);
  L.hyper.optimizer = DL_OPT_SGD;
  L.hyper.reduce = DL_REDUCE_MEAN;
  L.hyper.lr = 0.05f;
  L.change_batch_at = 10;
  L.change_batch = 100;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);

  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1, 30);
  ck_assert_int_eq (ack->step, 11);
  ck_assert_str_eq (ack->change, "batch 32 → 100");
  eval = wait_event (&F, DL_EVENT_EVAL, -1, 30);
  ck_assert (eval->end_of_epoch);
  ck_assert_int_eq (eval->samples_seen, n);
  ck_assert (eval->epoch_fraction == 1.0);
  wait_event (&F, DL_EVENT_DONE, -1, 30);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_STOPPED, 10);

  /* 10 batches of 32, then batches of 100 from the same place in the shuffled order, the last short. */
  for (guint i = 0; i < L.steps->len; i++)
    {
      StepRecord *r = &g_array_index (L.steps, StepRecord, i);
      int expected = r->step <= 10 ? 32 : MIN (100, n - (int) total);

      ck_assert_int_eq (r->batch, expected);
      total += r->batch;
    }
  ck_assert_int_eq (total, n);
  ck_assert_uint_eq (L.steps->len, 10 + (n - 320 + 99) / 100);
  for (int i = 0; i < n; i++)
    ck_assert_msg (L.seen[i] == 1, "example %d was seen %d times in the epoch", i, L.seen[i]);
}
END_TEST

/* Progress is coalesced, yet every batch's loss arrives exactly once, in order, with its position. */
START_TEST (test_every_batch_loss_delivered)
{
  const int n = 3000, epochs = 2;
  guint next = 0;
  double last_x = 0.0;

  load_blocks (n, 32, epochs);
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_event (&F, DL_EVENT_DONE, -1, 60);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_STOPPED, 10);

  ck_assert_uint_eq (L.steps->len, epochs * ((n + 31) / 32));
  for (guint i = 0; i < F.events->len; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i);

      for (guint k = 0; ev->batch_losses != NULL && k < ev->batch_losses->len; k++, next++)
        {
          DlBatchLoss *b = &g_array_index (ev->batch_losses, DlBatchLoss, k);

          ck_assert_uint_lt (next, L.steps->len);
          ck_assert_float_eq (b->loss, g_array_index (L.steps, StepRecord, next).loss);
          ck_assert_double_gt (b->x, last_x);
          last_x = b->x;
        }
    }
  ck_assert_uint_eq (next, L.steps->len);
  ck_assert_double_eq_tol (last_x, epochs, 1e-12);
}
END_TEST

/* Augmentation switched on mid-run: from the acknowledged step on, the net gets transformed images. */
START_TEST (test_augment_toggle)
{
  DlEvent *ack;
  guint n_plain_after = 0;

  load_blocks (2000, 32, 1);
  log_track (2000);
  L.train = make_blocks (2000, 1);   /* the same examples the worker trains on */
  dl_hyper_init_default (&L.hyper);
  L.hyper.optimizer = DL_OPT_SGD;
  L.hyper.reduce = DL_REDUCE_MEAN;
  L.hyper.lr = 0.05f;
  L.change_batch_at = 10;
  L.change_batch = 32;
  L.change_augment = TRUE;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1, 30);
  ck_assert_int_eq (ack->step, 11);
  ck_assert_str_eq (ack->change, "augment off → on");
  ck_assert (ack->augment);
  wait_event (&F, DL_EVENT_DONE, -1, 30);

  ck_assert_uint_eq (L.plain->len, L.steps->len);
  for (guint i = 0; i < L.plain->len; i++)
    {
      gboolean plain = g_array_index (L.plain, gboolean, i);

      if (i < 10)
        ck_assert_msg (plain, "step %u was augmented before augmentation was on", i + 1);
      else
        n_plain_after += plain;
    }
  ck_assert_uint_eq (n_plain_after, 0);
}
END_TEST

/* A saved model loaded back: same parameters, a new generation, and training goes on from them. */
START_TEST (test_load_model)
{
  g_autofree char *dir = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "saved.dlmodel", NULL);
  g_autoptr(DlSnapshot) before = NULL;
  g_autoptr(DlSnapshot) loaded = NULL;
  DlTrainConfig cfg;
  DlEvent *ev;

  load_blocks (4000, 16, 1000);
  L.pause_at = 40;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_PAUSED, 20);
  dl_worker_set_step_observer (F.worker, NULL, NULL);
  before = dl_worker_dup_snapshot (F.worker);
  dl_worker_save_model (F.worker, path);
  wait_event (&F, DL_EVENT_MODEL_SAVED, -1, 10);

  /* Another architecture in between, then the file. */
  config_init (&cfg, 16, 1000);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc16-tanh,fc10,softmax");
  dl_worker_reset (F.worker, &cfg);
  dl_train_config_clear (&cfg);
  dl_worker_load_model (F.worker, path);
  ev = wait_event (&F, DL_EVENT_MODEL_LOADED, -1, 10);
  ck_assert_str_eq (ev->path, path);
  ck_assert_str_eq (ev->config->arch, SMALL_ARCH);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_IDLE, 10);

  loaded = dl_worker_dup_snapshot (F.worker);
  ck_assert (loaded->trained);
  ck_assert_int_eq (loaded->step, 0);
  ck_assert_uint_eq (loaded->generation, before->generation + 2);
  ck_assert_uint_eq (dl_net_n_params (loaded->net), dl_net_n_params (before->net));
  ck_assert_mem_eq (dl_net_params (loaded->net), dl_net_params (before->net),
                    dl_net_n_params (before->net) * sizeof (float));

  dl_worker_start (F.worker);
  ev = wait_event (&F, DL_EVENT_PROGRESS, -1, 10);
  ck_assert (isfinite (ev->loss));
  dl_worker_stop (F.worker);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_STOPPED, 10);

  /* A fresh worker, no reset: the model comes with default hyperparameters it can train with. */
  {
    g_autoptr(DlDataset) train = make_blocks (1000, 1);
    g_autoptr(DlDataset) test = make_blocks (100, 2);
    g_autoptr(DlSnapshot) snap = NULL;

    fixture_clear (&F);
    fixture_init (&F);
    dl_worker_load_model (F.worker, path);
    ev = wait_event (&F, DL_EVENT_MODEL_LOADED, -1, 10);
    ck_assert_str_eq (ev->config->arch, SMALL_ARCH);
    ck_assert (ev->config->hyper.lr > 0.0f);
    ck_assert_int_ge (ev->config->batch, 1);
    ck_assert_int_ge (ev->config->epochs, 1);
    dl_worker_set_data (F.worker, train, test);
    dl_worker_start (F.worker);
    ev = wait_event (&F, DL_EVENT_EVAL, -1, 20);
    ck_assert (ev->end_of_epoch);
    ck_assert (isfinite (ev->train_loss));
    snap = dl_worker_dup_snapshot (F.worker);
    ck_assert_int_gt (snap->step, 0);
  }
  g_unlink (path);
  g_rmdir (dir);
}
END_TEST

static guint
step_hash (gconstpointer key)
{
  return (guint) *(const gint64 *) key;
}

static gboolean
step_equal (gconstpointer a, gconstpointer b)
{
  return *(const gint64 *) a == *(const gint64 *) b;
}

START_TEST (test_snapshot_matches_worker)
{
  g_autoptr(DlDataset) probe = make_blocks (N_PROBE, 3);
  g_autofree char *dir = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "paused.dlmodel", NULL);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) dl_snapshot_unref);
  g_autoptr(GPtrArray) probs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (gint64));
  int idx[N_PROBE];
  gint64 distinct = 0, prev = -1;
  DlEvent *paused;

  load_blocks (4000, 16, 1000);
  log_track (4000);
  for (int i = 0; i < N_PROBE; i++)
    idx[i] = i;
  L.probe_x = g_new (float, N_PROBE * 28 * 28);
  dl_dataset_gather (probe, idx, N_PROBE, L.probe_x);
  L.probe_probs = g_hash_table_new_full (step_hash, step_equal, g_free, g_free);
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_RUNNING, 10);

  /* While it trains: inference on the snapshot on this thread, never waiting for the worker. Every
   * other snapshot is dropped at once, so the worker recycles its buffers; the rest are kept. */
  for (int k = 0; k < 25; k++)
    {
      DlSnapshot *snap;
      float *p = g_new (float, N_PROBE * DL_N_CLASSES);

      run_for (50);
      snap = dl_worker_dup_snapshot (F.worker);
      dl_net_predict (snap->net, L.probe_x, N_PROBE, p);
      g_array_append_val (steps, snap->step);
      g_ptr_array_add (probs, p);
      ck_assert (snap->trained == (snap->step > 0));
      if (k % 2 == 0)
        g_ptr_array_add (kept, snap);
      else
        dl_snapshot_unref (snap);
    }
  dl_worker_pause (F.worker);
  paused = wait_event (&F, DL_EVENT_STATE, DL_TRAIN_PAUSED, 10);
  dl_worker_set_step_observer (F.worker, NULL, NULL);

  /* Each snapshot gave what the worker's own network gave right after that step. */
  for (guint i = 0; i < steps->len; i++)
    {
      gint64 step = g_array_index (steps, gint64, i);
      const float *mine = g_ptr_array_index (probs, i);
      const float *theirs;

      ck_assert_int_ge (step, prev);
      distinct += step != prev;
      prev = step;
      if (step == 0)
        continue;
      theirs = g_hash_table_lookup (L.probe_probs, &step);
      ck_assert_msg (theirs != NULL, "no worker prediction for step %" G_GINT64_FORMAT, step);
      for (int j = 0; j < N_PROBE * DL_N_CLASSES; j++)
        ck_assert_msg (fabsf (mine[j] - theirs[j]) <= 1e-6f, "step %" G_GINT64_FORMAT ": %g vs %g",
                       step, mine[j], theirs[j]);
    }
  ck_assert_msg (distinct >= 4, "only %" G_GINT64_FORMAT " distinct snapshot steps while running", distinct);

  /* The kept snapshots did not change while training went on and other snapshots were recycled. */
  for (guint i = 0; i < kept->len; i++)
    {
      DlSnapshot *snap = g_ptr_array_index (kept, i);
      float again[N_PROBE * DL_N_CLASSES];

      ck_assert_int_eq (snap->step, g_array_index (steps, gint64, 2 * i));
      dl_net_predict (snap->net, L.probe_x, N_PROBE, again);
      ck_assert_mem_eq (again, g_ptr_array_index (probs, 2 * i), sizeof again);
    }

  /* Paused: the snapshot is the step the pause reported, and equals the model the worker saves. */
  {
    g_autoptr(DlSnapshot) snap = dl_worker_dup_snapshot (F.worker);
    g_autoptr(DlNet) saved = NULL;
    g_autoptr(GError) error = NULL;
    float a[N_PROBE * DL_N_CLASSES], b[N_PROBE * DL_N_CLASSES];
    DlEvent *ev;

    ck_assert_int_eq (snap->step, paused->step);
    dl_worker_save_model (F.worker, path);
    ev = wait_event (&F, DL_EVENT_MODEL_SAVED, -1, 10);
    ck_assert_str_eq (ev->path, path);
    saved = dl_model_load (path, &error);
    ck_assert_msg (saved != NULL, "%s", error ? error->message : "");
    dl_net_predict (snap->net, L.probe_x, N_PROBE, a);
    dl_net_predict (saved, L.probe_x, N_PROBE, b);
    ck_assert_mem_eq (a, b, sizeof a);
    ck_assert_mem_eq (dl_net_params (snap->net), dl_net_params (saved), dl_net_n_params (saved) * sizeof (float));
  }
  g_unlink (path);
  g_rmdir (dir);
}
END_TEST

static gboolean
all_finite (const float *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (p[i]))
      return FALSE;
  return TRUE;
}

START_TEST (test_divergence_restores)
{
  DlEvent *paused, *div;
  DlHyper hyper;
  g_autoptr(DlSnapshot) good = NULL;
  g_autoptr(DlSnapshot) after = NULL;
  g_autofree char *expect = NULL;
  gsize n_params;

  load_blocks (4000, 16, 1000);
  log_track (4000);
  L.pause_at = 120;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  paused = wait_event (&F, DL_EVENT_STATE, DL_TRAIN_PAUSED, 20);
  ck_assert_int_eq (paused->step, 120);
  good = dl_worker_dup_snapshot (F.worker);
  n_params = dl_net_n_params (good->net);
  ck_assert (all_finite (dl_net_params (good->net), n_params));

  /* An absurd learning rate: the loss overflows, or explodes once every ReLU has died. */
  dl_hyper_init_default (&hyper);
  hyper.optimizer = DL_OPT_SGD;
  hyper.reduce = DL_REDUCE_MEAN;
  for (int round = 0; round < 2; round++)
    {
      hyper.lr = round == 0 ? 1e6f : 1e30f;
      dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
      wait_event (&F, DL_EVENT_HYPER_APPLIED, -1, 10);
      dl_worker_resume (F.worker);
      div = wait_event (&F, DL_EVENT_DIVERGED, -1, 20);
      wait_event (&F, DL_EVENT_STATE, DL_TRAIN_PAUSED, 10);
      ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_PAUSED);

      ck_assert_int_gt (div->step, 120);
      g_free (expect);
      expect = g_strdup_printf (" at step %" G_GINT64_FORMAT " with learning rate %s: lower the learning rate "
                                "(try 0.05). Parameters restored from step 120; training paused.",
                                div->step, round == 0 ? "1e+06" : "1e+30");
      ck_assert_msg (g_str_has_suffix (div->message, expect), "%s", div->message);
      ck_assert_msg (g_str_has_prefix (div->message, "The loss became NaN") ||
                     g_str_has_prefix (div->message, "The loss became infinite") ||
                     g_str_has_prefix (div->message, "The loss exploded to") ||
                     g_str_has_prefix (div->message, "The parameters became NaN"), "%s", div->message);

      /* Restored: finite and exactly the parameters of step 120. */
      after = dl_worker_dup_snapshot (F.worker);
      ck_assert_uint_eq (dl_net_n_params (after->net), n_params);
      ck_assert (all_finite (dl_net_params (after->net), n_params));
      ck_assert_mem_eq (dl_net_params (after->net), dl_net_params (good->net), n_params * sizeof (float));
      g_clear_pointer (&after, dl_snapshot_unref);
    }

  /* Nothing is lost: with a sane rate, training goes on from there. */
  hyper.lr = 0.05f;
  dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
  dl_worker_resume (F.worker);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_RUNNING, 10);
  {
    DlEvent *ev;

    do
      ev = wait_event (&F, DL_EVENT_PROGRESS, -1, 10);
    while (ev->step < div->step + 50);
    ck_assert (isfinite (ev->loss));
  }
  dl_worker_set_step_observer (F.worker, NULL, NULL);
}
END_TEST

START_TEST (test_shutdown_mid_epoch)
{
  DlHyper hyper;
  g_autofree char *dir = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "never.dlmodel", NULL);
  gint64 t0, waited;

  load_blocks (20000, 8, 1000);
  log_track (20000);
  L.block_at = 30;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  while (!g_atomic_int_get (&L.blocking))
    g_usleep (1000);

  /* The worker is inside step 30; everything queued now is behind the shutdown and dropped. */
  dl_hyper_init_default (&hyper);
  for (int i = 0; i < 20; i++)
    {
      hyper.lr = 0.01f * (i + 1);
      dl_worker_set_hyper (F.worker, &hyper, 8 + i, FALSE);
    }
  dl_worker_evaluate (F.worker);
  dl_worker_save_model (F.worker, path);
  dl_worker_stop (F.worker);

  t0 = g_get_monotonic_time ();
  dl_worker_shutdown (F.worker);
  waited = g_get_monotonic_time () - t0;
  ck_assert_msg (waited < 5 * G_USEC_PER_SEC, "shutdown took %" G_GINT64_FORMAT " µs", waited);
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));

  /* The step under way finished; no queued command ran. */
  ck_assert_int_eq (g_array_index (L.steps, StepRecord, L.steps->len - 1).step, 30);
  run_for (50);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_HYPER_APPLIED, 0, F.events->len), 0);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_EVAL, 0, F.events->len), 0);

  /* Commands after shutdown are dropped too, and shutting down twice is harmless. */
  dl_worker_start (F.worker);
  dl_worker_shutdown (F.worker);
  g_rmdir (dir);
}
END_TEST

START_TEST (test_dispose_while_running)
{

  load_blocks (20000, 8, 1000);
  dl_worker_start (F.worker);
  wait_event (&F, DL_EVENT_PROGRESS, -1, 10);
  for (int i = 0; i < 10; i++)
    dl_worker_evaluate (F.worker);
}
END_TEST

START_TEST (test_errors_are_reported)
{
  DlTrainConfig cfg, cfg2;
  DlHyper hyper;
  DlEvent *ev;

  dl_worker_start (F.worker);
  ev = wait_event (&F, DL_EVENT_ERROR, -1, 10);
  ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY));

  config_init (&cfg, 16, 1);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc32-relu,bogus,softmax");
  dl_worker_reset (F.worker, &cfg);
  ev = wait_event (&F, DL_EVENT_ERROR, -1, 10);
  ck_assert_ptr_nonnull (ev->message);
  ck_assert_ptr_null (dl_worker_dup_snapshot (F.worker));

  dl_hyper_init_default (&hyper);
  dl_worker_set_hyper (F.worker, &hyper, 0, FALSE);
  ev = wait_event (&F, DL_EVENT_ERROR, -1, 10);
  ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID));

  dl_worker_load_data (F.worker, "/nonexistent/digitlab/train.csv", "/nonexistent/digitlab/test.csv");
  ev = wait_event (&F, DL_EVENT_ERROR, -1, 10);
  ck_assert (ev->error->domain == DL_DATA_ERROR);
  ck_assert_msg (strstr (ev->message, "/nonexistent/digitlab/train.csv") != NULL, "%s", ev->message);

  /* Images of another size than the network's 28 × 28 input are refused before any step. */
  {
    g_autoptr(DlDataset) small = dl_dataset_new (100, 20, 20);

    config_init (&cfg2, 16, 1);
    dl_worker_reset (F.worker, &cfg2);
    dl_worker_set_data (F.worker, small, small);
    dl_worker_start (F.worker);
    wait_event (&F, DL_EVENT_STATE, DL_TRAIN_IDLE, 10);
    ev = wait_event (&F, DL_EVENT_ERROR, -1, 10);
    ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID));
    ck_assert_msg (strstr (ev->message, "20×20") != NULL, "%s", ev->message);
    /* The sets were refused, so there is nothing to start on. */
    ev = wait_event (&F, DL_EVENT_ERROR, -1, 10);
    ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY));
    ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_IDLE);
    dl_train_config_clear (&cfg2);
  }

  dl_worker_load_model (F.worker, "/nonexistent/digitlab/model.dlmodel");
  ev = wait_event (&F, DL_EVENT_ERROR, -1, 10);
  ck_assert (ev->error->domain == DL_MODEL_ERROR);
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_IDLE);
  dl_train_config_clear (&cfg);
}
END_TEST

/* Real MNIST: one short epoch through the worker learns, with periodic and end-of-epoch evaluations. */
START_TEST (test_mnist_epoch)
{
  g_autofree char *dir = dl_data_default_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DlDataset) train_all = NULL;
  g_autoptr(DlDataset) test_all = NULL;
  g_autoptr(DlDataset) train = NULL;
  g_autoptr(DlDataset) test = NULL;
  DlTrainConfig cfg;
  DlEvent *ev;
  guint periodic = 0;
  int total = 0;

  train_all = dl_dataset_load_dir (dir, TRUE, &error);
  if (train_all == NULL)
    {
      fprintf (stderr, "test_mnist_epoch: skipped, no MNIST in %s (%s)\n", dir, error->message);
      return;
    }
  test_all = dl_dataset_load_dir (dir, FALSE, &error);
  ck_assert_msg (test_all != NULL, "%s", error ? error->message : "");
  train = dl_dataset_subset (train_all, 6000);
  test = dl_dataset_subset (test_all, 2000);

  config_init (&cfg, 32, 1);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc64-relu,fc10,softmax");
  cfg.hyper.lr = 0.1f;
  cfg.eval_every = 50;
  dl_worker_set_data (F.worker, train, test);
  dl_worker_reset (F.worker, &cfg);
  dl_train_config_clear (&cfg);
  dl_worker_start (F.worker);
  for (;;)
    {
      ev = wait_event (&F, DL_EVENT_EVAL, -1, 60);
      if (ev->end_of_epoch)
        break;
      periodic++;
      ck_assert_int_eq (ev->eval->n, 2000);
    }
  ck_assert_uint_ge (periodic, 3);
  ck_assert_int_eq (ev->eval->n, 2000);
  ck_assert_msg (ev->test_accuracy > 0.80, "test accuracy %.3f after one epoch", ev->test_accuracy);
  ck_assert_msg (ev->train_accuracy > 0.6, "train accuracy %.3f", ev->train_accuracy);
  ck_assert (ev->train_loss > 0.0 && isfinite (ev->train_loss));
  ck_assert_ptr_nonnull (ev->diagnosis);
  ck_assert (!ev->diagnosis->collapsed);
  for (int t = 0; t < DL_N_CLASSES; t++)
    for (int p = 0; p < DL_N_CLASSES; p++)
      total += ev->eval->confusion[t][p];
  ck_assert_int_eq (total, 2000);
  wait_event (&F, DL_EVENT_DONE, -1, 30);
  wait_event (&F, DL_EVENT_STATE, DL_TRAIN_STOPPED, 10);
}
END_TEST

static Suite *
worker_suite (void)
{
  struct { const char *name; const TTest *test; } cases[] = {
    { "pause_resume_stop", test_pause_resume_stop },
    { "lr_change", test_lr_change_acknowledged },
    { "batch_change", test_batch_change_keeps_epoch_exact },
    { "batch_losses", test_every_batch_loss_delivered },
    { "augment", test_augment_toggle },
    { "snapshot", test_snapshot_matches_worker },
    { "divergence", test_divergence_restores },
    { "shutdown", test_shutdown_mid_epoch },
    { "dispose", test_dispose_while_running },
    { "load_model", test_load_model },
    { "errors", test_errors_are_reported },
    { "mnist", test_mnist_epoch },
  };
  Suite *s = suite_create ("worker");

  /* One case per test, so CK_RUN_CASE=<name> runs one alone. */
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
  SRunner *sr = srunner_create (worker_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
