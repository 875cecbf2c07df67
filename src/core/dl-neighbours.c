/* dl-neighbours.c — exact nearest neighbours in penultimate-layer features through sgemm. */
#include "dl-neighbours.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define BUILD_BATCH  256    /* images per forward pass while building */
#define QUERY_BLOCK  64     /* queries per sgemm */
#define ROW_BLOCK    4096   /* feature rows per sgemm: QUERY_BLOCK × ROW_BLOCK floats of dot products (1 MB) */
#define MAX_CAND     (DL_NEIGHBOURS_MAX_K + DL_NEIGHBOURS_SLACK)

struct _DlNeighbours {
  DlDataset *ds;
  int        n, dim;
  float     *features;   /* n × dim */
  float     *norms;      /* n: ‖f‖² */
};

int
dl_net_feature_layer (const DlNet *net)
{
  return dl_net_arch (net)->n_layers - 2;
}

int
dl_net_feature_dim (const DlNet *net)
{
  int c, h, w;
  dl_arch_shape (dl_net_arch (net), dl_net_feature_layer (net), &c, &h, &w);
  return c * h * w;
}

void
dl_net_features (const DlNet *net, DlNetWork *work, const float *x, int n, float *out)
{
  const int layer = dl_net_feature_layer (net), dim = dl_net_feature_dim (net);

  if (layer < 0)
    {
      memcpy (out, x, sizeof (float) * (gsize) n * dim);
      return;
    }
  dl_net_forward (net, work, x, n, NULL);
  memcpy (out, dl_net_work_output (work, layer), sizeof (float) * (gsize) n * dim);
}

static float
norm2 (const float *f, int dim)
{
  double s = 0;
  for (int j = 0; j < dim; j++)
    s += (double) f[j] * f[j];
  return (float) s;
}

DlNeighbours *
dl_neighbours_build (const DlNet *net, const DlDataset *ds, const int *cancel)
{
  const int dim = dl_net_feature_dim (net), in = ds->rows * ds->cols;
  const DlArch *arch = dl_net_arch (net);
  g_return_val_if_fail (in == arch->in_c * arch->in_h * arch->in_w, NULL);

  g_autoptr (DlNetWork) work = dl_net_work_new (net, BUILD_BATCH);
  g_autofree float *x = g_new (float, (gsize) BUILD_BATCH * in);
  int idx[BUILD_BATCH];
  DlNeighbours *nb = g_new0 (DlNeighbours, 1);
  nb->ds = dl_dataset_ref ((DlDataset *) ds);
  nb->n = ds->n;
  nb->dim = dim;
  nb->features = g_new (float, (gsize) ds->n * dim);
  nb->norms = g_new (float, ds->n);

  for (int i0 = 0; i0 < ds->n; i0 += BUILD_BATCH)
    {
      if (cancel != NULL && g_atomic_int_get (cancel))
        {
          dl_neighbours_free (nb);
          return NULL;
        }
      int b = MIN (BUILD_BATCH, ds->n - i0);
      for (int r = 0; r < b; r++)
        idx[r] = i0 + r;
      dl_dataset_gather (ds, idx, b, x);
      dl_net_features (net, work, x, b, nb->features + (gsize) i0 * dim);
    }
  for (int i = 0; i < ds->n; i++)
    nb->norms[i] = norm2 (nb->features + (gsize) i * dim, dim);
  return nb;
}

void
dl_neighbours_free (DlNeighbours *nb)
{
  if (nb == NULL)
    return;
  dl_dataset_unref (nb->ds);
  g_free (nb->features);
  g_free (nb->norms);
  g_free (nb);
}

int
dl_neighbours_n (const DlNeighbours *nb)
{
  return nb->n;
}

int
dl_neighbours_dim (const DlNeighbours *nb)
{
  return nb->dim;
}

const float *
dl_neighbours_features (const DlNeighbours *nb)
{
  return nb->features;
}

const DlDataset *
dl_neighbours_dataset (const DlNeighbours *nb)
{
  return nb->ds;
}

/* ---- the query ---- */

/* The best m candidates so far, ascending by (distance, index). */
typedef struct {
  int    m, len;
  float  d[MAX_CAND];
  int    i[MAX_CAND];
} Cands;

static inline gboolean
before (float da, int ia, float db, int ib)
{
  return da < db || (da == db && ia < ib);
}

static inline void
cands_offer (Cands *c, float d, int i)
{
  if (c->len == c->m && !before (d, i, c->d[c->m - 1], c->i[c->m - 1]))
    return;
  int at = c->len < c->m ? c->len++ : c->m - 1;
  while (at > 0 && before (d, i, c->d[at - 1], c->i[at - 1]))
    {
      c->d[at] = c->d[at - 1];
      c->i[at] = c->i[at - 1];
      at--;
    }
  c->d[at] = d;
  c->i[at] = i;
}

static double
distance2 (const float *a, const float *b, int dim)
{
  double s = 0;
  for (int j = 0; j < dim; j++)
    {
      double t = (double) a[j] - b[j];
      s += t * t;
    }
  return s;
}

/* The candidates measured again in double, sorted, the best k written out. */
static void
finish (const DlNeighbours *nb, const float *q, Cands *c, int k, DlNeighbour *out)
{
  double d[MAX_CAND];
  int order[MAX_CAND];
  for (int r = 0; r < c->len; r++)
    {
      d[r] = distance2 (q, nb->features + (gsize) c->i[r] * nb->dim, nb->dim);
      order[r] = r;
    }
  for (int a = 1; a < c->len; a++)   /* insertion sort of a few dozen */
    for (int b = a; b > 0; b--)
      {
        int x = order[b - 1], y = order[b];
        if (d[y] < d[x] || (d[y] == d[x] && c->i[y] < c->i[x]))
          {
            order[b - 1] = y;
            order[b] = x;
          }
        else
          break;
      }
  for (int r = 0; r < k; r++)
    {
      if (r >= c->len)
        {
          out[r] = (DlNeighbour) { -1, -1, INFINITY };
          continue;
        }
      int j = c->i[order[r]];
      out[r] = (DlNeighbour) { j, nb->ds->labels[j], (float) sqrt (d[order[r]]) };
    }
}

void
dl_neighbours_query (const DlNeighbours *nb, const float *q, int n_q, int k, const int *skip, DlNeighbour *out)
{
  g_return_if_fail (k >= 1 && k <= DL_NEIGHBOURS_MAX_K);
  const int dim = nb->dim, m = MIN (k + DL_NEIGHBOURS_SLACK, nb->n);
  g_autofree float *g = g_new (float, (gsize) QUERY_BLOCK * ROW_BLOCK);
  g_autofree Cands *cands = g_new (Cands, QUERY_BLOCK);

  for (int q0 = 0; q0 < n_q; q0 += QUERY_BLOCK)
    {
      const int nq = MIN (QUERY_BLOCK, n_q - q0);
      float qn[QUERY_BLOCK];
      for (int a = 0; a < nq; a++)
        {
          qn[a] = norm2 (q + (gsize) (q0 + a) * dim, dim);
          cands[a].m = m;
          cands[a].len = 0;
        }
      for (int r0 = 0; r0 < nb->n; r0 += ROW_BLOCK)
        {
          const int nr = MIN (ROW_BLOCK, nb->n - r0);
          /* One query is the same product as a matrix-vector one: sgemv streams the feature rows once,
           * where sgemm would first pack them. */
          if (nq == 1)
            cblas_sgemv (CblasRowMajor, CblasNoTrans, nr, dim, 1.0f, nb->features + (gsize) r0 * dim, dim,
                         q + (gsize) q0 * dim, 1, 0.0f, g, 1);
          else
            cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, nq, nr, dim, 1.0f, q + (gsize) q0 * dim, dim,
                         nb->features + (gsize) r0 * dim, dim, 0.0f, g, nr);
          for (int a = 0; a < nq; a++)
            {
              const float *row = g + (gsize) a * nr, *fn = nb->norms + r0;
              const int left_out = skip != NULL ? skip[q0 + a] : -1;
              Cands *c = &cands[a];
              for (int j = 0; j < nr; j++)
                {
                  float d = qn[a] + fn[j] - 2.0f * row[j];
                  if (c->len == c->m && d > c->d[c->m - 1])
                    continue;   /* the common case: not among the best */
                  if (r0 + j != left_out)
                    cands_offer (c, d, r0 + j);
                }
            }
        }
      for (int a = 0; a < nq; a++)
        finish (nb, q + (gsize) (q0 + a) * dim, &cands[a], k, out + (gsize) (q0 + a) * k);
    }
}

void
dl_neighbours_query_image (const DlNeighbours *nb, const DlNet *net, DlNetWork *work, const float *x, int k,
                           DlNeighbour *out)
{
  g_return_if_fail (dl_net_feature_dim (net) == nb->dim);
  float f[nb->dim];
  dl_net_features (net, work, x, 1, f);
  dl_neighbours_query (nb, f, 1, k, NULL, out);
}

void
dl_neighbours_votes (const DlNeighbour *nb, int k, int *votes)
{
  memset (votes, 0, sizeof (int) * DL_N_CLASSES);
  for (int r = 0; r < k; r++)
    if (nb[r].label >= 0 && nb[r].label < DL_N_CLASSES)
      votes[nb[r].label]++;
}

gboolean
dl_neighbours_back_relabel (const DlNeighbour *nb, int k, int label, int predicted)
{
  int votes[DL_N_CLASSES];
  if (label == predicted || label < 0 || label >= DL_N_CLASSES || predicted < 0 || predicted >= DL_N_CLASSES)
    return FALSE;
  dl_neighbours_votes (nb, k, votes);
  return 2 * votes[predicted] > k && votes[label] <= 1;
}
