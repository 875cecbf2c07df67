/* dl-conv-direct.h — the direct convolution kernels, written once over a vector type and compiled by
 * dl-conv-direct.c for each instruction set it dispatches to. Not a public header: included with
 *   VEC      the vector type (GCC vector extension), VW floats wide
 *   VEC_U    the same type, unaligned and may_alias, for loads and stores anywhere in a row
 *   VW       floats per vector
 *   KB       output channels per register block (KB accumulators stay in registers)
 *   SUFFIX   the variant's name, appended to the function names
 *   STORE_N(p, v, n)   the first n < VW lanes of a vector written, the rest not
 *
 * Layouts (per image):
 *   xp  C planes of (Ho + k − 1) rows × ld floats: the input with its zero border, ld ≥ VWo + k − 1 (VWo:
 *       Wo rounded up to VW), so that the shifted row loads never need a tail
 *   wt  C × k × k × Kp: the weights with the output channel innermost, zero beyond K (Kp = K rounded
 *       up to KB); bias Kp floats, zero beyond K
 *   y    K planes of Ho × Wo, as the layer has them: row tails written lane by lane
 *   dyp  the output gradient copied into Kp planes of Ho × VWo, zero beyond Wo and K
 */

#define GLUE_(a, b) a##b
#define GLUE(a, b) GLUE_ (a, b)
#define NAME(f) GLUE (f, SUFFIX)

static inline VEC
NAME (load) (const float *p)
{
  return *(const VEC_U *) p;
}

static inline void
NAME (store) (float *p, VEC v)
{
  *(VEC_U *) p = v;
}

/* The kernel rows ky ∈ [*lo, *hi) that meet the image's H rows (placed at row pad of xp) from output row
 * oy: the others read only the zero border. An input gradient, a convolution padded by k − 1, skips
 * nearly a third of its rows so. */
static inline void
NAME (rows_in) (int oy, int k, int H, int pad, int *lo, int *hi)
{
  *lo = MAX (pad - oy, 0);
  *hi = MIN (pad + H - oy, k);
}

/* y = conv (xp, wt) + bias for channels [f0, f0 + NF), NF ≤ KB: every output row; for each (c, ky, kx) one
 * load of the shifted input row feeds NF multiply-adds, each with its weight broadcast. NF is a constant
 * where it is inlined: a layer of 6 channels keeps 6 accumulators, not 8. */
static inline __attribute__ ((always_inline)) void
NAME (direct_forward_block) (const float *restrict xp, int C, int ld, int plane, const float *restrict wt,
                             const float *restrict bias, int Kp, int k, int H, int pad, int Ho, int Wo,
                             float *restrict y, int f0, const int NF)
{
  for (int oy = 0; oy < Ho; oy++)
    {
      int ky0, ky1;
      NAME (rows_in) (oy, k, H, pad, &ky0, &ky1);
      for (int ox = 0; ox < Wo; ox += VW)
        {
          VEC acc[KB];
          for (int f = 0; f < NF; f++)
            acc[f] = bias[f0 + f] + (VEC) { 0 };
          for (int c = 0; c < C; c++)
            for (int ky = ky0; ky < ky1; ky++)
              {
                const float *row = xp + (gsize) c * plane + (gsize) (oy + ky) * ld + ox;
                const float *wr = wt + ((gsize) (c * k + ky) * k) * Kp + f0;
                for (int kx = 0; kx < k; kx++, wr += Kp)
                  {
                    VEC xv = NAME (load) (row + kx);
                    for (int f = 0; f < NF; f++)
                      acc[f] += wr[f] * xv;
                  }
              }
          int left = Wo - ox;
          for (int f = 0; f < NF; f++)
            {
              float *out = y + ((gsize) (f0 + f) * Ho + oy) * Wo + ox;
              if (left >= VW)
                NAME (store) (out, acc[f]);
              else
                STORE_N (out, acc[f], left);
            }
        }
    }
}

/* The channels of a block, at most KB, as a constant: a switch over the block functions. */
#define BLOCK_SWITCH(nf, call)                                                                     \
  switch (nf)                                                                                      \
    {                                                                                              \
    case 1: call (1); break;                                                                       \
    case 2: call (2); break;                                                                       \
    case 3: call (3); break;                                                                       \
    case 4: call (4); break;                                                                       \
    case 5: call (5); break;                                                                       \
    case 6: call (6); break;                                                                       \
    case 7: call (7); break;                                                                       \
    default: call (KB); break;                                                                     \
    }

/* y = conv (xp, wt) + bias for channels [0, K), KB at a time. */
static void
NAME (direct_forward) (const float *restrict xp, int C, int ld, int plane, const float *restrict wt,
                       const float *restrict bias, int Kp, int K, int k, int H, int pad, int Ho, int Wo,
                       float *restrict y)
{
  for (int f0 = 0; f0 < K; f0 += KB)
    {
#define FORWARD_NF(NF) NAME (direct_forward_block) (xp, C, ld, plane, wt, bias, Kp, k, H, pad, Ho, Wo, y, f0, NF)
      BLOCK_SWITCH (MIN (K - f0, KB), FORWARD_NF);
#undef FORWARD_NF
    }
}

/* vacc[c][ky][kx][f] (vectors) += Σ_{oy, ox} dyp[f][oy][ox] · xp[c][oy + ky][ox + kx] for f ∈ [f0, f0 + NF):
 * the weight gradient of one image, kept as vectors of partial sums (added up across the lanes once per
 * batch). dyp is the output gradient copied into Kp planes of Ho × VWo, zero beyond Wo and beyond K:
 * whole aligned vectors, no tail (masked loads of the rows as they are measured slower, by more than the
 * copy costs). */
static inline __attribute__ ((always_inline)) void
NAME (direct_wgrad_block) (const float *restrict xp, int C, int ld, int plane, const float *restrict dyp, int Kp,
                           int k, int Ho, int VWo, float *restrict vacc, int f0, const int NF)
{
  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++)
        {
          float *va = vacc + (((gsize) (c * k + ky) * k + kx) * Kp + f0) * VW;
          VEC acc[KB];
          for (int f = 0; f < NF; f++)
            acc[f] = NAME (load) (va + f * VW);
          for (int oy = 0; oy < Ho; oy++)
            {
              const float *row = xp + (gsize) c * plane + (gsize) (oy + ky) * ld + kx;
              const float *dr = dyp + ((gsize) f0 * Ho + oy) * VWo;
              for (int ox = 0; ox < VWo; ox += VW)
                {
                  VEC xv = NAME (load) (row + ox);
                  for (int f = 0; f < NF; f++)
                    acc[f] += NAME (load) (dr + (gsize) f * Ho * VWo + ox) * xv;
                }
            }
          for (int f = 0; f < NF; f++)
            NAME (store) (va + f * VW, acc[f]);
        }
}

/* The weight gradient of one image for channels [0, K), KB at a time; vdb[f] += Σ dyp[f]. */
static void
NAME (direct_wgrad) (const float *restrict xp, int C, int ld, int plane, const float *restrict dyp, int Kp, int K,
                     int k, int Ho, int VWo, float *restrict vacc, float *restrict vdb)
{
  for (int f0 = 0; f0 < K; f0 += KB)
    {
#define WGRAD_NF(NF) NAME (direct_wgrad_block) (xp, C, ld, plane, dyp, Kp, k, Ho, VWo, vacc, f0, NF)
      BLOCK_SWITCH (MIN (K - f0, KB), WGRAD_NF);
#undef WGRAD_NF
    }
  for (int f = 0; f < K; f++)
    {
      VEC acc = NAME (load) (vdb + f * VW);
      for (gsize i = 0; i < (gsize) Ho * VWo; i += VW)
        acc += NAME (load) (dyp + (gsize) f * Ho * VWo + i);
      NAME (store) (vdb + f * VW, acc);
    }
}
#undef BLOCK_SWITCH

/* ---- channels in the vectors (DL_CONV_DIRECT_CHANNELS) ----
 * Layouts (per image), Kv = K rounded up to VW:
 *   xp   as above, ld ≥ Wb + k − 1 (Wb: Wo rounded up to the pixel block P)
 *   wt   as above with Kv for Kp
 *   yt   Ho × Wb × Kv: the output with the channel innermost (the caller transposes it)
 *   dyt  Ho × Wo × Kv: the output gradient the same way, zero beyond K */

/* One output row's block of P pixels at ox0, every channel: per (c, ky, kx) one weight vector feeds P
 * multiply-adds, each with one input pixel broadcast. P is a constant where it is inlined. */
static inline __attribute__ ((always_inline)) void
NAME (chan_forward_block) (const float *restrict xp, int C, int ld, int plane, const float *restrict wt,
                           const float *restrict bias, int Kv, int k, int ky0, int ky1, int oy, int ox0, int Wb,
                           float *restrict yt, const int P)
{
  for (int f0 = 0; f0 < Kv; f0 += VW)
    {
      VEC acc[8];
      VEC bv = NAME (load) (bias + f0);
      for (int p = 0; p < P; p++)
        acc[p] = bv;
      for (int c = 0; c < C; c++)
        for (int ky = ky0; ky < ky1; ky++)
          {
            const float *row = xp + (gsize) c * plane + (gsize) (oy + ky) * ld + ox0;
            const float *wr = wt + ((gsize) (c * k + ky) * k) * Kv + f0;
            for (int kx = 0; kx < k; kx++)
              {
                VEC wv = NAME (load) (wr + (gsize) kx * Kv);
                for (int p = 0; p < P; p++)
                  acc[p] += row[p + kx] * wv;
              }
          }
      for (int p = 0; p < P; p++)
        NAME (store) (yt + ((gsize) oy * Wb + ox0 + p) * Kv + f0, acc[p]);
    }
}

#define CHAN_FORWARD_P(P)                                                                          \
  for (int oy = 0; oy < Ho; oy++)                                                                  \
    {                                                                                              \
      int ky0, ky1;                                                                                \
      NAME (rows_in) (oy, k, H, pad, &ky0, &ky1);                                                  \
      for (int ox0 = 0; ox0 < Wb; ox0 += P)                                                        \
        NAME (chan_forward_block) (xp, C, ld, plane, wt, bias, Kv, k, ky0, ky1, oy, ox0, Wb, yt, P); \
    }

/* yt = conv (xp, wt) + bias, in blocks of P ∈ [4, 8] pixels (Wb a multiple of P). */
static void
NAME (chan_forward) (const float *restrict xp, int C, int ld, int plane, const float *restrict wt,
                     const float *restrict bias, int Kv, int k, int H, int pad, int Ho, int Wb, int P,
                     float *restrict yt)
{
  switch (P)
    {
    case 4: CHAN_FORWARD_P (4); break;
    case 5: CHAN_FORWARD_P (5); break;
    case 6: CHAN_FORWARD_P (6); break;
    case 7: CHAN_FORWARD_P (7); break;
    default: CHAN_FORWARD_P (8); break;
    }
}
#undef CHAN_FORWARD_P

/* va[kx][f] (kx < k, f < Kv) += Σ_{oy, ox} xp[oy + ky][ox + kx] · dyt[oy][ox][f] for one input plane and
 * one ky: per output pixel one gradient vector feeds k multiply-adds, one per input pixel broadcast. k
 * is a constant where it is inlined. */
static inline __attribute__ ((always_inline)) void
NAME (chan_wgrad_taps) (const float *restrict xc, int ld, const float *restrict dyt, int Kv, int Ho, int Wo,
                        int ky, float *restrict va, const int k)
{
  for (int f0 = 0; f0 < Kv; f0 += VW)
    {
      VEC acc[7];
      for (int kx = 0; kx < k; kx++)
        acc[kx] = NAME (load) (va + (gsize) kx * Kv + f0);
      for (int oy = 0; oy < Ho; oy++)
        {
          const float *row = xc + (gsize) (oy + ky) * ld;
          const float *d = dyt + (gsize) oy * Wo * Kv + f0;
          for (int ox = 0; ox < Wo; ox++)
            {
              VEC dv = NAME (load) (d + (gsize) ox * Kv);
              for (int kx = 0; kx < k; kx++)
                acc[kx] += row[ox + kx] * dv;
            }
        }
      for (int kx = 0; kx < k; kx++)
        NAME (store) (va + (gsize) kx * Kv + f0, acc[kx]);
    }
}

#define CHAN_WGRAD_K(K_)                                                                           \
  for (int c = 0; c < C; c++)                                                                      \
    for (int ky = 0; ky < K_; ky++)                                                                \
      NAME (chan_wgrad_taps) (xp + (gsize) c * plane, ld, dyt, Kv, Ho, Wo, ky,                     \
                              vacc + (gsize) (c * K_ + ky) * K_ * Kv, K_)

/* vacc[c][ky][kx][f] += the weight gradient of one image, k ∈ [1, 7]; vdb[f] += Σ dyt[·][f]. */
static void
NAME (chan_wgrad) (const float *restrict xp, int C, int ld, int plane, const float *restrict dyt, int Kv, int k,
                   int Ho, int Wo, float *restrict vacc, float *restrict vdb)
{
  switch (k)
    {
    case 1: CHAN_WGRAD_K (1); break;
    case 2: CHAN_WGRAD_K (2); break;
    case 3: CHAN_WGRAD_K (3); break;
    case 4: CHAN_WGRAD_K (4); break;
    case 5: CHAN_WGRAD_K (5); break;
    case 6: CHAN_WGRAD_K (6); break;
    default: CHAN_WGRAD_K (7); break;
    }
  for (int f0 = 0; f0 < Kv; f0 += VW)
    {
      VEC acc = NAME (load) (vdb + f0);
      for (gsize i = 0; i < (gsize) Ho * Wo; i++)
        acc += NAME (load) (dyt + i * Kv + f0);
      NAME (store) (vdb + f0, acc);
    }
}
#undef CHAN_WGRAD_K

#undef NAME
#undef GLUE
#undef GLUE_
