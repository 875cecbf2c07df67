/* dl-colormap.c — colour scales (see dl-colormap.h): piecewise-linear between a few stops. */
#include "dl-colormap.h"

#include <math.h>

typedef struct { double t; guint8 r, g, b; } Stop;

static const Stop diverging[] = {
  { -1.0, 0x05, 0x30, 0x61 }, { -0.6, 0x21, 0x66, 0xac }, { -0.3, 0x92, 0xc5, 0xde },
  { 0.0, 0xf7, 0xf7, 0xf7 },
  { 0.3, 0xf4, 0xa5, 0x82 }, { 0.6, 0xb2, 0x18, 0x2b }, { 1.0, 0x67, 0x00, 0x1f },
};

static const Stop sequential[] = {
  { 0.0, 0x00, 0x00, 0x04 }, { 0.25, 0x3b, 0x0f, 0x70 }, { 0.5, 0x8c, 0x29, 0x81 },
  { 0.75, 0xde, 0x49, 0x68 }, { 0.9, 0xfe, 0x9f, 0x6d }, { 1.0, 0xfc, 0xfd, 0xbf },
};

static guint32
lookup (const Stop *s, int n, double t)
{
  int i = 0;

  if (isnan (t))
    return 0xff808080;
  t = CLAMP (t, s[0].t, s[n - 1].t);
  while (i < n - 2 && t > s[i + 1].t)
    i++;
  double f = (t - s[i].t) / (s[i + 1].t - s[i].t);
  guint32 r = (guint32) lround (s[i].r + f * (s[i + 1].r - s[i].r));
  guint32 g = (guint32) lround (s[i].g + f * (s[i + 1].g - s[i].g));
  guint32 b = (guint32) lround (s[i].b + f * (s[i + 1].b - s[i].b));
  return 0xff000000u | r << 16 | g << 8 | b;
}

/* Both scales tabulated at 1,024 steps (finer than any screen shows), so that a picture of 200,000 weights
 * costs a multiply and a load each. Built on first use, from the main thread. */
#define LUT_N DL_COLORMAP_LUT_N
static guint32 lut_diverging[LUT_N], lut_sequential[LUT_N];

static void
ensure_luts (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      for (int i = 0; i < LUT_N; i++)
        {
          lut_diverging[i] = lookup (diverging, G_N_ELEMENTS (diverging), -1.0 + 2.0 * i / (LUT_N - 1));
          lut_sequential[i] = lookup (sequential, G_N_ELEMENTS (sequential), (double) i / (LUT_N - 1));
        }
      g_once_init_leave (&done, 1);
    }
}

guint32
dl_colormap_diverging (double t)
{
  if (isnan (t))
    return 0xff808080;
  ensure_luts ();
  return lut_diverging[(int) ((CLAMP (t, -1.0, 1.0) + 1.0) * 0.5 * (LUT_N - 1) + 0.5)];
}

guint32
dl_colormap_sequential (double t)
{
  if (isnan (t))
    return 0xff808080;
  ensure_luts ();
  return lut_sequential[(int) (CLAMP (t, 0.0, 1.0) * (LUT_N - 1) + 0.5)];
}

const guint32 *
dl_colormap_diverging_lut (void)
{
  ensure_luts ();
  return lut_diverging;
}

void
dl_colormap_rgb (guint32 argb, double *r, double *g, double *b)
{
  *r = (argb >> 16 & 0xff) / 255.0;
  *g = (argb >> 8 & 0xff) / 255.0;
  *b = (argb & 0xff) / 255.0;
}
