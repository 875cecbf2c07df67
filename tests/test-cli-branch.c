/* test-cli-branch.c — `digitlab-cli train --from RUN[@STEP]` and `lr-find --from`, spawned as a user runs
 * them on a store the CLI recorded: a branch with the parent's recipe and thread count goes on with exactly
 * the parent's batch losses (bit for bit, as the export writes them) and is recorded as its child at the
 * checkpoint's step; a change of rate shows from the step after; the finder sweeps a copy and records
 * nothing; bad runs, steps and recipes are refused with what was wrong.
 *
 *   test-cli-branch CLI-PATH
 */
#include <check.h>
#include <stdlib.h>

#include "dl-test-cli.h"
#include "dl-test-runs.h"

#define ARCH "fc16-relu,fc10,softmax"
#define STEPS_PER_EPOCH (400 / 16)

static char *home;
static char *train_csv, *test_csv;

/* A 3-epoch run (checkpoints at the end of each epoch: steps 25, 50, 75) in a new store; its number. */
static char *
parent_run (const char *store)
{
  /* The recipe pinned (mlp's before 2026-12-01): the checkpoints' sweep below runs all its 100 steps. */
  g_auto (Result) r = run_cli ("train", "--train", train_csv, "--test", test_csv, "--arch", ARCH, "--batch", "16",
                               "--epochs", "3", "--lr", "0.05", "--schedule", "cosine", "--no-augment", "--threads", "1",
                               "--store", store, "--run-name", "parent", "--json", NULL);
  g_autoptr (JsonNode) root = NULL;

  ck_assert_msg (r.status == 0, "train: status %d\n%s", r.status, r.err);
  root = parse_json (r.out);
  return g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (json_node_get_object (root), "run"));
}

/* `train --from FROM [extra…]` recorded in store: its JSON result. */
static JsonNode *
branch (const char *store, const char *from, const char *extra, const char *value)
{
  g_auto (Result) r = run_cli ("train", "--from", from, "--store", store, "--json", extra, value, NULL);

  ck_assert_msg (r.status == 0, "train --from %s: status %d\n%s", from, r.status, r.err);
  ck_assert_msg (strstr (r.err, "branching from run") != NULL, "%s", r.err);
  return parse_json (r.out);
}

/* step → loss as `runs export` writes it (the shortest text that reads back as the same float). */
static GHashTable *
losses (const char *store, gint64 run)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run);
  g_auto (Result) r = run_cli ("runs", "export", id, "--store", store, NULL);
  g_auto (GStrv) lines = NULL;
  GHashTable *by_step = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  ck_assert_msg (r.status == 0, "%s", r.err);
  lines = g_strsplit (r.out, "\n", -1);
  for (int i = 1; lines[i] != NULL && *lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);   /* run,uuid,name,metric,step,x,value,text */

      ck_assert_uint_ge (g_strv_length (f), 7);
      if (g_str_equal (f[3], "loss"))
        g_hash_table_insert (by_step, g_memdup2 (&(gint64) { g_ascii_strtoll (f[4], NULL, 10) }, sizeof (gint64)),
                             g_strdup (f[6]));
    }
  return by_step;
}

static const char *
loss_at (GHashTable *t, gint64 step)
{
  const char *v = g_hash_table_lookup (t, &step);

  ck_assert_msg (v != NULL, "no loss at step %" G_GINT64_FORMAT, step);
  return v;
}

static JsonObject *
show (const char *store, gint64 run, JsonNode **root)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run);
  g_auto (Result) r = run_cli ("runs", "show", id, "--store", store, "--json", NULL);

  ck_assert_msg (r.status == 0, "%s", r.err);
  *root = parse_json (r.out);
  return json_node_get_object (*root);
}

START_TEST (test_branch_reproduces_parent)
{
  g_autofree char *store = test_runs_store_path (home, "branch");
  g_autofree char *parent = parent_run (store);
  g_autofree char *from = g_strdup_printf ("%s@%d", parent, STEPS_PER_EPOCH + 5);
  g_autoptr (JsonNode) result = branch (store, from, NULL, NULL);
  JsonObject *o = json_node_get_object (result), *src = json_object_get_object_member (o, "from");
  gint64 child = json_object_get_int_member (o, "run");
  g_autoptr (JsonNode) parent_root = NULL, child_root = NULL;
  JsonObject *p = show (store, g_ascii_strtoll (parent, NULL, 10), &parent_root);
  JsonObject *c = show (store, child, &child_root);
  g_autoptr (GHashTable) pl = losses (store, g_ascii_strtoll (parent, NULL, 10));
  g_autoptr (GHashTable) cl = losses (store, child);

  /* The latest checkpoint at or before step 30: the end of epoch 1. */
  ck_assert_int_eq (json_object_get_int_member (src, "step"), STEPS_PER_EPOCH);
  ck_assert_str_eq (json_object_get_string_member (src, "uuid"), json_object_get_string_member (p, "uuid"));
  ck_assert_str_eq (json_object_get_string_member (c, "parent_uuid"), json_object_get_string_member (p, "uuid"));
  ck_assert_int_eq (json_object_get_int_member (c, "parent_step"), STEPS_PER_EPOCH);
  ck_assert (json_node_is_null (json_object_get_member (p, "parent_uuid")));
  /* The checkpoint it came from is kept whatever the retention; the others of the parent are not pinned. */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT group_concat (step) FROM checkpoints JOIN runs ON runs.id = run_id "
                                            "WHERE pinned AND uuid = '%s'", json_object_get_string_member (p, "uuid"));

    g_autofree char *pinned = test_runs_query_text (store, sql);

    ck_assert_pstr_eq (pinned, "25");
  }
  /* The branch trains the parent's last two epochs, batch for batch the same losses. */
  ck_assert_uint_eq (g_hash_table_size (cl), 2 * STEPS_PER_EPOCH);
  for (gint64 step = STEPS_PER_EPOCH + 1; step <= 3 * STEPS_PER_EPOCH; step++)
    ck_assert_str_eq (loss_at (cl, step), loss_at (pl, step));
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (o, "epochs")), 2);
  ck_assert_str_eq (json_object_get_string_member (json_object_get_object_member (c, "config"), "lr"),
                    json_object_get_string_member (json_object_get_object_member (p, "config"), "lr"));
}
END_TEST

/* An override is the branch's recipe: a lower rate, the same first loss (it is taken before the first
 * update), different ones after; and more epochs than the parent planned. */
START_TEST (test_branch_with_overrides)
{
  g_autofree char *store = test_runs_store_path (home, "override");
  g_autofree char *parent = parent_run (store);
  g_autofree char *from = g_strdup_printf ("%s@%d", parent, 2 * STEPS_PER_EPOCH);
  g_autoptr (JsonNode) result = NULL;
  g_autoptr (JsonNode) child_root = NULL;
  g_autoptr (GHashTable) pl = losses (store, g_ascii_strtoll (parent, NULL, 10));
  g_autoptr (GHashTable) cl = NULL;
  gint64 child;
  JsonObject *c;

  {
    g_auto (Result) r = run_cli ("train", "--from", from, "--store", store, "--json", "--lr", "0.002", "--epochs", "4",
                                 NULL);

    ck_assert_msg (r.status == 0, "%s", r.err);
    result = parse_json (r.out);
  }
  child = json_object_get_int_member (json_node_get_object (result), "run");
  c = show (store, child, &child_root);
  cl = losses (store, child);
  ck_assert_int_eq (json_object_get_int_member (c, "parent_step"), 2 * STEPS_PER_EPOCH);
  ck_assert_str_eq (json_object_get_string_member (json_object_get_object_member (c, "config"), "lr"), "0.002");
  ck_assert_uint_eq (g_hash_table_size (cl), 2 * STEPS_PER_EPOCH);   /* epochs 3 and 4 */
  ck_assert_str_eq (loss_at (cl, 2 * STEPS_PER_EPOCH + 1), loss_at (pl, 2 * STEPS_PER_EPOCH + 1));
  ck_assert_str_ne (loss_at (cl, 2 * STEPS_PER_EPOCH + 2), loss_at (pl, 2 * STEPS_PER_EPOCH + 2));
}
END_TEST

/* lr-find --from sweeps a copy of the checkpoint: the result names it, and the store is unchanged. */
START_TEST (test_lr_find_from)
{
  g_autofree char *store = test_runs_store_path (home, "lr-find");
  g_autofree char *parent = parent_run (store);
  gint64 runs = test_runs_query_int (store, "SELECT count(*) FROM runs");
  gint64 batches = test_runs_query_int (store, "SELECT count(*) FROM batch_metrics");
  g_auto (Result) r = run_cli ("lr-find", "--from", parent, "--store", store, "--steps", "100", "--json", NULL);
  g_autoptr (JsonNode) root = NULL;
  JsonObject *o;

  ck_assert_msg (r.status == 0, "%s", r.err);
  root = parse_json (r.out);
  o = json_node_get_object (root);
  ck_assert_int_eq (json_object_get_int_member (json_object_get_object_member (o, "from"), "step"), 3 * STEPS_PER_EPOCH);
  ck_assert_int_eq (json_object_get_int_member (o, "steps"), 100);
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (o, "points")), 100);
  ck_assert_str_eq (json_object_get_string_member (o, "arch"), ARCH);
  ck_assert_int_eq (test_runs_query_int (store, "SELECT count(*) FROM runs"), runs);
  ck_assert_int_eq (test_runs_query_int (store, "SELECT count(*) FROM batch_metrics"), batches);
}
END_TEST

/* What is refused, with the status and the words that say why. */
START_TEST (test_bad_from)
{
  g_autofree char *store = test_runs_store_path (home, "bad");
  g_autofree char *parent = parent_run (store);
  g_autofree char *missing = g_build_filename (home, "none.sqlite", NULL);
  g_autofree char *past = g_strdup_printf ("%s@999", parent);
  g_autofree char *early = g_strdup_printf ("%s@10", parent);
  g_autofree char *bad_step = g_strdup_printf ("%s@ten", parent);
  struct { const char *from, *store, *extra, *value; int status; const char *says; } cases[] = {
    { "999", store, NULL, NULL, 1, "no run 999" },
    { "xyz", store, NULL, NULL, 1, "at least 4 characters" },
    { past, store, NULL, NULL, 1, "trained 75 steps; step 999 is past its end" },
    { early, store, NULL, NULL, 1, "no checkpoint at or before step 10" },
    { bad_step, store, NULL, NULL, 2, "expected RUN or RUN@STEP" },
    { "@5", store, NULL, NULL, 2, "expected RUN or RUN@STEP" },
    { parent, missing, NULL, NULL, 1, "no run history at" },
    /* The last checkpoint is the end of the run: nothing left to train in the 3 epochs planned. */
    { parent, store, "--epochs", "3", 2, "give more than 3" },
    { parent, store, "--arch", "fc32-relu,fc10,softmax", 2, "--arch cannot be given with --from" },
    { parent, store, "--seed", "5", 2, "--seed cannot be given with --from" },
    { parent, store, "--lr", "-1", 2, "--lr" },
    /* Another training set than the checkpoint's. */
    { parent, store, "--train", test_csv, 1, "not the training data of run" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Result) r = run_cli ("train", "--from", cases[i].from, "--store", cases[i].store, "--epochs", "4",
                                   cases[i].extra, cases[i].value, NULL);

      ck_assert_msg (r.status == cases[i].status, "--from %s %s: status %d\n%s", cases[i].from,
                     cases[i].extra ? cases[i].extra : "", r.status, r.err);
      ck_assert_msg (strstr (r.err, cases[i].says) != NULL, "--from %s: expected '%s' in:\n%s", cases[i].from,
                     cases[i].says, r.err);
    }
  {
    g_auto (Result) r = run_cli ("lr-find", "--from", past, "--store", store, NULL);

    ck_assert_int_eq (r.status, 1);
    ck_assert_msg (strstr (r.err, "past its end") != NULL, "%s", r.err);
  }
  ck_assert_int_eq (test_runs_query_int (store, "SELECT count(*) FROM runs"), 1);
}
END_TEST

static void
write_sets (void)
{
  g_autoptr (DlDataset) train = test_runs_blocks (400, 1);
  g_autoptr (DlDataset) test = test_runs_blocks (200, 2);
  g_autoptr (GError) error = NULL;

  train_csv = g_build_filename (home, "train.csv", NULL);
  test_csv = g_build_filename (home, "test.csv", NULL);
  g_assert (dl_dataset_save_csv (train, train_csv, &error));
  g_assert (dl_dataset_save_csv (test, test_csv, &error));
}

int
main (int argc, char **argv)
{
  Suite *s = suite_create ("cli-branch");
  struct { const char *name; const TTest *test; } cases[] = {
    { "reproduces-parent", test_branch_reproduces_parent },
    { "overrides", test_branch_with_overrides },
    { "lr-find-from", test_lr_find_from },
    { "bad-from", test_bad_from },
  };
  int failed;

  if (argc < 2)
    {
      g_printerr ("usage: %s CLI-PATH\n", argv[0]);
      return 2;
    }
  test_cli_path = argv[1];
  home = test_runs_private_home ();
  write_sets ();
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TCase *tc = tcase_create (cases[i].name);

      tcase_set_timeout (tc, 120);
      tcase_add_test (tc, cases[i].test);
      suite_add_tcase (s, tc);
    }
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
