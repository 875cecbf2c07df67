/* dl-window-files.c — the window's file choosers (a data folder, CSV files, a model to save or load,
 * unlabeled images) and their win.* actions; unlabeled images opened, or their error shown. */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-window-private.h"

void
dl_window_close_chooser (DlWindow *self)
{
  if (self->chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
}

static void choose (DlWindow *self, Choose what);

static void
chosen (DlWindow *self, const char *path)
{
  switch (self->choosing)
    {
    case CHOOSE_DATA_FOLDER:
      dl_window_load_data (self, path, path);
      break;
    case CHOOSE_TRAIN_CSV:
      g_free (self->pending_train_csv);
      self->pending_train_csv = g_strdup (path);
      choose (self, CHOOSE_TEST_CSV);
      break;
    case CHOOSE_TEST_CSV:
      dl_window_load_data (self, self->pending_train_csv, path);
      g_clear_pointer (&self->pending_train_csv, g_free);
      break;
    case CHOOSE_SAVE_MODEL:
      dl_window_session_activate (self, "save-model", g_variant_new_string (path));
      break;
    case CHOOSE_LOAD_MODEL:
      dl_window_load_model (self, path);
      break;
    case CHOOSE_UNLABELED:
      dl_window_open_unlabeled (self, path);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
chooser_response_cb (DlWindow *self, int response, GtkNativeDialog *dialog)
{
  g_autoptr (GFile) file = response == GTK_RESPONSE_ACCEPT ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog)) : NULL;
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
  Choose what = self->choosing;

  dl_window_close_chooser (self);
  if (path != NULL)
    {
      self->choosing = what;
      chosen (self, path);
    }
}

static void
add_filter (GtkFileChooser *chooser, const char *name, const char *pattern)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
choose (DlWindow *self, Choose what)
{
  static const struct {
    const char *title, *accept;
    GtkFileChooserAction action;
  } kinds[] = {
    [CHOOSE_DATA_FOLDER] = { N_("Open a Folder of MNIST IDX Files"), N_("_Open"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER },
    [CHOOSE_TRAIN_CSV] = { N_("Open the Training CSV File"), N_("_Open"), GTK_FILE_CHOOSER_ACTION_OPEN },
    [CHOOSE_TEST_CSV] = { N_("Open the Test CSV File"), N_("_Open"), GTK_FILE_CHOOSER_ACTION_OPEN },
    [CHOOSE_SAVE_MODEL] = { N_("Save Model"), N_("_Save"), GTK_FILE_CHOOSER_ACTION_SAVE },
    [CHOOSE_LOAD_MODEL] = { N_("Load Model"), N_("_Open"), GTK_FILE_CHOOSER_ACTION_OPEN },
    [CHOOSE_UNLABELED] = { N_("Open Unlabeled Images"), N_("_Open"), GTK_FILE_CHOOSER_ACTION_OPEN },
  };
  GtkFileChooser *chooser;

  dl_window_close_chooser (self);
  self->choosing = what;
  self->chooser = gtk_file_chooser_native_new (_(kinds[what].title), GTK_WINDOW (self), kinds[what].action,
                                               _(kinds[what].accept), _("_Cancel"));
  chooser = GTK_FILE_CHOOSER (self->chooser);
  if (what == CHOOSE_TRAIN_CSV || what == CHOOSE_TEST_CSV)
    add_filter (chooser, _("CSV files (label, 784 pixels)"), "*.csv");
  if (what == CHOOSE_UNLABELED)
    {
      add_filter (chooser, _("CSV files (784 pixels a row)"), "*.csv");
      add_filter (chooser, _("IDX image files"), "*ubyte*");
      add_filter (chooser, _("All files"), "*");
    }
  if (what == CHOOSE_SAVE_MODEL || what == CHOOSE_LOAD_MODEL)
    add_filter (chooser, _("Digit Lab models"), "*.dlm");
  if (what == CHOOSE_SAVE_MODEL)
    {
      g_autofree char *name = dl_session_dup_model_name (self->session);

      gtk_file_chooser_set_current_name (chooser, name);
    }
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_data_action (GtkWidget *widget, const char *name, GVariant *param)
{
  choose (DL_WINDOW (widget), CHOOSE_DATA_FOLDER);
}

static void
open_csv_action (GtkWidget *widget, const char *name, GVariant *param)
{
  choose (DL_WINDOW (widget), CHOOSE_TRAIN_CSV);
}

static void
save_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  if (dl_window_session_enabled (DL_WINDOW (widget), "save-model"))
    choose (DL_WINDOW (widget), CHOOSE_SAVE_MODEL);
}

static void
load_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  choose (DL_WINDOW (widget), CHOOSE_LOAD_MODEL);
}

static void
open_unlabeled_action (GtkWidget *widget, const char *name, GVariant *param)
{
  choose (DL_WINDOW (widget), CHOOSE_UNLABELED);
}

static void
close_open_error (DlWindow *self)
{
  if (self->open_error == NULL)
    return;
  gtk_window_destroy (GTK_WINDOW (self->open_error));
  self->open_error = NULL;
}

/* Images that cannot be opened change nothing: the loader's words say which file, where and why. */
static void
show_open_error (DlWindow *self, const GError *error)
{
  close_open_error (self);
  self->open_error = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                             GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s",
                                             _("These images cannot be opened"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (self->open_error), "%s", error->message);
  g_signal_connect_object (self->open_error, "response", G_CALLBACK (close_open_error), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->open_error));
}

static void
unlabeled_opened_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = dl_unlabeled_page_open_finish (DL_UNLABELED_PAGE (source), result, &error);
  DlWindow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = DL_WINDOW (data);
  g_clear_object (&self->opening);
  if (!ok)
    {
      show_open_error (self, error);
      return;
    }
  gtk_stack_page_set_visible (self->unlabeled_stack_page, TRUE);
  gtk_stack_set_visible_child_name (self->pages, "unlabeled");
}

void
dl_window_open_unlabeled (DlWindow *self, const char *path)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  if (self->opening != NULL)
    g_cancellable_cancel (self->opening);
  g_clear_object (&self->opening);
  self->opening = g_cancellable_new ();
  dl_unlabeled_page_open_async (self->unlabeled_page, path, self->opening, unlabeled_opened_cb, self);
}

GtkWidget *
dl_window_get_open_error (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->open_error;
}

DlUnlabeledPage *
dl_window_get_unlabeled_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->unlabeled_page;
}

void
dl_window_load_model (DlWindow *self, const char *path)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  dl_window_session_activate (self, "load-model", g_variant_new_string (path));
}

void
dl_window_files_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open-data", NULL, open_data_action);
  gtk_widget_class_install_action (widget_class, "win.open-csv", NULL, open_csv_action);
  gtk_widget_class_install_action (widget_class, "win.save-model", NULL, save_model_action);
  gtk_widget_class_install_action (widget_class, "win.load-model", NULL, load_model_action);
  gtk_widget_class_install_action (widget_class, "win.open-unlabeled", NULL, open_unlabeled_action);
}

void
dl_window_files_dispose (DlWindow *self)
{
  dl_window_close_chooser (self);
  close_open_error (self);
  if (self->opening != NULL)
    g_cancellable_cancel (self->opening);
  g_clear_object (&self->opening);
  g_clear_pointer (&self->pending_train_csv, g_free);
}
