/* dl-plot-exporter.h — the one save-dialog flow for plot exports (a plot's own context menu and the Train
 * page's buttons both use it): a file chooser for PNG, SVG or CSV, then dl_plot_export() of the plots, and
 * an error dialog naming the file when that fails.
 *
 * The chooser belongs to the exporter, and the exporter to the widget that made it (its owner), which
 * drops it in its dispose: that destroys any open chooser and error dialog, so no response can arrive for
 * a widget that is gone. The exporter holds its owner and plots by weak reference.
 */
#pragma once

#include "dl-plot.h"

G_BEGIN_DECLS

#define DL_TYPE_PLOT_EXPORTER (dl_plot_exporter_get_type ())
G_DECLARE_FINAL_TYPE (DlPlotExporter, dl_plot_exporter, DL, PLOT_EXPORTER, GObject)

/* Dialogs are transient for the owner's window. width × height is each plot's size in PNG and SVG; 0 uses
 * each plot's current size (at least 320 × 200). */
DlPlotExporter *dl_plot_exporter_new      (GtkWidget *owner, int width, int height);
/* Plots exported together, in this order; a plot that is not visible when exporting is left out. */
void            dl_plot_exporter_add_plot (DlPlotExporter *self, DlPlot *plot);
/* Opens the save dialog for `format` (or presents the one already open). `basename` is the suggested
 * file name without extension. */
void            dl_plot_exporter_choose   (DlPlotExporter *self, DlPlotFormat format, const char *basename);

G_END_DECLS
