/* dl-application.c — the application object: app-wide actions, shortcuts, styles, settings, the About
 * dialog, Preferences and Help.
 *
 * Each window owns its own session (worker, run store, runs); the application only opens windows and holds
 * what is shared by all of them.
 */
#include "config.h"

#include <epoxy/gl.h>
#include <glib/gi18n.h>

#include "dl-application.h"
#include "dl-data.h"
#include "dl-help-window.h"
#include "dl-i18n.h"
#include "dl-preferences-window.h"
#include "dl-style-manager.h"
#include "dl-window.h"

struct _DlApplication
{
  GtkApplication parent_instance;

  GSettings     *settings;
  DlStyleManager *style;
  GtkWindow     *preferences;  /* weak: the open Preferences window */
  GtkWindow     *help;         /* weak: the open Help window */
  char          *data_path;    /* --data */
  char          *model_path;   /* --model */
  char          *unlabeled_path;   /* --unlabeled */
};

G_DEFINE_FINAL_TYPE (DlApplication, dl_application, GTK_TYPE_APPLICATION)

DlApplication *
dl_application_new (void)
{
  return g_object_new (DL_TYPE_APPLICATION,
                       "application-id", DL_APPLICATION_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/digitlab/DigitLab",
                       NULL);
}

/* Installed, the schema is in the default source (XDG_DATA_DIRS/glib-2.0/schemas); run from the build
 * tree, the one compiled there comes first, so that an older installed copy cannot stand in for it. */
static GSettings *
load_settings (void)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchemaSource) built = NULL;
  g_autoptr (GSettingsSchema) schema = NULL;

  if (dl_running_uninstalled ())
    built = g_settings_schema_source_new_from_directory (DL_BUILD_SCHEMA_DIR, installed, FALSE, NULL);
  if (built != NULL)
    schema = g_settings_schema_source_lookup (built, DL_APPLICATION_ID, TRUE);
  else if (installed != NULL)
    schema = g_settings_schema_source_lookup (installed, DL_APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      g_warning ("Settings schema %s not found: preferences, window size and preset will not be remembered",
                 DL_APPLICATION_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

char *
dl_application_dup_data_dir (DlApplication *self)
{
  g_autofree char *folder = NULL;

  g_return_val_if_fail (DL_IS_APPLICATION (self), NULL);
  if (g_getenv ("DIGITLAB_DATA") == NULL && self->settings != NULL)
    folder = g_settings_get_string (self->settings, "data-folder");
  if (folder != NULL && *folder != '\0')
    return g_steal_pointer (&folder);
  return dl_data_default_dir ();
}

GSettings *
dl_application_get_settings (DlApplication *self)
{
  g_return_val_if_fail (DL_IS_APPLICATION (self), NULL);
  return self->settings;
}

static void
dl_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  DlApplication *self = DL_APPLICATION (app);

  if (window == NULL)
    {
      window = GTK_WINDOW (dl_window_new (self, self->data_path));
      if (self->model_path != NULL)
        dl_window_load_model (DL_WINDOW (window), self->model_path);
      if (self->unlabeled_path != NULL)
        dl_window_open_unlabeled (DL_WINDOW (window), self->unlabeled_path);
    }
  gtk_window_present (window);
}

static int
dl_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  DlApplication *self = DL_APPLICATION (app);

  g_variant_dict_lookup (options, "data", "^ay", &self->data_path);
  g_variant_dict_lookup (options, "model", "^ay", &self->model_path);
  g_variant_dict_lookup (options, "unlabeled", "^ay", &self->unlabeled_path);
  return -1;   /* go on: activate */
}

/* With software GL (llvmpipe: no GPU, as in a VM or under Xvfb) GTK's GL renderer rasterises on the
 * cores that train, and frames come every 50 ms instead of every 16.7 ms (DIGITLAB_FRAME_STATS under
 * Xvfb); its cairo renderer keeps up. Only when the user has not chosen a renderer. */
static void
avoid_software_gl (void)
{
  g_autoptr (GdkGLContext) context = NULL;
  const char *renderer;

  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  context = gdk_display_create_gl_context (gdk_display_get_default (), NULL);
  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    return;
  gdk_gl_context_make_current (context);
  renderer = (const char *) glGetString (GL_RENDERER);
  if (renderer != NULL && (strstr (renderer, "llvmpipe") != NULL || strstr (renderer, "softpipe") != NULL))
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
  gdk_gl_context_clear_current ();
}

static void
dl_application_startup (GApplication *app)
{
  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (dl_application_parent_class)->startup (app);
  avoid_software_gl ();

  DL_APPLICATION (app)->settings = load_settings ();
  DL_APPLICATION (app)->style = dl_style_manager_new (DL_APPLICATION (app)->settings);

  gtk_css_provider_load_from_resource (css, "/io/github/digitlab/DigitLab/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GApplication *app = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  /* Closing the windows (rather than g_application_quit) lets each finish its session: record the run under
   * way, or ask before a trained model that is kept nowhere goes. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free (windows);
}

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = user_data;
  static const char *developers[] = { "The Digit Lab developers", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", _("Digit Lab"),
                         "logo-icon-name", DL_APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Train, watch and probe a handwritten-digit neural network."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", developers,
                         NULL);
}

/* Shows the one window of a kind kept in *slot (a weak pointer), after make () when there is none. */
static void
present_single (DlApplication *self, GtkWindow **slot, GtkWindow *(*make) (DlApplication *self, GtkWindow *parent))
{
  if (*slot == NULL)
    {
      *slot = make (self, gtk_application_get_active_window (GTK_APPLICATION (self)));
      gtk_window_set_application (*slot, GTK_APPLICATION (self));
      g_object_add_weak_pointer (G_OBJECT (*slot), (gpointer *) slot);
    }
  gtk_window_present (*slot);
}

static GtkWindow *
make_preferences (DlApplication *self, GtkWindow *parent)
{
  return GTK_WINDOW (dl_preferences_window_new (parent, self->settings));
}

static GtkWindow *
make_help (DlApplication *self, GtkWindow *parent)
{
  return GTK_WINDOW (dl_help_window_new (parent));
}

static void
preferences_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlApplication *self = user_data;

  present_single (self, &self->preferences, make_preferences);
}

static void
help_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  present_single (self, &self->help, make_help);
  if (DL_IS_WINDOW (parent))
    dl_help_window_show_topic (DL_HELP_WINDOW (self->help), dl_window_get_help_topic (DL_WINDOW (parent)));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
  { "help", help_activated },
};

static void
dl_application_init (DlApplication *self)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *help_accels[] = { "F1", NULL };

  const GOptionEntry options[] = {
    { "data", 'd', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL,
      N_("Train on this folder of MNIST IDX files (default: the MNIST cache)"), N_("FOLDER") },
    { "model", 'm', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL, N_("Open a saved model"), N_("FILE") },
    { "unlabeled", 'u', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL,
      N_("Open unlabeled images (a CSV or IDX images file) and show the network's answers"), N_("FILE") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.help", help_accels);
}

static void
dl_application_dispose (GObject *object)
{
  DlApplication *self = DL_APPLICATION (object);

  g_clear_object (&self->style);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->data_path, g_free);
  g_clear_pointer (&self->model_path, g_free);
  g_clear_pointer (&self->unlabeled_path, g_free);
  G_OBJECT_CLASS (dl_application_parent_class)->dispose (object);
}

static void
dl_application_class_init (DlApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = dl_application_dispose;

  app_class->activate = dl_application_activate;
  app_class->startup = dl_application_startup;
  app_class->handle_local_options = dl_application_handle_local_options;
}
