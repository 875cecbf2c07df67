/* dl-session-draft.c — the draft (what the Train page shows) against the shown and the live run: whether
 * it differs from a run, the Start button's label, the unsaved state, the hyperparameters applied live. */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-session-private.h"

static gboolean
frozen_equal (const DlTrainConfig *a, const DlTrainConfig *b)
{
  return g_strcmp0 (a->arch, b->arch) == 0 && a->seed == b->seed && a->epochs == b->epochs
         && a->schedule == b->schedule
         && (a->schedule != DL_SCHEDULE_STEP
             || (a->schedule_gamma == b->schedule_gamma && a->schedule_step == b->schedule_step));
}

static gboolean
hyper_equal (const DlHyper *a, const DlHyper *b)
{
  return a->lr == b->lr && a->momentum == b->momentum && a->weight_decay == b->weight_decay
         && a->optimizer == b->optimizer && a->reduce == b->reduce && a->beta1 == b->beta1 && a->beta2 == b->beta2
         && a->eps == b->eps && a->average == b->average;
}

/* Whether the draft's layers, seed, epochs or schedule differ from the run's: a new run, not this one. */
gboolean
dl_session_frozen_differs (DlSession *self, DlRun *run)
{
  return run != NULL && !frozen_equal (&self->draft, dl_run_get_config (run));
}

/* Whether the draft is exactly the run's recipe, live settings too. */
gboolean
dl_session_draft_is_run (DlSession *self, DlRun *run)
{
  const DlTrainConfig *c = dl_run_get_config (run);

  return frozen_equal (&self->draft, c) && hyper_equal (&self->draft.hyper, &c->hyper)
         && self->draft.batch == c->batch && self->draft.augment == c->augment;
}

gboolean
dl_session_live_is_shown (DlSession *self)
{
  return self->run != NULL && self->run == dl_session_get_live_run (self);
}

const char *
dl_session_compute_start_label (DlSession *self)
{
  if (self->run != NULL && dl_run_get_state (self->run) != DL_TRAIN_READY && dl_session_frozen_differs (self, self->run))
    return _("_New Run");
  return _("_Start");
}

gboolean
dl_session_compute_unsaved (DlSession *self)
{
  DlRun *live = dl_session_get_live_run (self);

  return live != NULL && dl_run_get_steps (live) > 0 && !dl_run_recorder_get_recording (self->recorder)
         && dl_run_get_steps (live) != self->saved_step;
}

/* Everything that follows from the runs, the draft and the data: the labels and the actions. */
void
dl_session_update (DlSession *self)
{
  const char *label = dl_session_compute_start_label (self);
  gboolean unsaved = dl_session_compute_unsaved (self);

  if (g_strcmp0 (label, self->shown_start_label) != 0)
    {
      self->shown_start_label = label;
      dl_session_notify (self, PROP_START_LABEL);
    }
  if (unsaved != self->shown_unsaved)
    {
      self->shown_unsaved = unsaved;
      dl_session_notify (self, PROP_UNSAVED);
    }
  dl_session_actions_update (self);
}

void
dl_session_set_config (DlSession *self, const DlTrainConfig *config, const char *preset)
{
  g_return_if_fail (DL_IS_SESSION (self));
  g_return_if_fail (config != NULL && config->arch != NULL);

  dl_train_config_clear (&self->draft);
  self->draft = *config;
  self->draft.arch = g_strdup (config->arch);
  g_free (self->draft_preset);
  self->draft_preset = g_strdup (preset);
  dl_session_update (self);
}

void
dl_session_get_config (DlSession *self, DlTrainConfig *config)
{
  g_return_if_fail (DL_IS_SESSION (self));
  *config = self->draft;
  config->arch = g_strdup (self->draft.arch);
}

gboolean
dl_session_get_run_config (DlSession *self, DlTrainConfig *config)
{
  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  if (self->run == NULL)
    return FALSE;
  *config = *dl_run_get_config (self->run);
  config->arch = g_strdup (config->arch);
  if (dl_session_live_is_shown (self) && self->in_force_batch > 0)
    {
      config->hyper = self->in_force;
      config->batch = self->in_force_batch;
      config->augment = self->in_force_augment;
    }
  return TRUE;
}

/* A live setting reaches the live run while it trains or can be continued (or is a branch that has not
 * started), when the draft describes that run (same layers, seed, epochs, schedule) and differs from what it
 * trains with. */
void
dl_session_apply_hyper (DlSession *self)
{
  DlRun *live;
  DlTrainState state;

  g_return_if_fail (DL_IS_SESSION (self));
  live = dl_session_get_live_run (self);
  if (live == NULL || !dl_session_live_is_shown (self) || dl_session_frozen_differs (self, live))
    return;
  state = dl_run_get_state (live);
  /* A branch not yet started takes the settings shown as the recipe it starts with. */
  if (!dl_train_state_is_live (state) && !dl_train_state_can_continue (state)
      && !(state == DL_TRAIN_READY && dl_run_get_parent_uuid (live) != NULL))
    return;
  if (hyper_equal (&self->draft.hyper, &self->in_force) && self->draft.batch == self->in_force_batch
      && self->draft.augment == self->in_force_augment)
    return;
  dl_worker_set_hyper (self->worker, &self->draft.hyper, self->draft.batch, self->draft.augment);
}
