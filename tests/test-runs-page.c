/* test-runs-page.c — the Runs page on a real run store under a virtual display (xvfb-run, GDK_BACKEND=x11):
 * runs recorded by digitlab-cli train (generated data sets, a few seconds each) are listed with their
 * figures; sorting by best accuracy (none below any); the filter (words, state); a name edited in its cell
 * saved in the store's file; delete with undo, then purged; two runs that differ only in their learning
 * rate give a comparison table of exactly one row; the CSV export of two runs through the save dialog; a
 * run recorded by another process appearing while the page shows the store; branches under their parent;
 * no store, an empty store; a row's activation asking the session to open the run.
 *
 *   test-runs-page CLI-PATH
 *   test-runs-page CLI-PATH [--deleting] --screenshot FILE.png [--size WxH] [--mnist DIR]   (a picture, not a
 *   test: five runs, two of them compared; --deleting: a third just deleted, its notice up)
 */
#include <check.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "dl-test-gtk.h"
#include "dl-test-runs.h"
#include "dl-runs-page.h"
#include "dl-run-cell.h"
#include "dl-run-edit-cell.h"
#include "dl-run-compare-check.h"
#include "dl-run-selection.h"
#include "dl-run-format.h"

#define ARCH "fc16-relu,fc10,softmax"

static const char *cli_path;
static char *home;
static char *train_csv, *test_csv;
static char *base_dir;   /* a store of recorded runs, copied for each test */

/* ---- recording runs with digitlab-cli ---- */

static GPtrArray *
train_args (const char *store, const char *name, const char *lr, const char *seed, const char *epochs)
{
  GPtrArray *args = g_ptr_array_new ();
  const char *fixed[] = { cli_path, "train", "--train", train_csv, "--test", test_csv, "--arch", ARCH,
                          "--optimizer", "momentum", "--batch", "16", "--threads", "1", "--schedule", "none" };

  for (gsize i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (args, (char *) fixed[i]);
  g_ptr_array_add (args, "--lr");
  g_ptr_array_add (args, (char *) lr);
  g_ptr_array_add (args, "--seed");
  g_ptr_array_add (args, (char *) seed);
  g_ptr_array_add (args, "--epochs");
  g_ptr_array_add (args, (char *) epochs);
  g_ptr_array_add (args, "--store");
  g_ptr_array_add (args, (char *) store);
  g_ptr_array_add (args, "--run-name");
  g_ptr_array_add (args, (char *) name);
  g_ptr_array_add (args, NULL);
  return args;
}

static void
train (const char *store, const char *name, const char *lr, const char *seed)
{
  g_autoptr (GPtrArray) args = train_args (store, name, lr, seed, "2");
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status;

  /* Before the tests run: g_error rather than check's asserts. */
  if (!g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
    g_error ("%s", error->message);
  if (!g_spawn_check_wait_status (status, NULL) || strstr (out, "recorded as run") == NULL)
    g_error ("train %s: status %d\n%s%s", name, status, out, err);
}

static void
write_sets (void)
{
  g_autoptr (DlDataset) train_set = test_runs_blocks (400, 1);
  g_autoptr (DlDataset) test_set = test_runs_blocks (200, 2);
  g_autoptr (GError) error = NULL;

  train_csv = g_build_filename (home, "train.csv", NULL);
  test_csv = g_build_filename (home, "test.csv", NULL);
  g_assert (dl_dataset_save_csv (train_set, train_csv, &error));
  g_assert (dl_dataset_save_csv (test_set, test_csv, &error));
}

/* Three recorded runs: "fast" and "slow" differ only in their learning rate, "fast, seed 2" only in its seed. */
static void
record_base_store (void)
{
  g_autofree char *path = NULL;

  base_dir = g_build_filename (home, "base", NULL);
  g_mkdir_with_parents (base_dir, 0700);
  path = g_build_filename (base_dir, "runs.sqlite", NULL);
  train (path, "fast", "0.05", "1");
  train (path, "slow", "0.0005", "1");
  train (path, "fast, seed 2", "0.05", "2");
}

/* ---- a page on a copy of the base store ---- */

typedef struct {
  char       *dir, *path;
  DlRunStore *store;
  GtkWindow  *window;
  DlRunsPage *page;
  char       *opened;   /* the uuid session.open-run was asked for */
  char       *branched; /* and session.branch-run */
} Fixture;

static void
on_open_run (GSimpleAction *action, GVariant *param, gpointer data)
{
  Fixture *f = data;

  g_free (f->opened);
  f->opened = g_variant_dup_string (param, NULL);
}

static void
on_branch_run (GSimpleAction *action, GVariant *param, gpointer data)
{
  Fixture *f = data;

  g_free (f->branched);
  f->branched = g_variant_dup_string (param, NULL);
}

static GtkColumnView *
view_of (Fixture *f)
{
  return dl_runs_page_get_column_view (f->page);
}

static GListModel *
shown (Fixture *f)
{
  return G_LIST_MODEL (gtk_column_view_get_model (view_of (f)));
}

static guint
n_shown (Fixture *f)
{
  return gtk_column_view_get_model (view_of (f)) != NULL ? g_list_model_get_n_items (shown (f)) : 0;
}

typedef struct {
  Fixture *f;
  guint    n;
} CountWait;

static gboolean
shows_n (gpointer data)
{
  CountWait *w = data;

  return n_shown (w->f) == w->n;
}

static void
wait_shown (Fixture *f, guint n)
{
  CountWait w = { f, n };

  ck_assert_msg (iterate_until (shows_n, &w, 20000), "the list shows %u runs, expected %u", n_shown (f), n);
}

/* The run at a row of the list (a new reference). */
static DlRun *
run_at (Fixture *f, guint i)
{
  g_autoptr (GObject) item = g_list_model_get_item (shown (f), i);

  return dl_run_selection_run_of (item);
}

static DlRun *
run_named (Fixture *f, const char *name)
{
  for (guint i = 0; i < n_shown (f); i++)
    {
      g_autoptr (DlRun) run = run_at (f, i);

      if (g_str_equal (dl_run_get_name (run), name))
        return g_steal_pointer (&run);
    }
  return NULL;
}

static int
position_of (Fixture *f, DlRun *run)
{
  for (guint i = 0; i < n_shown (f); i++)
    {
      g_autoptr (DlRun) other = run_at (f, i);

      if (other == run)
        return (int) i;
    }
  return -1;
}

static void
copy_tree (const char *from, const char *to)
{
  const char *argv[] = { "cp", "-R", from, to, NULL };
  int status;

  ck_assert (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, NULL));
  ck_assert (g_spawn_check_wait_status (status, NULL));
}

static void
present (Fixture *f, int width, int height)
{
  g_autoptr (GSimpleActionGroup) session = g_simple_action_group_new ();
  g_autoptr (GSimpleAction) open = g_simple_action_new ("open-run", G_VARIANT_TYPE_STRING);
  g_autoptr (GSimpleAction) branch = g_simple_action_new ("branch-run", G_VARIANT_TYPE_STRING);

  g_signal_connect (open, "activate", G_CALLBACK (on_open_run), f);
  g_action_map_add_action (G_ACTION_MAP (session), G_ACTION (open));
  g_signal_connect (branch, "activate", G_CALLBACK (on_branch_run), f);
  g_action_map_add_action (G_ACTION_MAP (session), G_ACTION (branch));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, width, height);
  f->page = DL_RUNS_PAGE (dl_runs_page_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_widget_insert_action_group (GTK_WIDGET (f->window), "session", G_ACTION_GROUP (session));
  gtk_window_present (f->window);
}

/* A page showing its own copy of the base store (3 runs). */
static void
fixture_open (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  memset (f, 0, sizeof *f);
  f->dir = g_build_filename (home, "copy-XXXXXX", NULL);
  ck_assert (g_mkdtemp (f->dir) != NULL);
  g_rmdir (f->dir);
  copy_tree (base_dir, f->dir);
  f->path = g_build_filename (f->dir, "runs.sqlite", NULL);
  f->store = dl_run_store_open (f->path, &error);
  ck_assert_msg (f->store != NULL, "%s", error ? error->message : "");
  present (f, 1200, 760);
  dl_runs_page_set_store (f->page, f->store);
  wait_shown (f, 3);
}

static void
fixture_close (Fixture *f)
{
  gtk_window_destroy (f->window);
  iterate_until (never, NULL, 50);
  if (f->store != NULL)
    dl_run_store_close (f->store);
  g_clear_object (&f->store);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->opened);
  g_free (f->branched);
}

/* The cell of `type` showing `run` (of `field`) in the list as drawn, or NULL. */
static GtkWidget *
find_cell (GtkWidget *widget, GType type, DlRun *run, int field)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_mapped (widget))
    {
      DlRun *shown_run = NULL;
      int shown_field = -1;

      g_object_get (widget, "run", &shown_run, NULL);
      if (type != DL_TYPE_RUN_COMPARE_CHECK)
        g_object_get (widget, "field", &shown_field, NULL);
      if (shown_run != NULL)
        g_object_unref (shown_run);   /* the cell keeps it */
      if (shown_run == run && shown_field == field)
        return widget;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_cell (c, type, run, field);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct {
  Fixture    *f;
  GType       type;
  DlRun      *run;
  int         field;
  const char *text;   /* DlRunCell only: what it should show */
} CellWait;

static gboolean
cell_shown (gpointer data)
{
  CellWait *w = data;
  GtkWidget *cell = find_cell (GTK_WIDGET (w->f->page), w->type, w->run, w->field);

  return cell != NULL && (w->text == NULL || g_strcmp0 (dl_run_cell_get_text (DL_RUN_CELL (cell)), w->text) == 0);
}

static GtkWidget *
wait_cell (Fixture *f, GType type, DlRun *run, int field, const char *text)
{
  CellWait w = { f, type, run, field, text };

  ck_assert_msg (iterate_until (cell_shown, &w, 10000), "no %s cell of %s shows %s", g_type_name (type),
                 dl_run_get_name (run), text != NULL ? text : "it");
  return find_cell (GTK_WIDGET (f->page), type, run, field);
}

static void
tick (Fixture *f, DlRun *run)
{
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f->page), "runs.compare", "(sb)", dl_run_get_uuid (run), TRUE));
}

static gboolean
has_toast (gpointer page)
{
  return dl_runs_page_get_toast (page) != NULL;
}

static gboolean
is_loaded (gpointer run)
{
  return dl_run_get_loaded (run);
}
/* ---- tests ---- */

/* Every recorded run is listed with its figures, newest first, and a row's activation opens it. */
START_TEST (test_listing)
{
  Fixture f;
  g_autoptr (DlRun) fast = NULL, slow = NULL, newest = NULL;
  g_autofree char *best = NULL;
  GtkWidget *cell;

  fixture_open (&f);
  fast = run_named (&f, "fast");
  slow = run_named (&f, "slow");
  ck_assert (fast != NULL && slow != NULL && run_named (&f, "fast, seed 2") != NULL);
  newest = run_at (&f, 0);
  ck_assert_str_eq (dl_run_get_name (newest), "fast, seed 2");

  ck_assert_int_eq (dl_run_get_state (fast), DL_TRAIN_FINISHED);
  ck_assert (!isnan (dl_run_get_best_test_accuracy (fast)) && dl_run_get_best_epoch (fast) >= 0);
  best = g_strdup_printf ("%.2f %% (epoch %d)", 100 * dl_run_get_best_test_accuracy (fast),
                          dl_run_get_best_epoch (fast) + 1);
  wait_cell (&f, DL_TYPE_RUN_CELL, fast, DL_RUN_FIELD_BEST, best);
  wait_cell (&f, DL_TYPE_RUN_CELL, fast, DL_RUN_FIELD_STATE, "Finished");
  wait_cell (&f, DL_TYPE_RUN_CELL, fast, DL_RUN_FIELD_RECIPE, "mlp · " ARCH);
  cell = wait_cell (&f, DL_TYPE_RUN_CELL, fast, DL_RUN_FIELD_DATA, NULL);
  ck_assert_msg (g_str_has_prefix (dl_run_cell_get_text (DL_RUN_CELL (cell)), "train.csv · 400 / 200"), "%s",
                 dl_run_cell_get_text (DL_RUN_CELL (cell)));
  cell = wait_cell (&f, DL_TYPE_RUN_EDIT_CELL, slow, DL_RUN_EDIT_NAME, NULL);
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (dl_run_edit_cell_get_label (DL_RUN_EDIT_CELL (cell)))),
                    "slow");

  /* Double click or Enter on a row: the session opens that run. */
  g_signal_emit_by_name (view_of (&f), "activate", (guint) position_of (&f, slow));
  ck_assert_str_eq (f.opened, dl_run_get_uuid (slow));
  ck_assert_int_eq (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (find_type (GTK_WIDGET (f.page),
                                                                                        GTK_TYPE_STACK))),
                               "runs"), 0);

  /* "Branch from End" on the one ticked run: the session branches that run. */
  gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.branch", NULL);
  ck_assert (f.branched == NULL);
  tick (&f, fast);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.branch", NULL));
  ck_assert_str_eq (f.branched, dl_run_get_uuid (fast));
  tick (&f, slow);
  g_clear_pointer (&f.branched, g_free);
  gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.branch", NULL);
  ck_assert (f.branched == NULL);
  fixture_close (&f);
}
END_TEST

static GtkColumnViewColumn *
column_titled (Fixture *f, const char *title)
{
  GListModel *columns = gtk_column_view_get_columns (view_of (f));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr (GtkColumnViewColumn) c = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (c), title) == 0)
        return c;
    }
  ck_abort_msg ("no column %s", title);
  return NULL;
}

/* The best accuracies as the list shows them, top to bottom. */
static GArray *
shown_best (Fixture *f)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < n_shown (f); i++)
    {
      g_autoptr (DlRun) run = run_at (f, i);
      double v = dl_run_get_best_test_accuracy (run);

      g_array_append_val (a, v);
    }
  return a;
}

/* A run stopped before any evaluation (a figure of none), recorded in the store. */
static DlRun *
add_unevaluated (Fixture *f, const char *name, DlTrainState state, const char *parent)
{
  DlTrainConfig cfg;
  DlRun *run;

  test_runs_config (&cfg, ARCH, 16, 2);
  run = g_object_new (DL_TYPE_RUN, "config", &cfg, "preset", "mlp", "name", name, "parent-uuid", parent,
                      "parent-step", (gint64) (parent != NULL ? 10 : 0), NULL);
  dl_run_set_started_at (run, g_get_real_time ());
  dl_run_set_state (run, state);
  dl_run_store_add_run (f->store, run);
  dl_train_config_clear (&cfg);
  ck_assert (dl_run_store_flush (f->store, NULL));
  return run;
}

START_TEST (test_sort_by_best)
{
  Fixture f;
  g_autoptr (DlRun) none = NULL;
  g_autoptr (GArray) desc = NULL, asc = NULL;
  GtkColumnViewColumn *best;

  fixture_open (&f);
  none = add_unevaluated (&f, "no evaluation", DL_TRAIN_STOPPED, NULL);
  wait_shown (&f, 4);
  best = column_titled (&f, "Best Test Accuracy");

  gtk_column_view_sort_by_column (view_of (&f), best, GTK_SORT_DESCENDING);
  iterate_until (never, NULL, 50);
  desc = shown_best (&f);
  ck_assert_uint_eq (desc->len, 4);
  /* The slow learning rate did worse: the runs are not all alike, so the order means something. */
  ck_assert (g_array_index (desc, double, 0) > g_array_index (desc, double, 2));
  for (guint i = 0; i + 2 < desc->len; i++)
    ck_assert (g_array_index (desc, double, i) >= g_array_index (desc, double, i + 1));
  /* No figure yet sorts below every figure, either way. */
  ck_assert (isnan (g_array_index (desc, double, 3)));
  ck_assert_int_eq (position_of (&f, none), 3);
  {
    g_autoptr (DlRun) worst = run_at (&f, 2);

    ck_assert_str_eq (dl_run_get_name (worst), "slow");
  }

  gtk_column_view_sort_by_column (view_of (&f), best, GTK_SORT_ASCENDING);
  iterate_until (never, NULL, 50);
  asc = shown_best (&f);
  ck_assert (isnan (g_array_index (asc, double, 0)));
  for (guint i = 1; i + 1 < asc->len; i++)
    ck_assert (g_array_index (asc, double, i) <= g_array_index (asc, double, i + 1));
  fixture_close (&f);
}
END_TEST

START_TEST (test_filter)
{
  Fixture f;
  g_autoptr (DlRun) failed = NULL;
  g_autoptr (DlRun) slow = NULL;
  GtkWidget *search, *state;

  fixture_open (&f);
  failed = add_unevaluated (&f, "crashed", DL_TRAIN_FAILED, NULL);
  wait_shown (&f, 4);
  slow = run_named (&f, "slow");
  dl_run_set_notes (slow, "Lower rate, for the Réseau talk");
  search = find_type (GTK_WIDGET (f.page), GTK_TYPE_SEARCH_ENTRY);
  state = find_type (GTK_WIDGET (f.page), GTK_TYPE_DROP_DOWN);

  /* Words of the name. */
  gtk_editable_set_text (GTK_EDITABLE (search), "fast");
  wait_shown (&f, 2);
  /* Every word must match somewhere: name and seed number in the name. */
  gtk_editable_set_text (GTK_EDITABLE (search), "fast 2");
  wait_shown (&f, 1);
  /* Notes, whatever the case and accents. */
  gtk_editable_set_text (GTK_EDITABLE (search), "reseau");
  wait_shown (&f, 1);
  {
    g_autoptr (DlRun) only = run_at (&f, 0);

    ck_assert (only == slow);
  }
  /* The architecture. */
  gtk_editable_set_text (GTK_EDITABLE (search), "fc16");
  wait_shown (&f, 4);
  gtk_editable_set_text (GTK_EDITABLE (search), "no such run");
  wait_shown (&f, 0);
  /* The list's stack: the view is in a scrolled window, in the stack. */
  ck_assert_str_eq (gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_parent (
                      gtk_widget_get_parent (GTK_WIDGET (view_of (&f)))))), "no-match");
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  wait_shown (&f, 4);

  /* By state: the drop-down's "Failed". */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (state), 4);
  wait_shown (&f, 1);
  {
    g_autoptr (DlRun) only = run_at (&f, 0);

    ck_assert (only == failed);
  }
  gtk_drop_down_set_selected (GTK_DROP_DOWN (state), 2);   /* finished */
  wait_shown (&f, 3);
  /* A run that changes state moves in or out. */
  dl_run_set_state (failed, DL_TRAIN_FINISHED);
  wait_shown (&f, 4);
  fixture_close (&f);
}
END_TEST

START_TEST (test_edit_name_persists)
{
  Fixture f;
  g_autoptr (DlRun) fast = NULL;
  g_autofree char *sql = NULL, *saved = NULL, *kept = NULL;
  GtkEditableLabel *label;

  fixture_open (&f);
  fast = run_named (&f, "fast");
  label = dl_run_edit_cell_get_label (DL_RUN_EDIT_CELL (wait_cell (&f, DL_TYPE_RUN_EDIT_CELL, fast,
                                                                   DL_RUN_EDIT_NAME, NULL)));
  /* As a user does: click (start editing), type, Enter (stop and keep). */
  gtk_editable_label_start_editing (label);
  gtk_editable_set_text (GTK_EDITABLE (label), "  lr 0.05, the good one ");
  gtk_editable_label_stop_editing (label, TRUE);
  ck_assert_str_eq (dl_run_get_name (fast), "lr 0.05, the good one");
  ck_assert (dl_run_store_flush (f.store, NULL));
  sql = g_strdup_printf ("SELECT name FROM runs WHERE uuid = '%s'", dl_run_get_uuid (fast));
  saved = test_runs_query_text (f.path, sql);
  ck_assert_str_eq (saved, "lr 0.05, the good one");

  /* A name cannot be emptied; Escape drops an edit. */
  gtk_editable_label_start_editing (label);
  gtk_editable_set_text (GTK_EDITABLE (label), "   ");
  gtk_editable_label_stop_editing (label, TRUE);
  gtk_editable_label_start_editing (label);
  gtk_editable_set_text (GTK_EDITABLE (label), "not this");
  gtk_editable_label_stop_editing (label, FALSE);
  ck_assert_str_eq (dl_run_get_name (fast), "lr 0.05, the good one");
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (label)), "lr 0.05, the good one");
  ck_assert (dl_run_store_flush (f.store, NULL));
  kept = test_runs_query_text (f.path, sql);
  ck_assert_str_eq (kept, "lr 0.05, the good one");

  /* Notes too, from the dimmed "Add notes". */
  label = dl_run_edit_cell_get_label (DL_RUN_EDIT_CELL (wait_cell (&f, DL_TYPE_RUN_EDIT_CELL, fast,
                                                                   DL_RUN_EDIT_NOTES, NULL)));
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (label)), "Add notes");
  gtk_editable_label_start_editing (label);
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (label)), "");
  gtk_editable_set_text (GTK_EDITABLE (label), "baseline");
  gtk_editable_label_stop_editing (label, TRUE);
  ck_assert (dl_run_store_flush (f.store, NULL));
  g_free (sql);
  sql = g_strdup_printf ("SELECT notes FROM runs WHERE uuid = '%s'", dl_run_get_uuid (fast));
  g_free (saved);
  saved = test_runs_query_text (f.path, sql);
  ck_assert_str_eq (saved, "baseline");
  fixture_close (&f);
}
END_TEST

static gint64
count_where_uuid (Fixture *f, const char *what, DlRun *run)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM runs WHERE uuid = '%s'%s", dl_run_get_uuid (run), what);

  return test_runs_query_int (f->path, sql);
}

START_TEST (test_delete_undo)
{
  Fixture f;
  g_autoptr (DlRun) fast = NULL, slow = NULL, other = NULL;
  g_autofree char *dir = NULL;
  GListStore *compared;

  fixture_open (&f);
  compared = dl_runs_page_get_compared (f.page);
  fast = run_named (&f, "fast");
  slow = run_named (&f, "slow");
  other = run_named (&f, "fast, seed 2");
  dir = dl_run_store_dup_run_dir (f.store, slow);
  ck_assert (g_file_test (dir, G_FILE_TEST_IS_DIR));   /* its final model */
  tick (&f, fast);
  tick (&f, slow);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (compared)), 2);

  /* Several at once, with the Delete key's action. */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.delete", NULL));
  wait_shown (&f, 1);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (compared)), 0);
  ck_assert_str_eq (dl_runs_page_get_toast (f.page), "2 runs deleted");
  ck_assert (dl_run_store_flush (f.store, NULL));
  ck_assert_int_eq (count_where_uuid (&f, " AND deleted_at IS NOT NULL", fast), 1);

  /* Undo: listed and compared again, not deleted in the file. */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.undo-delete", NULL));
  wait_shown (&f, 3);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (compared)), 2);
  ck_assert (dl_runs_page_get_toast (f.page) == NULL);
  ck_assert (dl_run_store_flush (f.store, NULL));
  ck_assert_int_eq (count_where_uuid (&f, " AND deleted_at IS NULL", fast), 1);
  ck_assert_int_eq (count_where_uuid (&f, " AND deleted_at IS NULL", slow), 1);

  /* Deleted again, and the notice closed: purged, rows and files, the others kept. */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.delete", NULL));
  wait_shown (&f, 1);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.dismiss-toast", NULL));
  ck_assert (dl_runs_page_get_toast (f.page) == NULL);
  /* Too late for Undo (Ctrl+Z). */
  gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.undo-delete", NULL);
  iterate_until (never, NULL, 100);
  ck_assert_uint_eq (n_shown (&f), 1);
  ck_assert (dl_run_store_flush (f.store, NULL));
  ck_assert_int_eq (count_where_uuid (&f, "", fast), 0);
  ck_assert_int_eq (count_where_uuid (&f, "", slow), 0);
  ck_assert_int_eq (count_where_uuid (&f, "", other), 1);
  ck_assert (!g_file_test (dir, G_FILE_TEST_EXISTS));
  ck_assert_int_eq (test_runs_query_int (f.path, "SELECT count(*) FROM batch_metrics WHERE run_id NOT IN "
                                                 "(SELECT id FROM runs)"), 0);
  fixture_close (&f);
}
END_TEST

typedef struct {
  DlRunCompareView *view;
  guint             columns;
} CompareWait;

static gboolean
compares (gpointer data)
{
  CompareWait *w = data;
  DlRunCompare *cmp = dl_run_compare_view_get_comparison (w->view);

  return cmp != NULL && dl_run_compare_get_n_columns (cmp) == w->columns;
}

/* Two runs that differ only in their learning rate, selected as a user does (click, Ctrl+click): one row. */
/* The column titles GTK draws in a column view's header, in order. */
static void
column_titles (GtkWidget *widget, GPtrArray *out)
{
  if (g_str_equal (G_OBJECT_TYPE_NAME (widget), "GtkColumnViewTitle"))
    {
      g_ptr_array_add (out, widget);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    column_titles (c, out);
}

START_TEST (test_compare_one_row)
{
  Fixture f;
  g_autoptr (DlRun) fast = NULL, slow = NULL, seed2 = NULL;
  GtkSelectionModel *selection;
  DlRunCompareView *compare;
  CompareWait w;
  GListModel *rows;
  DlRunCompareRow *row;

  fixture_open (&f);
  fast = run_named (&f, "fast");
  slow = run_named (&f, "slow");
  seed2 = run_named (&f, "fast, seed 2");
  selection = gtk_column_view_get_model (view_of (&f));
  ck_assert (gtk_selection_model_select_item (selection, position_of (&f, fast), TRUE));
  ck_assert (gtk_selection_model_select_item (selection, position_of (&f, slow), FALSE));
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (dl_runs_page_get_compared (f.page))), 2);
  /* The rows' check boxes follow. */
  ck_assert (dl_run_compare_check_get_active (DL_RUN_COMPARE_CHECK (
               wait_cell (&f, DL_TYPE_RUN_COMPARE_CHECK, slow, -1, NULL))));

  compare = dl_runs_page_get_compare_view (f.page);
  w = (CompareWait) { compare, 2 };
  ck_assert (iterate_until (compares, &w, 10000));
  /* The page reads the compared runs' history (for their live changes and for the Train page's plots). */
  ck_assert (iterate_until (is_loaded, fast, 10000));
  ck_assert (iterate_until (is_loaded, slow, 10000));
  iterate_until (never, NULL, 100);
  rows = G_LIST_MODEL (gtk_column_view_get_model (dl_run_compare_view_get_settings_view (compare)));
  ck_assert_uint_eq (g_list_model_get_n_items (rows), 1);
  row = g_list_model_get_item (rows, 0);
  ck_assert_str_eq (dl_run_compare_row_get_key (row), "lr");
  ck_assert_str_eq (dl_run_compare_row_get_value (row, 0), "0.05");
  ck_assert_str_eq (dl_run_compare_row_get_value (row, 1), "0.0005");
  g_object_unref (row);
  /* Each table's first column names what its rows are. */
  {
    g_autoptr (GtkColumnViewColumn) settings_first = g_list_model_get_item (
      gtk_column_view_get_columns (dl_run_compare_view_get_settings_view (compare)), 0);
    g_autoptr (GtkColumnViewColumn) results_first = g_list_model_get_item (
      gtk_column_view_get_columns (dl_run_compare_view_get_results_view (compare)), 0);

    ck_assert_str_eq (gtk_column_view_column_get_title (settings_first), "Setting");
    ck_assert_str_eq (gtk_column_view_column_get_title (results_first), "Result");
  }
  /* A run's settings and results line up: the two tables' column titles start at the same places. */
  {
    g_autoptr (GPtrArray) above = g_ptr_array_new (), below = g_ptr_array_new ();

    column_titles (GTK_WIDGET (dl_run_compare_view_get_settings_view (compare)), above);
    column_titles (GTK_WIDGET (dl_run_compare_view_get_results_view (compare)), below);
    ck_assert_uint_eq (above->len, 3);
    ck_assert_uint_eq (below->len, 3);
    for (guint i = 0; i < 3; i++)
      {
        graphene_rect_t a, b;

        ck_assert (gtk_widget_compute_bounds (above->pdata[i], GTK_WIDGET (compare), &a));
        ck_assert (gtk_widget_compute_bounds (below->pdata[i], GTK_WIDGET (compare), &b));
        ck_assert_msg (fabsf (a.origin.x - b.origin.x) < 1 && fabsf (a.size.width - b.size.width) < 1,
                       "column %u: settings at %.0f (%.0f wide), results at %.0f (%.0f wide)", i, a.origin.x,
                       a.size.width, b.origin.x, b.size.width);
      }
  }
  /* Results: the best test accuracy with its epoch and step, from the loaded evaluations. */
  row = g_list_model_get_item (G_LIST_MODEL (gtk_column_view_get_model (dl_run_compare_view_get_results_view (compare))), 0);
  ck_assert_str_eq (dl_run_compare_row_get_key (row), "best_test_accuracy");
  ck_assert_msg (strstr (dl_run_compare_row_get_value (row, 0), "step") != NULL, "%s",
                 dl_run_compare_row_get_value (row, 0));
  g_object_unref (row);

  /* A third run, ticked: three columns; grouping seeds puts "fast" and "fast, seed 2" together. */
  tick (&f, seed2);
  w.columns = 3;
  ck_assert (iterate_until (compares, &w, 10000));
  dl_runs_page_set_group_seeds (f.page, TRUE);
  w.columns = 2;
  ck_assert (iterate_until (compares, &w, 10000));
  ck_assert_uint_eq (dl_run_compare_get_column_runs (dl_run_compare_view_get_comparison (compare), 0)->len, 2);
  fixture_close (&f);
}
END_TEST

/* A change made while a run trained, read back from the store with the run's history: a row of its own,
 * with its step, beside the seed that also differs. */
START_TEST (test_compare_live_change)
{
  Fixture f;
  g_autoptr (DlRun) fast = NULL, seed2 = NULL;
  DlRunCompareView *compare;
  GListModel *rows;
  DlRunCompareRow *seed, *live;
  CompareWait w;

  fixture_open (&f);
  fast = run_named (&f, "fast");
  seed2 = run_named (&f, "fast, seed 2");
  dl_run_store_add_event (f.store, seed2, "hyper", 30, 1.2, TRUE, "lr 0.05 → 0.01");
  ck_assert (dl_run_store_flush (f.store, NULL));
  tick (&f, fast);
  tick (&f, seed2);
  compare = dl_runs_page_get_compare_view (f.page);
  w = (CompareWait) { compare, 2 };
  ck_assert (iterate_until (compares, &w, 10000));
  ck_assert (iterate_until (is_loaded, seed2, 10000));
  ck_assert_uint_eq (dl_run_get_n_markers (seed2), 1);
  iterate_until (never, NULL, 100);
  rows = G_LIST_MODEL (gtk_column_view_get_model (dl_run_compare_view_get_settings_view (compare)));
  ck_assert_uint_eq (g_list_model_get_n_items (rows), 2);
  seed = g_list_model_get_item (rows, 0);
  live = g_list_model_get_item (rows, 1);
  ck_assert_str_eq (dl_run_compare_row_get_key (seed), "seed");
  ck_assert_int_eq (dl_run_compare_row_get_kind (live), DL_RUN_COMPARE_LIVE);
  ck_assert_str_eq (dl_run_compare_row_get_label (live), "lr (live)");
  ck_assert_str_eq (dl_run_compare_row_get_value (live, 0), "—");
  ck_assert_str_eq (dl_run_compare_row_get_value (live, 1), "0.05 → 0.01 at step 30 (epoch 1.20)");
  g_object_unref (seed);
  g_object_unref (live);
  fixture_close (&f);
}
END_TEST

/* The save dialog (GtkFileChooserNative falls back to a GtkFileChooserDialog without a portal). */
static GtkWidget *
find_file_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (w) && gtk_widget_get_visible (w))
        return w;
    }
  return NULL;
}

static gboolean
chooser_open (gpointer data)
{
  return find_file_chooser () != NULL;
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

START_TEST (test_export_two)
{
  Fixture f;
  g_autoptr (DlRun) fast = NULL, slow = NULL;
  g_autofree char *path = NULL, *cwd = g_get_current_dir (), *text = NULL;
  g_autoptr (GPtrArray) runs = g_ptr_array_new ();
  g_autoptr (GString) expected = g_string_new (NULL);
  GtkWidget *dialog;

  fixture_open (&f);
  path = g_build_filename (f.dir, "two runs.csv", NULL);
  ck_assert_int_eq (g_chdir (f.dir), 0);
  fast = run_named (&f, "fast");
  slow = run_named (&f, "slow");
  tick (&f, slow);
  tick (&f, fast);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.export", NULL));
  ck_assert_msg (iterate_until (chooser_open, NULL, 10000), "no save dialog appeared");
  dialog = find_file_chooser ();
  ck_assert (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (dialog)) == GTK_FILE_CHOOSER_ACTION_SAVE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "two runs.csv");
  iterate_until (never, NULL, 100);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  ck_assert_msg (iterate_until (file_exists, path, 20000), "%s was not written", path);
  ck_assert_int_eq (g_chdir (cwd), 0);

  /* One long-format file: both runs, in the order they were ticked, as the store exports them. */
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert (g_str_has_prefix (text, "run,uuid,name,metric,step,x,value,text\n"));
  ck_assert (strstr (text, dl_run_get_uuid (fast)) != NULL && strstr (text, dl_run_get_uuid (slow)) != NULL);
  ck_assert (strstr (text, dl_run_get_uuid (slow)) < strstr (text, dl_run_get_uuid (fast)));
  ck_assert (strstr (text, ",test_accuracy,") != NULL && strstr (text, ",loss,") != NULL);
  g_ptr_array_add (runs, slow);
  g_ptr_array_add (runs, fast);
  ck_assert (dl_run_store_export_csv (f.store, runs, expected, NULL));
  ck_assert_str_eq (text, expected->str);
  ck_assert_msg (iterate_until (has_toast, f.page, 5000), "no notice");
  ck_assert (strstr (dl_runs_page_get_toast (f.page), "two runs.csv") != NULL);
  fixture_close (&f);
}
END_TEST

typedef struct {
  Fixture    *f;
  const char *name;
} NamedWait;

static gboolean
listed_finished (gpointer data)
{
  NamedWait *w = data;
  g_autoptr (DlRun) run = run_named (w->f, w->name);

  return run != NULL && dl_run_get_state (run) == DL_TRAIN_FINISHED;
}

/* digitlab-cli records a run while the page shows the store: it appears, and ends finished. */
START_TEST (test_headless_run_appears)
{
  Fixture f;
  g_autoptr (GPtrArray) args = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlRun) run = NULL;
  g_autofree char *best = NULL;
  NamedWait w = { &f, "headless" };

  fixture_open (&f);
  args = train_args (f.path, "headless", "0.05", "3", "3");
  ck_assert_msg (dl_test_spawn_and_iterate ((char **) args->pdata, 120000, &error), "%s", error->message);
  ck_assert_msg (iterate_until (listed_finished, &w, 20000), "the headless run is not listed as finished");
  wait_shown (&f, 4);
  run = run_named (&f, "headless");
  ck_assert_int_eq (dl_run_get_number (run), 4);
  best = dl_run_format_best (run);
  wait_cell (&f, DL_TYPE_RUN_CELL, run, DL_RUN_FIELD_BEST, best);
  wait_cell (&f, DL_TYPE_RUN_CELL, run, DL_RUN_FIELD_NUMBER, "#4");
  fixture_close (&f);
}
END_TEST

/* A branched run sits under its parent whatever the order, one level in. */
START_TEST (test_branches)
{
  Fixture f;
  g_autoptr (DlRun) slow = NULL, child = NULL;
  GtkColumnViewColumn *best;

  fixture_open (&f);
  slow = run_named (&f, "slow");
  child = add_unevaluated (&f, "slow, branched", DL_TRAIN_STOPPED, dl_run_get_uuid (slow));
  wait_shown (&f, 4);
  best = column_titled (&f, "Best Test Accuracy");
  for (int order = 0; order < 2; order++)
    {
      g_autoptr (GObject) row = NULL;
      int at;

      gtk_column_view_sort_by_column (view_of (&f), best, order == 0 ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
      iterate_until (never, NULL, 50);
      at = position_of (&f, child);
      ck_assert_int_eq (at, position_of (&f, slow) + 1);
      row = g_list_model_get_item (shown (&f), at);
      ck_assert_uint_eq (gtk_tree_list_row_get_depth (GTK_TREE_LIST_ROW (row)), 1);
    }
  /* Filtering for the branch keeps its parent in view. */
  gtk_editable_set_text (GTK_EDITABLE (find_type (GTK_WIDGET (f.page), GTK_TYPE_SEARCH_ENTRY)), "branched");
  wait_shown (&f, 2);
  fixture_close (&f);
}
END_TEST

START_TEST (test_no_store_and_empty)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *path = test_runs_store_path (home, "empty");
  GtkStack *stack;
  GtkWidget *message;

  present (&f, 800, 600);
  stack = GTK_STACK (find_type (GTK_WIDGET (f.page), GTK_TYPE_STACK));
  ck_assert_str_eq (gtk_stack_get_visible_child_name (stack), "unavailable");
  dl_runs_page_set_store_error (f.page, "runs.sqlite was written by a newer Digit Lab");
  message = find_type (gtk_stack_get_visible_child (stack), GTK_TYPE_LABEL);
  for (; message != NULL && !strstr (gtk_label_get_text (GTK_LABEL (message)), "newer");
       message = gtk_widget_get_next_sibling (message))
    ;
  ck_assert_msg (message != NULL, "the reason is not shown");
  /* Nothing to delete, nothing deleted. */
  gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.delete", NULL);
  ck_assert (dl_runs_page_get_toast (f.page) == NULL);

  f.store = dl_run_store_open (path, &error);
  ck_assert (f.store != NULL);
  dl_runs_page_set_store (f.page, f.store);
  iterate_until (never, NULL, 200);
  ck_assert_str_eq (gtk_stack_get_visible_child_name (stack), "empty");
  fixture_close (&f);
}
END_TEST

/* ---- a picture of the page ---- */

static int
screenshot (const char *png, const char *size, const char *mnist, gboolean deleting)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  int width = 1280, height = 800;
  const char *lrs[] = { "0.05", "0.1", "0.02", "0.05", "0.05" };
  const char *seeds[] = { "1", "1", "1", "2", "3" };
  const char *names[] = { "baseline", "lr 0.1", "lr 0.02", "baseline, seed 2", "baseline, seed 3" };
  const char *argv[] = { "import", "-window", "root", png, NULL };

  if (size != NULL && sscanf (size, "%dx%d", &width, &height) != 2)
    return 2;
  f.path = g_build_filename (home, "shot.sqlite", NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (lrs); i++)
    {
      g_autoptr (GPtrArray) args = train_args (f.path, names[i], lrs[i], seeds[i], "3");
      int status;

      g_autofree char *train_files = NULL, *test_files = NULL;

      /* Real MNIST, the mlp preset on 10,000 training images: figures as a user sees them. */
      if (mnist != NULL)
        {
          train_files = g_strdup_printf ("%s/train-images-idx3-ubyte,%s/train-labels-idx1-ubyte", mnist, mnist);
          test_files = g_strdup_printf ("%s/t10k-images-idx3-ubyte,%s/t10k-labels-idx1-ubyte", mnist, mnist);
          args->pdata[3] = train_files;
          args->pdata[5] = test_files;
          args->pdata[7] = "fc256-relu,fc128-relu,fc10,softmax";
          g_ptr_array_insert (args, args->len - 1, "--limit-train");
          g_ptr_array_insert (args, args->len - 1, "10000");
        }
      if (!g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                         &status, &error) || !g_spawn_check_wait_status (status, &error))
        {
          g_printerr ("train: %s\n", error->message);
          return 1;
        }
    }
  f.store = dl_run_store_open (f.path, &error);
  if (f.store == NULL)
    return 1;
  present (&f, width, height);
  gtk_window_maximize (f.window);
  dl_runs_page_set_store (f.page, f.store);
  {
    CountWait w = { &f, G_N_ELEMENTS (lrs) };
    g_autoptr (DlRun) a = NULL, b = NULL;

    if (!iterate_until (shows_n, &w, 20000))
      return 1;
    a = run_named (&f, "baseline");
    b = run_named (&f, "lr 0.1");
    dl_run_set_notes (a, "the mlp preset's rate");
    gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.compare", "(sb)", dl_run_get_uuid (a), TRUE);
    gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.compare", "(sb)", dl_run_get_uuid (b), TRUE);
    iterate_until (is_loaded, b, 10000);
    if (deleting)
      {
        g_autoptr (DlRun) c = run_named (&f, "lr 0.02");

        gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.clear-comparison", NULL);
        gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.compare", "(sb)", dl_run_get_uuid (c), TRUE);
        gtk_widget_activate_action (GTK_WIDGET (f.page), "runs.delete", NULL);
      }
  }
  iterate_until (never, NULL, 1500);
  if (!dl_test_spawn_and_iterate ((char **) argv, 30000, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print ("%s\n", png);
  return 0;
}

static Suite *
page_suite (void)
{
  Suite *s = suite_create ("runs-page");
  struct { const char *name; const TTest *test; } cases[] = {
    { "listing", test_listing },
    { "sort-by-best", test_sort_by_best },
    { "filter", test_filter },
    { "edit-name", test_edit_name_persists },
    { "delete-undo", test_delete_undo },
    { "compare-one-row", test_compare_one_row },
    { "compare-live-change", test_compare_live_change },
    { "export-two", test_export_two },
    { "headless-run-appears", test_headless_run_appears },
    { "branches", test_branches },
    { "no-store-and-empty", test_no_store_and_empty },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TCase *tc = tcase_create (cases[i].name);

      tcase_set_timeout (tc, 180);
      tcase_add_test (tc, cases[i].test);
      suite_add_tcase (s, tc);
    }
  return s;
}

int
main (int argc, char **argv)
{
  const char *shot = NULL, *size = NULL, *mnist = NULL;
  gboolean deleting = FALSE;
  SRunner *sr;
  int failed;

  if (argc < 2)
    {
      g_printerr ("usage: %s CLI-PATH [[--deleting] --screenshot FILE.png [--size WxH] [--mnist DIR]]\n", argv[0]);
      return 2;
    }
  cli_path = argv[1];
  for (int i = 2; i < argc && g_str_equal (argv[i], "--deleting"); i++)
    deleting = TRUE;
  for (int i = 2 + deleting; i + 1 < argc; i += 2)
    if (g_str_equal (argv[i], "--screenshot"))
      shot = argv[i + 1];
    else if (g_str_equal (argv[i], "--size"))
      size = argv[i + 1];
    else if (g_str_equal (argv[i], "--mnist"))
      mnist = argv[i + 1];
  home = test_runs_private_home ();
  g_set_application_name ("Digit Lab");
  /* As the app does under Xvfb (software GL): GTK's cairo renderer. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  gtk_init ();
  /* The save dialog would add the export to the recently used files (under the private home). */
  g_object_set (gtk_settings_get_default (), "gtk-recent-files-enabled", FALSE, NULL);
  write_sets ();
  if (shot != NULL)
    return screenshot (shot, size, mnist, deleting);

  record_base_store ();
  sr = srunner_create (page_suite ());
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
