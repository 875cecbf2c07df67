/* dl-test-runs.h — what the runs tests share: a private data directory, generated data sets, a run with a
 * full history, comparing two runs, and looking into a store's file with plain SQLite. */
#pragma once

#include <check.h>
#include <math.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "dl-rng.h"
#include "dl-run-store.h"

/* A fresh temporary directory as XDG_DATA_HOME, XDG_CACHE_HOME and XDG_CONFIG_HOME (never the user's store);
 * call first in main, before anything asks GLib for those directories. */
G_GNUC_UNUSED static char *
test_runs_private_home (void)
{
  char *dir = g_dir_make_tmp ("dl-runs-XXXXXX", NULL);
  const char *names[] = { "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME" };

  g_assert (dir != NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *sub = g_build_filename (dir, names[i], NULL);

      g_mkdir_with_parents (sub, 0700);
      g_setenv (names[i], sub, TRUE);
    }
  return dir;
}

/* A new path for a store in `dir`. */
G_GNUC_UNUSED static char *
test_runs_store_path (const char *dir, const char *name)
{
  return g_strdup_printf ("%s/%s-%u.sqlite", dir, name, g_random_int ());
}

/* Each class a bright block in its own place, on noise (as test-worker.c makes them). */
G_GNUC_UNUSED static DlDataset *
test_runs_blocks (int n, guint64 seed)
{
  DlDataset *ds = dl_dataset_new (n, 28, 28);
  DlRng rng;

  dl_rng_seed (&rng, seed);
  for (int i = 0; i < n; i++)
    {
      guint8 *img = ds->pixels + (gsize) i * 28 * 28;
      int k = i % DL_N_CLASSES;
      int r0 = 3 + (k / 5) * 12 + (int) dl_rng_below (&rng, 3);
      int c0 = 1 + (k % 5) * 5 + (int) dl_rng_below (&rng, 2);

      for (int p = 0; p < 28 * 28; p++)
        img[p] = (guint8) dl_rng_below (&rng, 60);
      for (int r = r0; r < r0 + 6; r++)
        for (int c = c0; c < c0 + 4; c++)
          img[r * 28 + c] = 200 + (guint8) dl_rng_below (&rng, 56);
      ds->labels[i] = (guint8) k;
    }
  dl_dataset_recount (ds);
  return ds;
}

G_GNUC_UNUSED static void
test_runs_config (DlTrainConfig *cfg, const char *arch, int batch, int epochs)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->arch = g_strdup (arch);
  dl_hyper_init_default (&cfg->hyper);
  cfg->hyper.optimizer = DL_OPT_MOMENTUM;
  cfg->hyper.momentum = 0.9f;
  cfg->hyper.lr = 0.05f;
  cfg->batch = batch;
  cfg->epochs = epochs;
  cfg->seed = 7;
  cfg->schedule = DL_SCHEDULE_COSINE;
  cfg->eval_every = 5;
  cfg->threads = 1;
}

/* The single integer a query on the file gives (a fresh connection, so it sees every commit). */
G_GNUC_UNUSED static gint64
test_runs_query_int (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 v = -1;

  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  ck_assert_msg (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg (db));
  if (sqlite3_step (st) == SQLITE_ROW)
    v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return v;
}

G_GNUC_UNUSED static char *
test_runs_query_text (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *v = NULL;

  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  ck_assert_msg (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg (db));
  if (sqlite3_step (st) == SQLITE_ROW && sqlite3_column_text (st, 0) != NULL)
    v = g_strdup ((const char *) sqlite3_column_text (st, 0));
  sqlite3_finalize (st);
  sqlite3_close (db);
  return v;
}

/* ---- comparing runs ---- */

G_GNUC_UNUSED static gboolean
test_runs_same_number (double a, double b)
{
  return (isnan (a) && isnan (b)) || a == b;
}

G_GNUC_UNUSED static void
test_runs_assert_series_equal (DlSeries *a, DlSeries *b, const char *what)
{
  guint n = dl_series_get_n_points (a);

  ck_assert_msg (dl_series_get_n_points (b) == n, "%s: %u points, expected %u", what, dl_series_get_n_points (b), n);
  for (guint i = 0; i < n; i++)
    {
      ck_assert_msg (dl_series_get_x (a, i) == dl_series_get_x (b, i), "%s: x[%u] %.17g, expected %.17g", what, i,
                     dl_series_get_x (b, i), dl_series_get_x (a, i));
      ck_assert_msg (test_runs_same_number (dl_series_get_y (a, i), dl_series_get_y (b, i)),
                     "%s: y[%u] %.17g, expected %.17g", what, i, dl_series_get_y (b, i), dl_series_get_y (a, i));
    }
}

G_GNUC_UNUSED static gboolean
test_runs_bytes_equal (GBytes *a, GBytes *b)
{
  return (a == NULL && b == NULL) || (a != NULL && b != NULL && g_bytes_equal (a, b));
}

/* Everything a run keeps, except what the store adds (its number) and "loaded". */
G_GNUC_UNUSED static void
test_runs_assert_runs_equal (DlRun *a, DlRun *b)
{
  const DlTrainConfig *ca = dl_run_get_config (a), *cb = dl_run_get_config (b);

  ck_assert_str_eq (dl_run_get_uuid (a), dl_run_get_uuid (b));
  ck_assert_str_eq (dl_run_get_name (a), dl_run_get_name (b));
  ck_assert_str_eq (dl_run_get_notes (a), dl_run_get_notes (b));
  ck_assert_str_eq (dl_run_get_arch (a), dl_run_get_arch (b));
  ck_assert_pstr_eq (dl_run_get_preset (a), dl_run_get_preset (b));
  ck_assert_pstr_eq (dl_run_get_program (a), dl_run_get_program (b));
  ck_assert_pstr_eq (dl_run_get_origin_model_path (a), dl_run_get_origin_model_path (b));
  ck_assert_pstr_eq (dl_run_get_origin_model_sha256 (a), dl_run_get_origin_model_sha256 (b));
  ck_assert_int_eq (dl_run_get_created_at (a), dl_run_get_created_at (b));
  ck_assert (ca->seed == cb->seed && ca->batch == cb->batch && ca->epochs == cb->epochs);
  ck_assert (memcmp (&ca->hyper, &cb->hyper, sizeof ca->hyper) == 0);
  ck_assert (ca->schedule == cb->schedule && ca->schedule_gamma == cb->schedule_gamma
             && ca->schedule_step == cb->schedule_step && ca->augment == cb->augment
             && ca->eval_every == cb->eval_every && ca->threads == cb->threads);
  ck_assert (dl_run_data_equal (dl_run_get_data (a), dl_run_get_data (b)));
  ck_assert_int_eq (dl_run_get_state (a), dl_run_get_state (b));
  ck_assert_int_eq (dl_run_get_started_at (a), dl_run_get_started_at (b));
  ck_assert_int_eq (dl_run_get_ended_at (a), dl_run_get_ended_at (b));
  ck_assert (dl_run_get_train_seconds (a) == dl_run_get_train_seconds (b));
  ck_assert_int_eq (dl_run_get_steps (a), dl_run_get_steps (b));
  ck_assert (dl_run_get_epochs_done (a) == dl_run_get_epochs_done (b));
  ck_assert (test_runs_same_number (dl_run_get_best_test_accuracy (a), dl_run_get_best_test_accuracy (b)));
  ck_assert_int_eq (dl_run_get_best_epoch (a), dl_run_get_best_epoch (b));
  ck_assert (test_runs_same_number (dl_run_get_final_test_accuracy (a), dl_run_get_final_test_accuracy (b)));
  ck_assert_pstr_eq (dl_run_get_final_model_path (a), dl_run_get_final_model_path (b));

  for (int k = 0; k < DL_RUN_N_SERIES; k++)
    test_runs_assert_series_equal (dl_run_get_series (a, k), dl_run_get_series (b, k), dl_run_series_key (k));

  ck_assert_uint_eq (dl_run_get_n_markers (a), dl_run_get_n_markers (b));
  for (guint i = 0; i < dl_run_get_n_markers (a); i++)
    {
      const DlRunMarker *ma = dl_run_get_marker (a, i), *mb = dl_run_get_marker (b, i);

      ck_assert (ma->step == mb->step && ma->x == mb->x);
      ck_assert_str_eq (ma->text, mb->text);
    }
  ck_assert_uint_eq (dl_run_get_n_evals (a), dl_run_get_n_evals (b));
  for (guint i = 0; i < dl_run_get_n_evals (a); i++)
    {
      const DlRunEval *ea = dl_run_get_eval (a, i), *eb = dl_run_get_eval (b, i);

      ck_assert (ea->kind == eb->kind && ea->step == eb->step && ea->x == eb->x && ea->epoch == eb->epoch);
      ck_assert (ea->n == eb->n && ea->correct == eb->correct);
      ck_assert (test_runs_same_number (ea->loss, eb->loss) && test_runs_same_number (ea->accuracy, eb->accuracy));
      ck_assert (memcmp (ea->confusion, eb->confusion, sizeof ea->confusion) == 0);
      ck_assert (test_runs_bytes_equal (ea->predicted, eb->predicted));
      ck_assert (test_runs_bytes_equal (ea->probs, eb->probs));
    }
}

/* Runs the default main context until `*flag` or `seconds` pass; returns *flag. */
G_GNUC_UNUSED static gboolean
test_runs_wait_flag (gboolean *flag, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  return *flag;
}
