/* dl-bn.h — batch normalisation (Ioffe & Szegedy 2015) of a dense layer's outputs, as PyTorch's
 * BatchNorm1d does it, or of a conv layer's channels, as BatchNorm2d does. No GTK.
 *
 * A layer's output z is rows of `ld` floats; unit j of row r is the hw values z[r·ld + j·hw …]: a dense
 * layer's unit (hw = 1, ld = units), a conv layer's channel (hw = H·W, ld = channels · hw). Each unit is
 * normalised over its rows × hw values, `count` of them in the batch:
 *   training   μ_j, σ²_j the batch's mean and biased variance of unit j; x̂ = (z − μ) / √(σ² + ε);
 *              the running estimates move by DL_BN_MOMENTUM towards μ and the unbiased variance
 *   inference  x̂ = (z − running mean) / √(running var + ε)
 *   then y = γ · x̂ + β, and the layer's activation.
 * A batch split over a team is normalised by the whole batch's statistics: each part sums its rows
 * (dl_bn_sums), the parts' sums are added in part order (dl_bn_stats), then each part normalises its rows.
 * Backward (training), with dy = dL/dy for every value: dβ = Σ dy, dγ = Σ dy · x̂, and
 *   dz = γ / √(σ² + ε) · (dy − dβ / count − x̂ · dγ / count).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_BN_EPS      1e-5f
#define DL_BN_MOMENTUM 0.1f

/* z: rows × ld, units [j0, j1) → s[2j] = Σ z over unit j's values, s[2j + 1] = Σ z² (s indexed by unit). */
void dl_bn_sums (const float *z, int rows, int ld, int hw, int j0, int j1, double *s);
/* The sums of n_parts parts (each 2 × units doubles, `stride` doubles apart) over `count` values a unit →
 * units [j0, j1) of the batch's mean and 1 / √(σ² + ε); the running mean and variance move towards them. */
void dl_bn_stats (const double *sums, int n_parts, gsize stride, int count, int j0, int j1, float *mean, float *istd,
                  float *run_mean, float *run_var);
/* Training, in place for rows × units [j0, j1) of z: x̂ into xhat (same layout), z ← γ · x̂ + β — β NULL
 * when the layer adds it with its activation (dense), given when the activation is a pass of its own
 * or the pool's (conv). */
void dl_bn_forward (float *z, int rows, int ld, int hw, int j0, int j1, const float *mean, const float *istd,
                    const float *gamma, const float *beta, float *xhat);
/* Inference, likewise with the running estimates: z ← γ · (z − mean) / √(var + ε) + β. */
void dl_bn_infer (float *z, int rows, int ld, int hw, int j0, int j1, const float *run_mean, const float *run_var,
                  const float *gamma, const float *beta);
/* dy, x̂: rows × units × hw, packed → s[2j] = Σ dy over unit j's values, s[2j + 1] = Σ dy · x̂. */
void dl_bn_grad_sums (const float *dy, const float *xhat, int rows, int units, int hw, double *s);
/* Those sums of n_parts parts (as for dl_bn_stats) → units [j0, j1) of dβ = Σ dy and dγ = Σ dy · x̂. */
void dl_bn_grad_stats (const double *sums, int n_parts, gsize stride, int j0, int j1, float *dbeta, float *dgamma);
/* In place for rows × units × hw: dy → dz, from the whole batch's dβ and dγ over `count` values a unit. */
void dl_bn_backward (float *dy, const float *xhat, int rows, int units, int hw, const float *gamma, const float *istd,
                     const float *dbeta, const float *dgamma, int count);
/* Inference's backward, an affine map per unit: in place for rows × units × hw, dy ← dy · γ / √(var + ε). */
void dl_bn_infer_backward (float *dy, int rows, int units, int hw, const float *gamma, const float *run_var);

G_END_DECLS
