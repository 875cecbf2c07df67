/* dl-session-view.c — past runs in the session: one opened for viewing (its history and final model, from the
 * store) and the compared runs' histories (see dl-session.h). */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-model.h"
#include "dl-session-private.h"

void
dl_session_view_clear (DlSession *self)
{
  if (self->view_cancellable != NULL)
    g_cancellable_cancel (self->view_cancellable);
  g_clear_object (&self->view_cancellable);
  g_clear_pointer (&self->view_snapshot, dl_snapshot_unref);
}

/* ---- a past run's history ---- */

static void
history_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DlSession) self = user_data;
  g_autoptr (GError) error = NULL;

  if (dl_run_store_load_run_finish (DL_RUN_STORE (source), result, &error)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || g_cancellable_is_cancelled (self->cancellable))
    return;
  dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, error->message);
}

void
dl_session_load_history (DlSession *self, DlRun *run, GCancellable *cancellable)
{
  if (self->store != NULL && !dl_run_get_loaded (run))
    dl_run_store_load_run_async (self->store, run, cancellable, history_loaded_cb, g_object_ref (self));
}

/* ---- a past run's final model ---- */

typedef struct {
  char  *path;
  gint64 step;
  guint  serial;
} ModelLoad;

static void
model_load_free (ModelLoad *load)
{
  g_free (load->path);
  g_free (load);
}

static void
model_load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ModelLoad *load = task_data;
  GError *error = NULL;
  g_autoptr (DlNet) net = dl_model_load (load->path, &error);

  if (net == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, dl_snapshot_new_for_net (net, load->step, load->serial, TRUE),
                           (GDestroyNotify) dl_snapshot_unref);
}

static void
model_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DlSession *self = DL_SESSION (source);
  g_autoptr (GError) error = NULL;
  DlSnapshot *snap = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (snap == NULL)
    {
      dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, error->message);
      return;
    }
  g_clear_pointer (&self->view_snapshot, dl_snapshot_unref);
  self->view_snapshot = snap;
  dl_session_emit_snapshot_changed (self, FALSE);
}

static void
load_final_model (DlSession *self, DlRun *run)
{
  ModelLoad *load = g_new0 (ModelLoad, 1);
  g_autoptr (GTask) task = g_task_new (self, self->view_cancellable, model_loaded_cb, NULL);

  load->path = g_strdup (dl_run_get_final_model_path (run));
  load->step = dl_run_get_steps (run);
  load->serial = ++self->view_serial;
  g_task_set_source_tag (task, load_final_model);
  g_task_set_task_data (task, load, (GDestroyNotify) model_load_free);
  g_task_run_in_thread (task, model_load_thread);
}

DlRun *
dl_session_find_run (DlSession *self, const char *uuid)
{
  GListModel *runs = self->store != NULL ? dl_run_store_get_runs (self->store) : NULL;

  for (guint i = 0; runs != NULL && i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (runs, i);

      if (g_strcmp0 (dl_run_get_uuid (run), uuid) == 0)
        return run;
    }
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->compared)); i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (G_LIST_MODEL (self->compared), i);

      if (g_strcmp0 (dl_run_get_uuid (run), uuid) == 0)
        return run;
    }
  return NULL;
}

/* The live run is shown again; a past one is shown with its history and final model, read from the store
 * while the live run goes on. */
void
dl_session_open_run (DlSession *self, const char *uuid)
{
  DlRun *live = dl_session_get_live_run (self);
  DlRun *run;

  if (live != NULL && g_strcmp0 (dl_run_get_uuid (live), uuid) == 0)
    {
      dl_session_family_show (self, live);
      dl_session_show_run (self, live);
      return;
    }
  run = dl_session_find_run (self, uuid);
  if (run == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("There is no run %s in the run history."), uuid);

      dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, text);
      return;
    }
  if (run == self->run)
    return;
  dl_session_family_show (self, run);
  dl_session_show_run (self, run);
  self->view_cancellable = g_cancellable_new ();
  dl_session_load_history (self, run, self->view_cancellable);
  if (dl_run_get_final_model_path (run) != NULL)
    load_final_model (self, run);
}

/* ---- compared runs ---- */

void
dl_session_compared_changed (DlSession *self, guint position, guint removed, guint added)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (G_LIST_MODEL (self->compared), i);

      dl_session_load_history (self, run, self->cancellable);
    }
}

/* ---- saving a past run's model ---- */

static void
copy_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  char **paths = task_data;
  g_autofree char *contents = NULL;
  gsize length;
  GError *error = NULL;

  if (g_file_get_contents (paths[0], &contents, &length, &error) && g_file_set_contents (paths[1], contents, length, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
copied_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DlSession *self = DL_SESSION (source);
  char **paths = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  g_clear_pointer (&self->saving_path, g_free);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_free (self->retry_path);
      self->retry_path = g_strdup (paths[1]);
      dl_session_say (self, TRUE, DL_SESSION_RETRY_SAVE, error->message);
      return;
    }
  text = g_strdup_printf (_("Saved the model to “%s”."), paths[1]);
  dl_session_say (self, FALSE, DL_SESSION_RETRY_NONE, text);
}

/* A copy of its final model, written atomically like every save. */
void
dl_session_save_past_model (DlSession *self, const char *path)
{
  const char *final = self->run != NULL ? dl_run_get_final_model_path (self->run) : NULL;
  g_autoptr (GTask) task = NULL;

  if (final == NULL)
    return;
  task = g_task_new (self, self->cancellable, copied_cb, NULL);
  g_task_set_source_tag (task, dl_session_save_past_model);
  g_task_set_task_data (task, g_strdupv ((char *[]) { (char *) final, (char *) path, NULL }), (GDestroyNotify) g_strfreev);
  g_free (self->saving_path);
  self->saving_path = g_strdup (path);
  g_task_run_in_thread (task, copy_thread);
  dl_session_update (self);
}
