/* dl-run-tree.c — runs as a tree of branches (see dl-run-tree.h). */
#include "dl-run-tree.h"

struct _DlRunTree
{
  GObject     parent_instance;

  GListModel *runs;
  GListStore *roots;
  GHashTable *by_uuid;    /* uuid → DlRun in `runs` (borrowed) */
  GHashTable *children;   /* parent uuid → GListStore of DlRun, for runs that have children */
};

G_DEFINE_FINAL_TYPE (DlRunTree, dl_run_tree, G_TYPE_OBJECT)

/* The run's parent in the list, unless following parents from it never reaches a root (a loop). */
static DlRun *
parent_of (DlRunTree *self, DlRun *run)
{
  const char *uuid = dl_run_get_parent_uuid (run);
  DlRun *parent = uuid != NULL ? g_hash_table_lookup (self->by_uuid, uuid) : NULL;
  guint limit = g_hash_table_size (self->by_uuid);

  if (parent == NULL || parent == run)
    return NULL;
  for (DlRun *up = parent; up != NULL; limit--)
    {
      const char *next = dl_run_get_parent_uuid (up);

      if (limit == 0)
        return NULL;
      up = next != NULL ? g_hash_table_lookup (self->by_uuid, next) : NULL;
    }
  return parent;
}

static gboolean
contains (GPtrArray *array, gpointer item)
{
  return g_ptr_array_find (array, item, NULL);
}

/* Makes `store` hold `wanted`, in order, with the fewest changes: both follow the list's order, so the
 * runs they share are in the same order. */
static void
sync_store (GListStore *store, GPtrArray *wanted)
{
  guint i = 0, j = 0;

  while (i < g_list_model_get_n_items (G_LIST_MODEL (store)) || j < wanted->len)
    {
      g_autoptr (GObject) have = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (have != NULL && j < wanted->len && have == wanted->pdata[j])
        i++, j++;
      else if (have != NULL && !contains (wanted, have))
        g_list_store_remove (store, i);
      else
        g_list_store_insert (store, i++, wanted->pdata[j++]);
    }
}

/* Replaces the run by itself where it is shown, so that a tree list asks for its children again. */
static void
renew (DlRunTree *self, DlRun *run)
{
  DlRun *parent = parent_of (self, run);
  GListStore *store = parent != NULL ? g_hash_table_lookup (self->children, dl_run_get_uuid (parent)) : self->roots;
  guint pos;

  if (store != NULL && g_list_store_find (store, run, &pos))
    g_list_store_splice (store, pos, 1, (gpointer *) &run, 1);
}

static void
rebuild (DlRunTree *self)
{
  guint n = g_list_model_get_n_items (self->runs);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) roots = g_ptr_array_new ();
  g_autoptr (GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                         (GDestroyNotify) g_ptr_array_unref);
  g_autoptr (GPtrArray) flipped = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_remove_all (self->by_uuid);
  for (guint i = 0; i < n; i++)
    {
      DlRun *run = g_list_model_get_item (self->runs, i);

      g_ptr_array_add (items, run);
      g_hash_table_insert (self->by_uuid, (gpointer) dl_run_get_uuid (run), run);
    }
  for (guint i = 0; i < n; i++)
    {
      DlRun *run = items->pdata[i], *parent = parent_of (self, run);
      GPtrArray *siblings;

      if (parent == NULL)
        {
          g_ptr_array_add (roots, run);
          continue;
        }
      siblings = g_hash_table_lookup (wanted, dl_run_get_uuid (parent));
      if (siblings == NULL)
        {
          siblings = g_ptr_array_new ();
          g_hash_table_insert (wanted, (gpointer) dl_run_get_uuid (parent), siblings);
        }
      g_ptr_array_add (siblings, run);
    }

  /* Runs that had children and have none now, and the other way round. */
  g_hash_table_iter_init (&iter, self->children);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (wanted, key))
      {
        DlRun *run = g_hash_table_lookup (self->by_uuid, key);

        if (run != NULL)
          g_ptr_array_add (flipped, g_object_ref (run));
        g_hash_table_iter_remove (&iter);
      }
  g_hash_table_iter_init (&iter, wanted);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GListStore *store = g_hash_table_lookup (self->children, key);

      if (store == NULL)
        {
          store = g_list_store_new (DL_TYPE_RUN);
          g_hash_table_insert (self->children, g_strdup (key), store);
          g_ptr_array_add (flipped, g_object_ref (g_hash_table_lookup (self->by_uuid, key)));
        }
      sync_store (store, value);
    }
  sync_store (self->roots, roots);
  for (guint i = 0; i < flipped->len; i++)
    renew (self, flipped->pdata[i]);
}

static void
on_items_changed (GListModel *runs, guint position, guint removed, guint added, DlRunTree *self)
{
  rebuild (self);
}

static void
dl_run_tree_dispose (GObject *object)
{
  DlRunTree *self = DL_RUN_TREE (object);

  if (self->runs != NULL)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_clear_object (&self->runs);
  G_OBJECT_CLASS (dl_run_tree_parent_class)->dispose (object);
}

static void
dl_run_tree_finalize (GObject *object)
{
  DlRunTree *self = DL_RUN_TREE (object);

  g_object_unref (self->roots);
  g_hash_table_unref (self->by_uuid);
  g_hash_table_unref (self->children);
  G_OBJECT_CLASS (dl_run_tree_parent_class)->finalize (object);
}

static void
dl_run_tree_class_init (DlRunTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dl_run_tree_dispose;
  object_class->finalize = dl_run_tree_finalize;
}

static void
dl_run_tree_init (DlRunTree *self)
{
  self->roots = g_list_store_new (DL_TYPE_RUN);
  self->by_uuid = g_hash_table_new (g_str_hash, g_str_equal);
  self->children = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

DlRunTree *
dl_run_tree_new (GListModel *runs)
{
  DlRunTree *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (runs), NULL);
  self = g_object_new (DL_TYPE_RUN_TREE, NULL);
  self->runs = g_object_ref (runs);
  g_signal_connect (runs, "items-changed", G_CALLBACK (on_items_changed), self);
  rebuild (self);
  return self;
}

GListModel *
dl_run_tree_get_roots (DlRunTree *self)
{
  g_return_val_if_fail (DL_IS_RUN_TREE (self), NULL);
  return G_LIST_MODEL (self->roots);
}

GListModel *
dl_run_tree_dup_children (DlRunTree *self, DlRun *run)
{
  GListStore *store;

  g_return_val_if_fail (DL_IS_RUN_TREE (self), NULL);
  g_return_val_if_fail (DL_IS_RUN (run), NULL);
  store = g_hash_table_lookup (self->children, dl_run_get_uuid (run));
  return store != NULL ? g_object_ref (G_LIST_MODEL (store)) : NULL;
}

gboolean
dl_run_tree_any_descendant (DlRunTree *self, DlRun *run, DlRunTreeFunc func, gpointer user_data)
{
  GListModel *children;

  g_return_val_if_fail (DL_IS_RUN_TREE (self), FALSE);
  g_return_val_if_fail (DL_IS_RUN (run), FALSE);
  children = g_hash_table_lookup (self->children, dl_run_get_uuid (run));
  for (guint i = 0; children != NULL && i < g_list_model_get_n_items (children); i++)
    {
      g_autoptr (DlRun) child = g_list_model_get_item (children, i);

      if (func (child, user_data) || dl_run_tree_any_descendant (self, child, func, user_data))
        return TRUE;
    }
  return FALSE;
}
