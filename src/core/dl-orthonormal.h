/* dl-orthonormal.h — Gram–Schmidt on the rows of a float matrix, in double. No GTK.
 *
 * Each row loses its parts along the rows before it twice ("twice is enough": Giraud, Langou & Rozložník
 * 2005 — once leaves rows that nearly depend on the earlier ones visibly non-orthogonal in float), then is
 * scaled to unit length. A row left with less than rel_tol of its own length depended on the rows before
 * it; what becomes of it is the caller's choice (a random row, or zero).
 */
#pragma once

#include <glib.h>
#include "dl-rng.h"

G_BEGIN_DECLS

/* Makes the m rows of v (m × d) orthonormal, in order. A dependent row becomes a random one from rng,
 * orthonormalised in its turn (rng: m ≤ d), or zero when rng is NULL. */
void dl_orthonormalise_rows (float *v, int m, int d, double rel_tol, DlRng *rng);

G_END_DECLS
