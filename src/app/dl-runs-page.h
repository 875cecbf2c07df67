/* dl-runs-page.h — the Runs page: every run of the run store, to find, name, compare, export and delete.
 *
 * A list of the store's runs (dl_run_store_get_runs: this process's as they are recorded, other processes'
 * — digitlab-cli train — as they commit), branched runs under their parent: an editable name and notes,
 * number, preset and architecture, data set, start, training time, state, best whole-test-set accuracy with
 * its epoch, final accuracy; every column sortable (newest first to begin with), a filter on words of the
 * name, notes, architecture or preset and on the state.
 *
 * The runs ticked in the list (or selected: click, Ctrl+click, Shift+click) are the "compared" store: the
 * comparison table below shows only the settings that differ among them, with the changes made while they
 * trained, and each one's best values (DlRunCompareView); the page loads their history from the store
 * (series, markers, evaluations: "loaded" notifies) so that the Train page can draw them too. Export writes
 * the compared runs as one long-format CSV; Delete deletes them (softly), with a "Run deleted — Undo"
 * notice; once the notice is gone, and when the page goes, they are purged from the store.
 *
 * Actions (group "runs"): runs.open, runs.branch, runs.export, runs.delete (Delete), runs.undo-delete
 * (Ctrl+Z), runs.dismiss-toast, runs.clear-comparison, runs.compare ("(sb)": uuid, compared). A row's
 * activation (double click, Enter) and runs.open activate session.open-run with the run's uuid ("s"), and
 * runs.branch ("Branch from End", on the one ticked run) session.branch-run: an ancestor provides the
 * "session" action group.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-run-store.h"
#include "dl-run-compare-view.h"

G_BEGIN_DECLS

#define DL_TYPE_RUNS_PAGE (dl_runs_page_get_type ())
G_DECLARE_FINAL_TYPE (DlRunsPage, dl_runs_page, DL, RUNS_PAGE, GtkWidget)

GtkWidget  *dl_runs_page_new (void);

/* "store": the run store, NULL when there is none (it could not be opened: the page says so). */
DlRunStore *dl_runs_page_get_store (DlRunsPage *self);
void        dl_runs_page_set_store (DlRunsPage *self, DlRunStore *store);
/* "store-error": why there is no store, shown with the unavailable state (NULL: not known). */
void        dl_runs_page_set_store_error (DlRunsPage *self, const char *message);
/* "compared": the GListStore of DlRun being compared (the page's own until one is given; never NULL). */
GListStore *dl_runs_page_get_compared (DlRunsPage *self);
void        dl_runs_page_set_compared (DlRunsPage *self, GListStore *compared);
/* "group-seeds": runs that differ only in their seed are compared as one (mean ± sd, range). */
gboolean    dl_runs_page_get_group_seeds (DlRunsPage *self);
void        dl_runs_page_set_group_seeds (DlRunsPage *self, gboolean group_seeds);

/* The list (its model: GtkTreeListRow of DlRun, as sorted and filtered) and the comparison table. */
GtkColumnView    *dl_runs_page_get_column_view (DlRunsPage *self);
DlRunCompareView *dl_runs_page_get_compare_view (DlRunsPage *self);
/* The deletion notice's text while it is shown, else NULL. */
const char *dl_runs_page_get_toast (DlRunsPage *self);

G_END_DECLS
