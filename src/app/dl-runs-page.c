/* dl-runs-page.c — the Runs page: the store's runs as a sortable, filterable tree of branches, and the
 * runs compared (see dl-runs-page.h). */
#include "dl-runs-page-private.h"

#include <glib/gi18n.h>

#include "dl-run-cell.h"
#include "dl-run-compare-check.h"
#include "dl-run-edit-cell.h"

G_DEFINE_FINAL_TYPE (DlRunsPage, dl_runs_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STORE,
  PROP_STORE_ERROR,
  PROP_COMPARED,
  PROP_GROUP_SEEDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- what the page shows ---- */

static void
update_stack (DlRunsPage *self)
{
  guint n_runs = self->runs != NULL ? g_list_model_get_n_items (self->runs) : 0;
  guint n_shown = self->filter_model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) : 0;

  if (self->store == NULL)
    gtk_stack_set_visible_child_name (self->stack, "unavailable");
  else if (n_runs == 0 && self->deleted->len == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else
    gtk_stack_set_visible_child_name (self->stack, "runs");
  gtk_stack_set_visible_child_name (self->list_stack, n_shown > 0 ? "list" : "no-match");
}

static void
update_unavailable (DlRunsPage *self)
{
  g_autofree char *text = NULL;

  text = self->store_error != NULL
           ? g_strdup_printf (_("%s\nTraining still works, but runs are not kept."), self->store_error)
           : g_strdup (_("The run store could not be opened: training still works, but runs are not kept."));
  gtk_label_set_text (self->unavailable_label, text);
}

/* ---- following the runs ---- */

/* Whether the user is typing a name or notes in the list (a re-sort would rebuild the row under them). */
static gboolean
editing_in_list (DlRunsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *label = focus != NULL ? gtk_widget_get_ancestor (focus, GTK_TYPE_EDITABLE_LABEL) : NULL;

  return label != NULL && gtk_editable_label_get_editing (GTK_EDITABLE_LABEL (label));
}

static gboolean
refresh_cb (gpointer data)
{
  DlRunsPage *self = data;

  if (editing_in_list (self))
    return G_SOURCE_CONTINUE;
  self->refresh_id = 0;
  if (self->sort_model != NULL)
    gtk_sorter_changed (gtk_sort_list_model_get_sorter (self->sort_model), GTK_SORTER_CHANGE_DIFFERENT);
  dl_run_filter_refresh (self->filter);
  return G_SOURCE_REMOVE;
}

/* A run's figures, name or state changed: its place in the sorted list, and whether it matches, may too. */
static void
on_run_changed (DlRunsPage *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (300, refresh_cb, self);
}

static void
on_run_state (DlRunsPage *self)
{
  on_run_changed (self);
  dl_runs_page_update_actions (self);
}

static void
watch_run (DlRunsPage *self, DlRun *run)
{
  static const char *const changes[] = {
    "notify::name", "notify::notes", "notify::best-test-accuracy", "notify::final-test-accuracy",
  };

  if (g_hash_table_contains (self->watched, run))
    return;
  g_hash_table_add (self->watched, g_object_ref (run));
  for (gsize i = 0; i < G_N_ELEMENTS (changes); i++)
    g_signal_connect_swapped (run, changes[i], G_CALLBACK (on_run_changed), self);
  g_signal_connect_swapped (run, "notify::state", G_CALLBACK (on_run_state), self);
}

static void
unwatch_all (DlRunsPage *self)
{
  GHashTableIter iter;
  gpointer run;

  g_hash_table_iter_init (&iter, self->watched);
  while (g_hash_table_iter_next (&iter, &run, NULL))
    g_signal_handlers_disconnect_by_data (run, self);
  g_hash_table_remove_all (self->watched);
}

static gboolean
list_has (GListModel *list, gpointer item)
{
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (GObject) other = g_list_model_get_item (list, i);

      if (other == item)
        return TRUE;
    }
  return FALSE;
}

/* Runs another process deleted leave the comparison too (this page's deletions take them out itself). */
static void
drop_vanished (DlRunsPage *self)
{
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->compared)); i-- > 0;)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (G_LIST_MODEL (self->compared), i);

      if (dl_run_get_number (run) > 0 && !list_has (self->runs, run))
        g_list_store_remove (self->compared, i);
    }
}

static void
on_store_runs_changed (GListModel *runs, guint position, guint removed, guint added, DlRunsPage *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (runs, i);

      watch_run (self, run);
    }
  if (removed > 0)
    drop_vanished (self);
  update_stack (self);
}

static void
on_shown_changed (DlRunsPage *self)
{
  update_stack (self);
}

/* ---- the compared runs' history ---- */

static void
load_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (DlRunsPage) self = data;
  g_autoptr (GError) error = NULL;
  DlRun *run = g_object_get_data (G_OBJECT (result), "run");

  if (!dl_run_store_load_run_finish (DL_RUN_STORE (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->compared != NULL)
    dl_runs_page_show_toast (self, error->message, FALSE);
  if (run != NULL && self->loading != NULL)
    g_hash_table_remove (self->loading, run);
}

/* The Train page draws compared runs and the table compares their live changes: both need the history. */
static void
load_compared (DlRunsPage *self)
{
  if (self->store == NULL)
    return;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->compared)); i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (G_LIST_MODEL (self->compared), i);

      if (dl_run_get_loaded (run) || g_hash_table_contains (self->loading, run))
        continue;
      g_hash_table_add (self->loading, g_object_ref (run));
      dl_run_store_load_run_async (self->store, run, self->cancellable, load_done, g_object_ref (self));
    }
}

static void
on_compared_changed (DlRunsPage *self)
{
  load_compared (self);
  dl_runs_page_update_actions (self);
}

/* ---- the list's models ---- */

static GListModel *
create_children (gpointer item, gpointer data)
{
  return DL_IS_RUN (item) ? dl_run_tree_dup_children (DL_RUN_TREE (data), item) : NULL;
}

static void
clear_models (DlRunsPage *self)
{
  gtk_column_view_set_model (self->runs_view, NULL);
  if (self->runs != NULL)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  if (self->filter_model != NULL)
    g_signal_handlers_disconnect_by_data (self->filter_model, self);
  unwatch_all (self);
  dl_run_filter_set_tree (self->filter, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->tree);
  g_clear_object (&self->runs);
}

/* store's runs → tree of branches → sorted by the columns (within each parent) → filtered → selection. */
static void
build_models (DlRunsPage *self)
{
  GtkTreeListModel *tree_model;
  GtkSorter *sorter;

  self->runs = g_object_ref (dl_run_store_get_runs (self->store));
  self->tree = dl_run_tree_new (self->runs);
  tree_model = gtk_tree_list_model_new (g_object_ref (dl_run_tree_get_roots (self->tree)), FALSE, TRUE,
                                        create_children, g_object_ref (self->tree), g_object_unref);
  sorter = GTK_SORTER (gtk_tree_list_row_sorter_new (g_object_ref (gtk_column_view_get_sorter (self->runs_view))));
  self->sort_model = gtk_sort_list_model_new (G_LIST_MODEL (tree_model), sorter);
  dl_run_filter_set_tree (self->filter, self->tree);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->sort_model)),
                                                  g_object_ref (GTK_FILTER (self->filter)));
  self->selection = dl_run_selection_new (G_LIST_MODEL (self->filter_model), self->compared);
  gtk_column_view_set_model (self->runs_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect (self->runs, "items-changed", G_CALLBACK (on_store_runs_changed), self);
  g_signal_connect_swapped (self->filter_model, "items-changed", G_CALLBACK (on_shown_changed), self);
  on_store_runs_changed (self->runs, 0, 0, g_list_model_get_n_items (self->runs), self);
}

void
dl_runs_page_set_store (DlRunsPage *self, DlRunStore *store)
{
  g_return_if_fail (DL_IS_RUNS_PAGE (self));
  g_return_if_fail (store == NULL || DL_IS_RUN_STORE (store));

  if (self->store == store)
    return;
  dl_runs_page_commit_deletions (self);
  clear_models (self);
  g_hash_table_remove_all (self->loading);
  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  self->cancellable = g_cancellable_new ();
  /* Another store's runs are not in this one. */
  if (self->store != NULL)
    g_list_store_remove_all (self->compared);
  g_set_object (&self->store, store);
  if (store != NULL)
    build_models (self);
  update_stack (self);
  dl_runs_page_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

void
dl_runs_page_set_store_error (DlRunsPage *self, const char *message)
{
  g_return_if_fail (DL_IS_RUNS_PAGE (self));
  if (g_strcmp0 (self->store_error, message) == 0)
    return;
  g_free (self->store_error);
  self->store_error = g_strdup (message);
  update_unavailable (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE_ERROR]);
}

void
dl_runs_page_set_compared (DlRunsPage *self, GListStore *compared)
{
  g_autoptr (GListStore) own = NULL;

  g_return_if_fail (DL_IS_RUNS_PAGE (self));
  g_return_if_fail (compared == NULL || G_IS_LIST_STORE (compared));

  if (compared == NULL)
    compared = own = g_list_store_new (DL_TYPE_RUN);
  if (self->compared == compared)
    return;
  if (self->compared != NULL)
    g_signal_handlers_disconnect_by_data (self->compared, self);
  g_set_object (&self->compared, compared);
  g_signal_connect_swapped (compared, "items-changed", G_CALLBACK (on_compared_changed), self);
  if (self->selection != NULL)
    dl_run_selection_set_compared (self->selection, compared);
  dl_run_compare_view_set_runs (self->compare_view, G_LIST_MODEL (compared));
  on_compared_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARED]);
}

static void
on_group_seeds (DlRunsPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUP_SEEDS]);
}

/* ---- template callbacks ---- */

static void
search_changed_cb (DlRunsPage *self, GtkSearchEntry *entry)
{
  dl_run_filter_set_text (self->filter, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
state_changed_cb (DlRunsPage *self, GParamSpec *pspec, GtkDropDown *dropdown)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  /* The drop-down lists the filter's states in their order. */
  dl_run_filter_set_state (self->filter, selected == GTK_INVALID_LIST_POSITION ? DL_RUN_FILTER_ANY : selected);
}

static void
run_activated_cb (DlRunsPage *self, guint position, GtkColumnView *view)
{
  g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (gtk_column_view_get_model (view)), position);
  g_autoptr (DlRun) run = item != NULL ? dl_run_selection_run_of (item) : NULL;

  if (run != NULL)
    dl_runs_page_open_run (self, run);
}

/* ---- the object ---- */

static void
dl_runs_page_dispose (GObject *object)
{
  DlRunsPage *self = DL_RUNS_PAGE (object);

  dl_runs_page_commit_deletions (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  clear_models (self);
  if (self->compared != NULL)
    g_signal_handlers_disconnect_by_data (self->compared, self);
  g_clear_object (&self->exporter);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_RUNS_PAGE);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->compared);
  g_clear_object (&self->store);
  g_clear_pointer (&self->loading, g_hash_table_unref);
  G_OBJECT_CLASS (dl_runs_page_parent_class)->dispose (object);
}

static void
dl_runs_page_finalize (GObject *object)
{
  DlRunsPage *self = DL_RUNS_PAGE (object);

  g_free (self->store_error);
  g_object_unref (self->filter);
  g_hash_table_unref (self->watched);
  g_ptr_array_unref (self->deleted);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (dl_runs_page_parent_class)->finalize (object);
}

static void
dl_runs_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRunsPage *self = DL_RUNS_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:       g_value_set_object (value, self->store); break;
    case PROP_STORE_ERROR: g_value_set_string (value, self->store_error); break;
    case PROP_COMPARED:    g_value_set_object (value, self->compared); break;
    case PROP_GROUP_SEEDS: g_value_set_boolean (value, dl_runs_page_get_group_seeds (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_runs_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRunsPage *self = DL_RUNS_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:       dl_runs_page_set_store (self, g_value_get_object (value)); break;
    case PROP_STORE_ERROR: dl_runs_page_set_store_error (self, g_value_get_string (value)); break;
    case PROP_COMPARED:    dl_runs_page_set_compared (self, g_value_get_object (value)); break;
    case PROP_GROUP_SEEDS: dl_runs_page_set_group_seeds (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_runs_page_class_init (DlRunsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = dl_runs_page_dispose;
  object_class->finalize = dl_runs_page_finalize;
  object_class->get_property = dl_runs_page_get_property;
  object_class->set_property = dl_runs_page_set_property;

  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, DL_TYPE_RUN_STORE, rw);
  properties[PROP_STORE_ERROR] = g_param_spec_string ("store-error", NULL, NULL, NULL, rw);
  properties[PROP_COMPARED] = g_param_spec_object ("compared", NULL, NULL, G_TYPE_LIST_STORE, rw);
  properties[PROP_GROUP_SEEDS] = g_param_spec_boolean ("group-seeds", NULL, NULL, FALSE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DL_TYPE_RUN_CELL);
  g_type_ensure (DL_TYPE_RUN_EDIT_CELL);
  g_type_ensure (DL_TYPE_RUN_COMPARE_CHECK);
  g_type_ensure (DL_TYPE_RUN_COMPARE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-runs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, unavailable_label);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, state_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, runs_view);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, name_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, number_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, notes_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, recipe_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, data_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, started_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, duration_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, state_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, best_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, final_column);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, compare_view);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, toast_revealer);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, toast_label);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, undo_button);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, state_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, run_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dlrunspage");

  dl_runs_page_install_actions (widget_class);
}

static void
dl_runs_page_init (DlRunsPage *self)
{
  self->filter = dl_run_filter_new ();
  self->watched = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->loading = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->deleted = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  self->exporter = dl_runs_exporter_new (GTK_WIDGET (self));
  dl_runs_page_set_sorters (self);
  /* Newest first, as a history reads. */
  gtk_column_view_sort_by_column (self->runs_view, self->started_column, GTK_SORT_DESCENDING);
  g_signal_connect_swapped (self->compare_view, "notify::group-seeds", G_CALLBACK (on_group_seeds), self);
  dl_runs_page_set_compared (self, NULL);
  update_unavailable (self);
  update_stack (self);
  dl_runs_page_update_actions (self);
}

GtkWidget *
dl_runs_page_new (void)
{
  return g_object_new (DL_TYPE_RUNS_PAGE, NULL);
}

DlRunStore *
dl_runs_page_get_store (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), NULL);
  return self->store;
}

GListStore *
dl_runs_page_get_compared (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), NULL);
  return self->compared;
}

gboolean
dl_runs_page_get_group_seeds (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), FALSE);
  return dl_run_compare_view_get_group_seeds (self->compare_view);
}

void
dl_runs_page_set_group_seeds (DlRunsPage *self, gboolean group_seeds)
{
  g_return_if_fail (DL_IS_RUNS_PAGE (self));
  if (dl_run_compare_view_get_group_seeds (self->compare_view) == !!group_seeds)
    return;
  dl_run_compare_view_set_group_seeds (self->compare_view, group_seeds);
}

GtkColumnView *
dl_runs_page_get_column_view (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), NULL);
  return self->runs_view;
}

DlRunCompareView *
dl_runs_page_get_compare_view (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), NULL);
  return self->compare_view;
}
