/* dl-run-edit-cell.h — a run's name or notes in a cell of the Runs page's list, edited in place (click or
 * Enter; Enter or leaving the cell keeps the edit, Escape drops it). The edit goes to the run, which the
 * store holding it saves. A name cannot be emptied; empty notes show a dimmed "Add notes" to click. */
#pragma once

#include <gtk/gtk.h>
#include "dl-run.h"

G_BEGIN_DECLS

typedef enum {
  DL_RUN_EDIT_NAME,
  DL_RUN_EDIT_NOTES,
} DlRunEditField;

#define DL_TYPE_RUN_EDIT_FIELD (dl_run_edit_field_get_type ())
GType dl_run_edit_field_get_type (void) G_GNUC_CONST;

#define DL_TYPE_RUN_EDIT_CELL (dl_run_edit_cell_get_type ())
G_DECLARE_FINAL_TYPE (DlRunEditCell, dl_run_edit_cell, DL, RUN_EDIT_CELL, GtkWidget)

GtkWidget      *dl_run_edit_cell_new (DlRunEditField field);

DlRun          *dl_run_edit_cell_get_run (DlRunEditCell *self);
void            dl_run_edit_cell_set_run (DlRunEditCell *self, DlRun *run);
DlRunEditField  dl_run_edit_cell_get_field (DlRunEditCell *self);
/* The GtkEditableLabel (start editing, type, stop editing: as a user does). */
GtkEditableLabel *dl_run_edit_cell_get_label (DlRunEditCell *self);

G_END_DECLS
