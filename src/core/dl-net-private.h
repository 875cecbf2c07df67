/* dl-net-private.h — the insides of a DlNet, shared by the files it spans:
 *   dl-net.c         construction, threads and configuration, accessors, health
 *   dl-net-layers.c  activations and each layer's forward and backward kernels
 *   dl-net-pass.c    a pass over a batch, split by rows over the team: forward, backward, the training
 *                    step, the batch gathered by the team
 *   dl-net-loss.c    the losses, probabilities and the activations' health
 *   dl-net-opt.c     the optimisers and the weights' moving average
 *   dl-net-infer.c   inference on the net's own buffers and on a caller's DlNetWork
 * The model file and checkpoint code use dl_net_get_seed only. */
#pragma once

#include "dl-net.h"
#include "dl-blas.h"
#include "dl-conv.h"
#include "dl-rng.h"
#include "dl-team.h"

G_BEGIN_DECLS

#define N_OUT 10  /* one output per digit */
/* The element-wise loops memory and the activation math bound: AVX-512 and AVX2 copies beside the
 * baseline SSE2 one, the widest the CPU runs picked when the program loads. The AVX-512 copy: mlp's step
 * on one thread 156k → 160k samples/s (4 pairs, `digitlab-cli bench --preset mlp --threads 1`, AMD EPYC
 * family 26 model 2, Zen 5), the optimiser update streaming from L2 in half the loads. Not under the
 * sanitizers: the picking runs (instrumented) before their runtime starts, and crashes. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif
/* Below these, work is not worth splitting over the team: a batch under 8 rows per part runs on the
 * calling thread, and a layer under 8192 weights has its gradient and update done by part 0. */
#define MIN_ROWS_PER_PART 8
#define LINE_FLOATS 16  /* a 64-byte cache line */
#define SPLIT_MIN_WEIGHTS 8192

typedef struct {
  DlLayerKind kind;
  DlAct       act;
  int         in_c, in_h, in_w, in_size;     /* per example */
  int         out_c, out_h, out_w, out_size; /* per example */
  int         k, pad;                        /* conv */
  gboolean    relu_by_pool;                  /* conv with ReLU before a pool, or that pool: the net's own passes
                                              * apply the ReLU to the pooled values (dl_maxpool_relu_forward) */
  float       drop;                          /* dropout */
  gboolean    bn;                            /* dense or conv, batch-normalised (dl-bn.h): b is β */
  gsize       w_off, n_w, b_off, n_b;        /* into params / grads / optimiser state */
  gsize       g_off, rm_off, rv_off;         /* bn: γ, then the running mean and variance (never trained) */
} Layer;

/* The buffers of passes over up to `capacity` examples, in one allocation (and one for the pool
 * winners): every layer's output, the dropout masks (training only), the ping-pong gradient buffers,
 * the probabilities and the conv scratch of each part of a team. The net has one for its own training
 * and predictions; a DlNetWork is one that a caller owns, so that any number of threads can run
 * inference on one net at once. Parameters live in the net, read only by a pass that is not training. */
typedef struct {
  int      capacity;
  float   *buf;
  int     *argmax_buf;
  float   *out[DL_MAX_LAYERS];     /* layer i: batch × out_size, after the activation */
  float   *mask[DL_MAX_LAYERS];    /* dropout: batch × out_size, 0 or 1/(1 − p) */
  int     *argmax[DL_MAX_LAYERS];  /* maxpool: batch × out_size */
  float   *dbuf[2];                /* ping-pong gradients, capacity × max_size */
  float   *probs;                  /* capacity × 10 */
  float   *unit_max;               /* max_size: per-unit maximum over a batch (dead ReLUs) */
  float   *conv_scratch;           /* conv_scratch_n floats per part */
  gsize    conv_scratch_n;
  float   *kept_buf;
  float   *kept[DL_MAX_LAYERS];    /* conv layers on DL_CONV_IM2COL_KEPT (training only): their columns */
  /* Batch-normalised layers, training only: x̂ (batch × out_size), the batch's mean and 1/√(σ² + ε)
   * (one per unit: n_b each), and each part's sums (dl_bn_sums, dl_bn_grad_sums), bn_stride doubles apart. */
  float   *xhat[DL_MAX_LAYERS], *bn_mean[DL_MAX_LAYERS], *bn_istd[DL_MAX_LAYERS];
  double  *bn_sums_buf;
  double  *bn_sums[DL_MAX_LAYERS];
  gsize    bn_stride;
} Acts;

struct _DlNetWork {
  gsize n_params;  /* of the net it was made for: a work fits only nets of that architecture */
  int   n_layers;
  Acts  acts;
};

struct _DlNet {
  DlArch   arch;
  guint64  seed;
  DlRng    rng;
  int      n_layers;
  Layer    layers[DL_MAX_LAYERS];
  int      max_size;            /* largest per-example tensor, input included */
  int      grad_size;           /* largest layer output: the row stride of a part's block in dbuf */
  int      first_weighted;      /* the lowest layer with parameters: below it, no gradient is needed */

  gsize    n_params;
  float   *params;              /* n_params */
  float   *grads;               /* n_params */
  float   *opt_state;           /* velocity | Adam m | Adam v, each state_stride long */
  gsize    state_stride;        /* n_params rounded up to a cache line */
  gboolean opt_started;
  DlOptimizer opt_last;
  gint64   adam_t;
  float   *average;             /* n_params: the parameters' moving average (DlHyper.average) */
  gint64   avg_t;               /* steps since averaging started; 0: there is no average */
  gboolean swapped;             /* params and average exchanged (dl_net_swap_average) */
  DlTeam  *team;                /* splits each batch over threads (dl_net_set_threads), or NULL */
  DlNetConfig config;           /* threads = the team's size */

  Acts     acts;                /* the training step's and dl_net_predict's */
  float   *part_grads;          /* parts 1 … n − 1: n_params each, their share of conv weight gradients */
  float   *augment_scratch;     /* dl_net_gather: augment_scratch_n floats per part */
  gsize    augment_scratch_n;
  guint64  seeds[DL_MAX_BATCH]; /* dl_net_gather: one augmentation stream per image */

  int      health_batch;        /* batch whose training activations the layer outputs still hold, or 0 */
  float    saturated[DL_MAX_LAYERS];  /* health of the last training batch, once measured */
  float    dead[DL_MAX_LAYERS];
};

/* The share of a weight layer's gradient and update a part of the team takes: the weights' rows [r0, r1)
 * × columns [c0, c1) (dense: out × in; conv: one row of all its weights), and the biases [b0, b1).
 * - A layer whose forward pass is split by output units keeps that split: each part computes and updates
 *   the rows of the units it multiplied, so its share of the weights, their gradient and the optimiser
 *   state stay in its own cache from one step to the next. Split by columns instead, each core's update
 *   read the rows the other core multiplied: mlp on 2 threads (Intel Xeon family 6 model 167, the best of
 *   the windows no other program disturbed, paired) 66k samples/s by columns, 99k by units.
 * - Other wide layers split by columns, in multiples of 16 floats so that no two threads write one cache
 *   line; part 0 takes the biases.
 * - Small layers stay whole with part 0; a conv layer's update is done whole by part 0, its caller
 *   passing n_parts 1. */
typedef struct {
  int rows, cols;      /* the whole weight matrix */
  int r0, r1, c0, c1;  /* the part's block of it */
  int b0, b1;          /* the part's biases */
} Share;

typedef struct {
  DlNet         *net;
  const float   *x;
  const guint8  *y;          /* labels; NULL for predictions */
  int            B;
  float          scale;      /* factor of dL/d(out): 1/B (mean) or 1 (sum) */
  gboolean       backward;   /* training: dropout on, gradients */
  const DlHyper *hyper;      /* then also the optimiser step, or NULL */
  float          bc1, bc2;
  float          avg_rate;   /* average_prepare's */
  float         *probs;      /* predictions: B × 10 out */
  double         loss[DL_TEAM_MAX];
  int            correct[DL_TEAM_MAX];
} Pass;

/* Where row r's part of the batch starts in a gradient buffer (dbuf): each part's rows packed from its
 * first row times the largest layer output, so that parts never share memory whatever the layer (the
 * image's gradient is never computed). Packed at r × the layer's size instead, a conv layer's rows of one
 * part overlapped a dense layer's rows of the other, written and read at the same time. */
static inline gsize
row_base (const DlNet *net, int r)
{
  return (gsize) r * net->grad_size;
}

/* The values a batch-normalised layer's unit spans in a row (dl-bn.h): 1 for a dense layer's output, a
 * conv layer's plane for its channel. */
static inline int
_dl_net_bn_hw (const Layer *l)
{
  return l->kind == DL_LAYER_CONV ? l->out_h * l->out_w : 1;
}

/* dl-net.c */
void _dl_net_ensure_capacity (DlNet *net, int batch);
void _dl_net_acts_alloc (Acts *a, const DlNet *net, int batch, int n_parts, gboolean masks);
void _dl_net_acts_clear (Acts *a);

/* dl-net-layers.c */
gboolean _dl_net_forward_by_units (DlSplit split, const Layer *l, int B, int n_parts);
void _dl_net_dense_forward (const DlBlasKernel *blas, float *y, const float *x, const float *w, const float *b, int B,
                            int in, int out, int j0, int j1, DlAct act);
void _dl_net_bn_forward (const DlNet *net, Acts *a, DlTeam *team, int part, int i, float *y, const float *x, int B,
                         int r0, int n, int j0, int j1, gboolean training, gboolean by_units, gboolean fused);
DlConvPlan _dl_net_conv_plan (const DlNet *net, const Acts *a, int i, int r0);
void _dl_net_conv_forward (const DlNet *net, int i, const DlConvPlan *plan, float *y, const float *x, const float *w,
                           const float *b, int B, float *scratch, gboolean fused);
void _dl_net_dropout_draw (float *mask, gsize n, float p, DlRng *rng);
void _dl_net_dropout_apply (float *restrict y, const float *restrict x, const float *restrict mask, gsize n);
void _dl_net_std_apply (float *restrict y, const float *restrict x, gsize n, gboolean scale_only);
void _dl_net_weight_share (DlSplit split, const Layer *l, int B, int part, int n_parts, Share *s);
void _dl_net_act_backward (float *restrict dy, const float *restrict y, gsize n, DlAct act);
void _dl_net_dense_weight_grads (const DlNet *net, const Layer *l, float *dw, float *db, const float *dz,
                                 const float *x, int B, int part, int n_parts);
void _dl_net_conv_backward (const DlNet *net, int i, const DlConvPlan *plan, float *dx, float *dw, float *db,
                            float *dy, const float *y, const float *x, const float *w, int B, float *scratch,
                            gboolean fused);

/* dl-net-pass.c */
const float *_dl_net_forward_part (const DlNet *net, Acts *a, DlTeam *team, int part, const float *x, int B, int r0,
                                   int r1, gboolean training, gboolean fuse);
double _dl_net_run_pass (DlNet *net, Pass *s, int *n_correct);

/* dl-net-loss.c */
double _dl_net_loss_rows (DlNet *net, const float *out, const guint8 *y, int r0, int r1, float scale, float *dout);
void _dl_net_probs_rows (const DlNet *net, const float *out, float *probs, int r0, int r1);
void _dl_net_measure_health (const DlNet *net, int B, float *saturated, float *dead);
void _dl_net_settle_health (DlNet *net);

/* dl-net-opt.c */
void _dl_net_opt_prepare (DlNet *net, const DlHyper *h, float *bc1, float *bc2, float *avg_rate);
void _dl_net_opt_layer (DlNet *net, const Layer *l, const DlHyper *h, float bc1, float bc2, float avg_rate, int B,
                        int part, int n_parts);

/* The seed the net was created or last reseeded with (stored in model files). */
guint64 dl_net_get_seed (const DlNet *net);

G_END_DECLS
