/* dl-ticks.h — axis tick and scale math for the plots: "nice" linear ticks (1, 2, 5 × 10^k), log ticks at
 * decades with minor ticks, and tick labels without binary-fraction noise ("0.3", never "0.30000000004").
 *
 * Pure math on doubles: no GTK, no drawing, so the rules can be tested exactly.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_TICKS_MAX 64

typedef struct {
  int     n;                      /* number of ticks in values[] */
  double  values[DL_TICKS_MAX];   /* ascending, all inside the range asked for */
  double  step;                   /* linear: the spacing; log: 0 */
  int     exponent;               /* linear: step = mantissa × 10^exponent; sets the label precision */
  gboolean log;                   /* label each value by its own magnitude */
  gboolean scientific;            /* labels as "2e-5" / "1.5e9": the axis is too small or large for decimals */
} DlTicks;

/* The nice step (1, 2 or 5 × 10^k) nearest to span / target; *exponent receives k. */
double   dl_ticks_nice_step (double span, int target, int *exponent);

/* Ticks of a linear axis over [lo, hi], about `target` of them, each an exact multiple of a nice step.
 * A degenerate range (lo == hi) is widened around the value first. Returns FALSE (and n = 0) when the
 * range is not finite. */
gboolean dl_ticks_linear (double lo, double hi, int target, DlTicks *ticks);

/* Ticks of a log axis over [lo, hi] (lo > 0): major ticks at decades (every few decades when there are
 * more than `target`), minor ticks at 2..9 × 10^k. Few decades (at most target / 2) also get 2 and 5 as
 * majors, and a range too narrow even for those falls back to linear ticks. Returns FALSE when the range
 * is not finite or not positive. `minor` may be NULL. */
gboolean dl_ticks_log (double lo, double hi, int target, DlTicks *major, DlTicks *minor);

/* Widen [*lo, *hi] for display: a degenerate range around its value, then `fraction` of the span on
 * each side (in log10 space when `log`). */
void     dl_ticks_pad_range (double *lo, double *hi, double fraction, gboolean log);

/* The label of one tick value of `ticks`, into buf (at most size bytes, NUL-terminated). */
void     dl_ticks_format (const DlTicks *ticks, double value, char *buf, gsize size);

/* A data value for a read-out, with `digits` significant digits and no trailing noise ("0.1", "1234",
 * "2.5e-7"). */
void     dl_ticks_format_value (double value, int digits, char *buf, gsize size);

G_END_DECLS
