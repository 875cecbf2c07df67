/* test-app.c — end to end: the real application (DlApplication, its window and session) on a small real MNIST
 * subset, under Xvfb, with a private XDG home (its own run store and settings).
 *
 * GTK 4.8 runs one GtkApplication per process, so each case runs in a process of its own: the test spawns
 * this program again with --case NAME, which runs that case's application and exits with its verdict.
 *   trains-and-marks  Start, a learning-rate change through the slider acknowledged and marked on the plots
 *   persist           mlp for 2 epochs, the rate lowered during epoch 1, to the end; the plots exported as CSV;
 *                     Quit; then a relaunch (persist-relaunch): the run is listed, and opened, its curves and
 *                     marker equal what was exported, its final model in Draw, its evaluations in Mistakes
 *   bad-csv           a CSV with scaled labels after a good pair: the pages stay, Start stays enabled, the
 *                     message bar names the row, Try Again tries that CSV again
 *   model-no-data     no data set: Load Model on the empty state leads to Draw, which reads with the model
 *   quit-unrecorded   recording off: Quit asks before the trained model goes; Cancel keeps the window
 *   save-model        Save Model suggests the run's name and says where it saved
 *   branch            "Branch from Here" on the loss plot (the action its menu item activates) of a finished
 *                     run: a child READY at the checkpoint, the rate lowered with the slider, Start; its first
 *                     step and losses against the parent's
 * test-app --screenshot FILE.png (under xvfb-run -s "-screen 0 1280x800x24", GDK_BACKEND=x11) makes the
 * README's picture of a branched run instead.
 */
#include <check.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>

#include "dl-application.h"
#include "dl-canvas.h"
#include "dl-empty-state.h"
#include "dl-mistakes-page.h"
#include "dl-draw-page.h"
#include "dl-model.h"
#include "dl-plot.h"
#include "dl-runs-page.h"
#include "dl-train-page.h"
#include "dl-window.h"
#include "dl-test-session.h"

#define N_TRAIN 3000
#define N_TEST  1000
#define NEW_LR  0.01

/* Set by the parent for its children (the environment): the data subset, files a case leaves for the next. */
static const char *subset, *scratch;

typedef struct {
  GApplication *app;
  DlWindow     *window;
  DlSession    *session;
  gint          pause_at;   /* atomic: the worker pauses after this step, or the first after it */
} App;

static App A;

static void
observe (const DlStepInfo *info, gpointer data)
{
  gint at = g_atomic_int_get (&A.pause_at);

  if (at > 0 && info->step >= at)
    {
      g_atomic_int_set (&A.pause_at, 0);
      dl_worker_pause (dl_session_get_worker (A.session));
    }
}

static GObject *
page_child (gpointer page, const char *id)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (page), G_OBJECT_TYPE (page), id);

  ck_assert_msg (object != NULL, "no %s in %s", id, G_OBJECT_TYPE_NAME (page));
  return object;
}

static DlTrainPage *
train_page (void)
{
  return dl_window_get_train_page (A.window);
}

static gboolean
ready_to_start (gpointer data)
{
  return A.session != NULL && test_session_enabled (A.session, "start")
         && gtk_widget_is_drawable (GTK_WIDGET (train_page ()));
}

typedef struct {
  DlTrainState state;
  DlRun       *not;   /* a run the live one must not be */
} StateWait;

static gboolean
live_state_is (gpointer data)
{
  StateWait *w = data;
  DlRun *live = dl_session_get_live_run (A.session);

  /* An ended run's final evaluation and model are taken before Start is enabled again. */
  return live != NULL && live != w->not && dl_run_get_state (live) == w->state
         && (!dl_run_state_is_final (w->state) || test_session_enabled (A.session, "start"));
}

/* Waits for the live run (another than `not`) to reach `state`. */
static DlRun *
wait_live (DlTrainState state, DlRun *not, const char *what)
{
  StateWait w = { state, not };

  test_session_wait (live_state_is, &w, 120, what);
  return dl_session_get_live_run (A.session);
}

/* The Train page's recipe: a preset for `epochs` epochs. */
static void
show_recipe (const char *preset, int epochs)
{
  dl_train_page_set_preset (train_page (), preset);
  gtk_adjustment_set_value (GTK_ADJUSTMENT (page_child (train_page (), "epochs_adjustment")), epochs);
}

static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (w))
        return w;
    }
  return NULL;
}

static gboolean
toplevel_shown (gpointer type)
{
  return find_toplevel ((GType) GPOINTER_TO_SIZE (type)) != NULL;
}

/* The Train page's CSV button's file: every plot's points. */
static char *
export_plots (const char *path)
{
  DlTrainPage *page = train_page ();
  DlPlot *plots[] = { dl_train_page_get_loss_plot (page), dl_train_page_get_accuracy_plot (page),
                      dl_train_page_get_lr_plot (page) };
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  ck_assert_msg (dl_plot_export (plots, G_N_ELEMENTS (plots), DL_PLOT_FORMAT_CSV, path, 0, 0, &error), "%s",
                 error ? error->message : "");
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static char *
scratch_file (const char *name)
{
  return g_build_filename (scratch, name, NULL);
}

/* ---- the cases ---- */

static void
case_trains_and_marks (void)
{
  GtkAdjustment *lr = dl_train_page_get_lr_adjustment (train_page ());
  DlRun *run;

  show_recipe ("mlp", 2);
  g_atomic_int_set (&A.pause_at, 20);
  gtk_widget_activate_action (GTK_WIDGET (A.window), "win.play", NULL);
  wait_live (DL_TRAIN_PAUSED, NULL, "the pause at step 20");
  run = dl_session_get_live_run (A.session);
  /* What dragging the slider does: the adjustment holds log10 of the rate. */
  gtk_adjustment_set_value (lr, log10 (NEW_LR));
  iterate_until (never, NULL, 500);   /* the page sends it once the slider has settled */
  gtk_widget_activate_action (GTK_WIDGET (A.window), "win.play", NULL);
  wait_live (DL_TRAIN_FINISHED, NULL, "the end");
  ck_assert_uint_eq (dl_run_get_n_markers (run), 1);
  ck_assert_int_eq (dl_run_get_marker (run, 0)->step, 21);
  for (int p = 0; p < 3; p++)
    {
      DlPlot *plot = p == 0 ? dl_train_page_get_loss_plot (train_page ())
                   : p == 1 ? dl_train_page_get_accuracy_plot (train_page ()) : dl_train_page_get_lr_plot (train_page ());

      ck_assert_uint_eq (dl_plot_get_n_markers (plot), 1);
      ck_assert_msg (strstr (dl_plot_get_marker_label (plot, 0), "0.01") != NULL, "%s",
                     dl_plot_get_marker_label (plot, 0));
    }
  /* The step after the change used the new base rate, as the cosine schedule lowers it at that point. */
  {
    DlSeries *rate = dl_run_get_series (run, DL_RUN_SERIES_LR);

    ck_assert_double_eq_tol (dl_series_get_y (rate, 20),
                             dl_schedule_lr (dl_preset_find ("mlp"), NEW_LR, dl_series_get_x (rate, 19), 2), 1e-6);
    ck_assert (dl_series_get_y (rate, 19) > 0.04);
  }
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
}

/* The CSV's rows without the run's column (its legend label). */
static char *
points_of (const char *csv)
{
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", 3);

      if (g_strv_length (f) == 3)
        g_string_append_printf (out, "%s,%s\n", f[0], strchr (f[2], ',') != NULL ? strchr (f[2], ',') + 1 : "");
    }
  return g_string_free (out, FALSE);
}

static gboolean
recorded (gpointer data)
{
  DlRun *run = data;

  return dl_run_get_final_model_path (run) != NULL && !isnan (dl_run_get_final_test_accuracy (run));
}

static void
case_persist (void)
{
  g_autofree char *csv_path = scratch_file ("before.csv");
  g_autofree char *csv = NULL, *facts = NULL;
  GtkAdjustment *lr = dl_train_page_get_lr_adjustment (train_page ());
  DlPlot *loss = dl_train_page_get_loss_plot (train_page ());
  DlRun *run;

  show_recipe ("mlp", 2);
  g_atomic_int_set (&A.pause_at, 25);
  test_session_activate (A.session, "start", NULL);
  wait_live (DL_TRAIN_PAUSED, NULL, "the pause in epoch 1");
  run = dl_session_get_live_run (A.session);
  ck_assert (dl_run_get_epochs_done (run) < 1.0);
  gtk_adjustment_set_value (lr, log10 (NEW_LR));
  iterate_until (never, NULL, 500);
  test_session_activate (A.session, "resume", NULL);
  wait_live (DL_TRAIN_FINISHED, NULL, "the end");
  test_session_wait (recorded, run, 60, "the final model");
  ck_assert_uint_eq (dl_plot_get_n_markers (loss), 1);
  csv = export_plots (csv_path);
  facts = g_strdup_printf ("%s\n%.17g\n%s\n%" G_GINT64_FORMAT "\n", dl_run_get_uuid (run), dl_plot_get_marker_x (loss, 0),
                           dl_plot_get_marker_label (loss, 0), dl_run_get_steps (run));
  {
    g_autofree char *path = scratch_file ("facts.txt");

    ck_assert (g_file_set_contents (path, facts, -1, NULL));
  }
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
}

static DlRun *
listed (const char *uuid)
{
  DlRunStore *store = dl_session_get_store (A.session);
  GListModel *runs = store != NULL ? dl_run_store_get_runs (store) : NULL;

  for (guint i = 0; runs != NULL && i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (runs, i);

      if (g_str_equal (dl_run_get_uuid (run), uuid))
        return run;
    }
  return NULL;
}

static gboolean
is_listed (gpointer uuid)
{
  return listed (uuid) != NULL;
}

static gboolean
past_shown (gpointer data)
{
  DlRun *run = data;
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (A.session);

  return dl_run_get_loaded (run) && snap != NULL && snap->trained && snap->step == dl_run_get_steps (run);
}

static void
case_persist_relaunch (void)
{
  g_autofree char *facts_path = scratch_file ("facts.txt"), *before_path = scratch_file ("before.csv");
  g_autofree char *after_path = scratch_file ("after.csv");
  g_autofree char *facts = NULL, *before = NULL, *after = NULL, *p_before = NULL, *p_after = NULL;
  g_auto (GStrv) f = NULL;
  DlPlot *loss = dl_train_page_get_loss_plot (train_page ());
  GtkWidget *mistakes;
  DlRun *run;

  ck_assert (g_file_get_contents (facts_path, &facts, NULL, NULL));
  ck_assert (g_file_get_contents (before_path, &before, NULL, NULL));
  f = g_strsplit (facts, "\n", -1);
  test_session_wait (is_listed, f[0], 30, "the run in the history");
  run = listed (f[0]);
  ck_assert_int_eq (dl_run_get_state (run), DL_TRAIN_FINISHED);
  ck_assert_int_eq (dl_run_get_steps (run), g_ascii_strtoll (f[3], NULL, 10));

  test_session_activate (A.session, "open-run", g_variant_new_string (f[0]));
  test_session_wait (past_shown, run, 30, "the run's history and final model");
  iterate_until (never, NULL, 200);
  after = export_plots (after_path);
  p_before = points_of (before);
  p_after = points_of (after);
  ck_assert_str_eq (p_after, p_before);
  ck_assert_uint_eq (dl_plot_get_n_markers (loss), 1);
  ck_assert_double_eq (dl_plot_get_marker_x (loss, 0), g_ascii_strtod (f[1], NULL));
  ck_assert_str_eq (dl_plot_get_marker_label (loss, 0), f[2]);

  /* Its final model in Draw; its evaluations in Mistakes. */
  mistakes = find_type (GTK_WIDGET (A.window), DL_TYPE_MISTAKES_PAGE);
  ck_assert_msg (strstr (gtk_label_get_text (GTK_LABEL (page_child (mistakes, "summary_label"))), "after epoch 2"),
                 "%s", gtk_label_get_text (GTK_LABEL (page_child (mistakes, "summary_label"))));
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
}

static gboolean
message_names (gpointer text)
{
  const char *message = dl_session_get_message (A.session);

  return message != NULL && strstr (message, text) != NULL;
}

static gboolean
train_set_has (gpointer n)
{
  DlDataset *train = dl_session_get_train_set (A.session);

  return train != NULL && train->n == GPOINTER_TO_INT (n) && test_session_enabled (A.session, "start");
}

static void
case_bad_csv (void)
{
  g_autofree char *train_csv = test_session_csv (scratch, "train.csv", TRUE, 1000, FALSE);
  g_autofree char *test_csv = test_session_csv (scratch, "test.csv", FALSE, 500, FALSE);
  g_autofree char *bad_csv = test_session_csv (scratch, "scaled.csv", TRUE, 50, TRUE);
  GtkStack *main_stack = GTK_STACK (page_child (A.window, "main_stack"));
  GtkWidget *bar = GTK_WIDGET (page_child (A.window, "message_bar"));
  GtkWidget *retry = GTK_WIDGET (page_child (A.window, "retry_button"));
  DlDataset *good;

  test_session_activate (A.session, "load-data", g_variant_new ("(ss)", train_csv, test_csv));
  test_session_wait (train_set_has, GINT_TO_POINTER (1000), 60, "the good CSV pair");
  good = dl_session_get_train_set (A.session);
  test_session_activate (A.session, "load-data", g_variant_new ("(ss)", bad_csv, test_csv));
  test_session_wait (message_names, "scaled.csv", 30, "the refusal");
  iterate_until (never, NULL, 100);
  ck_assert_str_eq (gtk_stack_get_visible_child_name (main_stack), "pages");
  ck_assert (test_session_enabled (A.session, "start"));
  ck_assert (dl_session_get_train_set (A.session) == good);
  ck_assert (gtk_info_bar_get_revealed (GTK_INFO_BAR (bar)));
  ck_assert (gtk_widget_get_visible (retry));
  ck_assert_msg (strstr (gtk_label_get_text (GTK_LABEL (page_child (A.window, "message_label"))), "row 1") != NULL, "%s",
                 gtk_label_get_text (GTK_LABEL (page_child (A.window, "message_label"))));

  /* Try Again (the bar's button): that CSV again, not MNIST. */
  g_signal_emit_by_name (retry, "clicked");
  ck_assert (dl_session_get_message (A.session) == NULL);
  test_session_wait (message_names, "scaled.csv", 30, "the second refusal");
  ck_assert (dl_session_get_train_set (A.session) == good);
  ck_assert_str_eq (gtk_stack_get_visible_child_name (main_stack), "pages");
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
}

static gboolean
draw_reads (gpointer page)
{
  return dl_draw_page_get_prediction (page) >= 0;
}

static gboolean
pages_shown (gpointer data)
{
  return g_strcmp0 (dl_window_get_help_topic (A.window), "draw") == 0;
}

/* Whether a widget under `root` activates `action`, and is sensitive. */
static gboolean
offers_action (GtkWidget *root, const char *action)
{
  if (GTK_IS_ACTIONABLE (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return gtk_widget_is_sensitive (root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (offers_action (c, action))
      return TRUE;
  return FALSE;
}

static gboolean
canvas_shown (gpointer canvas)
{
  return gtk_widget_get_mapped (canvas) && gtk_widget_get_width (canvas) > 100;
}

static void
case_model_no_data (void)
{
  g_autofree char *model = scratch_file ("model.dlm");
  GtkWidget *empty = find_type (GTK_WIDGET (A.window), DL_TYPE_EMPTY_STATE);
  DlDrawPage *draw = DL_DRAW_PAGE (find_type (GTK_WIDGET (A.window), DL_TYPE_DRAW_PAGE));
  DlCanvas *canvas = DL_CANVAS (find_type (GTK_WIDGET (draw), DL_TYPE_CANVAS));
  double side;

  ck_assert_str_eq (dl_window_get_help_topic (A.window), "start");
  ck_assert (offers_action (empty, "win.load-model"));
  dl_window_load_model (A.window, model);
  test_session_wait (pages_shown, NULL, 30, "the Draw page");
  ck_assert (!dl_session_get_has_data (A.session));
  test_session_wait (canvas_shown, canvas, 10, "the canvas");
  side = gtk_widget_get_width (GTK_WIDGET (canvas));
  dl_canvas_begin_stroke (canvas, 0.5 * side, 0.2 * side, 1);
  dl_canvas_extend_stroke (canvas, 0.5 * side, 0.5 * side, 1);
  dl_canvas_extend_stroke (canvas, 0.5 * side, 0.8 * side, 1);
  dl_canvas_end_stroke (canvas);
  test_session_wait (draw_reads, draw, 10, "Draw's answer");
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
}

static void
answer (GType type, int response)
{
  GtkWidget *dialog = find_toplevel (type);

  ck_assert (dialog != NULL);
  gtk_dialog_response (GTK_DIALOG (dialog), response);
}

static void
case_quit_unrecorded (void)
{
  GSettings *settings = dl_application_get_settings (DL_APPLICATION (A.app));

  g_settings_set_boolean (settings, "record-runs", FALSE);
  show_recipe ("seed", 1);
  test_session_activate (A.session, "start", NULL);
  wait_live (DL_TRAIN_FINISHED, NULL, "the end");
  ck_assert (dl_session_get_unsaved (A.session));
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
  test_session_wait (toplevel_shown, GSIZE_TO_POINTER (GTK_TYPE_MESSAGE_DIALOG), 10, "the question");
  answer (GTK_TYPE_MESSAGE_DIALOG, GTK_RESPONSE_CANCEL);
  iterate_until (never, NULL, 200);
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (A.window)));
  /* Recording on again: a new run would throw the unsaved model away, so Start asks too; then a recorded
   * run, and Quit asks nothing. */
  g_settings_set_boolean (settings, "record-runs", TRUE);
  test_session_activate (A.session, "start", NULL);
  test_session_wait (toplevel_shown, GSIZE_TO_POINTER (GTK_TYPE_MESSAGE_DIALOG), 10, "Start's question");
  answer (GTK_TYPE_MESSAGE_DIALOG, 2 /* discard */);
  wait_live (DL_TRAIN_FINISHED, dl_session_get_live_run (A.session), "the recorded run's end");
  ck_assert (!dl_session_get_unsaved (A.session));
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
  iterate_until (never, NULL, 200);
  ck_assert (find_toplevel (GTK_TYPE_MESSAGE_DIALOG) == NULL);
}

static gboolean
saved (gpointer path)
{
  return message_names ("Saved the model") && g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
case_save_model (void)
{
  g_autofree char *expected = NULL;
  g_autofree char *path = NULL;
  GtkFileChooser *chooser;
  DlRun *run;

  show_recipe ("seed", 1);
  test_session_activate (A.session, "start", NULL);
  wait_live (DL_TRAIN_FINISHED, NULL, "the end");
  run = dl_session_get_live_run (A.session);
  expected = g_strconcat (dl_run_get_name (run), ".dlm", NULL);
  g_strdelimit (expected, ":", '-');
  /* The dialog saves into the current folder, as without a portal GTK's own does. */
  ck_assert_int_eq (g_chdir (scratch), 0);
  gtk_widget_activate_action (GTK_WIDGET (A.window), "win.save-model", NULL);
  test_session_wait (toplevel_shown, GSIZE_TO_POINTER (GTK_TYPE_FILE_CHOOSER_DIALOG), 10, "the save dialog");
  chooser = GTK_FILE_CHOOSER (find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG));
  ck_assert_str_eq (gtk_file_chooser_get_current_name (chooser), expected);
  path = g_build_filename (scratch, expected, NULL);
  iterate_until (never, NULL, 300);
  answer (GTK_TYPE_FILE_CHOOSER_DIALOG, GTK_RESPONSE_ACCEPT);
  test_session_wait (saved, path, 30, "the confirmation");
  ck_assert (gtk_info_bar_get_revealed (GTK_INFO_BAR (page_child (A.window, "message_bar"))));
  ck_assert (!gtk_widget_get_visible (GTK_WIDGET (page_child (A.window, "retry_button"))));
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
}

/* ---- branching from a plot point ---- */

typedef struct {
  DlRun *run;
  int    epoch;
} CheckpointWait;

static gboolean
has_epoch_checkpoint (gpointer data)
{
  CheckpointWait *w = data;
  g_autoptr (GPtrArray) list = dl_run_store_list_checkpoints (dl_session_get_store (A.session), w->run, NULL);

  for (guint i = 0; list != NULL && i < list->len; i++)
    if (((DlRunCheckpoint *) g_ptr_array_index (list, i))->epoch_end
        && ((DlRunCheckpoint *) g_ptr_array_index (list, i))->epoch == w->epoch)
      return TRUE;
  return FALSE;
}

static gboolean
branch_shown (gpointer parent)
{
  DlRun *live = dl_session_get_live_run (A.session);

  return live != NULL && g_strcmp0 (dl_run_get_parent_uuid (live), dl_run_get_uuid (parent)) == 0
         && dl_session_get_run (A.session) == live && test_session_enabled (A.session, "start");
}

/* What the loss plot's "Branch from Here" does at x, once the store has the run's end of epoch `epoch`:
 * the branch, READY and shown. */
static DlRun *
branch_from_plot (DlRun *parent, int epoch, double x)
{
  CheckpointWait w = { parent, epoch };
  DlRun *child;

  test_session_wait (has_epoch_checkpoint, &w, 30, "the end-of-epoch checkpoint");
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (dl_train_page_get_loss_plot (train_page ())), "run.branch-from",
                                         "d", x));
  test_session_wait (branch_shown, parent, 60, "the branch");
  child = dl_session_get_live_run (A.session);
  ck_assert_int_eq (dl_run_get_state (child), DL_TRAIN_READY);
  return child;
}

typedef struct {
  DlRun *parent, *not;
} FromEndWait;

static gboolean
from_end_shown (gpointer data)
{
  FromEndWait *w = data;
  DlRun *live = dl_session_get_live_run (A.session);

  return live != w->not && branch_shown (w->parent) && dl_run_get_state (live) == DL_TRAIN_READY;
}

/* The Runs page's "Branch from End" of the ticked run, shown from the Runs page: a child READY at the run's
 * last step (its end of epoch `epoch`), and the window shows it on the Train page. */
static void
branch_from_end (DlRun *parent, int epoch, DlRun *not)
{
  GtkStack *pages = GTK_STACK (page_child (A.window, "pages"));
  DlRunsPage *runs = DL_RUNS_PAGE (page_child (A.window, "runs_page"));
  CheckpointWait cw = { parent, epoch };
  FromEndWait w = { parent, not };

  test_session_wait (has_epoch_checkpoint, &cw, 30, "the end-of-epoch checkpoint");
  gtk_stack_set_visible_child_name (pages, "runs");
  g_list_store_remove_all (dl_runs_page_get_compared (runs));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (runs), "runs.compare", "(sb)", dl_run_get_uuid (parent), TRUE));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (runs), "runs.branch", NULL));
  test_session_wait (from_end_shown, &w, 60, "the branch from the end");
  ck_assert_int_eq (dl_run_get_parent_step (dl_session_get_live_run (A.session)), dl_run_get_steps (parent));
  ck_assert_str_eq (gtk_stack_get_visible_child_name (pages), "train");
}

/* A finished 3-epoch mlp run, "Branch from Here" at epoch 1.5 of the loss plot: a child READY at the end of
 * epoch 1, the parent still finished; the rate lowered with the slider before Start: the child's first step
 * is the one after the checkpoint, its first loss the parent's there (the same parameters), the next ones
 * differ; both runs on the plots. Then the parent, a past run now, branched from its end on the Runs page. */
static void
case_branch (void)
{
  GtkAdjustment *lr = dl_train_page_get_lr_adjustment (train_page ());
  DlRun *parent, *child;
  DlSeries *mine, *theirs;
  gint64 parent_steps;
  guint at;

  show_recipe ("mlp", 3);
  gtk_widget_activate_action (GTK_WIDGET (A.window), "win.play", NULL);
  parent = wait_live (DL_TRAIN_FINISHED, NULL, "the parent's end");
  parent_steps = dl_run_get_steps (parent);
  child = branch_from_plot (parent, 1, 1.5);
  gtk_adjustment_set_value (lr, log10 (dl_run_get_config (parent)->hyper.lr / 5));
  iterate_until (never, NULL, 500);
  gtk_widget_activate_action (GTK_WIDGET (A.window), "win.play", NULL);
  wait_live (DL_TRAIN_FINISHED, parent, "the branch's end");

  ck_assert_int_eq (dl_run_get_state (parent), DL_TRAIN_FINISHED);
  ck_assert_int_eq (dl_run_get_steps (parent), parent_steps);
  mine = dl_run_get_series (child, DL_RUN_SERIES_LOSS);
  theirs = dl_run_get_series (parent, DL_RUN_SERIES_LOSS);
  ck_assert_int_eq (dl_run_get_steps (child) - dl_run_get_parent_step (child), dl_series_get_n_points (mine));
  at = dl_series_lower_bound (theirs, dl_series_get_x (mine, 0));
  ck_assert_int_eq (at, dl_run_get_parent_step (child));   /* the parent's point of the step after it */
  ck_assert (dl_series_get_x (mine, 0) == dl_series_get_x (theirs, at));
  ck_assert (dl_series_get_y (mine, 0) == dl_series_get_y (theirs, at));
  for (guint i = 1; i < 6; i++)
    ck_assert_msg (dl_series_get_y (mine, i) != dl_series_get_y (theirs, at + i), "loss %u unchanged", i);
  ck_assert_uint_eq (dl_plot_get_n_runs (dl_train_page_get_loss_plot (train_page ())), 2);
  branch_from_end (parent, 3, child);
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
}

/* The README's picture (--screenshot): mlp for 6 epochs on 10,000 images, branched at epoch 3 with the rate
 * raised to 0.25; both futures on the plots (the loss on a log axis). */
static const char *screenshot_path;

static void
case_screenshot (void)
{
  const char *argv[] = { "import", "-window", "root", screenshot_path, NULL };
  g_autoptr (GError) error = NULL;
  DlRun *parent;

  gtk_window_maximize (GTK_WINDOW (A.window));
  gtk_switch_set_active (GTK_SWITCH (page_child (train_page (), "log_switch")), TRUE);
  show_recipe ("mlp", 6);
  gtk_widget_activate_action (GTK_WIDGET (A.window), "win.play", NULL);
  parent = wait_live (DL_TRAIN_FINISHED, NULL, "the parent's end");
  branch_from_plot (parent, 3, 3.0);
  gtk_adjustment_set_value (dl_train_page_get_lr_adjustment (train_page ()), log10 (0.25));
  iterate_until (never, NULL, 500);
  gtk_widget_activate_action (GTK_WIDGET (A.window), "win.play", NULL);
  wait_live (DL_TRAIN_FINISHED, parent, "the branch's end");
  iterate_until (never, NULL, 1500);
  ck_assert_msg (dl_test_spawn_and_iterate ((char **) argv, 30000, &error), "%s", error ? error->message : "");
  g_print ("%s\n", screenshot_path);
  g_action_group_activate_action (G_ACTION_GROUP (A.app), "quit", NULL);
}

/* ---- running a case: its own process, its own application ---- */

static const struct {
  const char *name;
  void (*run) (void);
  gboolean no_data;
} cases[] = {
  { "trains-and-marks", case_trains_and_marks },
  { "persist", case_persist },
  { "persist-relaunch", case_persist_relaunch },
  { "bad-csv", case_bad_csv },
  { "model-no-data", case_model_no_data, TRUE },
  { "quit-unrecorded", case_quit_unrecorded },
  { "save-model", case_save_model },
  { "branch", case_branch },
  { "screenshot", case_screenshot },
};

static int current_case;
static gboolean case_done;

static gboolean
on_timeout (gpointer data)
{
  ck_abort_msg ("case %s took more than 240 s", cases[current_case].name);
  return G_SOURCE_REMOVE;
}

static gboolean
start_case (gpointer data)
{
  if (!cases[current_case].no_data && !ready_to_start (NULL))
    return G_SOURCE_CONTINUE;
  cases[current_case].run ();
  case_done = TRUE;
  return G_SOURCE_REMOVE;
}

/* After DlApplication's own activate handler has made and presented the window. */
static void
on_activated (gpointer data)
{
  A.window = DL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (A.app)));
  A.session = dl_window_get_session (A.window);
  dl_worker_set_step_observer (dl_session_get_worker (A.session), observe, NULL);
  g_timeout_add (100, start_case, NULL);
}

START_TEST (test_case)
{
  int status;

  A.app = G_APPLICATION (dl_application_new ());
  g_signal_connect_data (A.app, "activate", G_CALLBACK (on_activated), NULL, NULL, G_CONNECT_AFTER);
  g_timeout_add_seconds (240, on_timeout, NULL);
  status = g_application_run (A.app, 0, NULL);
  ck_assert_int_eq (status, 0);
  ck_assert_msg (case_done, "the application quit before the case ran");
  g_object_unref (A.app);
}
END_TEST

/* The parent: each case in a child process, with the environment it needs. */
static void
spawn_case (const char *self, const char *name, const char *data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  char *argv[] = { (char *) self, "--case", (char *) name, NULL };
  g_auto (GStrv) env = g_get_environ ();
  int status;

  env = g_environ_setenv (env, "DIGITLAB_DATA", data, TRUE);
  ck_assert_msg (g_spawn_sync (NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error), "%s",
                 error ? error->message : "");
  if (!g_spawn_check_wait_status (status, NULL))
    ck_abort_msg ("case %s failed:\n%s%s", name, out, err);
  g_print ("%s", out);
}

static char *self_path, *empty_dir;

START_TEST (test_spawn)
{
  const char *name = cases[_i].name;

  if (g_str_equal (name, "persist-relaunch") || g_str_equal (name, "screenshot"))
    return;   /* run by persist, after it; a picture, by --screenshot */
  if (g_str_equal (name, "model-no-data"))
    {
      g_autofree char *model = g_build_filename (scratch, "model.dlm", NULL);
      DlArch arch;
      g_autoptr (DlNet) net = NULL;

      ck_assert (dl_arch_parse (dl_preset_find ("mlp")->arch, &arch, NULL));
      net = dl_net_new (&arch, 1);
      ck_assert (dl_model_save (net, model, NULL));
    }
  spawn_case (self_path, name, cases[_i].no_data ? empty_dir : subset);
  if (g_str_equal (name, "persist"))
    spawn_case (self_path, "persist-relaunch", subset);
}
END_TEST

int
main (int argc, char **argv)
{
  Suite *s = suite_create ("app");
  TCase *tc;
  SRunner *sr;
  int failed;

  if (argc == 3 && g_str_equal (argv[1], "--screenshot"))
    {
      /* In this process: MNIST's first 10,000 training and test images, a private home. */
      screenshot_path = argv[2];
      scratch = test_session_private_home ();
      subset = test_session_subset (scratch, 10000, 10000);
      g_setenv ("DIGITLAB_DATA", subset, TRUE);
      for (current_case = 0; !g_str_equal (cases[current_case].name, "screenshot"); current_case++)
        ;
      tc = tcase_create ("screenshot");
      tcase_set_timeout (tc, 300);
      tcase_add_test (tc, test_case);
    }
  else if (argc == 3 && g_str_equal (argv[1], "--case"))
    {
      subset = g_getenv ("DL_TEST_SUBSET");
      scratch = g_getenv ("DL_TEST_SCRATCH");
      for (current_case = 0; current_case < (int) G_N_ELEMENTS (cases); current_case++)
        if (g_str_equal (cases[current_case].name, argv[2]))
          break;
      g_assert (current_case < (int) G_N_ELEMENTS (cases));
      tc = tcase_create (argv[2]);
      tcase_set_timeout (tc, 300);
      tcase_add_test (tc, test_case);
    }
  else
    {
      char *home;

      if (!test_session_have_mnist ())
        {
          g_printerr ("SKIP: no MNIST (run build-aux/fetch-mnist.sh)\n");
          return 77;
        }
      self_path = g_canonicalize_filename (argv[0], NULL);
      home = test_session_private_home ();
      subset = test_session_subset (home, N_TRAIN, N_TEST);
      scratch = home;
      empty_dir = g_build_filename (home, "empty", NULL);
      g_mkdir_with_parents (empty_dir, 0700);
      g_setenv ("DL_TEST_SUBSET", subset, TRUE);
      g_setenv ("DL_TEST_SCRATCH", scratch, TRUE);
      tc = tcase_create ("cases");
      tcase_set_timeout (tc, 600);
      tcase_add_loop_test (tc, test_spawn, 0, G_N_ELEMENTS (cases));
    }
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  /* GTK must run in the process that owns the display connection. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
