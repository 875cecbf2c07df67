/* dl-series.h — one named data series of a plot: (x, y) points appended in order of x (x = optimiser step
 * or epoch), with an optional exponential smoothing kept up to date incrementally.
 *
 * The model is separate from DlPlot (as Sysprof keeps its series apart from its chart layers): the app
 * appends to a series and every plot showing it redraws on "changed".
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define DL_TYPE_SERIES (dl_series_get_type ())
G_DECLARE_FINAL_TYPE (DlSeries, dl_series, DL, SERIES, GObject)

/* `color` names a palette entry of the plot: "blue", "orange", "green", "purple", "red", "teal",
 * "yellow", "gray"; NULL or anything else takes the next free colour by position. */
DlSeries    *dl_series_new            (const char *name, const char *color);

const char  *dl_series_get_name       (DlSeries *self);
void         dl_series_set_name       (DlSeries *self, const char *name);
const char  *dl_series_get_color      (DlSeries *self);
void         dl_series_set_color      (DlSeries *self, const char *color);

/* Draw a marker at each point (for per-epoch data with few points). */
gboolean     dl_series_get_markers    (DlSeries *self);
void         dl_series_set_markers    (DlSeries *self, gboolean markers);

/* Whether the series takes the plot's smoothing (noisy per-batch data) or is drawn as is. */
gboolean     dl_series_get_smooth     (DlSeries *self);
void         dl_series_set_smooth     (DlSeries *self, gboolean smooth);

/* TensorBoard's exponential moving average with debiasing, factor 0 (none) .. 0.999. */
double       dl_series_get_smoothing  (DlSeries *self);
void         dl_series_set_smoothing  (DlSeries *self, double smoothing);

/* Append one point, O(1) amortised. x should not decrease (nearest-point search and decimation rely on
 * it); y may be NaN or ±Inf (a diverged loss): it is kept, breaks the line and is left out of the range. */
void         dl_series_append         (DlSeries *self, double x, double y);
/* Append n points with one "changed" emission. */
void         dl_series_append_many    (DlSeries *self, const double *x, const double *y, guint n);
void         dl_series_clear          (DlSeries *self);

guint        dl_series_get_n_points   (DlSeries *self);
double       dl_series_get_x          (DlSeries *self, guint i);
double       dl_series_get_y          (DlSeries *self, guint i);
/* The smoothed value at i (equal to y when smoothing is 0 or y is not finite). */
double       dl_series_get_smoothed   (DlSeries *self, guint i);
/* The raw arrays, n points each; valid until the next append or clear. */
const double *dl_series_peek_x        (DlSeries *self);
const double *dl_series_peek_y        (DlSeries *self);
const double *dl_series_peek_smoothed (DlSeries *self);

/* The range of the finite points; FALSE when there are none. min_positive_y is the smallest y > 0
 * (for a log axis), or +Inf when there is none. Any pointer may be NULL. */
gboolean     dl_series_get_range      (DlSeries *self, double *min_x, double *max_x, double *min_y,
                                       double *max_y, double *min_positive_y);

/* The same for the smoothed values (equal to the raw range when smoothing is 0). */
gboolean     dl_series_get_smoothed_range (DlSeries *self, double *min_y, double *max_y,
                                           double *min_positive_y);

/* The index of the point with x nearest to `x` (binary search), or -1 when the series is empty. */
int          dl_series_find_nearest   (DlSeries *self, double x);
/* The index of the first point with x >= `x` (n when none). */
guint        dl_series_lower_bound    (DlSeries *self, double x);

G_END_DECLS
