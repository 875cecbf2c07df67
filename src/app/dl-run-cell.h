/* dl-run-cell.h — one figure of a run in a cell of the Runs page's list, kept up to date as the run
 * changes (a run recorded now, or by another process): its number, recipe, data set, start, training time,
 * state, best test accuracy with its epoch, or final accuracy. */
#pragma once

#include <gtk/gtk.h>
#include "dl-run.h"

G_BEGIN_DECLS

typedef enum {
  DL_RUN_FIELD_NUMBER,
  DL_RUN_FIELD_RECIPE,     /* preset · architecture */
  DL_RUN_FIELD_DATA,
  DL_RUN_FIELD_STARTED,
  DL_RUN_FIELD_DURATION,
  DL_RUN_FIELD_STATE,
  DL_RUN_FIELD_BEST,       /* best whole-test-set accuracy (epoch) */
  DL_RUN_FIELD_FINAL,      /* the final model's test accuracy */
} DlRunField;

#define DL_TYPE_RUN_FIELD (dl_run_field_get_type ())
GType dl_run_field_get_type (void) G_GNUC_CONST;

#define DL_TYPE_RUN_CELL (dl_run_cell_get_type ())
G_DECLARE_FINAL_TYPE (DlRunCell, dl_run_cell, DL, RUN_CELL, GtkWidget)

GtkWidget  *dl_run_cell_new (DlRunField field);

DlRun      *dl_run_cell_get_run (DlRunCell *self);
void        dl_run_cell_set_run (DlRunCell *self, DlRun *run);
DlRunField  dl_run_cell_get_field (DlRunCell *self);
/* What the cell shows now. */
const char *dl_run_cell_get_text (DlRunCell *self);

G_END_DECLS
