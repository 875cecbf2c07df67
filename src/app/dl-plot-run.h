/* dl-plot-run.h — one run as a DlPlot shows it: a legend label naming the run, one colour for all its
 * curves, an optional x range, and its curves — each a DlSeries drawn with a style, or the mean of several
 * runs' series (same configuration, different seeds) with a band.
 *
 * Like Sysprof's chart layers, a DlPlotRun only says how data are drawn; the data stay in the DlSeries
 * (the run model's), which the plot follows. A plot draws the current run (dl_plot_set_current_run) on
 * top and emphasised; the x range clips a branched child to after its branch point and its parent to
 * before it. Notifies "label", "color", "x-from", "x-to"; "curves-changed" when a curve is added.
 */
#pragma once

#include <glib-object.h>

#include "dl-series.h"

G_BEGIN_DECLS

/* How one curve of a run is drawn. */
typedef enum {
  DL_PLOT_CURVE_DEFAULT  = 0,
  DL_PLOT_CURVE_DASHED   = 1 << 0,   /* a dashed line (e.g. the test loss beside the train loss) */
  DL_PLOT_CURVE_THIN     = 1 << 1,   /* half the line width */
  DL_PLOT_CURVE_POINTS   = 1 << 2,   /* a dot at each point while they stay apart (per-epoch data) */
  DL_PLOT_CURVE_BEST_MAX = 1 << 3,   /* mark the highest value of the curve (accuracy) */
  DL_PLOT_CURVE_BEST_MIN = 1 << 4,   /* mark the lowest value of the curve (loss) */
} DlPlotCurveFlags;

/* The band drawn around the mean of several series. */
typedef enum {
  DL_PLOT_BAND_MIN_MAX,              /* from the lowest to the highest member */
  DL_PLOT_BAND_STDDEV,               /* the mean ± one (sample) standard deviation */
} DlPlotBand;

#define DL_TYPE_PLOT_RUN (dl_plot_run_get_type ())
G_DECLARE_FINAL_TYPE (DlPlotRun, dl_plot_run, DL, PLOT_RUN, GObject)

/* `color` names a palette entry as for dl_series_new, or "brown" or "pink" (ten in all); NULL takes the
 * colour of the run's position among the plot's runs. */
DlPlotRun   *dl_plot_run_new          (const char *label, const char *color);

const char  *dl_plot_run_get_label    (DlPlotRun *self);
void         dl_plot_run_set_label    (DlPlotRun *self, const char *label);
const char  *dl_plot_run_get_color    (DlPlotRun *self);
void         dl_plot_run_set_color    (DlPlotRun *self, const char *color);

/* Only the points with from <= x <= to are drawn, ranged, read out and searched for the best value.
 * -INFINITY / INFINITY (the default) leave that side open. */
void         dl_plot_run_set_x_range  (DlPlotRun *self, double from, double to);
double       dl_plot_run_get_x_from   (DlPlotRun *self);
double       dl_plot_run_get_x_to     (DlPlotRun *self);

/* A curve drawn from one series; it takes the series' name for the legend and read-outs. The run keeps
 * a reference. Returns the curve's index. */
guint        dl_plot_run_add_series   (DlPlotRun *self, DlSeries *series, DlPlotCurveFlags flags);
/* A curve drawn as the mean of n_members series (at least one), at the x of the member with the most
 * points (the others interpolated linearly, left out where they have no data), with a band. Smoothed
 * members (dl_series_get_smooth) are averaged by their smoothed values. Returns the curve's index. */
guint        dl_plot_run_add_mean     (DlPlotRun *self, const char *name, DlSeries *const *members,
                                       guint n_members, DlPlotBand band, DlPlotCurveFlags flags);

guint        dl_plot_run_get_n_curves (DlPlotRun *self);
const char  *dl_plot_run_get_curve_name (DlPlotRun *self, guint curve);
DlPlotCurveFlags dl_plot_run_get_curve_flags (DlPlotRun *self, guint curve);
/* The curve's series (NULL for a mean), or a mean's members: *n_members receives their number. */
DlSeries    *dl_plot_run_get_curve_series (DlPlotRun *self, guint curve);
DlSeries *const *dl_plot_run_get_curve_members (DlPlotRun *self, guint curve, guint *n_members,
                                                DlPlotBand *band);

G_END_DECLS
