/* dl-rng.h — a small seeded random stream (xoshiro256**): same seed, same sequence, on every machine. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct { guint64 s[4]; } DlRng;

void    dl_rng_seed (DlRng *rng, guint64 seed);
guint64 dl_rng_next (DlRng *rng);
/* Uniform in [0, 1). */
double  dl_rng_uniform (DlRng *rng);
/* Standard normal (Box–Muller). */
double  dl_rng_normal (DlRng *rng);
/* Uniform integer in [0, n). */
guint32 dl_rng_below (DlRng *rng, guint32 n);
/* Fisher–Yates shuffle of idx[0..n). */
void    dl_rng_shuffle (DlRng *rng, int *idx, int n);

G_END_DECLS
