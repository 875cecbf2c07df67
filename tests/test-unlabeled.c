/* test-unlabeled.c — unlabeled images in the app (Xvfb, GDK_BACKEND=x11; generated data, no MNIST): a window
 * on a tiny data folder whose classes.txt names Fashion-MNIST's classes, a model loaded from a file, then
 *   - an unlabeled CSV (Kaggle's header, 784 pixel columns) and an unlabeled IDX images file, each opened
 *     through the window: the Unlabeled page appears, its answers are those of a forward pass of the same
 *     model file, least confident first, and the selected image's detail names the classes;
 *   - the export equals what `digitlab-cli predict` writes for the same model and file, byte for byte;
 *   - a bad file changes nothing (the set, the answers, the training data, the run) and the dialog says the
 *     loader's own error;
 *   - a new model classifies the set again;
 *   - every page names the classes: Draw's answer, label buttons and "why" pickers, the Network page's output,
 *     the Mistakes page's filters, tiles' detail, probabilities and per-class legend, the Data page's samples.
 *
 *   test-unlabeled DIGITLAB-CLI
 */
#include <check.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>

#include "dl-activation-view.h"
#include "dl-canvas.h"
#include "dl-class-accuracy-view.h"
#include "dl-classes.h"
#include "dl-data-page.h"
#include "dl-draw-page.h"
#include "dl-mistakes-page.h"
#include "dl-network-page.h"
#include "dl-model.h"
#include "dl-predict.h"
#include "dl-probability-list.h"
#include "dl-arch.h"
#include "dl-rng.h"
#include "dl-test-session.h"
#include "dl-unlabeled-item.h"
#include "dl-window.h"

#define N_CSV 7
#define N_IDX 9

static const char *cli;
static char *home, *data_dir, *model_a, *model_b, *csv_path, *idx_path, *bad_path;
static DlWindow *window;

/* Random images of digit-like brightness, labels 0–9. */
static DlDataset *
make_images (int n, guint64 seed)
{
  DlDataset *ds = dl_dataset_new (n, 28, 28);
  DlRng rng;

  dl_rng_seed (&rng, seed);
  for (gsize i = 0; i < (gsize) n * 784; i++)
    ds->pixels[i] = dl_rng_below (&rng, 4) == 0 ? (guint8) dl_rng_below (&rng, 256) : 0;
  for (int i = 0; i < n; i++)
    ds->labels[i] = (guint8) (i % DL_N_CLASSES);
  dl_dataset_recount (ds);
  return ds;
}

static void
write_text (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_assert (g_file_set_contents (path, text, -1, &error));
}

/* Kaggle's test.csv: a header of 784 pixel names, then a row of pixels per image. */
static void
write_kaggle_csv (const char *path, const DlDataset *ds)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (int k = 0; k < 784; k++)
    g_string_append_printf (s, "%spixel%d", k ? "," : "", k);
  g_string_append_c (s, '\n');
  for (int i = 0; i < ds->n; i++)
    for (int k = 0; k < 784; k++)
      g_string_append_printf (s, "%d%c", ds->pixels[(gsize) i * 784 + k], k == 783 ? '\n' : ',');
  write_text (path, s->str);
}

static char *
save_model (const char *name, guint64 seed)
{
  char *path = g_build_filename (home, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlNet) net = NULL;
  DlArch arch;

  /* GLib's assertions: this runs before the tests, where check's cannot. */
  g_assert (dl_arch_parse ("fc32-relu,fc10,softmax", &arch, &error));
  net = dl_net_new (&arch, seed);
  g_assert (dl_model_save (net, path, &error));
  return path;
}

static void
make_files (void)
{
  g_autoptr (DlDataset) train = make_images (300, 1), test = make_images (100, 2);
  g_autoptr (DlDataset) csv = make_images (N_CSV, 3), idx = make_images (N_IDX, 4);
  g_autoptr (GError) error = NULL;
  g_autofree char *ti = NULL, *tl = NULL, *vi = NULL, *vl = NULL, *labels = NULL;

  home = test_session_private_home ();
  data_dir = g_build_filename (home, "fashion", NULL);
  g_mkdir_with_parents (data_dir, 0700);
  ti = g_build_filename (data_dir, "train-images-idx3-ubyte", NULL);
  tl = g_build_filename (data_dir, "train-labels-idx1-ubyte", NULL);
  vi = g_build_filename (data_dir, "t10k-images-idx3-ubyte", NULL);
  vl = g_build_filename (data_dir, "t10k-labels-idx1-ubyte", NULL);
  g_assert (dl_dataset_save_idx (train, ti, tl, &error));
  g_assert (dl_dataset_save_idx (test, vi, vl, &error));
  g_assert (dl_classes_save_dir (dl_classes_fashion (), data_dir, &error));

  csv_path = g_build_filename (home, "test.csv", NULL);
  write_kaggle_csv (csv_path, csv);
  idx_path = g_build_filename (home, "images-idx3-ubyte", NULL);
  labels = g_build_filename (home, "unused-labels-idx1-ubyte", NULL);
  g_assert (dl_dataset_save_idx (idx, idx_path, labels, &error));
  bad_path = g_build_filename (home, "bad.csv", NULL);
  write_text (bad_path, "pixel0,pixel1\n0,0\n");
  model_a = save_model ("a.dlm", 11);
  model_b = save_model ("b.dlm", 12);
}

/* ---- waiting ---- */

static void
wait_for (DlTestCond cond, gpointer data, const char *what)
{
  ck_assert_msg (iterate_until (cond, data, 60000), "timed out waiting for %s", what);
}

static gboolean
has_data (gpointer data)
{
  return dl_session_get_has_data (dl_window_get_session (window));
}

static gboolean
model_loaded (gpointer path)
{
  DlRun *live = dl_session_get_live_run (dl_window_get_session (window));
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (dl_window_get_session (window));

  return live != NULL && g_strcmp0 (dl_run_get_origin_model_path (live), path) == 0 && snap != NULL && snap->trained;
}

typedef struct {
  DlDataset *before;
  int n;
} Shown;

/* The page shows a new set of n images, classified. */
static gboolean
answers_shown (gpointer data)
{
  Shown *s = data;
  DlUnlabeledPage *page = dl_window_get_unlabeled_page (window);
  DlDataset *images = dl_unlabeled_page_get_images (page);

  return images != NULL && images != s->before && images->n == s->n && !dl_unlabeled_page_get_classifying (page)
         && g_list_model_get_n_items (dl_unlabeled_page_get_answers (page)) == (guint) s->n;
}

/* New answers (other items than `old`) and none being computed. */
static gboolean
reclassified (gpointer old)
{
  DlUnlabeledPage *page = dl_window_get_unlabeled_page (window);
  g_autoptr (GObject) first = g_list_model_get_item (dl_unlabeled_page_get_answers (page), 0);

  return first != NULL && first != old && !dl_unlabeled_page_get_classifying (page);
}

static gboolean
run_finished (gpointer data)
{
  DlRun *live = dl_session_get_live_run (dl_window_get_session (window));

  return live != NULL && dl_run_get_state (live) == DL_TRAIN_FINISHED;
}

static gboolean
error_shown (gpointer data)
{
  return dl_window_get_open_error (window) != NULL;
}

/* ---- checks ---- */

static gpointer
page_child (const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (dl_window_get_unlabeled_page (window)), DL_TYPE_UNLABELED_PAGE,
                                        name);
}

/* The widget under root that activates `action`. */
static GtkWidget *
find_action (GtkWidget *root, const char *action)
{
  if (GTK_IS_ACTIONABLE (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_action (c, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The answers are of the network shown now: classified, and Export enabled again. */
static gboolean
answers_current (gpointer data)
{
  GtkWidget *page = GTK_WIDGET (dl_window_get_unlabeled_page (window));
  GtkWidget *export = find_action (page, "unlabeled.export");

  return !dl_unlabeled_page_get_classifying (DL_UNLABELED_PAGE (page)) && gtk_widget_is_sensitive (export);
}

static GtkStack *
pages (void)
{
  GtkWidget *page = GTK_WIDGET (dl_window_get_unlabeled_page (window));

  return GTK_STACK (gtk_widget_get_parent (page));
}

/* The page's answers are a forward pass of net on the same images, least confident first. */
static void
check_answers_of (const DlNet *net, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) ds = dl_dataset_load_unlabeled (path, &error);
  g_autofree float *probs = NULL;
  GListModel *answers = dl_unlabeled_page_get_answers (dl_window_get_unlabeled_page (window));
  int least = 0;
  double prev = -1;

  ck_assert_msg (ds != NULL, "%s", error ? error->message : "");
  probs = dl_predict_dataset (net, ds, NULL, NULL);
  for (int i = 0; i < ds->n; i++)
    {
      int p = dl_predict_label (probs + i * DL_N_CLASSES, NULL), q = dl_predict_label (probs + least * DL_N_CLASSES, NULL);

      if (probs[i * DL_N_CLASSES + p] < probs[least * DL_N_CLASSES + q])
        least = i;
    }
  g_autoptr (DlUnlabeledItem) first = g_list_model_get_item (answers, 0);
  ck_assert_int_eq (dl_unlabeled_item_get_index (first), least);
  for (guint k = 0; k < g_list_model_get_n_items (answers); k++)
    {
      g_autoptr (DlUnlabeledItem) item = g_list_model_get_item (answers, k);
      int i = dl_unlabeled_item_get_index (item);
      float margin;
      int p = dl_predict_label (probs + i * DL_N_CLASSES, &margin);

      ck_assert_int_eq (dl_unlabeled_item_get_predicted (item), p);
      ck_assert_float_eq_tol (dl_unlabeled_item_get_confidence (item), probs[i * DL_N_CLASSES + p], 1e-6);
      ck_assert_float_eq_tol (dl_unlabeled_item_get_margin (item), margin, 1e-6);
      ck_assert (dl_unlabeled_item_get_confidence (item) >= prev);
      prev = dl_unlabeled_item_get_confidence (item);
    }
}

static void
check_answers (const char *model, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlNet) net = dl_model_load (model, &error);

  ck_assert_msg (net != NULL, "%s", error ? error->message : "");
  check_answers_of (net, path);
}

/* The first (least confident) image selected: its answer and all ten probabilities by class name. */
static void
check_detail_names (void)
{
  GListModel *answers = dl_unlabeled_page_get_answers (dl_window_get_unlabeled_page (window));
  GtkSingleSelection *sel = GTK_SINGLE_SELECTION (gtk_grid_view_get_model (page_child ("grid_view")));
  g_autoptr (DlUnlabeledItem) first = g_list_model_get_item (answers, 0);
  const char *answer = dl_classes_name (dl_classes_fashion (), dl_unlabeled_item_get_predicted (first));
  DlProbabilityList *probs = page_child ("probabilities");

  gtk_single_selection_set_selected (sel, 0);
  ck_assert_str_eq (gtk_stack_get_visible_child_name (page_child ("detail_stack")), "detail");
  ck_assert_msg (strstr (gtk_label_get_text (page_child ("detail_summary")), answer) != NULL, "“%s” does not say %s",
                 gtk_label_get_text (page_child ("detail_summary")), answer);
  ck_assert_int_eq (dl_probability_list_get_predicted (probs), dl_unlabeled_item_get_predicted (first));
  ck_assert_int_eq (dl_probability_list_get_truth (probs), -1);
  for (int c = 0; c < DL_N_CLASSES; c++)
    ck_assert_str_eq (dl_classes_name (dl_probability_list_get_classes (probs), c),
                      dl_classes_name (dl_classes_fashion (), c));
}

/* The export is digitlab-cli predict's output for the same model and images. */
static void
check_export (const char *model, const char *path)
{
  g_autofree char *mine = g_build_filename (home, "app.csv", NULL), *theirs = g_build_filename (home, "cli.csv", NULL);
  g_autofree char *a = NULL, *b = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  char *argv[] = { (char *) cli, "predict", "--model", (char *) model, "--input", (char *) path, "--output", theirs,
                   NULL };
  int status;

  ck_assert_msg (dl_unlabeled_page_save_csv (dl_window_get_unlabeled_page (window), mine, &error), "%s",
                 error ? error->message : "");
  ck_assert (g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, &error));
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "%s", err);
  ck_assert (g_file_get_contents (mine, &a, NULL, NULL) && g_file_get_contents (theirs, &b, NULL, NULL));
  ck_assert (g_str_has_prefix (a, "ImageId,Label\n1,"));
  ck_assert_str_eq (a, b);
}

/* ---- class names on the other pages ---- */

static const char *
fashion (int c)
{
  return dl_classes_name (dl_classes_fashion (), c);
}

static gpointer
tchild (gpointer widget, GType type, const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);
}

static gpointer
find (GType type)
{
  return find_type (GTK_WIDGET (window), type);
}

static gboolean
canvas_shown (gpointer canvas)
{
  return gtk_widget_get_mapped (canvas) && gtk_widget_get_width (canvas) > 100;
}

static gboolean
draw_reads (gpointer page)
{
  return dl_draw_page_get_prediction (page) >= 0;
}

static gboolean
activations_shown (gpointer view)
{
  return dl_activation_view_get_description (view) != NULL;
}

static const char *
string_item (GtkDropDown *dropdown, guint i)
{
  return gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dropdown)), i);
}

static void
check_draw_names (void)
{
  DlDrawPage *draw = find (DL_TYPE_DRAW_PAGE);
  DlCanvas *canvas = DL_CANVAS (find_type (GTK_WIDGET (draw), DL_TYPE_CANVAS));
  GtkWidget *toggles = tchild (GTK_WIDGET (draw), DL_TYPE_DRAW_PAGE, "label_row");
  GtkWidget *t = gtk_widget_get_first_child (toggles);
  double side;

  gtk_stack_set_visible_child_name (pages (), "draw");
  wait_for (canvas_shown, canvas, "the canvas");
  side = gtk_widget_get_width (GTK_WIDGET (canvas));
  dl_canvas_begin_stroke (canvas, 0.5 * side, 0.2 * side, 1);
  dl_canvas_extend_stroke (canvas, 0.5 * side, 0.5 * side, 1);
  dl_canvas_extend_stroke (canvas, 0.5 * side, 0.8 * side, 1);
  dl_canvas_end_stroke (canvas);
  wait_for (draw_reads, draw, "Draw's answer");
  ck_assert_str_eq (gtk_label_get_text (tchild (GTK_WIDGET (draw), DL_TYPE_DRAW_PAGE,
                                                                        "prediction_label")),
                    fashion (dl_draw_page_get_prediction (draw)));
  for (int c = 0; c < DL_N_CLASSES; c++, t = gtk_widget_get_next_sibling (t))
    {
      g_autofree char *tip = g_strdup_printf ("The image is %s (key %d)", fashion (c), c);

      ck_assert_str_eq (gtk_widget_get_tooltip_text (t), tip);
      ck_assert (g_str_has_prefix (fashion (c), gtk_button_get_label (GTK_BUTTON (t))));
      ck_assert_str_eq (string_item (tchild (GTK_WIDGET (draw), DL_TYPE_DRAW_PAGE,
                                                                    "target_dropdown"), c + 1), fashion (c));
      ck_assert_str_eq (string_item (tchild (GTK_WIDGET (draw), DL_TYPE_DRAW_PAGE,
                                                                    "contrast_dropdown"), c + 1), fashion (c));
    }
}

static void
check_network_names (void)
{
  DlActivationView *view = dl_network_page_get_activation_view (find (DL_TYPE_NETWORK_PAGE));

  gtk_stack_set_visible_child_name (pages (), "network");
  dl_network_page_show_view (find (DL_TYPE_NETWORK_PAGE), "activations");
  wait_for (activations_shown, view, "the activations");
  for (int c = 0; c < DL_N_CLASSES; c++)
    ck_assert_msg (strstr (dl_activation_view_get_description (view), fashion (c)) != NULL, "“%s” lacks %s",
                   dl_activation_view_get_description (view), fashion (c));
}

static gboolean
mistakes_shown (gpointer page)
{
  GtkGridView *grid = tchild (page, DL_TYPE_MISTAKES_PAGE, "grid_view");

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_grid_view_get_model (grid))) > 0;
}

static void
check_mistakes_names (void)
{
  GtkWidget *page = find (DL_TYPE_MISTAKES_PAGE);
  GtkGridView *grid = tchild (page, DL_TYPE_MISTAKES_PAGE, "grid_view");
  DlProbabilityList *probs = tchild (page, DL_TYPE_MISTAKES_PAGE, "probabilities");
  GtkWidget *legend = gtk_widget_get_first_child (gtk_widget_get_first_child (
                        GTK_WIDGET (dl_mistakes_page_get_class_progress (DL_MISTAKES_PAGE (page)))));
  const char *summary;

  gtk_stack_set_visible_child_name (pages (), "mistakes");
  g_action_group_activate_action (dl_session_get_actions (dl_window_get_session (window)), "evaluate", NULL);
  wait_for (mistakes_shown, page, "the mistakes");
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (gtk_grid_view_get_model (grid)), 0);
  summary = gtk_label_get_text (tchild (page, DL_TYPE_MISTAKES_PAGE, "detail_summary"));
  ck_assert_msg (g_str_has_prefix (summary, "Labelled "), "%s", summary);
  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      g_autofree char *t = g_strdup_printf ("True: %s", fashion (c)), *a = g_strdup_printf ("Answer: %s", fashion (c));

      ck_assert_str_eq (string_item (tchild (page, DL_TYPE_MISTAKES_PAGE, "true_dropdown"),
                                     c + 1), t);
      ck_assert_str_eq (string_item (tchild (page, DL_TYPE_MISTAKES_PAGE, "pred_dropdown"),
                                     c + 1), a);
      ck_assert_str_eq (dl_classes_name (dl_probability_list_get_classes (probs), c), fashion (c));
    }
  /* The summary names the image's label and answer. */
  int named = 0;
  for (int c = 0; c < DL_N_CLASSES; c++)
    named += strstr (summary, fashion (c)) != NULL;
  ck_assert_msg (named >= 1, "%s", summary);
  /* The per-class legend: a toggle per class, named. */
  int c = 0;
  for (GtkWidget *b = gtk_widget_get_first_child (legend); b != NULL && c < DL_N_CLASSES;
       b = gtk_widget_get_next_sibling (b), c++)
    ck_assert_str_eq (gtk_button_get_label (GTK_BUTTON (b)), fashion (c));
  ck_assert_int_eq (c, DL_N_CLASSES);
}

static void
check_data_names (void)
{
  GtkWidget *grid = tchild (find (DL_TYPE_DATA_PAGE), DL_TYPE_DATA_PAGE, "samples_grid");
  GtkWidget *label = find_type (grid, GTK_TYPE_LABEL);
  GtkWidget *cell = gtk_widget_get_parent (label);
  const char *tip = gtk_widget_get_tooltip_text (cell);
  gboolean named = FALSE;

  for (int c = 0; c < DL_N_CLASSES; c++)
    named |= g_str_has_prefix (fashion (c), gtk_label_get_text (GTK_LABEL (label)))
             && g_str_has_suffix (tip, fashion (c));
  ck_assert_msg (named, "sample “%s”, “%s”", gtk_label_get_text (GTK_LABEL (label)), tip);
}

START_TEST (test_unlabeled)
{
  DlSession *session;
  g_autoptr (GError) expected = NULL;
  GListModel *answers;
  DlDataset *train, *idx_set;
  DlRun *run;
  Shown csv = { NULL, N_CSV }, idx = { NULL, N_IDX };

  window = dl_window_new (NULL, data_dir);
  session = dl_window_get_session (window);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (has_data, NULL, "the data");
  ck_assert_str_eq (dl_classes_name (dl_session_get_classes (session), 1), "Trouser");
  dl_window_load_model (window, model_a);
  wait_for (model_loaded, model_a, "the model");
  ck_assert (!gtk_stack_page_get_visible (gtk_stack_get_page (pages (), GTK_WIDGET (dl_window_get_unlabeled_page (window)))));

  /* Kaggle's test.csv. */
  dl_window_open_unlabeled (window, csv_path);
  wait_for (answers_shown, &csv, "the CSV's answers");
  ck_assert (gtk_stack_page_get_visible (gtk_stack_get_page (pages (), GTK_WIDGET (dl_window_get_unlabeled_page (window)))));
  ck_assert_str_eq (gtk_stack_get_visible_child_name (pages ()), "unlabeled");
  check_answers (model_a, csv_path);
  check_detail_names ();
  check_export (model_a, csv_path);

  /* An IDX images file. */
  idx.before = dl_unlabeled_page_get_images (dl_window_get_unlabeled_page (window));
  dl_window_open_unlabeled (window, idx_path);
  wait_for (answers_shown, &idx, "the IDX file's answers");
  check_answers (model_a, idx_path);
  check_export (model_a, idx_path);

  /* A bad file: nothing changes, and the loader says why. */
  idx_set = dl_unlabeled_page_get_images (dl_window_get_unlabeled_page (window));
  answers = dl_unlabeled_page_get_answers (dl_window_get_unlabeled_page (window));
  g_autoptr (DlUnlabeledItem) first = g_list_model_get_item (answers, 0);
  train = dl_session_get_train_set (session);
  run = dl_session_get_live_run (session);
  g_assert_null (dl_dataset_load_unlabeled (bad_path, &expected));
  dl_window_open_unlabeled (window, bad_path);
  wait_for (error_shown, NULL, "the error");
  g_autofree char *said = NULL;
  g_object_get (dl_window_get_open_error (window), "secondary-text", &said, NULL);
  ck_assert_str_eq (said, expected->message);
  ck_assert (dl_unlabeled_page_get_images (dl_window_get_unlabeled_page (window)) == idx_set);
  g_autoptr (DlUnlabeledItem) still = g_list_model_get_item (answers, 0);
  ck_assert (still == first);
  ck_assert (dl_session_get_train_set (session) == train);
  ck_assert (dl_session_get_live_run (session) == run);
  gtk_dialog_response (GTK_DIALOG (dl_window_get_open_error (window)), GTK_RESPONSE_CLOSE);
  ck_assert (dl_window_get_open_error (window) == NULL);

  /* Another model: the set is classified again with it. */
  dl_window_load_model (window, model_b);
  wait_for (model_loaded, model_b, "the second model");
  wait_for (reclassified, still, "the second model's answers");
  check_answers (model_b, idx_path);
  check_export (model_b, idx_path);

  /* Training: classified again as it goes (at most a fifth of a core), and with the network it ended with. */
  test_session_activate (session, "start", NULL);
  wait_for (run_finished, NULL, "the training's end");
  wait_for (answers_current, NULL, "the trained network's answers");
  g_autoptr (DlSnapshot) trained = dl_session_dup_snapshot (session);
  check_answers_of (trained->net, idx_path);

  check_draw_names ();
  check_network_names ();
  check_mistakes_names ();
  check_data_names ();

  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: test-unlabeled DIGITLAB-CLI\n");
      return 2;
    }
  cli = argv[1];
  gtk_init ();
  make_files ();

  Suite *s = suite_create ("unlabeled");
  TCase *tc = tcase_create ("app");
  tcase_set_timeout (tc, 150);
  tcase_add_test (tc, test_unlabeled);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
