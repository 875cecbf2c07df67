/* bench-network-page.c — what the Network page and the layer statistics cost a training.
 *
 * 1. The layer statistics an evaluation carries (dl_layer_stats_compute: the parameter and gradient
 *    histograms and a 128-image probe pass), timed against the training steps between two periodic
 *    evaluations (eval_every, default the app's 100), per preset, on the calling thread (its CPU time, one
 *    thread, so that other jobs on the machine do not enter the figure).
 * 2. The same preset trained by a DlSession without a run store (the app's session, recording nothing) in a
 *    real window showing the Network page's Weights view (open) or another page (closed), alternately (ABBA
 *    pairs), on real MNIST: each training's throughput (the worker's training time only, and per CPU second
 *    of the threads other than the main one: what the page's work does to the training itself, whatever
 *    share of the machine the process gets), the main thread's CPU time beyond the closed trainings' (what
 *    the page took: its 3 Hz snapshot reads and tile pictures, and the frames that paint them) as a share of
 *    the process's CPU time, and how often the tiles showed new parameters (per second of training).
 *
 * Like the app under Xvfb (software GL), it draws with GTK's cairo renderer unless GSK_RENDERER says otherwise.
 *
 * Usage: bench-network-page [--preset NAME] [--epochs N] [--pairs N] [--eval-every N] [--no-stats] [MNIST-DIR]
 *        (defaults mlp, 1 epoch, 3 pairs, 100). Needs a display (xvfb-run).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dl-blas.h"
#include "dl-network-page.h"
#include "dl-session.h"

static double
clock_seconds (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
compare (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, compare);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- 1. the statistics against the training steps between two evaluations ---- */

static void
stats_cost (const char *name, DlDataset *train, DlDataset *test, int eval_every, int threads)
{
  const DlPreset *p = dl_preset_find (name);
  DlArch arch;
  g_assert (p != NULL && dl_arch_parse (p->arch, &arch, NULL));
  g_autoptr (DlNet) net = dl_net_new (&arch, 1);
  g_autoptr (DlNetWork) work = dl_net_work_new (net, DL_LAYER_STATS_PROBE);
  g_autofree float *x = g_new (float, (gsize) p->batch * 784);
  g_autofree float *probe = g_new (float, DL_LAYER_STATS_PROBE * 784);
  g_autofree guint8 *y = g_new (guint8, p->batch);
  int idx[DL_MAX_BATCH], pidx[DL_LAYER_STATS_PROBE];
  DlHealth health;
  double steps = 0, stats = 0;

  dl_net_set_threads (net, threads);
  for (int i = 0; i < DL_LAYER_STATS_PROBE; i++)
    pidx[i] = i;
  dl_dataset_gather (test, pidx, DL_LAYER_STATS_PROBE, probe);
  for (int round = 0; round < 4; round++)
    {
      double t0 = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
      for (int s = 0; s < eval_every; s++)
        {
          for (int i = 0; i < p->batch; i++)
            idx[i] = (s * p->batch + i) % train->n;
          dl_dataset_gather (train, idx, p->batch, x);
          for (int i = 0; i < p->batch; i++)
            y[i] = train->labels[idx[i]];
          dl_net_train_step (net, x, y, p->batch, &p->hyper, NULL);
        }
      /* dl_net_health is the evaluation's own (the diagnostics'), measured before the statistics too. */
      dl_net_health (net, &health);
      double t1 = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
      DlLayerStats *st = dl_layer_stats_compute (net, &health, work, probe, DL_LAYER_STATS_PROBE, round);
      double t2 = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
      dl_layer_stats_unref (st);
      if (round > 0)   /* the first warms up */
        steps += t1 - t0, stats += t2 - t1;
    }
  printf ("%-10s layer statistics %.2f ms, %d training steps %.0f ms: %.2f %% of them\n", name, stats / 3 * 1e3,
          eval_every, steps / 3 * 1e3, 100.0 * stats / steps);
}

/* ---- 2. training with the page open or closed ---- */

typedef struct {
  gboolean ended;
  double   elapsed;
  gint64   last_step;
  int      updates;      /* new parameters shown by the tiles */
  int      layouts, paints;   /* the window's frames */
  DlWeightTiles *tiles;
} Loop;

typedef struct {
  double samples_per_second, main_cpu, process_cpu, updates_per_second, layouts_per_second, paints_per_second;
  double samples_per_cpu_second;   /* of the threads but the main one: the training's own CPU time */
} Result;

static void
on_layout (GdkFrameClock *clock, Loop *loop)
{
  loop->layouts++;
}

static void
on_paint (GdkFrameClock *clock, Loop *loop)
{
  loop->paints++;
}

static void
on_event (DlWorker *worker, DlEvent *ev, Loop *loop)
{
  if (ev->type == DL_EVENT_STATE && ev->state == DL_TRAIN_FINISHED)
    loop->ended = TRUE, loop->elapsed = ev->elapsed_seconds;
  if (ev->type == DL_EVENT_ERROR || ev->type == DL_EVENT_DIVERGED)
    g_error ("training failed: %s", ev->message);
}

static gboolean
count_updates (gpointer data)
{
  Loop *loop = data;
  gint64 step = dl_weight_tiles_get_step (loop->tiles);

  if (step != loop->last_step)
    loop->updates++, loop->last_step = step;
  return G_SOURCE_CONTINUE;
}

/* The data set loaded, its checksums taken (in a thread: not while the training is timed) and the session's
 * first run made: Start trains the draft. */
static gboolean
session_ready (DlSession *session)
{
  return dl_session_get_has_data (session) && dl_session_get_data (session) != NULL
         && dl_session_get_live_run (session) != NULL
         && g_action_group_get_action_enabled (dl_session_get_actions (session), "start");
}

static Result
train (const DlTrainConfig *cfg, const char *dir, gboolean open)
{
  g_autoptr (DlSession) session = dl_session_new (NULL, "");
  DlWorker *worker = dl_session_get_worker (session);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *stack = gtk_stack_new ();
  DlNetworkPage *page = DL_NETWORK_PAGE (dl_network_page_new ());
  Loop loop = { .last_step = -1, .tiles = dl_network_page_get_weight_tiles (page) };
  Result r;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_stack_add_named (GTK_STACK (stack), gtk_label_new ("another page"), "other");
  gtk_stack_add_named (GTK_STACK (stack), GTK_WIDGET (page), "network");
  gtk_stack_set_visible_child_name (GTK_STACK (stack), open ? "network" : "other");
  gtk_window_set_child (GTK_WINDOW (window), stack);
  dl_network_page_set_session (page, session);
  gtk_window_present (GTK_WINDOW (window));
  g_action_group_activate_action (dl_session_get_actions (session), "load-data", g_variant_new ("(ss)", dir, ""));
  while (!session_ready (session))
    g_main_context_iteration (NULL, TRUE);
  dl_session_set_config (session, cfg, NULL);
  g_signal_connect (worker, "event", G_CALLBACK (on_event), &loop);
  guint counter = g_timeout_add (50, count_updates, &loop);
  while (gtk_widget_get_frame_clock (window) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (gtk_widget_get_frame_clock (window), "layout", G_CALLBACK (on_layout), &loop);
  g_signal_connect (gtk_widget_get_frame_clock (window), "paint", G_CALLBACK (on_paint), &loop);

  double main0 = clock_seconds (CLOCK_THREAD_CPUTIME_ID), proc0 = clock_seconds (CLOCK_PROCESS_CPUTIME_ID);
  g_action_group_activate_action (dl_session_get_actions (session), "start", NULL);
  while (!loop.ended)
    g_main_context_iteration (NULL, TRUE);
  r.main_cpu = clock_seconds (CLOCK_THREAD_CPUTIME_ID) - main0;
  r.process_cpu = clock_seconds (CLOCK_PROCESS_CPUTIME_ID) - proc0;
  r.samples_per_second = (double) dl_session_get_train_set (session)->n * cfg->epochs / loop.elapsed;
  r.samples_per_cpu_second = (double) dl_session_get_train_set (session)->n * cfg->epochs / (r.process_cpu - r.main_cpu);
  r.updates_per_second = loop.updates / loop.elapsed;
  r.layouts_per_second = loop.layouts / loop.elapsed;
  r.paints_per_second = loop.paints / loop.elapsed;
  g_source_remove (counter);
  g_signal_handlers_disconnect_by_data (worker, &loop);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return r;
}

int
main (int argc, char **argv)
{
  const char *preset_name = "mlp", *dir_arg = NULL;
  int epochs = 1, pairs = 3, eval_every = 100;
  gboolean stats = TRUE;
  g_autoptr (GError) error = NULL;

  dl_blas_init ();
  if (g_getenv ("GSK_RENDERER") == NULL)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
  gtk_init ();
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--preset") && i + 1 < argc)
        preset_name = argv[++i];
      else if (g_str_equal (argv[i], "--epochs") && i + 1 < argc)
        epochs = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--pairs") && i + 1 < argc)
        pairs = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--eval-every") && i + 1 < argc)
        eval_every = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--no-stats"))
        stats = FALSE;
      else
        dir_arg = argv[i];
    }
  const DlPreset *preset = dl_preset_find (preset_name);
  g_assert (preset != NULL && epochs > 0 && pairs >= 0 && eval_every > 0);
  g_autofree char *dir = dir_arg ? g_strdup (dir_arg) : dl_data_default_dir ();
  g_autoptr (DlDataset) train_set = dl_dataset_load_dir (dir, TRUE, &error);
  g_autoptr (DlDataset) test_set = train_set != NULL ? dl_dataset_load_dir (dir, FALSE, &error) : NULL;
  if (test_set == NULL)
    {
      fprintf (stderr, "bench-network-page: %s\n", error->message);
      return 1;
    }
  /* The app's recipe: the preset, one core fewer than the machine has, periodic evaluations. */
  DlTrainConfig cfg;
  dl_train_config_from_preset (&cfg, preset);
  cfg.epochs = epochs;
  cfg.eval_every = eval_every;
  cfg.threads = MAX (1, (int) g_get_num_processors () - 1);

  printf ("layer statistics at each evaluation, against the %d training steps between two (CPU time, 1 thread):\n",
          eval_every);
  for (const DlPreset *const *p = dl_presets (); stats && *p != NULL; p++)
    stats_cost ((*p)->name, train_set, test_set, eval_every, 1);

  printf ("\n%s, %d epoch(s), eval_every %d, %d threads; the Network page's Weights view open or closed, ABBA\n",
          preset_name, epochs, eval_every, cfg.threads);
  double ratio[64], cpu_ratio[64], share[64], ups[64];
  for (int i = 0; i < pairs && i < 64; i++)
    {
      Result a, b;
      if (i % 2 == 0)
        a = train (&cfg, dir, TRUE), b = train (&cfg, dir, FALSE);
      else
        b = train (&cfg, dir, FALSE), a = train (&cfg, dir, TRUE);
      ratio[i] = a.samples_per_second / b.samples_per_second;
      cpu_ratio[i] = a.samples_per_cpu_second / b.samples_per_cpu_second;
      share[i] = MAX (a.main_cpu - b.main_cpu, 0) / a.process_cpu;
      ups[i] = a.updates_per_second;
      printf ("pair %d: open %.0f samples/s, closed %.0f (ratio %.3f; per CPU second of the training %.3f); main thread %.2f s against %.2f s of %.1f s "
              "CPU: the page took %.2f %%; tiles updated %.1f times a second; frames a second (layouts, paints) "
              "%.1f, %.1f open, %.1f, %.1f closed\n", i + 1, a.samples_per_second, b.samples_per_second, ratio[i], cpu_ratio[i],
              a.main_cpu, b.main_cpu, a.process_cpu, 100 * share[i], ups[i], a.layouts_per_second,
              a.paints_per_second, b.layouts_per_second, b.paints_per_second);
    }
  if (pairs > 0)
    printf ("median: throughput ratio open/closed %.3f (per CPU second of the training %.3f), the page's share of the "
            "CPU %.2f %%, %.1f tile updates a second\n", median (ratio, pairs), median (cpu_ratio, pairs),
            100 * median (share, pairs), median (ups, pairs));
  dl_train_config_clear (&cfg);
  return 0;
}
