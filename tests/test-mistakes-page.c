/* test-mistakes-page.c — the Mistakes page in a real window: after a short real training run of the
 * mlp preset on MNIST, the grid holds exactly the examples the evaluation got wrong; a confusion cell
 * activated the way a click does leaves only that pair; a second evaluation updates the model in place
 * (checked against a mirror kept from items-changed alone); a collapsed model raises the banner; with an
 * explainer the selected image gets its heatmap and nearest training images.
 * Needs a display (xvfb-run) and real MNIST in $DIGITLAB_DATA (skipped with 77 without it). */
#include <check.h>
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "dl-test-mnist.h"
#include "dl-arch.h"
#include "dl-confusion-view.h"
#include "dl-data.h"
#include "dl-eval.h"
#include "dl-mistake-item.h"
#include "dl-attrib-view.h"
#include "dl-mistakes-page.h"
#include "dl-model.h"
#include "dl-neighbours-view.h"
#include "dl-net.h"

#define N_TRAIN 4000

static DlDataset *train_set, *test_set;

static DlNet *
train_mlp (int n_passes, DlNet *net)
{
  const DlPreset *preset = dl_preset_find ("mlp");
  DlArch arch;
  g_autoptr (GError) error = NULL;

  ck_assert (preset != NULL);
  ck_assert_msg (dl_arch_parse (preset->arch, &arch, &error), "%s", error ? error->message : "");
  if (net == NULL)
    net = dl_net_new (&arch, 7);

  int b = preset->batch, idx[DL_MAX_BATCH];
  g_autofree float *x = g_new (float, (gsize) b * 784);
  guint8 y[DL_MAX_BATCH];
  for (int pass = 0; pass < n_passes; pass++)
    for (int start = 0; start + b <= N_TRAIN; start += b)
      {
        for (int k = 0; k < b; k++)
          {
            idx[k] = start + k;
            y[k] = train_set->labels[start + k];
          }
        dl_dataset_gather (train_set, idx, b, x);
        dl_net_train_step (net, x, y, b, &preset->hyper, NULL);
      }
  return net;
}

static void
iterate (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static gboolean
iterate_until_true (const gboolean *flag, int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  while (!*flag && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return *flag;
}

static GListModel *
grid_model (GtkWidget *page)
{
  GtkGridView *grid = GTK_GRID_VIEW (gtk_widget_get_template_child (page, DL_TYPE_MISTAKES_PAGE, "grid_view"));
  GtkSelectionModel *sel = gtk_grid_view_get_model (grid);
  return gtk_single_selection_get_model (GTK_SINGLE_SELECTION (sel));
}

static gpointer
child (GtkWidget *page, const char *name)
{
  return gtk_widget_get_template_child (page, DL_TYPE_MISTAKES_PAGE, name);
}

/* The model's test indices, in the model's order. */
static GArray *
model_indices (GListModel *model)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint k = 0; k < g_list_model_get_n_items (model); k++)
    {
      g_autoptr (DlMistakeItem) item = g_list_model_get_item (model, k);
      int i = dl_mistake_item_get_index (item);
      g_array_append_val (a, i);
    }
  return a;
}

static int
cmp_int (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/* The grid shows exactly the examples ev got wrong, most confident first. */
static void
assert_mistakes_match (GListModel *model, const DlEval *ev)
{
  g_autoptr (GArray) got = model_indices (model);

  ck_assert_int_eq (got->len, ev->n - ev->correct);
  for (guint k = 1; k < got->len; k++)
    ck_assert (ev->confidence[g_array_index (got, int, k - 1)] >= ev->confidence[g_array_index (got, int, k)]);
  g_array_sort (got, cmp_int);
  guint k = 0;
  for (int i = 0; i < ev->n; i++)
    if (ev->predicted[i] != test_set->labels[i])
      {
        ck_assert_int_lt (k, got->len);
        ck_assert_int_eq (g_array_index (got, int, k), i);
        k++;
      }
  ck_assert_int_eq (k, got->len);
}

/* Clicks a cell through the same entry point the click gesture uses. */
static void
click_cell (GtkWidget *page, int t, int p)
{
  DlConfusionView *view = child (page, "confusion");
  DlConfusionLayout l;
  graphene_rect_t r;

  dl_confusion_layout_compute (&l, gtk_widget_get_width (GTK_WIDGET (view)),
                               gtk_widget_get_height (GTK_WIDGET (view)));
  dl_confusion_layout_cell_rect (&l, t, p, &r);
  ck_assert (dl_confusion_view_click (view, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2));
  iterate (20);
}

/* A mirror of the model maintained from items-changed only: proves the minimal updates are right. */
static void
mirror_items_changed_cb (GListModel *model, guint position, guint removed, guint added, GPtrArray *mirror)
{
  g_ptr_array_remove_range (mirror, position, removed);
  for (guint k = 0; k < added; k++)
    g_ptr_array_insert (mirror, position + k, g_list_model_get_item (model, position + k));
}

START_TEST (test_page_after_training)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *win = gtk_window_new ();
  GtkWidget *page = dl_mistakes_page_new ();
  g_autoptr (DlNet) net = train_mlp (1, NULL);
  g_autoptr (DlEval) ev = dl_eval_run (net, test_set);

  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 820);
  gtk_window_set_child (GTK_WINDOW (win), page);
  gtk_window_present (GTK_WINDOW (win));
  iterate (200);

  /* A short run is good but far from perfect: there is something to browse. */
  ck_assert_int_eq (ev->n, test_set->n);
  ck_assert_msg (ev->accuracy > 0.75 && ev->accuracy < 0.99, "accuracy %.3f", ev->accuracy);

  dl_mistakes_page_set_test_set (DL_MISTAKES_PAGE (page), test_set);
  ck_assert_str_eq (gtk_stack_get_visible_child_name (child (page, "page_stack")), "empty");
  dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), ev, NULL, TRUE);
  iterate (100);
  ck_assert_str_eq (gtk_stack_get_visible_child_name (child (page, "page_stack")), "browser");

  GListModel *model = grid_model (page);
  assert_mistakes_match (model, ev);
  g_autofree char *count = g_strdup_printf ("%u", g_list_model_get_n_items (model));
  ck_assert_msg (strstr (gtk_label_get_text (child (page, "count_label")), count) != NULL,
                 "count label '%s'", gtk_label_get_text (child (page, "count_label")));

  /* The largest confusion off the diagonal. */
  int bt = 0, bp = 1;
  for (int t = 0; t < 10; t++)
    for (int p = 0; p < 10; p++)
      if (t != p && ev->confusion[t][p] > ev->confusion[bt][bp])
        bt = t, bp = p;
  ck_assert_int_gt (ev->confusion[bt][bp], 0);

  click_cell (page, bt, bp);
  ck_assert_int_eq (g_list_model_get_n_items (model), ev->confusion[bt][bp]);
  g_autoptr (GArray) pair = model_indices (model);
  for (guint k = 0; k < pair->len; k++)
    {
      int i = g_array_index (pair, int, k);
      ck_assert_int_eq (test_set->labels[i], bt);
      ck_assert_int_eq (ev->predicted[i], bp);
    }
  ck_assert_int_eq (gtk_drop_down_get_selected (child (page, "true_dropdown")), bt + 1);
  ck_assert_int_eq (gtk_drop_down_get_selected (child (page, "pred_dropdown")), bp + 1);

  /* Clicking the same cell again goes back to every mistake. */
  click_cell (page, bt, bp);
  assert_mistakes_match (model, ev);

  /* A diagonal cell: the right ones of that class. */
  click_cell (page, 3, 3);
  ck_assert_int_eq (g_list_model_get_n_items (model), ev->confusion[3][3]);
  g_autoptr (GArray) right = model_indices (model);
  for (guint k = 0; k < right->len; k++)
    {
      int i = g_array_index (right, int, k);
      ck_assert_int_eq (test_set->labels[i], 3);
      ck_assert_int_eq (ev->predicted[i], 3);
    }
  gtk_widget_activate_action (page, "mistakes.show-cell", "(ii)", -1, -1);
  iterate (20);
  assert_mistakes_match (model, ev);

  /* Selecting a tile fills the detail pane. */
  GtkSingleSelection *sel = GTK_SINGLE_SELECTION (gtk_grid_view_get_model (child (page, "grid_view")));
  g_autoptr (DlMistakeItem) first = g_list_model_get_item (model, 0);
  gtk_single_selection_set_selected (sel, 0);
  iterate (20);
  ck_assert_str_eq (gtk_stack_get_visible_child_name (child (page, "detail_stack")), "detail");
  g_autofree char *title = g_strdup_printf ("%d", dl_mistake_item_get_index (first));
  ck_assert (strstr (gtk_label_get_text (child (page, "detail_title")), title) != NULL);

  /* Training goes on; the next evaluation updates the same model in place, and the selected image
   * stays selected wherever it moved (or is dropped if it is now right). */
  GPtrArray *mirror = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint k = 0; k < g_list_model_get_n_items (model); k++)
    g_ptr_array_add (mirror, g_list_model_get_item (model, k));
  g_signal_connect (model, "items-changed", G_CALLBACK (mirror_items_changed_cb), mirror);

  train_mlp (1, net);
  g_autoptr (DlEval) ev2 = dl_eval_run (net, test_set);
  dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), ev2, NULL, TRUE);
  iterate (50);
  ck_assert_ptr_eq (grid_model (page), model);
  assert_mistakes_match (model, ev2);
  ck_assert_int_eq (mirror->len, g_list_model_get_n_items (model));
  for (guint k = 0; k < mirror->len; k++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (model, k);
      ck_assert_ptr_eq (g_ptr_array_index (mirror, k), item);
    }
  if (ev2->predicted[dl_mistake_item_get_index (first)] != test_set->labels[dl_mistake_item_get_index (first)])
    ck_assert_ptr_eq (gtk_single_selection_get_selected_item (sel), first);
  g_signal_handlers_disconnect_by_func (model, mirror_items_changed_cb, mirror);
  g_ptr_array_unref (mirror);

  gtk_window_destroy (GTK_WINDOW (win));
}
END_TEST

START_TEST (test_collapse_banner)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *win = gtk_window_new ();
  GtkWidget *page = dl_mistakes_page_new ();
  int n = test_set->n;

  gtk_window_set_child (GTK_WINDOW (win), page);
  gtk_window_present (GTK_WINDOW (win));
  dl_mistakes_page_set_test_set (DL_MISTAKES_PAGE (page), test_set);

  /* The bug report's net: "0" for every image. */
  DlEval *ev = g_new0 (DlEval, 1);
  ev->n = n;
  ev->predicted = g_new0 (guint8, n);
  ev->confidence = g_new (float, n);
  ev->probs = g_new0 (float, (gsize) n * 10);
  for (int i = 0; i < n; i++)
    {
      ev->confidence[i] = 0.1f + 1e-4f * (i % 7);
      for (int c = 0; c < 10; c++)
        ev->probs[i * 10 + c] = c == 0 ? ev->confidence[i] : (1 - ev->confidence[i]) / 9;
      ev->confusion[test_set->labels[i]][0]++;
      ev->correct += test_set->labels[i] == 0;
    }
  ev->accuracy = (double) ev->correct / n;
  ev->predicted_hist[0] = n;

  DlDiagnosis diag = { .collapsed = TRUE, .collapse_class = 0, .collapse_share = 1.0 };
  diag.messages = g_ptr_array_new ();
  g_ptr_array_add (diag.messages, (gpointer) "97 % of hidden units are saturated");

  dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), ev, &diag, TRUE);
  iterate (50);
  ck_assert (gtk_info_bar_get_revealed (child (page, "collapse_bar")));
  const char *text = gtk_label_get_text (child (page, "collapse_label"));
  g_autofree char *share = g_strdup_printf ("%.2f %%", 100.0 * test_set->histogram[0] / n);
  ck_assert_msg (strstr (text, share) != NULL, "'%s' lacks the share of 0s %s", text, share);
  ck_assert (strstr (text, "saturated") != NULL);
  ck_assert_int_eq (g_list_model_get_n_items (grid_model (page)), n - test_set->histogram[0]);

  /* A healthy evaluation takes the banner down again. */
  diag.collapsed = FALSE;
  dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), ev, &diag, FALSE);
  ck_assert (!gtk_info_bar_get_revealed (child (page, "collapse_bar")));

  g_ptr_array_unref (diag.messages);
  dl_eval_free (ev);
  gtk_window_destroy (GTK_WINDOW (win));
}
END_TEST

/* Every 50th image confidently wrong in three epochs in a row: exactly those are suspected, and the
 * toggle shows only them. */
START_TEST (test_suspected_toggle)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *win = gtk_window_new ();
  GtkWidget *page = dl_mistakes_page_new ();
  int n = test_set->n, n_wrong = 0;

  gtk_window_set_child (GTK_WINDOW (win), page);
  gtk_window_present (GTK_WINDOW (win));
  dl_mistakes_page_set_test_set (DL_MISTAKES_PAGE (page), test_set);

  DlEval *ev = g_new0 (DlEval, 1);
  ev->n = n;
  ev->predicted = g_new0 (guint8, n);
  ev->confidence = g_new (float, n);
  ev->probs = g_new0 (float, (gsize) n * 10);
  for (int i = 0; i < n; i++)
    {
      int t = test_set->labels[i];
      gboolean wrong = i % 50 == 0;
      int p = wrong ? (t + 1) % 10 : t;
      /* The wrong ones at 0.99 (suspected); every 7th image wrong at 0.6 as ordinary mistakes. */
      if (!wrong && i % 7 == 0)
        p = (t + 2) % 10;
      float c = wrong ? 0.99f : 0.6f;
      for (int k = 0; k < 10; k++)
        ev->probs[i * 10 + k] = k == p ? c : (1 - c) / 9;
      ev->predicted[i] = p;
      ev->confidence[i] = c;
      ev->correct += p == t;
      ev->confusion[t][p]++;
      n_wrong += wrong;
    }
  ev->accuracy = (double) ev->correct / n;

  for (int e = 0; e < 3; e++)
    dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), ev, NULL, TRUE);
  iterate (30);
  GListModel *model = grid_model (page);
  ck_assert_int_eq (g_list_model_get_n_items (model), n - ev->correct);

  gtk_toggle_button_set_active (child (page, "suspect_toggle"), TRUE);
  iterate (30);
  ck_assert_int_eq (g_list_model_get_n_items (model), n_wrong);
  for (guint k = 0; k < g_list_model_get_n_items (model); k++)
    {
      g_autoptr (DlMistakeItem) item = g_list_model_get_item (model, k);
      ck_assert (dl_mistake_item_get_suspected (item));
      ck_assert_int_eq (dl_mistake_item_get_index (item) % 50, 0);
    }

  /* Sorted by the label-error score, the suspected ones lead the list of all mistakes. */
  gtk_toggle_button_set_active (child (page, "suspect_toggle"), FALSE);
  gtk_drop_down_set_selected (child (page, "sort_dropdown"), 3);
  iterate (30);
  ck_assert_int_eq (g_list_model_get_n_items (model), n - ev->correct);
  for (int k = 0; k < n_wrong; k++)
    {
      g_autoptr (DlMistakeItem) item = g_list_model_get_item (model, k);
      ck_assert (dl_mistake_item_get_suspected (item));
    }
  g_autoptr (DlMistakeItem) after = g_list_model_get_item (model, n_wrong);
  ck_assert (!dl_mistake_item_get_suspected (after));

  dl_eval_free (ev);
  gtk_window_destroy (GTK_WINDOW (win));
}
END_TEST

static void
on_loaded (DlWorker *worker, DlEvent *ev, gpointer data)
{
  if (ev->type == DL_EVENT_MODEL_LOADED)
    *(gboolean *) data = TRUE;
  ck_assert_msg (ev->type != DL_EVENT_ERROR, "worker: %s", ev->error ? ev->error->message : "?");
}

static gboolean
neighbours_shown (gpointer data)
{
  return dl_neighbours_view_get_n (data) == DL_NEIGHBOURS_K;
}

/* With an explainer, the selected mistake gets its heatmap (its answer against its label) and its 8
 * nearest training images, and a label error note exactly when those back one. */
START_TEST (test_explains_selection)
{
  g_autoptr (DlNet) net = train_mlp (1, NULL);
  g_autoptr (DlEval) ev = dl_eval_run (net, test_set);
  g_autofree char *dir = g_dir_make_tmp ("test-mistakes-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "mlp.dlm", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert_msg (dl_model_save (net, path, &error), "%s", error ? error->message : "");
  /* The model opened in a session without a data set or run history: the page explains with its snapshot
   * and is fed the evaluation by hand. */
  g_autoptr (DlSession) session = dl_session_new (NULL, "");
  DlWorker *worker = dl_session_get_worker (session);
  gboolean loaded = FALSE;
  gulong id = g_signal_connect (worker, "event", G_CALLBACK (on_loaded), &loaded);
  g_action_group_activate_action (dl_session_get_actions (session), "load-model", g_variant_new_string (path));
  ck_assert (iterate_until_true (&loaded, 10000));
  g_signal_handler_disconnect (worker, id);
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (session);
  ck_assert (snap != NULL && snap->trained);
  g_autoptr (DlDataset) train_part = dl_dataset_subset (train_set, N_TRAIN);
  g_autoptr (DlExplainer) explainer = dl_explainer_new ();
  dl_explainer_set_data (explainer, train_part, test_set);

  GtkWidget *win = gtk_window_new ();
  GtkWidget *page = dl_mistakes_page_new ();
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 820);
  gtk_window_set_child (GTK_WINDOW (win), page);
  gtk_window_present (GTK_WINDOW (win));
  dl_mistakes_page_set_session (DL_MISTAKES_PAGE (page), session);
  dl_mistakes_page_set_explainer (DL_MISTAKES_PAGE (page), explainer);
  dl_mistakes_page_set_test_set (DL_MISTAKES_PAGE (page), test_set);
  dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), ev, NULL, TRUE);
  iterate (100);

  GtkSingleSelection *sel = GTK_SINGLE_SELECTION (gtk_grid_view_get_model (child (page, "grid_view")));
  g_autoptr (DlMistakeItem) first = g_list_model_get_item (grid_model (page), 0);
  gtk_single_selection_set_selected (sel, 0);
  DlNeighboursView *nv = child (page, "neighbours_view");
  gint64 deadline = g_get_monotonic_time () + 90 * G_USEC_PER_SEC;
  while (!neighbours_shown (nv) && g_get_monotonic_time () < deadline)
    iterate (20);
  ck_assert_msg (dl_neighbours_view_get_n (nv) == DL_NEIGHBOURS_K, "no neighbours shown: “%s” “%s”",
                 gtk_label_get_text (child (page, "attrib_note")), gtk_label_get_text (child (page, "neighbours_note")));

  int i = dl_mistake_item_get_index (first), t = test_set->labels[i], p = ev->predicted[i];
  g_autofree char *heading = g_strdup_printf ("Why %d and not %d", p, t);
  ck_assert_str_eq (gtk_label_get_text (child (page, "why_heading")), heading);
  ck_assert (dl_attrib_view_get_scale (child (page, "attrib_view")) > 0);
  printf ("test image %d (%d read as %d): %s %s\n", i, t, p, gtk_label_get_text (child (page, "neighbours_note")),
          gtk_label_get_text (child (page, "evidence_note")));

  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_rmdir (dir);
}
END_TEST

int
main (void)
{
  g_autofree char *dir = dl_data_default_dir ();
  g_autoptr (GError) error = NULL;

  gtk_init ();
  train_set = dl_dataset_load_dir (dir, TRUE, &error);
  if (train_set == NULL)
    {
      fprintf (stderr, "real MNIST not usable in %s (%s): skipped\n", dir, error->message);
      return 77;
    }
  test_set = dl_dataset_load_dir (dir, FALSE, &error);
  if (test_set == NULL)
    {
      fprintf (stderr, "real MNIST test set not usable in %s (%s): skipped\n", dir, error->message);
      return 77;
    }

  Suite *s = suite_create ("mistakes-page");
  TCase *tc = tcase_create ("page");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_page_after_training);
  tcase_add_test (tc, test_collapse_banner);
  tcase_add_test (tc, test_suspected_toggle);
  tcase_add_test (tc, test_explains_selection);
  suite_add_tcase (s, tc);

  SRunner *sr = srunner_create (s);
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  dl_dataset_unref (train_set);
  dl_dataset_unref (test_set);
  return failed == 0 ? 0 : 1;
}
