/* dl-worker.c — the training worker thread.
 *
 * One thread owns the network and the data sets (the Trainer below). The front end talks to it only
 * through two GAsyncQueues:
 *
 *   commands  (any thread → worker)  Cmd*, pushed by the dl_worker_* command functions, never blocking;
 *   events    (worker → main context) DlEvent*, drained by a GSource the worker wakes with
 *             g_source_set_ready_time (source, 0), as GNOME Builder's build log does.
 *
 * Progress is coalesced: the worker publishes at most ~30 progress events per second, into a single slot
 * beside the events queue (guarded by the queue's own lock). Before any other event is queued, a pending
 * progress event is moved into the queue ahead of it, so receivers see events in the order they happened
 * and every non-progress event is delivered.
 *
 * Parameter snapshots (dl_net_copy) are swapped into a slot under a short mutex, so the UI can run
 * inference at any time without waiting for a training step.
 */
#define _GNU_SOURCE   /* gettid */
#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* How much lower than the UI the training thread runs (setpriority's nice units). */
#define WORKER_NICE 10

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "digitlab"
#endif
#include <glib/gi18n-lib.h>

#include "dl-augment.h"
#include "dl-model.h"
#include "dl-rng.h"
#include "dl-worker.h"

/* GLib's GMutex and GCond (and so GAsyncQueue) are futex-based, which ThreadSanitizer cannot see. These
 * annotations tell it about the happens-before those primitives really provide; they compile to nothing
 * in ordinary builds. */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define TSAN_RELEASE(addr) __tsan_release ((void *) (addr))
#define TSAN_ACQUIRE(addr) __tsan_acquire ((void *) (addr))
#else
#define TSAN_RELEASE(addr) ((void) (addr))
#define TSAN_ACQUIRE(addr) ((void) (addr))
#endif

#define PROGRESS_INTERVAL_US   (G_USEC_PER_SEC / 30)  /* ≤ 30 progress events per second */
#define SNAPSHOT_INTERVAL_US   (G_USEC_PER_SEC / 10)  /* ≤ 10 snapshots per second while running */
#define EVENTS_PER_DISPATCH    32                     /* bound on the work of one main-loop iteration */
#define PERIODIC_EVAL_EXAMPLES 2000                   /* test subset for the every-N-batches evaluation */
#define GOOD_COPY_EVERY        50                     /* steps between checks that keep a known-good copy */
#define FINITE_CHECK_EVERY     10                     /* steps between scans of the parameters for NaN/Inf */
/* A batch loss this many times the loss at the last good copy (or 1, whichever is larger) is divergence
 * too: a learning rate far too high often kills every ReLU first, and the loss then swings around 1e5
 * without ever overflowing. No healthy run jumps by three orders of magnitude in one batch. */
#define EXPLODED_FACTOR        1000.0f

G_DEFINE_QUARK (dl-worker-error-quark, dl_worker_error)

/* ------------------------------------------------------------------------------------------------ */
/* Training configuration */

void
dl_train_config_from_preset (DlTrainConfig *cfg, const DlPreset *preset)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->arch = g_strdup (preset->arch);
  cfg->hyper = preset->hyper;
  cfg->batch = preset->batch;
  cfg->epochs = preset->epochs;
  cfg->seed = 1;
  cfg->schedule = preset->schedule;
  cfg->schedule_gamma = preset->schedule_gamma;
  cfg->schedule_step = preset->schedule_step;
  cfg->augment = preset->augment;
  cfg->augment_kinds = preset->augment_kinds;
  cfg->eval_every = 200;
}

DlTrainConfig *
dl_train_config_copy (const DlTrainConfig *cfg)
{
  DlTrainConfig *copy = g_new (DlTrainConfig, 1);

  *copy = *cfg;
  copy->arch = g_strdup (cfg->arch);
  return copy;
}

void
dl_train_config_clear (DlTrainConfig *cfg)
{
  g_clear_pointer (&cfg->arch, g_free);
}

void
dl_train_config_free (DlTrainConfig *cfg)
{
  if (cfg == NULL)
    return;
  dl_train_config_clear (cfg);
  g_free (cfg);
}

/* ------------------------------------------------------------------------------------------------ */
/* Events and snapshots: reference counts with GLib's inline atomics, which ThreadSanitizer sees. */

typedef struct {
  DlEvent pub;
  gint    ref_count;
} EventPriv;

G_DEFINE_BOXED_TYPE (DlEvent, dl_event, dl_event_ref, dl_event_unref)

static DlEvent *
dl_event_new (DlEventType type)
{
  EventPriv *priv = g_new0 (EventPriv, 1);

  priv->ref_count = 1;
  priv->pub.type = type;
  return &priv->pub;
}

DlEvent *
dl_event_ref (DlEvent *ev)
{
  g_atomic_int_inc (&((EventPriv *) ev)->ref_count);
  return ev;
}

void
dl_event_unref (DlEvent *ev)
{
  if (ev == NULL || !g_atomic_int_dec_and_test (&((EventPriv *) ev)->ref_count))
    return;
  g_free (ev->change);
  g_clear_pointer (&ev->batch_losses, g_array_unref);
  g_clear_pointer (&ev->eval, dl_eval_free);
  g_clear_pointer (&ev->diagnosis, dl_diagnosis_free);
  g_clear_pointer (&ev->train, dl_dataset_unref);
  g_clear_pointer (&ev->test, dl_dataset_unref);
  g_free (ev->path);
  g_clear_pointer (&ev->config, dl_train_config_free);
  g_free (ev->message);
  g_clear_error (&ev->error);
  g_free (ev);
}

typedef struct {
  DlSnapshot pub;
  gint       ref_count;
} SnapshotPriv;

G_DEFINE_BOXED_TYPE (DlSnapshot, dl_snapshot, dl_snapshot_ref, dl_snapshot_unref)

static DlSnapshot *
dl_snapshot_new (DlNet *net)
{
  SnapshotPriv *priv = g_new0 (SnapshotPriv, 1);

  priv->ref_count = 1;
  priv->pub.net = net;
  return &priv->pub;
}

DlSnapshot *
dl_snapshot_ref (DlSnapshot *snap)
{
  g_atomic_int_inc (&((SnapshotPriv *) snap)->ref_count);
  return snap;
}

void
dl_snapshot_unref (DlSnapshot *snap)
{
  if (snap == NULL || !g_atomic_int_dec_and_test (&((SnapshotPriv *) snap)->ref_count))
    return;
  dl_net_free (snap->net);
  g_free (snap);
}

/* Only the worker thread recycles a snapshot, and only one nobody else holds any more. */
static gboolean
dl_snapshot_is_exclusive (DlSnapshot *snap)
{
  return g_atomic_int_get (&((SnapshotPriv *) snap)->ref_count) == 1;
}

/* ------------------------------------------------------------------------------------------------ */
/* Commands */

typedef enum {
  CMD_LOAD_DATA,
  CMD_SET_DATA,
  CMD_RESET,
  CMD_START,
  CMD_PAUSE,
  CMD_RESUME,
  CMD_STOP,
  CMD_SET_HYPER,
  CMD_EVALUATE,
  CMD_SAVE_MODEL,
  CMD_LOAD_MODEL,
  CMD_SET_OBSERVER,
  CMD_SHUTDOWN,
} CmdType;

typedef struct {
  CmdType         type;
  char           *path, *path2;
  DlDataset      *train, *test;
  DlTrainConfig  *config;
  DlHyper         hyper;
  int             batch;
  gboolean        augment;
  DlStepObserver  observer;
  gpointer        observer_data;
} Cmd;

static Cmd *
cmd_new (CmdType type)
{
  Cmd *cmd = g_new0 (Cmd, 1);

  cmd->type = type;
  return cmd;
}

static void
cmd_free (gpointer data)
{
  Cmd *cmd = data;

  TSAN_ACQUIRE (cmd);
  g_free (cmd->path);
  g_free (cmd->path2);
  g_clear_pointer (&cmd->train, dl_dataset_unref);
  g_clear_pointer (&cmd->test, dl_dataset_unref);
  g_clear_pointer (&cmd->config, dl_train_config_free);
  g_free (cmd);
}

/* ------------------------------------------------------------------------------------------------ */
/* The worker object */

struct _DlWorker {
  GObject       parent_instance;

  GThread      *thread;
  gint          shut_down;       /* atomic: commands after shutdown are dropped */
  GAsyncQueue  *commands;        /* Cmd* */
  GAsyncQueue  *events;          /* DlEvent*; its lock also guards `progress` */
  DlEvent      *progress;        /* the one pending progress event, or NULL */
  GSource      *source;          /* on the creating thread's main context */

  GMutex        snapshot_lock;
  DlSnapshot   *snapshot;        /* latest published, or NULL before the first reset */

  gint          state;           /* atomic DlTrainState, written by the worker thread */
  DlTrainState  delivered_state; /* the state of the last STATE event delivered on the main context */
};

G_DEFINE_FINAL_TYPE (DlWorker, dl_worker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
push_command (DlWorker *self, Cmd *cmd, gboolean urgent)
{
  if (g_atomic_int_get (&self->shut_down))
    {
      cmd_free (cmd);
      return;
    }
  TSAN_RELEASE (cmd);
  if (urgent)
    g_async_queue_push_front (self->commands, cmd);
  else
    g_async_queue_push (self->commands, cmd);
}

static void
events_lock (DlWorker *self)
{
  g_async_queue_lock (self->events);
  TSAN_ACQUIRE (self->events);
}

static void
events_unlock (DlWorker *self)
{
  TSAN_RELEASE (self->events);
  g_async_queue_unlock (self->events);
}

/* Worker thread: queue an event that must arrive, behind any pending progress. Takes ownership. */
static void
post_event (DlWorker *self, DlEvent *ev)
{
  events_lock (self);
  if (self->progress != NULL)
    {
      g_async_queue_push_unlocked (self->events, self->progress);
      self->progress = NULL;
    }
  g_async_queue_push_unlocked (self->events, ev);
  events_unlock (self);
  g_source_set_ready_time (self->source, 0);
}

/* Worker thread: replace the pending progress event. Takes ownership. */
static void
post_progress (DlWorker *self, DlEvent *ev)
{
  DlEvent *stale;

  events_lock (self);
  stale = self->progress;
  self->progress = ev;
  /* The replaced event's batch losses were never delivered: they go ahead of the new ones. */
  if (stale != NULL && stale->batch_losses != NULL)
    {
      if (ev->batch_losses == NULL)
        ev->batch_losses = g_steal_pointer (&stale->batch_losses);
      else
        g_array_prepend_vals (ev->batch_losses, stale->batch_losses->data, stale->batch_losses->len);
    }
  events_unlock (self);
  if (stale != NULL)
    dl_event_unref (stale);
  else
    g_source_set_ready_time (self->source, 0);
}

/* Main context: the next event in order, or NULL. */
static DlEvent *
take_event (DlWorker *self, gboolean *more)
{
  DlEvent *ev;

  events_lock (self);
  ev = g_async_queue_try_pop_unlocked (self->events);
  if (ev == NULL)
    {
      ev = self->progress;
      self->progress = NULL;
    }
  *more = g_async_queue_length_unlocked (self->events) > 0 || self->progress != NULL;
  events_unlock (self);
  return ev;
}

static void
deliver_event (DlWorker *self, DlEvent *ev)
{
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, ev);
  if (ev->type == DL_EVENT_STATE && ev->state != self->delivered_state)
    {
      self->delivered_state = ev->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

typedef struct {
  GSource   source;
  DlWorker *worker;   /* owns the source and destroys it in dispose */
} EventSource;

static gboolean
event_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  DlWorker *self = g_object_ref (((EventSource *) source)->worker);
  gboolean more = FALSE;

  /* Re-armed below if work remains; the worker re-arms it for anything it queues from now on. */
  g_source_set_ready_time (source, -1);
  for (guint i = 0; i < EVENTS_PER_DISPATCH && !g_source_is_destroyed (source); i++)
    {
      DlEvent *ev = take_event (self, &more);

      if (ev == NULL)
        break;
      deliver_event (self, ev);
      dl_event_unref (ev);
      if (!more)
        break;
    }
  if (more && !g_source_is_destroyed (source))
    g_source_set_ready_time (source, 0);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs event_source_funcs = {
  .dispatch = event_source_dispatch,
};

/* ------------------------------------------------------------------------------------------------ */
/* The trainer: everything below runs on the worker thread only. */

typedef struct {
  DlWorker      *worker;        /* outlives the thread: dispose joins it first */
  gboolean       quit;

  DlNet         *net;
  DlTrainConfig  cfg;           /* hyper, batch and augment as in force */
  guint          generation;
  gboolean       trained;
  DlTrainState   state;

  DlDataset     *train, *test;
  DlDataset     *test_part;     /* first PERIODIC_EVAL_EXAMPLES test examples */

  gint64         step;
  int            epoch;
  int           *order;         /* this epoch's shuffled indices into train */
  int            order_n;
  gboolean       order_ready;
  int            pos;           /* next position in order: samples of this epoch seen so far */
  DlRng          rng;           /* the epochs' shuffles */
  DlRng          augment_rng;   /* the augmentation draws, apart so toggling it keeps the shuffles */
  float         *x;             /* DL_MAX_BATCH × input size */
  guint8        *y;             /* DL_MAX_BATCH */

  double         epoch_loss_sum;  /* Σ batch mean loss × batch size */
  gint64         epoch_correct;
  int            batches_since_eval;
  DlHealth       health;

  double         elapsed;         /* seconds spent training, pauses excluded */
  gint64         last_progress_us;
  gint64         last_snapshot_us;
  gint64         rate_samples;    /* since the last progress event */
  double         rate_seconds;
  double         rate;            /* smoothed samples per second */
  float          last_loss;
  GArray        *batch_losses;    /* DlBatchLoss since the last progress event */

  float         *good;            /* parameters at the last healthy check */
  gint64         good_step;
  float          good_loss;       /* the batch loss when they were kept */
  DlSnapshot    *spare;           /* the previous snapshot, recycled when nobody holds it */

  DlStepObserver observer;
  gpointer       observer_data;
} Trainer;

static void
set_state (Trainer *t, DlTrainState state)
{
  t->state = state;
  g_atomic_int_set (&t->worker->state, state);
}

/* A new event with the fields every event carries: where training is and what is in force. */
static DlEvent *
trainer_event (Trainer *t, DlEventType type)
{
  DlEvent *ev = dl_event_new (type);
  int n = t->train != NULL ? t->train->n : 0;

  ev->state = t->state;
  ev->step = t->step;
  ev->epoch = t->epoch;
  ev->epochs = t->cfg.epochs;
  ev->samples_seen = t->pos;
  ev->epoch_fraction = n > 0 ? (double) t->pos / n : 0.0;
  ev->loss = t->last_loss;
  ev->elapsed_seconds = t->elapsed;
  ev->hyper = t->cfg.hyper;
  ev->batch = t->cfg.batch;
  ev->augment = t->cfg.augment;
  return ev;
}

static void
post_error (Trainer *t, GError *error)
{
  DlEvent *ev = trainer_event (t, DL_EVENT_ERROR);

  ev->message = g_strdup (error->message);
  ev->error = error;
  post_event (t->worker, ev);
}

static void
post_error_literal (Trainer *t, int code, const char *message)
{
  post_error (t, g_error_new_literal (DL_WORKER_ERROR, code, message));
}

static void
record_batch_loss (Trainer *t, float loss)
{
  DlBatchLoss point = { t->epoch + (double) t->pos / t->train->n, loss };

  if (t->batch_losses == NULL)
    t->batch_losses = g_array_sized_new (FALSE, FALSE, sizeof (DlBatchLoss), 64);
  g_array_append_val (t->batch_losses, point);
}

static void
publish_progress (Trainer *t, gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  DlEvent *ev;
  gint64 remaining;

  if (t->train == NULL || (!force && now - t->last_progress_us < PROGRESS_INTERVAL_US))
    return;
  if (t->rate_seconds > 0.0)
    {
      double inst = t->rate_samples / t->rate_seconds;

      t->rate = t->rate > 0.0 ? 0.7 * t->rate + 0.3 * inst : inst;
    }
  t->rate_samples = 0;
  t->rate_seconds = 0.0;
  t->last_progress_us = now;

  ev = trainer_event (t, DL_EVENT_PROGRESS);
  ev->running_accuracy = t->pos > 0 ? (double) t->epoch_correct / t->pos : 0.0;
  ev->samples_per_second = t->rate;
  ev->batch_losses = g_steal_pointer (&t->batch_losses);
  remaining = (gint64) MAX (t->cfg.epochs - t->epoch, 0) * t->train->n - t->pos;
  ev->eta_seconds = t->rate > 0.0 ? MAX (remaining, 0) / t->rate : 0.0;
  post_progress (t->worker, ev);
}

static void
post_state (Trainer *t)
{
  publish_progress (t, TRUE);
  post_event (t->worker, trainer_event (t, DL_EVENT_STATE));
}

static void
publish_snapshot (Trainer *t)
{
  DlWorker *self = t->worker;
  DlSnapshot *snap, *old;

  if (t->net == NULL)
    return;
  if (t->spare != NULL && t->spare->generation == t->generation && dl_snapshot_is_exclusive (t->spare))
    {
      snap = g_steal_pointer (&t->spare);
      dl_net_set_params (snap->net, dl_net_params (t->net));
    }
  else
    {
      g_clear_pointer (&t->spare, dl_snapshot_unref);
      snap = dl_snapshot_new (dl_net_copy (t->net));
    }
  snap->step = t->step;
  snap->generation = t->generation;
  snap->trained = t->trained;

  g_mutex_lock (&self->snapshot_lock);
  TSAN_ACQUIRE (&self->snapshot_lock);
  old = self->snapshot;
  self->snapshot = snap;
  TSAN_RELEASE (&self->snapshot_lock);
  g_mutex_unlock (&self->snapshot_lock);

  t->spare = old;
  t->last_snapshot_us = g_get_monotonic_time ();
}

/* Sum of p × 0 is NaN exactly when some p is NaN or ±Inf: one branch-free pass. */
static gboolean
params_finite (DlNet *net)
{
  const float *p = dl_net_params (net);
  gsize n = dl_net_n_params (net);
  float acc = 0.0f;

  for (gsize i = 0; i < n; i++)
    acc += p[i] * 0.0f;
  return acc == 0.0f;
}

/* Keeps a copy of the parameters to go back to if training diverges. */
static void
keep_good_copy (Trainer *t)
{
  if (t->net == NULL || !isfinite (t->last_loss) || !params_finite (t->net))
    return;
  memcpy (t->good, dl_net_params (t->net), dl_net_n_params (t->net) * sizeof (float));
  t->good_step = t->step;
  t->good_loss = t->last_loss;
}

static void
forget_epoch (Trainer *t)
{
  t->order_ready = FALSE;
  t->pos = 0;
  t->epoch_loss_sum = 0.0;
  t->epoch_correct = 0;
}

static void
begin_epoch (Trainer *t)
{
  int n = t->train->n;

  if (t->order_n != n)
    {
      g_free (t->order);
      t->order = g_new (int, n);
      t->order_n = n;
    }
  for (int i = 0; i < n; i++)
    t->order[i] = i;
  dl_rng_shuffle (&t->rng, t->order, n);
  forget_epoch (t);
  t->order_ready = TRUE;
}

/* Replaces the network: a reset or a loaded model. Training starts over at step 0. */
static void
install_net (Trainer *t, DlNet *net)
{
  int c, h, w;

  g_clear_pointer (&t->net, dl_net_free);
  t->net = net;
  if (t->cfg.threads > 0)
    dl_net_set_threads (net, t->cfg.threads);
  g_free (t->good);
  t->good = g_new (float, dl_net_n_params (net));
  g_clear_pointer (&t->spare, dl_snapshot_unref);
  dl_arch_shape (dl_net_arch (net), -1, &c, &h, &w);
  g_free (t->x);
  t->x = g_new (float, (gsize) DL_MAX_BATCH * c * h * w);
  t->generation++;
  t->step = 0;
  t->epoch = 0;
  t->elapsed = 0.0;
  t->rate = 0.0;
  t->last_loss = 0.0f;
  g_clear_pointer (&t->batch_losses, g_array_unref);
  t->batches_since_eval = 0;
  memset (&t->health, 0, sizeof t->health);
  forget_epoch (t);
  dl_rng_seed (&t->rng, t->cfg.seed);
  dl_rng_seed (&t->augment_rng, t->cfg.seed ^ G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  keep_good_copy (t);
  set_state (t, DL_TRAIN_IDLE);
  publish_snapshot (t);
}

static gboolean
validate_batch (Trainer *t, int batch)
{
  if (batch >= 1 && batch <= DL_MAX_BATCH)
    return TRUE;
  post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                              _("Batch size %d is out of range: expected 1 to %d."), batch, DL_MAX_BATCH));
  return FALSE;
}

static gboolean
validate_hyper (Trainer *t, const DlHyper *hyper, int batch)
{
  if (!validate_batch (t, batch))
    return FALSE;
  if (!isfinite (hyper->lr) || hyper->lr <= 0.0f)
    {
      post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                                  _("Learning rate %g is invalid: expected a positive number."),
                                  (double) hyper->lr));
      return FALSE;
    }
  return TRUE;
}

/* ---- evaluation ---- */

static void
post_eval (Trainer *t, const DlDataset *ds, gboolean end_of_epoch)
{
  DlEvent *ev = trainer_event (t, DL_EVENT_EVAL);

  ev->end_of_epoch = end_of_epoch;
  if (end_of_epoch && t->pos > 0)
    {
      ev->train_loss = t->epoch_loss_sum / t->pos;
      ev->train_accuracy = (double) t->epoch_correct / t->pos;
    }
  /* Health of the last training batch: measured on request, so only evaluations ask for it, before
   * their own forward passes. */
  if (t->trained)
    dl_net_health (t->net, &t->health);
  ev->eval = dl_eval_run (t->net, ds);
  ev->test_loss = ev->eval->loss;
  ev->test_accuracy = ev->eval->accuracy;
  ev->health = t->health;
  ev->diagnosis = dl_diagnose (ev->eval, ds, &t->health, dl_net_arch (t->net), &t->cfg.hyper, t->cfg.batch);
  /* The parameters that were evaluated, for views that show the evaluation beside the net: published
   * before the event, so whoever receives it finds them. */
  publish_snapshot (t);
  post_event (t->worker, ev);
}

/* ---- divergence ---- */

static char *
divergence_advice (const DlHyper *h, int batch)
{
  double cap = h->optimizer == DL_OPT_ADAM ? 0.001 : 0.05;

  if (h->reduce == DL_REDUCE_SUM && batch > 1)
    return g_strdup_printf (_("the gradient is summed over the batch of %d, so every step is %d times too "
                              "large: average it over the batch, or lower the learning rate (try %g)"),
                            batch, batch, (double) h->lr / batch);
  if ((h->optimizer == DL_OPT_MOMENTUM || h->optimizer == DL_OPT_NESTEROV) && h->momentum >= 1.0f)
    return g_strdup (_("lower the momentum below 1 (try 0.9)"));
  return g_strdup_printf (_("lower the learning rate (try %g)"), MIN ((double) h->lr / 10.0, cap));
}

static gboolean
exploded (Trainer *t, float loss)
{
  return loss > EXPLODED_FACTOR * MAX (t->good_loss, 1.0f);
}

/* NaN or Inf, or an exploded loss: pause, go back to the last good parameters, and say what to change. */
static void
diverged (Trainer *t, float loss)
{
  g_autofree char *advice = divergence_advice (&t->cfg.hyper, t->cfg.batch);
  g_autofree char *what = NULL;
  DlEvent *ev;

  if (isnan (loss))
    what = g_strdup (_("The loss became NaN"));
  else if (isinf (loss))
    what = g_strdup (_("The loss became infinite"));
  else if (exploded (t, loss))
    what = g_strdup_printf (_("The loss exploded to %g"), (double) loss);
  else
    what = g_strdup (_("The parameters became NaN or infinite"));

  dl_net_set_params (t->net, t->good);
  set_state (t, DL_TRAIN_PAUSED);
  publish_snapshot (t);

  ev = trainer_event (t, DL_EVENT_DIVERGED);
  ev->message = g_strdup_printf (_("%s at step %lld with learning rate %g: %s. "
                                   "Parameters restored from step %lld; training paused."),
                                 what, (long long) t->step, (double) t->cfg.hyper.lr, advice,
                                 (long long) t->good_step);
  post_progress (t->worker, trainer_event (t, DL_EVENT_PROGRESS));
  post_event (t->worker, ev);
  post_event (t->worker, trainer_event (t, DL_EVENT_STATE));
}

/* ---- one batch ---- */

static void
gather_batch (Trainer *t, const int *idx, int n)
{
  if (t->cfg.augment)
    dl_augment_gather_kinds (t->train, idx, n, t->x, &t->augment_rng, t->cfg.augment_kinds);
  else
    dl_dataset_gather (t->train, idx, n, t->x);
  for (int i = 0; i < n; i++)
    t->y[i] = t->train->labels[idx[i]];
}

static float
scheduled_lr (Trainer *t)
{
  DlPreset schedule = {
    .schedule = t->cfg.schedule,
    .schedule_gamma = t->cfg.schedule_gamma,
    .schedule_step = t->cfg.schedule_step,
    .epochs = t->cfg.epochs,
  };

  if (t->cfg.schedule == DL_SCHEDULE_NONE)
    return t->cfg.hyper.lr;
  return dl_schedule_lr (&schedule, t->cfg.hyper.lr, t->epoch + (double) t->pos / t->train->n, t->cfg.epochs);
}

static void
end_epoch (Trainer *t)
{
  publish_progress (t, FALSE);
  post_eval (t, t->test, TRUE);   /* also publishes the snapshot */
  keep_good_copy (t);
  t->epoch++;
  t->batches_since_eval = 0;
  forget_epoch (t);
  if (t->epoch >= t->cfg.epochs)
    {
      set_state (t, DL_TRAIN_STOPPED);
      publish_progress (t, TRUE);   /* the last batch losses, however recent the previous progress */
      post_event (t->worker, trainer_event (t, DL_EVENT_DONE));
      post_event (t->worker, trainer_event (t, DL_EVENT_STATE));
    }
}

static void
train_batch (Trainer *t)
{
  gint64 t0 = g_get_monotonic_time ();
  DlHyper hyper;
  int b, correct = 0;
  const int *idx;
  float loss;
  double seconds;

  if (!t->order_ready)
    begin_epoch (t);
  b = MIN (t->cfg.batch, t->train->n - t->pos);
  idx = t->order + t->pos;
  gather_batch (t, idx, b);
  hyper = t->cfg.hyper;
  hyper.lr = scheduled_lr (t);

  loss = dl_net_train_step (t->net, t->x, t->y, b, &hyper, &correct);
  t->step++;
  t->trained = TRUE;
  if (t->observer != NULL)
    {
      DlStepInfo info = {
        .step = t->step, .epoch = t->epoch, .batch = b, .indices = idx, .x = t->x,
        .hyper = &hyper, .loss = loss, .net = t->net,
      };

      t->observer (&info, t->observer_data);
    }
  if (!isfinite (loss) || exploded (t, loss) || (t->step % FINITE_CHECK_EVERY == 0 && !params_finite (t->net)))
    {
      diverged (t, loss);
      return;
    }

  t->pos += b;
  t->last_loss = loss;
  record_batch_loss (t, loss);
  t->epoch_loss_sum += (double) loss * b;
  t->epoch_correct += correct;
  seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  t->elapsed += seconds;
  t->rate_seconds += seconds;
  t->rate_samples += b;
  if (t->step % GOOD_COPY_EVERY == 0)
    keep_good_copy (t);

  if (t->pos >= t->train->n)
    {
      end_epoch (t);
      return;
    }
  if (t->cfg.eval_every > 0 && ++t->batches_since_eval >= t->cfg.eval_every)
    {
      t->batches_since_eval = 0;
      post_eval (t, t->test_part, FALSE);
    }
  publish_progress (t, FALSE);
  if (g_get_monotonic_time () - t->last_snapshot_us >= SNAPSHOT_INTERVAL_US)
    publish_snapshot (t);
}

/* ---- commands ---- */

/* Every architecture takes 1 × 28 × 28; a data set of another image size cannot be fed to it. */
static gboolean
data_fits_net (Trainer *t, const DlDataset *ds)
{
  const DlArch *arch = dl_net_arch (t->net);

  if (ds->rows == arch->in_h && ds->cols == arch->in_w)
    return TRUE;
  post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                              _("The images of %s are %d×%d, but the network takes %d×%d."),
                              ds->source, ds->rows, ds->cols, arch->in_h, arch->in_w));
  return FALSE;
}

/* Takes ownership of both. Training that is running goes on with the new sets, so they must fit. */
static void
use_data (Trainer *t, DlDataset *train, DlDataset *test)
{
  DlEvent *ev;

  if (t->net != NULL && !(data_fits_net (t, train) && data_fits_net (t, test)))
    {
      dl_dataset_unref (train);
      dl_dataset_unref (test);
      return;
    }
  g_clear_pointer (&t->train, dl_dataset_unref);
  g_clear_pointer (&t->test, dl_dataset_unref);
  g_clear_pointer (&t->test_part, dl_dataset_unref);
  t->train = train;
  t->test = test;
  t->test_part = dl_dataset_subset (test, PERIODIC_EVAL_EXAMPLES);
  /* The epoch in progress indexed the old set: start a fresh one. */
  forget_epoch (t);

  ev = trainer_event (t, DL_EVENT_DATA_LOADED);
  ev->train = dl_dataset_ref (train);
  ev->test = dl_dataset_ref (test);
  post_event (t->worker, ev);
}

static void
cmd_load_data (Trainer *t, Cmd *cmd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DlDataset) train = NULL;
  g_autoptr(DlDataset) test = NULL;

  train = dl_dataset_load_path (cmd->path, TRUE, &error);
  if (train != NULL)
    {
      if (cmd->path2 != NULL)
        test = dl_dataset_load_path (cmd->path2, FALSE, &error);
      else if (g_file_test (cmd->path, G_FILE_TEST_IS_DIR))
        test = dl_dataset_load_path (cmd->path, FALSE, &error);
      else if (t->test != NULL)
        test = dl_dataset_ref (t->test);
      else
        error = g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                             _("No test set for %s: give a test file, or a directory holding both sets."),
                             cmd->path);
    }
  if (error != NULL)
    {
      post_error (t, g_steal_pointer (&error));
      return;
    }
  use_data (t, g_steal_pointer (&train), g_steal_pointer (&test));
}

static void
cmd_reset (Trainer *t, Cmd *cmd)
{
  g_autoptr(GError) error = NULL;
  DlArch arch;

  if (!dl_arch_parse (cmd->config->arch, &arch, &error))
    {
      post_error (t, g_steal_pointer (&error));
      return;
    }
  if (!validate_hyper (t, &cmd->config->hyper, cmd->config->batch))
    return;
  dl_train_config_clear (&t->cfg);
  t->cfg = *cmd->config;
  t->cfg.arch = g_strdup (cmd->config->arch);
  t->cfg.epochs = MAX (t->cfg.epochs, 1);
  install_net (t, dl_net_new (&arch, t->cfg.seed));
  post_state (t);
}

static void
cmd_load_model (Trainer *t, Cmd *cmd)
{
  g_autoptr(GError) error = NULL;
  DlNet *net = dl_model_load (cmd->path, &error);
  DlEvent *ev;

  if (net == NULL)
    {
      post_error (t, g_steal_pointer (&error));
      return;
    }
  g_free (t->cfg.arch);
  t->cfg.arch = dl_arch_to_string (dl_net_arch (net));
  install_net (t, net);
  t->trained = TRUE;
  publish_snapshot (t);

  ev = trainer_event (t, DL_EVENT_MODEL_LOADED);
  ev->path = g_strdup (cmd->path);
  ev->config = dl_train_config_copy (&t->cfg);
  post_event (t->worker, ev);
  post_state (t);
}

static void
cmd_save_model (Trainer *t, Cmd *cmd)
{
  g_autoptr(GError) error = NULL;
  DlEvent *ev;

  if (t->net == NULL)
    {
      post_error_literal (t, DL_WORKER_ERROR_NOT_READY, _("There is no network to save yet."));
      return;
    }
  if (!dl_model_save (t->net, cmd->path, &error))
    {
      post_error (t, g_steal_pointer (&error));
      return;
    }
  ev = trainer_event (t, DL_EVENT_MODEL_SAVED);
  ev->path = g_strdup (cmd->path);
  post_event (t->worker, ev);
}

static gboolean
ready_to_train (Trainer *t)
{
  if (t->net == NULL)
    {
      post_error_literal (t, DL_WORKER_ERROR_NOT_READY, _("Choose a network before starting training."));
      return FALSE;
    }
  if (t->train == NULL || t->test == NULL)
    {
      post_error_literal (t, DL_WORKER_ERROR_NOT_READY, _("Load the training and test data before starting."));
      return FALSE;
    }
  return data_fits_net (t, t->train) && data_fits_net (t, t->test);
}

static void
cmd_start (Trainer *t)
{
  if (t->state == DL_TRAIN_RUNNING || !ready_to_train (t))
    return;
  /* A finished run starts over for another `epochs`, from the current parameters. */
  if (t->epoch >= t->cfg.epochs)
    t->epoch = 0;
  t->last_progress_us = g_get_monotonic_time ();
  set_state (t, DL_TRAIN_RUNNING);
  post_state (t);
}

/* Pause and stop: a state the user can look at, with a snapshot and a good copy of it. */
static void
settle (Trainer *t, DlTrainState state)
{
  set_state (t, state);
  keep_good_copy (t);
  publish_snapshot (t);
  post_state (t);
}

static void
append_change (GString *s, const char *name, const char *from, const char *to)
{
  if (g_strcmp0 (from, to) == 0)
    return;
  if (s->len > 0)
    g_string_append (s, "; ");
  g_string_append_printf (s, "%s %s → %s", name, from, to);
}

static void
append_float_change (GString *s, const char *name, float from, float to)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  if (from == to)
    return;
  g_ascii_formatd (a, sizeof a, "%g", from);
  g_ascii_formatd (b, sizeof b, "%g", to);
  append_change (s, name, a, b);
}

/* "lr 0.05 → 0.01; batch 64 → 128": what a set_hyper changed, empty when nothing did. */
static char *
describe_change (const DlHyper *h0, int b0, gboolean a0, const DlHyper *h1, int b1, gboolean a1)
{
  GString *s = g_string_new (NULL);
  char x[32], y[32];

  append_float_change (s, "lr", h0->lr, h1->lr);
  append_float_change (s, "momentum", h0->momentum, h1->momentum);
  append_float_change (s, "weight decay", h0->weight_decay, h1->weight_decay);
  append_change (s, "optimiser", dl_optimizer_name (h0->optimizer), dl_optimizer_name (h1->optimizer));
  append_change (s, "reduce", h0->reduce == DL_REDUCE_SUM ? "sum" : "mean",
                 h1->reduce == DL_REDUCE_SUM ? "sum" : "mean");
  append_float_change (s, "beta1", h0->beta1, h1->beta1);
  append_float_change (s, "beta2", h0->beta2, h1->beta2);
  append_float_change (s, "eps", h0->eps, h1->eps);
  g_snprintf (x, sizeof x, "%d", b0);
  g_snprintf (y, sizeof y, "%d", b1);
  append_change (s, "batch", x, y);
  append_change (s, "augment", a0 ? "on" : "off", a1 ? "on" : "off");
  return g_string_free (s, FALSE);
}

static void
cmd_set_hyper (Trainer *t, Cmd *cmd)
{
  DlEvent *ev;
  char *change;

  if (!validate_hyper (t, &cmd->hyper, cmd->batch))
    return;
  change = describe_change (&t->cfg.hyper, t->cfg.batch, t->cfg.augment, &cmd->hyper, cmd->batch, cmd->augment);
  t->cfg.hyper = cmd->hyper;
  t->cfg.batch = cmd->batch;
  t->cfg.augment = cmd->augment;

  /* Commands run between batches, so the next step is the first to use the new values. */
  ev = trainer_event (t, DL_EVENT_HYPER_APPLIED);
  ev->step = t->step + 1;
  ev->change = change;
  post_event (t->worker, ev);
}

static void
cmd_evaluate (Trainer *t)
{
  if (t->net == NULL || t->test == NULL)
    {
      post_error_literal (t, DL_WORKER_ERROR_NOT_READY, _("Evaluation needs a network and a test set."));
      return;
    }
  if (data_fits_net (t, t->test))
    post_eval (t, t->test, FALSE);
}

static void
run_command (Trainer *t, Cmd *cmd)
{
  TSAN_ACQUIRE (cmd);
  switch (cmd->type)
    {
    case CMD_LOAD_DATA:
      cmd_load_data (t, cmd);
      break;
    case CMD_SET_DATA:
      use_data (t, g_steal_pointer (&cmd->train), g_steal_pointer (&cmd->test));
      break;
    case CMD_RESET:
      cmd_reset (t, cmd);
      break;
    case CMD_START:
      cmd_start (t);
      break;
    case CMD_PAUSE:
      if (t->state == DL_TRAIN_RUNNING)
        settle (t, DL_TRAIN_PAUSED);
      break;
    case CMD_RESUME:
      if (t->state == DL_TRAIN_PAUSED && ready_to_train (t))
        {
          t->last_progress_us = g_get_monotonic_time ();
          set_state (t, DL_TRAIN_RUNNING);
          post_state (t);
        }
      break;
    case CMD_STOP:
      if (t->state == DL_TRAIN_RUNNING || t->state == DL_TRAIN_PAUSED)
        {
          forget_epoch (t);
          settle (t, DL_TRAIN_STOPPED);
        }
      break;
    case CMD_SET_HYPER:
      cmd_set_hyper (t, cmd);
      break;
    case CMD_EVALUATE:
      cmd_evaluate (t);
      break;
    case CMD_SAVE_MODEL:
      cmd_save_model (t, cmd);
      break;
    case CMD_LOAD_MODEL:
      cmd_load_model (t, cmd);
      break;
    case CMD_SET_OBSERVER:
      t->observer = cmd->observer;
      t->observer_data = cmd->observer_data;
      break;
    case CMD_SHUTDOWN:
      t->quit = TRUE;
      break;
    }
}

static void
trainer_free (Trainer *t)
{
  g_clear_pointer (&t->net, dl_net_free);
  dl_train_config_clear (&t->cfg);
  g_clear_pointer (&t->train, dl_dataset_unref);
  g_clear_pointer (&t->test, dl_dataset_unref);
  g_clear_pointer (&t->test_part, dl_dataset_unref);
  g_clear_pointer (&t->spare, dl_snapshot_unref);
  g_free (t->order);
  g_free (t->x);
  g_free (t->y);
  g_free (t->good);
  g_clear_pointer (&t->batch_losses, g_array_unref);
  g_free (t);
}

static gpointer
worker_thread (gpointer data)
{
  Trainer *t = g_new0 (Trainer, 1);
  Cmd *cmd;

  t->worker = data;
  /* Training runs flat out: below the UI's priority, so that on a machine with few cores the window
   * still gets the CPU it needs to redraw and answer input (Linux nices threads one by one). */
  setpriority (PRIO_PROCESS, (id_t) gettid (), WORKER_NICE);
  t->y = g_new (guint8, DL_MAX_BATCH);
  /* What a model loaded before any reset trains with. */
  dl_hyper_init_default (&t->cfg.hyper);
  t->cfg.batch = 64;
  t->cfg.epochs = 1;
  t->cfg.seed = 1;
  t->cfg.eval_every = 200;
  while (!t->quit)
    {
      /* Between batches, take every pending command first; when not running, wait for one. */
      if (t->state == DL_TRAIN_RUNNING)
        cmd = g_async_queue_try_pop (t->worker->commands);
      else
        cmd = g_async_queue_pop (t->worker->commands);
      if (cmd != NULL)
        {
          run_command (t, cmd);
          cmd_free (cmd);
        }
      else
        train_batch (t);
    }
  /* Shutting down: whatever is still queued is dropped. */
  while ((cmd = g_async_queue_try_pop (t->worker->commands)) != NULL)
    cmd_free (cmd);
  trainer_free (t);
  return NULL;
}

/* ------------------------------------------------------------------------------------------------ */
/* Public API (the creating thread) */

DlWorker *
dl_worker_new (void)
{
  return g_object_new (DL_TYPE_WORKER, NULL);
}

void
dl_worker_load_data (DlWorker *self, const char *train_path, const char *test_path)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (train_path != NULL);
  cmd = cmd_new (CMD_LOAD_DATA);
  cmd->path = g_strdup (train_path);
  cmd->path2 = g_strdup (test_path);
  push_command (self, cmd, FALSE);
}

void
dl_worker_set_data (DlWorker *self, DlDataset *train, DlDataset *test)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (train != NULL && test != NULL);
  cmd = cmd_new (CMD_SET_DATA);
  cmd->train = dl_dataset_ref (train);
  cmd->test = dl_dataset_ref (test);
  push_command (self, cmd, FALSE);
}

void
dl_worker_reset (DlWorker *self, const DlTrainConfig *cfg)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (cfg != NULL && cfg->arch != NULL);
  cmd = cmd_new (CMD_RESET);
  cmd->config = dl_train_config_copy (cfg);
  push_command (self, cmd, FALSE);
}

static void
push_simple (DlWorker *self, CmdType type)
{
  g_return_if_fail (DL_IS_WORKER (self));
  push_command (self, cmd_new (type), FALSE);
}

void
dl_worker_start (DlWorker *self)
{
  push_simple (self, CMD_START);
}

void
dl_worker_pause (DlWorker *self)
{
  push_simple (self, CMD_PAUSE);
}

void
dl_worker_resume (DlWorker *self)
{
  push_simple (self, CMD_RESUME);
}

void
dl_worker_stop (DlWorker *self)
{
  push_simple (self, CMD_STOP);
}

void
dl_worker_evaluate (DlWorker *self)
{
  push_simple (self, CMD_EVALUATE);
}

void
dl_worker_set_hyper (DlWorker *self, const DlHyper *hyper, int batch, gboolean augment)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (hyper != NULL);
  cmd = cmd_new (CMD_SET_HYPER);
  cmd->hyper = *hyper;
  cmd->batch = batch;
  cmd->augment = augment;
  push_command (self, cmd, FALSE);
}

void
dl_worker_save_model (DlWorker *self, const char *path)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (path != NULL);
  cmd = cmd_new (CMD_SAVE_MODEL);
  cmd->path = g_strdup (path);
  push_command (self, cmd, FALSE);
}

void
dl_worker_load_model (DlWorker *self, const char *path)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (path != NULL);
  cmd = cmd_new (CMD_LOAD_MODEL);
  cmd->path = g_strdup (path);
  push_command (self, cmd, FALSE);
}

void
dl_worker_set_step_observer (DlWorker *self, DlStepObserver observer, gpointer user_data)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  cmd = cmd_new (CMD_SET_OBSERVER);
  cmd->observer = observer;
  cmd->observer_data = user_data;
  push_command (self, cmd, FALSE);
}

void
dl_worker_shutdown (DlWorker *self)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  if (self->thread == NULL)
    return;
  /* Ahead of everything queued: the worker sees it at the next batch boundary. */
  push_command (self, cmd_new (CMD_SHUTDOWN), TRUE);
  g_atomic_int_set (&self->shut_down, TRUE);
  g_thread_join (self->thread);
  self->thread = NULL;
  while ((cmd = g_async_queue_try_pop (self->commands)) != NULL)
    cmd_free (cmd);
}

DlSnapshot *
dl_worker_dup_snapshot (DlWorker *self)
{
  DlSnapshot *snap = NULL;

  g_return_val_if_fail (DL_IS_WORKER (self), NULL);
  g_mutex_lock (&self->snapshot_lock);
  TSAN_ACQUIRE (&self->snapshot_lock);
  if (self->snapshot != NULL)
    snap = dl_snapshot_ref (self->snapshot);
  TSAN_RELEASE (&self->snapshot_lock);
  g_mutex_unlock (&self->snapshot_lock);
  return snap;
}

DlTrainState
dl_worker_get_state (DlWorker *self)
{
  g_return_val_if_fail (DL_IS_WORKER (self), DL_TRAIN_IDLE);
  return g_atomic_int_get (&self->state);
}

static void
dl_worker_dispose (GObject *object)
{
  DlWorker *self = DL_WORKER (object);

  dl_worker_shutdown (self);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  G_OBJECT_CLASS (dl_worker_parent_class)->dispose (object);
}

static void
dl_worker_finalize (GObject *object)
{
  DlWorker *self = DL_WORKER (object);

  g_async_queue_unref (self->commands);
  g_async_queue_unref (self->events);
  g_clear_pointer (&self->progress, dl_event_unref);
  g_clear_pointer (&self->snapshot, dl_snapshot_unref);
  g_mutex_clear (&self->snapshot_lock);
  G_OBJECT_CLASS (dl_worker_parent_class)->finalize (object);
}

static void
dl_worker_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlWorker *self = DL_WORKER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->delivered_state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_worker_class_init (DlWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dl_worker_dispose;
  object_class->finalize = dl_worker_finalize;
  object_class->get_property = dl_worker_get_property;

  /* The DlTrainState of the last state change delivered on the main context. */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, DL_TRAIN_IDLE, DL_TRAIN_STOPPED, DL_TRAIN_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, DL_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
dl_worker_init (DlWorker *self)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  self->commands = g_async_queue_new_full (cmd_free);
  self->events = g_async_queue_new_full ((GDestroyNotify) dl_event_unref);
  g_mutex_init (&self->snapshot_lock);

  self->source = g_source_new (&event_source_funcs, sizeof (EventSource));
  ((EventSource *) self->source)->worker = self;
  g_source_set_static_name (self->source, "DlWorker events");
  /* Default priority, like input: below it, a window whose frames take long (software GL under load)
   * keeps the frame clock busy and starves the events for good. A burst cannot delay frames much:
   * progress is coalesced and each dispatch handles a bounded number of events. */
  g_source_set_priority (self->source, G_PRIORITY_DEFAULT);
  g_source_attach (self->source, context);

  self->thread = g_thread_new ("dl-worker", worker_thread, self);
}
