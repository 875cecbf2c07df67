/* test-network-page.c — the Network page and the Mistakes page's per-class progress bound to a session
 * (generated data saved as IDX files, no MNIST): the weight tiles of a net with known weights drawn in the
 * right colours at the right places, the cnn's filters as 6 and 16 × 6 tiles of 5×5, a training step's
 * gradient, the activations equal to a forward pass of the snapshot, the dead share each layer shows equal to
 * the diagnostics' figure of the same evaluation, the networks of past evaluations (the live run's
 * checkpoints, and a past run's read back from its store), the distributions on ranges that hold every
 * evaluation's histogram, the per-class curves weighing to the accuracy, and past confusion matrices equal
 * to the stored ones and to a recount of their predictions, with a cell's changes adding up to its count's
 * change. Needs a display (xvfb-run). */
#include <check.h>
#include <math.h>

#include "dl-class-accuracy-view.h"
#include "dl-class-stats.h"
#include "dl-colormap.h"
#include "dl-confusion-history.h"
#include "dl-mistakes-page.h"
#include "dl-model.h"
#include "dl-network-page.h"
#include "dl-test-runs.h"
#include "dl-test-session.h"

#define N_TRAIN 640
#define N_TEST  2200
#define BATCH   32

static char *home;
static DlSession *F_session;   /* the session test_past_run's waits look at */

static gboolean
have_snapshot (gpointer data)
{
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (data);
  return snap != NULL;
}

static gboolean
session_ready (gpointer data)
{
  return dl_session_get_ready (data);
}

/* A session without a run store holding `net`, loaded from a model file (no data set: for drawing). */
static DlSession *
session_with (DlNet *net)
{
  g_autofree char *path = g_build_filename (home, "known.dlm", NULL);
  g_autoptr (GError) error = NULL;
  DlSession *session = dl_session_new (NULL, "");

  ck_assert_msg (dl_model_save (net, path, &error), "%s", error ? error->message : "");
  test_session_wait (session_ready, session, 30, "the session");
  test_session_activate (session, "load-model", g_variant_new_string (path));
  test_session_wait (have_snapshot, session, 30, "the model");
  return session;
}

/* `train` and `test` as IDX files in a new folder under the private home. */
static char *
save_sets (DlDataset *train, DlDataset *test)
{
  char *dir = g_build_filename (home, "blocks-XXXXXX", NULL);
  g_autofree char *ti = NULL, *tl = NULL, *vi = NULL, *vl = NULL;
  g_autoptr (GError) error = NULL;

  ck_assert (g_mkdtemp (dir) != NULL);
  ti = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  tl = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);
  vi = g_build_filename (dir, "t10k-images-idx3-ubyte", NULL);
  vl = g_build_filename (dir, "t10k-labels-idx1-ubyte", NULL);
  ck_assert_msg (dl_dataset_save_idx (train, ti, tl, &error), "%s", error ? error->message : "");
  ck_assert_msg (dl_dataset_save_idx (test, vi, vl, &error), "%s", error ? error->message : "");
  return dir;
}

static gboolean
first_run_ready (gpointer data)
{
  DlSession *s = data;
  DlRun *live = dl_session_get_live_run (s);

  return dl_session_get_ready (s) && dl_session_get_has_data (s) && live != NULL && dl_session_get_run (s) == live
         && test_session_enabled (s, "start");
}

/* A session on the data sets in `dir` and the run store at `store_path` ("" none), its first run made. */
static DlSession *
session_on (const char *dir, const char *store_path)
{
  DlSession *session = dl_session_new (NULL, store_path);

  g_action_group_activate_action (dl_session_get_actions (session), "load-data", g_variant_new ("(ss)", dir, ""));
  test_session_wait (first_run_ready, session, 60, "the data set and the first run");
  return session;
}

/* The live run finished, its final evaluation and model taken. */
static gboolean
live_finished (gpointer data)
{
  DlRun *live = dl_session_get_live_run (data);

  return live != NULL && dl_run_get_state (live) == DL_TRAIN_FINISHED && test_session_enabled (data, "start");
}

static void
pixel_rgb (cairo_surface_t *s, double x, double y, double *r, double *g, double *b)
{
  cairo_surface_flush (s);
  guint32 *row = (guint32 *) (cairo_image_surface_get_data (s) + (int) y * cairo_image_surface_get_stride (s));
  dl_colormap_rgb (row[(int) x], r, g, b);
}

/* Four units: all positive, all negative, left half positive and right half negative, one pixel lit. */
START_TEST (test_tiles_of_a_known_net)
{
  DlArch arch;
  ck_assert (dl_arch_parse ("fc4-relu,fc10,softmax", &arch, NULL));
  g_autoptr (DlNet) net = dl_net_new (&arch, 1);
  float *w = dl_net_params (net);
  for (int u = 0; u < 4; u++)
    for (int p = 0; p < 784; p++)
      {
        int x = p % 28, y = p / 28;
        w[u * 784 + p] = u == 0 ? 0.5f : u == 1 ? -0.5f : u == 2 ? (x < 14 ? 0.5f : -0.5f)
                                                                : (x == 14 && y == 14 ? 0.5f : 0.0f);
      }
  g_autoptr (DlSession) session = session_with (net);
  GtkWidget *window = gtk_window_new ();
  DlNetworkPage *page = DL_NETWORK_PAGE (dl_network_page_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  dl_network_page_set_session (page, session);
  dl_network_page_refresh (page);

  DlWeightTiles *tiles = dl_network_page_get_weight_tiles (page);
  int tw, th;
  ck_assert_int_eq (dl_layer_diagram_get_selected (dl_network_page_get_layer_diagram (page)), 0);
  ck_assert_int_eq (dl_weight_tiles_get_n_tiles (tiles, &tw, &th, NULL), 4);
  ck_assert_int_eq (tw, 28);
  ck_assert_int_eq (th, 28);
  ck_assert (fabs (dl_weight_tiles_get_scale (tiles) - 0.5) < 1e-3);

  const int W = 480, H = 480;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
  cairo_t *cr = cairo_create (s);
  dl_weight_tiles_render (tiles, cr, W, H);
  cairo_destroy (cr);
  graphene_rect_t r[4];
  for (int i = 0; i < 4; i++)
    ck_assert (dl_weight_tiles_tile_rect (tiles, W, H, i, &r[i]));
  double R, G, B;
  /* At ±0.5, the ends of the scale: deep red and deep blue. */
  pixel_rgb (s, r[0].origin.x + r[0].size.width / 2, r[0].origin.y + r[0].size.height / 2, &R, &G, &B);
  ck_assert_msg (R > 0.3 && B < 0.2 && G < 0.1, "unit 0 (positive) drawn %.2f %.2f %.2f", R, G, B);
  pixel_rgb (s, r[1].origin.x + r[1].size.width / 2, r[1].origin.y + r[1].size.height / 2, &R, &G, &B);
  ck_assert_msg (B > 0.3 && R < 0.1, "unit 1 (negative) drawn %.2f %.2f %.2f", R, G, B);
  pixel_rgb (s, r[2].origin.x + r[2].size.width / 4, r[2].origin.y + r[2].size.height / 2, &R, &G, &B);
  ck_assert_msg (R > B, "unit 2's left half drawn %.2f %.2f %.2f", R, G, B);
  pixel_rgb (s, r[2].origin.x + 3 * r[2].size.width / 4, r[2].origin.y + r[2].size.height / 2, &R, &G, &B);
  ck_assert_msg (B > R, "unit 2's right half drawn %.2f %.2f %.2f", R, G, B);
  /* The lit pixel, exactly where the weight is, in the image's orientation; 0 is near-white. */
  double px = r[3].size.width / 28;
  pixel_rgb (s, r[3].origin.x + 14.5 * px, r[3].origin.y + 14.5 * px, &R, &G, &B);
  ck_assert_msg (R > 0.3 && B < 0.2, "unit 3's pixel (14, 14) drawn %.2f %.2f %.2f", R, G, B);
  pixel_rgb (s, r[3].origin.x + 13.5 * px, r[3].origin.y + 14.5 * px, &R, &G, &B);
  ck_assert_msg (R > 0.9 && G > 0.9 && B > 0.9, "unit 3's pixel (13, 14) drawn %.2f %.2f %.2f", R, G, B);
  cairo_surface_destroy (s);

  /* The activations: the snapshot's forward pass of the image given. */
  float x[784];
  for (int p = 0; p < 784; p++)
    x[p] = (p % 28) < 14 ? 1.0f : 0.0f;
  dl_network_page_show_view (page, "activations");
  dl_network_page_set_input (page, x);
  DlActivationView *acts = dl_network_page_get_activation_view (page);
  int n;
  const float *out = dl_activation_view_get_output (acts, 0, &n);
  ck_assert_ptr_nonnull (out);
  ck_assert_int_eq (n, 4);
  /* relu (Σ w x + b), b = 0: 14 columns × 28 rows of 0.5, 0, 14 × 28 × 0.5, 0. */
  ck_assert (fabsf (out[0] - 196.0f) < 1e-3 && out[1] == 0.0f && fabsf (out[2] - 196.0f) < 1e-3 && out[3] == 0.0f);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

START_TEST (test_cnn_filters)
{
  DlArch arch;
  ck_assert (dl_arch_parse ("conv6x5p2-relu,pool2,conv16x5-relu,pool2,fc120-relu,fc84-relu,fc10,softmax", &arch,
                            NULL));
  g_autoptr (DlNet) net = dl_net_new (&arch, 1);
  g_autoptr (DlSession) session = session_with (net);
  DlNetworkPage *page = DL_NETWORK_PAGE (g_object_ref_sink (dl_network_page_new ()));
  DlWeightTiles *tiles = dl_network_page_get_weight_tiles (page);
  int tw, th, cols;

  dl_network_page_set_session (page, session);
  dl_network_page_refresh (page);
  ck_assert_int_eq (dl_weight_tiles_get_n_tiles (tiles, &tw, &th, &cols), 6);
  ck_assert (tw == 5 && th == 5 && cols == 0);
  dl_layer_diagram_set_selected (dl_network_page_get_layer_diagram (page), 2);
  ck_assert_int_eq (dl_weight_tiles_get_n_tiles (tiles, &tw, &th, &cols), 16 * 6);
  ck_assert (tw == 5 && th == 5 && cols == 6);
  dl_layer_diagram_set_selected (dl_network_page_get_layer_diagram (page), 1);   /* pooling: no weights */
  ck_assert_int_eq (dl_weight_tiles_get_n_tiles (tiles, NULL, NULL, NULL), 0);
  /* It fits a window of 800 × 600 (less the header bar's 50 px), whichever view is shown. */
  for (int v = 0; v < 3; v++)
    {
      int min_w, min_h;
      dl_network_page_show_view (page, (const char *[]) { "weights", "activations", "distributions" }[v]);
      gtk_widget_measure (GTK_WIDGET (page), GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
      gtk_widget_measure (GTK_WIDGET (page), GTK_ORIENTATION_VERTICAL, 800, &min_h, NULL, NULL, NULL);
      ck_assert_msg (min_w <= 800 && min_h <= 550, "view %d needs %d × %d", v, min_w, min_h);
    }
  g_object_unref (page);
}
END_TEST

/* ---- the gradient view ---- */

static gboolean
worker_finished (gpointer data)
{
  return dl_worker_get_state (data) == DL_TRAIN_FINISHED;
}

/* One training step on a set of one batch: the snapshot's gradient is that step's (recomputed here on the
 * network the run began with), and the tiles draw it, its largest component at the scale's end in its sign's
 * colour; a loaded model's snapshot has none, and the tiles show nothing rather than the weights. */
START_TEST (test_gradients_of_a_step)
{
  const char *spec = "fc16-relu,fc10,softmax";
  g_autoptr (DlWorker) worker = dl_worker_new ();
  g_autoptr (DlDataset) train = test_runs_blocks (BATCH, 1);
  g_autoptr (DlDataset) test = test_runs_blocks (64, 2);
  DlTrainConfig cfg;
  DlArch arch;

  test_runs_config (&cfg, spec, BATCH, 1);
  ck_assert (dl_arch_parse (spec, &arch, NULL));
  dl_worker_set_data (worker, train, test);
  dl_worker_new_run (worker, &cfg);
  dl_worker_start (worker);
  ck_assert (iterate_until (worker_finished, worker, 60000));
  g_autoptr (DlSnapshot) snap = dl_worker_dup_snapshot (worker);
  ck_assert_int_eq (snap->step, 1);
  ck_assert_ptr_nonnull (snap->grads);

  g_autoptr (DlNet) net = dl_net_new (&arch, cfg.seed);
  g_autofree float *x = g_new (float, (gsize) BATCH * 784);
  int idx[BATCH];
  for (int i = 0; i < BATCH; i++)
    idx[i] = i;
  dl_dataset_gather (train, idx, BATCH, x);
  dl_net_compute_grads (net, x, train->labels, BATCH, cfg.hyper.reduce);
  const float *expect = dl_net_grads (net);
  gsize n_params = dl_net_n_params (net), top = 0, off, n_w, n_b;
  for (gsize j = 0; j < n_params; j++)
    top = fabsf (expect[j]) > fabsf (expect[top]) ? j : top;
  ck_assert (expect[top] != 0.0f);
  for (gsize j = 0; j < n_params; j++)   /* the batch's order differs: sums in another order */
    ck_assert_msg (fabsf (snap->grads[j] - expect[j]) <= 1e-4f * fabsf (expect[top]), "gradient %zu: %g, expected %g",
                   j, snap->grads[j], expect[j]);
  /* The first layer's largest: the one its tiles draw at the scale's end. */
  dl_layer_param_range (&arch, 0, &off, &n_w, &n_b);
  top = off;
  for (gsize j = off; j < off + n_w; j++)
    top = fabsf (expect[j]) > fabsf (expect[top]) ? j : top;
  top -= off;

  DlWeightTiles *tiles = DL_WEIGHT_TILES (g_object_ref_sink (dl_weight_tiles_new ()));
  dl_weight_tiles_set_layer (tiles, 0);
  dl_weight_tiles_set_show (tiles, DL_WEIGHT_TILES_GRADIENTS);
  dl_weight_tiles_set_snapshot (tiles, snap);
  ck_assert_int_eq (dl_weight_tiles_get_n_tiles (tiles, NULL, NULL, NULL), 16);
  ck_assert (dl_weight_tiles_get_scale (tiles) > 0.0 && dl_weight_tiles_get_scale (tiles) <= fabsf (expect[off + top]));
  const int W = 480, H = 480;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
  cairo_t *cr = cairo_create (s);
  dl_weight_tiles_render (tiles, cr, W, H);
  cairo_destroy (cr);
  graphene_rect_t r;
  int unit = (int) (top / 784), p = (int) (top % 784);
  ck_assert (dl_weight_tiles_tile_rect (tiles, W, H, unit, &r));
  double px = r.size.width / 28, R, G, B;
  pixel_rgb (s, r.origin.x + (p % 28 + 0.5) * px, r.origin.y + (p / 28 + 0.5) * px, &R, &G, &B);
  if (snap->grads[off + top] > 0)
    ck_assert_msg (R > 0.3 && B < 0.2 && G < 0.1, "the largest gradient (positive) drawn %.2f %.2f %.2f", R, G, B);
  else
    ck_assert_msg (B > 0.3 && R < 0.1, "the largest gradient (negative) drawn %.2f %.2f %.2f", R, G, B);
  cairo_surface_destroy (s);

  /* A loaded model's parameters were made by no step here: no gradient, no tiles. */
  g_autoptr (DlSession) loaded = session_with (net);
  g_autoptr (DlSnapshot) plain = dl_session_dup_snapshot (loaded);
  ck_assert_ptr_null (plain->grads);
  dl_weight_tiles_set_snapshot (tiles, plain);
  ck_assert_int_eq (dl_weight_tiles_get_n_tiles (tiles, NULL, NULL, NULL), 0);
  dl_weight_tiles_set_show (tiles, DL_WEIGHT_TILES_WEIGHTS);
  ck_assert_int_eq (dl_weight_tiles_get_n_tiles (tiles, NULL, NULL, NULL), 16);
  g_object_unref (tiles);
  dl_worker_shutdown (worker);
  dl_train_config_clear (&cfg);
}
END_TEST

/* ---- a real training run ---- */

typedef struct {
  GArray *evals;         /* DlEvent* of the evaluations, in order */
  GPtrArray *checkpoints;   /* DlCheckpoint*, every one the worker took */
} Seen;

static void
on_event (DlWorker *worker, DlEvent *ev, Seen *seen)
{
  if (ev->type == DL_EVENT_EVAL)
    {
      dl_event_ref (ev);
      g_array_append_val (seen->evals, ev);
    }
  if (ev->type == DL_EVENT_CHECKPOINT)
    g_ptr_array_add (seen->checkpoints, dl_checkpoint_ref (ev->checkpoint));
}

static void
unref_event (gpointer p)
{
  dl_event_unref (*(DlEvent **) p);
}

static Seen
seen_new (void)
{
  Seen seen = { g_array_new (FALSE, FALSE, sizeof (DlEvent *)),
                g_ptr_array_new_with_free_func ((GDestroyNotify) dl_checkpoint_unref) };

  g_array_set_clear_func (seen.evals, unref_event);
  return seen;
}

static void
seen_clear (Seen *seen)
{
  g_array_unref (seen->evals);
  g_ptr_array_unref (seen->checkpoints);
}

/* A session's run trained on blocks: its worker's evaluations and checkpoints in `seen`. */
static DlRun *
train_run (DlSession *session, const char *spec, int epochs, Seen *seen)
{
  DlTrainConfig cfg;

  test_runs_config (&cfg, spec, BATCH, epochs);
  cfg.hyper.lr = 0.4f;   /* high: some ReLUs die, some tanh units saturate */
  g_signal_connect (dl_session_get_worker (session), "event", G_CALLBACK (on_event), seen);
  dl_session_set_config (session, &cfg, NULL);
  test_session_activate (session, "start", NULL);
  test_session_wait (live_finished, session, 120, "the run to finish");
  g_signal_handlers_disconnect_by_data (dl_session_get_worker (session), seen);
  dl_train_config_clear (&cfg);
  return dl_session_get_live_run (session);
}

typedef struct {
  DlWeightTiles *tiles;
  gint64 step;
} TilesAt;

static gboolean
tiles_at (gpointer data)
{
  TilesAt *t = data;
  return dl_weight_tiles_get_step (t->tiles) == t->step;
}

/* Scrubbed back: the first epoch's end shows the network of its checkpoint (weights and activations); the
 * first periodic evaluation's checkpoint is no longer kept (only the latest five mid-epoch ones are), so the
 * views show the newest parameters (`latest`) there. A past run's checkpoint is read in a thread: waited for. */
static void
check_past_networks (DlNetworkPage *page, const Seen *seen, DlDataset *test, gint64 latest)
{
  DlCheckpoint *end1 = NULL;
  guint k_end1 = 0, k_first = 0;
  DlWeightTiles *tiles = dl_network_page_get_weight_tiles (page);

  for (guint k = 0; k < seen->evals->len && end1 == NULL; k++)
    if (g_array_index (seen->evals, DlEvent *, k)->eval_kind == DL_EVAL_EPOCH)
      {
        k_end1 = k;
        for (guint c = 0; c < seen->checkpoints->len; c++)
          if (((DlCheckpoint *) g_ptr_array_index (seen->checkpoints, c))->step
              == g_array_index (seen->evals, DlEvent *, k)->step)
            end1 = g_ptr_array_index (seen->checkpoints, c);
      }
  ck_assert_msg (end1 != NULL, "no checkpoint at the first epoch's end");
  ck_assert_int_eq (g_array_index (seen->evals, DlEvent *, k_first)->eval_kind, DL_EVAL_SUBSET);
  dl_network_page_show_view (page, "weights");
  dl_network_page_set_position (page, k_end1);
  TilesAt at = { tiles, end1->step };
  test_session_wait (tiles_at, &at, 30, "the first epoch's checkpoint");
  dl_network_page_set_position (page, k_first);
  ck_assert_int_eq (dl_weight_tiles_get_step (tiles), latest);

  /* The activations of test image 3 at the first epoch's end: a forward pass of that checkpoint. */
  DlArch carch;
  ck_assert (dl_arch_parse (end1->config->arch, &carch, NULL));
  g_autoptr (DlNet) net = dl_net_new (&carch, end1->net_seed);
  dl_net_set_params (net, end1->params);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 1);
  float x[784];
  int idx = 3, n;
  dl_dataset_gather (test, &idx, 1, x);
  dl_net_forward (net, work, x, 1, NULL);
  dl_network_page_set_position (page, k_end1);
  test_session_wait (tiles_at, &at, 30, "the first epoch's checkpoint again");
  dl_network_page_show_view (page, "activations");
  dl_network_page_set_input (page, x);   /* as if drawn */
  const float *shown = dl_activation_view_get_output (dl_network_page_get_activation_view (page), 0, &n);
  ck_assert_ptr_nonnull (shown);
  ck_assert_int_eq (n, 48);
  ck_assert (memcmp (shown, dl_net_work_output (work, 0), sizeof (float) * n) == 0);
  dl_network_page_show_view (page, "weights");
}

START_TEST (test_figures_of_a_run)
{
  g_autoptr (DlDataset) train = test_runs_blocks (N_TRAIN, 1);
  g_autoptr (DlDataset) test = test_runs_blocks (N_TEST, 2);
  g_autofree char *dir = save_sets (train, test);
  g_autoptr (DlSession) session = session_on (dir, "");
  Seen seen = seen_new ();
  DlArch arch;
  const char *spec = "fc48-relu,fc24-relu,fc16-tanh,fc10,softmax";

  ck_assert (dl_arch_parse (spec, &arch, NULL));
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  DlNetworkPage *page = DL_NETWORK_PAGE (dl_network_page_new ());
  DlMistakesPage *mistakes = DL_MISTAKES_PAGE (dl_mistakes_page_new ());
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (page));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (mistakes));
  gtk_window_set_child (GTK_WINDOW (window), box);
  dl_network_page_set_session (page, session);
  dl_mistakes_page_set_session (mistakes, session);
  DlClassAccuracyView *classes = dl_mistakes_page_get_class_progress (mistakes);
  DlConfusionHistory *history = dl_mistakes_page_get_confusion_history (mistakes);
  gtk_window_present (GTK_WINDOW (window));

  DlRun *run = train_run (session, spec, 3, &seen);
  ck_assert (dl_network_page_get_run (page) == run && dl_session_get_run (session) == run);
  ck_assert_uint_eq (dl_run_get_n_evals (run), seen.evals->len);
  ck_assert_uint_eq (dl_network_page_get_n_positions (page), seen.evals->len);

  /* At every evaluation: the dead (or saturated) share each layer shows is the diagnostics' figure. */
  DlLayerDiagram *diagram = dl_network_page_get_layer_diagram (page);
  gboolean some_dead = FALSE;
  for (guint k = 0; k < seen.evals->len; k++)
    {
      const DlEvent *ev = g_array_index (seen.evals, DlEvent *, k);
      dl_network_page_set_position (page, k);
      ck_assert_int_eq (dl_run_get_eval (run, dl_network_page_get_shown_eval (page))->step, ev->step);
      for (int i = 0; i < arch.n_layers; i++)
        {
          const DlLayerSpec *l = &arch.layers[i];
          const char *shown = dl_layer_diagram_get_health_text (diagram, i);
          if (l->act == DL_ACT_NONE)
            {
              ck_assert_ptr_null (shown);
              continue;
            }
          g_autofree char *expect = l->act == DL_ACT_RELU ? g_strdup_printf ("dead %.0f %%", 100.0 * ev->health.dead[i])
                                                          : g_strdup_printf ("saturated %.0f %%", 100.0 * ev->health.saturated[i]);
          ck_assert_msg (g_strcmp0 (shown, expect) == 0, "evaluation %u, layer %d: shows \"%s\", the diagnostics "
                         "measured \"%s\"", k, i, shown, expect);
          some_dead |= l->act == DL_ACT_RELU && ev->health.dead[i] > 0.0f;
        }
    }
  ck_assert_msg (some_dead, "no ReLU died: the comparison above proved little");

  g_autoptr (DlSnapshot) latest = dl_session_dup_snapshot (session);
  check_past_networks (page, &seen, test, latest->step);

  /* Distributions: every weighted layer a panel, on a range that holds each evaluation's histogram. */
  DlDistributionView *dist = dl_network_page_get_distribution_view (page);
  ck_assert_int_eq (dl_distribution_view_get_n_panels (dist), arch.n_layers);
  for (int i = 0; i < arch.n_layers; i++)
    for (guint k = 0; k < dl_run_get_n_evals (run); k++)
      ck_assert_int_ge (dl_distribution_view_get_exponent (dist, i),
                        dl_run_get_eval (run, k)->layer_stats->layers[i].hist[DL_LAYER_STAT_PARAMS].exponent);

  /* Per-class curves: at each whole-set evaluation, the ten weigh to its accuracy. */
  guint point = 0;
  for (guint k = 0; k < dl_run_get_n_evals (run); k++)
    {
      const DlRunEval *e = dl_run_get_eval (run, k);
      int count[DL_N_CLASSES];
      double mean = 0.0;
      if (e->kind == DL_EVAL_SUBSET)
        continue;
      dl_class_accuracy (e->confusion, NULL, count);
      for (int c = 0; c < DL_N_CLASSES; c++)
        mean += count[c] * dl_series_get_y (dl_class_accuracy_view_get_series (classes, c), point) / 100.0;
      ck_assert_msg (fabs (mean / e->n - e->accuracy) < 1e-6, "evaluation %u: %.9f against %.9f", k, mean / e->n,
                     e->accuracy);
      point++;
    }
  ck_assert_uint_eq (dl_series_get_n_points (dl_class_accuracy_view_get_series (classes, 0)), point);
  dl_class_accuracy_view_set_class_visible (classes, 3, FALSE);
  ck_assert (!dl_class_accuracy_view_get_class_visible (classes, 3));

  /* Past confusion matrices: the stored ones, and a recount of the stored predictions; a cell's changes add
   * up to the change of its count. */
  ck_assert_uint_eq (dl_confusion_history_get_n_positions (history), point);
  for (guint pos = 0, k = 0; pos < point; k++)
    {
      const DlRunEval *e = dl_run_get_eval (run, k);
      int shown[DL_N_CLASSES][DL_N_CLASSES], before[DL_N_CLASSES][DL_N_CLASSES], recount[DL_N_CLASSES][DL_N_CLASSES];
      if (e->kind == DL_EVAL_SUBSET)
        continue;
      dl_confusion_history_set_position (history, pos);
      ck_assert (dl_confusion_history_get_matrix (history, shown));
      dl_confusion_count (test->labels, g_bytes_get_data (e->predicted, NULL), e->n, recount);
      ck_assert (memcmp (shown, e->confusion, sizeof shown) == 0);
      ck_assert (memcmp (shown, recount, sizeof shown) == 0);
      for (int t = 0; t < DL_N_CLASSES && pos > 0; t++)
        for (int p = 0; p < DL_N_CLASSES; p++)
          {
            GArray *in, *out;
            dl_confusion_history_set_position (history, pos - 1);
            dl_confusion_history_get_matrix (history, before);
            dl_confusion_history_set_position (history, pos);
            dl_confusion_history_select_cell (history, t, p);
            ck_assert (dl_confusion_history_get_changes (history, &in, &out));
            ck_assert_int_eq ((int) in->len - (int) out->len, shown[t][p] - before[t][p]);
          }
      pos++;
    }

  gtk_window_destroy (GTK_WINDOW (window));
  seen_clear (&seen);
}
END_TEST

/* ---- a past run, from its store ---- */

typedef struct {
  DlRunStore *store;
  const char *uuid;
} Listed;

static DlRun *
listed_run (DlRunStore *store, const char *uuid)
{
  GListModel *runs = store != NULL ? dl_run_store_get_runs (store) : NULL;

  for (guint i = 0; runs != NULL && i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (runs, i);
      if (g_str_equal (dl_run_get_uuid (run), uuid))
        return run;
    }
  return NULL;
}

static gboolean
is_listed (gpointer data)
{
  Listed *l = data;
  l->store = dl_session_get_store (F_session);
  return listed_run (l->store, l->uuid) != NULL;
}

static gboolean
past_shown (gpointer data)
{
  DlRun *run = data;
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (F_session);

  return snap != NULL && snap->step == dl_run_get_steps (run) && dl_run_get_loaded (run);
}

/* A run of an earlier session opened from the store: the page shows its evaluations with their layer
 * statistics, its final model, and at its first epoch's end the checkpoint the store kept, read back. */
START_TEST (test_past_run)
{
  g_autoptr (DlDataset) train = test_runs_blocks (N_TRAIN, 1);
  g_autoptr (DlDataset) test = test_runs_blocks (N_TEST, 2);
  g_autofree char *dir = save_sets (train, test);
  g_autofree char *store = g_build_filename (home, "past-runs.sqlite", NULL);
  Seen seen = seen_new ();
  g_autofree char *uuid = NULL;
  guint n_evals;
  gint64 steps;

  {
    g_autoptr (DlSession) first = session_on (dir, store);
    DlRun *run = train_run (first, "fc48-relu,fc24-relu,fc16-tanh,fc10,softmax", 2, &seen);
    uuid = g_strdup (dl_run_get_uuid (run));
    n_evals = dl_run_get_n_evals (run);
    steps = dl_run_get_steps (run);
  }

  g_autoptr (DlSession) session = session_on (dir, store);
  F_session = session;
  Listed l = { NULL, uuid };
  test_session_wait (is_listed, &l, 30, "the run in the store's list");
  DlRun *past = listed_run (l.store, uuid);
  GtkWidget *window = gtk_window_new ();
  DlNetworkPage *page = DL_NETWORK_PAGE (dl_network_page_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  dl_network_page_set_session (page, session);
  gtk_window_present (GTK_WINDOW (window));

  test_session_activate (session, "open-run", g_variant_new_string (uuid));
  test_session_wait (past_shown, past, 30, "the past run's history and final model");
  ck_assert (dl_network_page_get_run (page) == past);
  ck_assert (dl_session_get_live_run (session) != past);
  ck_assert_uint_eq (dl_run_get_n_evals (past), n_evals);
  ck_assert_uint_eq (dl_network_page_get_n_positions (page), n_evals);
  dl_network_page_refresh (page);
  check_past_networks (page, &seen, test, steps);

  gtk_window_destroy (GTK_WINDOW (window));
  F_session = NULL;
  seen_clear (&seen);
}
END_TEST

int
main (void)
{
  home = test_runs_private_home ();
  gtk_init ();
  Suite *s = suite_create ("network-page");
  TCase *tc = tcase_create ("page");
  tcase_set_timeout (tc, 200);
  tcase_add_test (tc, test_tiles_of_a_known_net);
  tcase_add_test (tc, test_cnn_filters);
  tcase_add_test (tc, test_gradients_of_a_step);
  tcase_add_test (tc, test_figures_of_a_run);
  tcase_add_test (tc, test_past_run);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
