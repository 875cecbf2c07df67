/* dl-runs-page-actions.c — what the Runs page does with the compared runs: open one, branch one, export them, delete
 * them with an undo notice, tick and untick them (see dl-runs-page-private.h). */
#include "dl-runs-page-private.h"

#include <glib/gi18n.h>

/* How long the deletion notice (and so its Undo) stays. */
#define TOAST_SECONDS 10

static GPtrArray *
compared_runs (DlRunsPage *self)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->compared)); i++)
    g_ptr_array_add (runs, g_list_model_get_item (G_LIST_MODEL (self->compared), i));
  return runs;
}

/* A run still training is not deleted: stop it first. */
static gboolean
deletable (DlRun *run)
{
  return !dl_train_state_is_live (dl_run_get_state (run));
}

void
dl_runs_page_update_actions (DlRunsPage *self)
{
  g_autoptr (GPtrArray) runs = compared_runs (self);
  gboolean any_deletable = FALSE;

  for (guint i = 0; i < runs->len; i++)
    any_deletable = any_deletable || deletable (runs->pdata[i]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.open", runs->len == 1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.branch", self->store != NULL && runs->len == 1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.export", self->store != NULL && runs->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.delete", self->store != NULL && any_deletable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.undo-delete", self->deleted->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.clear-comparison", runs->len > 0);
}

/* ---- the notice ---- */

static gboolean
toast_timeout (gpointer data)
{
  DlRunsPage *self = data;

  self->toast_id = 0;
  dl_runs_page_commit_deletions (self);
  return G_SOURCE_REMOVE;
}

void
dl_runs_page_show_toast (DlRunsPage *self, const char *message, gboolean with_undo)
{
  gtk_label_set_text (self->toast_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->undo_button), with_undo);
  gtk_revealer_set_reveal_child (self->toast_revealer, TRUE);
  g_clear_handle_id (&self->toast_id, g_source_remove);
  self->toast_id = g_timeout_add_seconds (TOAST_SECONDS, toast_timeout, self);
}

const char *
dl_runs_page_get_toast (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), NULL);
  return gtk_revealer_get_reveal_child (self->toast_revealer) ? gtk_label_get_text (self->toast_label) : NULL;
}

static void
hide_toast (DlRunsPage *self)
{
  g_clear_handle_id (&self->toast_id, g_source_remove);
  if (self->toast_revealer != NULL)
    gtk_revealer_set_reveal_child (self->toast_revealer, FALSE);
}

void
dl_runs_page_commit_deletions (DlRunsPage *self)
{
  for (guint i = 0; self->store != NULL && i < self->deleted->len; i++)
    dl_run_store_purge_run (self->store, self->deleted->pdata[i]);
  g_ptr_array_set_size (self->deleted, 0);
  hide_toast (self);
  if (self->compared != NULL)
    dl_runs_page_update_actions (self);
}

/* ---- delete, undo ---- */

static void
delete_runs (GtkWidget *widget, const char *action, GVariant *param)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  g_autoptr (GPtrArray) runs = compared_runs (self);
  g_autofree char *message = NULL;
  guint n = 0;

  if (self->store == NULL)
    return;
  for (guint i = 0; i < runs->len; i++)
    {
      DlRun *run = runs->pdata[i];
      guint pos;

      if (!deletable (run))
        continue;
      if (g_list_store_find (self->compared, run, &pos))
        g_list_store_remove (self->compared, pos);
      dl_run_store_delete_run (self->store, run);
      g_ptr_array_add (self->deleted, g_object_ref (run));
      n++;
    }
  if (n == 0)
    return;
  /* Deletions while the notice is up add to it: Undo brings them all back. */
  if (self->deleted->len == 1)
    message = g_strdup_printf (_("Run “%s” deleted"), dl_run_get_name (self->deleted->pdata[0]));
  else
    message = g_strdup_printf (ngettext ("%u run deleted", "%u runs deleted", self->deleted->len),
                               self->deleted->len);
  dl_runs_page_show_toast (self, message, TRUE);
  dl_runs_page_update_actions (self);
}

static void
undo_delete (GtkWidget *widget, const char *action, GVariant *param)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  g_autoptr (GPtrArray) restored = g_steal_pointer (&self->deleted);

  self->deleted = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; self->store != NULL && i < restored->len; i++)
    dl_run_store_restore_run (self->store, restored->pdata[i]);
  /* Back in the comparison they were taken from. */
  if (restored->len > 0)
    g_list_store_splice (self->compared, g_list_model_get_n_items (G_LIST_MODEL (self->compared)), 0,
                         restored->pdata, restored->len);
  hide_toast (self);
  dl_runs_page_update_actions (self);
}

static void
dismiss_toast (GtkWidget *widget, const char *action, GVariant *param)
{
  dl_runs_page_commit_deletions (DL_RUNS_PAGE (widget));
}

/* ---- open, export, compare ---- */

void
dl_runs_page_open_run (DlRunsPage *self, DlRun *run)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "session.open-run", "s", dl_run_get_uuid (run));
}

static void
open_run (GtkWidget *widget, const char *action, GVariant *param)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  g_autoptr (GPtrArray) runs = compared_runs (self);

  if (runs->len == 1)
    dl_runs_page_open_run (self, runs->pdata[0]);
}

/* "Branch from End": the session makes the child, READY at the run's latest checkpoint (the window then
 * shows it on the Train page). */
static void
branch_run (GtkWidget *widget, const char *action, GVariant *param)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  g_autoptr (GPtrArray) runs = compared_runs (self);

  if (runs->len == 1)
    gtk_widget_activate_action (widget, "session.branch-run", "s", dl_run_get_uuid (runs->pdata[0]));
}

static void
on_exported (DlRunsPage *self, const char *path)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *message = g_strdup_printf (_("Runs exported to “%s”"), name);

  if (self->deleted->len == 0)
    dl_runs_page_show_toast (self, message, FALSE);
}

static void
export_runs (GtkWidget *widget, const char *action, GVariant *param)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  g_autoptr (GPtrArray) runs = compared_runs (self);

  if (self->store == NULL || runs->len == 0)
    return;
  g_signal_handlers_disconnect_by_func (self->exporter, on_exported, self);
  g_signal_connect_swapped (self->exporter, "exported", G_CALLBACK (on_exported), self);
  dl_runs_exporter_choose (self->exporter, self->store, runs,
                           runs->len == 1 ? dl_run_get_name (runs->pdata[0]) : _("runs"));
}

static DlRun *
find_run (DlRunsPage *self, const char *uuid)
{
  for (guint i = 0; self->runs != NULL && i < g_list_model_get_n_items (self->runs); i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (self->runs, i);

      if (g_str_equal (dl_run_get_uuid (run), uuid))
        return g_steal_pointer (&run);
    }
  return NULL;
}

static void
compare_run (GtkWidget *widget, const char *action, GVariant *param)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  const char *uuid;
  gboolean on;
  g_autoptr (DlRun) run = NULL;
  guint pos;

  g_variant_get (param, "(&sb)", &uuid, &on);
  run = find_run (self, uuid);
  if (run == NULL)
    return;
  if (on && !g_list_store_find (self->compared, run, NULL))
    g_list_store_append (self->compared, run);
  else if (!on && g_list_store_find (self->compared, run, &pos))
    g_list_store_remove (self->compared, pos);
}

static void
clear_comparison (GtkWidget *widget, const char *action, GVariant *param)
{
  g_list_store_remove_all (DL_RUNS_PAGE (widget)->compared);
}

void
dl_runs_page_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "runs.open", NULL, open_run);
  gtk_widget_class_install_action (widget_class, "runs.branch", NULL, branch_run);
  gtk_widget_class_install_action (widget_class, "runs.export", NULL, export_runs);
  gtk_widget_class_install_action (widget_class, "runs.delete", NULL, delete_runs);
  gtk_widget_class_install_action (widget_class, "runs.undo-delete", NULL, undo_delete);
  gtk_widget_class_install_action (widget_class, "runs.dismiss-toast", NULL, dismiss_toast);
  gtk_widget_class_install_action (widget_class, "runs.compare", "(sb)", compare_run);
  gtk_widget_class_install_action (widget_class, "runs.clear-comparison", NULL, clear_comparison);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "runs.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "runs.undo-delete", NULL);
}
