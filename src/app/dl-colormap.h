/* dl-colormap.h — the Network page's colour scales, as cairo ARGB32 pixels (premultiplied, opaque):
 * a diverging scale for signed values centred at 0 (blue below, near-white at 0, red above; ColorBrewer's
 * RdBu, which stays readable to the common colour-blindnesses) and a sequential one for counts and
 * activations (dark to light, perceptually even: after matplotlib's "magma"). Plain functions. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* t in [−1, 1] (clamped; NaN grey): −1 deep blue, 0 near-white, +1 deep red. */
guint32 dl_colormap_diverging (double t);
/* t in [0, 1] (clamped; NaN grey): 0 near-black, 1 pale yellow. */
guint32 dl_colormap_sequential (double t);
/* The diverging scale as a table of DL_COLORMAP_LUT_N pixels from −1 to +1, for loops over many values. */
#define DL_COLORMAP_LUT_N 1024
const guint32 *dl_colormap_diverging_lut (void);
/* The pixel's channels as 0–1 doubles. */
void    dl_colormap_rgb (guint32 argb, double *r, double *g, double *b);

G_END_DECLS
