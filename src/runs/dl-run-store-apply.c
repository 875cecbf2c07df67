/* dl-run-store-apply.c — each operation of the store's writer thread as SQL, inside the transaction the
 * writer runs (see dl-run-store-writer.c). Prepared statements are kept for the thread's lifetime; rows of
 * a run are written against its id, looked up by uuid once. */
#include "dl-run-store-private.h"

#include <math.h>

/* ---- SQL helpers ---- */

/* A prepared statement for `sql`, reset and unbound, kept for the thread's lifetime. */
sqlite3_stmt *
dl_store_writer_statement (DlStoreWriter *w, const char *sql, GError **error)
{
  sqlite3_stmt *st = g_hash_table_lookup (w->statements, sql);
  int rc;

  if (st != NULL)
    {
      sqlite3_reset (st);
      sqlite3_clear_bindings (st);
      return st;
    }
  rc = sqlite3_prepare_v3 (w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
  if (rc != SQLITE_OK)
    {
      dl_run_store_set_sqlite_error (error, w->path, w->db, rc, sql);
      return NULL;
    }
  g_hash_table_insert (w->statements, (gpointer) sql, st);
  return st;
}

static gboolean
step_done (DlStoreWriter *w, sqlite3_stmt *st, const char *what, GError **error)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  dl_run_store_set_sqlite_error (error, w->path, w->db, rc, what);
  return FALSE;
}

static void
bind_text (sqlite3_stmt *st, int i, const char *s)
{
  if (s != NULL)
    sqlite3_bind_text (st, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (st, i);
}

/* 0 is "not yet" for times: NULL in SQL. */
static void
bind_time (sqlite3_stmt *st, int i, gint64 t)
{
  if (t != 0)
    sqlite3_bind_int64 (st, i, t);
  else
    sqlite3_bind_null (st, i);
}

/* NaN and ±Inf (none, or a diverged loss) are NULL in SQL. */
static void
bind_number (sqlite3_stmt *st, int i, double v)
{
  if (isfinite (v))
    sqlite3_bind_double (st, i, v);
  else
    sqlite3_bind_null (st, i);
}

static void
bind_blob (sqlite3_stmt *st, int i, GBytes *b)
{
  gsize n;
  const void *p = b != NULL ? g_bytes_get_data (b, &n) : NULL;

  if (p != NULL)
    sqlite3_bind_blob64 (st, i, p, n, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (st, i);
}

/* The id of the run with this uuid, from the cache or the table; 0 when the store has no such run. */
static gint64
run_id (DlStoreWriter *w, const char *uuid, GError **error)
{
  gint64 *cached = uuid != NULL ? g_hash_table_lookup (w->ids, uuid) : NULL;
  sqlite3_stmt *st;
  gint64 id = 0;

  if (uuid == NULL)
    return 0;
  if (cached != NULL)
    return *cached;
  st = dl_store_writer_statement (w, "SELECT id FROM runs WHERE uuid = ?1", error);
  if (st == NULL)
    return -1;
  bind_text (st, 1, uuid);
  switch (sqlite3_step (st))
    {
    case SQLITE_ROW:
      id = sqlite3_column_int64 (st, 0);
      g_hash_table_insert (w->ids, g_strdup (uuid), g_memdup2 (&id, sizeof id));
      return id;
    case SQLITE_DONE:
      return 0;
    default:
      dl_run_store_set_sqlite_error (error, w->path, w->db, sqlite3_errcode (w->db), "looking up a run");
      return -1;
    }
}

/* ---- applying each operation inside the transaction ---- */

static gboolean
insert_config (DlStoreWriter *w, gint64 id, const DlTrainConfig *config, GError **error)
{
  g_autoptr (GPtrArray) pairs = dl_run_config_to_pairs (config);

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      sqlite3_stmt *st = dl_store_writer_statement (w, "INSERT OR REPLACE INTO run_config (run_id, key, value) VALUES (?1, ?2, ?3)",
                                    error);

      if (st == NULL)
        return FALSE;
      sqlite3_bind_int64 (st, 1, id);
      bind_text (st, 2, g_ptr_array_index (pairs, i));
      bind_text (st, 3, g_ptr_array_index (pairs, i + 1));
      if (!step_done (w, st, "saving a run's configuration", error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
insert_data (DlStoreWriter *w, gint64 id, const DlRunData *data, GError **error)
{
  for (guint i = 0; data != NULL && i < data->files->len; i++)
    {
      const DlRunDataFile *f = g_ptr_array_index (data->files, i);
      sqlite3_stmt *st = dl_store_writer_statement (w, "INSERT OR REPLACE INTO data_files (run_id, dataset, kind, path, size, sha256) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);

      if (st == NULL)
        return FALSE;
      sqlite3_bind_int64 (st, 1, id);
      bind_text (st, 2, f->set);
      bind_text (st, 3, f->kind);
      bind_text (st, 4, f->path);
      sqlite3_bind_int64 (st, 5, f->size);
      bind_text (st, 6, f->sha256);
      if (!step_done (w, st, "saving a run's data files", error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_run (DlStoreWriter *w, DlStoreOp *op, GError **error)
{
  const DlRunRow *r = op->row;
  gint64 parent, id = run_id (w, r->uuid, error);
  sqlite3_stmt *st;

  if (id != 0)
    return id > 0;   /* already stored */
  parent = run_id (w, r->parent_uuid, error);
  if (parent < 0)
    return FALSE;
  st = dl_store_writer_statement (w, "INSERT INTO runs (uuid, name, notes, preset, arch, seed, program, host, pid, created_at, "
                     "heartbeat_at, state, train_source, test_source, n_train, n_test, origin_model_path, "
                     "origin_model_sha256, parent_run_id, parent_step) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
                  error);
  if (st == NULL)
    return FALSE;
  bind_text (st, 1, r->uuid);
  bind_text (st, 2, r->name);
  bind_text (st, 3, r->notes);
  bind_text (st, 4, r->preset);
  bind_text (st, 5, r->config.arch);
  sqlite3_bind_int64 (st, 6, (gint64) r->config.seed);
  bind_text (st, 7, r->program);
  bind_text (st, 8, r->host);
  sqlite3_bind_int64 (st, 9, r->pid);
  sqlite3_bind_int64 (st, 10, r->created_at);
  sqlite3_bind_int64 (st, 11, op->at);
  bind_text (st, 12, r->fig.state);
  bind_text (st, 13, r->data != NULL ? r->data->train_source : NULL);
  bind_text (st, 14, r->data != NULL ? r->data->test_source : NULL);
  if (r->data != NULL)
    {
      sqlite3_bind_int (st, 15, r->data->n_train);
      sqlite3_bind_int (st, 16, r->data->n_test);
    }
  bind_text (st, 17, r->origin_model_path);
  bind_text (st, 18, r->origin_model_sha256);
  if (parent > 0)
    sqlite3_bind_int64 (st, 19, parent);
  if (r->parent_uuid != NULL)
    sqlite3_bind_int64 (st, 20, r->parent_step);
  if (!step_done (w, st, "saving a new run", error))
    return FALSE;
  id = sqlite3_last_insert_rowid (w->db);
  g_hash_table_insert (w->ids, g_strdup (r->uuid), g_memdup2 (&id, sizeof id));
  g_ptr_array_add (w->stored, g_strdup (r->uuid));
  g_ptr_array_add (w->stored, g_memdup2 (&id, sizeof id));
  return insert_config (w, id, &r->config, error) && insert_data (w, id, r->data, error);
}

static gboolean
update_run (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  const DlRunFigures *f = &op->fig;
  sqlite3_stmt *st = dl_store_writer_statement (w, "UPDATE runs SET state = ?2, started_at = ?3, ended_at = ?4, train_seconds = ?5, "
                                   "steps = ?6, epochs_done = ?7, best_test_accuracy = ?8, best_epoch = ?9, "
                                   "final_test_accuracy = ?10, final_model_path = ?11, heartbeat_at = ?12 WHERE id = ?1",
                                error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  bind_text (st, 2, f->state);
  bind_time (st, 3, f->started_at);
  bind_time (st, 4, f->ended_at);
  sqlite3_bind_double (st, 5, f->train_seconds);
  sqlite3_bind_int64 (st, 6, f->steps);
  sqlite3_bind_double (st, 7, f->epochs_done);
  bind_number (st, 8, f->best_test_accuracy);
  if (f->best_epoch >= 0)
    sqlite3_bind_int (st, 9, f->best_epoch);
  bind_number (st, 10, f->final_test_accuracy);
  bind_text (st, 11, f->final_model_path);
  sqlite3_bind_int64 (st, 12, op->at);
  return step_done (w, st, "saving a run's figures", error);
}

static gboolean
update_meta (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  sqlite3_stmt *st = dl_store_writer_statement (w, "UPDATE runs SET name = ?2, notes = ?3 WHERE id = ?1", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  bind_text (st, 2, op->name);
  bind_text (st, 3, op->notes);
  return step_done (w, st, "renaming a run", error);
}

#define ROWS_PER_INSERT 32

G_LOCK_DEFINE_STATIC (batch_sql);

/* "INSERT … VALUES (?, ?, ?, ?, ?), …" for n rows, made once per size for the process (every store's
 * writer thread shares them; they key the statement caches, so they must outlive the threads). */
static const char *
batch_insert_sql (guint n)
{
  static char *sql[ROWS_PER_INSERT + 1];
  const char *text;

  G_LOCK (batch_sql);
  if (sql[n] == NULL)
    {
      GString *s = g_string_new ("INSERT OR REPLACE INTO batch_metrics (run_id, step, x, loss, lr) VALUES ");

      for (guint i = 0; i < n; i++)
        g_string_append (s, i == 0 ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)");
      sql[n] = g_string_free (s, FALSE);
    }
  text = sql[n];
  G_UNLOCK (batch_sql);
  return text;
}

/* Up to ROWS_PER_INSERT rows a statement: 0.9 µs of the writer's time a row, against 2.5 one by one. */
static gboolean
add_batches (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  for (guint done = 0; done < op->batches->len;)
    {
      guint n = MIN (op->batches->len - done, ROWS_PER_INSERT);
      sqlite3_stmt *st = dl_store_writer_statement (w, batch_insert_sql (n), error);

      if (st == NULL)
        return FALSE;
      for (guint i = 0; i < n; i++)
        {
          const DlRunBatch *b = &g_array_index (op->batches, DlRunBatch, done + i);

          sqlite3_bind_int64 (st, 5 * i + 1, id);
          sqlite3_bind_int64 (st, 5 * i + 2, b->step);
          sqlite3_bind_double (st, 5 * i + 3, b->x);
          bind_number (st, 5 * i + 4, b->loss);
          bind_number (st, 5 * i + 5, b->lr);
        }
      if (!step_done (w, st, "saving batch losses", error))
        return FALSE;
      done += n;
    }
  return TRUE;
}

static gboolean
add_event (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  const DlRunEvent *e = &op->event;
  sqlite3_stmt *st = dl_store_writer_statement (w, "INSERT INTO events (run_id, at, step, x, kind, marker, text) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  sqlite3_bind_int64 (st, 2, op->at);
  sqlite3_bind_int64 (st, 3, e->step);
  sqlite3_bind_double (st, 4, e->x);
  bind_text (st, 5, e->kind);
  sqlite3_bind_int (st, 6, e->marker);
  bind_text (st, 7, e->text != NULL ? e->text : "");
  return step_done (w, st, "saving an event", error);
}

static gboolean
add_eval (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  const DlRunEval *e = &op->eval;
  guint32 confusion[DL_N_CLASSES * DL_N_CLASSES];
  sqlite3_stmt *st = dl_store_writer_statement (w, "INSERT INTO evaluations (run_id, at, kind, step, x, epoch, n, correct, loss, "
                                   "accuracy, confusion, predicted, probs, layer_stats) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", error);
  g_autoptr (GBytes) stats = e->layer_stats != NULL ? dl_layer_stats_to_bytes (e->layer_stats) : NULL;

  if (st == NULL)
    return FALSE;
  for (int t = 0; t < DL_N_CLASSES; t++)
    for (int p = 0; p < DL_N_CLASSES; p++)
      confusion[t * DL_N_CLASSES + p] = GUINT32_TO_LE ((guint32) e->confusion[t][p]);
  sqlite3_bind_int64 (st, 1, id);
  sqlite3_bind_int64 (st, 2, op->at);
  bind_text (st, 3, dl_run_eval_kind_nick (e->kind));
  sqlite3_bind_int64 (st, 4, e->step);
  sqlite3_bind_double (st, 5, e->x);
  sqlite3_bind_int (st, 6, e->epoch);
  sqlite3_bind_int (st, 7, e->n);
  sqlite3_bind_int (st, 8, e->correct);
  bind_number (st, 9, e->loss);
  bind_number (st, 10, e->accuracy);
  sqlite3_bind_blob (st, 11, confusion, sizeof confusion, SQLITE_TRANSIENT);
  bind_blob (st, 12, e->predicted);
  bind_blob (st, 13, e->probs);
  bind_blob (st, 14, stats);
  return step_done (w, st, "saving an evaluation", error);
}

static gboolean
add_epoch (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  const DlRunEpoch *e = &op->epoch;
  sqlite3_stmt *st = dl_store_writer_statement (w, "INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, step, x, train_loss, "
                                   "train_accuracy, test_loss, test_accuracy, seconds) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  sqlite3_bind_int (st, 2, e->epoch);
  sqlite3_bind_int64 (st, 3, e->step);
  sqlite3_bind_double (st, 4, e->x);
  bind_number (st, 5, e->train_loss);
  bind_number (st, 6, e->train_accuracy);
  bind_number (st, 7, e->test_loss);
  bind_number (st, 8, e->test_accuracy);
  bind_number (st, 9, e->seconds);
  return step_done (w, st, "saving an epoch", error);
}

/* A model file that cannot be read is reported, but does not cost the other rows of the transaction. */
static gboolean
add_model (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  g_autoptr (GError) read_error = NULL;
  gint64 size = 0;
  g_autofree char *sha = dl_run_data_checksum_file (op->model.path, &size, &read_error);
  sqlite3_stmt *st;

  if (sha == NULL)
    {
      dl_store_writer_report (w, read_error);
      return TRUE;
    }
  st = dl_store_writer_statement (w, "INSERT OR REPLACE INTO models (run_id, kind, path, size, sha256, step, at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  bind_text (st, 2, op->model.kind);
  bind_text (st, 3, op->model.path);
  sqlite3_bind_int64 (st, 4, size);
  bind_text (st, 5, sha);
  sqlite3_bind_int64 (st, 6, op->model.step);
  sqlite3_bind_int64 (st, 7, op->at);
  return step_done (w, st, "saving a model's checksum", error);
}

static gboolean
remember_checksum (DlStoreWriter *w, DlStoreOp *op, GError **error)
{
  sqlite3_stmt *st = dl_store_writer_statement (w, "INSERT OR REPLACE INTO file_checksums (path, size, mtime, sha256) "
                                   "VALUES (?1, ?2, ?3, ?4)", error);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, op->model.path);
  sqlite3_bind_int64 (st, 2, op->model.size);
  sqlite3_bind_int64 (st, 3, op->model.step);
  bind_text (st, 4, op->model.sha256);
  return step_done (w, st, "remembering a file's checksum", error);
}

static gboolean
set_deleted (DlStoreWriter *w, gint64 id, gint64 at, GError **error)
{
  sqlite3_stmt *st = dl_store_writer_statement (w, "UPDATE runs SET deleted_at = ?2 WHERE id = ?1", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  bind_time (st, 2, at);
  return step_done (w, st, "deleting a run", error);
}

/* Every soft-deleted run goes — or only the one `uuid` names, when it is deleted — with its rows (ON DELETE
 * CASCADE); its directory after the commit. */
static gboolean
purge (DlStoreWriter *w, const char *uuid, GError **error)
{
  sqlite3_stmt *st = dl_store_writer_statement (w, "SELECT uuid FROM runs WHERE deleted_at IS NOT NULL "
                                                   "AND (?1 IS NULL OR uuid = ?1)", error);
  int rc;

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, uuid);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (w->purged, dl_run_store_column_text (st, 0));
  if (rc != SQLITE_DONE)
    {
      dl_run_store_set_sqlite_error (error, w->path, w->db, rc, "listing deleted runs");
      return FALSE;
    }
  st = dl_store_writer_statement (w, "DELETE FROM runs WHERE deleted_at IS NOT NULL AND (?1 IS NULL OR uuid = ?1)",
                                  error);
  if (st == NULL)
    return FALSE;
  bind_text (st, 1, uuid);
  return step_done (w, st, "purging deleted runs", error);
}

gboolean
dl_store_writer_apply (DlStoreWriter *w, DlStoreOp *op, GError **error)
{
  gint64 id;

  switch (op->type)
    {
    case OP_ADD_RUN:
      return add_run (w, op, error);
    case OP_PURGE:
      return purge (w, op->uuid, error);
    case OP_CHECKSUM:
      return remember_checksum (w, op, error);
    case OP_FLUSH:
    case OP_STOP:
      return TRUE;
    default:
      break;
    }
  /* Rows of a run the store does not hold (never added, or purged) have nowhere to go. */
  id = run_id (w, op->uuid, error);
  if (id <= 0)
    return id == 0;
  switch (op->type)
    {
    case OP_UPDATE_RUN: return update_run (w, id, op, error);
    case OP_UPDATE_META: return update_meta (w, id, op, error);
    case OP_BATCHES:    return add_batches (w, id, op, error);
    case OP_EVENT:      return add_event (w, id, op, error);
    case OP_EVAL:       return add_eval (w, id, op, error);
    case OP_EPOCH:      return add_epoch (w, id, op, error);
    case OP_MODEL:      return add_model (w, id, op, error);
    case OP_CHECKPOINT: return dl_store_writer_add_checkpoint (w, id, op, error);
    case OP_PIN_CHECKPOINT: return dl_store_writer_pin_checkpoint (w, id, op, error);
    case OP_DELETE:     return set_deleted (w, id, op->at, error);
    case OP_RESTORE:    return set_deleted (w, id, 0, error);
    default:            return TRUE;
    }
}
