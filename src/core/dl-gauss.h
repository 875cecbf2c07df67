/* dl-gauss.h — class-conditional Gaussians with one shared covariance, fitted on labelled feature rows:
 * the squared Mahalanobis distance of a row to the nearest class mean (Lee, Lee, Lee & Shin 2018, "A
 * simple unified framework for detecting out-of-distribution samples"). No GTK.
 *
 * With Σ = L Lᵀ (Cholesky, in double), the distance to class c is ‖L⁻¹x − L⁻¹μ_c‖²: one triangular solve
 * per row, then ten Euclidean distances. The covariance gets a ridge of DL_GAUSS_RIDGE of its mean
 * variance, since units that never fire in training (ReLU) have none; an input that makes them fire is
 * far out, as it should be. Immutable once fitted: any number of threads may score with one.
 */
#pragma once

#include <glib.h>
#include "dl-data.h"

G_BEGIN_DECLS

#define DL_GAUSS_RIDGE 1e-3

typedef struct _DlGauss DlGauss;

/* Fits the class means and the shared covariance of n rows (n × d floats) labelled 0 … DL_N_CLASSES − 1. */
DlGauss *dl_gauss_fit (const float *x, const guint8 *labels, int n, int d);
void     dl_gauss_free (DlGauss *g);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlGauss, dl_gauss_free)

int      dl_gauss_dim (const DlGauss *g);
/* The squared Mahalanobis distance of each of n rows (n × d; overwritten by their whitened values) to
 * the nearest class mean, into out (n). */
void     dl_gauss_score (const DlGauss *g, float *x, int n, float *out);

G_END_DECLS
