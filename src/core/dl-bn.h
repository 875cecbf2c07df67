/* dl-bn.h — batch normalisation of a dense layer's outputs (Ioffe & Szegedy 2015), as PyTorch's
 * BatchNorm1d does it. No GTK.
 *
 * For each unit j of a layer z = x · wᵀ (B rows × units):
 *   training   μ_j, σ²_j the batch's mean and biased variance of z_·j; x̂ = (z − μ) / √(σ² + ε);
 *              the running estimates move by DL_BN_MOMENTUM towards μ and the unbiased variance
 *   inference  x̂ = (z − running mean) / √(running var + ε)
 *   then y = γ · x̂ + β, and the layer's activation.
 * A batch split over a team is normalised by the whole batch's statistics: each part sums its rows
 * (dl_bn_sums), the parts' sums are added in part order (dl_bn_stats), then each part normalises its rows.
 * Backward (training), with dy = dL/dy for every row: dβ = Σ dy, dγ = Σ dy · x̂, and
 *   dz = γ / √(σ² + ε) · (dy − dβ / B − x̂ · dγ / B).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_BN_EPS      1e-5f
#define DL_BN_MOMENTUM 0.1f

/* z: rows × ld, units [j0, j1) → s[2j] = Σ_rows z_rj, s[2j + 1] = Σ_rows z_rj² (s indexed by unit). */
void dl_bn_sums (const float *z, int rows, int ld, int j0, int j1, double *s);
/* The sums of n_parts parts (each 2 × units doubles, `stride` doubles apart) over B rows → units [j0, j1)
 * of the batch's mean and 1 / √(σ² + ε); the running mean and variance move towards them. */
void dl_bn_stats (const double *sums, int n_parts, gsize stride, int B, int j0, int j1, float *mean, float *istd,
                  float *run_mean, float *run_var);
/* Training, in place for rows × units [j0, j1) of z (row stride ld): x̂ into xhat (same layout), z ← γ · x̂.
 * The layer adds β with its activation. */
void dl_bn_forward (float *z, int rows, int ld, int j0, int j1, const float *mean, const float *istd,
                    const float *gamma, float *xhat);
/* Inference, likewise with the running estimates: z ← γ · (z − mean) / √(var + ε). */
void dl_bn_infer (float *z, int rows, int ld, int j0, int j1, const float *run_mean, const float *run_var,
                  const float *gamma);
/* dy, x̂: rows × units → s[2j] = Σ_rows dy_rj, s[2j + 1] = Σ_rows dy_rj · x̂_rj. */
void dl_bn_grad_sums (const float *dy, const float *xhat, int rows, int units, double *s);
/* Those sums of n_parts parts (as for dl_bn_stats) → units [j0, j1) of dβ = Σ dy and dγ = Σ dy · x̂. */
void dl_bn_grad_stats (const double *sums, int n_parts, gsize stride, int j0, int j1, float *dbeta, float *dgamma);
/* In place for rows × units: dy → dz, from the whole batch's dβ = Σ dy and dγ = Σ dy · x̂ over B rows. */
void dl_bn_backward (float *dy, const float *xhat, int rows, int units, const float *gamma, const float *istd,
                     const float *dbeta, const float *dgamma, int B);
/* Inference's backward, an affine map per unit: in place for rows × units, dy ← dy · γ / √(var + ε). */
void dl_bn_infer_backward (float *dy, int rows, int units, const float *gamma, const float *run_var);

G_END_DECLS
