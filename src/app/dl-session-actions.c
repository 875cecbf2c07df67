/* dl-session-actions.c — the "session" action group: what the buttons and menus do (see dl-session.h). */
#include "config.h"

#include "dl-session-private.h"

static DlTrainState
live_state (DlSession *self)
{
  DlRun *live = dl_session_get_live_run (self);

  return live != NULL ? dl_run_get_state (live) : DL_TRAIN_READY;
}

/* The live run is shown and its network was made on the data set in use (else it cannot train). */
static gboolean
live_on_data (DlSession *self)
{
  return dl_session_live_is_shown (self) && self->train != NULL && self->live_generation == self->data_generation;
}

static gboolean
can_start (DlSession *self)
{
  DlTrainState state = dl_session_get_state (self);

  /* A run records the data set it trains on: known once its checksums are. */
  if (!self->ready || self->train == NULL || self->describing || self->loading_model != NULL || self->close_task != NULL)
    return FALSE;
  /* A run being made, or the last one's final evaluation and model being taken: one thing at a time. */
  if (self->recorder != NULL && dl_run_recorder_get_busy (self->recorder))
    return FALSE;
  if (self->branching)
    return FALSE;
  return self->run == NULL || state == DL_TRAIN_READY || dl_run_state_is_final (state)
         || dl_session_frozen_differs (self, self->run);
}

static void
start_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlSession *self = user_data;
  DlRun *live = dl_session_get_live_run (self);
  const char *model = NULL;

  if (!can_start (self))
    return;
  if (dl_session_live_is_shown (self) && live_state (self) == DL_TRAIN_READY)
    {
      /* A branch starts with the live settings shown: the draft is its recipe unless it describes another
       * network or schedule. */
      if (live_on_data (self) && (dl_session_draft_is_run (self, live)
                                  || (dl_run_get_parent_uuid (live) != NULL && !dl_session_frozen_differs (self, live))))
        {
          dl_session_apply_hyper (self);
          dl_worker_start (self->worker);
          return;
        }
      /* A loaded model that has not trained yet is trained with the recipe (and data set) shown now: it is
       * loaded again with them. */
      if (dl_run_get_origin_model_path (live) != NULL && g_strcmp0 (self->draft.arch, dl_run_get_arch (live)) == 0)
        model = dl_run_get_origin_model_path (live);
    }
  if (dl_session_ask_discard (self, "start", NULL))
    return;
  dl_session_begin (self, model, TRUE);
}

static void
pause_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  dl_worker_pause (DL_SESSION (user_data)->worker);
}

static void
resume_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  dl_worker_resume (DL_SESSION (user_data)->worker);
}

static void
stop_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  dl_worker_stop (DL_SESSION (user_data)->worker);
}

static void
continue_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlSession *self = user_data;

  dl_session_apply_hyper (self);
  dl_worker_continue (self->worker, self->draft.epochs);
}

static void
evaluate_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  dl_worker_evaluate (DL_SESSION (user_data)->worker);
}

static void
save_model_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlSession *self = user_data;
  const char *path = g_variant_get_string (param, NULL);

  if (!dl_session_live_is_shown (self))
    {
      dl_session_save_past_model (self, path);
      return;
    }
  g_free (self->saving_path);
  self->saving_path = g_strdup (path);
  dl_worker_save_model (self->worker, path);
}

static void
load_model_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlSession *self = user_data;

  if (dl_session_ask_discard (self, "load-model", param))
    return;
  dl_session_load_model (self, g_variant_get_string (param, NULL));
}

static void
load_data_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  const char *train, *test;

  g_variant_get (param, "(&s&s)", &train, &test);
  dl_session_load_data (DL_SESSION (user_data), train, *test != '\0' ? test : NULL);
}

static void
open_run_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  dl_session_open_run (DL_SESSION (user_data), g_variant_get_string (param, NULL));
}

static void
branch_run_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlSession *self = user_data;

  if (dl_session_ask_discard (self, "branch-run", param))
    return;
  dl_session_branch_run (self, g_variant_get_string (param, NULL));
}

static void
retry_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlSession *self = user_data;
  DlSessionRetry retry = self->retry;
  g_autofree char *path = g_strdup (self->retry_path);
  g_autofree char *train = g_strdup (self->retry_train), *test = g_strdup (self->retry_test);

  dl_session_clear_message (self);
  switch (retry)
    {
    case DL_SESSION_RETRY_DATA:
      dl_session_load_data (self, train, test);
      break;
    case DL_SESSION_RETRY_MODEL:
      g_action_group_activate_action (G_ACTION_GROUP (self->actions), "load-model", g_variant_new_string (path));
      break;
    case DL_SESSION_RETRY_SAVE:
      g_action_group_activate_action (G_ACTION_GROUP (self->actions), "save-model", g_variant_new_string (path));
      break;
    case DL_SESSION_RETRY_STORE:
      dl_session_open_store (self);
      break;
    case DL_SESSION_RETRY_NONE:
    default:
      break;
    }
}

static const GActionEntry entries[] = {
  { "start", start_action },
  { "pause", pause_action },
  { "resume", resume_action },
  { "stop", stop_action },
  { "continue", continue_action },
  { "evaluate", evaluate_action },
  { "save-model", save_model_action, "s" },
  { "load-model", load_model_action, "s" },
  { "load-data", load_data_action, "(ss)" },
  { "open-run", open_run_action, "s" },
  { "branch-run", branch_run_action, "s" },
  { "retry", retry_action },
};

void
dl_session_actions_init (DlSession *self)
{
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries, G_N_ELEMENTS (entries), self);
  dl_session_lr_find_init (self);
  dl_session_actions_update (self);
}

static void
enable (DlSession *self, const char *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), name);

  if (g_action_get_enabled (action) != enabled)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
dl_session_actions_update (DlSession *self)
{
  DlTrainState state = live_state (self);
  gboolean live = dl_session_live_is_shown (self) && self->close_task == NULL;
  gboolean has_model = self->run != NULL && (live || dl_run_get_final_model_path (self->run) != NULL);

  if (self->actions == NULL)
    return;
  dl_session_branch_update (self);
  dl_session_lr_find_update (self);
  enable (self, "start", can_start (self));
  enable (self, "pause", live && state == DL_TRAIN_RUNNING);
  enable (self, "resume", live && (state == DL_TRAIN_PAUSED || state == DL_TRAIN_DIVERGED));
  enable (self, "stop", live && dl_train_state_is_live (state));
  enable (self, "continue", live && live_on_data (self) && dl_train_state_can_continue (state));
  enable (self, "evaluate", live && live_on_data (self));
  enable (self, "save-model", has_model && self->saving_path == NULL);
  enable (self, "load-model", self->close_task == NULL);
  enable (self, "load-data", self->close_task == NULL);
  enable (self, "open-run", self->store != NULL && self->close_task == NULL);
  enable (self, "branch-run", dl_session_can_branch_run (self));
  enable (self, "retry", self->retry != DL_SESSION_RETRY_NONE && self->close_task == NULL);
}
