/* test-desktop.c — the real application as a desktop citizen, under Xvfb, settings in memory:
 *
 *  - the shortcuts window (gtk/help-overlay.ui) lists every shortcut the app has: each accelerator of an
 *    application action and each key binding of the app's own widget classes (Dl*) in the window, and the
 *    mnemonic of every page;
 *  - Preferences: the style drop-down sets the "style" key and GTK's dark preference, live; a data folder
 *    chosen while the window has no data is loaded at once;
 *  - F1's help opens on the topic of what the window shows;
 *  - Download MNIST from an unreachable registry says so and offers the buttons again; from a registry on
 *    127.0.0.1 (dl-test-registry.h) it shows the bytes and the speed, then loads the verified files.
 */
#include <check.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "dl-application.h"
#include "dl-empty-state.h"
#include "dl-help-window.h"
#include "dl-preferences-window.h"
#include "dl-test-gtk.h"
#include "dl-test-mnist.h"
#include "dl-test-registry.h"
#include "dl-window.h"

static char *mnist_dir;
static char *empty_dir;

typedef struct {
  GApplication *app;
  DlWindow     *window;
  void        (*check) (GApplication *app, DlWindow *window);
} Fixture;

static void
activated_cb (Fixture *f)
{
  f->window = DL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  f->check (f->app, f->window);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
}

/* Runs the application with no data (an empty data folder) and calls check once its window is up. */
static void
run_app (void (*check) (GApplication *app, DlWindow *window))
{
  Fixture f = { .check = check };

  g_setenv ("DIGITLAB_DATA", empty_dir, TRUE);
  f.app = G_APPLICATION (dl_application_new ());
  g_signal_connect_data (f.app, "activate", G_CALLBACK (activated_cb), &f, NULL, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  ck_assert_int_eq (g_application_run (f.app, 0, NULL), 0);
  g_object_unref (f.app);
}

/* ---- shortcuts ---- */

/* "<Control>e" as the shortcuts window and the key bindings see it: lower-case keys, keypad keys as the
 * main ones (digits, Enter, and Home, the arrows, Page Up/Down, End: the same order in both ranges). */
static char *
normalize (guint keyval, GdkModifierType mods)
{
  guint kp = keyval >= GDK_KEY_KP_0 && keyval <= GDK_KEY_KP_9 ? GDK_KEY_0 + (keyval - GDK_KEY_KP_0)
           : keyval >= GDK_KEY_KP_Home && keyval <= GDK_KEY_KP_End ? GDK_KEY_Home + (keyval - GDK_KEY_KP_Home)
           : keyval == GDK_KEY_KP_Enter ? GDK_KEY_Return : keyval;

  return gtk_accelerator_name (gdk_keyval_to_lower (kp), mods & gtk_accelerator_get_default_mod_mask ());
}

static void
add_accel_string (GHashTable *set, const char *accel)
{
  guint keyval;
  GdkModifierType mods;

  if (gtk_accelerator_parse (accel, &keyval, &mods))
    g_hash_table_add (set, normalize (keyval, mods));
}

/* Every accelerator the shortcuts window shows ("Delete Escape", "0...9" and the like). */
static GHashTable *
listed_shortcuts (void)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/digitlab/DigitLab/gtk/help-overlay.ui");
  g_autoptr (GSList) objects = gtk_builder_get_objects (builder);

  for (GSList *l = objects; l != NULL; l = l->next)
    {
      g_autofree char *accel = NULL;
      g_auto (GStrv) parts = NULL;

      if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        continue;
      g_object_get (l->data, "accelerator", &accel, NULL);
      parts = g_strsplit (accel != NULL ? accel : "", " ", -1);
      for (char **p = parts; *p != NULL; p++)
        {
          char *dots = strstr (*p, "...");
          if (dots == NULL)
            {
              add_accel_string (set, *p);
              continue;
            }
          *dots = '\0';   /* "<mods>A...B": every key from A to B */
          guint from, to;
          GdkModifierType mods;
          g_assert_true (gtk_accelerator_parse (*p, &from, &mods));
          g_assert_true (gtk_accelerator_parse (dots + 3, &to, NULL));
          for (guint k = from; k <= to; k++)
            g_hash_table_add (set, normalize (k, mods));
        }
    }
  g_object_unref (g_object_ref_sink (gtk_builder_get_object (builder, "help_overlay")));
  return set;
}

static void
assert_listed (GHashTable *listed, const char *accel, const char *what)
{
  ck_assert_msg (g_hash_table_contains (listed, accel), "%s (%s) is missing from the shortcuts window", accel, what);
}

/* Checks a trigger's keys are listed, and adds them to found. */
static void
check_trigger (GHashTable *listed, GHashTable *found, GtkShortcutTrigger *trigger, const char *what)
{
  if (GTK_IS_KEYVAL_TRIGGER (trigger))
    {
      char *accel = normalize (gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)),
                               gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)));
      assert_listed (listed, accel, what);
      g_hash_table_add (found, accel);
    }
  else if (GTK_IS_ALTERNATIVE_TRIGGER (trigger))
    {
      check_trigger (listed, found, gtk_alternative_trigger_get_first (GTK_ALTERNATIVE_TRIGGER (trigger)), what);
      check_trigger (listed, found, gtk_alternative_trigger_get_second (GTK_ALTERNATIVE_TRIGGER (trigger)), what);
    }
}

/* The key bindings of the app's own widgets (Dl* classes; GTK's own widgets' keys are GTK's). */
static int
check_widget_tree (GHashTable *listed, GHashTable *found, GtkWidget *widget)
{
  int n = 0;

  if (g_str_has_prefix (G_OBJECT_TYPE_NAME (widget), "Dl"))
    {
      g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

      for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
        {
          g_autoptr (GObject) c = g_list_model_get_item (controllers, i);

          if (!GTK_IS_SHORTCUT_CONTROLLER (c))
            continue;
          for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)); j++)
            {
              g_autoptr (GtkShortcut) s = g_list_model_get_item (G_LIST_MODEL (c), j);
              GtkShortcutAction *action = gtk_shortcut_get_action (s);
              g_autofree char *what = NULL;

              /* The app's bindings name an action; GTK's own (focus moves, mnemonics, the inspector)
               * are signals and callbacks. */
              if (!GTK_IS_NAMED_ACTION (action))
                continue;
              what = g_strdup_printf ("%s in %s", gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)),
                                      G_OBJECT_TYPE_NAME (widget));
              check_trigger (listed, found, gtk_shortcut_get_trigger (s), what);
              n++;
            }
        }
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    n += check_widget_tree (listed, found, c);
  return n;
}

static void
check_shortcuts (GApplication *app, DlWindow *window)
{
  g_autoptr (GHashTable) listed = listed_shortcuts ();
  g_autoptr (GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  const char *accel;
  g_auto (GStrv) actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  GtkWidget *pages = NULL;
  int n_app = 0, n_keys;

  for (char **a = actions; *a != NULL; a++)
    {
      g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), *a);
      for (char **accel = accels; *accel != NULL; accel++)
        {
          guint keyval;
          GdkModifierType mods;
          g_autofree char *norm = NULL;

          ck_assert (gtk_accelerator_parse (*accel, &keyval, &mods));
          norm = normalize (keyval, mods);
          assert_listed (listed, norm, *a);
          g_hash_table_add (found, g_steal_pointer (&norm));
          n_app++;
        }
    }
  n_keys = check_widget_tree (listed, found, GTK_WIDGET (window));
  /* Quit, preferences, help and the shortcuts window itself; start, stop, save, open, evaluate, the Draw
   * page's and the canvas's keys. */
  ck_assert_int_ge (n_app, 4);
  ck_assert_int_ge (n_keys, 5 + 3 + 20 + 3);

  /* And the other way: every Ctrl or function-key shortcut listed exists (the arrows and Return of the
   * confusion matrix are a key handler's, Alt + a letter the pages' mnemonics, F10 GTK's main menu). */
  g_hash_table_iter_init (&iter, listed);
  while (g_hash_table_iter_next (&iter, (gpointer *) &accel, NULL))
    if (strstr (accel, "<Control>") != NULL || (accel[0] == 'F' && g_ascii_isdigit (accel[1]) && !g_str_equal (accel, "F10")))
      ck_assert_msg (g_hash_table_contains (found, accel), "the shortcuts window lists %s, which does nothing", accel);

  /* The pages' mnemonics (Alt + the underlined letter of each page's title). */
  pages = find_type (gtk_window_get_titlebar (GTK_WINDOW (window)), GTK_TYPE_STACK_SWITCHER);
  ck_assert (pages != NULL);
  {
    GtkStack *stack = gtk_stack_switcher_get_stack (GTK_STACK_SWITCHER (pages));
    g_autoptr (GtkSelectionModel) model = gtk_stack_get_pages (stack);

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
      {
        g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (model), i);
        GtkStackPage *page = GTK_STACK_PAGE (item);
        const char *title = gtk_stack_page_get_title (page);
        const char *u = strchr (title, '_');
        g_autofree char *accel = NULL;

        ck_assert_msg (u != NULL && u[1] != '\0', "page %s has no mnemonic", title);
        accel = normalize (gdk_unicode_to_keyval (g_unichar_tolower (g_utf8_get_char (u + 1))), GDK_ALT_MASK);
        assert_listed (listed, accel, title);
      }
  }
}

/* ---- preferences ---- */

static gboolean
prefers_dark (void)
{
  gboolean dark;

  g_object_get (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", &dark, NULL);
  return dark;
}

static gboolean
shows_pages (gpointer window)
{
  return g_strcmp0 (dl_window_get_help_topic (window), "start") != 0;
}

static void
check_preferences (GApplication *app, DlWindow *window)
{
  GSettings *settings = dl_application_get_settings (DL_APPLICATION (app));
  GtkWidget *switcher = find_type (gtk_window_get_titlebar (GTK_WINDOW (window)), GTK_TYPE_STACK_SWITCHER);
  GtkWindow *prefs = NULL;
  GtkDropDown *style;
  GList *toplevels;

  ck_assert (settings != NULL);
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  toplevels = gtk_application_get_windows (GTK_APPLICATION (app));
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (DL_IS_PREFERENCES_WINDOW (l->data))
      prefs = l->data;
  ck_assert_msg (prefs != NULL, "app.preferences opened no Preferences window");
  /* Once: a second activation presents the same window. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  ck_assert_int_eq (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), 2);

  style = GTK_DROP_DOWN (find_type (GTK_WIDGET (prefs), GTK_TYPE_DROP_DOWN));
  gtk_drop_down_set_selected (style, 2);
  ck_assert_str_eq (g_settings_get_string (settings, "style"), "dark");
  ck_assert (prefers_dark ());
  gtk_drop_down_set_selected (style, 1);
  ck_assert_str_eq (g_settings_get_string (settings, "style"), "light");
  ck_assert (!prefers_dark ());

  /* The window has no data (DIGITLAB_DATA is empty): a data folder set now is loaded at once. Until then the
   * page switcher is off: a click on it would change a page behind the empty state. */
  ck_assert_str_eq (dl_window_get_help_topic (window), "start");
  ck_assert (!gtk_widget_get_sensitive (switcher));
  g_unsetenv ("DIGITLAB_DATA");
  g_settings_set_string (settings, "data-folder", mnist_dir);
  ck_assert_msg (iterate_until (shows_pages, window, 60000), "the data folder set in Preferences was not loaded");
  ck_assert_str_eq (dl_window_get_help_topic (window), "train");
  ck_assert (gtk_widget_get_sensitive (switcher));
  gtk_window_destroy (prefs);
}

/* ---- help and the empty state ---- */

static void
check_help (GApplication *app, DlWindow *window)
{
  DlHelpWindow *help = NULL;
  GtkStack *topics;
  g_autoptr (GtkSelectionModel) pages = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "help", NULL);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (DL_IS_HELP_WINDOW (l->data))
      help = l->data;
  ck_assert_msg (help != NULL, "app.help opened no help window");
  topics = GTK_STACK (find_type (GTK_WIDGET (help), GTK_TYPE_STACK));
  ck_assert_str_eq (gtk_stack_get_visible_child_name (topics), "start");
  /* F1 opens on the page in view: every page has its topic, under the page's own name. */
  pages = gtk_stack_get_pages (GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (window), DL_TYPE_WINDOW, "pages")));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
    {
      g_autoptr (GObject) page = g_list_model_get_item (G_LIST_MODEL (pages), i);
      const char *name = gtk_stack_page_get_name (GTK_STACK_PAGE (page));

      ck_assert_msg (gtk_stack_get_child_by_name (topics, name) != NULL, "the help has no topic for the %s page", name);
      dl_help_window_show_topic (help, name);
      ck_assert_str_eq (gtk_stack_get_visible_child_name (topics), name);
    }
  gtk_window_destroy (GTK_WINDOW (help));
}

static gboolean
download_over (gpointer empty)
{
  return !dl_empty_state_get_downloading (empty);
}

static void
check_unreachable_download (GApplication *app, DlWindow *window)
{
  DlEmptyState *empty = DL_EMPTY_STATE (find_type (GTK_WIDGET (window), DL_TYPE_EMPTY_STATE));
  g_autofree char *target = g_build_filename (empty_dir, "download", NULL);
  GtkWidget *error_label;

  ck_assert (empty != NULL);
  /* A port nothing listens on (the discard port: only root could open it, and no test does). */
  g_setenv ("DIGITLAB_NPM_REGISTRY", "http://127.0.0.1:9", TRUE);
  dl_empty_state_set_data_dir (empty, target);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (empty), "empty-state.download", NULL));
  ck_assert (dl_empty_state_get_downloading (empty));
  ck_assert (iterate_until (download_over, empty, 30000));
  error_label = find_type (GTK_WIDGET (empty), GTK_TYPE_LABEL);
  for (; error_label != NULL; error_label = gtk_widget_get_next_sibling (error_label))
    if (gtk_widget_has_css_class (error_label, "error"))
      break;
  ck_assert (error_label != NULL && gtk_widget_get_visible (error_label));
  ck_assert_msg (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "could not be reached") != NULL, "%s",
                 gtk_label_get_text (GTK_LABEL (error_label)));
  ck_assert (!g_file_test (target, G_FILE_TEST_EXISTS));
  g_unsetenv ("DIGITLAB_NPM_REGISTRY");
}

typedef struct {
  DlEmptyState *empty;
  char         *progress_text;   /* the progress bar's text while bytes came in */
} Download;

static void
progress_seen_cb (GtkProgressBar *bar, GParamSpec *pspec, Download *d)
{
  const char *text = gtk_progress_bar_get_text (bar);

  if (text != NULL && strstr (text, " of ") != NULL && strstr (text, "/s") != NULL)
    {
      g_free (d->progress_text);
      d->progress_text = g_strdup (text);
    }
}

static gboolean
download_done_and_loaded (gpointer data)
{
  Download *d = data;
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (d->empty), DL_TYPE_WINDOW);

  return !dl_empty_state_get_downloading (d->empty) && shows_pages (window);
}

static void
check_good_download (GApplication *app, DlWindow *window)
{
  g_autofree char *url = NULL;
  g_autofree char *target = g_build_filename (empty_dir, "downloaded", NULL);
  Download d = { .empty = DL_EMPTY_STATE (find_type (GTK_WIDGET (window), DL_TYPE_EMPTY_STATE)) };
  GtkWidget *bar = find_type (GTK_WIDGET (d.empty), GTK_TYPE_PROGRESS_BAR);

  registry_start ();
  url = g_strdup_printf ("%s/good", registry.base);
  g_setenv ("DIGITLAB_NPM_REGISTRY", url, TRUE);
  g_signal_connect (bar, "notify::text", G_CALLBACK (progress_seen_cb), &d);
  dl_empty_state_set_data_dir (d.empty, target);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (d.empty), "empty-state.download", NULL));
  ck_assert_msg (iterate_until (download_done_and_loaded, &d, 60000), "the downloaded MNIST was not loaded");
  ck_assert_msg (d.progress_text != NULL && strstr (d.progress_text, "MB of ") != NULL,
                 "progress shown: %s", d.progress_text);
  ck_assert (dl_fetch_source_verify_dir (dl_fetch_source_lookup ("mnist"), target, NULL, NULL));
  g_signal_handlers_disconnect_by_data (bar, &d);
  g_free (d.progress_text);
  g_unsetenv ("DIGITLAB_NPM_REGISTRY");
  registry_stop ();

  /* Back to the empty state for what follows: reload from an empty data folder. */
  g_setenv ("DIGITLAB_DATA", empty_dir, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reload-data", NULL);
  ck_assert_str_eq (dl_window_get_help_topic (window), "start");
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      g_autofree char *path = g_build_filename (target, dl_fetch_source_lookup ("mnist")->files[i].name, NULL);
      g_unlink (path);
    }
  g_rmdir (target);
}

/* One application per process: GTK 4.8 does not survive a second GtkApplication starting up after the
 * first has quit (a handler of the first stays connected to a display-wide object). */
static void
check_all (GApplication *app, DlWindow *window)
{
  check_shortcuts (app, window);
  check_help (app, window);
  check_unreachable_download (app, window);
  if (mnist_dir == NULL)
    {
      g_print ("No MNIST in $DIGITLAB_DATA: the download and the data folder preference are not checked.\n");
      return;
    }
  check_good_download (app, window);
  check_preferences (app, window);
}

START_TEST (test_desktop)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  run_app (check_all);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("desktop");
  TCase *tc = tcase_create ("desktop");
  g_autoptr (GError) error = NULL;
  SRunner *sr;
  int failed;

  mnist_dir = g_strdup (g_getenv ("DIGITLAB_DATA"));
  empty_dir = g_dir_make_tmp ("test-desktop-XXXXXX", &error);
  g_assert_no_error (error);
  /* Never the user's settings or cache. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("XDG_CACHE_HOME", empty_dir, TRUE);
  if (mnist_dir != NULL && !build_packages (mnist_dir, FALSE))
    g_clear_pointer (&mnist_dir, g_free);

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_desktop);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  /* GTK must run in the process that owns the display connection. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  g_rmdir (empty_dir);
  return failed == 0 ? 0 : 1;
}
