/* dl-test-net.h — nets and batches for the core's test suites (check): a net from an --arch spec that must
 * parse, and a seeded batch of random images and labels. Header-only: each test program is one file. */
#pragma once

#include <check.h>

#include "dl-arch.h"
#include "dl-net.h"
#include "dl-rng.h"

#define DL_TEST_IN 784  /* pixels of an image */

static inline DlNet *
dl_test_make_net (const char *spec, guint64 seed)
{
  DlArch arch;
  g_autoptr (GError) error = NULL;
  gboolean ok = dl_arch_parse (spec, &arch, &error);
  ck_assert_msg (ok, "%s: %s", spec, error ? error->message : "");
  return dl_net_new (&arch, seed);
}

/* B random images with pixels uniform in [0, 1], and labels, from a seed. */
static inline void
dl_test_make_batch (int B, guint64 seed, float *x, guint8 *y)
{
  DlRng rng;
  dl_rng_seed (&rng, seed);
  for (int i = 0; i < B * DL_TEST_IN; i++)
    x[i] = (float) dl_rng_uniform (&rng);
  for (int i = 0; i < B; i++)
    y[i] = (guint8) dl_rng_below (&rng, 10);
}
