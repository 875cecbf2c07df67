/* dl-conv-direct.h — the direct convolution kernels, written once over a vector type and compiled by
 * dl-conv-direct.c for each instruction set it dispatches to. Not a public header: included with
 *   VEC      the vector type (GCC vector extension), VW floats wide
 *   VEC_U    the same type, unaligned and may_alias, for loads and stores anywhere in a row
 *   VW       floats per vector
 *   KB       output channels per register block (KB accumulators stay in registers)
 *   SUFFIX   the variant's name, appended to the function names
 *
 * Layouts (per image; every row padded to whole vectors, so the loops never handle a tail):
 *   xp  C planes of (Ho + k − 1) rows × ld floats: the input with its zero border, ld ≥ VWo + k − 1
 *   wt  C × k × k × Kp: the weights with the output channel innermost, zero beyond K (Kp = K rounded
 *       up to KB)
 *   yp  Kp planes of Ho × VWo: the output (VWo = Wo rounded up to VW)
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

/* yp = conv (xp, wt): every output row of every channel, KB channels at a time: for each (c, ky, kx) one
 * load of the shifted input row feeds KB multiply-adds, each with its weight broadcast. */
static void
NAME (direct_forward) (const float *restrict xp, int C, int ld, int plane, const float *restrict wt, int Kp, int k,
                       int Ho, int VWo, float *restrict yp)
{
  for (int f0 = 0; f0 < Kp; f0 += KB)
    for (int oy = 0; oy < Ho; oy++)
      for (int ox = 0; ox < VWo; ox += VW)
        {
          VEC acc[KB];
          for (int f = 0; f < KB; f++)
            acc[f] = (VEC) { 0 };
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
          for (int f = 0; f < KB; f++)
            NAME (store) (yp + ((gsize) (f0 + f) * Ho + oy) * VWo + ox, acc[f]);
        }
}

/* vacc[c][ky][kx][f] (vectors) += Σ_{oy, ox} dyp[f][oy][ox] · xp[c][oy + ky][ox + kx]: the weight
 * gradient of one image, kept as vectors of partial sums (added up across the lanes once per batch). dyp
 * is zero beyond Wo, so the padding lanes add nothing. */
static void
NAME (direct_wgrad) (const float *restrict xp, int C, int ld, int plane, const float *restrict dyp, int Kp, int k,
                     int Ho, int VWo, float *restrict vacc)
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
}

/* vdb[f] (vectors) += the sum of dyp's plane f, n floats (whole vectors). */
static void
NAME (direct_bgrad) (const float *restrict dyp, int K, gsize n, float *restrict vdb)
{
  for (int f = 0; f < K; f++)
    {
      VEC acc = NAME (load) (vdb + f * VW);
      for (gsize i = 0; i < n; i += VW)
        acc += NAME (load) (dyp + f * n + i);
      NAME (store) (vdb + f * VW, acc);
    }
}

#undef NAME
#undef GLUE
#undef GLUE_
