/* dl-rng.c — xoshiro256** seeded through splitmix64, so nearby seeds give unrelated streams. */
#include "dl-rng.h"

#include <math.h>

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
dl_rng_seed (DlRng *rng, guint64 seed)
{
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

guint64
dl_rng_next (DlRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
dl_rng_uniform (DlRng *rng)
{
  /* The top 53 bits fill a double's mantissa exactly. */
  return (dl_rng_next (rng) >> 11) * 0x1.0p-53;
}

double
dl_rng_normal (DlRng *rng)
{
  /* 1 − u lies in (0, 1], so the logarithm is finite. */
  double u1 = 1.0 - dl_rng_uniform (rng);
  double u2 = dl_rng_uniform (rng);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

guint32
dl_rng_below (DlRng *rng, guint32 n)
{
  g_return_val_if_fail (n > 0, 0);
  /* Lemire's multiply-shift with rejection: unbiased for every n. */
  guint64 m = (dl_rng_next (rng) >> 32) * (guint64) n;
  guint32 low = (guint32) m;
  if (low < n)
    {
      guint32 threshold = (guint32) (-n) % n;
      while (low < threshold)
        {
          m = (dl_rng_next (rng) >> 32) * (guint64) n;
          low = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

void
dl_rng_shuffle (DlRng *rng, int *idx, int n)
{
  for (int i = n - 1; i > 0; i--)
    {
      int j = (int) dl_rng_below (rng, (guint32) i + 1);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
}
