/* dl-test-train.h — briefly trained nets on real MNIST for the core suites that need a net that reads
 * digits (attributions, neighbours, "not a digit"): a preset's architecture and optimiser, a fixed
 * learning rate, no augmentation, on the first n training images. Header-only; check. */
#pragma once

#include <check.h>

#include "dl-arch.h"
#include "dl-data.h"
#include "dl-net.h"
#include "dl-rng.h"

/* MNIST from the cache, or NULL (the caller skips) when it is not there. */
static inline DlDataset *
dl_test_load_mnist (gboolean train)
{
  g_autofree char *dir = dl_data_default_dir ();
  g_autoptr (GError) error = NULL;
  DlDataset *ds = dl_dataset_load_dir (dir, train, &error);
  if (ds == NULL)
    g_test_message ("no MNIST in %s: %s", dir, error->message);
  return ds;
}

/* `epochs` shuffled epochs of the first n images of `train` with preset `name`'s architecture, batch and
 * hyperparameters (its base learning rate throughout), on `threads` threads. */
static inline DlNet *
dl_test_train_preset (const char *name, const DlDataset *train, int n, int epochs, int threads, guint64 seed)
{
  const DlPreset *p = dl_preset_find (name);
  ck_assert_msg (p != NULL, "no preset %s", name);
  DlArch arch;
  ck_assert (dl_arch_parse (p->arch, &arch, NULL));
  DlNet *net = dl_net_new (&arch, seed);
  dl_net_set_threads (net, threads);
  n = MIN (n, train->n);
  g_autofree int *order = g_new (int, n);
  g_autofree float *x = g_new (float, (gsize) p->batch * train->rows * train->cols);
  g_autofree guint8 *y = g_new (guint8, p->batch);
  DlRng rng;
  dl_rng_seed (&rng, seed);
  for (int i = 0; i < n; i++)
    order[i] = i;
  for (int e = 0; e < epochs; e++)
    {
      dl_rng_shuffle (&rng, order, n);
      for (int i0 = 0; i0 + p->batch <= n; i0 += p->batch)
        {
          dl_dataset_gather (train, order + i0, p->batch, x);
          for (int r = 0; r < p->batch; r++)
            y[r] = train->labels[order[i0 + r]];
          dl_net_train_step (net, x, y, p->batch, &p->hyper, NULL);
        }
    }
  return net;
}

/* Images idx[0 … n) of ds as floats (n × 784), newly allocated. */
static inline float *
dl_test_images (const DlDataset *ds, int first, int n)
{
  float *x = g_new (float, (gsize) n * ds->rows * ds->cols);
  g_autofree int *idx = g_new (int, n);
  for (int i = 0; i < n; i++)
    idx[i] = first + i;
  dl_dataset_gather (ds, idx, n, x);
  return x;
}
