/* dl-worker.c — the training worker: its thread, command queue, event source and snapshot slot.
 *
 * One thread owns a DlTrainer (dl-trainer.c), which owns the network and the data sets. The front end
 * talks to it only through two GAsyncQueues:
 *
 *   commands  (any thread → worker)  Cmd*, pushed by the dl_worker_* command functions, never blocking;
 *   events    (worker → main context) DlEvent*, drained by a GSource the worker wakes with
 *             g_source_set_ready_time (source, 0), as GNOME Builder's build log does.
 *
 * Progress is coalesced: the trainer publishes at most ~30 progress events per second, into a single
 * slot beside the events queue (guarded by the queue's own lock). Before any other event is queued, a
 * pending progress event is moved into the queue ahead of it, so receivers see events in the order they
 * happened and every non-progress event is delivered.
 *
 * Parameter snapshots are swapped into a slot under a short mutex, so the UI can run inference at any
 * time without waiting for a training step.
 */
#define _GNU_SOURCE   /* gettid */
#include <sys/resource.h>
#include <unistd.h>

#include "dl-trainer.h"
#include "dl-tsan.h"
#include "dl-worker.h"

/* How much lower than the UI the training thread runs (setpriority's nice units). */
#define WORKER_NICE 10

#define EVENTS_PER_DISPATCH 32   /* bound on the work of one main-loop iteration */

G_DEFINE_QUARK (dl-worker-error-quark, dl_worker_error)

/* ------------------------------------------------------------------------------------------------ */
/* Commands */

typedef enum {
  CMD_LOAD_DATA,
  CMD_SET_DATA,
  CMD_NEW_RUN,
  CMD_LOAD_MODEL,
  CMD_BRANCH,
  CMD_FIND_LR,
  CMD_START,
  CMD_PAUSE,
  CMD_RESUME,
  CMD_STOP,
  CMD_CONTINUE,
  CMD_SET_HYPER,
  CMD_EVALUATE,
  CMD_SAVE_MODEL,
  CMD_SET_OBSERVER,
  CMD_SHUTDOWN,
} CmdType;

typedef struct {
  CmdType         type;
  char           *path, *path2;
  DlDataset      *train, *test;
  DlTrainConfig  *config;
  DlCheckpoint   *checkpoint;
  DlLrFindOptions lr_find;
  DlHyper         hyper;
  int             batch;
  gboolean        augment;
  int             n_epochs;
  DlStepObserver  observer;
  gpointer        observer_data;
  gint            sweep;            /* CMD_FIND_LR: its number, 1, 2, … */
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
  g_clear_pointer (&cmd->checkpoint, dl_checkpoint_unref);
  g_free (cmd);
}

/* ------------------------------------------------------------------------------------------------ */
/* The worker object */

struct _DlWorker {
  GObject       parent_instance;

  GThread      *thread;
  gint          shut_down;       /* atomic: commands after shutdown are dropped */
  gint          sweeps_asked;    /* atomic: learning-rate sweeps asked for (numbered from 1) */
  gint          sweeps_cancelled;/* atomic: every sweep up to this number is to be given up */
  gint          sweep;           /* the worker thread's: the sweep it runs now, 0 for none */
  GAsyncQueue  *commands;        /* Cmd* */
  GAsyncQueue  *events;          /* DlEvent*; its lock also guards `progress` */
  DlEvent      *progress;        /* the one pending progress event, or NULL */
  GSource      *source;          /* on the creating thread's main context */

  GMutex        snapshot_lock;
  DlSnapshot   *snapshot;        /* latest published, or NULL before the first run */

  /* As of the last STATE event delivered on the main context. */
  DlTrainState  state;
  guint         run_serial;
};

G_DEFINE_FINAL_TYPE (DlWorker, dl_worker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_RUN_SERIAL,
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

/* ---- the worker thread's side of the events queue and the snapshot slot (the trainer's sink) ---- */

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

/* An event that must arrive, behind any pending progress. */
static void
sink_post_event (gpointer data, DlEvent *ev)
{
  DlWorker *self = data;

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

static void
sink_post_progress (gpointer data, DlEvent *ev)
{
  DlWorker *self = data;
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

static void
sink_publish_snapshot (gpointer data, DlSnapshot *snap)
{
  DlWorker *self = data;
  DlSnapshot *old;

  g_mutex_lock (&self->snapshot_lock);
  TSAN_ACQUIRE (&self->snapshot_lock);
  old = self->snapshot;
  self->snapshot = snap;
  TSAN_RELEASE (&self->snapshot_lock);
  g_mutex_unlock (&self->snapshot_lock);
  dl_snapshot_unref (old);
}

/* Shutdown is pushed ahead of every command and flagged right after: a long command gives up. So does a
 * learning-rate sweep that was cancelled. */
static gboolean
sink_cancelled (gpointer data)
{
  DlWorker *self = data;

  return g_atomic_int_get (&self->shut_down)
         || (self->sweep > 0 && self->sweep <= g_atomic_int_get (&self->sweeps_cancelled));
}

static const DlTrainerSink sink = {
  .post_event = sink_post_event,
  .post_progress = sink_post_progress,
  .publish_snapshot = sink_publish_snapshot,
  .cancelled = sink_cancelled,
};

/* ---- the main context's side: the event source ---- */

/* The next event in order, or NULL. */
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
  gboolean new_state, new_run;

  g_signal_emit (self, signals[SIGNAL_EVENT], 0, ev);
  if (ev->type != DL_EVENT_STATE)
    return;
  new_state = ev->state != self->state;
  new_run = ev->run_serial != self->run_serial;
  self->state = ev->state;
  self->run_serial = ev->run_serial;
  if (new_run)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN_SERIAL]);
  if (new_state)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
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
/* The worker thread */

/* FALSE once the worker is to quit. */
static gboolean
run_command (DlWorker *self, DlTrainer *t, Cmd *cmd)
{
  TSAN_ACQUIRE (cmd);
  switch (cmd->type)
    {
    case CMD_LOAD_DATA:
      dl_trainer_load_data (t, cmd->path, cmd->path2);
      break;
    case CMD_SET_DATA:
      dl_trainer_set_data (t, g_steal_pointer (&cmd->train), g_steal_pointer (&cmd->test));
      break;
    case CMD_NEW_RUN:
      dl_trainer_new_run (t, cmd->config);
      break;
    case CMD_LOAD_MODEL:
      dl_trainer_load_model (t, cmd->path, cmd->config);
      break;
    case CMD_BRANCH:
      dl_trainer_branch (t, cmd->checkpoint, cmd->config);
      break;
    case CMD_FIND_LR:
      self->sweep = cmd->sweep;
      dl_trainer_find_lr (t, cmd->config, &cmd->lr_find);
      self->sweep = 0;
      break;
    case CMD_START:
      dl_trainer_start (t);
      break;
    case CMD_PAUSE:
      dl_trainer_pause (t);
      break;
    case CMD_RESUME:
      dl_trainer_resume (t);
      break;
    case CMD_STOP:
      dl_trainer_stop (t);
      break;
    case CMD_CONTINUE:
      dl_trainer_continue (t, cmd->n_epochs);
      break;
    case CMD_SET_HYPER:
      dl_trainer_set_hyper (t, &cmd->hyper, cmd->batch, cmd->augment);
      break;
    case CMD_EVALUATE:
      dl_trainer_evaluate (t);
      break;
    case CMD_SAVE_MODEL:
      dl_trainer_save_model (t, cmd->path);
      break;
    case CMD_SET_OBSERVER:
      dl_trainer_set_observer (t, cmd->observer, cmd->observer_data);
      break;
    case CMD_SHUTDOWN:
      return FALSE;
    }
  return TRUE;
}

static gpointer
worker_thread (gpointer data)
{
  DlWorker *self = data;   /* outlives the thread: shutdown joins it first */
  DlTrainer *t = dl_trainer_new (&sink, self);
  gboolean go_on = TRUE;
  Cmd *cmd;

  /* Training runs flat out: below the UI's priority, so that on a machine with few cores the window
   * still gets the CPU it needs to redraw and answer input (Linux nices threads one by one). */
  setpriority (PRIO_PROCESS, (id_t) gettid (), WORKER_NICE);
  while (go_on)
    {
      /* Between batches, take every pending command first; when not running, wait for one. */
      if (dl_trainer_is_running (t))
        cmd = g_async_queue_try_pop (self->commands);
      else
        cmd = g_async_queue_pop (self->commands);
      if (cmd != NULL)
        {
          go_on = run_command (self, t, cmd);
          cmd_free (cmd);
        }
      else
        dl_trainer_train_batch (t);
    }
  /* Shutting down: whatever is still queued is dropped. */
  while ((cmd = g_async_queue_try_pop (self->commands)) != NULL)
    cmd_free (cmd);
  dl_trainer_free (t);
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
dl_worker_new_run (DlWorker *self, const DlTrainConfig *cfg)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (cfg != NULL && cfg->arch != NULL);
  cmd = cmd_new (CMD_NEW_RUN);
  cmd->config = dl_train_config_copy (cfg);
  push_command (self, cmd, FALSE);
}

void
dl_worker_load_model (DlWorker *self, const char *path, const DlTrainConfig *cfg)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (path != NULL);
  cmd = cmd_new (CMD_LOAD_MODEL);
  cmd->path = g_strdup (path);
  cmd->config = cfg != NULL ? dl_train_config_copy (cfg) : NULL;
  push_command (self, cmd, FALSE);
}

void
dl_worker_branch (DlWorker *self, DlCheckpoint *ckpt, const DlTrainConfig *cfg)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (ckpt != NULL);
  cmd = cmd_new (CMD_BRANCH);
  cmd->checkpoint = dl_checkpoint_ref (ckpt);
  cmd->config = cfg != NULL ? dl_train_config_copy (cfg) : NULL;
  push_command (self, cmd, FALSE);
}

void
dl_worker_find_lr (DlWorker *self, const DlTrainConfig *cfg, const DlLrFindOptions *options)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  g_return_if_fail (cfg == NULL || cfg->arch != NULL);
  cmd = cmd_new (CMD_FIND_LR);
  cmd->config = cfg != NULL ? dl_train_config_copy (cfg) : NULL;
  if (options != NULL)
    cmd->lr_find = *options;
  else
    dl_lr_find_options_init (&cmd->lr_find);
  cmd->sweep = g_atomic_int_add (&self->sweeps_asked, 1) + 1;
  push_command (self, cmd, FALSE);
}

void
dl_worker_cancel_find_lr (DlWorker *self)
{
  g_return_if_fail (DL_IS_WORKER (self));
  g_atomic_int_set (&self->sweeps_cancelled, g_atomic_int_get (&self->sweeps_asked));
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
dl_worker_continue (DlWorker *self, int n_epochs)
{
  Cmd *cmd;

  g_return_if_fail (DL_IS_WORKER (self));
  cmd = cmd_new (CMD_CONTINUE);
  cmd->n_epochs = n_epochs;
  push_command (self, cmd, FALSE);
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
  g_return_val_if_fail (DL_IS_WORKER (self), DL_TRAIN_READY);
  return self->state;
}

guint
dl_worker_get_run_serial (DlWorker *self)
{
  g_return_val_if_fail (DL_IS_WORKER (self), 0);
  return self->run_serial;
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
      g_value_set_enum (value, self->state);
      break;
    case PROP_RUN_SERIAL:
      g_value_set_uint (value, self->run_serial);
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

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, DL_TYPE_TRAIN_STATE, DL_TRAIN_READY,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUN_SERIAL] =
    g_param_spec_uint ("run-serial", NULL, NULL, 0, G_MAXUINT, 0,
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
  self->state = DL_TRAIN_READY;

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
