/* dl-run-compare-view.c — the comparison tables of the Runs page (see dl-run-compare-view.h). */
#include "dl-run-compare-view.h"

#include <glib/gi18n.h>

/* A run still training changes every batch: the tables follow at most this often. */
#define UPDATE_INTERVAL_MS 500
/* The first column's width, in pixels. */
#define SETTING_WIDTH 170
/* Each run column's width before the extra space is shared out: the same for every column of both tables,
 * so that a run's settings and results line up (sized by their contents, the two tables' columns differed). */
#define RUN_WIDTH     240

struct _DlRunCompareView
{
  GtkWidget        parent_instance;

  GListModel      *runs;
  gboolean         group_seeds;
  GPtrArray       *watched;       /* DlRun whose changes are followed */
  DlRunCompare    *comparison;
  GStrv            column_labels; /* of the columns the views have */
  guint            update_id;
  gboolean         update_soon;   /* update_id is an idle, not the timeout */

  /* template children */
  GtkLabel        *summary_label;
  GtkToggleButton *group_toggle;
  GtkStack        *stack;
  GtkStack        *settings_stack;
  GtkColumnView   *settings_view;
  GtkLabel        *same_label;
  GtkColumnView   *results_view;
};

G_DEFINE_FINAL_TYPE (DlRunCompareView, dl_run_compare_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_RUNS,
  PROP_GROUP_SEEDS,
  PROP_COMPARISON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void queue_update (DlRunCompareView *self, gboolean soon);

/* ---- the columns ---- */

/* Column -1: the row's label; 0…: the value of that column. */
static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 36);
  gtk_list_item_set_child (item, label);
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  int column = GPOINTER_TO_INT (data);
  DlRunCompareRow *row = gtk_list_item_get_item (item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));

  gtk_label_set_text (label, column < 0 ? dl_run_compare_row_get_label (row)
                                        : dl_run_compare_row_get_value (row, (guint) column));
  if (column < 0)
    gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
}

static GtkColumnViewColumn *
make_column (const char *title, int column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *c;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (column));
  c = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (c, TRUE);
  return c;
}

static void
set_columns (GtkColumnView *view, DlRunCompare *cmp, const char *first_title)
{
  GListModel *columns = gtk_column_view_get_columns (view);

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr (GtkColumnViewColumn) c = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (view, c);
    }
  {
    g_autoptr (GtkColumnViewColumn) setting = make_column (first_title, -1);

    /* The same width in both tables, so that their run columns line up. */
    gtk_column_view_column_set_fixed_width (setting, SETTING_WIDTH);
    gtk_column_view_append_column (view, setting);
  }
  for (guint i = 0; i < dl_run_compare_get_n_columns (cmp); i++)
    {
      g_autoptr (GtkColumnViewColumn) c = make_column (dl_run_compare_get_column_label (cmp, i), (int) i);

      gtk_column_view_column_set_fixed_width (c, RUN_WIDTH);
      gtk_column_view_column_set_expand (c, TRUE);
      gtk_column_view_append_column (view, c);
    }
}

/* The views get new columns only when the comparison's columns change (not every half second). */
static void
update_columns (DlRunCompareView *self)
{
  guint n = dl_run_compare_get_n_columns (self->comparison);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GStrv labels;

  for (guint i = 0; i < n; i++)
    g_strv_builder_add (builder, dl_run_compare_get_column_label (self->comparison, i));
  labels = g_strv_builder_end (builder);
  if (self->column_labels != NULL && g_strv_equal ((const char *const *) labels,
                                                   (const char *const *) self->column_labels))
    {
      g_strfreev (labels);
      return;
    }
  g_strfreev (self->column_labels);
  self->column_labels = labels;
  set_columns (self->settings_view, self->comparison, _("Setting"));
  set_columns (self->results_view, self->comparison, _("Result"));
}

/* ---- following the runs ---- */

static void
on_run_changed (DlRunCompareView *self)
{
  queue_update (self, FALSE);
}

static void
on_run_loaded (DlRunCompareView *self)
{
  queue_update (self, TRUE);
}

static void
unwatch_all (DlRunCompareView *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_data (self->watched->pdata[i], self);
  g_ptr_array_set_size (self->watched, 0);
}

static void
watch (DlRunCompareView *self, DlRun *run)
{
  static const char *const changes[] = {
    "notify::name", "notify::number", "notify::best-test-accuracy", "notify::final-test-accuracy",
    "notify::epochs-done", "notify::train-seconds", "marker-added", "eval-added",
  };

  g_ptr_array_add (self->watched, g_object_ref (run));
  for (gsize i = 0; i < G_N_ELEMENTS (changes); i++)
    g_signal_connect_swapped (run, changes[i], G_CALLBACK (on_run_changed), self);
  g_signal_connect_swapped (run, "notify::loaded", G_CALLBACK (on_run_loaded), self);
}

static char *
summary (DlRunCompare *cmp, guint n_runs)
{
  guint columns = dl_run_compare_get_n_columns (cmp);

  if (columns < n_runs)
    /* TRANSLATORS: "5 runs in 2 groups of seeds" */
    return g_strdup_printf (ngettext ("%u runs in %u group of seeds", "%u runs in %u groups of seeds", columns),
                            n_runs, columns);
  return g_strdup_printf (ngettext ("%u run", "%u runs", n_runs), n_runs);
}

static void
update (DlRunCompareView *self)
{
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = self->runs != NULL ? g_list_model_get_n_items (self->runs) : 0;
  g_autoptr (GtkNoSelection) settings = NULL, results = NULL;
  g_autofree char *text = NULL;
  guint n_settings;

  unwatch_all (self);
  for (guint i = 0; i < n; i++)
    {
      DlRun *run = g_list_model_get_item (self->runs, i);

      g_ptr_array_add (runs, run);
      watch (self, run);
    }
  g_clear_object (&self->comparison);
  self->comparison = dl_run_compare_new ((DlRun *const *) runs->pdata, runs->len, self->group_seeds);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARISON]);
  if (n == 0)
    {
      gtk_label_set_text (self->summary_label, "");
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  text = summary (self->comparison, n);
  gtk_label_set_text (self->summary_label, text);
  update_columns (self);
  settings = gtk_no_selection_new (g_object_ref (dl_run_compare_get_settings (self->comparison)));
  results = gtk_no_selection_new (g_object_ref (dl_run_compare_get_results (self->comparison)));
  gtk_column_view_set_model (self->settings_view, GTK_SELECTION_MODEL (settings));
  gtk_column_view_set_model (self->results_view, GTK_SELECTION_MODEL (results));

  n_settings = g_list_model_get_n_items (dl_run_compare_get_settings (self->comparison));
  if (dl_run_compare_get_n_columns (self->comparison) < 2)
    gtk_label_set_text (self->same_label, n > 1 ? _("No setting differs: these runs differ only in their seed.")
                                                : _("Tick another run to see what differs."));
  else
    gtk_label_set_text (self->same_label, _("No setting differs."));
  gtk_stack_set_visible_child_name (self->settings_stack, n_settings > 0 ? "rows" : "same");
  gtk_stack_set_visible_child_name (self->stack, "table");
}

static gboolean
update_cb (gpointer data)
{
  DlRunCompareView *self = data;

  self->update_id = 0;
  update (self);
  return G_SOURCE_REMOVE;
}

/* soon: at the next idle (a run added or loaded); else within UPDATE_INTERVAL_MS (a run training). */
static void
queue_update (DlRunCompareView *self, gboolean soon)
{
  if (self->update_id != 0 && (self->update_soon || !soon))
    return;
  g_clear_handle_id (&self->update_id, g_source_remove);
  self->update_soon = soon;
  self->update_id = soon ? g_idle_add (update_cb, self) : g_timeout_add (UPDATE_INTERVAL_MS, update_cb, self);
}

static void
on_runs_changed (DlRunCompareView *self)
{
  queue_update (self, TRUE);
}

void
dl_run_compare_view_set_runs (DlRunCompareView *self, GListModel *runs)
{
  g_return_if_fail (DL_IS_RUN_COMPARE_VIEW (self));
  g_return_if_fail (runs == NULL || G_IS_LIST_MODEL (runs));

  if (self->runs == runs)
    return;
  if (self->runs != NULL)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_set_object (&self->runs, runs);
  if (runs != NULL)
    g_signal_connect_swapped (runs, "items-changed", G_CALLBACK (on_runs_changed), self);
  queue_update (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNS]);
}

void
dl_run_compare_view_set_group_seeds (DlRunCompareView *self, gboolean group_seeds)
{
  g_return_if_fail (DL_IS_RUN_COMPARE_VIEW (self));
  if (self->group_seeds == !!group_seeds)
    return;
  self->group_seeds = !!group_seeds;
  queue_update (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUP_SEEDS]);
}

/* ---- the object ---- */

static void
dl_run_compare_view_dispose (GObject *object)
{
  DlRunCompareView *self = DL_RUN_COMPARE_VIEW (object);

  g_clear_handle_id (&self->update_id, g_source_remove);
  unwatch_all (self);
  if (self->runs != NULL)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_clear_object (&self->runs);
  g_clear_object (&self->comparison);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_RUN_COMPARE_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (dl_run_compare_view_parent_class)->dispose (object);
}

static void
dl_run_compare_view_finalize (GObject *object)
{
  DlRunCompareView *self = DL_RUN_COMPARE_VIEW (object);

  g_ptr_array_unref (self->watched);
  g_strfreev (self->column_labels);
  G_OBJECT_CLASS (dl_run_compare_view_parent_class)->finalize (object);
}

static void
dl_run_compare_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRunCompareView *self = DL_RUN_COMPARE_VIEW (object);

  switch (prop_id)
    {
    case PROP_RUNS:        g_value_set_object (value, self->runs); break;
    case PROP_GROUP_SEEDS: g_value_set_boolean (value, self->group_seeds); break;
    case PROP_COMPARISON:  g_value_set_object (value, self->comparison); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_compare_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRunCompareView *self = DL_RUN_COMPARE_VIEW (object);

  switch (prop_id)
    {
    case PROP_RUNS:        dl_run_compare_view_set_runs (self, g_value_get_object (value)); break;
    case PROP_GROUP_SEEDS: dl_run_compare_view_set_group_seeds (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_compare_view_class_init (DlRunCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = dl_run_compare_view_dispose;
  object_class->finalize = dl_run_compare_view_finalize;
  object_class->get_property = dl_run_compare_view_get_property;
  object_class->set_property = dl_run_compare_view_set_property;

  properties[PROP_RUNS] = g_param_spec_object ("runs", NULL, NULL, G_TYPE_LIST_MODEL, rw);
  properties[PROP_GROUP_SEEDS] = g_param_spec_boolean ("group-seeds", NULL, NULL, FALSE, rw);
  properties[PROP_COMPARISON] = g_param_spec_object ("comparison", NULL, NULL, DL_TYPE_RUN_COMPARE,
                                                     G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-run-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DlRunCompareView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, DlRunCompareView, group_toggle);
  gtk_widget_class_bind_template_child (widget_class, DlRunCompareView, stack);
  gtk_widget_class_bind_template_child (widget_class, DlRunCompareView, settings_stack);
  gtk_widget_class_bind_template_child (widget_class, DlRunCompareView, settings_view);
  gtk_widget_class_bind_template_child (widget_class, DlRunCompareView, same_label);
  gtk_widget_class_bind_template_child (widget_class, DlRunCompareView, results_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
dl_run_compare_view_init (DlRunCompareView *self)
{
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_object_bind_property (self, "group-seeds", self->group_toggle, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_stack_set_visible_child_name (self->stack, "none");
}

GtkWidget *
dl_run_compare_view_new (void)
{
  return g_object_new (DL_TYPE_RUN_COMPARE_VIEW, NULL);
}

GListModel *
dl_run_compare_view_get_runs (DlRunCompareView *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_VIEW (self), NULL);
  return self->runs;
}

gboolean
dl_run_compare_view_get_group_seeds (DlRunCompareView *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_VIEW (self), FALSE);
  return self->group_seeds;
}

DlRunCompare *
dl_run_compare_view_get_comparison (DlRunCompareView *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_VIEW (self), NULL);
  return self->comparison;
}

GtkColumnView *
dl_run_compare_view_get_settings_view (DlRunCompareView *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_VIEW (self), NULL);
  return self->settings_view;
}

GtkColumnView *
dl_run_compare_view_get_results_view (DlRunCompareView *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_VIEW (self), NULL);
  return self->results_view;
}
