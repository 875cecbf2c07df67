/* dl-conv-direct.c — direct convolution (see dl-conv-private.h): no im2col, the kernels in
 * dl-conv-direct.h compiled for AVX-512, AVX2 + FMA and plain SSE2, the widest the CPU runs picked at
 * first use (by hand rather than with target_clones, whose resolvers run before the sanitizers' runtime
 * and pick "avx2" without FMA).
 *
 * Where it wins is a measurement (dl-tune): the first layer of the presets has one input channel, so its
 * im2col matrix is 25 (or 9) copies of the image for a product of only 6 (or 16) rows, which sgemm runs
 * far from its peak; here each input vector loaded feeds 8 output channels' multiply-adds.
 */
#include "dl-conv-private.h"

#include <string.h>
#include <immintrin.h>

#define VW_MAX 16  /* the widest variant's floats per vector: buffers sized for it fit every variant */
/* Every buffer and row starts on a cache line (given scratch that does): split loads cost twice. */
#define LINE 16
#define LINES(n) (((size_t) (n) + LINE - 1) / LINE * LINE)
#define KB 8
#define CHAN_MAX_KERNEL 7  /* the channel kernels keep a row of k accumulators in registers */

/* GCC's target pragmas; clang ignores them and takes the attribute for every function in the region. */
#ifdef __clang__
#pragma clang attribute push (__attribute__ ((target ("avx512f,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target ("avx512f,fma")
#endif
typedef float Vec16 __attribute__ ((vector_size (64)));
typedef float Vec16u __attribute__ ((vector_size (64), aligned (4), may_alias));
static inline void
store_n_avx512 (float *p, Vec16 v, int n)
{
  _mm512_mask_storeu_ps (p, (__mmask16) ((1u << n) - 1), (__m512) v);
}
#define VEC Vec16
#define VEC_U Vec16u
#define VW 16
#define SUFFIX _avx512
#define STORE_N store_n_avx512
#include "dl-conv-direct.h"
#undef VEC
#undef VEC_U
#undef VW
#undef SUFFIX
#undef STORE_N
#ifdef __clang__
#pragma clang attribute pop
#pragma clang attribute push (__attribute__ ((target ("avx2,fma"))), apply_to = function)
#else
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target ("avx2,fma")
#endif
typedef float Vec8 __attribute__ ((vector_size (32)));
typedef float Vec8u __attribute__ ((vector_size (32), aligned (4), may_alias));
static inline __m256i
lanes_avx2 (int n)
{
  return _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n), _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
}
static inline void
store_n_avx2 (float *p, Vec8 v, int n)
{
  _mm256_maskstore_ps (p, lanes_avx2 (n), (__m256) v);
}
#define VEC Vec8
#define VEC_U Vec8u
#define VW 8
#define SUFFIX _avx2
#define STORE_N store_n_avx2
#include "dl-conv-direct.h"
#undef VEC
#undef VEC_U
#undef VW
#undef SUFFIX
#undef STORE_N
#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

typedef float Vec4 __attribute__ ((vector_size (16)));
typedef float Vec4u __attribute__ ((vector_size (16), aligned (4), may_alias));
static inline void
store_n_sse2 (float *p, Vec4 v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = v[i];
}
#define VEC Vec4
#define VEC_U Vec4u
#define VW 4
#define SUFFIX _sse2
#define STORE_N store_n_sse2
#include "dl-conv-direct.h"
#undef VEC
#undef VEC_U
#undef VW
#undef SUFFIX
#undef STORE_N

typedef struct {
  int vw;
  void (*forward) (const float *, int, int, int, const float *, const float *, int, int, int, int, int, int, int,
                   float *);
  void (*wgrad) (const float *, int, int, int, const float *, int, int, int, int, int, float *, float *);
  void (*chan_forward) (const float *, int, int, int, const float *, const float *, int, int, int, int, int, int,
                        int, float *);
  void (*chan_wgrad) (const float *, int, int, int, const float *, int, int, int, int, float *, float *);
} Kernels;

#define KERNELS(vw, s) { vw, direct_forward##s, direct_wgrad##s, chan_forward##s, chan_wgrad##s }
static const Kernels avx512 = KERNELS (16, _avx512);
static const Kernels avx2 = KERNELS (8, _avx2);
static const Kernels sse2 = KERNELS (4, _sse2);
#undef KERNELS
static const Kernels *forced;

static const Kernels *
kernels (void)
{
  const Kernels *k = g_atomic_pointer_get (&forced);

  if (k)
    return k;
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f"))
    return &avx512;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return &avx2;
  return &sse2;
}

gboolean
dl_conv_direct_force_isa (const char *isa)
{
  const Kernels *k = NULL;

  __builtin_cpu_init ();
  if (isa && g_str_equal (isa, "avx512") && __builtin_cpu_supports ("avx512f"))
    k = &avx512;
  else if (isa && g_str_equal (isa, "avx2") && __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    k = &avx2;
  else if (isa && g_str_equal (isa, "sse2"))
    k = &sse2;
  g_atomic_pointer_set (&forced, k);
  return isa == NULL || k != NULL;
}

#define ROUND_UP(n, m) (((n) + (m) - 1) / (m) * (m))

/* The output row's pixel block for the channel kernels: the P ∈ [4, 8] that pads it least, the larger on
 * a tie (28 → 7, 10 → 5). */
static int
pixel_block (int Wo)
{
  int best = 8;

  for (int P = 7; P >= 4; P--)
    if (ROUND_UP (Wo, P) < ROUND_UP (Wo, best))
      best = P;
  return best;
}

/* Which kernels a geometry is for: vectors along the output row, or along the output channels. */
typedef enum { ROWS, CHANNELS } Along;

/* The padded input of one image and the sizes the kernels compute (dl-conv-direct.h), for vectors of vw
 * floats: Wr the output row as computed (ROWS: Wo rounded up to vw, VWo; CHANNELS: to the pixel block P,
 * Wb), Kp the output channels (ROWS: rounded up to KB; CHANNELS: to vw, Kv). */
typedef struct {
  int Ho, Wo, Wr, P, ld, plane, Kp;
} Geom;

static Geom
geom (int vw, int H, int W, int K, int k, int pad, Along along)
{
  Geom g;

  g.Ho = H + 2 * pad - k + 1;
  g.Wo = W + 2 * pad - k + 1;
  g.P = along == CHANNELS ? pixel_block (g.Wo) : 0;
  g.Wr = ROUND_UP (g.Wo, along == CHANNELS ? g.P : vw);
  g.ld = LINES (g.Wr + k - 1);
  g.plane = (g.Ho + k - 1) * g.ld;
  g.Kp = ROUND_UP (K, along == CHANNELS ? vw : KB);
  return g;
}

/* The forward pass's scratch: the weights reordered, the bias padded, one padded input. */
static size_t
forward_floats (int C, int H, int W, int K, int k, int pad)
{
  Geom g = geom (VW_MAX, H, W, K, k, pad, ROWS);
  return LINES (C * k * k * g.Kp) + LINES (g.Kp) + (size_t) C * g.plane;
}

size_t
dl_conv_direct_scratch_floats (int C, int H, int W, int K, int k, int pad)
{
  Geom g = geom (VW_MAX, H, W, K, k, pad, ROWS);
  /* Backward: the padded input and output gradient, the vector partial sums of the weight and bias
   * gradients; or the flipped weights and a forward pass over the output gradient for the input's. */
  size_t wgrad = (size_t) C * g.plane + (size_t) g.Kp * g.Ho * g.Wr + (size_t) (C * k * k + 1) * g.Kp * VW_MAX;
  size_t dgrad = LINES (C * K * k * k) + forward_floats (K, g.Ho, g.Wo, C, k, k - 1 - pad);
  return MAX (forward_floats (C, H, W, K, k, pad), MAX (wgrad, dgrad));
}

/* x: one image, C × H × W → its place inside the zeroed padded planes xp. */
static void
pad_image (const float *x, float *xp, int C, int H, int W, int pad, const Geom *g)
{
  for (int c = 0; c < C; c++)
    for (int iy = 0; iy < H; iy++)
      {
        const float *src = x + ((size_t) c * H + iy) * W;
        float *dst = xp + (size_t) c * g->plane + (size_t) (iy + pad) * g->ld + pad;
        /* Rows of 6–28 floats: a loop, not a memcpy call per row. */
        for (int ix = 0; ix < W; ix++)
          dst[ix] = src[ix];
      }
}

/* w: K×C×k×k → wt: C×k×k×Kp, the output channel innermost and zero beyond K; b → bias, Kp floats. */
static void
reorder_weights (const float *w, const float *b, int C, int K, int k, int Kp, float *wt, float *bias)
{
  for (int c = 0; c < C; c++)
    for (int t = 0; t < k * k; t++)
      for (int f = 0; f < Kp; f++)
        wt[((size_t) c * k * k + t) * Kp + f] = f < K ? w[((size_t) f * C + c) * k * k + t] : 0.0f;
  for (int f = 0; f < Kp; f++)
    bias[f] = b && f < K ? b[f] : 0.0f;
}

void
dl_conv_direct_forward (const float *x, const float *w, const float *b, float *y, int B, int C, int H, int W, int K,
                        int k, int pad, float *scratch)
{
  const Kernels *kn = kernels ();
  Geom g = geom (kn->vw, H, W, K, k, pad, ROWS);
  float *wt = scratch, *bias = wt + LINES (C * k * k * g.Kp), *xp = bias + LINES (g.Kp);

  reorder_weights (w, b, C, K, k, g.Kp, wt, bias);
  /* The border stays zero: each image overwrites only the inside. */
  memset (xp, 0, sizeof (float) * C * g.plane);
  for (int n = 0; n < B; n++)
    {
      pad_image (x + (size_t) n * C * H * W, xp, C, H, W, pad, &g);
      kn->forward (xp, C, g.ld, g.plane, wt, bias, g.Kp, K, k, H, pad, g.Ho, g.Wo, y + (size_t) n * K * g.Ho * g.Wo);
    }
}

/* dw, db of the batch: per image, its padded input and output gradient through the kernel, summed as
 * vectors; then across their lanes. */
static void
weight_grads (const float *x, const float *dy, float *dw, float *db, int B, int C, int H, int W, int K, int k,
              int pad, float *scratch)
{
  const Kernels *kn = kernels ();
  Geom g = geom (kn->vw, H, W, K, k, pad, ROWS);
  float *xp = scratch, *dyp = xp + (size_t) C * g.plane, *vacc = dyp + (size_t) g.Kp * g.Ho * g.Wr;
  float *vdb = vacc + (size_t) C * k * k * g.Kp * kn->vw;
  size_t HoWo = (size_t) g.Ho * g.Wo;

  memset (xp, 0, sizeof (float) * C * g.plane);
  /* Channels beyond K and columns beyond Wo stay zero. */
  memset (dyp, 0, sizeof (float) * g.Kp * g.Ho * g.Wr);
  memset (vacc, 0, sizeof (float) * (C * k * k + 1) * g.Kp * kn->vw);
  for (int n = 0; n < B; n++)
    {
      const float *dyn = dy + (size_t) n * K * HoWo;
      pad_image (x + (size_t) n * C * H * W, xp, C, H, W, pad, &g);
      for (int f = 0; f < K; f++)
        for (int oy = 0; oy < g.Ho; oy++)
          {
            const float *src = dyn + f * HoWo + (size_t) oy * g.Wo;
            float *dst = dyp + ((size_t) f * g.Ho + oy) * g.Wr;
            for (int ox = 0; ox < g.Wo; ox++)
              dst[ox] = src[ox];
          }
      kn->wgrad (xp, C, g.ld, g.plane, dyp, g.Kp, K, k, g.Ho, g.Wr, vacc, vdb);
    }
  /* Across the lanes. */
  for (int f = 0; f < K; f++)
    {
      for (int c = 0; c < C; c++)
        for (int t = 0; t < k * k; t++)
          {
            const float *v = vacc + (((size_t) c * k * k + t) * g.Kp + f) * kn->vw;
            float s = 0.0f;
            for (int l = 0; l < kn->vw; l++)
              s += v[l];
            dw[((size_t) f * C + c) * k * k + t] = s;
          }
      float s = 0.0f;
      for (int l = 0; l < kn->vw; l++)
        s += vdb[f * kn->vw + l];
      if (db)
        db[f] = s;
    }
}

/* The input gradient is a forward convolution of the output gradient (K channels, padded by k − 1 −
 * pad) with the weights flipped in both axes and their channel axes swapped: w K×C×k×k → wf C×K×k×k. */
static void
flip_weights (const float *w, int C, int K, int k, float *wf)
{
  for (int c = 0; c < C; c++)
    for (int f = 0; f < K; f++)
      for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
          wf[(((size_t) c * K + f) * k + ky) * k + kx] = w[(((size_t) f * C + c) * k + (k - 1 - ky)) * k + (k - 1 - kx)];
}

static void backward (Along along, const float *x, const float *w, const float *dy, float *dx, float *dw, float *db,
                      int B, int C, int H, int W, int K, int k, int pad, float *scratch);

void
dl_conv_direct_backward (const float *x, const float *w, const float *dy, float *dx, float *dw, float *db, int B,
                         int C, int H, int W, int K, int k, int pad, float *scratch)
{
  backward (ROWS, x, w, dy, dx, dw, db, B, C, H, W, K, k, pad, scratch);
}

/* ---- channels in the vectors ---- */

static size_t
chan_forward_floats (int C, int H, int W, int K, int k, int pad)
{
  Geom g = geom (VW_MAX, H, W, K, k, pad, CHANNELS);
  return LINES (C * k * k * g.Kp) + LINES (g.Kp) + LINES ((size_t) C * g.plane) + (size_t) g.Ho * g.Wr * g.Kp;
}

/* The share of the multiply-adds that are real, not padding, of each kind of forward kernel: the input
 * gradient of a layer runs on the one that wastes less. */
static gboolean
channels_fill_more (int vw, int H, int W, int K, int k, int pad)
{
  Geom r = geom (vw, H, W, K, k, pad, ROWS);
  Geom c = geom (vw, H, W, K, k, pad, CHANNELS);
  return (double) c.Wo / c.Wr * K / c.Kp >= (double) r.Wo / r.Wr * K / r.Kp;
}

size_t
dl_conv_channels_scratch_floats (int C, int H, int W, int K, int k, int pad)
{
  Geom g = geom (VW_MAX, H, W, K, k, pad, CHANNELS);
  size_t direct = dl_conv_direct_scratch_floats (C, H, W, K, k, pad);

  if (k > CHAN_MAX_KERNEL)
    return direct;
  size_t wgrad = LINES ((size_t) C * g.plane) + LINES ((size_t) g.Ho * g.Wo * g.Kp) + LINES ((size_t) C * k * k * g.Kp)
                 + g.Kp;
  size_t dgrad = LINES (C * K * k * k) + chan_forward_floats (K, g.Ho, g.Wo, C, k, k - 1 - pad);
  return MAX (direct, MAX (chan_forward_floats (C, H, W, K, k, pad), MAX (wgrad, dgrad)));
}

void
dl_conv_channels_forward (const float *x, const float *w, const float *b, float *y, int B, int C, int H, int W,
                          int K, int k, int pad, float *scratch)
{
  if (k > CHAN_MAX_KERNEL)
    {
      dl_conv_direct_forward (x, w, b, y, B, C, H, W, K, k, pad, scratch);
      return;
    }
  const Kernels *kn = kernels ();
  Geom g = geom (kn->vw, H, W, K, k, pad, CHANNELS);
  float *wt = scratch, *bias = wt + LINES (C * k * k * g.Kp), *xp = bias + LINES (g.Kp);
  float *yt = xp + LINES ((size_t) C * g.plane);
  size_t HoWo = (size_t) g.Ho * g.Wo;

  reorder_weights (w, b, C, K, k, g.Kp, wt, bias);
  memset (xp, 0, sizeof (float) * C * g.plane);
  for (int n = 0; n < B; n++)
    {
      float *yn = y + (size_t) n * K * HoWo;
      pad_image (x + (size_t) n * C * H * W, xp, C, H, W, pad, &g);
      kn->chan_forward (xp, C, g.ld, g.plane, wt, bias, g.Kp, k, H, pad, g.Ho, g.Wr, g.P, yt);
      /* Ho × Wr × Kp → K × Ho × Wo: the block's pixels beyond Wo dropped. */
      for (int oy = 0; oy < g.Ho; oy++)
        for (int ox = 0; ox < g.Wo; ox++)
          {
            const float *src = yt + ((size_t) oy * g.Wr + ox) * g.Kp;
            for (int f = 0; f < K; f++)
              yn[f * HoWo + (size_t) oy * g.Wo + ox] = src[f];
          }
    }
}

static void
chan_weight_grads (const float *x, const float *dy, float *dw, float *db, int B, int C, int H, int W, int K, int k,
                   int pad, float *scratch)
{
  const Kernels *kn = kernels ();
  Geom g = geom (kn->vw, H, W, K, k, pad, CHANNELS);
  size_t HoWo = (size_t) g.Ho * g.Wo;
  float *xp = scratch, *dyt = xp + LINES ((size_t) C * g.plane), *vacc = dyt + LINES (HoWo * g.Kp);
  float *vdb = vacc + LINES ((size_t) C * k * k * g.Kp);

  memset (xp, 0, sizeof (float) * C * g.plane);
  /* Channels beyond K stay zero. */
  memset (dyt, 0, sizeof (float) * HoWo * g.Kp);
  memset (vacc, 0, sizeof (float) * C * k * k * g.Kp);
  memset (vdb, 0, sizeof (float) * g.Kp);
  for (int n = 0; n < B; n++)
    {
      const float *dyn = dy + (size_t) n * K * HoWo;
      pad_image (x + (size_t) n * C * H * W, xp, C, H, W, pad, &g);
      for (size_t i = 0; i < HoWo; i++)
        for (int f = 0; f < K; f++)
          dyt[i * g.Kp + f] = dyn[f * HoWo + i];
      kn->chan_wgrad (xp, C, g.ld, g.plane, dyt, g.Kp, k, g.Ho, g.Wo, vacc, vdb);
    }
  for (int f = 0; f < K; f++)
    {
      for (int ckk = 0; ckk < C * k * k; ckk++)
        dw[(size_t) f * C * k * k + ckk] = vacc[(size_t) ckk * g.Kp + f];
      if (db)
        db[f] = vdb[f];
    }
}

void
dl_conv_channels_backward (const float *x, const float *w, const float *dy, float *dx, float *dw, float *db, int B,
                           int C, int H, int W, int K, int k, int pad, float *scratch)
{
  backward (k > CHAN_MAX_KERNEL ? ROWS : CHANNELS, x, w, dy, dx, dw, db, B, C, H, W, K, k, pad, scratch);
}

/* The weight and bias gradients on the kernels of `along`; then the input gradient, a forward convolution
 * of the output gradient (K channels, padded by k − 1 − pad) with the weights flipped: for CHANNELS on
 * whichever kind of kernel fills more of its vectors at that shape. */
static void
backward (Along along, const float *x, const float *w, const float *dy, float *dx, float *dw, float *db, int B, int C,
          int H, int W, int K, int k, int pad, float *scratch)
{
  int Ho = H + 2 * pad - k + 1, Wo = W + 2 * pad - k + 1, dpad = k - 1 - pad;

  if (dw)
    (along == CHANNELS ? chan_weight_grads : weight_grads) (x, dy, dw, db, B, C, H, W, K, k, pad, scratch);
  if (dx == NULL)
    return;
  float *wf = scratch, *rest = wf + LINES (C * K * k * k);
  flip_weights (w, C, K, k, wf);
  if (along == CHANNELS && channels_fill_more (kernels ()->vw, Ho, Wo, C, k, dpad))
    dl_conv_channels_forward (dy, wf, NULL, dx, B, K, Ho, Wo, C, k, dpad, rest);
  else
    dl_conv_direct_forward (dy, wf, NULL, dx, B, K, Ho, Wo, C, k, dpad, rest);
}
