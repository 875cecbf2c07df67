/* dl-session-family.c — the family of a run opened from the store: the run its line of branches begins with
 * and every run branched from it, directly or not, as the Runs page's tree shows them. It becomes the
 * session's "branches" (see dl-session.h), so that the Train page draws it as it draws the branches made in
 * this session: each run's own curves (a branch's begin where it branched off), in its own colour. */
#include "config.h"

#include "dl-session-private.h"

/* uuid → DlRun (not referenced) of every run the store lists. */
static GHashTable *
runs_by_uuid (DlSession *self)
{
  GListModel *runs = dl_run_store_get_runs (self->store);
  GHashTable *table = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (runs, i);

      g_hash_table_insert (table, (gpointer) dl_run_get_uuid (run), run);
    }
  return table;
}

/* The listed parent of a run, NULL when it has none or its parent is not listed (deleted). */
static DlRun *
listed_parent (GHashTable *table, DlRun *run)
{
  const char *uuid = dl_run_get_parent_uuid (run);

  return uuid != NULL ? g_hash_table_lookup (table, uuid) : NULL;
}

/* The first run of run's line; a store is read from a file, so a loop of parents ends after as many steps
 * as there are runs rather than never. */
static DlRun *
family_root (GHashTable *table, DlRun *run)
{
  guint left = g_hash_table_size (table);
  DlRun *parent;

  while (left-- > 0 && (parent = listed_parent (table, run)) != NULL)
    run = parent;
  return run;
}

static gboolean
descends_from (GHashTable *table, DlRun *run, DlRun *root)
{
  guint left = g_hash_table_size (table);

  while (left-- > 0 && (run = listed_parent (table, run)) != NULL)
    if (run == root)
      return TRUE;
  return FALSE;
}

/* The root, then its descendants in the store's order. */
static GPtrArray *
store_family (DlSession *self, DlRun *run)
{
  g_autoptr (GHashTable) table = runs_by_uuid (self);
  GListModel *runs = dl_run_store_get_runs (self->store);
  GPtrArray *family = g_ptr_array_new_with_free_func (g_object_unref);
  DlRun *root = g_hash_table_contains (table, dl_run_get_uuid (run)) ? family_root (table, run) : run;

  g_ptr_array_add (family, g_object_ref (root));
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr (DlRun) other = g_list_model_get_item (runs, i);

      if (other != root && descends_from (table, other, root))
        g_ptr_array_add (family, g_object_ref (other));
    }
  return family;
}

/* A run shown that is not among the branches brings its family from the store, when it has one; the
 * branches made in this session keep the x each branched off at (dl_session_get_branch_x), the others are
 * drawn over their own history, which begins where they branched off. */
void
dl_session_family_show (DlSession *self, DlRun *run)
{
  g_autoptr (GPtrArray) family = NULL;

  if (self->store == NULL || run == NULL || g_list_store_find (self->branches, run, NULL))
    return;
  family = store_family (self, run);
  if (family->len < 2)
    return;
  /* The run itself is read by whoever shows it. */
  for (guint i = 0; i < family->len; i++)
    if (g_ptr_array_index (family, i) != run)
      dl_session_load_history (self, g_ptr_array_index (family, i), self->cancellable);
  g_list_store_splice (self->branches, 0, g_list_model_get_n_items (G_LIST_MODEL (self->branches)), family->pdata,
                       family->len);
}
