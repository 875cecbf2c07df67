/* test-tune.c — dl-tune: every configuration it may choose trains the presets' networks to what the
 * default computes, up to rounding; the cache is used when valid and measured again when missing,
 * unparseable, tampered with, foreign or holding a value this machine cannot run; progress reaches the
 * callback and a FALSE from it stops the measuring. In suite 'worker' too, so that the team sizes run
 * under ThreadSanitizer; there (argument "threads") only what runs on several threads: the candidates
 * with a team, and searches on a team of 2 — the 1-thread candidates and the cache's checks have nothing
 * for it to see, and took most of its time (285 s on the loaded 2-core machine). Speed is never asserted:
 * only what was chosen and why. */
#include <check.h>
#include <math.h>
#include <string.h>
#include <zlib.h>
#include <glib/gstdio.h>

#include "dl-test-net.h"
#include "dl-tune.h"

/* ---- every candidate computes what the default computes ----
 * Every value of every choice dl-tune makes: team sizes 1 … the cores (up to 3) × split × each conv
 * layer's algorithm (one layer at a time) on the linked BLAS kernel, and each other kernel on every team
 * size. */

/* The presets' layer shapes at a small batch (still below the wide layers' unit counts, so that the
 * split by units is among the choices). */
static const char *const arches[] = {
  "fc256-relu,fc128-relu,fc10,softmax",
  "fc30-tanh,fc10-tanh,mse",
  "conv6x5p2-relu,pool2,conv16x5-relu,pool2,fc120-relu,fc84-relu,fc10,softmax",
  "conv16x3p1-relu,pool2,conv32x3p1-relu,pool2,conv64x3p1-relu,pool2,dropout0.25,fc256-relu,dropout0.5,fc10,softmax",
};
#define B 24
#define STEPS 3

/* Under ThreadSanitizer: the candidates with a team only, a conv algorithm only with the default split
 * (which changes the dense layers alone), and two steps (the second with the optimiser's state). */
static gboolean threads_only;

typedef struct {
  float loss[STEPS];
  int   correct[STEPS];
  float *params;
} Run;

static int
n_steps (void)
{
  return threads_only ? 2 : STEPS;
}

static void
train (const char *spec, const DlNetConfig *config, Run *run)
{
  DlHyper h = { .lr = 0.05f, .momentum = 0.9f, .weight_decay = 1e-4f, .optimizer = DL_OPT_MOMENTUM,
                .reduce = DL_REDUCE_MEAN };
  g_autoptr (DlNet) net = dl_test_make_net (spec, 3);
  float x[B * DL_TEST_IN];
  guint8 y[B];

  dl_net_set_config (net, config);
  for (int s = 0; s < n_steps (); s++)
    {
      dl_test_make_batch (B, 40 + s, x, y);
      run->loss[s] = dl_net_train_step (net, x, y, B, &h, &run->correct[s]);
    }
  run->params = g_memdup2 (dl_net_params (net), sizeof (float) * dl_net_n_params (net));
}

START_TEST (every_candidate_agrees)
{
  const char *spec = arches[_i];
  DlArch arch;
  ck_assert (dl_arch_parse (spec, &arch, NULL));
  g_autoptr (GArray) space = dl_tune_space (&arch, B, 1, MIN (3, (int) g_get_num_processors ()));
  g_autoptr (DlNet) shape = dl_test_make_net (spec, 3);
  gsize n = dl_net_n_params (shape);
  DlNetConfig reference;
  Run ref;

  dl_net_config_init (&reference);
  train (spec, &reference, &ref);
  /* Threads 1 … the cores (up to 3), and for the conv nets every algorithm per layer. */
  ck_assert_uint_ge (space->len, 2);
  for (guint c = 0; c < space->len; c++)
    {
      const DlNetConfig *config = &g_array_index (space, DlNetConfig, c);
      g_autofree char *label = dl_tune_describe_config (&arch, B, config);
      Run run;
      /* The choices do not interact in what they compute: each other kernel on every team size (its calls
       * from several threads at once) with im2col, the rest on the linked one; each conv layer's algorithms
       * with the other layers on im2col (every value of every choice, not their whole product). */
      int other_convs = 0;
      for (int i = 0; i < arch.n_layers; i++)
        other_convs += config->conv[i] != reference.conv[i];
      if (other_convs > 1 || (!config->blas->linked && (config->split != reference.split || other_convs > 0))
          || (threads_only && (config->threads < 2 || (other_convs > 0 && config->split != reference.split))))
        continue;
      train (spec, config, &run);
      for (int s = 0; s < n_steps (); s++)
        {
          ck_assert_msg (fabsf (run.loss[s] - ref.loss[s]) <= 1e-5f * fmaxf (1.0f, fabsf (ref.loss[s])),
                         "%s, %s, step %d: loss %.8g, default %.8g", spec, label, s, run.loss[s], ref.loss[s]);
          ck_assert_int_eq (run.correct[s], ref.correct[s]);
        }
      for (gsize i = 0; i < n; i++)
        ck_assert_msg (fabsf (run.params[i] - ref.params[i]) <= 1e-5f * fmaxf (1.0f, fabsf (ref.params[i])),
                       "%s, %s: parameter %zu is %.9g, default %.9g", spec, label, (size_t) i, run.params[i],
                       ref.params[i]);
      g_free (run.params);
    }
  g_free (ref.params);
}
END_TEST

/* ---- the cache ---- */

/* Small enough that a whole search takes well under a second, even under ThreadSanitizer; the budgets below
 * are only a bound, far above it, so that what the tests see does not depend on the machine's speed. */
static const char *small = "conv2x3-relu,pool2,fc10,softmax";

static DlTuneResult *
tune (DlTuneFlags flags)
{
  DlArch arch;
  DlHyper h = { .lr = 0.05f, .momentum = 0.9f, .optimizer = DL_OPT_MOMENTUM, .reduce = DL_REDUCE_MEAN };
  ck_assert (dl_arch_parse (small, &arch, NULL));
  /* Cached even if the test machine is busy (the choice itself is not what is tested). */
  return dl_tune (&arch, &h, 16, 1, 2, 20.0, flags | DL_TUNE_STORE_NOISY | DL_TUNE_IGNORE_SESSION, NULL, NULL);
}

static void
write_cache (const char *text)
{
  g_autofree char *path = dl_tune_cache_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  ck_assert_int_eq (g_mkdir_with_parents (dir, 0700), 0);
  ck_assert (g_file_set_contents (path, text, -1, NULL));
}

static GKeyFile *
read_cache (void)
{
  g_autofree char *path = dl_tune_cache_path ();
  GKeyFile *kf = g_key_file_new ();
  ck_assert (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL));
  return kf;
}

/* Rewrites field `name` of the one entry to `value`, and — unless `keep_checksum` — its checksum as the
 * format defines it (CRC-32 of key, machine, version, kernel, threads, split, conv, step_us, one a line),
 * the way an entry measured elsewhere and copied here would look. */
static void
edit_entry (const char *name, const char *value, gboolean keep_checksum)
{
  g_autoptr (GKeyFile) kf = read_cache ();
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  const char *g = groups[0];
  ck_assert_ptr_nonnull (g);
  g_key_file_set_string (kf, g, name, value);
  if (!keep_checksum)
    {
      const char *fields[] = { "machine", "version", "kernel", "threads", "split", "conv", "step_us" };
      GString *text = g_string_new (g);
      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        {
          g_autofree char *v = g_key_file_get_string (kf, g, fields[i], NULL);
          g_string_append_printf (text, "\n%s", v);
        }
      g_autofree char *sum = g_strdup_printf ("%08lx", crc32 (0, (const Bytef *) text->str, (uInt) text->len));
      g_key_file_set_string (kf, g, "checksum", sum);
      g_string_free (text, TRUE);
    }
  g_autofree char *data = g_key_file_to_data (kf, NULL, NULL);
  write_cache (data);
}

static void
clear_cache (void)
{
  g_autofree char *path = dl_tune_cache_path ();
  g_remove (path);
}

/* Measured, stored, then used; a forced re-measure ignores it. */
START_TEST (cache_round_trip)
{
  clear_cache ();
  g_autoptr (DlTuneResult) first = tune (0);
  ck_assert_int_eq (first->cache, DL_TUNE_CACHE_MISSING);
  ck_assert_uint_ge (first->candidates->len, 2);
  ck_assert (first->step_seconds > 0);

  g_autoptr (DlTuneResult) second = tune (0);
  ck_assert_int_eq (second->cache, DL_TUNE_CACHE_HIT);
  ck_assert_uint_eq (second->candidates->len, 0);
  ck_assert_int_eq (second->config.threads, first->config.threads);
  ck_assert_int_eq (second->config.split, first->config.split);
  ck_assert_ptr_eq (second->config.blas, first->config.blas);
  ck_assert_mem_eq (second->config.conv, first->config.conv, sizeof first->config.conv);
  ck_assert_str_eq (second->key, first->key);

  g_autoptr (DlTuneResult) third = tune (DL_TUNE_REMEASURE);
  ck_assert_int_eq (third->cache, DL_TUNE_CACHE_IGNORED);
  ck_assert_uint_ge (third->candidates->len, 2);
}
END_TEST

/* Each kind of bad entry is measured again (and replaced by a good one, used next time). */
static void
expect_remeasured (DlTuneCache why, const char *detail_part)
{
  g_autoptr (DlTuneResult) r = tune (0);
  ck_assert_int_eq (r->cache, why);
  ck_assert_uint_ge (r->candidates->len, 2);
  if (detail_part)
    ck_assert_msg (r->cache_detail && strstr (r->cache_detail, detail_part), "detail: %s", r->cache_detail);
  g_autofree char *words = dl_tune_describe_cache (r);
  ck_assert_ptr_nonnull (strstr (words, "measured"));
  g_autoptr (DlTuneResult) again = tune (0);
  ck_assert_int_eq (again->cache, DL_TUNE_CACHE_HIT);
}

START_TEST (cache_never_trusted_blindly)
{
  clear_cache ();
  g_autoptr (DlTuneResult) seed = tune (0);

  /* Not a key file at all. */
  write_cache ("\x01\x02 this is not [an ini file\n=\n");
  expect_remeasured (DL_TUNE_CACHE_CORRUPT, NULL);
  /* A field edited by hand: the checksum no longer holds. */
  edit_entry ("threads", "1", TRUE);
  edit_entry ("step_us", "0.001", TRUE);
  expect_remeasured (DL_TUNE_CACHE_CORRUPT, "checksum");
  /* Consistent, but measured on another machine. */
  edit_entry ("machine", "AMD EPYC 7R13 Processor (family 25, model 1), 2 cores, OpenBLAS 0.3.21", FALSE);
  expect_remeasured (DL_TUNE_CACHE_FOREIGN, "AMD EPYC");
  /* Consistent, but by a tuner that knew other candidates. */
  edit_entry ("version", "999", FALSE);
  expect_remeasured (DL_TUNE_CACHE_FOREIGN, "version 999");
  /* Consistent, but choices this machine cannot make. */
  edit_entry ("threads", "99", FALSE);
  expect_remeasured (DL_TUNE_CACHE_CORRUPT, "threads 99");
  edit_entry ("kernel", "NoSuchCore", FALSE);
  expect_remeasured (DL_TUNE_CACHE_CORRUPT, "NoSuchCore");
  edit_entry ("conv", "winograd", FALSE);
  expect_remeasured (DL_TUNE_CACHE_CORRUPT, "winograd");
  edit_entry ("conv", "direct,direct", FALSE);
  expect_remeasured (DL_TUNE_CACHE_CORRUPT, NULL);
  edit_entry ("split", "diagonal", FALSE);
  expect_remeasured (DL_TUNE_CACHE_CORRUPT, "diagonal");
  edit_entry ("threads", "two", FALSE);
  expect_remeasured (DL_TUNE_CACHE_CORRUPT, NULL);
}
END_TEST

/* Other networks' entries survive a new one. */
START_TEST (cache_keeps_other_entries)
{
  clear_cache ();
  write_cache ("[some other network]\nmachine=elsewhere\n");
  g_autoptr (DlTuneResult) r = tune (0);
  ck_assert_int_eq (r->cache, DL_TUNE_CACHE_MISSING);
  g_autoptr (GKeyFile) kf = read_cache ();
  ck_assert (g_key_file_has_group (kf, "some other network"));
  ck_assert (g_key_file_has_group (kf, r->key));
}
END_TEST

/* ---- progress and stopping ---- */

typedef struct {
  int    calls;
  double last;
  int    stop_after;
} Progress;

static gboolean
on_progress (double fraction, const char *what, gpointer data)
{
  Progress *p = data;
  ck_assert (fraction >= p->last && fraction <= 1.0);
  ck_assert (what && *what);
  p->last = fraction;
  return ++p->calls != p->stop_after;
}

START_TEST (progress_and_stop)
{
  DlArch arch;
  DlHyper h = { .lr = 0.05f, .momentum = 0.9f, .optimizer = DL_OPT_MOMENTUM, .reduce = DL_REDUCE_MEAN };
  Progress all = { 0 }, stop = { .stop_after = 1 };
  ck_assert (dl_arch_parse (small, &arch, NULL));

  clear_cache ();
  g_autoptr (DlTuneResult) r = dl_tune (&arch, &h, 16, 1, 2, 20.0, DL_TUNE_NO_STORE, on_progress, &all);
  ck_assert_int_ge (all.calls, 2);
  ck_assert (all.last == 1.0);
  ck_assert (!r->cancelled);

  g_autoptr (DlTuneResult) s = dl_tune (&arch, &h, 16, 1, 2, 20.0, DL_TUNE_IGNORE_SESSION, on_progress, &stop);
  ck_assert_int_eq (stop.calls, 1);
  ck_assert (s->cancelled);
  /* Stopped: nothing cached, but still a configuration to run. */
  ck_assert_int_ge (s->config.threads, 1);
  g_autoptr (DlTuneResult) after = tune (0);
  ck_assert_int_eq (after->cache, DL_TUNE_CACHE_MISSING);
}
END_TEST

/* A network measured once is not measured again by the same process, even when the cache could not
 * keep it. */
START_TEST (session_remembers)
{
  DlArch arch;
  DlHyper h = { .lr = 0.05f, .optimizer = DL_OPT_SGD, .reduce = DL_REDUCE_MEAN };
  ck_assert (dl_arch_parse (small, &arch, NULL));
  clear_cache ();
  g_autoptr (DlTuneResult) a = dl_tune (&arch, &h, 8, 1, 2, 20.0, DL_TUNE_NO_STORE, NULL, NULL);
  g_autoptr (DlTuneResult) b = dl_tune (&arch, &h, 8, 1, 2, 20.0, DL_TUNE_NO_STORE, NULL, NULL);
  ck_assert_int_ne (a->cache, DL_TUNE_CACHE_SESSION);
  ck_assert_int_eq (b->cache, DL_TUNE_CACHE_SESSION);
  ck_assert_uint_eq (b->candidates->len, 0);
  ck_assert_int_eq (b->config.threads, a->config.threads);
  ck_assert_ptr_eq (b->config.blas, a->config.blas);
}
END_TEST

/* A fixed team size is kept: only the other choices are measured. */
START_TEST (fixed_threads_kept)
{
  DlArch arch;
  DlHyper h = { .lr = 0.05f, .optimizer = DL_OPT_SGD, .reduce = DL_REDUCE_MEAN };
  ck_assert (dl_arch_parse (small, &arch, NULL));
  g_autoptr (DlTuneResult) r = dl_tune (&arch, &h, 16, 2, 2, 20.0, DL_TUNE_NO_STORE, NULL, NULL);
  ck_assert_int_eq (r->config.threads, 2);
  for (guint i = 0; i < r->candidates->len; i++)
    ck_assert_int_eq (((DlTuneCandidate *) g_ptr_array_index (r->candidates, i))->config.threads, 2);
}
END_TEST

static Suite *
tune_suite (void)
{
  Suite *s = suite_create ("tune");
  TCase *t = tcase_create ("candidates");
  tcase_set_timeout (t, 120);
  tcase_add_loop_test (t, every_candidate_agrees, 0, G_N_ELEMENTS (arches));
  suite_add_tcase (s, t);
  t = tcase_create ("cache");
  tcase_set_timeout (t, 120);
  if (!threads_only)
    {
      tcase_add_test (t, cache_round_trip);
      tcase_add_test (t, cache_never_trusted_blindly);
      tcase_add_test (t, cache_keeps_other_entries);
      tcase_add_test (t, session_remembers);
    }
  tcase_add_test (t, progress_and_stop);
  tcase_add_test (t, fixed_threads_kept);
  suite_add_tcase (s, t);
  return s;
}

int
main (int argc, char **argv)
{
  threads_only = argc > 1 && g_str_equal (argv[1], "threads");
  /* Never the user's cache: a fresh one for this run (before GLib first reads XDG_CACHE_HOME). */
  g_autofree char *dir = g_dir_make_tmp ("test-tune-XXXXXX", NULL);
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  SRunner *sr = srunner_create (tune_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  g_autofree char *path = dl_tune_cache_path ();
  g_autofree char *sub = g_path_get_dirname (path);
  g_remove (path);
  g_rmdir (sub);
  g_rmdir (dir);
  return failed ? 1 : 0;
}
