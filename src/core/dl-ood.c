/* dl-ood.c — "not a digit": three distances to the training digits and the energy score, calibrated on
 * the test set. */
#include "dl-ood.h"

#include "dl-gauss.h"
#include "dl-subspace.h"
#include "dl-tangent.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define BATCH      256     /* images per forward pass */
#define ROW_BLOCK  4096    /* reference rows per sgemm */
#define SIDE       28
#define HALF       14      /* the pixel signal's images: blurred, then 2 × 2 averaged */
#define HALF_PIXELS (HALF * HALF)
#define SUBSPACE_RANK   10   /* principal directions of each local linear model (measured: README) */
#define SUBSPACE_MODELS 8    /* local linear models per class */
#define MIN_CLASS_CAL 20   /* fewer calibration digits of a class than this: its signals use all digits' */

/* The calibration values of one signal, sorted: over all calibration digits, and per predicted class. */
typedef struct {
  float *all;
  int    n_all;
  float *of[DL_N_CLASSES];
  int    n_of[DL_N_CLASSES];
} Calibration;

struct _DlOod {
  const DlNeighbours *nb;
  gsize        n_params;
  int          early_layer, early_dim;
  int          n_ref;             /* the first n_ref training images */
  float       *early;             /* n_ref × early_dim, unit length */
  float       *ones;              /* n_ref: their squared norms */
  DlGauss     *gauss;             /* the penultimate features of all the training images, per class */
  float       *pix;               /* n_ref × HALF_PIXELS */
  float       *pix_norm;          /* n_ref: squared norms */
  guint8      *labels;            /* n_ref */
  DlSubspace  *subspace;          /* the classes' subspaces of the pixel signal's images */
  Calibration  cal[DL_OOD_N_SIGNALS];
  float        threshold;
};

const char *
dl_ood_signal_name (DlOodSignal s)
{
  static const char *const names[DL_OOD_N_SIGNALS] = { "early", "feature", "pixel", "energy", "subspace" };
  return s < DL_OOD_N_SIGNALS ? names[s] : "?";
}

/* The first dense layer, unless it is the last one (then the image itself: -1). */
static int
early_layer (const DlNet *net)
{
  const DlArch *arch = dl_net_arch (net);
  for (int i = 0; i < arch->n_layers - 1; i++)
    if (arch->layers[i].kind == DL_LAYER_DENSE)
      return i;
  return -1;
}

/* ---- the measurements ---- */

/* A 3 × 3 box blur applied twice (zero outside), then 2 × 2 averages: the shape, not the exact pixels. */
static void
blur_half (const float *img, float *out)
{
  float a[SIDE * SIDE], b[SIDE * SIDE];
  const float *src = img;
  for (int pass = 0; pass < 2; pass++)
    {
      for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
          {
            float s = 0;
            for (int d = -1; d <= 1; d++)
              if (x + d >= 0 && x + d < SIDE)
                s += src[y * SIDE + x + d];
            a[y * SIDE + x] = s / 3;
          }
      for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
          {
            float s = 0;
            for (int d = -1; d <= 1; d++)
              if (y + d >= 0 && y + d < SIDE)
                s += a[(y + d) * SIDE + x];
            b[y * SIDE + x] = s / 3;
          }
      src = b;
    }
  for (int y = 0; y < HALF; y++)
    for (int x = 0; x < HALF; x++)
      out[y * HALF + x] = (b[2 * y * SIDE + 2 * x] + b[2 * y * SIDE + 2 * x + 1] + b[(2 * y + 1) * SIDE + 2 * x]
                           + b[(2 * y + 1) * SIDE + 2 * x + 1]) / 4;
}

static float
norm2 (const float *v, int d)
{
  double s = 0;
  for (int j = 0; j < d; j++)
    s += (double) v[j] * v[j];
  return (float) s;
}

static void
normalise (float *v, int d)
{
  float n = sqrtf (norm2 (v, d));
  if (n > 0)
    for (int j = 0; j < d; j++)
      v[j] /= n;
}

/* For each of nq queries (nq ≤ BATCH), the smallest squared distance to the n reference rows. */
static void
nearest (const float *ref, const float *ref_norm, int n, int d, const float *q, int nq, float *g, float *out)
{
  for (int a = 0; a < nq; a++)
    out[a] = INFINITY;
  for (int r0 = 0; r0 < n; r0 += ROW_BLOCK)
    {
      const int nr = MIN (ROW_BLOCK, n - r0);
      if (nq == 1)   /* the same product; sgemv streams the rows once where sgemm would pack them first */
        cblas_sgemv (CblasRowMajor, CblasNoTrans, nr, d, 1.0f, ref + (gsize) r0 * d, d, q, 1, 0.0f, g, 1);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, nq, nr, d, 1.0f, q, d, ref + (gsize) r0 * d, d, 0.0f, g,
                     nr);
      for (int a = 0; a < nq; a++)
        {
          const float qn = norm2 (q + (gsize) a * d, d), *row = g + (gsize) a * nr;
          float best = out[a];
          for (int j = 0; j < nr; j++)
            {
              float d2 = qn + ref_norm[r0 + j] - 2 * row[j];
              best = MIN (best, d2);
            }
          out[a] = best;
        }
    }
}

/* The energy score of a softmax net's logits, −log Σ e^l (Liu et al. 2020): low where the network has
 * seen inputs like this one, whichever class it answers. */
static float
energy (const float *logits)
{
  float m = logits[0], s = 0;
  for (int c = 1; c < DL_N_CLASSES; c++)
    m = MAX (m, logits[c]);
  for (int c = 0; c < DL_N_CLASSES; c++)
    s += expf (logits[c] - m);
  return -(m + logf (s));
}

/* The raw measurements of n images (n ≤ BATCH) into raw (n × signals) and their predicted classes. */
static void
measure (const DlOod *ood, const DlNet *net, DlNetWork *work, const float *x, int n, float *raw, int *pred)
{
  const int fdim = dl_neighbours_dim (ood->nb), e = ood->early_dim;
  g_autofree float *probs = g_new (float, (gsize) n * DL_N_CLASSES);
  g_autofree float *feat = g_new (float, (gsize) n * fdim);
  g_autofree float *q = g_new (float, (gsize) n * MAX (e, HALF_PIXELS));
  g_autofree float *g = g_new (float, (gsize) n * ROW_BLOCK);
  g_autofree float *d2 = g_new (float, n);

  dl_net_forward (net, work, x, n, probs);
  for (int a = 0; a < n; a++)
    pred[a] = dl_argmax_class (probs + a * DL_N_CLASSES);

  /* early: unit vectors, so the squared distance is 2 − 2 cos */
  memcpy (q, ood->early_layer >= 0 ? dl_net_work_output (work, ood->early_layer) : x, sizeof (float) * n * e);
  if (dl_net_feature_layer (net) >= 0)
    memcpy (feat, dl_net_work_output (work, dl_net_feature_layer (net)), sizeof (float) * n * fdim);
  else
    memcpy (feat, x, sizeof (float) * n * fdim);
  for (int a = 0; a < n; a++)
    normalise (q + (gsize) a * e, e);
  nearest (ood->early, ood->ones, ood->n_ref, e, q, n, g, d2);
  for (int a = 0; a < n; a++)
    raw[a * DL_OOD_N_SIGNALS + DL_OOD_EARLY] = MAX (d2[a], 0.0f) / 2;

  dl_gauss_score (ood->gauss, feat, n, d2);
  for (int a = 0; a < n; a++)
    raw[a * DL_OOD_N_SIGNALS + DL_OOD_FEATURE] = d2[a];

  for (int a = 0; a < n; a++)
    blur_half (x + (gsize) a * SIDE * SIDE, q + (gsize) a * HALF_PIXELS);
  dl_tangent_nearest (ood->pix, ood->pix_norm, ood->labels, ood->n_ref, HALF, q, n, pred, 1, d2);
  for (int a = 0; a < n; a++)
    raw[a * DL_OOD_N_SIGNALS + DL_OOD_PIXEL] = d2[a];

  const float *logits = dl_net_work_output (work, dl_net_arch (net)->n_layers - 1);
  for (int a = 0; a < n; a++)
    raw[a * DL_OOD_N_SIGNALS + DL_OOD_ENERGY] = energy (logits + (gsize) a * DL_N_CLASSES);

  dl_subspace_residual (ood->subspace, q, n, pred, HALF, d2);
  for (int a = 0; a < n; a++)
    raw[a * DL_OOD_N_SIGNALS + DL_OOD_SUBSPACE] = d2[a];
}

/* ---- p-values ---- */

static int
compare_floats (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : x > y;
}

/* How many of the n sorted values are below v. */
static int
count_below (const float *sorted, int n, float v)
{
  int lo = 0, hi = n;
  while (lo < hi)
    {
      int mid = (lo + hi) / 2;
      if (sorted[mid] < v)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static gboolean
per_class (DlOodSignal s)
{
  return s == DL_OOD_PIXEL || s == DL_OOD_SUBSPACE;
}

/* The conformal p-value of v among the calibration values (of the predicted class for the per-class
 * signal): (how many are at least as far out, + 1) / (n + 1). `self`:
 * v is one of the calibration values, which is left out (otherwise every calibration digit would look
 * less unusual than a new one, and the threshold would flag more new digits than it should). */
static float
p_value (const Calibration *c, DlOodSignal s, int pred, float v, gboolean self)
{
  const gboolean own = per_class (s) && c->n_of[pred] >= MIN_CLASS_CAL;
  const float *sorted = own ? c->of[pred] : c->all;
  const int n = own ? c->n_of[pred] : c->n_all, others = n - self;
  const int below = count_below (sorted, n, v);
  return (float) (n - below - self + 1) / (others + 1);
}

static void
verdict (const DlOod *ood, const float *raw, int pred, gboolean self, DlOodVerdict *v)
{
  v->predicted = pred;
  v->score = 0;
  for (int s = 0; s < DL_OOD_N_SIGNALS; s++)
    {
      v->raw[s] = raw[s];
      v->p[s] = p_value (&ood->cal[s], s, pred, raw[s], self);
      v->score -= logf (v->p[s]);
    }
  v->threshold = ood->threshold;
  v->flagged = v->score > ood->threshold;
}

/* ---- building ---- */

static void
calibration_fill (Calibration *c, const float *raw, const int *pred, int n, DlOodSignal s)
{
  c->all = g_new (float, n);
  c->n_all = n;
  for (int i = 0; i < n; i++)
    c->all[i] = raw[i * DL_OOD_N_SIGNALS + s];
  qsort (c->all, n, sizeof (float), compare_floats);
  for (int k = 0; k < DL_N_CLASSES; k++)
    {
      c->of[k] = g_new (float, MAX (n, 1));
      c->n_of[k] = 0;
      for (int i = 0; i < n; i++)
        if (pred[i] == k)
          c->of[k][c->n_of[k]++] = raw[i * DL_OOD_N_SIGNALS + s];
      qsort (c->of[k], c->n_of[k], sizeof (float), compare_floats);
    }
}

/* The local linear models of each class's blurred halves, over all the training images (the first n_ref
 * are blurred already). */
static DlSubspace *
fit_subspace (const DlOod *ood, const DlDataset *train)
{
  g_autofree float *half = g_new (float, (gsize) train->n * HALF_PIXELS);
  float img[SIDE * SIDE];
  memcpy (half, ood->pix, sizeof (float) * ood->n_ref * HALF_PIXELS);
  for (int i = ood->n_ref; i < train->n; i++)
    {
      dl_dataset_gather (train, &i, 1, img);
      blur_half (img, half + (gsize) i * HALF_PIXELS);
    }
  return dl_subspace_fit (half, train->labels, train->n, HALF_PIXELS, SUBSPACE_RANK, SUBSPACE_MODELS);
}

/* The reference rows: the first n_ref training images' early features (unit length), their blurred
 * halves and labels. FALSE when cancelled. */
static gboolean
build_reference (DlOod *ood, const DlNet *net, const DlDataset *train, const int *cancel)
{
  const int e = ood->early_dim;
  g_autoptr (DlNetWork) work = dl_net_work_new (net, BATCH);
  g_autofree float *x = g_new (float, (gsize) BATCH * SIDE * SIDE);
  int idx[BATCH];

  for (int i0 = 0; i0 < ood->n_ref; i0 += BATCH)
    {
      if (cancel != NULL && g_atomic_int_get (cancel))
        return FALSE;
      const int b = MIN (BATCH, ood->n_ref - i0);
      for (int r = 0; r < b; r++)
        idx[r] = i0 + r;
      dl_dataset_gather (train, idx, b, x);
      if (ood->early_layer >= 0)
        {
          dl_net_forward (net, work, x, b, NULL);
          memcpy (ood->early + (gsize) i0 * e, dl_net_work_output (work, ood->early_layer), sizeof (float) * b * e);
        }
      else
        memcpy (ood->early + (gsize) i0 * e, x, sizeof (float) * b * e);
      for (int r = 0; r < b; r++)
        {
          normalise (ood->early + (gsize) (i0 + r) * e, e);
          blur_half (x + (gsize) r * SIDE * SIDE, ood->pix + (gsize) (i0 + r) * HALF_PIXELS);
          ood->pix_norm[i0 + r] = norm2 (ood->pix + (gsize) (i0 + r) * HALF_PIXELS, HALF_PIXELS);
          ood->labels[i0 + r] = train->labels[i0 + r];
        }
    }
  ood->subspace = fit_subspace (ood, train);
  ood->gauss = dl_gauss_fit (dl_neighbours_features (ood->nb), dl_neighbours_dataset (ood->nb)->labels,
                             dl_neighbours_n (ood->nb), dl_neighbours_dim (ood->nb));
  return TRUE;
}

/* Measures the test images first, first + 2, … (n of them) into raw and pred. FALSE when cancelled. */
static gboolean
measure_every_other (const DlOod *ood, const DlNet *net, const DlDataset *test, int first, int n, float *raw,
                     int *pred, const int *cancel)
{
  g_autoptr (DlNetWork) work = dl_net_work_new (net, BATCH);
  g_autofree float *x = g_new (float, (gsize) BATCH * SIDE * SIDE);
  int idx[BATCH];

  for (int i0 = 0; i0 < n; i0 += BATCH)
    {
      if (cancel != NULL && g_atomic_int_get (cancel))
        return FALSE;
      const int b = MIN (BATCH, n - i0);
      for (int r = 0; r < b; r++)
        idx[r] = first + 2 * (i0 + r);
      dl_dataset_gather (test, idx, b, x);
      measure (ood, net, work, x, b, raw + (gsize) i0 * DL_OOD_N_SIGNALS, pred + i0);
    }
  return TRUE;
}

DlOod *
dl_ood_new (const DlNet *net, const DlNeighbours *nb, const DlDataset *train, const DlDataset *test,
            const int *cancel)
{
  g_return_val_if_fail (train->rows == SIDE && train->cols == SIDE && test->rows == SIDE && test->cols == SIDE, NULL);
  g_return_val_if_fail (dl_neighbours_dim (nb) == dl_net_feature_dim (net), NULL);
  g_autoptr (DlOod) ood = g_new0 (DlOod, 1);
  int c, h, w;
  ood->nb = nb;
  ood->n_params = dl_net_n_params (net);
  ood->early_layer = early_layer (net);
  dl_arch_shape (dl_net_arch (net), ood->early_layer, &c, &h, &w);
  ood->early_dim = c * h * w;
  ood->n_ref = MIN (train->n, DL_OOD_TRAIN);
  ood->early = g_new (float, (gsize) ood->n_ref * ood->early_dim);
  ood->ones = g_new (float, ood->n_ref);
  for (int j = 0; j < ood->n_ref; j++)
    ood->ones[j] = 1.0f;
  ood->pix = g_new (float, (gsize) ood->n_ref * HALF_PIXELS);
  ood->pix_norm = g_new (float, ood->n_ref);
  ood->labels = g_new (guint8, ood->n_ref);
  if (!build_reference (ood, net, train, cancel))
    return NULL;

  const int n_cal = (test->n + 1) / 2;
  g_autofree float *raw = g_new (float, (gsize) n_cal * DL_OOD_N_SIGNALS);
  g_autofree int *pred = g_new (int, n_cal);
  g_autofree float *scores = g_new (float, n_cal);
  if (!measure_every_other (ood, net, test, 0, n_cal, raw, pred, cancel))
    return NULL;
  for (int s = 0; s < DL_OOD_N_SIGNALS; s++)
    calibration_fill (&ood->cal[s], raw, pred, n_cal, s);
  for (int i = 0; i < n_cal; i++)
    {
      DlOodVerdict v;
      verdict (ood, raw + (gsize) i * DL_OOD_N_SIGNALS, pred[i], TRUE, &v);
      scores[i] = v.score;
    }
  qsort (scores, n_cal, sizeof (float), compare_floats);
  /* Flagged above the score that DL_OOD_RATE of the calibration digits exceed. */
  ood->threshold = scores[CLAMP ((int) ceil ((1 - DL_OOD_RATE) * n_cal) - 1, 0, n_cal - 1)];
  return g_steal_pointer (&ood);
}

void
dl_ood_free (DlOod *ood)
{
  if (ood == NULL)
    return;
  for (int s = 0; s < DL_OOD_N_SIGNALS; s++)
    {
      g_free (ood->cal[s].all);
      for (int k = 0; k < DL_N_CLASSES; k++)
        g_free (ood->cal[s].of[k]);
    }
  dl_gauss_free (ood->gauss);
  dl_subspace_free (ood->subspace);
  g_free (ood->early);
  g_free (ood->ones);
  g_free (ood->pix);
  g_free (ood->pix_norm);
  g_free (ood->labels);
  g_free (ood);
}

void
dl_ood_judge (const DlOod *ood, const DlNet *net, DlNetWork *work, const float *x, int n, DlOodVerdict *out)
{
  g_return_if_fail (dl_net_n_params (net) == ood->n_params);
  float raw[BATCH * DL_OOD_N_SIGNALS];
  int pred[BATCH];

  for (int i0 = 0; i0 < n; i0 += BATCH)
    {
      const int b = MIN (BATCH, n - i0);
      measure (ood, net, work, x + (gsize) i0 * SIDE * SIDE, b, raw, pred);
      for (int r = 0; r < b; r++)
        verdict (ood, raw + r * DL_OOD_N_SIGNALS, pred[r], FALSE, &out[i0 + r]);
    }
}

double
dl_ood_held_out_rate (const DlOod *ood, const DlNet *net, const DlDataset *test)
{
  const int n = test->n / 2;
  g_autofree float *raw = g_new (float, (gsize) MAX (n, 1) * DL_OOD_N_SIGNALS);
  g_autofree int *pred = g_new (int, MAX (n, 1));
  int flagged = 0;

  measure_every_other (ood, net, test, 1, n, raw, pred, NULL);
  for (int i = 0; i < n; i++)
    {
      DlOodVerdict v;
      verdict (ood, raw + (gsize) i * DL_OOD_N_SIGNALS, pred[i], FALSE, &v);
      flagged += v.flagged;
    }
  return n > 0 ? (double) flagged / n : 0.0;
}

DlOodHint
dl_ood_check_strokes (const DlStroke *strokes, int n_strokes, float pen_width)
{
  float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  gboolean any = FALSE;
  for (int k = 0; k < n_strokes; k++)
    for (int i = 0; i < strokes[k].n_points; i++)
      {
        const DlPoint *p = &strokes[k].points[i];
        x0 = MIN (x0, p->x);
        x1 = MAX (x1, p->x);
        y0 = MIN (y0, p->y);
        y1 = MAX (y1, p->y);
        any = TRUE;
      }
  if (!any)
    return DL_OOD_HINT_NONE;
  float extent = MAX (x1 - x0, y1 - y0);
  if (extent < DL_DIGIT_MIN_EXTENT_PENS * pen_width)
    return DL_OOD_HINT_DOT;
  return extent < DL_OOD_MIN_EXTENT_PENS * pen_width ? DL_OOD_HINT_SHORT : DL_OOD_HINT_NONE;
}
