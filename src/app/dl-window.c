/* dl-window.c — the main window.
 *
 * The window holds the session (DlSession), inserts its "session" actions and gives it to the pages, which
 * bind to it and its run themselves; what the window adds is what needs a window: the file choosers
 * (dl-window-files.c), the one message bar (the session's "message"), which of the loading page, the empty
 * state and the pages to show, the question before a trained model that is kept nowhere is thrown away, and
 * quitting only once the session has recorded the run under way.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-window-private.h"

G_DEFINE_FINAL_TYPE (DlWindow, dl_window, GTK_TYPE_APPLICATION_WINDOW)

static GSettings *
app_settings (void)
{
  GApplication *app = g_application_get_default ();

  return DL_IS_APPLICATION (app) ? dl_application_get_settings (DL_APPLICATION (app)) : NULL;
}

/* Where the app loads MNIST from and downloads it to (see dl_application_dup_data_dir). */
static char *
data_dir (void)
{
  GApplication *app = g_application_get_default ();

  return DL_IS_APPLICATION (app) ? dl_application_dup_data_dir (DL_APPLICATION (app)) : dl_data_default_dir ();
}

void
dl_window_session_activate (DlWindow *self, const char *action, GVariant *param)
{
  g_action_group_activate_action (dl_session_get_actions (self->session), action, param);
}

gboolean
dl_window_session_enabled (DlWindow *self, const char *action)
{
  return g_action_group_get_action_enabled (dl_session_get_actions (self->session), action);
}

/* ---- what the window shows ---- */

static void
update_main_stack (DlWindow *self)
{
  const char *child;
  gboolean had_pages = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "pages") == 0;

  if (self->no_data_found)
    child = "empty";
  else if (dl_session_get_has_data (self->session) || dl_session_get_live_run (self->session) != NULL)
    child = "pages";
  else if (dl_session_get_loading_data (self->session))
    child = "loading";
  else
    child = "empty";
  if (g_str_equal (child, "empty"))
    {
      g_autofree char *dir = data_dir ();

      dl_empty_state_set_data_dir (self->empty_state, dir);
    }
  gtk_stack_set_visible_child_name (self->main_stack, child);
  /* Without the pages in view their switcher would change a page nobody sees. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->switcher), g_str_equal (child, "pages"));
  /* A model opened without any data set is for drawing. */
  if (!had_pages && g_str_equal (child, "pages") && !dl_session_get_has_data (self->session))
    gtk_stack_set_visible_child_name (self->pages, "draw");
}

static void
update_message (DlWindow *self)
{
  const char *message = dl_session_get_message (self->session);

  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_info_bar_set_message_type (self->message_bar,
                                 dl_session_get_message_is_error (self->session) ? GTK_MESSAGE_ERROR : GTK_MESSAGE_INFO);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), dl_window_session_enabled (self, "retry"));
  gtk_info_bar_set_revealed (self->message_bar, message != NULL);
}

static void
message_bar_response_cb (DlWindow *self, int response)
{
  dl_session_clear_message (self->session);
}

/* The header's button is Start, Pause or Resume: what Ctrl+Return does now, shown by its icon and tip. */
static void
update_play_button (DlWindow *self)
{
  const char *icon = "media-playback-start-symbolic";
  const char *tip = _("Start a run from the settings shown (Ctrl+Return)");
  const char *name = _("Start");

  if (dl_window_session_enabled (self, "pause"))
    {
      icon = "media-playback-pause-symbolic";
      tip = _("Pause training (Ctrl+Return)");
      name = _("Pause");
    }
  else if (dl_window_session_enabled (self, "resume"))
    {
      tip = _("Resume training (Ctrl+Return)");
      name = _("Resume");
    }
  gtk_button_set_icon_name (self->play_button, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button), tip);
  /* An icon has no words: the name a screen reader says. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.play",
                                 dl_window_session_enabled (self, "pause") || dl_window_session_enabled (self, "resume")
                                 || dl_window_session_enabled (self, "start"));
}

static void
action_enabled_cb (DlWindow *self)
{
  update_play_button (self);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), dl_window_session_enabled (self, "retry"));
}

static void
data_changed_cb (DlWindow *self)
{
  self->no_data_found = FALSE;
  dl_data_page_set_classes (self->data_page, dl_session_get_classes (self->session));
  dl_data_page_set_data (self->data_page, dl_session_get_train_set (self->session),
                         dl_session_get_test_set (self->session));
  dl_explainer_set_data (self->explainer, dl_session_get_train_set (self->session),
                         dl_session_get_test_set (self->session));
  update_main_stack (self);
}

/* A model opened: the pages, even without a data set. */
static void
live_run_changed_cb (DlWindow *self)
{
  DlRun *live = dl_session_get_live_run (self->session);

  if (live != NULL && dl_run_get_origin_model_path (live) != NULL)
    self->no_data_found = FALSE;
  update_main_stack (self);
  /* A new branch (the Runs page's "Branch from End", a plot's "Branch from Here") is shown where its settings
   * can be changed before Start. */
  if (live != NULL && dl_run_get_parent_uuid (live) != NULL && dl_run_get_state (live) == DL_TRAIN_READY)
    gtk_stack_set_visible_child_name (self->pages, "train");
}

/* ---- data ---- */

void
dl_window_load_data (DlWindow *self, const char *train, const char *test)
{
  g_autofree char *what = g_strdup_printf (_("Loading %s…"), train);

  self->no_data_found = FALSE;
  gtk_label_set_text (self->loading_label, what);
  dl_window_session_activate (self, "load-data", g_variant_new ("(ss)", train, test != NULL ? test : ""));
  update_main_stack (self);
}

static gboolean
dir_has_mnist (const char *dir)
{
  g_autofree char *raw = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  g_autofree char *gz = g_build_filename (dir, "train-images-idx3-ubyte.gz", NULL);

  return g_file_test (raw, G_FILE_TEST_EXISTS) || g_file_test (gz, G_FILE_TEST_EXISTS);
}

static void
load_default_data (DlWindow *self)
{
  g_autofree char *dir = data_dir ();

  if (self->data != NULL)
    dl_window_load_data (self, self->data, self->data);
  else if (dir_has_mnist (dir))
    dl_window_load_data (self, dir, dir);
  else
    {
      self->no_data_found = TRUE;
      update_main_stack (self);
    }
}

/* A new data folder in Preferences is tried at once when the window has no data yet. */
static void
data_folder_changed_cb (DlWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "empty") == 0
      && !dl_empty_state_get_downloading (self->empty_state))
    load_default_data (self);
}

static void
empty_state_downloaded_cb (DlWindow *self)
{
  const char *dir = dl_empty_state_get_data_dir (self->empty_state);

  dl_window_load_data (self, dir, dir);
}

/* Try Again: what failed (the data files the user opened, which may not be MNIST at all), else the data
 * folder once more. */
static void
reload_data_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlWindow *self = DL_WINDOW (widget);

  if (dl_session_get_retry (self->session) == DL_SESSION_RETRY_DATA)
    {
      self->no_data_found = FALSE;
      dl_window_session_activate (self, "retry", NULL);
      update_main_stack (self);
    }
  else
    load_default_data (self);
}

/* Ctrl+Return and the header's button: pause while training, resume while paused, else start. */
static void
play_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlWindow *self = DL_WINDOW (widget);

  if (dl_window_session_enabled (self, "pause"))
    dl_window_session_activate (self, "pause", NULL);
  else if (dl_window_session_enabled (self, "resume"))
    dl_window_session_activate (self, "resume", NULL);
  else
    dl_window_session_activate (self, "start", NULL);
}

/* ---- a trained model kept nowhere ---- */

static void
close_question (DlWindow *self)
{
  if (self->question == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->question, self);
  gtk_window_destroy (GTK_WINDOW (self->question));
  self->question = NULL;
}

enum { ANSWER_SAVE = 1, ANSWER_DISCARD };

static void
question_response_cb (DlWindow *self, int response)
{
  gboolean quitting = g_object_get_data (G_OBJECT (self->question), "dl-quit") != NULL;

  close_question (self);
  if (response == ANSWER_DISCARD && quitting)
    {
      self->quit_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  if (response == ANSWER_DISCARD)
    {
      dl_session_confirm_discard (self->session);
      return;
    }
  if (!quitting)
    dl_session_cancel_discard (self->session);
  if (response == ANSWER_SAVE)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.save-model", NULL);
}

/* Recording is off or the run history unusable, and the trained model has not been saved. */
static void
ask_discard (DlWindow *self, gboolean quitting)
{
  GtkWidget *dialog;

  close_question (self);
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s",
                                   _("The trained model is not saved"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            dl_session_get_store (self->session) == NULL
                                              ? _("The run history cannot be used, so this run is kept nowhere.")
                                              : _("Recording runs is switched off, so this run is kept nowhere."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Save Model…"), ANSWER_SAVE,
                          quitting ? _("_Quit Without Saving") : _("_Discard It"), ANSWER_DISCARD, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), ANSWER_SAVE);
  if (quitting)
    g_object_set_data (G_OBJECT (dialog), "dl-quit", GINT_TO_POINTER (TRUE));
  g_signal_connect_object (dialog, "response", G_CALLBACK (question_response_cb), self, G_CONNECT_SWAPPED);
  self->question = dialog;
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
discard_requested_cb (DlWindow *self)
{
  ask_discard (self, FALSE);
}

/* ---- closing ---- */

static void
save_window_state (DlWindow *self)
{
  GSettings *settings = app_settings ();
  int width, height;

  if (settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_set_string (settings, "preset", dl_train_page_get_preset (self->train_page));
}

static void
session_closed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DlWindow *self = user_data;
  GApplication *app = g_application_get_default ();

  dl_session_close_finish (DL_SESSION (source), result, NULL);
  gtk_window_destroy (GTK_WINDOW (self));
  if (app != NULL)
    g_application_release (app);
  g_object_unref (self);
}

/* The window goes at once; the app stays until the session has recorded the run under way (stopped: its
 * final evaluation and model) and closed the store. */
static gboolean
dl_window_close_request (GtkWindow *window)
{
  DlWindow *self = DL_WINDOW (window);
  GApplication *app = g_application_get_default ();

  if (self->closing)
    return TRUE;
  if (dl_session_get_unsaved (self->session) && !self->quit_confirmed)
    {
      ask_discard (self, TRUE);
      return TRUE;
    }
  self->closing = TRUE;
  save_window_state (self);
  close_question (self);
  dl_window_close_chooser (self);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  if (app != NULL)
    g_application_hold (app);
  dl_session_close_async (self->session, NULL, session_closed_cb, g_object_ref (self));
  return TRUE;
}

static void
restore_state (DlWindow *self)
{
  GSettings *settings = app_settings ();
  g_autofree char *preset = NULL;

  if (settings == NULL)
    return;
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  preset = g_settings_get_string (settings, "preset");
  dl_train_page_set_preset (self->train_page, preset);
}

static void
dl_window_dispose (GObject *object)
{
  DlWindow *self = DL_WINDOW (object);

  g_clear_pointer (&self->frame_stats, dl_frame_stats_stop);
  dl_window_files_dispose (self);
  close_question (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_WINDOW);
  g_clear_object (&self->explainer);
  g_clear_object (&self->session);
  g_clear_pointer (&self->data, g_free);

  G_OBJECT_CLASS (dl_window_parent_class)->dispose (object);
}

static void
dl_window_class_init (DlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = dl_window_close_request;

  g_type_ensure (DL_TYPE_TRAIN_PAGE);
  g_type_ensure (DL_TYPE_DRAW_PAGE);
  g_type_ensure (DL_TYPE_MISTAKES_PAGE);
  g_type_ensure (DL_TYPE_RUNS_PAGE);
  g_type_ensure (DL_TYPE_DATA_PAGE);
  g_type_ensure (DL_TYPE_NETWORK_PAGE);
  g_type_ensure (DL_TYPE_UNLABELED_PAGE);
  g_type_ensure (DL_TYPE_EMPTY_STATE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DlWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, message_bar);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, switcher);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, empty_state);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, train_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, draw_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, mistakes_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, runs_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, data_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, network_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, unlabeled_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, unlabeled_stack_page);
  gtk_widget_class_bind_template_callback (widget_class, message_bar_response_cb);
  gtk_widget_class_bind_template_callback (widget_class, empty_state_downloaded_cb);

  gtk_widget_class_install_action (widget_class, "win.play", NULL, play_action);
  gtk_widget_class_install_action (widget_class, "win.reload-data", NULL, reload_data_action);
  dl_window_files_install_actions (widget_class);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.play", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK, "session.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-data", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK, "win.open-unlabeled", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "session.evaluate", NULL);
}

/* The Network page shows what the network makes of the drawing. */
static void
draw_input_changed_cb (DlWindow *self)
{
  dl_network_page_set_input (self->network_page, dl_draw_page_get_input (self->draw_page));
}

/* The Runs page lists the session's store once it has opened, or says why there is none. */
static void
store_changed_cb (DlWindow *self)
{
  const GError *error = dl_session_get_store_error (self->session);

  dl_runs_page_set_store (self->runs_page, dl_session_get_store (self->session));
  dl_runs_page_set_store_error (self->runs_page, error != NULL ? error->message : NULL);
}

static void
follow_session (DlWindow *self)
{
  DlSession *s = self->session;
  GActionGroup *actions = dl_session_get_actions (s);

  gtk_widget_insert_action_group (GTK_WIDGET (self), "session", actions);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "run", dl_session_get_run_actions (s));
  g_signal_connect_object (actions, "action-enabled-changed", G_CALLBACK (action_enabled_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (s, "notify::message", G_CALLBACK (update_message), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (s, "notify::message-is-error", G_CALLBACK (update_message), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (s, "notify::test-set", G_CALLBACK (data_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (s, "notify::loading-data", G_CALLBACK (update_main_stack), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (s, "notify::live-run", G_CALLBACK (live_run_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (s, "discard-requested", G_CALLBACK (discard_requested_cb), self, G_CONNECT_SWAPPED);
  dl_train_page_set_session (self->train_page, s);
  dl_draw_page_set_session (self->draw_page, s);
  dl_mistakes_page_set_session (self->mistakes_page, s);
  dl_draw_page_set_explainer (self->draw_page, self->explainer);
  dl_mistakes_page_set_explainer (self->mistakes_page, self->explainer);
  dl_network_page_set_session (self->network_page, s);
  dl_unlabeled_page_set_session (self->unlabeled_page, s);
  dl_unlabeled_page_set_explainer (self->unlabeled_page, self->explainer);
  g_signal_connect_object (self->draw_page, "input-changed", G_CALLBACK (draw_input_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (s, "notify::store", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (s, "notify::ready", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  dl_runs_page_set_compared (self->runs_page, dl_session_get_compared (s));
  store_changed_cb (self);
}

/* "_Train" as it reads: "Train" ("__" is an underscore). */
static char *
without_mnemonic (const char *title)
{
  GString *s = g_string_new (NULL);

  for (const char *c = title; *c != '\0'; c++)
    {
      if (*c == '_' && *++c == '\0')
        break;
      g_string_append_c (s, *c);
    }
  return g_string_free (s, FALSE);
}

/* The page switcher's buttons are GTK's own: their tooltips say what each page is for, and their names are
 * the pages' titles without the mnemonic's underscore (GTK 4.8 names them "_Train"). */
static void
set_switcher_tooltips (DlWindow *self)
{
  static const struct { const char *page, *tip; } tips[] = {
    { "train", N_("Train a network and watch its loss and accuracy (Alt+T)") },
    { "draw", N_("Draw a digit and see what the network answers (Alt+D)") },
    { "mistakes", N_("The test images the network gets wrong, and its confusion matrix (Alt+M)") },
    { "network", N_("Inside the network: its layers, weights and activations") },
    { "runs", N_("The recorded runs: compare, reopen, rename or delete them") },
    { "data", N_("Checks of the data set: label shares, pixel range, duplicates, samples (Alt+A)") },
    { "unlabeled", N_("The network's answers for the unlabeled images you opened, least confident first (Alt+U)") },
  };
  g_autoptr (GtkSelectionModel) pages = gtk_stack_get_pages (self->pages);
  GtkWidget *button = gtk_widget_get_first_child (GTK_WIDGET (self->switcher));

  for (guint i = 0; button != NULL; i++, button = gtk_widget_get_next_sibling (button))
    {
      g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (pages), i);
      g_autofree char *name = NULL;

      if (item == NULL)
        continue;
      name = without_mnemonic (gtk_stack_page_get_title (GTK_STACK_PAGE (item)));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      for (gsize k = 0; k < G_N_ELEMENTS (tips); k++)
        if (g_strcmp0 (gtk_stack_page_get_name (GTK_STACK_PAGE (item)), tips[k].page) == 0)
          gtk_widget_set_tooltip_text (button, _(tips[k].tip));
    }
}

/* Alt + the letter a page's title underlines shows that page from every page. As mnemonics of the switcher's
 * buttons alone they lost to any control of the page in view underlining the same letter: on the Train page
 * Alt+M moved the focus between Momentum and the switcher instead of showing Mistakes, and Alt+D, A, T and R
 * did the like. Shortcuts of the window's capture phase run before any mnemonic. */
static gboolean
show_page_cb (GtkWidget *widget, GVariant *args, gpointer data)
{
  DlWindow *self = DL_WINDOW (widget);
  GtkWidget *child = gtk_stack_get_child_by_name (self->pages, g_variant_get_string (args, NULL));

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "pages") != 0 || child == NULL
      || !gtk_stack_page_get_visible (gtk_stack_get_page (self->pages, child)))
    return FALSE;
  gtk_stack_set_visible_child (self->pages, child);
  return TRUE;
}

static void
add_page_keys (DlWindow *self)
{
  GtkEventController *keys = gtk_shortcut_controller_new ();
  g_autoptr (GtkSelectionModel) pages = gtk_stack_get_pages (self->pages);

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (pages), i);
      GtkStackPage *page = GTK_STACK_PAGE (item);
      const char *title = gtk_stack_page_get_title (page);
      const char *u = title != NULL ? strchr (title, '_') : NULL;
      guint keyval;

      if (u == NULL || u[1] == '\0')
        continue;
      keyval = gdk_unicode_to_keyval (g_unichar_tolower (g_utf8_get_char (u + 1)));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                            gtk_shortcut_new_with_arguments (gtk_keyval_trigger_new (keyval, GDK_ALT_MASK),
                                                                             gtk_callback_action_new (show_page_cb, NULL, NULL),
                                                                             "s", gtk_stack_page_get_name (page)));
    }
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

static void
dl_window_init (DlWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* On every page, the wheel scrolls; a slider or spin button takes it only when focused. */
  dl_wheel_guard_install (GTK_WIDGET (self));
  set_switcher_tooltips (self);
  add_page_keys (self);
  dl_button_names_fix (GTK_WIDGET (self));

  self->session = dl_session_new (app_settings (), NULL);
  self->explainer = dl_explainer_new ();
  follow_session (self);
  if (app_settings () != NULL)
    g_signal_connect_object (app_settings (), "changed::data-folder", G_CALLBACK (data_folder_changed_cb), self,
                             G_CONNECT_SWAPPED);
  restore_state (self);
  self->frame_stats = dl_frame_stats_start (GTK_WIDGET (self));
  update_play_button (self);
  update_message (self);
}

DlWindow *
dl_window_new (DlApplication *app, const char *data)
{
  DlWindow *self = g_object_new (DL_TYPE_WINDOW, "application", app, NULL);

  self->data = g_strdup (data);
  load_default_data (self);
  return self;
}

DlSession *
dl_window_get_session (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->session;
}

DlWorker *
dl_window_get_worker (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return dl_session_get_worker (self->session);
}

const char *
dl_window_get_help_topic (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "pages") != 0)
    return "start";
  return gtk_stack_get_visible_child_name (self->pages);
}

DlTrainPage *
dl_window_get_train_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->train_page;
}
