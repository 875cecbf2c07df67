/* dl-plot.h — a line plot of DlSeries for the training dashboard: loss (raw faint + smoothed bold),
 * accuracy per epoch with point markers, a linear or log y axis with nice ticks, legend, hover read-outs,
 * labelled vertical markers (hyperparameter changes) and PNG/SVG/CSV export.
 *
 * One drawing function, dl_plot_draw(), serves the widget's snapshot, the exports and off-screen tests.
 * Actions (for menus and shortcuts): plot.export-png, plot.export-svg, plot.export-csv, plot.log-y.
 * CSS: node name "plot", style class "dl-plot"; the series colours come from a palette with light and
 * dark variants chosen from the widget's foreground colour.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-series.h"

G_BEGIN_DECLS

#define DL_TYPE_PLOT (dl_plot_get_type ())
G_DECLARE_FINAL_TYPE (DlPlot, dl_plot, DL, PLOT, GtkWidget)

GtkWidget  *dl_plot_new             (void);

const char *dl_plot_get_title       (DlPlot *self);
void        dl_plot_set_title       (DlPlot *self, const char *title);
const char *dl_plot_get_x_label     (DlPlot *self);
void        dl_plot_set_x_label     (DlPlot *self, const char *label);
const char *dl_plot_get_y_label     (DlPlot *self);
void        dl_plot_set_y_label     (DlPlot *self, const char *label);
gboolean    dl_plot_get_log_y       (DlPlot *self);
void        dl_plot_set_log_y       (DlPlot *self, gboolean log_y);
/* Smoothing factor 0..0.999 given to every series that wants smoothing (dl_series_set_smooth) when it is
 * added and whenever this changes. A smoothed series draws its raw values faint behind the smoothed line,
 * and the y axis scales to the smoothed line (raw outliers are clipped, as in TensorBoard). */
double      dl_plot_get_smoothing   (DlPlot *self);
void        dl_plot_set_smoothing   (DlPlot *self, double smoothing);

/* The plot keeps a reference and redraws whenever the series changes. Drawn in the order added. */
void        dl_plot_add_series      (DlPlot *self, DlSeries *series);
void        dl_plot_remove_series   (DlPlot *self, DlSeries *series);
guint       dl_plot_get_n_series    (DlPlot *self);
DlSeries   *dl_plot_get_series      (DlPlot *self, guint i);

/* A labelled vertical line at x, e.g. where the learning rate changed ("lr 0.05 → 0.01"). */
void        dl_plot_add_marker      (DlPlot *self, double x, const char *label);
void        dl_plot_clear_markers   (DlPlot *self);
guint       dl_plot_get_n_markers   (DlPlot *self);
double      dl_plot_get_marker_x    (DlPlot *self, guint i);
const char *dl_plot_get_marker_label (DlPlot *self, guint i);

/* Draw the whole plot into cr over (0, 0, width, height), without painting a background (the widget's
 * CSS background shows through; exports paint one first). Includes the hover crosshair and read-out while
 * the pointer is over the data area (exports leave them out). Series are decimated to one entry per pixel
 * column, so the cost hardly grows with the number of points. */
void        dl_plot_draw            (DlPlot *self, cairo_t *cr, int width, int height);
/* Where the data area lies when drawn at width × height. */
void        dl_plot_get_plot_area   (DlPlot *self, int width, int height, graphene_rect_t *area);

/* Exports, written atomically; errors name the file. */
gboolean    dl_plot_export_png      (DlPlot *self, const char *path, int width, int height, GError **error);
gboolean    dl_plot_export_svg      (DlPlot *self, const char *path, int width, int height, GError **error);
/* All series as CSV: series,x,y,smoothed — one row per point, smoothed empty for unsmoothed series. */
gboolean    dl_plot_export_csv      (DlPlot *self, const char *path, GError **error);

G_END_DECLS
