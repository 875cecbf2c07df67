/* dl-subspace.h — each class as a few local linear models (Hinton, Dayan & Revow 1997, "Modeling the
 * manifolds of images of handwritten digits"; one model per class is CLAFIC, Watanabe 1967): the class's
 * rows split by k-means, and for each part its mean and top k principal directions. The measure of a row
 * is its squared distance to the nearest of its class's affine subspaces — how much of it the class's
 * usual variation leaves unexplained. No GTK.
 *
 * The digits of a class vary in a few ways (slant, width, loop size, stroke thickness) and lie near
 * low-dimensional pieces of pixel space; a letter the network reads as that class does not, even when it
 * is near one training image, since the residual counts every way it differs from the class's usual
 * variation at once. A class is several pieces (a 1 upright or with a flag, a 4 open or closed, a 7 with
 * a bar or without), not one. For an image, its own tangents (dl-tangent.h: small shifts, turns,
 * scalings, stretches, thicker strokes) may be free too: the distance is then from the image's tangent
 * plane to the subspace.
 *
 * The directions come from each part's covariance (ssyrk, centred in blocks) by subspace iteration with
 * k + DL_SUBSPACE_EXTRA directions (sgemm, then Gram–Schmidt in double) and a Rayleigh–Ritz step (Jacobi
 * on the small projected matrix). Seeded: the same rows give the same models. Immutable once fitted: any
 * number of threads may measure with one.
 */
#pragma once

#include <glib.h>
#include "dl-data.h"

G_BEGIN_DECLS

#define DL_SUBSPACE_EXTRA      10   /* directions iterated beyond k: the top k converge faster */
#define DL_SUBSPACE_MAX_MODELS 16   /* per class */

typedef struct _DlSubspace DlSubspace;

/* The models of n rows (n × d floats) labelled 0 … DL_N_CLASSES − 1: per_class (1 …
 * DL_SUBSPACE_MAX_MODELS; fewer for a class with fewer rows) parts per class, each of rank k (less for a
 * part of k rows or fewer: its rows − 1). */
DlSubspace *dl_subspace_fit (const float *x, const guint8 *labels, int n, int d, int k, int per_class);
void        dl_subspace_free (DlSubspace *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlSubspace, dl_subspace_free)

int         dl_subspace_dim (const DlSubspace *s);
/* How many models class c has. */
int         dl_subspace_n_models (const DlSubspace *s, int c);
/* For each of n rows (n × d), the squared distance to the nearest subspace of class want[i], into out
 * (n). side > 0: the rows are side × side images (side² = d) whose tangents are free; 0: none. */
void        dl_subspace_residual (const DlSubspace *s, const float *x, int n, const int *want, int side,
                                  float *out);

G_END_DECLS
