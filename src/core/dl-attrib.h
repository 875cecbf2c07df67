/* dl-attrib.h — why the network gave its answer: a signed 28 × 28 map of how much each input pixel drove
 * one class's output (or one class's against another's). No GTK.
 *
 * The explained quantity is f(x) = out_t(x) − out_c(x): the raw output (a softmax net's logit) of the
 * target class t, minus that of a contrast class c when one is given ("why 9 and not 4?"), else out_t.
 * Positive map values are evidence for t (against c), negative ones evidence against.
 *
 *   gradient × input       x ⊙ ∂f/∂x at the image: one forward and one backward pass.
 *   integrated gradients   x ⊙ the integral of ∂f/∂x along the straight path from the black image to x,
 *                          over `steps` intervals (closer together near black): the gradients at the
 *                          steps + 1 path points — one batch, one forward and one backward pass —
 *                          combined by the trapezoid rule, each interval's split between its two ends
 *                          placed where f's values at them say the slope changed (for a ReLU net f is
 *                          piecewise linear along the path: exact when one unit switches in the
 *                          interval). Complete: the map sums to f(x) − f(black) up to what is left of the
 *                          quadrature error (tests/test-attrib.c: within 1 % at 64 steps; equal steps
 *                          and the plain trapezoid rule were 1.07 % off for one image of 25).
 *   occlusion              for every placement of a black 4 × 4 patch (stride 1, clipped at the edges so
 *                          every pixel is under 16 of them), f(x) − f(x with the patch black); a pixel
 *                          gets the mean over the patches that cover it. Patches over black pixels change
 *                          nothing and are not run. Forward passes only, in batches.
 *
 * Everything runs on the caller's thread through dl_net_forward / dl_net_input_grad on the DlAttrib's
 * own DlNetWork: the net is only read, so a snapshot may be explained while the worker trains.
 */
#pragma once

#include <glib.h>
#include "dl-net.h"

G_BEGIN_DECLS

#define DL_ATTRIB_SIDE       28
#define DL_ATTRIB_PIXELS     (DL_ATTRIB_SIDE * DL_ATTRIB_SIDE)
#define DL_ATTRIB_MAX_STEPS  64   /* integrated gradients: points on the path, at most */
#define DL_ATTRIB_STEPS      32   /* … by default (the live heatmap) */
#define DL_ATTRIB_PATCH      4    /* occlusion patch side */

typedef enum {
  DL_ATTRIB_GRADIENT_INPUT,
  DL_ATTRIB_INTEGRATED_GRADIENTS,
  DL_ATTRIB_OCCLUSION,
  DL_ATTRIB_N_METHODS
} DlAttribMethod;

typedef struct {
  float f_x;         /* f at the image */
  float f_baseline;  /* f at the black image */
  float sum;         /* the map's sum (integrated gradients: ≈ f_x − f_baseline) */
  float max_abs;     /* the largest |value|, for scaling a display */
  int   passes;      /* rows run through the net (forward; integrated gradients also backward) */
} DlAttribResult;

typedef struct _DlAttrib DlAttrib;

/* Scratch for explaining nets of net's architecture (the net itself is not kept). */
DlAttrib   *dl_attrib_new (const DlNet *net);
void        dl_attrib_free (DlAttrib *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlAttrib, dl_attrib_free)
/* Whether a was made for nets of this architecture. */
gboolean    dl_attrib_fits (const DlAttrib *a, const DlNet *net);

/* The map (DL_ATTRIB_PIXELS floats) of `method` for image x (784 floats in [0, 1], 1 × 28 × 28 nets only)
 * and target class 0–9, against `contrast` (0–9, or -1 for none; equal to target means none). `steps` is
 * for integrated gradients (1 … DL_ATTRIB_MAX_STEPS; 0 means DL_ATTRIB_STEPS). res may be NULL. */
void        dl_attrib_compute (DlAttrib *a, const DlNet *net, DlAttribMethod method, const float *x, int target,
                               int contrast, int steps, float *map, DlAttribResult *res);

const char *dl_attrib_method_name (DlAttribMethod method);

G_END_DECLS
