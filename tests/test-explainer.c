/* test-explainer.c — DlExplainer's two threads: requests answered on the main context in order, the
 * heatmap first and then the complete explanation, a client's superseded requests dropped, the index
 * built once for an unchanging snapshot and used (neighbours into the training set, a verdict), nothing
 * for an untrained network, and a clean shutdown with work in flight. No display needed (GLib only); in
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

static void
on_event (DlWorker *worker, DlEvent *ev, gboolean *loaded)
{
  if (ev->type == DL_EVENT_MODEL_LOADED)
    *loaded = TRUE;
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

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
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

/* A worker holding a loaded (so: trained) random net. */
static DlWorker *
worker_with_net (const char *spec, char **dir_out)
{
  g_autoptr (DlNet) net = dl_test_make_net (spec, 5);
  *dir_out = g_dir_make_tmp ("test-explainer-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (*dir_out, "net.dlm", NULL);
  ck_assert (dl_model_save (net, path, NULL));
  DlWorker *worker = dl_worker_new ();
  gboolean loaded = FALSE;
  gulong id = g_signal_connect (worker, "event", G_CALLBACK (on_event), &loaded);
  dl_worker_load_model (worker, path, NULL);
  ck_assert (iterate_until (is_true, &loaded, 20000));
  g_signal_handler_disconnect (worker, id);
  g_unlink (path);
  return worker;
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
  g_autofree char *dir = NULL;
  g_autoptr (DlWorker) worker = worker_with_net ("conv4x5p2-relu,pool2,fc16-relu,fc10,softmax", &dir);
  g_autoptr (DlDataset) train = random_set (600, 1), test = random_set (400, 2);
  g_autoptr (DlExplainer) explainer = dl_explainer_new ();
  Log a = { g_ptr_array_new_with_free_func ((GDestroyNotify) dl_explanation_unref), 0 };
  float x[784];
  guint8 y;

  dl_explainer_set_worker (explainer, worker);
  dl_explainer_set_data (explainer, train, test);
  g_signal_connect (explainer, "explained", G_CALLBACK (on_explained), &a);

  /* Two clients, a burst of requests each: every client's last one is answered, and answers come in
   * the order of the requests. */
  int client_a, client_b;
  guint64 last_a = 0, last_b = 0;
  for (int k = 0; k < 20; k++)
    {
      dl_test_make_batch (1, 100 + k, x, &y);
      last_a = dl_explainer_request (explainer, &client_a, x, k % DL_ATTRIB_N_METHODS, -1, -1, g_get_monotonic_time ());
      last_b = dl_explainer_request (explainer, &client_b, x, DL_ATTRIB_INTEGRATED_GRADIENTS, 3, 5, g_get_monotonic_time ());
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
  a.want = dl_explainer_request (explainer, &client_a, x, DL_ATTRIB_GRADIENT_INPUT, -1, -1, g_get_monotonic_time ());
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
    dl_explainer_request (explainer, &client_a, x, DL_ATTRIB_OCCLUSION, -1, -1, g_get_monotonic_time ());
  g_clear_object (&explainer);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (a.got);
  dl_worker_shutdown (worker);
  g_rmdir (dir);
}
END_TEST

/* An untrained network explains nothing: the answer is complete and empty. */
START_TEST (untrained_explains_nothing)
{
  g_autoptr (DlWorker) worker = dl_worker_new ();
  g_autoptr (DlExplainer) explainer = dl_explainer_new ();
  Log log = { g_ptr_array_new_with_free_func ((GDestroyNotify) dl_explanation_unref), 0 };
  float x[784] = { 0 };
  int client;

  dl_explainer_set_worker (explainer, worker);   /* no network yet: no snapshot */
  g_signal_connect (explainer, "explained", G_CALLBACK (on_explained), &log);
  dl_explainer_request (explainer, &client, x, DL_ATTRIB_INTEGRATED_GRADIENTS, -1, -1, g_get_monotonic_time ());
  ck_assert (iterate_until (has_complete, &log, 10000));
  DlExplanation *e = g_ptr_array_index (log.got, 0);
  ck_assert (!e->trained && e->complete && !e->have_index && e->predicted == -1);
  g_ptr_array_unref (log.got);
  dl_worker_shutdown (worker);
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
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
