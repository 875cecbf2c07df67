/* fuzz-preprocess.c — the preparation of drawn input: strokes (any floats, NaN and infinities included,
 * as a pointer or stylus driver might send) and greyscale images of any small size. Never a crash; a
 * result that is not empty is 28 × 28 values in [0, 1] with the ink inside the field. */
#include "fuzz-common.h"
#include "dl-preprocess.h"

#include <math.h>
#include <string.h>

#define MAX_STROKES 8

static float
take_float (const uint8_t **p, const uint8_t *end)
{
  float v = 0;
  if (end - *p >= 4)
    {
      memcpy (&v, *p, 4);
      *p += 4;
    }
  return v;
}

static void
check_input (const DlDigitInput *in)
{
  if (in->empty)
    return;
  for (int i = 0; i < DL_DIGIT_SIDE * DL_DIGIT_SIDE; i++)
    FUZZ_ASSERT (in->input[i] >= 0.0f && in->input[i] <= 1.0f);
  FUZZ_ASSERT (in->fit_w >= 1 && in->fit_w <= DL_DIGIT_BOX && in->fit_h >= 1 && in->fit_h <= DL_DIGIT_BOX);
  FUZZ_ASSERT (in->offset_x >= 0 && in->offset_x + in->fit_w <= DL_DIGIT_SIDE);
  FUZZ_ASSERT (in->offset_y >= 0 && in->offset_y + in->fit_h <= DL_DIGIT_SIDE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *p = data, *end = data + size;
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();

  fuzz_init ();
  if (size < 2)
    return 0;
  gboolean image = p[0] & 0x80;
  if (image)
    {
      /* An image: w and h from the first two bytes (up to 64 × 64), then floats. */
      int w = 1 + (p[0] & 0x3f), h = 1 + (p[1] & 0x3f);
      p += 2;
      g_autofree float *pixels = g_new0 (float, w * h);
      for (int i = 0; i < w * h && p < end; i++)
        pixels[i] = take_float (&p, end);
      float min_extent = take_float (&p, end);
      dl_preprocess_image (pixels, w, h, min_extent, in);
      check_input (in);
      return 0;
    }
  /* Strokes: their count, the pen width, then for each stroke a point count and (x, y, pressure). */
  int n_strokes = 1 + p[0] % MAX_STROKES;
  p += 1;
  float pen = take_float (&p, end);
  DlStroke strokes[MAX_STROKES];
  g_autofree DlPoint *points = g_new0 (DlPoint, size / 4 + 1);
  DlPoint *q = points;
  for (int k = 0; k < n_strokes; k++)
    {
      int n = p < end ? *p++ : 0;
      strokes[k].points = q;
      strokes[k].n_points = 0;
      for (int i = 0; i < n && end - p >= 12; i++, strokes[k].n_points++, q++)
        {
          q->x = take_float (&p, end);
          q->y = take_float (&p, end);
          q->pressure = take_float (&p, end);
        }
    }
  dl_preprocess_strokes (strokes, n_strokes, pen, in);
  check_input (in);
  return 0;
}
