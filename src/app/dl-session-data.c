/* dl-session-data.c — the session's store, recorder, data sets and new runs (see dl-session.h). */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dl-model.h"
#include "dl-session-private.h"

/* ---- the store ---- */

/* The store has opened (store), failed (error), or there is to be none (both NULL). */
static void
store_settled (DlSession *self, DlRunStore *store, GError *error)
{
  g_clear_error (&self->store_error);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("%s Digit Lab trains without its run history: runs are not kept."),
                                               error->message);

      self->store_error = g_error_copy (error);
      dl_session_say (self, TRUE, DL_SESSION_RETRY_STORE, text);
    }
  else if (store != NULL)
    {
      self->store = g_object_ref (store);
      dl_session_notify (self, PROP_STORE);
      if (self->retry == DL_SESSION_RETRY_STORE)
        dl_session_clear_message (self);
    }
  if (!self->ready)
    {
      self->ready = TRUE;
      dl_session_notify (self, PROP_READY);
    }
  if (self->pending_model != NULL)
    {
      g_autofree char *model = g_steal_pointer (&self->pending_model);

      dl_session_load_model (self, model);
    }
  dl_session_ensure_run (self);
  dl_session_update (self);
}

static void
store_opened_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DlSession) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlRunStore) store = dl_run_store_open_finish (result, &error);

  if (!g_cancellable_is_cancelled (self->cancellable))
    store_settled (self, store, error);
}

void
dl_session_open_store (DlSession *self)
{
  g_autofree char *path = self->store_path != NULL ? g_strdup (self->store_path) : dl_run_store_default_path ();

  if (self->store != NULL)
    return;
  if (*path == '\0')
    store_settled (self, NULL, NULL);
  else
    dl_run_store_open_async (path, self->cancellable, store_opened_cb, g_object_ref (self));
}

/* ---- the recorder ---- */

static gboolean
record_runs (DlSession *self)
{
  return self->settings == NULL || g_settings_get_boolean (self->settings, "record-runs");
}

void
dl_session_record_changed (DlSession *self)
{
  if (self->recorder != NULL)
    dl_run_recorder_set_record (self->recorder, record_runs (self));
  dl_session_update (self);
}

/* The recorder belongs to a store (or to none): one for the store in use, made when a run begins, so that a
 * run under way stays with the recorder that began it. */
static void
ensure_recorder (DlSession *self)
{
  if (self->recorder != NULL && dl_run_recorder_get_store (self->recorder) == self->store)
    return;
  g_clear_object (&self->recorder);
  self->recorder = dl_run_recorder_new (self->worker, self->store);
  dl_run_recorder_set_record (self->recorder, record_runs (self));
  g_signal_connect_object (self->recorder, "notify::busy", G_CALLBACK (dl_session_update), self, G_CONNECT_SWAPPED);
}

/* ---- new runs ---- */

gboolean
dl_session_begin (DlSession *self, const char *model, gboolean start)
{
  g_auto (DlTrainConfig) cfg = { 0 };
  g_autoptr (GError) error = NULL;
  int threads = self->settings != NULL ? g_settings_get_int (self->settings, "training-threads") : 0;
  DlRunSpec spec = { 0 };

  ensure_recorder (self);
  dl_session_get_config (self, &cfg);
  if (threads > 0)
    cfg.threads = threads;
  spec.preset = model == NULL ? self->draft_preset : NULL;
  spec.config = &cfg;
  spec.data = self->train != NULL ? self->data : NULL;
  spec.model = model;
  spec.program = "digitlab";
  if (!dl_run_recorder_begin (self->recorder, &spec, &error))
    {
      dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, error->message);
      return FALSE;
    }
  self->start_pending = start;
  if (model != NULL)
    {
      g_free (self->loading_model);
      self->loading_model = g_strdup (model);
    }
  dl_session_update (self);
  return TRUE;
}

/* A child of a recorded run from one of its checkpoints, through the recorder (which pins that checkpoint and
 * records the parent); READY at the checkpoint, not started. */
gboolean
dl_session_begin_branch (DlSession *self, DlRun *parent, DlCheckpoint *ckpt, const DlTrainConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  DlRunSpec spec = { 0 };

  ensure_recorder (self);
  spec.config = cfg;
  spec.program = "digitlab";
  spec.parent = parent;
  spec.checkpoint = ckpt;
  if (!dl_run_recorder_begin (self->recorder, &spec, &error))
    {
      dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, error->message);
      return FALSE;
    }
  self->start_pending = FALSE;
  dl_session_update (self);
  return TRUE;
}

void
dl_session_load_model (DlSession *self, const char *path)
{
  if (!self->ready)
    {
      g_free (self->pending_model);
      self->pending_model = g_strdup (path);
      return;
    }
  dl_session_begin (self, path, FALSE);
}

/* A ready, untrained run of the data set in use (described), so that every page has something to show:
 * made once the data set is there, and again for each new one (a ready run takes the new data). */
void
dl_session_ensure_run (DlSession *self)
{
  DlRun *live = dl_session_get_live_run (self);

  if (!self->ready || self->train == NULL || self->describing || self->loading_model != NULL)
    return;
  /* A run asked for and not made yet will be the data set's. */
  if (self->recorder != NULL && dl_run_recorder_get_busy (self->recorder))
    return;
  if (live != NULL && (self->live_generation == self->data_generation || dl_run_get_state (live) != DL_TRAIN_READY
                       || dl_run_get_origin_model_path (live) != NULL))
    return;
  dl_session_begin (self, NULL, FALSE);
}

/* ---- data sets ---- */

void
dl_session_load_free (DlSessionLoad *load)
{
  g_free (load->train);
  g_free (load->test);
  g_free (load);
}

void
dl_session_load_data (DlSession *self, const char *train, const char *test)
{
  DlSessionLoad *load = g_new0 (DlSessionLoad, 1);

  load->train = g_strdup (train);
  load->test = g_strdup (test);
  g_queue_push_tail (&self->loads, load);
  if (self->loads.length == 1)
    dl_session_notify (self, PROP_LOADING_DATA);
  dl_worker_load_data (self->worker, train, test);
}

static void
described_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DlSession) self = user_data;
  g_autoptr (GError) error = NULL;
  DlRunData *data = DL_IS_RUN_STORE (source) ? dl_run_store_compute_data_finish (DL_RUN_STORE (source), result, &error)
                                             : dl_run_data_compute_finish (result, &error);

  /* Cancelled: a newer data set is being described, or the session is gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_pointer (&data, dl_run_data_unref);
      return;
    }
  self->describing = FALSE;
  g_clear_object (&self->describe_cancellable);
  /* Without checksums the runs of this data set are recorded without it; the training is not held up. */
  if (data == NULL)
    g_warning ("The data set cannot be described for the run history: %s", error->message);
  g_clear_pointer (&self->data, dl_run_data_unref);
  self->data = data;
  dl_session_notify (self, PROP_DATA);
  dl_session_ensure_run (self);
  dl_session_update (self);
}

/* The sources and sizes of the data set in use, checksummed on a thread (the store remembers files it has
 * seen before). */
static void
describe_data (DlSession *self)
{
  const char *test = self->data_test != NULL ? self->data_test : self->data_train;

  if (self->describe_cancellable != NULL)
    g_cancellable_cancel (self->describe_cancellable);
  g_clear_object (&self->describe_cancellable);
  self->describe_cancellable = g_cancellable_new ();
  self->describing = TRUE;
  if (self->store != NULL)
    dl_run_store_compute_data_async (self->store, self->data_train, test, self->train->n, self->test->n,
                                     self->describe_cancellable, described_cb, g_object_ref (self));
  else
    dl_run_data_compute_async (self->data_train, test, self->train->n, self->test->n, self->describe_cancellable,
                               described_cb, g_object_ref (self));
}

/* The class names of the training data's folder (its classes.txt), else the digits; a classes.txt that is
 * not ten names is said, and the digits used. */
static void
take_classes (DlSession *self)
{
  g_autoptr (GError) error = NULL;
  DlClasses *classes = NULL;

  if (g_file_test (self->data_train, G_FILE_TEST_IS_DIR)
      && (classes = dl_classes_load_dir (self->data_train, &error)) == NULL)
    dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, error->message);
  dl_classes_free (self->classes);
  self->classes = classes != NULL ? classes : dl_classes_copy (dl_classes_digits ());
  dl_session_notify (self, PROP_CLASSES);
}

void
dl_session_data_event (DlSession *self, const DlEvent *ev)
{
  DlSessionLoad *load = g_queue_pop_head (&self->loads);

  g_free (self->data_train);
  g_free (self->data_test);
  self->data_train = g_strdup (load != NULL ? load->train : ev->train->source);
  self->data_test = g_strdup (load != NULL ? load->test : ev->test->source);
  g_clear_pointer (&load, dl_session_load_free);
  g_clear_pointer (&self->train, dl_dataset_unref);
  g_clear_pointer (&self->test, dl_dataset_unref);
  self->train = dl_dataset_ref (ev->train);
  self->test = dl_dataset_ref (ev->test);
  self->data_generation++;
  g_clear_pointer (&self->data, dl_run_data_unref);
  if (self->retry == DL_SESSION_RETRY_DATA)
    dl_session_clear_message (self);
  describe_data (self);
  take_classes (self);
  dl_session_notify (self, PROP_HAS_DATA);
  dl_session_notify (self, PROP_TRAIN_SET);
  dl_session_notify (self, PROP_TEST_SET);
  dl_session_notify (self, PROP_DATA);
  if (self->loads.length == 0)
    dl_session_notify (self, PROP_LOADING_DATA);
}

/* The loaders name their file; a data set that does not fit the network names its source. */
static gboolean
is_data_error (const DlSessionLoad *load, const GError *error)
{
  if (error->domain == DL_DATA_ERROR)
    return TRUE;
  return error->domain == DL_WORKER_ERROR
         && (strstr (error->message, load->train) != NULL || (load->test != NULL && strstr (error->message, load->test)));
}

gboolean
dl_session_data_error (DlSession *self, const DlEvent *ev)
{
  DlSessionLoad *load = g_queue_peek_head (&self->loads);

  if (ev->error == NULL)
    return FALSE;
  if (self->loading_model != NULL && ev->error->domain == DL_MODEL_ERROR
      && g_str_has_prefix (ev->error->message, self->loading_model))
    {
      g_free (self->retry_path);
      self->retry_path = g_steal_pointer (&self->loading_model);
      self->start_pending = FALSE;
      dl_session_say (self, TRUE, DL_SESSION_RETRY_MODEL, ev->message);
      dl_session_ensure_run (self);
      return TRUE;
    }
  if (load == NULL || !is_data_error (load, ev->error))
    return FALSE;
  g_queue_pop_head (&self->loads);
  g_free (self->retry_train);
  g_free (self->retry_test);
  self->retry_train = g_steal_pointer (&load->train);
  self->retry_test = g_steal_pointer (&load->test);
  dl_session_load_free (load);
  dl_session_say (self, TRUE, DL_SESSION_RETRY_DATA, ev->message);
  if (self->loads.length == 0)
    dl_session_notify (self, PROP_LOADING_DATA);
  return TRUE;
}
