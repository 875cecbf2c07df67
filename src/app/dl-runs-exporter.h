/* dl-runs-exporter.h — the Runs page's CSV export: a save dialog, then the store's one long-format CSV of
 * the runs (dl_run_store_export_csv_async: run,uuid,name,metric,step,x,value,text), written atomically on a
 * thread; an error dialog naming the file when that fails.
 *
 * Like DlPlotExporter, it belongs to the widget that made it (its owner), which drops it in its dispose:
 * that destroys an open chooser or error dialog and cancels a write in progress, so no answer arrives for a
 * widget that is gone. Signals: "exported" (const char *path) once a file is written.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-run-store.h"

G_BEGIN_DECLS

#define DL_TYPE_RUNS_EXPORTER (dl_runs_exporter_get_type ())
G_DECLARE_FINAL_TYPE (DlRunsExporter, dl_runs_exporter, DL, RUNS_EXPORTER, GObject)

/* Dialogs are transient for the owner's window; the owner is held by weak reference. */
DlRunsExporter *dl_runs_exporter_new (GtkWidget *owner);

/* Opens the save dialog for the runs (DlRun*, in this order) of `store`; `basename` is the suggested file
 * name without ".csv". A dialog already open is replaced. */
void            dl_runs_exporter_choose (DlRunsExporter *self, DlRunStore *store, GPtrArray *runs,
                                         const char *basename);

G_END_DECLS
