/* dl-attrib.c — gradient × input, integrated gradients and occlusion on a caller's DlNetWork. */
#include "dl-attrib.h"

#include <math.h>
#include <string.h>

#define N_OUT 10
/* Rows of one pass: the path points of integrated gradients (its ends the black image and the image), or
 * a batch of occluded images. */
#define CAPACITY (DL_ATTRIB_MAX_STEPS + 1)
/* Occlusion patch placements per axis: the patch's top-left corner from −(PATCH − 1) to SIDE − 1. */
#define N_PLACES (DL_ATTRIB_SIDE + DL_ATTRIB_PATCH - 1)

struct _DlAttrib {
  gsize      n_params;
  int        n_layers;
  DlNetWork *work;
  float     *x;      /* CAPACITY × PIXELS: the rows of a pass */
  float     *dout;   /* CAPACITY × 10 */
  float     *dx;     /* CAPACITY × PIXELS */
};

DlAttrib *
dl_attrib_new (const DlNet *net)
{
  const DlArch *arch = dl_net_arch (net);
  g_return_val_if_fail (arch->in_c * arch->in_h * arch->in_w == DL_ATTRIB_PIXELS, NULL);
  DlAttrib *a = g_new0 (DlAttrib, 1);
  a->n_params = dl_net_n_params (net);
  a->n_layers = arch->n_layers;
  a->work = dl_net_work_new (net, CAPACITY);
  a->x = g_new (float, (gsize) CAPACITY * DL_ATTRIB_PIXELS);
  a->dout = g_new (float, (gsize) CAPACITY * N_OUT);
  a->dx = g_new (float, (gsize) CAPACITY * DL_ATTRIB_PIXELS);
  return a;
}

void
dl_attrib_free (DlAttrib *a)
{
  if (a == NULL)
    return;
  dl_net_work_free (a->work);
  g_free (a->x);
  g_free (a->dout);
  g_free (a->dx);
  g_free (a);
}

gboolean
dl_attrib_fits (const DlAttrib *a, const DlNet *net)
{
  return a != NULL && a->n_params == dl_net_n_params (net) && a->n_layers == dl_net_arch (net)->n_layers;
}

const char *
dl_attrib_method_name (DlAttribMethod method)
{
  switch (method)
    {
    case DL_ATTRIB_GRADIENT_INPUT:
      return "gradient × input";
    case DL_ATTRIB_INTEGRATED_GRADIENTS:
      return "integrated gradients";
    case DL_ATTRIB_OCCLUSION:
      return "occlusion";
    case DL_ATTRIB_N_METHODS:
    default:
      return "?";
    }
}

/* f of row r of the last pass: out_t − out_c (c < 0: none). */
static float
f_row (const DlAttrib *a, int r, int target, int contrast)
{
  const float *out = dl_net_work_output (a->work, a->n_layers - 1) + (gsize) r * N_OUT;
  return contrast >= 0 ? out[target] - out[contrast] : out[target];
}

static void
set_dout (DlAttrib *a, int B, int n_rows, int target, int contrast)
{
  memset (a->dout, 0, sizeof (float) * B * N_OUT);
  for (int r = 0; r < n_rows; r++)
    {
      a->dout[r * N_OUT + target] = 1.0f;
      if (contrast >= 0)
        a->dout[r * N_OUT + contrast] = -1.0f;
    }
}

/* Gradient × input: row 0 is x, with the gradient; row 1 black, forward only (for f(black)). */
static void
gradient_input (DlAttrib *a, const DlNet *net, const float *x, int target, int contrast, float *map,
                DlAttribResult *res)
{
  memcpy (a->x, x, sizeof (float) * DL_ATTRIB_PIXELS);
  memset (a->x + DL_ATTRIB_PIXELS, 0, sizeof (float) * DL_ATTRIB_PIXELS);
  dl_net_forward (net, a->work, a->x, 2, NULL);
  res->f_x = f_row (a, 0, target, contrast);
  res->f_baseline = f_row (a, 1, target, contrast);
  set_dout (a, 2, 1, target, contrast);
  dl_net_input_grad (net, a->work, a->x, a->dout, 2, a->dx);
  res->passes = 2;
  for (int i = 0; i < DL_ATTRIB_PIXELS; i++)
    map[i] = x[i] * a->dx[i];
}

/* How much of interval k's length has the gradient of its left end: the path's f is known exactly at
 * both ends (df over the interval, of length h), and its slope along the path at them (s0, s1, the
 * gradients dotted with x). For a ReLU net f is piecewise linear along the path, so an interval in which
 * one unit switches has slope s0 up to the switch and s1 after it: the share that makes the interval's
 * integral come out exactly is the switch's place. Clamped to [0, 1]; ½ (the trapezoid rule) when both
 * slopes agree. */
static double
left_share (double df, double h, double s0, double s1)
{
  double ds = s0 - s1;
  if (fabs (ds) <= 1e-7 * (fabs (s0) + fabs (s1)) + 1e-12)
    return 0.5;
  return CLAMP ((df / h - s1) / ds, 0.0, 1.0);
}

/* Where path point k of m lies between the black image (0) and the image (1): (k/m)², denser near black,
 * where most units switch on as the image brightens (measured: the intervals whose ends disagree most
 * with f's change are the first dozen of 64 equal ones). */
static double
path_point (int k, int m)
{
  double t = (double) k / m;
  return t * t;
}

/* Integrated gradients over m intervals: rows 0 … m are the path points (row 0 black, row m the image),
 * each with its gradient, all in one forward and one backward pass. The integral of the gradient along
 * the path is the trapezoid rule with each interval's split moved to where its ends' gradients meet
 * (left_share); the map is x ⊙ it. */
static void
integrated (DlAttrib *a, const DlNet *net, const float *x, int target, int contrast, int m, float *map,
            DlAttribResult *res)
{
  const int B = m + 1;
  double f[DL_ATTRIB_MAX_STEPS + 1], slope[DL_ATTRIB_MAX_STEPS + 1], weight[DL_ATTRIB_MAX_STEPS + 1] = { 0 };

  for (int k = 0; k <= m; k++)
    {
      float alpha = (float) path_point (k, m), *row = a->x + (gsize) k * DL_ATTRIB_PIXELS;
      for (int i = 0; i < DL_ATTRIB_PIXELS; i++)
        row[i] = alpha * x[i];
    }
  dl_net_forward (net, a->work, a->x, B, NULL);
  for (int k = 0; k <= m; k++)
    f[k] = f_row (a, k, target, contrast);
  res->f_x = (float) f[m];
  res->f_baseline = (float) f[0];
  set_dout (a, B, B, target, contrast);
  dl_net_input_grad (net, a->work, a->x, a->dout, B, a->dx);
  res->passes = B;

  for (int k = 0; k <= m; k++)
    {
      const float *g = a->dx + (gsize) k * DL_ATTRIB_PIXELS;
      double s = 0;
      for (int i = 0; i < DL_ATTRIB_PIXELS; i++)
        s += (double) x[i] * g[i];
      slope[k] = s;
    }
  for (int k = 0; k < m; k++)
    {
      double h = path_point (k + 1, m) - path_point (k, m);
      double t = left_share (f[k + 1] - f[k], h, slope[k], slope[k + 1]);
      weight[k] += h * t;
      weight[k + 1] += h * (1 - t);
    }
  for (int i = 0; i < DL_ATTRIB_PIXELS; i++)
    {
      double g = 0;
      for (int k = 0; k <= m; k++)
        g += weight[k] * a->dx[(gsize) k * DL_ATTRIB_PIXELS + i];
      map[i] = (float) (x[i] * g);
    }
}

static gboolean
patch_has_ink (const float *x, int px, int py)
{
  for (int y = MAX (py, 0); y < MIN (py + DL_ATTRIB_PATCH, DL_ATTRIB_SIDE); y++)
    for (int xx = MAX (px, 0); xx < MIN (px + DL_ATTRIB_PATCH, DL_ATTRIB_SIDE); xx++)
      if (x[y * DL_ATTRIB_SIDE + xx] != 0.0f)
        return TRUE;
  return FALSE;
}

/* Adds `delta` to every pixel under the patch at (px, py). */
static void
spread (float *map, int px, int py, float delta)
{
  for (int y = MAX (py, 0); y < MIN (py + DL_ATTRIB_PATCH, DL_ATTRIB_SIDE); y++)
    for (int xx = MAX (px, 0); xx < MIN (px + DL_ATTRIB_PATCH, DL_ATTRIB_SIDE); xx++)
      map[y * DL_ATTRIB_SIDE + xx] += delta;
}

/* Runs the occluded images queued in a->x (rows 0 … n − 1, patches at places[]) and spreads their f
 * drops. */
static void
occlusion_flush (DlAttrib *a, const DlNet *net, int n, const int *places, float f_x, int target, int contrast,
                 float *map)
{
  if (n == 0)
    return;
  dl_net_forward (net, a->work, a->x, n, NULL);
  for (int r = 0; r < n; r++)
    spread (map, places[r] % N_PLACES - (DL_ATTRIB_PATCH - 1), places[r] / N_PLACES - (DL_ATTRIB_PATCH - 1),
            f_x - f_row (a, r, target, contrast));
}

static void
occlusion (DlAttrib *a, const DlNet *net, const float *x, int target, int contrast, float *map, DlAttribResult *res)
{
  int places[CAPACITY], n = 0;

  memcpy (a->x, x, sizeof (float) * DL_ATTRIB_PIXELS);
  memset (a->x + DL_ATTRIB_PIXELS, 0, sizeof (float) * DL_ATTRIB_PIXELS);
  dl_net_forward (net, a->work, a->x, 2, NULL);
  res->f_x = f_row (a, 0, target, contrast);
  res->f_baseline = f_row (a, 1, target, contrast);
  res->passes = 2;
  memset (map, 0, sizeof (float) * DL_ATTRIB_PIXELS);

  for (int py = -(DL_ATTRIB_PATCH - 1); py < DL_ATTRIB_SIDE; py++)
    for (int px = -(DL_ATTRIB_PATCH - 1); px < DL_ATTRIB_SIDE; px++)
      {
        if (!patch_has_ink (x, px, py))
          continue;   /* blacking out black changes nothing: its drop is 0 */
        float *row = a->x + (gsize) n * DL_ATTRIB_PIXELS;
        memcpy (row, x, sizeof (float) * DL_ATTRIB_PIXELS);
        for (int y = MAX (py, 0); y < MIN (py + DL_ATTRIB_PATCH, DL_ATTRIB_SIDE); y++)
          for (int xx = MAX (px, 0); xx < MIN (px + DL_ATTRIB_PATCH, DL_ATTRIB_SIDE); xx++)
            row[y * DL_ATTRIB_SIDE + xx] = 0.0f;
        places[n++] = (py + DL_ATTRIB_PATCH - 1) * N_PLACES + px + DL_ATTRIB_PATCH - 1;
        res->passes++;
        if (n == CAPACITY)
          {
            occlusion_flush (a, net, n, places, res->f_x, target, contrast, map);
            n = 0;
          }
      }
  occlusion_flush (a, net, n, places, res->f_x, target, contrast, map);
  /* Every pixel lies under DL_ATTRIB_PATCH² placements (the skipped ones added 0). */
  for (int i = 0; i < DL_ATTRIB_PIXELS; i++)
    map[i] /= DL_ATTRIB_PATCH * DL_ATTRIB_PATCH;
}

void
dl_attrib_compute (DlAttrib *a, const DlNet *net, DlAttribMethod method, const float *x, int target, int contrast,
                   int steps, float *map, DlAttribResult *res)
{
  DlAttribResult local;
  g_return_if_fail (dl_attrib_fits (a, net));
  g_return_if_fail (target >= 0 && target < N_OUT && contrast < N_OUT);
  g_return_if_fail (steps >= 0 && steps <= DL_ATTRIB_MAX_STEPS);

  if (res == NULL)
    res = &local;
  memset (res, 0, sizeof *res);
  if (contrast == target)
    contrast = -1;
  switch (method)
    {
    case DL_ATTRIB_GRADIENT_INPUT:
      gradient_input (a, net, x, target, contrast, map, res);
      break;
    case DL_ATTRIB_INTEGRATED_GRADIENTS:
      integrated (a, net, x, target, contrast, steps > 0 ? steps : DL_ATTRIB_STEPS, map, res);
      break;
    case DL_ATTRIB_OCCLUSION:
      occlusion (a, net, x, target, contrast, map, res);
      break;
    case DL_ATTRIB_N_METHODS:
    default:
      g_return_if_reached ();
    }
  double sum = 0;
  float max_abs = 0;
  for (int i = 0; i < DL_ATTRIB_PIXELS; i++)
    {
      sum += map[i];
      max_abs = MAX (max_abs, fabsf (map[i]));
    }
  res->sum = (float) sum;
  res->max_abs = max_abs;
}
