/* dl-session.c — the session object: its properties, the shown run and the one message for the window (see
 * dl-session.h); the draft is dl-session-draft.c's, the live run as the worker reports it dl-session-live.c's. */
#include "config.h"

#include <math.h>

#include "dl-session-private.h"

G_DEFINE_FINAL_TYPE (DlSession, dl_session, G_TYPE_OBJECT)

GParamSpec *dl_session_props[N_PROPS];

enum {
  SIGNAL_SNAPSHOT_CHANGED,
  SIGNAL_DISCARD_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
dl_session_notify (DlSession *self, DlSessionProp prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), dl_session_props[prop]);
}

void
dl_session_emit_snapshot_changed (DlSession *self, gboolean progress)
{
  g_signal_emit (self, signals[SIGNAL_SNAPSHOT_CHANGED], 0, progress);
}

void
dl_session_set_double (DlSession *self, double *field, double value, DlSessionProp prop)
{
  if (*field == value || (isnan (*field) && isnan (value)))
    return;
  *field = value;
  dl_session_notify (self, prop);
}

/* ---- the message ---- */

void
dl_session_say (DlSession *self, gboolean is_error, DlSessionRetry retry, const char *message)
{
  self->retry = retry;
  self->message_is_tuning = FALSE;
  if (g_strcmp0 (self->message, message) != 0)
    {
      g_free (self->message);
      self->message = g_strdup (message);
      dl_session_notify (self, PROP_MESSAGE);
    }
  if (self->message_is_error != is_error)
    {
      self->message_is_error = is_error;
      dl_session_notify (self, PROP_MESSAGE_IS_ERROR);
    }
  dl_session_actions_update (self);
}

void
dl_session_clear_message (DlSession *self)
{
  g_return_if_fail (DL_IS_SESSION (self));
  dl_session_say (self, FALSE, DL_SESSION_RETRY_NONE, NULL);
}

DlSessionRetry
dl_session_get_retry (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), DL_SESSION_RETRY_NONE);
  return self->retry;
}

void
dl_session_set_health (DlSession *self, DlSessionHealth level, const char *text)
{
  if (text != NULL && *text == '\0')
    text = NULL;
  if (text == NULL)
    level = DL_SESSION_HEALTH_NONE;
  if (g_strcmp0 (self->health, text) != 0)
    {
      g_free (self->health);
      self->health = g_strdup (text);
      dl_session_notify (self, PROP_HEALTH);
    }
  if (self->health_level != level)
    {
      self->health_level = level;
      dl_session_notify (self, PROP_HEALTH_LEVEL);
    }
}

/* ---- the shown run ---- */

static void
run_state_cb (DlSession *self)
{
  dl_session_notify (self, PROP_STATE);
  dl_session_update (self);
}

/* The figures of a past run: what its record says. */
static void
show_record_figures (DlSession *self, DlRun *run)
{
  double seconds = dl_run_get_train_seconds (run);
  double epochs_done = dl_run_get_epochs_done (run);

  dl_session_set_double (self, &self->speed, NAN, PROP_SAMPLES_PER_SECOND);
  dl_session_set_double (self, &self->elapsed, seconds, PROP_ELAPSED);
  dl_session_set_double (self, &self->eta, NAN, PROP_ETA);
  if (self->epochs != MAX (dl_run_get_config (run)->epochs, (int) ceil (epochs_done)))
    {
      self->epochs = MAX (dl_run_get_config (run)->epochs, (int) ceil (epochs_done));
      dl_session_notify (self, PROP_EPOCHS);
    }
}

void
dl_session_show_run (DlSession *self, DlRun *run)
{
  if (self->run == run)
    return;
  dl_session_view_clear (self);
  g_set_object (&self->run, run);
  g_signal_group_set_target (self->run_signals, run);
  if (run != NULL && run != dl_session_get_live_run (self))
    {
      show_record_figures (self, run);
      dl_session_set_health (self, DL_SESSION_HEALTH_NONE, NULL);
    }
  dl_session_notify (self, PROP_RUN);
  dl_session_notify (self, PROP_STATE);
  dl_session_emit_snapshot_changed (self, FALSE);
  dl_session_update (self);
}

static void
settings_changed_cb (DlSession *self, const char *key)
{
  dl_session_record_changed (self);
}

/* ---- public API ---- */

DlSession *
dl_session_new (GSettings *settings, const char *store_path)
{
  return g_object_new (DL_TYPE_SESSION, "settings", settings, "store-path", store_path, NULL);
}

GActionGroup *
dl_session_get_actions (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return G_ACTION_GROUP (self->actions);
}

DlWorker *
dl_session_get_worker (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->worker;
}

DlRunStore *
dl_session_get_store (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->store;
}

const GError *
dl_session_get_store_error (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->store_error;
}

gboolean
dl_session_get_ready (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  return self->ready;
}

DlRun *
dl_session_get_run (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->run;
}

DlRun *
dl_session_get_live_run (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->recorder != NULL ? dl_run_recorder_get_run (self->recorder) : NULL;
}

GListStore *
dl_session_get_compared (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->compared;
}

DlTrainState
dl_session_get_state (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), DL_TRAIN_READY);
  return self->run != NULL ? dl_run_get_state (self->run) : DL_TRAIN_READY;
}

DlSnapshot *
dl_session_dup_snapshot (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  if (self->run != NULL && !dl_session_live_is_shown (self))
    return self->view_snapshot != NULL ? dl_snapshot_ref (self->view_snapshot) : NULL;
  return dl_worker_dup_snapshot (self->worker);
}

double
dl_session_get_samples_per_second (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NAN);
  return self->speed;
}

double
dl_session_get_elapsed (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NAN);
  return self->elapsed;
}

double
dl_session_get_eta (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NAN);
  return self->eta;
}

int
dl_session_get_epochs (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), 0);
  return self->epochs;
}

const char *
dl_session_get_health (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->health;
}

DlSessionHealth
dl_session_get_health_level (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), DL_SESSION_HEALTH_NONE);
  return self->health_level;
}

gboolean
dl_session_get_unsaved (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  return dl_session_compute_unsaved (self);
}

char *
dl_session_dup_model_name (DlSession *self)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  name = g_strdup (self->run != NULL ? dl_run_get_name (self->run) : "digitlab");
  /* A name for a file: no separators or colons (the time in a run's default name). */
  g_strdelimit (name, "/\\:*?\"<>|", '-');
  return g_strconcat (g_strstrip (name), ".dlm", NULL);
}

gboolean
dl_session_run_matches_data (DlSession *self, DlRun *run)
{
  DlRunData *data;

  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  if (run == NULL || self->test == NULL)
    return FALSE;
  if (run == dl_session_get_live_run (self))
    return self->live_generation == self->data_generation;
  data = dl_run_get_data (run);
  return data != NULL && self->data != NULL && dl_run_data_equal (data, self->data);
}

const char *
dl_session_get_start_label (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return dl_session_compute_start_label (self);
}

gboolean
dl_session_get_has_data (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  return self->train != NULL;
}

DlDataset *
dl_session_get_train_set (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->train;
}

DlDataset *
dl_session_get_test_set (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->test;
}

gboolean
dl_session_get_loading_data (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  return self->loads.length > 0;
}

DlRunData *
dl_session_get_data (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->data;
}

const DlClasses *
dl_session_get_classes (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->classes;
}

const char *
dl_session_get_message (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->message;
}

gboolean
dl_session_get_message_is_error (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  return self->message_is_error;
}

void
dl_session_confirm_discard (DlSession *self)
{
  g_autofree char *action = NULL;
  g_autoptr (GVariant) param = NULL;

  g_return_if_fail (DL_IS_SESSION (self));
  action = g_steal_pointer (&self->discard_action);
  param = g_steal_pointer (&self->discard_param);
  if (action == NULL)
    return;
  self->discard_confirmed = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (self->actions), action, param);
  self->discard_confirmed = FALSE;
}

void
dl_session_cancel_discard (DlSession *self)
{
  g_return_if_fail (DL_IS_SESSION (self));
  g_clear_pointer (&self->discard_action, g_free);
  g_clear_pointer (&self->discard_param, g_variant_unref);
}

gboolean
dl_session_ask_discard (DlSession *self, const char *action, GVariant *param)
{
  if (self->discard_confirmed || !dl_session_compute_unsaved (self))
    return FALSE;
  g_free (self->discard_action);
  self->discard_action = g_strdup (action);
  g_clear_pointer (&self->discard_param, g_variant_unref);
  self->discard_param = param != NULL ? g_variant_ref_sink (param) : NULL;
  g_signal_emit (self, signals[SIGNAL_DISCARD_REQUESTED], 0);
  return TRUE;
}

/* ---- closing ---- */

static void
close_step (DlSession *self)
{
  GTask *task = self->close_task;

  if (task == NULL || (self->recorder != NULL && dl_run_recorder_get_busy (self->recorder)))
    return;
  self->close_task = NULL;
  if (self->store != NULL)
    dl_run_store_close (self->store);
  dl_worker_shutdown (self->worker);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
dl_session_close_async (DlSession *self, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  DlRun *live;

  g_return_if_fail (DL_IS_SESSION (self));
  g_return_if_fail (self->close_task == NULL);
  self->close_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->close_task, dl_session_close_async);
  g_cancellable_cancel (self->cancellable);
  live = dl_session_get_live_run (self);
  if (live != NULL && dl_train_state_is_live (dl_run_get_state (live)))
    dl_worker_stop (self->worker);
  if (self->recorder != NULL)
    g_signal_connect_object (self->recorder, "notify::busy", G_CALLBACK (close_step), self, G_CONNECT_SWAPPED);
  /* The stop's STATE event makes the recorder busy (final evaluation and model) before it is idle again. */
  g_idle_add_once ((GSourceOnceFunc) close_step, self);
}

gboolean
dl_session_close_finish (DlSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- GObject ---- */

static void
dl_session_constructed (GObject *object)
{
  DlSession *self = DL_SESSION (object);

  G_OBJECT_CLASS (dl_session_parent_class)->constructed (object);
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::record-runs", G_CALLBACK (settings_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->settings, "changed::training-threads", G_CALLBACK (settings_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  dl_session_open_store (self);
}

static void
dl_session_dispose (GObject *object)
{
  DlSession *self = DL_SESSION (object);

  g_cancellable_cancel (self->cancellable);
  if (self->describe_cancellable != NULL)
    g_cancellable_cancel (self->describe_cancellable);
  g_clear_object (&self->describe_cancellable);
  g_queue_clear_full (&self->loads, (GDestroyNotify) dl_session_load_free);
  dl_session_view_clear (self);
  if (self->worker != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->worker, self);
      dl_worker_shutdown (self->worker);
    }
  g_clear_object (&self->recorder);
  g_clear_object (&self->worker);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->actions);
  g_clear_object (&self->run_actions);
  dl_session_branch_dispose (self);
  if (self->compared != NULL)
    g_signal_handlers_disconnect_by_data (self->compared, self);
  g_clear_object (&self->compared);
  if (self->run_signals != NULL)
    g_signal_group_set_target (self->run_signals, NULL);
  g_clear_object (&self->run_signals);
  g_clear_object (&self->run);
  g_clear_object (&self->seen_live);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->train, dl_dataset_unref);
  g_clear_pointer (&self->test, dl_dataset_unref);
  g_clear_pointer (&self->data, dl_run_data_unref);
  g_clear_pointer (&self->discard_param, g_variant_unref);
  g_clear_pointer (&self->lr_found, dl_event_unref);
  G_OBJECT_CLASS (dl_session_parent_class)->dispose (object);
}

static void
dl_session_finalize (GObject *object)
{
  DlSession *self = DL_SESSION (object);

  dl_train_config_clear (&self->draft);
  g_free (self->draft_preset);
  g_free (self->store_path);
  g_clear_error (&self->store_error);
  g_free (self->data_train);
  g_clear_pointer (&self->classes, dl_classes_free);
  g_free (self->data_test);
  g_free (self->pending_model);
  g_free (self->saving_path);
  g_free (self->loading_model);
  g_free (self->health);
  g_free (self->message);
  g_free (self->retry_path);
  g_free (self->retry_train);
  g_free (self->retry_test);
  g_free (self->discard_action);
  G_OBJECT_CLASS (dl_session_parent_class)->finalize (object);
}

static void
dl_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlSession *self = DL_SESSION (object);

  switch ((DlSessionProp) prop_id)
    {
    case PROP_SETTINGS:           g_value_set_object (value, self->settings); break;
    case PROP_STORE_PATH:         g_value_set_string (value, self->store_path); break;
    case PROP_WORKER:             g_value_set_object (value, self->worker); break;
    case PROP_STORE:              g_value_set_object (value, self->store); break;
    case PROP_READY:              g_value_set_boolean (value, self->ready); break;
    case PROP_RUN:                g_value_set_object (value, self->run); break;
    case PROP_LIVE_RUN:           g_value_set_object (value, dl_session_get_live_run (self)); break;
    case PROP_COMPARED:           g_value_set_object (value, self->compared); break;
    case PROP_STATE:              g_value_set_enum (value, dl_session_get_state (self)); break;
    case PROP_SAMPLES_PER_SECOND: g_value_set_double (value, self->speed); break;
    case PROP_ELAPSED:            g_value_set_double (value, self->elapsed); break;
    case PROP_ETA:                g_value_set_double (value, self->eta); break;
    case PROP_EPOCHS:             g_value_set_int (value, self->epochs); break;
    case PROP_HEALTH:             g_value_set_string (value, self->health); break;
    case PROP_HEALTH_LEVEL:       g_value_set_int (value, self->health_level); break;
    case PROP_UNSAVED:            g_value_set_boolean (value, dl_session_compute_unsaved (self)); break;
    case PROP_START_LABEL:        g_value_set_string (value, dl_session_compute_start_label (self)); break;
    case PROP_HAS_DATA:           g_value_set_boolean (value, self->train != NULL); break;
    case PROP_TRAIN_SET:          g_value_set_pointer (value, self->train); break;
    case PROP_TEST_SET:           g_value_set_pointer (value, self->test); break;
    case PROP_CLASSES:            g_value_set_pointer (value, self->classes); break;
    case PROP_LOADING_DATA:       g_value_set_boolean (value, self->loads.length > 0); break;
    case PROP_DATA:               g_value_set_pointer (value, self->data); break;
    case PROP_MESSAGE:            g_value_set_string (value, self->message); break;
    case PROP_MESSAGE_IS_ERROR:   g_value_set_boolean (value, self->message_is_error); break;
    case PROP_FINDING_LR:         g_value_set_boolean (value, self->finding_lr); break;
    case PROP_LR_FIND_FRACTION:   g_value_set_double (value, self->lr_find_fraction); break;
    case PROP_LR_FIND_RATE:       g_value_set_double (value, self->lr_find_rate); break;
    case PROP_LR_FOUND:           g_value_set_boxed (value, self->lr_found); break;
    case PROP_0:
    case N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_session_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlSession *self = DL_SESSION (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_STORE_PATH:
      self->store_path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_session_class_init (DlSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = dl_session_constructed;
  object_class->dispose = dl_session_dispose;
  object_class->finalize = dl_session_finalize;
  object_class->get_property = dl_session_get_property;
  object_class->set_property = dl_session_set_property;

  dl_session_props[PROP_SETTINGS] = g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS, co);
  dl_session_props[PROP_STORE_PATH] = g_param_spec_string ("store-path", NULL, NULL, NULL, co);
  dl_session_props[PROP_WORKER] = g_param_spec_object ("worker", NULL, NULL, DL_TYPE_WORKER, ro);
  dl_session_props[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, DL_TYPE_RUN_STORE, ro);
  dl_session_props[PROP_READY] = g_param_spec_boolean ("ready", NULL, NULL, FALSE, ro);
  dl_session_props[PROP_RUN] = g_param_spec_object ("run", NULL, NULL, DL_TYPE_RUN, ro);
  dl_session_props[PROP_LIVE_RUN] = g_param_spec_object ("live-run", NULL, NULL, DL_TYPE_RUN, ro);
  dl_session_props[PROP_COMPARED] = g_param_spec_object ("compared", NULL, NULL, G_TYPE_LIST_STORE, ro);
  dl_session_props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, DL_TYPE_TRAIN_STATE, DL_TRAIN_READY, ro);
  dl_session_props[PROP_SAMPLES_PER_SECOND] =
    g_param_spec_double ("samples-per-second", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, ro);
  dl_session_props[PROP_ELAPSED] = g_param_spec_double ("elapsed", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, ro);
  dl_session_props[PROP_ETA] = g_param_spec_double ("eta", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, ro);
  dl_session_props[PROP_EPOCHS] = g_param_spec_int ("epochs", NULL, NULL, 0, G_MAXINT, 0, ro);
  dl_session_props[PROP_HEALTH] = g_param_spec_string ("health", NULL, NULL, NULL, ro);
  dl_session_props[PROP_HEALTH_LEVEL] =
    g_param_spec_int ("health-level", NULL, NULL, DL_SESSION_HEALTH_NONE, DL_SESSION_HEALTH_ERROR,
                      DL_SESSION_HEALTH_NONE, ro);
  dl_session_props[PROP_UNSAVED] = g_param_spec_boolean ("unsaved", NULL, NULL, FALSE, ro);
  dl_session_props[PROP_START_LABEL] = g_param_spec_string ("start-label", NULL, NULL, NULL, ro);
  dl_session_props[PROP_HAS_DATA] = g_param_spec_boolean ("has-data", NULL, NULL, FALSE, ro);
  dl_session_props[PROP_TRAIN_SET] = g_param_spec_pointer ("train-set", NULL, NULL, ro);
  dl_session_props[PROP_TEST_SET] = g_param_spec_pointer ("test-set", NULL, NULL, ro);
  dl_session_props[PROP_CLASSES] = g_param_spec_pointer ("classes", NULL, NULL, ro);
  dl_session_props[PROP_LOADING_DATA] = g_param_spec_boolean ("loading-data", NULL, NULL, FALSE, ro);
  dl_session_props[PROP_DATA] = g_param_spec_pointer ("data", NULL, NULL, ro);
  dl_session_props[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, ro);
  dl_session_props[PROP_MESSAGE_IS_ERROR] = g_param_spec_boolean ("message-is-error", NULL, NULL, FALSE, ro);
  dl_session_props[PROP_FINDING_LR] = g_param_spec_boolean ("finding-lr", NULL, NULL, FALSE, ro);
  dl_session_props[PROP_LR_FIND_FRACTION] = g_param_spec_double ("lr-find-fraction", NULL, NULL, 0.0, 1.0, 0.0, ro);
  dl_session_props[PROP_LR_FIND_RATE] = g_param_spec_double ("lr-find-rate", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE,
                                                             0.0, ro);
  dl_session_props[PROP_LR_FOUND] = g_param_spec_boxed ("lr-found", NULL, NULL, DL_TYPE_EVENT, ro);
  g_object_class_install_properties (object_class, N_PROPS, dl_session_props);

  signals[SIGNAL_SNAPSHOT_CHANGED] =
    g_signal_new ("snapshot-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[SIGNAL_DISCARD_REQUESTED] =
    g_signal_new ("discard-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
compared_changed_cb (DlSession *self, guint position, guint removed, guint added)
{
  dl_session_compared_changed (self, position, removed, added);
}

static void
dl_session_init (DlSession *self)
{
  self->cancellable = g_cancellable_new ();
  self->worker = dl_worker_new ();
  self->compared = g_list_store_new (DL_TYPE_RUN);
  self->saved_step = -1;
  self->classes = dl_classes_copy (dl_classes_digits ());
  self->speed = self->elapsed = self->eta = NAN;
  self->view_serial = 0x80000000u;
  dl_train_config_from_preset (&self->draft, dl_presets ()[0]);
  self->run_signals = g_signal_group_new (DL_TYPE_RUN);
  g_signal_group_connect_object (self->run_signals, "notify::state", G_CALLBACK (run_state_cb), self,
                                 G_CONNECT_SWAPPED);
  g_signal_connect_object (self->worker, "event", G_CALLBACK (dl_session_worker_event_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (self->compared, "items-changed", G_CALLBACK (compared_changed_cb), self,
                           G_CONNECT_SWAPPED);
  dl_session_branch_init (self);
  dl_session_actions_init (self);
}
