/* test-runs-checkpoints.c — a recorded run's checkpoints in the store: each a file in the run's directory
 * with its size and SHA-256, thinned by the retention (every end of epoch and the latest others; the files
 * of the rest gone), read back whole and checked against the recorded checksum; a run branched from one
 * recorded with its parent and step, that checkpoint kept whatever the retention; a branch the worker
 * refuses leaves nothing pending.
 */
#include <check.h>

#include "dl-test-runs.h"
#include "dl-model.h"
#include "dl-run-recorder.h"

#define ARCH      "fc32-relu,fc10,softmax"
#define N_TRAIN   640
#define N_TEST    200
#define BATCH     32      /* 20 steps an epoch; a checkpoint every 5 */
#define RETAIN    2

static char *home;

typedef struct {
  char          *path;
  DlWorker      *worker;
  DlRunStore    *store;
  DlRunRecorder *recorder;
  gint           pause_every;   /* atomic: the observer pauses the worker after every such step (0: never) */
} Fixture;

static Fixture F;

static void
observe (const DlStepInfo *info, gpointer data)
{
  Fixture *f = data;

  gint every = g_atomic_int_get (&f->pause_every);

  if (every > 0 && info->step % every == 1)
    dl_worker_pause (f->worker);
}

static void
setup (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) train = test_runs_blocks (N_TRAIN, 1);
  g_autoptr (DlDataset) test = test_runs_blocks (N_TEST, 2);

  memset (&F, 0, sizeof F);
  F.path = test_runs_store_path (home, "checkpoints");
  F.store = dl_run_store_open (F.path, &error);
  ck_assert_msg (F.store != NULL, "%s", error ? error->message : "");
  F.worker = dl_worker_new ();
  F.recorder = dl_run_recorder_new (F.worker, F.store);
  g_object_set (F.recorder, "checkpoint-retention", RETAIN, NULL);
  dl_worker_set_step_observer (F.worker, observe, &F);
  dl_worker_set_data (F.worker, train, test);
}

static void
teardown (void)
{
  g_clear_object (&F.recorder);
  dl_worker_shutdown (F.worker);
  g_clear_object (&F.worker);
  g_clear_object (&F.store);
  g_free (F.path);
}

static void
wait_until (gboolean (*done) (gpointer), gpointer data, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!done (data))
    {
      ck_assert_msg (g_get_monotonic_time () < deadline, "timed out waiting for %s", what);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static gboolean
in_state (gpointer data)
{
  DlRun *run = dl_run_recorder_get_run (F.recorder);

  return run != NULL && dl_run_get_state (run) == (DlTrainState) GPOINTER_TO_INT (data);
}

static gboolean
settled (gpointer data)
{
  return !dl_run_recorder_get_busy (F.recorder);
}

static void
flush (void)
{
  g_autoptr (GError) error = NULL;

  ck_assert_msg (dl_run_store_flush (F.store, &error), "%s", error ? error->message : "");
}

/* A recorded run of `epochs`; with pauses (every 5 steps, a flush each time, so that its checkpoints are
 * written in transactions of their own and the retention has some to drop), to the end. */
static DlRun *
record_run (int epochs, gboolean pauses)
{
  g_auto (DlTrainConfig) cfg = { 0 };
  g_autoptr (DlRunData) data = dl_run_data_new (NULL, NULL, N_TRAIN, N_TEST);
  g_autoptr (GError) error = NULL;
  DlRunSpec spec = { .preset = "tiny", .data = data, .program = "test-runs-checkpoints" };
  gint64 resumed_at = 0;
  DlRun *run;

  test_runs_config (&cfg, ARCH, BATCH, epochs);
  spec.config = &cfg;
  ck_assert_msg (dl_run_recorder_begin (F.recorder, &spec, &error), "%s", error ? error->message : "");
  wait_until (in_state, GINT_TO_POINTER (DL_TRAIN_READY), "the run");
  run = dl_run_recorder_get_run (F.recorder);
  g_atomic_int_set (&F.pause_every, pauses ? 5 : 0);
  dl_worker_start (F.worker);
  while (!in_state (GINT_TO_POINTER (DL_TRAIN_FINISHED)))
    {
      /* Each pause once: the next may come before this loop sees the run running again. */
      if (in_state (GINT_TO_POINTER (DL_TRAIN_PAUSED)) && dl_run_get_steps (run) > resumed_at)
        {
          resumed_at = dl_run_get_steps (run);
          flush ();
          dl_worker_resume (F.worker);
        }
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_atomic_int_set (&F.pause_every, 0);
  wait_until (settled, NULL, "the final model");
  flush ();
  return run;
}

static gboolean
is_file (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* Every end of epoch, the latest RETAIN others, nothing else in the run's directory than their files and
 * the final model; each file's size and SHA-256 as recorded. */
START_TEST (test_retention_and_files)
{
  DlRun *run = record_run (3, TRUE);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = dl_run_store_dup_run_dir (F.store, run);
  g_autoptr (GDir) d = NULL;
  guint ends = 0, others = 0, files = 0;
  gint64 last_other = 0;
  const char *name;

  list = dl_run_store_list_checkpoints (F.store, run, &error);
  ck_assert_msg (list != NULL, "%s", error ? error->message : "");
  for (guint i = 0; i < list->len; i++)
    {
      const DlRunCheckpoint *c = g_ptr_array_index (list, i);
      g_autofree char *sha = NULL;
      gint64 size = 0;

      ck_assert (i == 0 || c->step > ((DlRunCheckpoint *) g_ptr_array_index (list, i - 1))->step);
      ck_assert (!c->pinned);
      if (c->epoch_end)
        {
          ck_assert_int_eq (c->step, (gint64) (ends + 1) * N_TRAIN / BATCH);
          ck_assert_int_eq (c->epoch, ends + 1);
          ck_assert (c->x == ends + 1);
          ends++;
        }
      else
        {
          ck_assert_int_eq (c->step % 5, 0);
          last_other = c->step;
          others++;
        }
      ck_assert_msg (is_file (c->path), "no file %s", c->path);
      ck_assert (g_str_has_prefix (c->path, dir));
      sha = dl_run_data_checksum_file (c->path, &size, &error);
      ck_assert_str_eq (sha, c->sha256);
      ck_assert_int_eq (size, c->size);
    }
  ck_assert_uint_eq (ends, 3);
  ck_assert_uint_eq (others, RETAIN);
  ck_assert_int_eq (last_other, 55);   /* the last periodic one, in the last epoch */
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    files += g_str_has_prefix (name, "checkpoint-");
  ck_assert_uint_eq (files, list->len);
}
END_TEST

static gboolean
has_new_run (gpointer data)
{
  return dl_run_recorder_get_run (F.recorder) != data;
}

/* The latest checkpoint at or before a step, read back whole and checked; a branch from it is the parent's
 * child at that step, and the checkpoint stays whatever the retention; a file altered since is refused. */
START_TEST (test_branch_from_the_store)
{
  DlRun *parent = record_run (3, FALSE);
  g_autoptr (DlRunCheckpoint) at = NULL;
  g_autoptr (DlCheckpoint) ckpt = NULL;
  g_autoptr (DlTrainConfig) more = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *sql = NULL, *contents = NULL;
  DlRun *child;
  gsize len;

  ck_assert_ptr_null (dl_run_store_find_checkpoint (F.store, parent, 3, &error));
  ck_assert (g_error_matches (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND));
  g_clear_error (&error);
  at = dl_run_store_find_checkpoint (F.store, parent, 47, &error);
  ck_assert_msg (at != NULL, "%s", error ? error->message : "");
  ck_assert_int_le (at->step, 47);
  ck_assert_int_ge (at->step, 40);
  ckpt = dl_run_store_load_checkpoint (F.store, at, &error);
  ck_assert_msg (ckpt != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (ckpt->step, at->step);
  ck_assert_int_eq (ckpt->epoch, at->epoch);

  more = dl_train_config_copy (ckpt->config);
  more->epochs = 4;
  g_object_ref (parent);
  dl_worker_branch (F.worker, ckpt, more);
  wait_until (has_new_run, parent, "the branch");
  child = dl_run_recorder_get_run (F.recorder);
  ck_assert_str_eq (dl_run_get_parent_uuid (child), dl_run_get_uuid (parent));
  ck_assert_int_eq (dl_run_get_parent_step (child), at->step);
  ck_assert (dl_run_data_equal (dl_run_get_data (child), dl_run_get_data (parent)));
  dl_worker_start (F.worker);
  wait_until (in_state, GINT_TO_POINTER (DL_TRAIN_FINISHED), "the branch's end");
  wait_until (settled, NULL, "the branch's final model");
  flush ();
  sql = g_strdup_printf ("SELECT pinned FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE r.uuid = '%s' "
                         "AND c.step = %" G_GINT64_FORMAT, dl_run_get_uuid (parent), at->step);
  ck_assert_int_eq (test_runs_query_int (F.path, sql), 1);
  g_free (sql);
  sql = g_strdup_printf ("SELECT r.parent_step FROM runs r JOIN runs p ON p.id = r.parent_run_id "
                         "WHERE r.uuid = '%s' AND p.uuid = '%s'", dl_run_get_uuid (child), dl_run_get_uuid (parent));
  ck_assert_int_eq (test_runs_query_int (F.path, sql), at->step);
  ck_assert_int_gt (dl_run_get_steps (child), 0);

  /* Altered after it was recorded: refused. */
  ck_assert (g_file_get_contents (at->path, &contents, &len, NULL));
  contents[len / 2] ^= 1;
  ck_assert (g_file_set_contents (at->path, contents, len, NULL));
  ck_assert_ptr_null (dl_run_store_load_checkpoint (F.store, at, &error));
  ck_assert (g_error_matches (error, DL_MODEL_ERROR, DL_MODEL_ERROR_CHECKSUM));
  g_object_unref (parent);
}
END_TEST

static void
on_begin_failed (DlRunRecorder *recorder, const GError *error, GError **out)
{
  g_clear_error (out);
  *out = g_error_copy (error);
}

static gboolean
run_stored (gpointer run)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM runs WHERE uuid = '%s'", dl_run_get_uuid (run));

  flush ();
  return test_runs_query_int (F.path, sql) == 1;
}

/* A branch the worker refuses (here: no epochs left after its checkpoint) leaves no run pending: the
 * recorder says so ("begin-failed") and is not busy, the parent stays current, and the next run records. */
START_TEST (test_refused_branch)
{
  DlRun *parent = record_run (3, FALSE);
  g_autoptr (DlRunCheckpoint) at = dl_run_store_find_checkpoint (F.store, parent, 47, NULL);
  g_autoptr (DlCheckpoint) ckpt = at != NULL ? dl_run_store_load_checkpoint (F.store, at, NULL) : NULL;
  g_autoptr (DlTrainConfig) none_left = NULL;
  g_autoptr (GError) error = NULL, failed = NULL;
  DlRunSpec spec = { .program = "test-runs-checkpoints", .parent = parent };
  DlRun *next;

  ck_assert_ptr_nonnull (ckpt);
  none_left = dl_train_config_copy (ckpt->config);
  none_left->epochs = ckpt->epoch;
  spec.config = none_left;
  spec.checkpoint = ckpt;
  g_signal_connect (F.recorder, "begin-failed", G_CALLBACK (on_begin_failed), &failed);
  g_object_ref (parent);
  ck_assert_msg (dl_run_recorder_begin (F.recorder, &spec, &error), "%s", error ? error->message : "");
  wait_until (settled, NULL, "the recorder to give the refused branch up");
  ck_assert_ptr_nonnull (failed);
  ck_assert (g_error_matches (failed, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID));
  ck_assert_ptr_eq (dl_run_recorder_get_run (F.recorder), parent);

  next = record_run (1, FALSE);
  ck_assert_ptr_ne (next, parent);
  ck_assert_ptr_null (dl_run_get_parent_uuid (next));
  ck_assert_str_eq (dl_run_get_preset (next), "tiny");
  wait_until (run_stored, next, "the next run in the store");
  g_signal_handlers_disconnect_by_data (F.recorder, &failed);
  g_object_unref (parent);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("runs-checkpoints");
  const struct { const char *name; const TTest *test; } cases[] = {
    { "retention", test_retention_and_files },
    { "branch", test_branch_from_the_store },
    { "refused-branch", test_refused_branch },
  };
  SRunner *sr;
  int failed;

  home = test_runs_private_home ();
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TCase *tc = tcase_create (cases[i].name);

      tcase_set_timeout (tc, 120);
      tcase_add_checked_fixture (tc, setup, teardown);
      tcase_add_test (tc, cases[i].test);
      suite_add_tcase (s, tc);
    }
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
