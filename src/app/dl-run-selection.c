/* dl-run-selection.c — the selection of runs kept in a GListStore (see dl-run-selection.h). */
#include "dl-run-selection.h"

struct _DlRunSelection
{
  GObject     parent_instance;

  GListModel *model;
  GListStore *compared;
  GHashTable *selected;   /* DlRun* in `compared` (borrowed) */
};

enum {
  PROP_0,
  PROP_MODEL,
  PROP_COMPARED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_init (GListModelInterface *iface);
static void selection_model_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlRunSelection, dl_run_selection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL, selection_model_init))

DlRun *
dl_run_selection_run_of (gpointer item)
{
  if (GTK_IS_TREE_LIST_ROW (item))
    {
      g_autoptr (GObject) inner = gtk_tree_list_row_get_item (item);

      return DL_IS_RUN (inner) ? g_object_ref (DL_RUN (inner)) : NULL;
    }
  return DL_IS_RUN (item) ? g_object_ref (DL_RUN (item)) : NULL;
}

/* ---- GListModel: the list, as it is ---- */

static GType
get_item_type (GListModel *list)
{
  DlRunSelection *self = DL_RUN_SELECTION (list);

  return self->model != NULL ? g_list_model_get_item_type (self->model) : G_TYPE_OBJECT;
}

static guint
get_n_items (GListModel *list)
{
  DlRunSelection *self = DL_RUN_SELECTION (list);

  return self->model != NULL ? g_list_model_get_n_items (self->model) : 0;
}

static gpointer
get_item (GListModel *list, guint position)
{
  DlRunSelection *self = DL_RUN_SELECTION (list);

  return self->model != NULL ? g_list_model_get_item (self->model, position) : NULL;
}

static void
list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* ---- GtkSelectionModel: membership of the store ---- */

static gboolean
is_selected (GtkSelectionModel *model, guint position)
{
  DlRunSelection *self = DL_RUN_SELECTION (model);
  g_autoptr (GObject) item = get_item (G_LIST_MODEL (self), position);
  g_autoptr (DlRun) run = item != NULL ? dl_run_selection_run_of (item) : NULL;

  return run != NULL && g_hash_table_contains (self->selected, run);
}

static void
remove_from_compared (DlRunSelection *self, DlRun *run)
{
  guint pos;

  if (g_list_store_find (self->compared, run, &pos))
    g_list_store_remove (self->compared, pos);
}

/* Runs newly selected are added in the list's order, after the runs already compared. */
static gboolean
set_selection (GtkSelectionModel *model, GtkBitset *selected, GtkBitset *mask)
{
  DlRunSelection *self = DL_RUN_SELECTION (model);
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);
  GtkBitsetIter iter;
  guint pos, n = get_n_items (G_LIST_MODEL (self));

  if (self->compared == NULL)
    return FALSE;
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, mask, &pos); ok && pos < n;
       ok = gtk_bitset_iter_next (&iter, &pos))
    {
      g_autoptr (GObject) item = get_item (G_LIST_MODEL (self), pos);
      g_autoptr (DlRun) run = item != NULL ? dl_run_selection_run_of (item) : NULL;
      gboolean want = gtk_bitset_contains (selected, pos), have;

      if (run == NULL)
        continue;
      have = g_hash_table_contains (self->selected, run);
      if (want && !have && !g_ptr_array_find (added, run, NULL))
        g_ptr_array_add (added, g_object_ref (run));
      else if (!want && have)
        g_ptr_array_add (removed, g_object_ref (run));
    }
  for (guint i = 0; i < removed->len; i++)
    remove_from_compared (self, removed->pdata[i]);
  if (added->len > 0)
    g_list_store_splice (self->compared, g_list_model_get_n_items (G_LIST_MODEL (self->compared)), 0,
                         added->pdata, added->len);
  return TRUE;
}

static void
selection_model_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = is_selected;
  iface->set_selection = set_selection;
}

/* ---- following the list and the store ---- */

static void
on_model_items_changed (GListModel *model, guint position, guint removed, guint added, DlRunSelection *self)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
on_compared_changed (GListModel *compared, guint position, guint removed, guint added, DlRunSelection *self)
{
  guint n = get_n_items (G_LIST_MODEL (self));

  g_hash_table_remove_all (self->selected);
  for (guint i = 0; i < g_list_model_get_n_items (compared); i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (compared, i);

      g_hash_table_add (self->selected, run);
    }
  if (n > 0)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), 0, n);
}

void
dl_run_selection_set_compared (DlRunSelection *self, GListStore *compared)
{
  g_return_if_fail (DL_IS_RUN_SELECTION (self));
  g_return_if_fail (compared == NULL || G_IS_LIST_STORE (compared));

  if (self->compared == compared)
    return;
  if (self->compared != NULL)
    g_signal_handlers_disconnect_by_data (self->compared, self);
  g_set_object (&self->compared, compared);
  g_hash_table_remove_all (self->selected);
  if (compared != NULL)
    {
      g_signal_connect (compared, "items-changed", G_CALLBACK (on_compared_changed), self);
      on_compared_changed (G_LIST_MODEL (compared), 0, 0, 0, self);
    }
  else if (get_n_items (G_LIST_MODEL (self)) > 0)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), 0, get_n_items (G_LIST_MODEL (self)));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARED]);
}

static void
set_model (DlRunSelection *self, GListModel *model)
{
  self->model = model != NULL ? g_object_ref (model) : NULL;
  if (model != NULL)
    g_signal_connect (model, "items-changed", G_CALLBACK (on_model_items_changed), self);
}

/* ---- the object ---- */

static void
dl_run_selection_dispose (GObject *object)
{
  DlRunSelection *self = DL_RUN_SELECTION (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->compared != NULL)
    g_signal_handlers_disconnect_by_data (self->compared, self);
  g_clear_object (&self->model);
  g_clear_object (&self->compared);
  g_hash_table_remove_all (self->selected);
  G_OBJECT_CLASS (dl_run_selection_parent_class)->dispose (object);
}

static void
dl_run_selection_finalize (GObject *object)
{
  g_hash_table_unref (DL_RUN_SELECTION (object)->selected);
  G_OBJECT_CLASS (dl_run_selection_parent_class)->finalize (object);
}

static void
dl_run_selection_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRunSelection *self = DL_RUN_SELECTION (object);

  switch (prop_id)
    {
    case PROP_MODEL:    g_value_set_object (value, self->model); break;
    case PROP_COMPARED: g_value_set_object (value, self->compared); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_selection_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRunSelection *self = DL_RUN_SELECTION (object);

  switch (prop_id)
    {
    case PROP_MODEL:    set_model (self, g_value_get_object (value)); break;
    case PROP_COMPARED: dl_run_selection_set_compared (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_selection_class_init (DlRunSelectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dl_run_selection_dispose;
  object_class->finalize = dl_run_selection_finalize;
  object_class->get_property = dl_run_selection_get_property;
  object_class->set_property = dl_run_selection_set_property;

  properties[PROP_MODEL] = g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPARED] = g_param_spec_object ("compared", NULL, NULL, G_TYPE_LIST_STORE,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dl_run_selection_init (DlRunSelection *self)
{
  self->selected = g_hash_table_new (NULL, NULL);
}

DlRunSelection *
dl_run_selection_new (GListModel *model, GListStore *compared)
{
  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);
  return g_object_new (DL_TYPE_RUN_SELECTION, "model", model, "compared", compared, NULL);
}

GListModel *
dl_run_selection_get_model (DlRunSelection *self)
{
  g_return_val_if_fail (DL_IS_RUN_SELECTION (self), NULL);
  return self->model;
}

GListStore *
dl_run_selection_get_compared (DlRunSelection *self)
{
  g_return_val_if_fail (DL_IS_RUN_SELECTION (self), NULL);
  return self->compared;
}
