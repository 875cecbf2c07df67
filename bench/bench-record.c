/* bench-record.c — what recording a run costs the training: the same preset trained through the worker
 * with a DlRunRecorder and a store (as digitlab-cli train does by default) and without, alternately
 * (ABBA), on real MNIST. For each training it prints the throughput (training time only: the worker's
 * elapsed seconds, evaluations excluded) and the CPU time the recording took — the main thread's (the
 * recorder: series, markers, rows queued) beyond what an unrecorded training's main thread used, plus the
 * store's writer thread — as a share of the process's CPU time. On a 2-core machine the training threads
 * use both cores, so that share is what recording takes from training, however busy the machine is; the
 * throughput ratio says the same when the machine is otherwise idle.
 *
 * Usage: bench-record [--preset NAME] [--epochs N] [--pairs N] [--eval-every N] [MNIST-DIR]
 *        (default seed, 3 epochs, 5 pairs, eval_every 0 as digitlab-cli train; the app uses 200)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "dl-blas.h"
#include "dl-run-recorder.h"
#include "dl-run-store.h"
#include "dl-worker.h"

typedef struct {
  double samples_per_second;
  double main_cpu, writer_cpu, process_cpu;   /* seconds */
} Result;

static double
clock_seconds (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The CPU clock of the thread named `name` in this process (Linux: a thread's clock from its tid). */
static gboolean
thread_clock (const char *name, clockid_t *id)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_equal (g_strstrip (comm), name))
        {
          *id = (clockid_t) ((~(clockid_t) atoi (tid)) << 3 | 6);   /* MAKE_THREAD_CPUCLOCK (tid, SCHED) */
          return TRUE;
        }
    }
  return FALSE;
}

typedef struct {
  DlRunRecorder *recorder;
  gboolean       ended;
  double         elapsed;
} Loop;

static void
on_event (DlWorker *worker, DlEvent *ev, Loop *loop)
{
  if (ev->type == DL_EVENT_STATE && ev->state == DL_TRAIN_FINISHED)
    {
      loop->ended = TRUE;
      loop->elapsed = ev->elapsed_seconds;
    }
  if (ev->type == DL_EVENT_ERROR || ev->type == DL_EVENT_DIVERGED)
    g_error ("training failed: %s", ev->message);
}

static Result
train (const DlTrainConfig *cfg, DlDataset *train_set, DlDataset *test_set, const char *store_path)
{
  g_autoptr (DlWorker) worker = dl_worker_new ();
  g_autoptr (DlRunStore) store = NULL;
  g_autoptr (DlRunRecorder) recorder = NULL;
  g_autoptr (DlRunData) data = dl_run_data_new (NULL, NULL, train_set->n, test_set->n);
  Loop loop = { 0 };
  double main0, proc0, writer = 0;
  clockid_t writer_clock;
  Result r;

  dl_worker_set_data (worker, train_set, test_set);
  if (store_path != NULL)
    {
      store = dl_run_store_open (store_path, NULL);
      g_assert (store != NULL);
      recorder = dl_run_recorder_new (worker, store);
    }
  g_signal_connect (worker, "event", G_CALLBACK (on_event), &loop);
  loop.recorder = recorder;
  main0 = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
  proc0 = clock_seconds (CLOCK_PROCESS_CPUTIME_ID);
  if (recorder != NULL)
    {
      DlRunSpec spec = { .preset = "bench", .config = cfg, .data = data, .program = "bench-record" };

      g_assert (dl_run_recorder_begin (recorder, &spec, NULL));
    }
  else
    dl_worker_new_run (worker, cfg);
  dl_worker_start (worker);
  while (!loop.ended || (recorder != NULL && dl_run_recorder_get_busy (recorder)))
    g_main_context_iteration (NULL, TRUE);
  if (store != NULL)
    {
      g_assert (dl_run_store_flush (store, NULL));
      if (thread_clock ("dl-run-store", &writer_clock))
        writer = clock_seconds (writer_clock);   /* the thread's whole life: it started with the store */
    }
  r.main_cpu = clock_seconds (CLOCK_THREAD_CPUTIME_ID) - main0;
  r.process_cpu = clock_seconds (CLOCK_PROCESS_CPUTIME_ID) - proc0;
  r.writer_cpu = writer;
  r.samples_per_second = (double) train_set->n * cfg->epochs / loop.elapsed;
  dl_worker_shutdown (worker);
  return r;
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

int
main (int argc, char **argv)
{
  const char *preset_name = "seed";
  int epochs = 3, pairs = 5, eval_every = 0;
  const char *dir_arg = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr (DlDataset) train_set = NULL;
  g_autoptr (DlDataset) test_set = NULL;
  g_autoptr (GError) error = NULL;
  const DlPreset *preset;
  DlTrainConfig cfg;
  double *ratios, *shares;

  dl_blas_init ();
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
      else
        dir_arg = argv[i];
    }
  preset = dl_preset_find (preset_name);
  g_assert (preset != NULL && epochs > 0 && pairs > 0);
  dir = dir_arg != NULL ? g_strdup (dir_arg) : dl_data_default_dir ();
  train_set = dl_dataset_load_dir (dir, TRUE, &error);
  test_set = train_set != NULL ? dl_dataset_load_dir (dir, FALSE, &error) : NULL;
  if (test_set == NULL)
    {
      fprintf (stderr, "bench-record: %s\n", error->message);
      return 1;
    }
  dl_train_config_from_preset (&cfg, preset);
  cfg.epochs = epochs;
  cfg.eval_every = eval_every;
  cfg.threads = dl_blas_default_threads ();
  tmp = g_dir_make_tmp ("bench-record-XXXXXX", NULL);
  ratios = g_new (double, pairs);
  shares = g_new (double, pairs);
  printf ("%s, %d epochs of %d images, eval_every %d, %d threads; ABBA pairs\n", preset_name, epochs, train_set->n,
          eval_every, cfg.threads);
  for (int i = 0; i < pairs; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/runs-%d.sqlite", tmp, i);
      Result rec, plain;

      if (i % 2 == 0)
        {
          rec = train (&cfg, train_set, test_set, path);
          plain = train (&cfg, train_set, test_set, NULL);
        }
      else
        {
          plain = train (&cfg, train_set, test_set, NULL);
          rec = train (&cfg, train_set, test_set, path);
        }
      ratios[i] = rec.samples_per_second / plain.samples_per_second;
      /* The recording's CPU: the main thread's extra work and the writer thread, of all the process used. */
      shares[i] = (MAX (rec.main_cpu - plain.main_cpu, 0) + rec.writer_cpu) / rec.process_cpu;
      printf ("pair %2d: recorded %8.0f samples/s, not %8.0f (ratio %.4f); recording CPU: main +%.3f s, writer "
              "%.3f s of %.2f s (%.2f %%)\n", i + 1, rec.samples_per_second, plain.samples_per_second, ratios[i],
              rec.main_cpu - plain.main_cpu, rec.writer_cpu, rec.process_cpu, 100 * shares[i]);
      fflush (stdout);
    }
  printf ("median throughput ratio %.4f (%+.2f %%); median recording share of CPU %.2f %%\n", median (ratios, pairs),
          100 * (median (ratios, pairs) - 1), 100 * median (shares, pairs));
  dl_train_config_clear (&cfg);
  g_free (ratios);
  g_free (shares);
  return 0;
}
