/* dl-plot.h — a line plot of DlSeries for the training dashboard: loss (raw faint + smoothed bold),
 * accuracy per epoch with point markers, a linear, log or percent y axis with nice ticks, a legend, hover
 * read-outs, labelled vertical markers (hyperparameter changes), several runs overlaid (DlPlotRun) with
 * best-value markers and mean-with-band curves, and PNG/SVG/CSV export.
 *
 * The series are the model (DlSeries, kept apart from the widget as Sysprof keeps its series apart from
 * its charts); the plot follows their "changed" signal and redraws at most once per frame. Each array's
 * decimation is cached per pixel width and extended as points arrive, so a redraw after one appended point
 * does not decimate the finished runs again.
 *
 * Colours: with one run (or none), each curve takes its series' colour and the legend names the curves;
 * with several runs, each run has one colour, the legend names the runs (and a key shows which line style
 * is which curve), and the current run is drawn last, wider, with its raw band; the others thinner and
 * paler.
 *
 * One drawing function, dl_plot_draw(), serves the widget's snapshot, the exports and off-screen tests.
 * Actions (for menus and shortcuts): plot.export-png, plot.export-svg, plot.export-csv, plot.log-y, plot.menu
 * (the context menu; Menu or Shift+F10 when the plot has the keyboard focus, which Tab gives it).
 * Accessible: role img, the title as its name, dl_plot_describe() as its description.
 * The right-click menu also offers "Branch from Here" (run.branch-from) and "Go Back to Here"
 * (run.go-back-to), each with the x of the point under the pointer as a double parameter (epochs,
 * fractional: the nearest point of the current run); they show only when an ancestor provides those
 * actions (an action group "run" with parameter type "d").
 * CSS: node name "plot", style class "dl-plot"; the series colours come from a palette with light and
 * dark variants chosen from the widget's foreground colour.
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-plot-run.h"
#include "dl-series.h"

G_BEGIN_DECLS

#define DL_TYPE_PLOT (dl_plot_get_type ())
G_DECLARE_FINAL_TYPE (DlPlot, dl_plot, DL, PLOT, GtkWidget)

typedef enum {
  DL_PLOT_FORMAT_PNG,
  DL_PLOT_FORMAT_SVG,
  DL_PLOT_FORMAT_CSV,
} DlPlotFormat;

GtkWidget  *dl_plot_new             (void);

const char *dl_plot_get_title       (DlPlot *self);
void        dl_plot_set_title       (DlPlot *self, const char *title);
const char *dl_plot_get_x_label     (DlPlot *self);
void        dl_plot_set_x_label     (DlPlot *self, const char *label);
const char *dl_plot_get_y_label     (DlPlot *self);
void        dl_plot_set_y_label     (DlPlot *self, const char *label);
gboolean    dl_plot_get_log_y       (DlPlot *self);
void        dl_plot_set_log_y       (DlPlot *self, gboolean log_y);
/* The y values are percentages: the axis stays within 0–100 (an empty plot shows all of it, a single
 * value near 100 does not push it past 100), and read-outs say "97.68 %". */
gboolean    dl_plot_get_y_percent   (DlPlot *self);
void        dl_plot_set_y_percent   (DlPlot *self, gboolean percent);
/* Smoothing factor 0..0.999 given to every series that wants smoothing (dl_series_set_smooth) when it is
 * added and whenever this changes. A smoothed series draws its raw values faint behind the smoothed line,
 * and the y axis scales to the smoothed line (raw outliers are clipped, as in TensorBoard). */
double      dl_plot_get_smoothing   (DlPlot *self);
void        dl_plot_set_smoothing   (DlPlot *self, double smoothing);

/* A series on its own, styled by itself (name, colour, markers). The plot keeps a reference and
 * redraws whenever the series changes. Drawn in the order added. */
void        dl_plot_add_series      (DlPlot *self, DlSeries *series);
void        dl_plot_remove_series   (DlPlot *self, DlSeries *series);
guint       dl_plot_get_n_series    (DlPlot *self);
DlSeries   *dl_plot_get_series      (DlPlot *self, guint i);

/* Runs, drawn in the order added, the current one last (on top). The plot keeps a reference and follows
 * the run's curves and style. */
void        dl_plot_add_run         (DlPlot *self, DlPlotRun *run);
void        dl_plot_remove_run      (DlPlot *self, DlPlotRun *run);
guint       dl_plot_get_n_runs      (DlPlot *self);
DlPlotRun  *dl_plot_get_run         (DlPlot *self, guint i);
/* One of the plot's runs, or NULL. */
void        dl_plot_set_current_run (DlPlot *self, DlPlotRun *run);
DlPlotRun  *dl_plot_get_current_run (DlPlot *self);

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
/* The axes' ranges when drawn at width × height, in data units (also on a log axis). Any pointer may be
 * NULL. */
void        dl_plot_get_axis_range  (DlPlot *self, int width, int height, double *x0, double *x1,
                                     double *y0, double *y1);
/* The hover read-out as plain text ("epoch 3.03\n● test loss 0.0712 at 3.00"), for a pointer at (x, y)
 * of the plot drawn at width × height; NULL when the pointer is outside the data area or nothing is near. */
char       *dl_plot_get_readout     (DlPlot *self, int width, int height, double x, double y);

/* The keyboard's read-out on one line, as the accessible description says it while the cursor is on
 * ("epoch 3.96, loss 0.104, test loss 0.16 at 4.00"), at the plot's allocated size; NULL while it is off.
 * Left/Right move the cursor to a neighbouring point of the read-out's first curve (at least 1 % of its
 * span away), Page Up/Down by 10 %, Home/End to its ends, Escape or leaving the focus turn it off; the
 * action "plot.cursor" (s: "left", "right", "page-left", "page-right", "home", "end", "off") does the
 * same. The pointer moving over the plot turns it off too. */
char       *dl_plot_get_cursor_readout (DlPlot *self);

/* The plot in words, as its accessible description says it (kept up to date within half a second of a
 * change): each curve of the current run (every curve without one) with its latest value and, when the
 * curve marks one, its best, in the read-out's unit ("test accuracy: latest 97.68 % at epoch 3.00, best
 * 97.90 % at epoch 2.00"), and how many changes are marked; "No points yet" when there are none. */
char       *dl_plot_describe        (DlPlot *self);

/* Writes plots[0..n_plots) into one file, atomically; errors name the file. PNG and SVG stack the plots
 * top to bottom, width × height each, on an opaque background; CSV is long format, one row per point:
 * plot,run,series,x,y,smoothed (run empty for a series on its own, smoothed empty when not smoothed; a
 * mean writes its mean and band edges as series "NAME (mean)", "NAME (low)", "NAME (high)"). */
gboolean    dl_plot_export          (DlPlot *const *plots, guint n_plots, DlPlotFormat format,
                                     const char *path, int width, int height, GError **error);

G_END_DECLS
