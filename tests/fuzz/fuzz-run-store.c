/* fuzz-run-store.c — the run store's file (DlRunStore), which `--store` lets anyone point at any file and
 * which other programs may have written. SQLite checks its own format; what is fuzzed is the store's
 * reading of the rows: every value of any type in any column, rows gone, foreign keys broken, the
 * schema version and application id changed.
 *
 * A valid store with one recorded run (batches, events, evaluations with their predictions, epochs, a
 * model and a checkpoint) is made once; each input is read as edits applied to a fresh copy of it through
 * SQLite itself, then the store is opened and everything in it read: each run, its series, events,
 * epochs, models and checkpoints (each checkpoint file loaded back), and the CSV export. Every call
 * either works or fails with an error naming what is wrong; never a crash, an abort or a warning. An
 * empty input (no edit) must read back the whole run.
 */
#include "fuzz-checkpoint-common.h"
#include "dl-run-store.h"

#include <sqlite3.h>
#include <string.h>

#define SEED_BATCHES 40

static GBytes *seed;            /* the valid store file */
static char *store_path;        /* where each input's copy goes: its run's files stay beside it */
static GPtrArray *tables;       /* char *: the store's tables */
static GPtrArray *columns;      /* GStrv per table */

typedef struct {
  const guint8 *p;
  size_t        left;
} Input;

static guint
take (Input *in, guint n_bytes)
{
  guint v = 0;

  for (guint i = 0; i < n_bytes && in->left > 0; i++, in->p++, in->left--)
    v |= (guint) *in->p << (8 * i);
  return v;
}

static void
record_seed_run (DlRunStore *store)
{
  g_autoptr (DlCheckpoint) ckpt = fuzz_make_checkpoint ();
  g_autoptr (DlRun) run = dl_run_new (ckpt->config, "mlp", NULL);

  dl_run_set_state (run, DL_TRAIN_RUNNING);
  dl_run_store_add_run (store, run);
  DlRunBatch rows[SEED_BATCHES];
  for (int b = 0; b < SEED_BATCHES; b++)
    rows[b] = (DlRunBatch) { b + 1, (b + 1.0) / SEED_BATCHES, 2.3f / (b + 1), 0.05f };
  dl_run_store_add_batches (store, run, rows, SEED_BATCHES);
  dl_run_store_add_event (store, run, "hyper", 10, 0.25, TRUE, "lr 0.05 → 0.01");

  guint8 pred[20], probs[200];
  DlRunEval e = { .kind = DL_EVAL_EPOCH, .step = SEED_BATCHES, .x = 1.0, .n = 20, .correct = 2,
                  .loss = 1.5, .accuracy = 0.1 };
  for (int i = 0; i < 20; i++)
    pred[i] = (guint8) (i % 10), e.confusion[i % 10][i % 10]++;
  memset (probs, 25, sizeof probs);
  e.predicted = g_bytes_new_static (pred, sizeof pred);
  e.probs = g_bytes_new_static (probs, sizeof probs);
  dl_run_store_add_eval (store, run, &e);
  g_bytes_unref (e.predicted);
  g_bytes_unref (e.probs);
  DlRunEpoch epoch = { 0, SEED_BATCHES, 1.0, 0.5, 0.8, 0.4, 0.85, 1.25 };
  dl_run_store_add_epoch (store, run, &epoch);

  g_autofree char *model = g_build_filename (fuzz_scratch_dir (), "final.dlm", NULL);
  FUZZ_ASSERT (g_file_set_contents (model, "a model", -1, NULL));
  dl_run_store_add_model (store, run, "final", model, SEED_BATCHES);
  ckpt->step = SEED_BATCHES;
  ckpt->pos = 0;
  ckpt->epoch_end = TRUE;
  ckpt->epoch_correct = 0;
  dl_run_store_add_checkpoint (store, run, ckpt, DL_CHECKPOINT_RETENTION_DEFAULT);
  dl_run_set_state (run, DL_TRAIN_FINISHED);
  dl_run_store_update_run (store, run);
  FUZZ_ASSERT (dl_run_store_flush (store, NULL));
}

static void
list_schema (void)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;

  tables = g_ptr_array_new_with_free_func (g_free);
  columns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  FUZZ_ASSERT (sqlite3_open (store_path, &db) == SQLITE_OK);
  sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                      "ORDER BY name", -1, &st, NULL);
  while (sqlite3_step (st) == SQLITE_ROW)
    g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (st, 0)));
  sqlite3_finalize (st);
  for (guint t = 0; t < tables->len; t++)
    {
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      g_autofree char *sql = g_strdup_printf ("PRAGMA table_info(\"%s\")", (char *) tables->pdata[t]);

      sqlite3_prepare_v2 (db, sql, -1, &st, NULL);
      while (sqlite3_step (st) == SQLITE_ROW)
        g_strv_builder_add (b, (const char *) sqlite3_column_text (st, 1));
      sqlite3_finalize (st);
      g_ptr_array_add (columns, g_strv_builder_end (b));
    }
  sqlite3_close (db);
  FUZZ_ASSERT (tables->len >= 5);
}

/* The store, made once: its file kept in memory, its run's files left in place for every copy. */
static void
make_seed (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (fuzz_scratch_dir (), "store", NULL);

  store_path = g_build_filename (dir, "runs.sqlite", NULL);
  g_autoptr (DlRunStore) store = dl_run_store_open (store_path, &error);
  FUZZ_ASSERT (store != NULL);
  record_seed_run (store);
  dl_run_store_close (store);
  g_clear_object (&store);   /* the last connection: SQLite folds the write-ahead log into the file */

  g_autofree char *contents = NULL;
  gsize len = 0;
  FUZZ_ASSERT (g_file_get_contents (store_path, &contents, &len, NULL));
  seed = g_bytes_new_take (g_steal_pointer (&contents), len);
  list_schema ();
}

/* One value of any storage class, from the input. */
static void
bind_value (sqlite3_stmt *st, Input *in)
{
  static const gint64 ints[] = { 0, 1, -1, 2, 10, G_MAXINT32, G_MININT64, G_MAXINT64 };
  guint kind = take (in, 1) % 7;
  guint len = take (in, 1) % 48;
  double d;

  switch (kind)
    {
    case 0: sqlite3_bind_null (st, 1); break;
    case 1: sqlite3_bind_int64 (st, 1, ints[take (in, 1) % G_N_ELEMENTS (ints)]); break;
    case 2: sqlite3_bind_int64 (st, 1, (gint64) ((guint64) take (in, 4) << 32 | take (in, 4))); break;
    case 3:
      {
        guint64 bits = (guint64) take (in, 4) << 32 | take (in, 4);
        memcpy (&d, &bits, 8);
        sqlite3_bind_double (st, 1, d);
        break;
      }
    case 4: sqlite3_bind_text (st, 1, (const char *) in->p, (int) MIN (len, in->left), SQLITE_TRANSIENT); break;
    case 5: sqlite3_bind_blob (st, 1, in->p, (int) MIN (len, in->left), SQLITE_TRANSIENT); break;
    default: sqlite3_bind_zeroblob (st, 1, 1 << (len % 21)); break;
    }
  len = (guint) MIN (len, in->left);
  if (kind == 4 || kind == 5)
    in->p += len, in->left -= len;
}

static void
apply_edit (sqlite3 *db, Input *in)
{
  guint op = take (in, 1) % 8;
  guint t = take (in, 1) % tables->len;
  GStrv cols = columns->pdata[t];
  const char *table = tables->pdata[t];
  guint row = take (in, 1) % 16;
  g_autofree char *sql = NULL;
  sqlite3_stmt *st = NULL;

  if (op == 6)
    sql = g_strdup_printf ("DELETE FROM \"%s\" WHERE rowid = (SELECT rowid FROM \"%s\" ORDER BY rowid "
                           "LIMIT 1 OFFSET %u)", table, table, row);
  else if (op == 7)
    sql = g_strdup_printf ("PRAGMA %s = %d", row & 1 ? "user_version" : "application_id", (int) take (in, 1) - 1);
  else
    sql = g_strdup_printf ("UPDATE \"%s\" SET \"%s\" = ?1 WHERE rowid = (SELECT rowid FROM \"%s\" ORDER BY "
                           "rowid LIMIT 1 OFFSET %u)", table, cols[take (in, 1) % g_strv_length (cols)], table, row);
  if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) != SQLITE_OK)
    return;
  if (op < 6)
    bind_value (st, in);
  sqlite3_step (st);   /* a constraint may refuse the edit: then the next one goes on */
  sqlite3_finalize (st);
}

static void
write_edited_copy (const guint8 *data, size_t size)
{
  Input in = { data, size };
  sqlite3 *db = NULL;
  g_autofree char *wal = g_strconcat (store_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (store_path, "-shm", NULL);

  g_unlink (wal);
  g_unlink (shm);
  FUZZ_ASSERT (g_file_set_contents (store_path, g_bytes_get_data (seed, NULL), (gssize) g_bytes_get_size (seed), NULL));
  FUZZ_ASSERT (sqlite3_open (store_path, &db) == SQLITE_OK);
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  for (int i = 0; i < 64 && in.left > 0; i++)
    apply_edit (db, &in);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
}

#define CHECK_READ(call, error) \
  do { if (!(call)) { FUZZ_ASSERT ((error) != NULL && (error)->message[0] != '\0'); g_clear_error (&(error)); } } while (0)

/* Everything about one run the store can read; returns the batches read when all of it could be. */
static guint
read_run (DlRunStore *store, DlRun *run)
{
  GError *error = NULL;
  guint batches = 0;

  if (dl_run_store_load_run (store, run, &error))
    batches = dl_series_get_n_points (dl_run_get_series (run, DL_RUN_SERIES_LOSS));
  else
    CHECK_READ (FALSE, error);
  g_autoptr (GPtrArray) events = dl_run_store_list_events (store, run, &error);
  CHECK_READ (events != NULL, error);
  g_autoptr (GArray) epochs = dl_run_store_list_epochs (store, run, &error);
  CHECK_READ (epochs != NULL, error);
  g_autoptr (GPtrArray) models = dl_run_store_list_models (store, run, &error);
  CHECK_READ (models != NULL, error);
  g_autoptr (GPtrArray) ckpts = dl_run_store_list_checkpoints (store, run, &error);
  CHECK_READ (ckpts != NULL, error);
  for (guint i = 0; ckpts != NULL && i < ckpts->len; i++)
    {
      g_autoptr (DlCheckpoint) c = dl_run_store_load_checkpoint (store, ckpts->pdata[i], &error);
      CHECK_READ (c != NULL, error);
    }
  return batches;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;

  fuzz_init ();
  if (seed == NULL)
    make_seed ();
  write_edited_copy (data, size);

  g_autoptr (DlRunStore) store = dl_run_store_open (store_path, &error);
  if (store == NULL)
    {
      FUZZ_ASSERT (size > 0 && error != NULL && error->domain == DL_RUN_STORE_ERROR);
      g_error_free (error);
      return 0;
    }
  g_autoptr (GPtrArray) runs = dl_run_store_list_runs (store, TRUE, &error);
  CHECK_READ (runs != NULL, error);
  guint batches = 0;
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    batches += read_run (store, runs->pdata[i]);
  if (size == 0)
    FUZZ_ASSERT (runs != NULL && runs->len == 1 && batches == SEED_BATCHES);
  g_autoptr (GString) csv = g_string_new (NULL);
  if (runs != NULL)
    CHECK_READ (dl_run_store_export_csv (store, runs, csv, &error), error);
  dl_run_store_close (store);
  return 0;
}
