/* dl-preferences-window.c — Preferences: style, data folder, training threads, run recording and
 * checkpoint retention, each bound to its GSettings key (data/io.github.digitlab.DigitLab.gschema.xml) so
 * that a change applies at once and is remembered. */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-button-names.h"
#include "dl-data.h"
#include "dl-preferences-window.h"
#include "dl-wheel-guard.h"

struct _DlPreferencesWindow
{
  GtkWindow  parent_instance;

  GSettings *settings;

  /* template children */
  GtkWidget     *content;
  GtkDropDown   *style_dropdown;
  GtkLabel      *data_folder_label;
  GtkButton     *data_folder_reset;
  GtkAdjustment *threads_adjustment;
  GtkLabel      *threads_detail;
  GtkSwitch     *record_switch;
  GtkAdjustment *checkpoints_adjustment;
};

G_DEFINE_FINAL_TYPE (DlPreferencesWindow, dl_preferences_window, GTK_TYPE_WINDOW)

/* The style drop-down's items, in the order of the .ui's string list. */
static const char *const styles[] = { "system", "light", "dark" };

static gboolean
style_to_selected (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *style = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    if (g_str_equal (style, styles[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
selected_to_style (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint i = g_value_get_uint (value);

  return i < G_N_ELEMENTS (styles) ? g_variant_new_string (styles[i]) : NULL;
}

static void
show_data_folder (DlPreferencesWindow *self)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "data-folder");
  g_autofree char *cache = NULL;

  if (*folder != '\0')
    {
      gtk_label_set_text (self->data_folder_label, folder);
      gtk_widget_set_sensitive (GTK_WIDGET (self->data_folder_reset), TRUE);
      return;
    }
  cache = dl_data_default_dir ();
  gtk_label_set_text (self->data_folder_label, cache);
  gtk_widget_set_sensitive (GTK_WIDGET (self->data_folder_reset), FALSE);
}

static void
folder_chosen_cb (GtkNativeDialog *dialog, int response, DlPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, "data-folder", path);
    }
  g_object_unref (dialog);
}

static void
choose_folder_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlPreferencesWindow *self = DL_PREFERENCES_WINDOW (widget);
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Choose the Data Folder"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                               _("_Choose"), _("_Cancel"));

  g_signal_connect (chooser, "response", G_CALLBACK (folder_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
reset_folder_action (GtkWidget *widget, const char *name, GVariant *param)
{
  g_settings_reset (DL_PREFERENCES_WINDOW (widget)->settings, "data-folder");
}

static void
bind_settings (DlPreferencesWindow *self)
{
  int cores = MAX (1, (int) g_get_num_processors () - 1);
  g_autofree char *detail = g_strdup_printf (
      ngettext ("Each batch of a new run is split over this many threads; 0 is automatic: %d thread "
                   "on this machine (one fewer than its cores).",
                   "Each batch of a new run is split over this many threads; 0 is automatic: %d threads "
                   "on this machine (one fewer than its cores).", cores), cores);

  gtk_label_set_text (self->threads_detail, detail);
  g_settings_bind_with_mapping (self->settings, "style", self->style_dropdown, "selected", G_SETTINGS_BIND_DEFAULT,
                                style_to_selected, selected_to_style, NULL, NULL);
  g_settings_bind (self->settings, "training-threads", self->threads_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "record-runs", self->record_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "keep-checkpoints", self->checkpoints_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::data-folder", G_CALLBACK (show_data_folder), self,
                           G_CONNECT_SWAPPED);
  show_data_folder (self);
}

DlPreferencesWindow *
dl_preferences_window_new (GtkWindow *parent, GSettings *settings)
{
  DlPreferencesWindow *self = g_object_new (DL_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);

  if (settings == NULL)
    {
      gtk_widget_set_sensitive (self->content, FALSE);
      return self;
    }
  self->settings = g_object_ref (settings);
  bind_settings (self);
  return self;
}

static void
dl_preferences_window_dispose (GObject *object)
{
  DlPreferencesWindow *self = DL_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dl_preferences_window_parent_class)->dispose (object);
}

static void
dl_preferences_window_class_init (DlPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/ui/dl-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DlPreferencesWindow, content);
  gtk_widget_class_bind_template_child (widget_class, DlPreferencesWindow, style_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlPreferencesWindow, data_folder_label);
  gtk_widget_class_bind_template_child (widget_class, DlPreferencesWindow, data_folder_reset);
  gtk_widget_class_bind_template_child (widget_class, DlPreferencesWindow, threads_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlPreferencesWindow, threads_detail);
  gtk_widget_class_bind_template_child (widget_class, DlPreferencesWindow, record_switch);
  gtk_widget_class_bind_template_child (widget_class, DlPreferencesWindow, checkpoints_adjustment);
  gtk_widget_class_install_action (widget_class, "prefs.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "prefs.reset-folder", NULL, reset_folder_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dl_preferences_window_init (DlPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The wheel scrolls the window; the spin buttons take it only when focused. */
  dl_wheel_guard_install (GTK_WIDGET (self));
  dl_button_names_fix (GTK_WIDGET (self));
}
