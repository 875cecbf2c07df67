/* bench-checkpoint — what a checkpoint costs, per preset: taking one on the worker thread (copying the
 * parameters and the optimiser state: dl_checkpoint_new_from_net, what the trainer calls) against a
 * training step at the preset's batch on the preset's default threads, as a share of training time at one
 * checkpoint per 100 steps (the app's periodic evaluation); and writing and reading its file (the store's
 * writer thread, not the worker's). Random images: no data needed. Prints figures, never fails.
 *
 *   build/bench/bench-checkpoint [--preset NAME] [--every N]
 */
#include <stdio.h>
#include <glib/gstdio.h>

#include "dl-blas.h"
#include "dl-event-private.h"

#define STEPS 60
#define TAKES 40
#define HELD  4   /* checkpoints alive at once, as when the UI has not taken them in yet */

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, compare_double);
  return v[n / 2];
}

static void
random_batch (int B, guint64 seed, float *x, guint8 *y)
{
  DlRng rng;

  dl_rng_seed (&rng, seed);
  for (int i = 0; i < B * 784; i++)
    x[i] = (float) dl_rng_uniform (&rng);
  for (int i = 0; i < B; i++)
    y[i] = (guint8) dl_rng_below (&rng, 10);
}

static void
bench_preset (const DlPreset *p, int every, const char *dir)
{
  DlArch arch;
  g_autoptr (DlNet) net = NULL;
  g_autofree float *x = g_new (float, (gsize) p->batch * 784);
  g_autofree guint8 *y = g_new (guint8, p->batch);
  g_autofree char *path = g_build_filename (dir, "bench.ckpt", NULL);
  g_autofree char *sha = NULL;
  DlCheckpoint *held[HELD] = { NULL };
  double step_s[STEPS], take_s[TAKES], step, take, save, load;
  gint64 t0;
  GStatBuf st;

  g_assert (dl_arch_parse (p->arch, &arch, NULL));
  net = dl_net_new (&arch, 1);
  dl_net_set_threads (net, dl_blas_default_threads ());
  random_batch (p->batch, 1, x, y);
  for (int i = 0; i < 10; i++)   /* warm-up, and optimiser state in use */
    dl_net_train_step (net, x, y, p->batch, &p->hyper, NULL);
  for (int i = 0; i < STEPS; i++)
    {
      t0 = g_get_monotonic_time ();
      dl_net_train_step (net, x, y, p->batch, &p->hyper, NULL);
      step_s[i] = (g_get_monotonic_time () - t0) / 1e6;
    }
  for (int i = 0; i < TAKES; i++)
    {
      t0 = g_get_monotonic_time ();
      DlCheckpoint *c = dl_checkpoint_new_from_net (net);
      take_s[i] = (g_get_monotonic_time () - t0) / 1e6;
      dl_checkpoint_unref (held[i % HELD]);
      held[i % HELD] = c;
    }
  step = median (step_s, STEPS);
  take = median (take_s, TAKES);

  /* The file, from a checkpoint the way the worker fills it in. */
  DlCheckpoint *c = held[0];
  c->config = g_new0 (DlTrainConfig, 1);
  c->config->arch = g_strdup (p->arch);
  c->config->hyper = p->hyper;
  c->config->batch = p->batch;
  c->config->epochs = p->epochs;
  c->train_n = 60000;
  dl_rng_seed (&c->order_rng, 1);
  c->shuffle_rng = c->augment_rng = c->order_rng;
  t0 = g_get_monotonic_time ();
  g_assert (dl_checkpoint_save (c, path, &sha, NULL));
  save = (g_get_monotonic_time () - t0) / 1e6;
  g_assert (g_stat (path, &st) == 0);
  t0 = g_get_monotonic_time ();
  DlCheckpoint *back = dl_checkpoint_load (path, NULL);
  load = (g_get_monotonic_time () - t0) / 1e6;
  g_assert (back != NULL);
  dl_checkpoint_unref (back);
  g_unlink (path);
  for (int i = 0; i < HELD; i++)
    dl_checkpoint_unref (held[i]);

  printf ("%-10s %9zu params  take %7.3f ms  step %7.3f ms  one per %d steps: %5.2f %% of training  "
          "file %6.1f MB, save %6.1f ms, load %6.1f ms\n",
          p->name, dl_net_n_params (net), 1e3 * take, 1e3 * step, every, 100.0 * take / (every * step),
          st.st_size / 1e6, 1e3 * save, 1e3 * load);
}

int
main (int argc, char **argv)
{
  g_autofree char *preset = NULL;
  int every = 100;
  GOptionEntry entries[] = {
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "Only this preset", "NAME" },
    { "every", 0, 0, G_OPTION_ARG_INT, &every, "Steps per checkpoint (default 100)", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- what a checkpoint costs");
  g_autofree char *dir = NULL;

  dl_blas_init ();
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, NULL) || every < 1)
    return 2;
  dir = g_dir_make_tmp ("bench-checkpoint-XXXXXX", NULL);
  printf ("%s, %d threads\n", dl_blas_describe (), dl_blas_default_threads ());
  for (const DlPreset *const *p = dl_presets (); *p; p++)
    if (preset == NULL || g_str_equal (preset, (*p)->name))
      bench_preset (*p, every, dir);
  g_rmdir (dir);
  return 0;
}
