/* test-neighbours.c — the nearest training images in penultimate-layer features (dl-neighbours): exactly
 * the ones a brute-force float64 search finds, on a subset of real MNIST with a briefly trained `mlp` (a
 * random net on random images without MNIST); a training image left out of its own query; features that
 * are the layer's outputs; a build that stops when cancelled. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "dl-neighbours.h"
#include "dl-test-net.h"
#include "dl-test-train.h"

#define K DL_NEIGHBOURS_K

/* A data set of n random images (when MNIST is not there). */
static DlDataset *
random_dataset (int n, guint64 seed)
{
  DlDataset *ds = dl_dataset_new (n, 28, 28);
  DlRng rng;
  dl_rng_seed (&rng, seed);
  for (gsize i = 0; i < (gsize) n * 784; i++)
    ds->pixels[i] = dl_rng_uniform (&rng) < 0.8 ? 0 : (guint8) dl_rng_below (&rng, 256);
  for (int i = 0; i < n; i++)
    ds->labels[i] = (guint8) dl_rng_below (&rng, 10);
  dl_dataset_recount (ds);
  return ds;
}

typedef struct {
  DlNet     *net;
  DlDataset *ref, *queries;
} Fixture;

static void
fixture_init (Fixture *f, int n_ref, int n_queries)
{
  g_autoptr (DlDataset) train = dl_test_load_mnist (TRUE);
  g_autoptr (DlDataset) test = dl_test_load_mnist (FALSE);
  if (train != NULL && test != NULL)
    {
      f->net = dl_test_train_preset ("mlp", train, 10000, 1, 2, 3);
      f->ref = dl_dataset_subset (train, n_ref);
      f->queries = dl_dataset_subset (test, n_queries);
      return;
    }
  f->net = dl_test_make_net ("fc64-relu,fc32-relu,fc10,softmax", 3);
  f->ref = random_dataset (n_ref, 1);
  f->queries = random_dataset (n_queries, 2);
}

static void
fixture_clear (Fixture *f)
{
  dl_net_free (f->net);
  dl_dataset_unref (f->ref);
  dl_dataset_unref (f->queries);
}

/* Every query's K nearest are the brute force's: the same distances rank by rank, and each returned image
 * no farther (in float64) than the brute force's K-th, so only exact ties may swap. */
START_TEST (matches_brute_force)
{
  Fixture f;
  fixture_init (&f, 3000, 200);
  g_autoptr (DlNeighbours) nb = dl_neighbours_build (f.net, f.ref, NULL);
  const int dim = dl_neighbours_dim (nb), n = dl_neighbours_n (nb), nq = f.queries->n;
  const float *feat = dl_neighbours_features (nb);
  g_autoptr (DlNetWork) work = dl_net_work_new (f.net, nq);
  g_autofree float *x = dl_test_images (f.queries, 0, nq);
  g_autofree float *q = g_new (float, (gsize) nq * dim);
  g_autofree DlNeighbour *got = g_new (DlNeighbour, (gsize) nq * K);
  g_autofree double *d = g_new (double, n);

  ck_assert_int_eq (n, 3000);
  dl_net_features (f.net, work, x, nq, q);
  dl_neighbours_query (nb, q, nq, K, NULL, got);
  for (int a = 0; a < 5; a++)   /* one query at a time takes another path (sgemv): the same answer */
    {
      DlNeighbour one[K];
      dl_neighbours_query (nb, q + (gsize) a * dim, 1, K, NULL, one);
      for (int r = 0; r < K; r++)
        ck_assert (one[r].index == got[a * K + r].index && one[r].distance == got[a * K + r].distance);
    }
  for (int a = 0; a < nq; a++)
    {
      double best[K];
      for (int r = 0; r < K; r++)
        best[r] = INFINITY;
      for (int i = 0; i < n; i++)
        {
          double s = 0;
          for (int j = 0; j < dim; j++)
            {
              double t = (double) q[(gsize) a * dim + j] - feat[(gsize) i * dim + j];
              s += t * t;
            }
          d[i] = sqrt (s);
          for (int r = 0; r < K; r++)
            if (d[i] < best[r])
              {
                memmove (best + r + 1, best + r, sizeof (double) * (K - 1 - r));
                best[r] = d[i];
                break;
              }
        }
      for (int r = 0; r < K; r++)
        {
          const DlNeighbour *g = &got[a * K + r];
          ck_assert_msg (g->index >= 0 && g->index < n, "query %d rank %d: index %d", a, r, g->index);
          ck_assert_int_eq (g->label, f.ref->labels[g->index]);
          ck_assert_msg (fabs (g->distance - best[r]) <= 1e-5 * best[r] + 1e-6, "query %d rank %d: %.7g, brute force %.7g",
                         a, r, g->distance, best[r]);
          ck_assert_msg (d[g->index] <= best[K - 1] * (1 + 1e-9), "query %d rank %d: image %d is at %.7g, beyond the "
                         "brute force's %d-th (%.7g)", a, r, g->index, d[g->index], K, best[K - 1]);
          for (int r2 = 0; r2 < r; r2++)
            ck_assert_int_ne (got[a * K + r2].index, g->index);
        }
    }
  fixture_clear (&f);
}
END_TEST

/* A training image asked about itself finds itself at distance 0, unless it is left out. */
START_TEST (skip_leaves_out)
{
  Fixture f;
  fixture_init (&f, 500, 1);
  g_autoptr (DlNeighbours) nb = dl_neighbours_build (f.net, f.ref, NULL);
  const int dim = dl_neighbours_dim (nb), self = 123;
  const float *q = dl_neighbours_features (nb) + (gsize) self * dim;
  DlNeighbour with[K], without[K];

  dl_neighbours_query (nb, q, 1, K, NULL, with);
  dl_neighbours_query (nb, q, 1, K, &self, without);
  ck_assert_float_eq (with[0].distance, 0.0f);
  ck_assert (with[0].index == self || with[0].distance == 0.0f);   /* a duplicate image may tie */
  for (int r = 0; r < K; r++)
    ck_assert_int_ne (without[r].index, self);
  fixture_clear (&f);
}
END_TEST

/* The features are the penultimate layer's outputs; a one-layer net's are the image. */
START_TEST (features_are_the_layer)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc20-relu,fc12-tanh,fc10,softmax", 2);
  g_autoptr (DlNet) flat = dl_test_make_net ("fc10,softmax", 2);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 3), flat_work = dl_net_work_new (flat, 3);
  float x[3 * DL_TEST_IN], feat[3 * 784];
  guint8 y[3];

  ck_assert_int_eq (dl_net_feature_layer (net), 1);
  ck_assert_int_eq (dl_net_feature_dim (net), 12);
  dl_test_make_batch (3, 8, x, y);
  dl_net_features (net, work, x, 3, feat);
  dl_net_forward (net, work, x, 3, NULL);
  ck_assert (memcmp (feat, dl_net_work_output (work, 1), sizeof (float) * 3 * 12) == 0);
  ck_assert_int_eq (dl_net_feature_dim (flat), 784);
  dl_net_features (flat, flat_work, x, 3, feat);
  ck_assert (memcmp (feat, x, sizeof x) == 0);
}
END_TEST

START_TEST (build_cancels)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc16-relu,fc10,softmax", 2);
  g_autoptr (DlDataset) ds = random_dataset (1000, 4);
  int cancel = 1;
  ck_assert_ptr_null (dl_neighbours_build (net, ds, &cancel));
}
END_TEST

/* Neighbours back a label error when over half are the other class and at most one the label. */
START_TEST (relabel_evidence)
{
  DlNeighbour nb[K];
  const int labels[][K] = {
    { 4, 4, 4, 4, 4, 9, 1, 7 },   /* 5 of 8 are 4s, one 9: backed */
    { 4, 4, 4, 4, 9, 9, 1, 7 },   /* two 9s: not */
    { 4, 4, 4, 4, 1, 1, 1, 7 },   /* only 4 of 8: not */
  };
  const gboolean backed[] = { TRUE, FALSE, FALSE };
  for (guint c = 0; c < G_N_ELEMENTS (labels); c++)
    {
      for (int r = 0; r < K; r++)
        nb[r] = (DlNeighbour) { r, labels[c][r], 1.0f + r };
      ck_assert_int_eq (dl_neighbours_back_relabel (nb, K, 9, 4), backed[c]);
      ck_assert (!dl_neighbours_back_relabel (nb, K, 4, 4));
    }
  int votes[10];
  dl_neighbours_votes (nb, K, votes);
  ck_assert_int_eq (votes[4], 4);
  ck_assert_int_eq (votes[1], 3);
  ck_assert_int_eq (votes[7], 1);
}
END_TEST

static Suite *
neighbours_suite (void)
{
  Suite *s = suite_create ("neighbours");
  TCase *tc = tcase_create ("core");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, matches_brute_force);
  tcase_add_test (tc, skip_leaves_out);
  tcase_add_test (tc, features_are_the_layer);
  tcase_add_test (tc, build_cancels);
  tcase_add_test (tc, relabel_evidence);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (neighbours_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
