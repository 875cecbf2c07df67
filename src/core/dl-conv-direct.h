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

/* y = conv (xp, wt) + bias for channels [0, K): every output row, KB channels at a time: for each
 * (c, ky, kx) one load of the shifted input row feeds KB multiply-adds, each with its weight broadcast. */
static void
NAME (direct_forward) (const float *restrict xp, int C, int ld, int plane, const float *restrict wt,
                       const float *restrict bias, int Kp, int K, int k, int Ho, int Wo, float *restrict y)
{
  for (int f0 = 0; f0 < Kp; f0 += KB)
    for (int oy = 0; oy < Ho; oy++)
      for (int ox = 0; ox < Wo; ox += VW)
        {
          VEC acc[KB];
          for (int f = 0; f < KB; f++)
            acc[f] = bias[f0 + f] + (VEC) { 0 };
          for (int c = 0; c < C; c++)
            for (int ky = 0; ky < k; ky++)
              {
                const float *row = xp + (gsize) c * plane + (gsize) (oy + ky) * ld + ox;
                const float *wr = wt + ((gsize) (c * k + ky) * k) * Kp + f0;
                for (int kx = 0; kx < k; kx++, wr += Kp)
                  {
                    VEC xv = NAME (load) (row + kx);
                    for (int f = 0; f < KB; f++)
                      acc[f] += wr[f] * xv;
                  }
              }
          int left = Wo - ox;
          for (int f = 0; f < KB && f0 + f < K; f++)
            {
              float *out = y + ((gsize) (f0 + f) * Ho + oy) * Wo + ox;
              if (left >= VW)
                NAME (store) (out, acc[f]);
              else
                STORE_N (out, acc[f], left);
            }
        }
}

/* vacc[c][ky][kx][f] (vectors) += Σ_{oy, ox} dyp[f][oy][ox] · xp[c][oy + ky][ox + kx]: the weight
 * gradient of one image, kept as vectors of partial sums (added up across the lanes once per batch);
 * vdb[f] += Σ dyp[f]. dyp is the output gradient copied into Kp planes of Ho × VWo, zero beyond Wo and
 * beyond K: whole aligned vectors, no tail (masked loads of the rows as they are measured slower, by
 * more than the copy costs). */
static void
NAME (direct_wgrad) (const float *restrict xp, int C, int ld, int plane, const float *restrict dyp, int Kp, int k,
                     int Ho, int VWo, float *restrict vacc, float *restrict vdb)
{
  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++)
        for (int f0 = 0; f0 < Kp; f0 += KB)
          {
            float *va = vacc + (((gsize) (c * k + ky) * k + kx) * Kp + f0) * VW;
            VEC acc[KB];
            for (int f = 0; f < KB; f++)
              acc[f] = NAME (load) (va + f * VW);
            for (int oy = 0; oy < Ho; oy++)
              {
                const float *row = xp + (gsize) c * plane + (gsize) (oy + ky) * ld + kx;
                const float *dr = dyp + ((gsize) f0 * Ho + oy) * VWo;
                for (int ox = 0; ox < VWo; ox += VW)
                  {
                    VEC xv = NAME (load) (row + ox);
                    for (int f = 0; f < KB; f++)
                      acc[f] += NAME (load) (dr + (gsize) f * Ho * VWo + ox) * xv;
                  }
              }
            for (int f = 0; f < KB; f++)
              NAME (store) (va + f * VW, acc[f]);
          }
  for (int f = 0; f < Kp; f++)
    {
      VEC acc = NAME (load) (vdb + f * VW);
      for (gsize i = 0; i < (gsize) Ho * VWo; i += VW)
        acc += NAME (load) (dyp + (gsize) f * Ho * VWo + i);
      NAME (store) (vdb + f * VW, acc);
    }
}

#undef NAME
#undef GLUE
#undef GLUE_
