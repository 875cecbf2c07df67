/* dl-net.h — the network: parameters in one flat buffer, mini-batch forward/backward through CBLAS
 * sgemm, and the optimisers. No GTK.
 *
 * Inputs are images as floats in [0, 1], batch × (c × h × w), labels 0–9. A DlNet is not thread-safe:
 * one thread trains it (with its team, dl_net_set_threads); others run inference on their own copy
 * (dl_net_copy, which has no team).
 */
#pragma once

#include <glib.h>
#include "dl-arch.h"

G_BEGIN_DECLS

typedef struct _DlNet DlNet;

/* Health of the last training batch, per layer with an activation (others are zero). */
typedef struct {
  int   n_layers;
  float saturated[DL_MAX_LAYERS];   /* share of units with |tanh| > 0.99, or sigmoid < 0.01 or > 0.99 */
  float dead[DL_MAX_LAYERS];        /* share of ReLU units that were zero for every example of the batch */
  float weight_norm[DL_MAX_LAYERS]; /* L2 norm of the layer's weights */
  float grad_norm[DL_MAX_LAYERS];   /* L2 norm of the layer's weight gradient (as applied, after reduce) */
} DlHealth;

/* Xavier (sigmoid, tanh, none) or He (ReLU) initialisation from a seed: the same seed, the same net. */
DlNet       *dl_net_new (const DlArch *arch, guint64 seed);
/* As dl_net_new, but NULL with a DL_ARCH_ERROR_MEMORY error instead of aborting when the parameters do
 * not fit in memory: for architectures that come from outside. */
DlNet       *dl_net_try_new (const DlArch *arch, guint64 seed, GError **error);
/* Same architecture and parameters, own buffers, fresh optimiser state: for inference on another thread. */
DlNet       *dl_net_copy (const DlNet *net);
void         dl_net_free (DlNet *net);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlNet, dl_net_free)

const DlArch *dl_net_arch (const DlNet *net);
gsize        dl_net_n_params (const DlNet *net);
float       *dl_net_params (DlNet *net);              /* flat, n_params floats */
const float *dl_net_grads (const DlNet *net);         /* gradient of the last step, flat */
/* Copies parameters from `src` (same architecture) into `net`; optimiser state is reset. */
void         dl_net_set_params (DlNet *net, const float *params);
/* Reseeds the random stream dropout and initialisation use. */
void         dl_net_seed (DlNet *net, guint64 seed);

/* Threads for this net's training steps and predictions: each batch is split over a team of n threads,
 * each calling single-threaded BLAS (they meet only where a weight gradient sums over the batch), which
 * measured faster than BLAS's own threads for every preset. Sets BLAS's process-wide thread count to 1.
 * dl_net_get_threads: the team's size (1: none). */
void         dl_net_set_threads (DlNet *net, int n);
int          dl_net_get_threads (const DlNet *net);

/* One step of training on a batch (1 … DL_MAX_BATCH): forward, loss, backward, optimiser update.
 * Returns the batch's mean loss before the update. Writes the batch's predictions' correctness to
 * *n_correct when non-NULL. */
float        dl_net_train_step (DlNet *net, const float *x, const guint8 *y, int batch,
                                const DlHyper *hyper, int *n_correct);
/* Forward and backward only, no update: fills dl_net_grads (for gradient checks). Returns mean loss. */
float        dl_net_compute_grads (DlNet *net, const float *x, const guint8 *y, int batch, DlReduce reduce);
/* Loss only, inference mode (dropout off). */
float        dl_net_loss (DlNet *net, const float *x, const guint8 *y, int batch);

/* Inference (dropout off): probs is batch × 10. For softmax nets the softmax; for MSE nets the
 * outputs mapped to [0, 1] (tanh: (o+1)/2) and normalised to sum to 1, so argmax is the prediction. */
void         dl_net_predict (DlNet *net, const float *x, int batch, float *probs);

/* Health diagnostics of the last training step. */
void         dl_net_health (const DlNet *net, DlHealth *health);

/* Floating-point operations for one training sample (forward + backward), for samples/s → GFLOP/s. */
double       dl_net_train_flops (const DlNet *net);

G_END_DECLS
