/* dl-session-live.c — the live run as the worker reports it: progress, diagnoses, the tuning message, saved
 * models and their errors. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-diagnosis-text.h"
#include "dl-session-private.h"

/* A new run's network measured for this CPU (under 2 s, once per architecture and session): what is being
 * measured, as the message; gone once the choice is made (the last event, fraction 1), unless another
 * message took its place meanwhile. */
static void
show_tuning (DlSession *self, const DlEvent *ev)
{
  if (ev->tune_fraction < 1.0)
    {
      dl_session_say (self, FALSE, DL_SESSION_RETRY_NONE, ev->message);
      self->message_is_tuning = TRUE;
    }
  else if (self->message_is_tuning)
    dl_session_clear_message (self);
}

static void
live_run_changed (DlSession *self)
{
  DlRun *live = dl_session_get_live_run (self);

  self->saved_step = -1;
  self->live_generation = self->data_generation;
  dl_session_set_health (self, DL_SESSION_HEALTH_NONE, NULL);
  dl_session_lr_find_clear (self);
  dl_session_branch_live_changed (self);
  dl_session_show_run (self, live);
  dl_session_notify (self, PROP_LIVE_RUN);
  if (self->start_pending && live != NULL)
    {
      self->start_pending = FALSE;
      dl_worker_start (self->worker);
    }
}

static void
show_progress (DlSession *self, const DlEvent *ev)
{
  dl_session_set_double (self, &self->speed, ev->samples_per_second, PROP_SAMPLES_PER_SECOND);
  dl_session_set_double (self, &self->elapsed, ev->elapsed_seconds, PROP_ELAPSED);
  dl_session_set_double (self, &self->eta, dl_train_state_is_live (ev->state) ? ev->eta_seconds : NAN, PROP_ETA);
  if (self->epochs != ev->epochs)
    {
      self->epochs = ev->epochs;
      dl_session_notify (self, PROP_EPOCHS);
    }
}

static void
show_diagnosis (DlSession *self, const DlEvent *ev)
{
  g_autofree char *text = dl_diagnosis_text (ev->diagnosis, "\n");

  dl_session_set_health (self, ev->diagnosis != NULL && ev->diagnosis->collapsed ? DL_SESSION_HEALTH_ERROR
                                                                                 : DL_SESSION_HEALTH_WARNING,
                         text);
}

static void
model_saved (DlSession *self, const DlEvent *ev)
{
  g_autofree char *text = NULL;

  if (g_strcmp0 (ev->path, self->saving_path) != 0)
    return;
  g_clear_pointer (&self->saving_path, g_free);
  self->saved_step = ev->step;
  text = g_strdup_printf (_("Saved the model to “%s”."), ev->path);
  dl_session_say (self, FALSE, DL_SESSION_RETRY_NONE, text);
}

/* A save of the user's that failed names its file first (dl-model.c). */
static gboolean
save_error (DlSession *self, const DlEvent *ev)
{
  if (self->saving_path == NULL || ev->error == NULL || !g_str_has_prefix (ev->error->message, self->saving_path))
    return FALSE;
  g_free (self->retry_path);
  self->retry_path = g_steal_pointer (&self->saving_path);
  dl_session_say (self, TRUE, DL_SESSION_RETRY_SAVE, ev->message);
  return TRUE;
}

/* After the recorder's own handler (connected with G_CONNECT_AFTER): the run is up to date. */
void
dl_session_worker_event_cb (DlSession *self, DlEvent *ev)
{
  gboolean changed = self->seen_live != dl_session_get_live_run (self);
  gboolean live;

  /* The recorder made a run current at its first event: from then on, events of that serial are the live
   * run's (those of an earlier run may still arrive). */
  if (changed)
    {
      g_set_object (&self->seen_live, dl_session_get_live_run (self));
      self->live_serial = ev->run_serial;
    }
  live = self->seen_live != NULL && ev->run_serial == self->live_serial;
  if (live)
    {
      self->in_force = ev->hyper;
      self->in_force_batch = ev->batch;
      self->in_force_augment = ev->augment;
    }
  if (changed)
    live_run_changed (self);
  switch (ev->type)
    {
    case DL_EVENT_PROGRESS:
    case DL_EVENT_STATE:
      if (live && dl_session_live_is_shown (self))
        {
          show_progress (self, ev);
          dl_session_emit_snapshot_changed (self, ev->type == DL_EVENT_PROGRESS);
        }
      if (ev->type == DL_EVENT_STATE && ev->message != NULL)
        dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, ev->message);
      break;
    case DL_EVENT_EVAL:
      if (live)
        show_diagnosis (self, ev);
      break;
    case DL_EVENT_DIVERGED:
      if (live)
        dl_session_set_health (self, DL_SESSION_HEALTH_ERROR, ev->message);
      break;
    case DL_EVENT_DATA_LOADED:
      dl_session_data_event (self, ev);
      break;
    case DL_EVENT_MODEL_LOADED:
      g_clear_pointer (&self->loading_model, g_free);
      break;
    case DL_EVENT_MODEL_SAVED:
      model_saved (self, ev);
      break;
    case DL_EVENT_ERROR:
      dl_session_lr_find_event (self, ev);
      if (!dl_session_data_error (self, ev) && !save_error (self, ev))
        dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, ev->message);
      break;
    case DL_EVENT_TUNING:
      if (live)
        show_tuning (self, ev);
      break;
    case DL_EVENT_LR_PROGRESS:
    case DL_EVENT_LR_FOUND:
      dl_session_lr_find_event (self, ev);
      break;
    case DL_EVENT_HYPER_APPLIED:
    case DL_EVENT_DONE:
    default:
      break;
    }
  dl_session_update (self);
}
