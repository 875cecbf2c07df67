/* dl-run-compare-check.h — the check box at the start of a Runs page row: whether the run is compared
 * ("active", bound to the row's selection). Toggling it activates runs.compare ("(sb)": the run's uuid,
 * compared or not), which the page answers by adding the run to its comparison or taking it out. */
#pragma once

#include <gtk/gtk.h>
#include "dl-run.h"

G_BEGIN_DECLS

#define DL_TYPE_RUN_COMPARE_CHECK (dl_run_compare_check_get_type ())
G_DECLARE_FINAL_TYPE (DlRunCompareCheck, dl_run_compare_check, DL, RUN_COMPARE_CHECK, GtkWidget)

DlRun    *dl_run_compare_check_get_run (DlRunCompareCheck *self);
gboolean  dl_run_compare_check_get_active (DlRunCompareCheck *self);
void      dl_run_compare_check_set_active (DlRunCompareCheck *self, gboolean active);

G_END_DECLS
