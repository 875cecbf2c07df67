/* dl-tangent.h — tangent distance (Simard, LeCun & Denker 1993): how far an image is from a reference
 * image once small shifts, turns, scalings, stretches and changes of stroke thickness of it are free.
 * No GTK.
 *
 * One-sided: the image's own tangents (the derivatives of those seven transformations at the image,
 * by central differences) span a plane through it; the distance is that from the reference to the
 * plane, ‖r‖² − ‖U r‖² with r the difference and U the tangents made orthonormal. For a batch of images
 * against many references it is two sgemm products per block of references.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_TANGENTS 7

/* The orthonormal tangents of one side × side image into u (DL_TANGENTS × side², a row of zeros where a
 * tangent depends on the ones before it). */
void dl_tangents (const float *img, int side, float *u);

/* For each of nq images (nq × side² floats), the tangent distance to its k-th nearest (1 ≤ k ≤ 64) of
 * the n reference rows (n × side², with their squared norms) whose label is want[q], into out (nq). */
void dl_tangent_nearest (const float *ref, const float *ref_norm, const guint8 *labels, int n, int side,
                         const float *q, int nq, const int *want, int k, float *out);

G_END_DECLS
