/* test-explainer.c — DlExplainer's two threads: requests answered on the main context in order, the
 * heatmap first and then the complete explanation, a client's superseded requests dropped, the index
 * built once for an unchanging snapshot and used (neighbours into the training set, a verdict), nothing
 * for an untrained network, each request on its own snapshot (two networks in turn), and a clean shutdown
 * with work in flight. No display needed (GLib only); in
 * the 'worker' suite too, so that ThreadSanitizer sees the threads. */
#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dl-blas.h"
#include "dl-explainer.h"
#include "dl-model.h"
#include "dl-test-net.h"

typedef struct {
  GPtrArray *got;   /* DlExplanation *, in arrival order */
  guint64    want;  /* has_complete: this request's (0: any) */
} Log;

static void
on_explained (DlExplainer *explainer, DlExplanation *e, Log *log)
{
  g_ptr_array_add (log->got, dl_explanation_ref (e));
}

static gboolean
iterate_until (gboolean (*cond) (gpointer), gpointer data, int ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  while (!cond (data) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return cond (data);
}

static DlDataset *
random_set (int n, guint64 seed)
{
  DlDataset *ds = dl_dataset_new (n, 28, 28);
  DlRng rng;
  dl_rng_seed (&rng, seed);
  for (gsize i = 0; i < (gsize) n * 784; i++)
    ds->pixels[i] = dl_rng_uniform (&rng) < 0.85 ? 0 : (guint8) dl_rng_below (&rng, 256);
  for (int i = 0; i < n; i++)
    ds->labels[i] = (guint8) dl_rng_below (&rng, 10);
  dl_dataset_recount (ds);
  return ds;
}

/* A snapshot of a random net, as a loaded (so: trained) model's: run `serial`, step 0. */
static DlSnapshot *
snapshot_of (const char *spec, guint64 seed, guint serial)
{
  g_autoptr (DlNet) net = dl_test_make_net (spec, seed);
  return dl_snapshot_new_for_net (net, 0, serial, TRUE);
}

/* The last explanation is complete (and the one of request log->want, if set). */
static gboolean
has_complete (gpointer data)
{
  Log *log = data;
  if (log->got->len == 0)
    return FALSE;
  DlExplanation *e = g_ptr_array_index (log->got, log->got->len - 1);
  return e->complete && (log->want == 0 || e->serial == log->want);
}

START_TEST (answers_in_order_and_drops_superseded)
{
  g_autoptr (DlSnapshot) snap = snapshot_of ("conv4x5p2-relu,pool2,fc16-relu,fc10,softmax", 5, 1);
  g_autoptr (DlDataset) train = random_set (600, 1), test = random_set (400, 2);
  g_autoptr (DlExplainer) explainer = dl_explainer_new ();
  Log a = { g_ptr_array_new_with_free_func ((GDestroyNotify) dl_explanation_unref), 0 };
  float x[784];
  guint8 y;

  dl_explainer_set_data (explainer, train, test);
  g_signal_connect (explainer, "explained", G_CALLBACK (on_explained), &a);

  /* Two clients, a burst of requests each: every client's last one is answered, and answers come in
   * the order of the requests. */
  int client_a, client_b;
  guint64 last_a = 0, last_b = 0;
  for (int k = 0; k < 20; k++)
    {
      dl_test_make_batch (1, 100 + k, x, &y);
      last_a = dl_explainer_request (explainer, &client_a, snap, x, k % DL_ATTRIB_N_METHODS, -1, -1, g_get_monotonic_time ());
      last_b = dl_explainer_request (explainer, &client_b, snap, x, DL_ATTRIB_INTEGRATED_GRADIENTS, 3, 5, g_get_monotonic_time ());
    }
  dl_explainer_wait_idle (explainer);
  a.want = last_b;   /* requested last */
  ck_assert (iterate_until (has_complete, &a, 20000));

  guint64 prev = 0;
  gboolean saw_a = FALSE, saw_b = FALSE;
  for (guint i = 0; i < a.got->len; i++)
    {
      DlExplanation *e = g_ptr_array_index (a.got, i);
      ck_assert_uint_ge (e->serial, prev);   /* the heatmap, then the complete one of the same request */
      prev = e->serial;
      ck_assert (e->trained);
      saw_a |= e->client == &client_a && e->serial == last_a;
      saw_b |= e->client == &client_b && e->serial == last_b;
      if (e->client == &client_b)
        ck_assert (e->target == 3 && e->contrast == 5);
    }
  ck_assert (saw_a && saw_b);
  /* Superseded requests were dropped: far fewer answers than the 40 asked for, twice (two phases). */
  ck_assert_uint_lt (a.got->len, 2 * 40);
  g_printerr ("%u explanations for 40 requests\n", a.got->len);

  /* The index is built (once: the snapshot does not change) and used for a new request. */
  dl_test_make_batch (1, 7, x, &y);
  a.want = dl_explainer_request (explainer, &client_a, snap, x, DL_ATTRIB_GRADIENT_INPUT, -1, -1, g_get_monotonic_time ());
  dl_explainer_wait_idle (explainer);
  ck_assert (iterate_until (has_complete, &a, 20000));
  DlExplanation *e = g_ptr_array_index (a.got, a.got->len - 1);
  ck_assert_uint_eq (e->serial, a.want);
  ck_assert (e->complete && e->have_index && e->index_step == e->step);
  ck_assert_ptr_eq (e->train, train);
  for (int k = 0; k < DL_NEIGHBOURS_K; k++)
    {
      ck_assert (e->neighbours[k].index >= 0 && e->neighbours[k].index < train->n);
      ck_assert_int_eq (e->neighbours[k].label, train->labels[e->neighbours[k].index]);
    }
  ck_assert_int_eq (e->verdict.predicted, e->predicted);

  /* Work in flight when the explainer goes: its threads are joined, nothing is delivered afterwards. */
  for (int k = 0; k < 5; k++)
    dl_explainer_request (explainer, &client_a, snap, x, DL_ATTRIB_OCCLUSION, -1, -1, g_get_monotonic_time ());
  g_clear_object (&explainer);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (a.got);
}
END_TEST

/* An untrained network explains nothing: the answer is complete and empty. */
START_TEST (untrained_explains_nothing)
{
  g_autoptr (DlExplainer) explainer = dl_explainer_new ();
  Log log = { g_ptr_array_new_with_free_func ((GDestroyNotify) dl_explanation_unref), 0 };
  float x[784] = { 0 };
  int client;

  g_signal_connect (explainer, "explained", G_CALLBACK (on_explained), &log);
  dl_explainer_request (explainer, &client, NULL, x, DL_ATTRIB_INTEGRATED_GRADIENTS, -1, -1, g_get_monotonic_time ());
  ck_assert (iterate_until (has_complete, &log, 10000));
  DlExplanation *e = g_ptr_array_index (log.got, 0);
  ck_assert (!e->trained && e->complete && !e->have_index && e->predicted == -1);
  g_ptr_array_unref (log.got);
}
END_TEST

/* Each request is explained on its own snapshot: two networks (a run shown from the store beside the live
 * one) asked in turn get their own answers and, once each one's index is built, neighbours in their own
 * features — those of a direct query on that network. */
START_TEST (each_request_on_its_snapshot)
{
  g_autoptr (DlSnapshot) live = snapshot_of ("fc32-relu,fc16-relu,fc10,softmax", 1, 3);
  g_autoptr (DlSnapshot) past = snapshot_of ("fc24-relu,fc12-relu,fc10,softmax", 2, 0x80000001u);
  g_autoptr (DlDataset) train = random_set (500, 3), test = random_set (300, 4);
  g_autoptr (DlExplainer) explainer = dl_explainer_new ();
  Log log = { g_ptr_array_new_with_free_func ((GDestroyNotify) dl_explanation_unref), 0 };
  DlSnapshot *snaps[] = { live, past, live, past };
  float x[784];
  guint8 y;
  int client;

  dl_explainer_set_data (explainer, train, test);
  g_signal_connect (explainer, "explained", G_CALLBACK (on_explained), &log);
  dl_test_make_batch (1, 11, x, &y);
  for (gsize k = 0; k < G_N_ELEMENTS (snaps); k++)
    {
      float probs[DL_N_CLASSES];
      DlNeighbour want[DL_NEIGHBOURS_K];
      g_autoptr (DlNetWork) work = dl_net_work_new (snaps[k]->net, 1);
      g_autoptr (DlNeighbours) nb = dl_neighbours_build (snaps[k]->net, train, NULL);

      /* The first request on a network other than the index's is answered without neighbours and has its
       * index built; the second, after that, with them. */
      for (int twice = 0; twice < 2; twice++)
        {
          log.want = dl_explainer_request (explainer, &client, snaps[k], x, DL_ATTRIB_GRADIENT_INPUT, -1, -1,
                                           g_get_monotonic_time ());
          dl_explainer_wait_idle (explainer);
          ck_assert (iterate_until (has_complete, &log, 20000));
        }
      DlExplanation *e = g_ptr_array_index (log.got, log.got->len - 1);
      dl_net_forward (snaps[k]->net, work, x, 1, probs);
      ck_assert_uint_eq (e->run_serial, snaps[k]->run_serial);
      for (int c = 0; c < DL_N_CLASSES; c++)
        ck_assert_float_eq (e->probs[c], probs[c]);
      ck_assert (e->have_index);
      dl_neighbours_query_image (nb, snaps[k]->net, work, x, DL_NEIGHBOURS_K, want);
      for (int j = 0; j < DL_NEIGHBOURS_K; j++)
        ck_assert_int_eq (e->neighbours[j].index, want[j].index);
    }
  g_ptr_array_unref (log.got);
}
END_TEST

int
main (void)
{
  /* As the app's nets do: BLAS's own threads (which ThreadSanitizer cannot see) stay out of it. */
  dl_blas_set_threads (1);
  Suite *s = suite_create ("explainer");
  TCase *tc = tcase_create ("threads");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, answers_in_order_and_drops_superseded);
  tcase_add_test (tc, untrained_explains_nothing);
  tcase_add_test (tc, each_request_on_its_snapshot);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
