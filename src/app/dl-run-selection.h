/* dl-run-selection.h — a GtkSelectionModel over a list of runs whose selection is a GListStore of DlRun:
 * the runs the user compares. Selecting a row adds its run to the store, unselecting removes it, and a
 * change of the store (by anyone) is a change of the selection. Runs the list does not show (filtered out)
 * stay in the store, and are selected again when they reappear.
 *
 * The list's items are DlRun, or GtkTreeListRow whose items are DlRun (a tree of branched runs).
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-run.h"

G_BEGIN_DECLS

#define DL_TYPE_RUN_SELECTION (dl_run_selection_get_type ())
G_DECLARE_FINAL_TYPE (DlRunSelection, dl_run_selection, DL, RUN_SELECTION, GObject)

/* `compared` may be NULL: nothing is selected, and selecting does nothing. */
DlRunSelection *dl_run_selection_new (GListModel *model, GListStore *compared);

GListModel     *dl_run_selection_get_model (DlRunSelection *self);
GListStore     *dl_run_selection_get_compared (DlRunSelection *self);
void            dl_run_selection_set_compared (DlRunSelection *self, GListStore *compared);

/* The run of a list item (a DlRun or a GtkTreeListRow of one), transfer full; NULL for anything else. */
DlRun          *dl_run_selection_run_of (gpointer item);

G_END_DECLS
