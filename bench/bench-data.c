/* bench-data.c — prints how long the data side takes on real MNIST: loading the IDX files, parsing
 * the same training set as seed-format CSV, augmenting an epoch, gathering an epoch, and the sanity
 * report. Wall and CPU time, best of three; nothing here is a pass/fail test.
 *
 * Usage: bench-data [MNIST-DIR]   (default: dl_data_default_dir ())
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <time.h>

#include "dl-augment.h"
#include "dl-data.h"
#include "dl-sanity.h"

typedef struct { double wall_ms, cpu_ms; } Timing;

static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define BEST_OF(result, body)                                                       \
  do {                                                                              \
    (result) = (Timing) { G_MAXDOUBLE, G_MAXDOUBLE };                               \
    for (int rep_ = 0; rep_ < 3; rep_++)                                            \
      {                                                                             \
        double c0_ = cpu_ms ();                                                     \
        gint64 w0_ = g_get_monotonic_time ();                                       \
        body;                                                                       \
        (result).wall_ms = MIN ((result).wall_ms, (g_get_monotonic_time () - w0_) / 1e3); \
        (result).cpu_ms = MIN ((result).cpu_ms, cpu_ms () - c0_);                   \
      }                                                                             \
  } while (0)

static void
report (const char *what, Timing t, const char *extra)
{
  printf ("%-44s %8.1f ms wall %8.1f ms cpu  %s\n", what, t.wall_ms, t.cpu_ms, extra ? extra : "");
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = argc > 1 ? g_strdup (argv[1]) : dl_data_default_dir ();
  g_autoptr (GError) error = NULL;
  DlDataset *train = NULL, *test = NULL;
  Timing t;

  BEST_OF (t, {
    g_clear_pointer (&train, dl_dataset_unref);
    g_clear_pointer (&test, dl_dataset_unref);
    train = dl_dataset_load_dir (dir, TRUE, &error);
    test = train ? dl_dataset_load_dir (dir, FALSE, &error) : NULL;
    if (test == NULL)
      {
        fprintf (stderr, "bench-data: %s\n", error->message);
        return 1;
      }
  });
  report ("load 70000 images (IDX, train + test)", t, NULL);

  g_autofree char *tmp = g_dir_make_tmp ("bench-data-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (tmp, "train.csv", NULL);
  if (!dl_dataset_save_csv (train, csv, &error))
    {
      fprintf (stderr, "bench-data: %s\n", error->message);
      return 1;
    }
  BEST_OF (t, {
    g_autoptr (DlDataset) from_csv = dl_dataset_load_csv (csv, &error);
    g_assert (from_csv != NULL && from_csv->n == train->n);
  });
  g_autofree char *mb = g_strdup_printf ("(%.0f MB/s)", 109575994 / 1e3 / t.wall_ms);
  report ("load 60000 images (CSV, 110 MB)", t, mb);
  g_unlink (csv);
  g_rmdir (tmp);

  const int batch = 100, n = train->n;
  g_autofree int *idx = g_new (int, batch);
  g_autofree float *out = g_new (float, (gsize) batch * train->rows * train->cols);
  DlRng rng;
  dl_rng_seed (&rng, 1);
  BEST_OF (t, {
    for (int b = 0; b + batch <= n; b += batch)
      {
        for (int i = 0; i < batch; i++)
          idx[i] = b + i;
        dl_dataset_gather (train, idx, batch, out);
      }
  });
  report ("gather an epoch (60000 images to float)", t, NULL);
  /* The resampling rows this CPU runs (AVX2 where it has it), then the scalar ones they replace. */
  for (int scalar = 0; scalar < 2; scalar++)
    {
      g_assert (dl_augment_force_isa (scalar ? "scalar" : NULL));
      BEST_OF (t, {
        for (int b = 0; b + batch <= n; b += batch)
          {
            for (int i = 0; i < batch; i++)
              idx[i] = b + i;
            dl_augment_gather (train, idx, batch, out, &rng);
          }
      });
      g_autofree char *per = g_strdup_printf ("(%.2f µs per image)", t.cpu_ms * 1e3 / n);
      report (scalar ? "augment an epoch, scalar rows" : "augment an epoch (60000 images)", t, per);
    }
  g_assert (dl_augment_force_isa (NULL));
  /* Elastic distortion too (cnn-large's recipe), one thread; a net's team splits it (dl_net_gather). */
  DlAugmentOptions elastic;
  dl_augment_options_init (&elastic, DL_AUGMENT_AFFINE | DL_AUGMENT_ELASTIC);
  BEST_OF (t, {
    for (int b = 0; b + batch <= n; b += batch)
      {
        for (int i = 0; i < batch; i++)
          idx[i] = b + i;
        dl_augment_batch (&elastic, train, idx, batch, &rng, out);
      }
  });
  g_autofree char *per_elastic = g_strdup_printf ("(%.2f µs per image)", t.cpu_ms * 1e3 / n);
  report ("augment an epoch, affine + elastic", t, per_elastic);

  BEST_OF (t, {
    g_autoptr (DlSanityReport) r = dl_sanity_check (train, test);
    g_assert (r->findings->len > 0);
  });
  report ("sanity report (train + test)", t, NULL);

  dl_dataset_unref (train);
  dl_dataset_unref (test);
  return 0;
}
