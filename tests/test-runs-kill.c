/* test-runs-kill.c — kill -9 at random moments of a recording training: after every kill the store passes
 * PRAGMA integrity_check, no run that had finished is lost or changed, a run that finished before the kill is
 * there whole, and the killed run is marked failed when the store is next opened. Prints how long before each
 * kill the killed run's last commit was (the metrics a kill loses).
 *
 * The first training runs to its end: it is a finished run the kills must not touch, and its duration D sets
 * the moments of the kills (uniform in 0.05 s … 1.2 D), so that on a busy machine too some trainings end
 * before their kill and most are cut off at some point of theirs.
 *
 *   test-runs-kill CLI-PATH [--kills N] [--seed S]     (default 4 kills, a random seed)
 *
 * It trains until N trainings were really cut off by their kill (those that end first count as finished
 * runs the later kills must not touch), at most 4 N + 1 trainings.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "dl-test-runs.h"

#define EPOCHS       "6"
#define N_TRAIN      4000
#define BATCH        64
#define STEPS        (6 * ((N_TRAIN + BATCH - 1) / BATCH))

static const char *cli_path;
static int kills = 4;
static guint32 seed;
static char *home, *train_set, *test_set;

/* A query on the file through a read-write connection (so it may recover the WAL a kill left). */
static char *
query_text (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *v = NULL;

  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  ck_assert_msg (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg (db));
  if (sqlite3_step (st) == SQLITE_ROW && sqlite3_column_text (st, 0) != NULL)
    v = g_strdup ((const char *) sqlite3_column_text (st, 0));
  sqlite3_finalize (st);
  sqlite3_close (db);
  return v;
}

/* What a finished run must keep: steps, batch rows, evaluations, the final model's checksum. */
static char *
fingerprint (const char *store, const char *uuid)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT r.state || ' ' || r.steps || ' ' || (SELECT count(*) FROM batch_metrics b WHERE b.run_id = r.id) || ' ' "
    "|| (SELECT count(*) FROM evaluations e WHERE e.run_id = r.id) || ' ' "
    "|| ifnull ((SELECT sha256 FROM models m WHERE m.run_id = r.id AND m.kind = 'final'), 'no model') "
    "FROM runs r WHERE r.uuid = '%s'", uuid);

  return query_text (store, sql);
}

static GPtrArray *
finished_uuids (const char *store)
{
  GPtrArray *uuids = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;

  ck_assert_int_eq (sqlite3_open_v2 (store, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  ck_assert_int_eq (sqlite3_prepare_v2 (db, "SELECT uuid FROM runs WHERE state = 'finished'", -1, &st, NULL), SQLITE_OK);
  while (sqlite3_step (st) == SQLITE_ROW)
    g_ptr_array_add (uuids, g_strdup ((const char *) sqlite3_column_text (st, 0)));
  sqlite3_finalize (st);
  sqlite3_close (db);
  return uuids;
}

static GPid
spawn_training (const char *store, const char *name)
{
  const char *argv[] = { cli_path, "train", "--train", train_set, "--test", test_set, "--arch",
                         "fc256-relu,fc128-relu,fc10,softmax", "--epochs", EPOCHS, "--batch", "64", "--store", store,
                         "--run-name", name, NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;

  ck_assert_msg (g_spawn_async (NULL, (char **) argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                NULL, NULL, &pid, &error), "%s", error ? error->message : "");
  return pid;
}

START_TEST (test_kill_at_random)
{
  g_autofree char *store = test_runs_store_path (home, "kill");
  g_autoptr (GHashTable) kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GRand *rand = g_rand_new_with_seed (seed);
  int n_finished = 0, n_killed = 0;
  gint64 duration = 0;

  printf ("kill -9 test: %d kills, seed %u\n", kills, seed);
  for (int i = 0; n_killed < kills && i <= 4 * kills; i++)
    {
      g_autofree char *name = g_strdup_printf ("kill %d", i);
      gint64 delay = i == 0 ? G_MAXINT64 : g_rand_int_range (rand, G_USEC_PER_SEC / 20, MAX (duration * 6 / 5, 100000));
      GPid pid = spawn_training (store, name);
      gint64 start = g_get_real_time (), killed_at = 0;
      int status;
      gboolean exited = FALSE;

      /* Sleep until the moment, unless the training ends before it. */
      while (g_get_real_time () - start < delay && !exited)
        {
          g_usleep (2000);
          exited = waitpid (pid, &status, WNOHANG) == pid;
        }
      if (!exited)
        {
          kill (pid, SIGKILL);
          killed_at = g_get_real_time ();
          ck_assert (waitpid (pid, &status, 0) == pid);
        }

      /* Never corrupt. */
      g_autofree char *check = query_text (store, "PRAGMA integrity_check");
      ck_assert_msg (g_strcmp0 (check, "ok") == 0, "iteration %d: integrity_check: %s", i, check);

      /* No finished run lost or changed. */
      GHashTableIter it;
      gpointer uuid, print;
      g_hash_table_iter_init (&it, kept);
      while (g_hash_table_iter_next (&it, &uuid, &print))
        {
          g_autofree char *now = fingerprint (store, uuid);
          ck_assert_msg (g_strcmp0 (now, print) == 0, "iteration %d: finished run %s was '%s', now '%s'", i,
                         (char *) uuid, (char *) print, now);
        }

      g_autofree char *sql = g_strdup_printf ("SELECT uuid FROM runs WHERE name = '%s'", name);
      g_autofree char *uuid_i = query_text (store, sql);
      if (i == 0)
        duration = g_get_real_time () - start;
      if (exited)
        {
          /* Finished before the kill: whole. */
          g_autofree char *expect = g_strdup_printf ("finished %d %d", STEPS, STEPS);
          g_autofree char *print_i = NULL;
          ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "iteration %d: training failed", i);
          ck_assert_msg (uuid_i != NULL, "iteration %d: the finished run is not in the store", i);
          print_i = fingerprint (store, uuid_i);
          ck_assert_msg (g_str_has_prefix (print_i, expect) && strstr (print_i, "no model") == NULL,
                         "iteration %d: '%s'", i, print_i);
          n_finished++;
          if (i == 0)
            printf ("  %2d: not killed: finished in %.2f s\n", i, duration / 1e6);
          else
            printf ("  %2d: finished before the kill at %.2f s\n", i, delay / 1e6);
        }
      else
        {
          g_autofree char *heartbeat = NULL;
          n_killed++;
          if (uuid_i != NULL)
            {
              g_autofree char *hsql = g_strdup_printf ("SELECT heartbeat_at FROM runs WHERE uuid = '%s'", uuid_i);
              heartbeat = query_text (store, hsql);
            }
          if (heartbeat != NULL)
            printf ("  %2d: killed at %.2f s; its last commit %.2f s before the kill\n", i, delay / 1e6,
                    (killed_at - g_ascii_strtoll (heartbeat, NULL, 10)) / 1e6);
          else
            printf ("  %2d: killed at %.2f s, before its first commit\n", i, delay / 1e6);
        }

      /* Opening the store marks a run cut off as failed; the finished ones stay as they were. */
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (DlRunStore) s = dl_run_store_open (store, &error);
        ck_assert_msg (s != NULL, "iteration %d: %s", i, error ? error->message : "");
        dl_run_store_close (s);
      }
      if (uuid_i != NULL && !exited)
        {
          g_autofree char *ssql = g_strdup_printf ("SELECT state FROM runs WHERE uuid = '%s'", uuid_i);
          g_autofree char *state = query_text (store, ssql);
          ck_assert_msg (g_strcmp0 (state, "running") != 0, "iteration %d: a killed run still 'running'", i);
        }
      g_autoptr (GPtrArray) done = finished_uuids (store);
      for (guint k = 0; k < done->len; k++)
        if (!g_hash_table_contains (kept, done->pdata[k]))
          g_hash_table_insert (kept, g_strdup (done->pdata[k]), fingerprint (store, done->pdata[k]));
    }
  printf ("kill -9 test: %d killed, %d finished (one of them never killed); integrity_check ok after each, "
          "%u finished runs kept\n", n_killed, n_finished, g_hash_table_size (kept));
  ck_assert_msg (n_killed == kills, "only %d of %d trainings were cut off", n_killed, kills);
  g_rand_free (rand);
}
END_TEST

static void
write_sets (void)
{
  g_autoptr (DlDataset) train = test_runs_blocks (N_TRAIN, 1);
  g_autoptr (DlDataset) test = test_runs_blocks (500, 2);
  g_autofree char *ti = g_build_filename (home, "train-images", NULL);
  g_autofree char *tl = g_build_filename (home, "train-labels", NULL);
  g_autofree char *ei = g_build_filename (home, "test-images", NULL);
  g_autofree char *el = g_build_filename (home, "test-labels", NULL);

  g_assert (dl_dataset_save_idx (train, ti, tl, NULL));
  g_assert (dl_dataset_save_idx (test, ei, el, NULL));
  train_set = g_strdup_printf ("%s,%s", ti, tl);
  test_set = g_strdup_printf ("%s,%s", ei, el);
}

int
main (int argc, char **argv)
{
  int failed;

  if (argc < 2)
    {
      g_printerr ("usage: %s CLI-PATH [--kills N] [--seed S]\n", argv[0]);
      return 2;
    }
  cli_path = argv[1];
  seed = g_random_int ();
  for (int i = 2; i + 1 < argc; i += 2)
    {
      if (g_str_equal (argv[i], "--kills"))
        kills = atoi (argv[i + 1]);
      else if (g_str_equal (argv[i], "--seed"))
        seed = (guint32) g_ascii_strtoull (argv[i + 1], NULL, 10);
    }
  home = test_runs_private_home ();
  write_sets ();
  Suite *s = suite_create ("runs-kill");
  TCase *tc = tcase_create ("kill");
  tcase_set_timeout (tc, 120 + kills * 4 * 30);
  tcase_add_test (tc, test_kill_at_random);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
