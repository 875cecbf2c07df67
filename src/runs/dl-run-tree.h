/* dl-run-tree.h — the parent → child relations among a list of runs (a branched run names the run it came
 * from): the roots (runs whose parent is not in the list) and each run's children, as list models that
 * follow the list, in its order. What a GtkTreeListModel of runs is built on; no GTK.
 *
 * A run that gains its first child or loses its last is replaced by itself in the model that holds it (an
 * items-changed of one item at its place), so that a tree list asks for its children again.
 */
#pragma once

#include <gio/gio.h>
#include "dl-run.h"

G_BEGIN_DECLS

#define DL_TYPE_RUN_TREE (dl_run_tree_get_type ())
G_DECLARE_FINAL_TYPE (DlRunTree, dl_run_tree, DL, RUN_TREE, GObject)

/* `runs`: a model of DlRun, e.g. dl_run_store_get_runs; the tree follows its changes. */
DlRunTree  *dl_run_tree_new (GListModel *runs);

/* DlRun without a parent in the list. */
GListModel *dl_run_tree_get_roots (DlRunTree *self);
/* The run's children as a model that stays up to date (transfer full), or NULL when it has none now. */
GListModel *dl_run_tree_dup_children (DlRunTree *self, DlRun *run);

typedef gboolean (*DlRunTreeFunc) (DlRun *run, gpointer user_data);
/* Whether `func` holds for one of the run's descendants. */
gboolean    dl_run_tree_any_descendant (DlRunTree *self, DlRun *run, DlRunTreeFunc func, gpointer user_data);

G_END_DECLS
