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
#include "dl-augment.h"
#include "dl-blas.h"
#include "dl-conv.h"
#include "dl-data.h"

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

/* How the net's training steps and predictions run — what dl-tune measures and chooses. Every choice
 * computes the same results up to rounding. */
typedef enum {
  DL_SPLIT_ROWS,   /* every layer split over the team by rows of the batch */
  DL_SPLIT_UNITS,  /* dense layers with more units than the batch has rows by output units (each part
                    * multiplies, differentiates and updates its units' weights: they stay in its cache) */
} DlSplit;

typedef struct {
  int                 threads;               /* the team's size, 1 … DL_TEAM_MAX */
  DlSplit             split;
  const DlBlasKernel *blas;                  /* sgemm/sgemv of every layer */
  DlConvAlgo          conv[DL_MAX_LAYERS];   /* of each conv layer (others ignore theirs) */
} DlNetConfig;

/* CPU seconds the team's threads other than the caller have run so far (0 without a team). */
double       dl_net_team_cpu_seconds (const DlNet *net);

/* What a new net runs with: one thread, split by units, the linked BLAS, im2col. */
void         dl_net_config_init (DlNetConfig *config);
void         dl_net_get_config (const DlNet *net, DlNetConfig *config);
/* Also sets BLAS's process-wide thread count to 1, as dl_net_set_threads. */
void         dl_net_set_config (DlNet *net, const DlNetConfig *config);

/* One step of training on a batch (1 … DL_MAX_BATCH): forward, loss, backward, optimiser update.
 * Returns the batch's mean loss before the update. Writes the batch's predictions' correctness to
 * *n_correct when non-NULL. */
float        dl_net_train_step (DlNet *net, const float *x, const guint8 *y, int batch,
                                const DlHyper *hyper, int *n_correct);
/* The batch for a training step, gathered by the net's team: images idx[0 … n) of ds into x (n × rows ×
 * cols floats in [0, 1]), augmented as `augment` says (NULL or no kinds: as they are), each image with its
 * own seed drawn from rng in order — so the result does not depend on the team's size. */
void         dl_net_gather (DlNet *net, const DlDataset *ds, const int *idx, int n, const DlAugmentOptions *augment,
                            DlRng *rng, float *x);

/* Forward and backward only, no update: fills dl_net_grads (for gradient checks). Returns mean loss. */
float        dl_net_compute_grads (DlNet *net, const float *x, const guint8 *y, int batch, DlReduce reduce);
/* Loss only, inference mode (dropout off). */
float        dl_net_loss (DlNet *net, const float *x, const guint8 *y, int batch);

/* Inference (dropout off): probs is batch × 10. For softmax nets the softmax; for MSE nets the
 * outputs mapped to [0, 1] (tanh: (o+1)/2) and normalised to sum to 1, so argmax is the prediction. */
void         dl_net_predict (DlNet *net, const float *x, int batch, float *probs);

/* Re-entrant inference. dl_net_predict uses the net's own buffers (and its team): one caller at a time.
 * A DlNetWork is a caller's own scratch for passes of up to `batch` examples (any batch ≤ it) on nets of
 * one architecture; with one work each, any number of threads may run these on one net at once, as long
 * as nobody changes its parameters (a worker's snapshot). They run on the calling thread. */
typedef struct _DlNetWork DlNetWork;

DlNetWork   *dl_net_work_new (const DlNet *net, int batch);
void         dl_net_work_free (DlNetWork *work);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlNetWork, dl_net_work_free)

/* Forward pass, dropout off; probs (B × 10, as dl_net_predict) may be NULL. Afterwards every layer's
 * output is in the work: dl_net_work_output (work, i) is B × (c × h × w of dl_arch_shape (arch, i)),
 * after the activation; the last layer's is the network's raw output (the logits of a softmax net). */
void         dl_net_forward (const DlNet *net, DlNetWork *work, const float *x, int batch, float *probs);
const float *dl_net_work_output (const DlNetWork *work, int layer);
/* After dl_net_forward (net, work, x, batch, …): the gradient with respect to the input x (B × input
 * size, into dx) of Σ_rows Σ_j dout[r, j] · out[r, j], where out is the last layer's raw output (B × 10).
 * dout = one-hot at class c gives ∂ out_c / ∂ x (saliency, integrated gradients). Leaves the work's layer
 * outputs as they were. */
void         dl_net_input_grad (const DlNet *net, DlNetWork *work, const float *x, const float *dout, int batch,
                                float *dx);

/* What a training step depends on beyond the parameters, for checkpoints: the optimiser's state, the
 * weight average and the dropout random stream. Restored (after dl_net_set_params, which clears it) with
 * the same parameters, the next step is bit for bit the one the original would have taken. opt_state
 * holds dl_net_opt_state_floats (net) floats: velocity, Adam's first and second moments and the average,
 * n_params each. */
typedef struct {
  gboolean    opt_started;  /* an optimiser step has run since the state was last cleared */
  DlOptimizer opt_last;     /* the optimiser of that step (switching resets the state it does not share) */
  gint64      adam_t;       /* Adam's step count */
  guint64     rng[4];       /* the dropout stream (dl-rng's state) */
  gint64      avg_t;        /* steps since weight averaging started; 0: no average */
} DlNetTrainState;

/* The blocks of n_params floats in that state: dl_net_opt_state_floats = DL_NET_STATE_BLOCKS × n_params. */
#define DL_NET_STATE_BLOCKS 4
gsize        dl_net_opt_state_floats (const DlNet *net);
void         dl_net_get_train_state (const DlNet *net, DlNetTrainState *state, float *opt_state);
void         dl_net_set_train_state (DlNet *net, const DlNetTrainState *state, const float *opt_state);

/* Weight averaging (Polyak–Ruppert; PyTorch's swa_utils.AveragedModel with an EMA): while DlHyper.average
 * is N > 0, the net keeps an exponential moving average of its parameters over about N steps. Training
 * goes on from the last step's parameters; the average is the model — what is evaluated, shown and saved:
 * it takes out the noise a constant learning rate leaves in the last step, as a falling rate would.
 * Switching averaging off drops the average; switching it on starts one from the parameters.
 * dl_net_model_params: the average while there is one, else the parameters (n_params floats).
 * dl_net_swap_average: exchanges the parameters and the average, so that the net's own passes
 * (dl_net_predict, with its team) compute the averaged model; call it again before the next training step
 * or checkpoint. Nothing happens without an average. */
const float *dl_net_model_params (const DlNet *net);
void         dl_net_swap_average (DlNet *net);

/* Health diagnostics of the last training step. */
void         dl_net_health (const DlNet *net, DlHealth *health);

/* Floating-point operations for one training sample (forward + backward), for samples/s → GFLOP/s. */
double       dl_net_train_flops (const DlNet *net);

G_END_DECLS
