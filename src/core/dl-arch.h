/* dl-arch.h — network architectures, hyperparameters and presets. No GTK.
 *
 * Architecture syntax (--arch), layers separated by commas, input always 1×28×28:
 *   std                the image standardised with MNIST's     std
 *                      training-set mean and deviation, (x − 0.1307) / 0.3081; first item only, no parameters
 *   fcN[-bn][-ACT]     fully connected, N outputs             fc256-relu
 *                      (-bn: batch-normalised before the      fc256-bn-relu
 *                      activation, dl-bn.h)
 *   convCxK[pP][-bn][-ACT]  C filters K×K, stride 1, zero pad  conv6x5p2-relu
 *                      P (-bn: each channel batch-normalised)  conv16x3p1-bn-relu
 *   pool2              2×2 max-pooling, stride 2
 *   dropoutP           dropout with probability P in [0, 1)    dropout0.25
 *   softmax | mse      the loss; last item, required
 * ACT is relu, tanh or sigmoid. Dense layers after conv/pool flatten implicitly.
 * Example: the `mlp` preset is "fc256-relu,fc128-relu,fc10,softmax". A network without std takes the
 * image's values in [0, 1] as they are (as every model saved before std existed does).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_ARCH_ERROR (dl_arch_error_quark ())
GQuark dl_arch_error_quark (void);
/* Parsing fails with PARSE: the message names the item, its position and what was expected. */
typedef enum {
  DL_ARCH_ERROR_PARSE,
  DL_ARCH_ERROR_MEMORY,   /* dl_net_try_new: the machine cannot hold the network */
} DlArchError;

#define DL_MAX_LAYERS 32
#define DL_MAX_BATCH  1024
/* The most memory a network may need to train at DL_MAX_BATCH (dl_arch_train_bytes): 2 GiB. */
#define DL_ARCH_MAX_BYTES (G_GUINT64_CONSTANT (2) << 30)

typedef enum { DL_ACT_NONE, DL_ACT_SIGMOID, DL_ACT_TANH, DL_ACT_RELU } DlAct;
typedef enum { DL_LAYER_DENSE, DL_LAYER_CONV, DL_LAYER_MAXPOOL, DL_LAYER_DROPOUT, DL_LAYER_STD } DlLayerKind;
/* What a std layer does to every pixel: (x − DL_STD_MEAN) / DL_STD_DEV, the mean and standard deviation of
 * the 60,000 MNIST training images' pixels in [0, 1] (torchvision's constants). */
#define DL_STD_MEAN 0.1307f
#define DL_STD_DEV  0.3081f
/* Softmax + cross-entropy, or MSE against one-hot targets (0/1 after sigmoid or none, −1/+1 after tanh),
 * the squared error summed over the 10 outputs of an example. */
typedef enum { DL_LOSS_SOFTMAX_CE, DL_LOSS_MSE } DlLoss;
/* How the batch gradient is reduced: mean (right) or sum (the bug report's code; step × batch). */
typedef enum { DL_REDUCE_MEAN, DL_REDUCE_SUM } DlReduce;
typedef enum { DL_OPT_SGD, DL_OPT_MOMENTUM, DL_OPT_NESTEROV, DL_OPT_ADAM } DlOptimizer;
/* ONECYCLE: a linear warm-up over the first schedule_warmup epochs (from a 25th of the rate), then the
 * cosine to 0 over the rest of the run. */
typedef enum { DL_SCHEDULE_NONE, DL_SCHEDULE_STEP, DL_SCHEDULE_COSINE, DL_SCHEDULE_ONECYCLE } DlSchedule;

typedef struct {
  DlLayerKind kind;
  int   units;    /* dense: outputs; conv: output channels */
  int   kernel;   /* conv: kernel side */
  int   pad;      /* conv: zero padding */
  float drop;     /* dropout: probability of dropping a unit */
  DlAct act;      /* applied after a dense or conv layer */
  gboolean bn;    /* dense, conv: batch normalisation before the activation (dl-bn.h) */
} DlLayerSpec;

typedef struct {
  int         in_c, in_h, in_w;  /* 1 × 28 × 28 */
  int         n_layers;
  DlLayerSpec layers[DL_MAX_LAYERS];
  DlLoss      loss;
} DlArch;

/* Everything the optimiser reads; the worker may change any field between two batches. */
typedef struct {
  float       lr;
  float       momentum;      /* SGD momentum / Nesterov; ignored by plain SGD and Adam */
  float       weight_decay;  /* L2, added to the gradient of weights (not biases) */
  DlOptimizer optimizer;
  DlReduce    reduce;
  float       beta1, beta2, eps;  /* Adam */
  /* Weight averaging: the time constant, in steps, of an exponential moving average of the parameters
   * that evaluations, snapshots and saved models use instead of the last step's (0: off). dl-net.h. */
  float       average;
} DlHyper;

/* A complete training recipe. */
typedef struct {
  const char *name;
  const char *description;   /* marked N_(): shown through _() */
  const char *arch;          /* in the syntax above */
  DlHyper     hyper;
  int         batch;
  int         epochs;
  DlSchedule  schedule;      /* learning-rate schedule over the run */
  float       schedule_gamma;  /* step: multiply lr by gamma every schedule_step epochs */
  int         schedule_step;
  float       schedule_warmup; /* onecycle: epochs of warm-up */
  gboolean    augment;       /* random shift/rotation/scale of training images */
  guint       augment_kinds; /* which augmentations when augmenting (DlAugmentKind bits; 0: the affine one) */
} DlPreset;

/* Fails on anything but the syntax above, and on networks that would need more than DL_ARCH_MAX_BYTES
 * (dl_arch_train_bytes) to train at DL_MAX_BATCH. */
gboolean    dl_arch_parse (const char *spec, DlArch *arch, GError **error);
/* Weights and biases of the network, as dl_net_new lays them out (a batch-normalised layer's γ and
 * running mean and variance included). */
guint64     dl_arch_n_params (const DlArch *arch);
/* Memory for training at `batch`: 5 floats per parameter (value, gradient, optimiser state) and every
 * layer's activations, masks and gradients for the batch. */
guint64     dl_arch_train_bytes (const DlArch *arch, int batch);
char       *dl_arch_to_string (const DlArch *arch);
/* Output size (c × h × w) of layer i, and of the input when i == -1. */
void        dl_arch_shape (const DlArch *arch, int i, int *c, int *h, int *w);
/* Whether layer i gets the image itself, as 1 × 28 × 28 pixels: it is the first layer, or only a std layer
 * comes before it (its weights still lie on the image's pixels, one per pixel). */
gboolean    dl_arch_fed_by_image (const DlArch *arch, int i);

const DlPreset *dl_preset_find (const char *name);
/* NULL-terminated list of all presets. */
const DlPreset *const *dl_presets (void);

/* The optimiser's defaults (the mlp preset's), without weight averaging: a recipe turns that on. */
void        dl_hyper_init_default (DlHyper *hyper);
/* Learning rate for `epoch_progress` (epochs done, fractional) of a run of `epochs`. */
float       dl_schedule_lr (const DlPreset *p, float base_lr, double epoch_progress, int epochs);

const char *dl_act_name (DlAct act);
const char *dl_optimizer_name (DlOptimizer opt);
gboolean    dl_optimizer_from_name (const char *name, DlOptimizer *out);

G_END_DECLS
