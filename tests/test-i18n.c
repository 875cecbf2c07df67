/* test-i18n.c — Digit Lab speaks German (and French) when asked, with the translations meson compiles into
 * the build tree (build/po/LANG/LC_MESSAGES/digitlab.mo), found by dl_i18n_init as a program running from
 * the build tree finds them:
 *
 *  - the locale folder is the build tree's po/, and it holds the German and French catalogues;
 *  - plural forms: "and %u more curve(s)" takes German's form (singular only for 1) and French's (singular
 *    for 0 and 1);
 *  - digitlab-cli under LANGUAGE=de and LANGUAGE=fr prints a run-store message (src/runs, a library marked
 *    with the "digitlab" domain) in that language, and its own report lines of a one-epoch training run
 *    (the recipe with its plural "1 epoch", the epoch's figures) too;
 *  - the application under LANGUAGE=de (Xvfb): the window without data shows its .ui text, the text its
 *    code builds and the core's preset description in German, the main menu says "Einstellungen", and
 *    Preferences opens titled so;
 *  - in German and in French, each page's title has its own mnemonic, and the shortcuts window lists
 *    exactly those (Alt + the underlined letter of the translated title) as the pages' keys.
 *
 * Usage: test-i18n DIGITLAB_CLI
 */
#include "config.h"

#include <check.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "dl-application.h"
#include "dl-i18n.h"
#include "dl-preferences-window.h"
#include "dl-test-gtk.h"
#include "dl-window.h"

static const char *cli_path;
static char *tmp_dir;

/* The program's messages in this language from now on (setlocale again, so that gettext drops what it
 * looked up for the previous one). */
static void
speak (const char *language)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);   /* LANGUAGE counts only when the locale is not "C" */
  g_setenv ("LANGUAGE", language, TRUE);
  dl_i18n_init ();
}

START_TEST (test_locale_dir)
{
  const char *dir = dl_i18n_locale_dir ();

  ck_assert (dl_running_uninstalled ());
  ck_assert_str_eq (dir, DL_BUILD_ROOT G_DIR_SEPARATOR_S "po");
  for (const char *const *lang = (const char *const[]) { "de", "fr", NULL }; *lang != NULL; lang++)
    {
      g_autofree char *mo = g_build_filename (dir, *lang, "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
      ck_assert_msg (g_file_test (mo, G_FILE_TEST_IS_REGULAR), "%s was not built", mo);
    }
}
END_TEST

static const char *
more_curves (unsigned n)
{
  return ngettext ("and %u more curve", "and %u more curves", n);
}

START_TEST (test_plural_forms)
{
  speak ("de");
  ck_assert_str_eq (more_curves (0), "und %u weitere Kurven");
  ck_assert_str_eq (more_curves (1), "und %u weitere Kurve");
  ck_assert_str_eq (more_curves (2), "und %u weitere Kurven");
  speak ("fr");
  ck_assert_str_eq (more_curves (0), "et %u autre courbe");
  ck_assert_str_eq (more_curves (1), "et %u autre courbe");
  ck_assert_str_eq (more_curves (2), "et %u autres courbes");
}
END_TEST

/* What digitlab-cli writes to stderr for `runs list --store FILE` when FILE is not a database. */
static char *
cli_damaged_store (const char *language)
{
  g_autofree char *store = g_build_filename (tmp_dir, "not-a-store.db", NULL);
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "LANGUAGE", language, TRUE);
  const char *argv[] = { cli_path, "runs", "list", "--store", store, NULL };
  g_autoptr (GError) error = NULL;
  char *err = NULL;
  int status;

  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);
  ck_assert (g_file_set_contents (store, "not SQLite\n", -1, NULL));
  ck_assert_msg (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                               &status, &error), "%s", error ? error->message : "");
  ck_assert_msg (!g_spawn_check_wait_status (status, NULL), "runs list accepted a file that is not a database");
  g_unlink (store);
  return err;
}

START_TEST (test_cli)
{
  g_autofree char *en = cli_damaged_store ("C");
  g_autofree char *de = cli_damaged_store ("de");
  g_autofree char *fr = cli_damaged_store ("fr");

  ck_assert_msg (strstr (en, "is damaged or not a database") != NULL, "English: %s", en);
  ck_assert_msg (strstr (de, "ist beschädigt oder keine Datenbank") != NULL, "German: %s", de);
  ck_assert_msg (strstr (fr, "est endommagé ou n’est pas une base de données") != NULL, "French: %s", fr);
}
END_TEST

/* What `digitlab-cli train` prints (stdout and stderr) for one epoch on 20 images, unrecorded and untuned. */
static char *
cli_train (const char *language)
{
  g_autofree char *csv = g_build_filename (tmp_dir, "tiny.csv", NULL);
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "LANGUAGE", language, TRUE);
  const char *argv[] = { cli_path, "train", "--train", csv, "--test", csv, "--epochs", "1", "--batch", "10",
                         "--no-record", "--no-tune", "--threads", "1", NULL };
  g_autoptr (GString) rows = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  char *out = NULL, *err = NULL, *both;
  int status;

  /* Two of each digit, every pixel some grey. */
  for (int i = 0; i < 20; i++)
    {
      g_string_append_printf (rows, "%d", i % 10);
      for (int k = 0; k < 784; k++)
        g_string_append_printf (rows, ",%d", (i * 7 + k) % 256);
      g_string_append_c (rows, '\n');
    }
  ck_assert (g_file_set_contents (csv, rows->str, rows->len, NULL));
  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);
  ck_assert_msg (g_spawn_sync (NULL, (char **) argv, env, 0, NULL, NULL, &out, &err, &status, &error), "%s",
                 error ? error->message : "");
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "train failed: %s", err);
  g_unlink (csv);
  both = g_strconcat (out, err, NULL);
  g_free (out);
  g_free (err);
  return both;
}

START_TEST (test_cli_report)
{
  g_autofree char *en = cli_train ("C");
  g_autofree char *de = cli_train ("de");
  g_autofree char *fr = cli_train ("fr");

  ck_assert_msg (strstr (en, "training set: 20 images") != NULL && strstr (en, ") for 1 epoch, batch 10, ") != NULL
                 && strstr (en, "\nepoch 1  train loss ") != NULL, "English: %s", en);
  ck_assert_msg (strstr (de, "Trainingssatz: 20 Bilder") != NULL && strstr (de, ") für 1 Epoche, Batch 10, ") != NULL
                 && strstr (de, "\nEpoche 1  Trainingsverlust ") != NULL, "German: %s", de);
  ck_assert_msg (strstr (fr, "jeu d’entraînement\u00a0: 20 images") != NULL
                 && strstr (fr, ") pendant 1 époque, lot 10, ") != NULL
                 && strstr (fr, "\népoque 1  perte d’entraînement ") != NULL, "French: %s", fr);
}
END_TEST

/* ---- the application ---- */

/* Every text of a label under widget (hidden ones too), with its mnemonic underscores. */
static void
collect_labels (GtkWidget *widget, GPtrArray *texts)
{
  if (GTK_IS_LABEL (widget))
    g_ptr_array_add (texts, (gpointer) gtk_label_get_label (GTK_LABEL (widget)));
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_labels (c, texts);
}

static gboolean
has_label (GPtrArray *texts, const char *prefix)
{
  for (guint i = 0; i < texts->len; i++)
    if (g_str_has_prefix (texts->pdata[i], prefix))
      return TRUE;
  return FALSE;
}

/* The label of the main menu's item for an action ("app.preferences"), or NULL. */
static char *
menu_label (GMenuModel *menu, const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *item_action = NULL;
      char *label = NULL;
      g_autoptr (GMenuLinkIter) links = g_menu_model_iterate_item_links (menu, i);

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &item_action)
          && g_str_equal (item_action, action)
          && g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label))
        return label;
      while (g_menu_link_iter_next (links))
        {
          g_autoptr (GMenuModel) sub = g_menu_link_iter_get_value (links);
          if ((label = menu_label (sub, action)) != NULL)
            return label;
        }
    }
  return NULL;
}

/* "<Alt>z" for each page of the window: the letter its translated title underlines. Each only once. */
static GHashTable *
page_mnemonics (DlWindow *window)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GtkWidget *switcher = find_type (gtk_window_get_titlebar (GTK_WINDOW (window)), GTK_TYPE_STACK_SWITCHER);
  GtkStack *stack;
  g_autoptr (GtkSelectionModel) pages = NULL;

  ck_assert (switcher != NULL);
  stack = gtk_stack_switcher_get_stack (GTK_STACK_SWITCHER (switcher));
  pages = gtk_stack_get_pages (stack);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
    {
      g_autoptr (GObject) page = g_list_model_get_item (G_LIST_MODEL (pages), i);
      const char *title = gtk_stack_page_get_title (GTK_STACK_PAGE (page));
      const char *u = title != NULL ? strchr (title, '_') : NULL;
      char *accel;

      ck_assert_msg (u != NULL && u[1] != '\0', "the page %s has no mnemonic", title);
      accel = gtk_accelerator_name (gdk_unicode_to_keyval (g_unichar_tolower (g_utf8_get_char (u + 1))),
                                    GDK_ALT_MASK);
      ck_assert_msg (!g_hash_table_contains (set, accel), "%s is the mnemonic of two pages (%s)", accel, title);
      g_hash_table_add (set, accel);
    }
  return set;
}

/* Every Alt + letter the shortcuts window lists (the pages' keys), normalized as gtk_accelerator_name does. */
static GHashTable *
listed_page_keys (void)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/digitlab/DigitLab/gtk/help-overlay.ui");
  g_autoptr (GSList) objects = gtk_builder_get_objects (builder);

  for (GSList *l = objects; l != NULL; l = l->next)
    {
      g_autofree char *accel = NULL;
      guint key;
      GdkModifierType mods;

      if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        continue;
      g_object_get (l->data, "accelerator", &accel, NULL);
      if (accel != NULL && gtk_accelerator_parse (accel, &key, &mods) && mods == GDK_ALT_MASK)
        g_hash_table_add (set, gtk_accelerator_name (gdk_keyval_to_lower (key), mods));
    }
  g_object_unref (g_object_ref_sink (gtk_builder_get_object (builder, "help_overlay")));
  return set;
}

static void
check_page_keys (DlWindow *window, const char *language)
{
  g_autoptr (GHashTable) mnemonics = page_mnemonics (window);
  g_autoptr (GHashTable) listed = listed_page_keys ();
  g_autoptr (GString) shadowed = g_string_new (NULL);
  GtkWidget *switcher = find_type (gtk_window_get_titlebar (GTK_WINDOW (window)), GTK_TYPE_STACK_SWITCHER);
  GtkStack *pages = gtk_stack_switcher_get_stack (GTK_STACK_SWITCHER (switcher));
  g_autoptr (GArray) keys = page_keyvals (pages);
  GHashTableIter iter;
  const char *accel;

  /* No control of a page underlines a page's key: Alt + it shows the page instead. */
  ck_assert (keys != NULL);
  shadowed_mnemonics (GTK_WIDGET (pages), keys, shadowed);
  ck_assert_msg (shadowed->len == 0, "%s: labels underlining a page's key:%s", language, shadowed->str);

  g_hash_table_iter_init (&iter, mnemonics);
  while (g_hash_table_iter_next (&iter, (gpointer *) &accel, NULL))
    ck_assert_msg (g_hash_table_contains (listed, accel), "%s: the shortcuts window does not list %s", language, accel);
  g_hash_table_iter_init (&iter, listed);
  while (g_hash_table_iter_next (&iter, (gpointer *) &accel, NULL))
    ck_assert_msg (g_hash_table_contains (mnemonics, accel), "%s: the shortcuts window lists %s, no page's mnemonic",
                   language, accel);
}

static void
check_window (GApplication *app)
{
  DlWindow *window = DL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_autoptr (GPtrArray) texts = g_ptr_array_new ();
  GtkMenuButton *menu_button = GTK_MENU_BUTTON (find_type (GTK_WIDGET (window), GTK_TYPE_MENU_BUTTON));
  g_autofree char *prefs_item = NULL;
  GtkWindow *prefs = NULL;

  collect_labels (GTK_WIDGET (window), texts);
  /* From the empty state's template (ui/dl-empty-state.ui). */
  ck_assert_msg (has_label (texts, "Noch keine Handschriftdaten"), "the empty state's title is not German");
  ck_assert_msg (has_label (texts, "MNIST _herunterladen"), "the Download button is not German");
  /* Built by its code with _() (src/app/dl-empty-state.c). */
  ck_assert_msg (has_label (texts, "Digit Lab trainiert auf MNIST"), "the empty state's description is not German");
  /* Marked with N_() in the core (src/core/dl-arch.c), shown by the Train page. */
  ck_assert_msg (has_label (texts, "Zwei verborgene ReLU-Schichten"), "the mlp preset's description is not German");

  ck_assert (menu_button != NULL);
  prefs_item = menu_label (gtk_menu_button_get_menu_model (menu_button), "app.preferences");
  ck_assert_str_eq (prefs_item, "_Einstellungen");

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (DL_IS_PREFERENCES_WINDOW (l->data))
      prefs = l->data;
  ck_assert (prefs != NULL);
  ck_assert_str_eq (gtk_window_get_title (prefs), "Einstellungen");
  gtk_window_destroy (prefs);
  check_page_keys (window, "de");
}

static void
german_cb (GApplication *app)
{
  check_window (app);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

static void
french_cb (GApplication *app)
{
  check_page_keys (DL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app))), "fr");
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

/* The application in this language, with no data (an empty folder: the window offers to download MNIST);
 * check runs once its window is up. */
static void
run_app (const char *language, void (*check) (GApplication *app))
{
  g_autoptr (GApplication) app = NULL;

  speak (language);
  g_setenv ("DIGITLAB_DATA", tmp_dir, TRUE);
  app = G_APPLICATION (dl_application_new ());
  g_signal_connect_after (app, "activate", G_CALLBACK (check), NULL);
  ck_assert_int_eq (g_application_run (app, 0, NULL), 0);
}

/* One test, the last: a failed check leaves its application half-run (CK_NOFORK), so nothing may follow it. */
START_TEST (test_app)
{
  run_app ("de", german_cb);
  run_app ("fr", french_cb);
}
END_TEST

int
main (int argc, char **argv)
{
  Suite *s = suite_create ("i18n");
  TCase *tc = tcase_create ("i18n");
  g_autoptr (GError) error = NULL;
  SRunner *sr;
  int failed;

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s DIGITLAB_CLI\n", argv[0]);
      return 2;
    }
  cli_path = argv[1];
  tmp_dir = g_dir_make_tmp ("test-i18n-XXXXXX", &error);
  g_assert_no_error (error);
  /* Never the user's settings, cache or run store. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("XDG_CACHE_HOME", tmp_dir, TRUE);
  g_setenv ("XDG_DATA_HOME", tmp_dir, TRUE);

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_locale_dir);
  tcase_add_test (tc, test_plural_forms);
  tcase_add_test (tc, test_cli);
  tcase_add_test (tc, test_cli_report);
  tcase_add_test (tc, test_app);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  /* GTK in the process that owns the display connection: Xvfb resets when its last client goes, and a test
   * process of its own would connect while it does. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  g_rmdir (tmp_dir);
  return failed == 0 ? 0 : 1;
}
