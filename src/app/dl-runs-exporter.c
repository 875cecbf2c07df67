/* dl-runs-exporter.c — the save dialog and CSV export of runs, owned by its widget. */
#include "dl-runs-exporter.h"

#include <glib/gi18n.h>

struct _DlRunsExporter
{
  GObject               parent_instance;

  GtkWidget            *owner;      /* weak */
  GtkFileChooserNative *chooser;
  GtkWidget            *error_dialog;
  DlRunStore           *store;      /* what the open chooser exports */
  GPtrArray            *runs;
  GCancellable         *cancellable;
};

G_DEFINE_FINAL_TYPE (DlRunsExporter, dl_runs_exporter, G_TYPE_OBJECT)

enum {
  SIGNAL_EXPORTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
close_chooser (DlRunsExporter *self)
{
  if (self->chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
}

static void
close_error (DlRunsExporter *self)
{
  if (self->error_dialog == NULL)
    return;
  g_object_remove_weak_pointer (G_OBJECT (self->error_dialog), (gpointer *) &self->error_dialog);
  gtk_window_destroy (GTK_WINDOW (self->error_dialog));
  self->error_dialog = NULL;
}

static GtkWindow *
owner_window (DlRunsExporter *self)
{
  GtkRoot *root = self->owner != NULL ? gtk_widget_get_root (self->owner) : NULL;

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
show_error (DlRunsExporter *self, const GError *error)
{
  GtkWidget *dialog;

  close_error (self);
  dialog = gtk_message_dialog_new (owner_window (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", _("Export failed"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  self->error_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->error_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef struct {
  DlRunsExporter *self;   /* NULL once the exporter is gone */
  char           *path;
} Write;

static void
write_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autofree Write *w = data;
  g_autofree char *path = w->path;
  g_autoptr (GError) error = NULL;
  gboolean ok = dl_run_store_export_csv_finish (DL_RUN_STORE (source), result, &error);
  DlRunsExporter *self = w->self;

  if (self == NULL)
    return;
  g_object_remove_weak_pointer (G_OBJECT (self), (gpointer *) &w->self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (ok)
    g_signal_emit (self, signals[SIGNAL_EXPORTED], 0, path);
  else
    show_error (self, error);
}

static void
export_to (DlRunsExporter *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  Write *w;

  if (path == NULL)
    {
      g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                              _("Cannot export to “%s”: not a local file"), g_file_peek_path (file));
      show_error (self, error);
      return;
    }
  w = g_new0 (Write, 1);
  w->self = self;
  w->path = g_strdup (path);
  g_object_add_weak_pointer (G_OBJECT (self), (gpointer *) &w->self);
  dl_run_store_export_csv_async (self->store, self->runs, path, self->cancellable, write_done, w);
}

static void
on_response (GtkNativeDialog *chooser, int response, DlRunsExporter *self)
{
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  close_chooser (self);
  if (file != NULL && self->store != NULL)
    export_to (self, file);
}

void
dl_runs_exporter_choose (DlRunsExporter *self, DlRunStore *store, GPtrArray *runs, const char *basename)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;

  g_return_if_fail (DL_IS_RUNS_EXPORTER (self));
  g_return_if_fail (DL_IS_RUN_STORE (store));
  g_return_if_fail (runs != NULL);

  close_chooser (self);
  g_set_object (&self->store, store);
  g_clear_pointer (&self->runs, g_ptr_array_unref);
  self->runs = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < runs->len; i++)
    g_ptr_array_add (self->runs, g_object_ref (runs->pdata[i]));

  self->chooser = gtk_file_chooser_native_new (_("Export Runs as CSV"), owner_window (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_filter_set_name (filter, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  name = g_strdup_printf ("%s.csv", basename != NULL && *basename != '\0' ? basename : _("runs"));
  g_strdelimit (name, "/\\", '-');
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
owner_gone (gpointer data, GObject *owner)
{
  ((DlRunsExporter *) data)->owner = NULL;
}

static void
dl_runs_exporter_dispose (GObject *object)
{
  DlRunsExporter *self = DL_RUNS_EXPORTER (object);

  g_cancellable_cancel (self->cancellable);
  close_chooser (self);
  close_error (self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->runs, g_ptr_array_unref);
  G_OBJECT_CLASS (dl_runs_exporter_parent_class)->dispose (object);
}

static void
dl_runs_exporter_finalize (GObject *object)
{
  DlRunsExporter *self = DL_RUNS_EXPORTER (object);

  if (self->owner != NULL)
    g_object_weak_unref (G_OBJECT (self->owner), owner_gone, self);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (dl_runs_exporter_parent_class)->finalize (object);
}

static void
dl_runs_exporter_class_init (DlRunsExporterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dl_runs_exporter_dispose;
  object_class->finalize = dl_runs_exporter_finalize;

  signals[SIGNAL_EXPORTED] =
    g_signal_new ("exported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING);
}

static void
dl_runs_exporter_init (DlRunsExporter *self)
{
  self->cancellable = g_cancellable_new ();
}

DlRunsExporter *
dl_runs_exporter_new (GtkWidget *owner)
{
  DlRunsExporter *self;

  g_return_val_if_fail (GTK_IS_WIDGET (owner), NULL);
  self = g_object_new (DL_TYPE_RUNS_EXPORTER, NULL);
  self->owner = owner;
  g_object_weak_ref (G_OBJECT (owner), owner_gone, self);
  return self;
}
