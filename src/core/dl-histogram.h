/* dl-histogram.h — histograms of float values on a fixed lattice of bins, so that histograms of one
 * quantity taken at different times compare bin for bin. No GTK.
 *
 * A histogram has DL_HIST_BINS equal bins over [−2^e, 2^e), e the smallest integer with 2^e above every
 * finite value's magnitude. Edges are multiples of the bin width 2^(e−5), so a histogram of range 2^e
 * merges exactly into any wider range 2^(e+k) (two bins into one, k times, padded at both ends):
 * dl_histogram_widen gives the same counts as binning the values at that range in the first place, and a
 * view can put every evaluation of a layer on one common axis without re-reading the values. NaN and ±Inf
 * are counted apart, so the counts always add up to the values given.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_HIST_BINS_LOG2 6
#define DL_HIST_BINS     (1 << DL_HIST_BINS_LOG2)
#define DL_HIST_MIN_EXP  (-40)   /* the narrowest range: all-zero values */
#define DL_HIST_MAX_EXP  127     /* float's largest magnitude is below 2^128 */

typedef struct {
  int     exponent;              /* bins cover [−2^exponent, 2^exponent) */
  guint32 counts[DL_HIST_BINS];
  guint32 n_nonfinite;           /* NaN and ±Inf */
  float   min, max;              /* of the finite values (0, 0 when there are none) */
} DlHistogram;

/* Bins n values at the narrowest range that holds them all. */
void    dl_histogram_compute (DlHistogram *h, const float *v, gsize n);
/* Adds n values to h, which must already have a range that holds them (exponent ≥ dl_histogram_exponent_for
 * of them); FALSE, and h unchanged, when it does not. */
gboolean dl_histogram_add (DlHistogram *h, const float *v, gsize n);
/* The smallest exponent whose range holds every finite value of v. */
int     dl_histogram_exponent_for (const float *v, gsize n);
/* An empty histogram of the given range. */
void    dl_histogram_init (DlHistogram *h, int exponent);
/* h's counts at the wider range `exponent` (≥ h's) into out (which may be h). */
void    dl_histogram_widen (const DlHistogram *h, int exponent, DlHistogram *out);
/* Every count, the non-finite ones included. */
guint64 dl_histogram_total (const DlHistogram *h);
/* The lower edge of bin i (i = DL_HIST_BINS: the upper edge of the last). */
double  dl_histogram_edge (const DlHistogram *h, int i);

G_END_DECLS
