/* dl-run-recorder.c — a DlWorker's events into the current DlRun and the store (see dl-run-recorder.h): the
 * runs it makes and ends, their states, models and errors; the training's figures are in
 * dl-run-recorder-training.c. */
#include "dl-run-recorder-private.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "dl-model.h"

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "digitlab"
#endif
#include <glib/gi18n-lib.h>

G_DEFINE_FINAL_TYPE (DlRunRecorder, dl_run_recorder, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WORKER,
  PROP_STORE,
  PROP_RUN,
  PROP_RECORD,
  PROP_BUSY,
  PROP_CHECKPOINT_RETENTION,
  N_PROPS
};

enum {
  SIGNAL_BEGIN_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- the worker's runs ---- */

/* What dl_worker_new_run and dl_worker_load_model refuse (validate_config in dl-trainer-commands.c, with
 * the same messages), checked before asking: a refused command posts an error event, which nothing ties to
 * the command it came from. The architecture is checked unless a model file brings its own. */
static gboolean
check_recipe (const DlTrainConfig *config, gboolean check_arch, GError **error)
{
  DlArch arch;

  if (check_arch && !dl_arch_parse (config->arch, &arch, error))
    return FALSE;
  if (config->epochs < 1)
    {
      g_set_error (error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID, _("%d epochs is out of range: expected at least 1."),
                   config->epochs);
      return FALSE;
    }
  if (config->batch < 1 || config->batch > DL_MAX_BATCH)
    {
      g_set_error (error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID, _("Batch size %d is out of range: expected 1 to %d."),
                   config->batch, DL_MAX_BATCH);
      return FALSE;
    }
  if (!isfinite (config->hyper.lr) || config->hyper.lr <= 0.0f)
    {
      g_set_error (error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                   _("Learning rate %g is invalid: expected a positive number."), (double) config->hyper.lr);
      return FALSE;
    }
  return TRUE;
}

/* The first event of a run the worker began (dl-worker.h): MODEL_LOADED for a model file, else STATE
 * READY with its recipe. */
static gboolean
begins_run (DlRunRecorder *self, const DlEvent *ev)
{
  if (ev->run_serial == 0 || ev->run_serial == self->serial)
    return FALSE;
  return ev->type == DL_EVENT_MODEL_LOADED || (ev->type == DL_EVENT_STATE && ev->config != NULL);
}

/* A failed model load names its file first (dl-model.c); a failed save names the file it was saving. */
static gboolean
is_load_failure (const DlEvent *ev, const char *model)
{
  return ev->error != NULL && ev->error->domain == DL_MODEL_ERROR && g_str_has_prefix (ev->error->message, model);
}

static gboolean
is_save_failure (const DlEvent *ev, const char *path)
{
  return ev->error != NULL && path != NULL && g_str_has_prefix (ev->error->message, path);
}


void
_dl_run_recorder_update_busy (DlRunRecorder *self)
{
  gboolean busy = self->pending != NULL || self->final_path != NULL || self->final_eval_pending;

  if (busy == self->busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
early_free (gpointer p)
{
  Early *e = p;

  g_free (e->kind);
  g_free (e->text);
  g_free (e);
}

static void
pending_free (Pending *p)
{
  if (p == NULL)
    return;
  g_free ((char *) p->spec.name);
  g_free ((char *) p->spec.preset);
  g_free ((char *) p->spec.model);
  g_free ((char *) p->spec.program);
  g_clear_pointer (&p->spec.data, dl_run_data_unref);
  g_clear_object (&p->spec.parent);
  g_clear_pointer (&p->spec.checkpoint, dl_checkpoint_unref);
  dl_train_config_clear (&p->config);
  g_free (p);
}

/* ---- the store side ---- */

void
_dl_run_recorder_save_figures (DlRunRecorder *self)
{
  if (self->store != NULL && self->stored)
    dl_run_store_update_run (self->store, self->run);
}

void
_dl_run_recorder_log_event (DlRunRecorder *self, const char *kind, gint64 step, double x, gboolean marker,
                            const char *text)
{
  if (self->store == NULL || self->unrecorded)
    return;
  if (self->stored)
    {
      dl_run_store_add_event (self->store, self->run, kind, step, x, marker, text);
      return;
    }
  Early *e = g_new0 (Early, 1);

  e->kind = g_strdup (kind);
  e->text = g_strdup (text);
  e->step = step;
  e->x = x;
  g_ptr_array_add (self->early, e);
}

/* The first time the run trains it goes into the store, with what happened before. */
static void
store_run (DlRunRecorder *self)
{
  if (self->store == NULL || self->stored || self->unrecorded)
    return;
  if (!self->record)
    {
      self->unrecorded = TRUE;
      g_ptr_array_set_size (self->early, 0);
      return;
    }
  dl_run_store_add_run (self->store, self->run);
  self->stored = TRUE;
  for (guint i = 0; i < self->early->len; i++)
    {
      Early *e = g_ptr_array_index (self->early, i);

      dl_run_store_add_event (self->store, self->run, e->kind, e->step, e->x, FALSE, e->text);
    }
  g_ptr_array_set_size (self->early, 0);
}

/* ---- states ---- */

static void
set_run_state (DlRunRecorder *self, DlTrainState state, const DlEvent *ev)
{
  DlRun *run = self->run;

  if (dl_run_get_state (run) == state)
    return;
  if (state == DL_TRAIN_RUNNING && dl_run_get_started_at (run) == 0)
    dl_run_set_started_at (run, g_get_real_time ());
  if (state == DL_TRAIN_RUNNING)
    {
      /* Continued after it ended: its final figures are to come again. */
      dl_run_set_ended_at (run, 0);
      dl_run_set_final_test_accuracy (run, NAN);
      self->final_step = -1;
    }
  if (dl_run_state_is_final (state))
    dl_run_set_ended_at (run, g_get_real_time ());
  dl_run_set_state (run, state);
  if (state == DL_TRAIN_RUNNING)
    store_run (self);
  _dl_run_recorder_log_event (self, "state", dl_run_get_steps (run),
                              ev != NULL ? event_x (ev) : dl_run_get_epochs_done (run), FALSE,
                              dl_train_state_to_nick (state));
  _dl_run_recorder_save_figures (self);
}

/* The end of a run that trained: its whole-test-set accuracy (unless the latest evaluation was of these very
 * parameters, or `evaluate` is FALSE: a failed run's test set is gone) and its final model, asked of the
 * worker once per step. */
static void
finish_run (DlRunRecorder *self, gboolean evaluate)
{
  DlRun *run = self->run;
  gint64 steps;

  if (run == NULL || (steps = dl_run_get_steps (run)) == 0 || self->final_step == steps)
    return;
  self->final_step = steps;
  if (self->whole_eval_step == steps)
    dl_run_set_final_test_accuracy (run, self->whole_eval_accuracy);
  else if (evaluate)
    {
      self->final_eval_pending = TRUE;
      dl_worker_evaluate (self->worker);
    }
  if (self->store != NULL && self->stored)
    {
      g_autofree char *dir = dl_run_store_dup_run_dir (self->store, run);

      if (g_mkdir_with_parents (dir, 0700) == 0)
        {
          g_free (self->final_path);
          self->final_path = g_build_filename (dir, "final.dlm", NULL);
          g_set_object (&self->final_run, run);
          dl_worker_save_model (self->worker, self->final_path);
        }
      else
        _dl_run_recorder_log_event (self, "error", steps, dl_run_get_epochs_done (run), FALSE,
                                    "cannot create the run's directory");
    }
  _dl_run_recorder_save_figures (self);
  _dl_run_recorder_update_busy (self);
}

static void
on_state (DlRunRecorder *self, const DlEvent *ev)
{
  dl_run_set_train_seconds (self->run, ev->elapsed_seconds);
  if (ev->state == DL_TRAIN_FAILED && ev->message != NULL)
    _dl_run_recorder_log_event (self, "error", ev->step, event_x (ev), FALSE, ev->message);
  set_run_state (self, ev->state, ev);
  /* A run ended by dl_run_recorder_begin had its final figures asked for there, before the new network. */
  if (dl_run_state_is_final (ev->state) && self->pending == NULL)
    finish_run (self, ev->state != DL_TRAIN_FAILED);
}

/* ---- making runs ---- */

/* The run being replaced: the worker ended it (STOPPED) if it was under way. */
static void
retire_run (DlRunRecorder *self)
{
  g_clear_object (&self->run);
  self->stored = FALSE;
  self->unrecorded = FALSE;
  g_ptr_array_set_size (self->early, 0);
}

/* A branch of a recorded run (DlRunSpec.parent and .checkpoint) or of the current one (dl_worker_branch from
 * one of its checkpoints): that checkpoint is kept whatever the retention, and the branch is on the same
 * data. */
static DlRun *
branched_from (DlRunRecorder *self, const DlEvent *ev, const Pending *p)
{
  if (ev->parent_run_serial == 0)
    return NULL;
  /* A branch asked for with the recorded run it comes from (dl_run_recorder_begin). */
  if (p != NULL && p->spec.parent != NULL)
    {
      if (self->store != NULL)
        dl_run_store_pin_checkpoint (self->store, p->spec.parent, ev->parent_step);
      return g_object_ref (p->spec.parent);
    }
  if (ev->parent_run_serial != self->serial || self->run == NULL)
    return NULL;
  if (self->store != NULL && self->stored)
    dl_run_store_pin_checkpoint (self->store, self->run, ev->parent_step);
  return g_object_ref (self->run);
}

/* The worker began a run: it becomes current, described by the pending spec (or as a run nobody asked the
 * recorder for: no preset, no data set). */
static void
activate (DlRunRecorder *self, const DlEvent *ev)
{
  Pending *p = g_steal_pointer (&self->pending);
  const char *origin = ev->type == DL_EVENT_MODEL_LOADED ? ev->path : NULL;
  g_autofree char *origin_sha = origin != NULL ? dl_run_data_checksum_file (origin, NULL, NULL) : NULL;
  g_autoptr (DlRun) parent = branched_from (self, ev, p);
  DlRunData *data = p != NULL && p->spec.data != NULL ? p->spec.data : parent != NULL ? dl_run_get_data (parent) : NULL;
  const char *preset = p != NULL && p->spec.preset != NULL ? p->spec.preset
                       : parent != NULL ? dl_run_get_preset (parent) : NULL;
  const char *program = p != NULL && p->spec.program != NULL ? p->spec.program
                        : parent != NULL ? dl_run_get_program (parent) : NULL;

  retire_run (self);
  self->run = g_object_new (DL_TYPE_RUN,
                            "config", ev->config,
                            "preset", preset,
                            "data", data,
                            "program", program,
                            "name", p != NULL ? p->spec.name : NULL,
                            "origin-model-path", origin,
                            "origin-model-sha256", origin_sha,
                            "parent-uuid", parent != NULL ? dl_run_get_uuid (parent) : NULL,
                            "parent-step", parent != NULL ? ev->parent_step : 0,
                            NULL);
  self->serial = ev->run_serial;
  self->whole_eval_step = -1;
  self->whole_eval_accuracy = NAN;
  self->epoch_start = 0.0;
  self->final_step = -1;
  self->final_eval_pending = FALSE;
  pending_free (p);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN]);
  _dl_run_recorder_update_busy (self);
}

gboolean
dl_run_recorder_begin (DlRunRecorder *self, const DlRunSpec *spec, GError **error)
{
  Pending *p;

  g_return_val_if_fail (DL_IS_RUN_RECORDER (self), FALSE);
  g_return_val_if_fail (spec != NULL && spec->config != NULL, FALSE);
  if (!check_recipe (spec->config, spec->model == NULL && spec->checkpoint == NULL, error))
    return FALSE;
  p = g_new0 (Pending, 1);
  p->config = *spec->config;
  p->config.arch = g_strdup (spec->config->arch);
  p->spec.name = g_strdup (spec->name);
  p->spec.preset = g_strdup (spec->preset);
  p->spec.model = g_canonicalize_filename (spec->model != NULL ? spec->model : "", NULL);
  if (spec->model == NULL)
    g_clear_pointer ((char **) &p->spec.model, g_free);
  p->spec.program = g_strdup (spec->program);
  p->spec.data = spec->data != NULL ? dl_run_data_ref (spec->data) : NULL;
  p->spec.parent = spec->parent != NULL ? g_object_ref (spec->parent) : NULL;
  p->spec.checkpoint = spec->checkpoint != NULL ? dl_checkpoint_ref (spec->checkpoint) : NULL;
  p->spec.config = &p->config;
  pending_free (self->pending);
  self->pending = p;
  /* Before the worker replaces the network: the current run's final evaluation and model. */
  finish_run (self, TRUE);
  if (p->spec.checkpoint != NULL)
    dl_worker_branch (self->worker, p->spec.checkpoint, &p->config);
  else if (p->spec.model != NULL)
    dl_worker_load_model (self->worker, p->spec.model, &p->config);
  else
    dl_worker_new_run (self->worker, &p->config);
  _dl_run_recorder_update_busy (self);
  return TRUE;
}

void
dl_run_recorder_abandon (DlRunRecorder *self, const char *reason)
{
  g_return_if_fail (DL_IS_RUN_RECORDER (self));
  if (self->run == NULL || dl_run_state_is_final (dl_run_get_state (self->run)))
    return;
  if (reason != NULL)
    _dl_run_recorder_log_event (self, "error", dl_run_get_steps (self->run), dl_run_get_epochs_done (self->run),
                                FALSE, reason);
  set_run_state (self, DL_TRAIN_FAILED, NULL);
}

/* ---- models and errors ---- */

static void
on_model_saved (DlRunRecorder *self, const DlEvent *ev)
{
  if (g_strcmp0 (ev->path, self->final_path) == 0)
    {
      dl_run_set_final_model_path (self->final_run, ev->path);
      if (self->store != NULL)
        {
          dl_run_store_add_model (self->store, self->final_run, "final", ev->path, ev->step);
          dl_run_store_update_run (self->store, self->final_run);
        }
      g_clear_pointer (&self->final_path, g_free);
      g_clear_object (&self->final_run);
      _dl_run_recorder_update_busy (self);
      return;
    }
  /* A copy the user saved, of the current run. */
  if (self->run != NULL && self->store != NULL && self->stored)
    {
      dl_run_store_add_model (self->store, self->run, "saved", ev->path, ev->step);
      _dl_run_recorder_log_event (self, "model", ev->step, event_x (ev), FALSE, ev->path);
    }
}

/* The new run asked for will not come: its model file did not load, or the worker refused its branch (the
 * refusal names the checkpoint). */
static gboolean
refuses_pending (DlRunRecorder *self, const DlEvent *ev)
{
  const Pending *p = self->pending;

  if (p == NULL)
    return FALSE;
  if (p->spec.checkpoint != NULL)
    return ev->checkpoint == p->spec.checkpoint;
  return p->spec.model != NULL && is_load_failure (ev, p->spec.model);
}

static void
on_error (DlRunRecorder *self, const DlEvent *ev)
{
  if (refuses_pending (self, ev))
    {
      g_clear_pointer (&self->pending, pending_free);
      _dl_run_recorder_update_busy (self);
      g_signal_emit (self, signals[SIGNAL_BEGIN_FAILED], 0, ev->error);
      return;
    }
  if (is_save_failure (ev, self->final_path))
    {
      g_clear_pointer (&self->final_path, g_free);
      g_clear_object (&self->final_run);
      _dl_run_recorder_update_busy (self);
    }
  if (self->final_eval_pending && g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY))
    {
      self->final_eval_pending = FALSE;
      _dl_run_recorder_update_busy (self);
    }
  if (self->run != NULL)
    _dl_run_recorder_log_event (self, "error", ev->step, event_x (ev), FALSE, ev->message);
}

static void
on_event (DlWorker *worker, DlEvent *ev, DlRunRecorder *self)
{
  if (begins_run (self, ev))
    activate (self, ev);
  switch (ev->type)
    {
    case DL_EVENT_ERROR:
      on_error (self, ev);
      return;
    case DL_EVENT_MODEL_SAVED:
      on_model_saved (self, ev);
      return;
    default:
      break;
    }
  /* Only the current run's events from here (none come of a run the recorder did not see begin). */
  if (self->run == NULL || ev->run_serial != self->serial)
    return;
  switch (ev->type)
    {
    case DL_EVENT_STATE:
      on_state (self, ev);
      break;
    case DL_EVENT_PROGRESS:
      _dl_run_recorder_on_progress (self, ev);
      break;
    case DL_EVENT_HYPER_APPLIED:
      _dl_run_recorder_on_hyper (self, ev);
      break;
    case DL_EVENT_EVAL:
      _dl_run_recorder_on_eval (self, ev);
      break;
    case DL_EVENT_DIVERGED:
      _dl_run_recorder_log_event (self, "diverged", ev->step, event_x (ev), FALSE, ev->message);
      break;
    case DL_EVENT_DATA_LOADED:
      /* A ready run trains on the new data; its recipe and data set are the caller's to describe anew. */
      break;
    case DL_EVENT_CHECKPOINT:
      if (self->store != NULL && self->stored)
        dl_run_store_add_checkpoint (self->store, self->run, ev->checkpoint, self->retention);
      break;
    default:
      break;
    }
}

/* ---- the object ---- */

DlRunRecorder *
dl_run_recorder_new (DlWorker *worker, DlRunStore *store)
{
  g_return_val_if_fail (DL_IS_WORKER (worker), NULL);
  g_return_val_if_fail (store == NULL || DL_IS_RUN_STORE (store), NULL);
  return g_object_new (DL_TYPE_RUN_RECORDER, "worker", worker, "store", store, NULL);
}

DlWorker *
dl_run_recorder_get_worker (DlRunRecorder *self)
{
  g_return_val_if_fail (DL_IS_RUN_RECORDER (self), NULL);
  return self->worker;
}

DlRunStore *
dl_run_recorder_get_store (DlRunRecorder *self)
{
  g_return_val_if_fail (DL_IS_RUN_RECORDER (self), NULL);
  return self->store;
}

DlRun *
dl_run_recorder_get_run (DlRunRecorder *self)
{
  g_return_val_if_fail (DL_IS_RUN_RECORDER (self), NULL);
  return self->run;
}

gboolean
dl_run_recorder_get_record (DlRunRecorder *self)
{
  g_return_val_if_fail (DL_IS_RUN_RECORDER (self), FALSE);
  return self->record;
}

void
dl_run_recorder_set_record (DlRunRecorder *self, gboolean record)
{
  g_return_if_fail (DL_IS_RUN_RECORDER (self));
  record = !!record;
  if (self->record == record)
    return;
  self->record = record;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORD]);
}

gboolean
dl_run_recorder_get_recording (DlRunRecorder *self)
{
  g_return_val_if_fail (DL_IS_RUN_RECORDER (self), FALSE);
  return self->store != NULL && (self->stored || (self->record && !self->unrecorded));
}

gboolean
dl_run_recorder_get_busy (DlRunRecorder *self)
{
  g_return_val_if_fail (DL_IS_RUN_RECORDER (self), FALSE);
  return self->busy;
}

static void
dl_run_recorder_init (DlRunRecorder *self)
{
  self->early = g_ptr_array_new_with_free_func (early_free);
  self->record = TRUE;
  self->whole_eval_step = -1;
  self->whole_eval_accuracy = NAN;
  self->final_step = -1;
  self->retention = DL_CHECKPOINT_RETENTION_DEFAULT;
}

static void
dl_run_recorder_constructed (GObject *object)
{
  DlRunRecorder *self = DL_RUN_RECORDER (object);

  G_OBJECT_CLASS (dl_run_recorder_parent_class)->constructed (object);
  g_signal_connect_object (self->worker, "event", G_CALLBACK (on_event), self, 0);
}

static void
dl_run_recorder_dispose (GObject *object)
{
  DlRunRecorder *self = DL_RUN_RECORDER (object);

  if (self->worker != NULL)
    g_signal_handlers_disconnect_by_data (self->worker, self);
  g_clear_object (&self->worker);
  g_clear_object (&self->store);
  g_clear_object (&self->run);
  g_clear_object (&self->final_run);
  g_clear_pointer (&self->pending, pending_free);
  G_OBJECT_CLASS (dl_run_recorder_parent_class)->dispose (object);
}

static void
dl_run_recorder_finalize (GObject *object)
{
  DlRunRecorder *self = DL_RUN_RECORDER (object);

  g_free (self->final_path);
  g_ptr_array_unref (self->early);
  G_OBJECT_CLASS (dl_run_recorder_parent_class)->finalize (object);
}

static void
dl_run_recorder_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRunRecorder *self = DL_RUN_RECORDER (object);

  switch (prop_id)
    {
    case PROP_WORKER: g_value_set_object (value, self->worker); break;
    case PROP_STORE:  g_value_set_object (value, self->store); break;
    case PROP_RUN:    g_value_set_object (value, self->run); break;
    case PROP_RECORD: g_value_set_boolean (value, self->record); break;
    case PROP_BUSY:   g_value_set_boolean (value, self->busy); break;
    case PROP_CHECKPOINT_RETENTION: g_value_set_uint (value, self->retention); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_recorder_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRunRecorder *self = DL_RUN_RECORDER (object);

  switch (prop_id)
    {
    case PROP_WORKER: self->worker = g_value_dup_object (value); break;
    case PROP_STORE:  self->store = g_value_dup_object (value); break;
    case PROP_RECORD: dl_run_recorder_set_record (self, g_value_get_boolean (value)); break;
    case PROP_CHECKPOINT_RETENTION: self->retention = g_value_get_uint (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_recorder_class_init (DlRunRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = dl_run_recorder_constructed;
  object_class->dispose = dl_run_recorder_dispose;
  object_class->finalize = dl_run_recorder_finalize;
  object_class->get_property = dl_run_recorder_get_property;
  object_class->set_property = dl_run_recorder_set_property;

  properties[PROP_WORKER] = g_param_spec_object ("worker", NULL, NULL, DL_TYPE_WORKER, co);
  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, DL_TYPE_RUN_STORE, co);
  properties[PROP_RUN] = g_param_spec_object ("run", NULL, NULL, DL_TYPE_RUN, ro);
  properties[PROP_RECORD] = g_param_spec_boolean ("record", NULL, NULL, TRUE,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  /* How many checkpoints of a run the store keeps besides every end of epoch (and those branched from):
   * the latest ones (the preferences key checkpoint-retention). */
  properties[PROP_CHECKPOINT_RETENTION] =
    g_param_spec_uint ("checkpoint-retention", NULL, NULL, 0, G_MAXUINT, DL_CHECKPOINT_RETENTION_DEFAULT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A model file dl_run_recorder_begin was given could not be loaded; the current run goes on. */
  signals[SIGNAL_BEGIN_FAILED] =
    g_signal_new ("begin-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_ERROR);
}
