/* dl-run-compare-view.h — the comparison table of the Runs page: for the runs being compared (a GListModel
 * of DlRun, e.g. the page's "compared" store), a table of only the settings that differ among them —
 * recipe, data set, origin, and live changes with their steps — and a table of their results (best test
 * accuracy and lowest test loss with their epoch and step, final accuracy, epochs, training time), one
 * column per run. With "group-seeds", runs that differ only in their seed share a column, their results
 * as mean ± standard deviation and range. It follows the runs as they change (a run loading its history, a
 * run still training), at most twice a second. See DlRunCompare for what is compared.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-run-compare.h"

G_BEGIN_DECLS

#define DL_TYPE_RUN_COMPARE_VIEW (dl_run_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (DlRunCompareView, dl_run_compare_view, DL, RUN_COMPARE_VIEW, GtkWidget)

GtkWidget    *dl_run_compare_view_new (void);

GListModel   *dl_run_compare_view_get_runs (DlRunCompareView *self);
void          dl_run_compare_view_set_runs (DlRunCompareView *self, GListModel *runs);
gboolean      dl_run_compare_view_get_group_seeds (DlRunCompareView *self);
void          dl_run_compare_view_set_group_seeds (DlRunCompareView *self, gboolean group_seeds);

/* What the tables show now (NULL before the first runs); "comparison" notifies when it is replaced. */
DlRunCompare *dl_run_compare_view_get_comparison (DlRunCompareView *self);
GtkColumnView *dl_run_compare_view_get_settings_view (DlRunCompareView *self);
GtkColumnView *dl_run_compare_view_get_results_view (DlRunCompareView *self);

G_END_DECLS
