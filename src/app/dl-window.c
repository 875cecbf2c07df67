/* dl-window.c — the main window.
 *
 * The window owns the training worker and is the only place that turns user intent (actions) into
 * worker commands; pages observe the worker's events themselves. Data loading starts at once from the
 * MNIST cache; without data the window shows an empty state that says how to get some.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-data-page.h"
#include "dl-draw-page.h"
#include "dl-empty-state.h"
#include "dl-frame-stats.h"
#include "dl-mistakes-page.h"
#include "dl-network-page.h"
#include "dl-run-recorder.h"
#include "dl-train-page.h"
#include "dl-window.h"
#include "dl-worker.h"

struct _DlWindow
{
  GtkApplicationWindow parent_instance;

  DlWorker     *worker;
  DlFrameStats *frame_stats;
  char         *pending_train_csv;   /* between the two CSV choosers */
  char         *data;                /* what to load at start; NULL for the MNIST cache */
  gboolean      have_net;            /* a new run or a model load has been asked for */
  gboolean      data_loaded;         /* the worker has data: a load that fails leaves it in use */
  guint         run_serial;          /* the run the pages show */
  guint         loaded_serial;       /* the run of the last model loaded: Start trains it on */
  DlEvent      *pending_eval;        /* a periodic evaluation the hidden Mistakes page has not seen */

  /* template children */
  GtkButton    *start_button;
  GtkInfoBar   *error_bar;
  GtkLabel     *error_label;
  GtkStack     *main_stack;
  GtkStack     *pages;
  DlEmptyState *empty_state;
  GtkLabel     *loading_label;
  DlTrainPage  *train_page;
  DlDrawPage   *draw_page;
  DlMistakesPage *mistakes_page;
  DlDataPage   *data_page;
  DlNetworkPage *network_page;
  DlRunRecorder *recorder;           /* the run the Network page shows, in memory until the session records runs */
};

G_DEFINE_FINAL_TYPE (DlWindow, dl_window, GTK_TYPE_APPLICATION_WINDOW)

static void
show_error (DlWindow *self, const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_info_bar_set_revealed (self->error_bar, TRUE);
}

static void
error_bar_response_cb (DlWindow *self, int response)
{
  gtk_info_bar_set_revealed (self->error_bar, FALSE);
}

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

static void
show_empty_state (DlWindow *self, const char *error)
{
  g_autofree char *dir = data_dir ();

  dl_empty_state_set_data_dir (self->empty_state, dir);
  dl_empty_state_set_error (self->empty_state, error);
  gtk_stack_set_visible_child_name (self->main_stack, "empty");
}

static void
load_data (DlWindow *self, const char *train, const char *test)
{
  g_autofree char *what = g_strdup_printf (_("Loading %s…"), train);

  gtk_label_set_text (self->loading_label, what);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  dl_worker_load_data (self->worker, train, test);
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
    load_data (self, self->data, self->data);
  else if (dir_has_mnist (dir))
    load_data (self, dir, dir);
  else
    show_empty_state (self, NULL);
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

  load_data (self, dir, dir);
}

/* What the Train page shows, with the Threads preference (0 leaves the page's: one core fewer than the
 * machine has). */
static void
page_config (DlWindow *self, DlTrainConfig *cfg)
{
  int threads = app_settings () != NULL ? g_settings_get_int (app_settings (), "training-threads") : 0;

  dl_train_page_get_config (self->train_page, cfg);
  if (threads > 0)
    cfg->threads = threads;
}

/* A new run from what the Train page shows; FALSE (with the reason shown) when its layers do not parse,
 * so that nothing is started on the strength of it. */
static gboolean
new_run (DlWindow *self)
{
  g_auto (DlTrainConfig) cfg = { 0 };
  g_autoptr (GError) error = NULL;
  DlArch arch;

  page_config (self, &cfg);
  if (!dl_arch_parse (cfg.arch, &arch, &error))
    {
      show_error (self, error->message);
      return FALSE;
    }
  self->have_net = TRUE;
  dl_worker_new_run (self->worker, &cfg);
  return TRUE;
}

/* The pages show one run: they start over when the worker's events begin another. */
static void
follow_run (DlWindow *self, const DlEvent *ev)
{
  if (ev->run_serial == self->run_serial)
    return;
  self->run_serial = ev->run_serial;
  dl_train_page_clear (self->train_page);
  dl_mistakes_page_clear_history (self->mistakes_page);
  g_clear_pointer (&self->pending_eval, dl_event_unref);
}

static void
recorder_run_cb (DlWindow *self)
{
  dl_mistakes_page_set_run (self->mistakes_page, dl_run_recorder_get_run (self->recorder));
}

static void
draw_input_changed_cb (DlWindow *self)
{
  dl_network_page_set_input (self->network_page, dl_draw_page_get_input (self->draw_page));
}

static void
update_actions (DlWindow *self)
{
  DlTrainState state = dl_worker_get_state (self->worker);
  gboolean running = state == DL_TRAIN_RUNNING;
  gboolean have_data = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "pages") == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.start", have_data);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pause", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.resume",
                                 state == DL_TRAIN_PAUSED || state == DL_TRAIN_DIVERGED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", dl_train_state_is_live (state));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset", have_data && !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.evaluate", have_data);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-model", have_data);
  gtk_button_set_icon_name (self->start_button,
                            running ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
}

static gboolean
mistakes_page_shown (DlWindow *self)
{
  return gtk_stack_get_visible_child (self->pages) == GTK_WIDGET (self->mistakes_page);
}

/* Taking in an evaluation costs the Mistakes page 60–170 ms of main-loop time: while it is hidden it
 * gets only the end-of-epoch ones (its history), and the latest periodic one when it is shown. */
static void
show_eval_in_mistakes (DlWindow *self, DlEvent *ev)
{
  g_clear_pointer (&self->pending_eval, dl_event_unref);
  if (ev->end_of_epoch || mistakes_page_shown (self))
    dl_mistakes_page_add_eval (self->mistakes_page, ev->eval, ev->diagnosis, ev->end_of_epoch);
  else
    self->pending_eval = dl_event_ref (ev);
}

static void
page_changed_cb (DlWindow *self)
{
  DlEvent *ev = self->pending_eval;

  if (ev == NULL || !mistakes_page_shown (self))
    return;
  self->pending_eval = NULL;
  dl_mistakes_page_add_eval (self->mistakes_page, ev->eval, ev->diagnosis, ev->end_of_epoch);
  dl_event_unref (ev);
}

static void
on_worker_event (DlWindow *self, DlEvent *ev)
{
  if (ev->type == DL_EVENT_STATE || ev->type == DL_EVENT_MODEL_LOADED)
    follow_run (self, ev);
  switch (ev->type)
    {
    case DL_EVENT_DATA_LOADED:
      self->data_loaded = TRUE;
      gtk_stack_set_visible_child_name (self->main_stack, "pages");
      dl_mistakes_page_set_test_set (self->mistakes_page, ev->test);
      dl_data_page_set_data (self->data_page, ev->train, ev->test);
      dl_network_page_set_test_set (self->network_page, ev->test);
      /* A first, untrained network so that every page has something to show and start has a config. */
      if (!self->have_net)
        new_run (self);
      break;

    case DL_EVENT_ERROR:
      if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "loading") != 0)
        show_error (self, ev->message);
      else if (self->data_loaded)
        {
          gtk_stack_set_visible_child_name (self->main_stack, "pages");
          show_error (self, ev->message);
        }
      else
        show_empty_state (self, ev->message);
      break;

    case DL_EVENT_EVAL:
      show_eval_in_mistakes (self, ev);
      break;

    case DL_EVENT_MODEL_LOADED:
      self->loaded_serial = ev->run_serial;
      break;

    case DL_EVENT_STATE:
      /* Why a run failed (its data was replaced while it trained). */
      if (ev->message != NULL)
        show_error (self, ev->message);
      break;

    case DL_EVENT_PROGRESS:
    case DL_EVENT_HYPER_APPLIED:
    case DL_EVENT_MODEL_SAVED:
    case DL_EVENT_DIVERGED:
    case DL_EVENT_DONE:
    default:
      break;
    }
  update_actions (self);
}

static void
start_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlWindow *self = DL_WINDOW (widget);

  switch (dl_worker_get_state (self->worker))
    {
    case DL_TRAIN_READY:
      /* A loaded model is trained on as it is; an untrained network is made again from what the page
       * shows now, which may have changed since it was made. */
      if ((self->loaded_serial != 0 && self->run_serial == self->loaded_serial) || new_run (self))
        dl_worker_start (self->worker);
      break;
    case DL_TRAIN_RUNNING:
      dl_worker_pause (self->worker);
      break;
    case DL_TRAIN_PAUSED:
    case DL_TRAIN_DIVERGED:
      dl_worker_resume (self->worker);
      break;
    case DL_TRAIN_FINISHED:
    case DL_TRAIN_STOPPED:
    case DL_TRAIN_FAILED:
      /* The run has ended: Start trains a new one. */
      if (new_run (self))
        dl_worker_start (self->worker);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
pause_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dl_worker_pause (DL_WINDOW (widget)->worker);
}

static void
resume_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dl_worker_resume (DL_WINDOW (widget)->worker);
}

static void
stop_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dl_worker_stop (DL_WINDOW (widget)->worker);
}

static void
reset_action (GtkWidget *widget, const char *name, GVariant *param)
{
  new_run (DL_WINDOW (widget));
}

static void
evaluate_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dl_worker_evaluate (DL_WINDOW (widget)->worker);
}

static void
reload_data_action (GtkWidget *widget, const char *name, GVariant *param)
{
  load_default_data (DL_WINDOW (widget));
}

typedef void (*ChooserDone) (DlWindow *self, const char *path);

static void
chooser_response_cb (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  DlWindow *self = g_object_get_data (G_OBJECT (dialog), "dl-window");
  ChooserDone done = (ChooserDone) user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        done (self, path);
    }
  g_object_unref (dialog);
}

static void
choose_file (DlWindow *self, const char *title, GtkFileChooserAction action, const char *accept,
             const char *csv_filter_name, ChooserDone done)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, _("_Cancel"));
  if (csv_filter_name != NULL)
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, csv_filter_name);
      gtk_file_filter_add_pattern (filter, "*.csv");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
    }
  g_object_set_data (G_OBJECT (chooser), "dl-window", self);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), done);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
data_folder_chosen (DlWindow *self, const char *path)
{
  load_data (self, path, path);
}

static void
test_csv_chosen (DlWindow *self, const char *path)
{
  load_data (self, self->pending_train_csv, path);
  g_clear_pointer (&self->pending_train_csv, g_free);
}

static void
train_csv_chosen (DlWindow *self, const char *path)
{
  g_free (self->pending_train_csv);
  self->pending_train_csv = g_strdup (path);
  choose_file (self, _("Open the Test CSV File"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
               _("CSV files (label, 784 pixels)"), test_csv_chosen);
}

static void
model_save_chosen (DlWindow *self, const char *path)
{
  dl_worker_save_model (self->worker, path);
}

/* The pages keep showing the current run until the model has loaded (follow_run): a file that does not
 * load changes nothing but the error bar. */
void
dl_window_load_model (DlWindow *self, const char *path)
{
  g_auto (DlTrainConfig) cfg = { 0 };

  g_return_if_fail (DL_IS_WINDOW (self));

  self->have_net = TRUE;
  page_config (self, &cfg);
  dl_worker_load_model (self->worker, path, &cfg);
}

static void
model_load_chosen (DlWindow *self, const char *path)
{
  dl_window_load_model (self, path);
}

static void
open_data_action (GtkWidget *widget, const char *name, GVariant *param)
{
  choose_file (DL_WINDOW (widget), _("Open a Folder of MNIST IDX Files"),
               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), NULL, data_folder_chosen);
}

static void
open_csv_action (GtkWidget *widget, const char *name, GVariant *param)
{
  choose_file (DL_WINDOW (widget), _("Open the Training CSV File"), GTK_FILE_CHOOSER_ACTION_OPEN,
               _("_Open"), _("CSV files (label, 784 pixels)"), train_csv_chosen);
}

static void
save_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  choose_file (DL_WINDOW (widget), _("Save Model"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL,
               model_save_chosen);
}

static void
load_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  choose_file (DL_WINDOW (widget), _("Load Model"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL,
               model_load_chosen);
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

static gboolean
dl_window_close_request (GtkWindow *window)
{
  DlWindow *self = DL_WINDOW (window);
  GSettings *settings = app_settings ();
  int width, height;

  if (settings != NULL)
    {
      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (settings, "window-width", width);
      g_settings_set_int (settings, "window-height", height);
      g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (window));
      g_settings_set_string (settings, "preset", dl_train_page_get_preset (self->train_page));
    }
  return GTK_WINDOW_CLASS (dl_window_parent_class)->close_request (window);
}

static void
dl_window_dispose (GObject *object)
{
  DlWindow *self = DL_WINDOW (object);

  g_clear_pointer (&self->frame_stats, dl_frame_stats_stop);
  if (self->worker != NULL)
    dl_worker_shutdown (self->worker);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_WINDOW);
  g_clear_object (&self->recorder);
  g_clear_object (&self->worker);
  g_clear_pointer (&self->pending_train_csv, g_free);
  g_clear_pointer (&self->data, g_free);
  g_clear_pointer (&self->pending_eval, dl_event_unref);

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
  g_type_ensure (DL_TYPE_DATA_PAGE);
  g_type_ensure (DL_TYPE_NETWORK_PAGE);
  g_type_ensure (DL_TYPE_EMPTY_STATE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DlWindow, start_button);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, error_bar);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, empty_state);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, train_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, draw_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, mistakes_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, data_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, network_page);
  gtk_widget_class_bind_template_callback (widget_class, error_bar_response_cb);
  gtk_widget_class_bind_template_callback (widget_class, empty_state_downloaded_cb);

  gtk_widget_class_install_action (widget_class, "win.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "win.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "win.resume", NULL, resume_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "win.reset", NULL, reset_action);
  gtk_widget_class_install_action (widget_class, "win.evaluate", NULL, evaluate_action);
  gtk_widget_class_install_action (widget_class, "win.reload-data", NULL, reload_data_action);
  gtk_widget_class_install_action (widget_class, "win.open-data", NULL, open_data_action);
  gtk_widget_class_install_action (widget_class, "win.open-csv", NULL, open_csv_action);
  gtk_widget_class_install_action (widget_class, "win.save-model", NULL, save_model_action);
  gtk_widget_class_install_action (widget_class, "win.load-model", NULL, load_model_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK, "win.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-data", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.evaluate", NULL);
}

static void
dl_window_init (DlWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->worker = dl_worker_new ();
  g_signal_connect_object (self->worker, "event", G_CALLBACK (on_worker_event), self, G_CONNECT_SWAPPED);
  g_object_set (self->train_page, "worker", self->worker, NULL);
  g_signal_connect_object (self->pages, "notify::visible-child", G_CALLBACK (page_changed_cb), self,
                           G_CONNECT_SWAPPED);
  dl_draw_page_set_worker (self->draw_page, self->worker);
  self->recorder = dl_run_recorder_new (self->worker, NULL);
  g_object_bind_property (self->recorder, "run", self->network_page, "run", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->recorder, "notify::run", G_CALLBACK (recorder_run_cb), self, G_CONNECT_SWAPPED);
  dl_network_page_set_worker (self->network_page, self->worker);
  g_signal_connect_object (self->draw_page, "input-changed", G_CALLBACK (draw_input_changed_cb), self,
                           G_CONNECT_SWAPPED);

  if (app_settings () != NULL)
    g_signal_connect_object (app_settings (), "changed::data-folder", G_CALLBACK (data_folder_changed_cb), self,
                             G_CONNECT_SWAPPED);
  restore_state (self);
  self->frame_stats = dl_frame_stats_start (GTK_WIDGET (self));
  update_actions (self);
}

DlWindow *
dl_window_new (DlApplication *app, const char *data)
{
  DlWindow *self = g_object_new (DL_TYPE_WINDOW, "application", app, NULL);

  self->data = g_strdup (data);
  load_default_data (self);
  return self;
}

DlWorker *
dl_window_get_worker (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->worker;
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
