/* dl-run-store-writer.c — the store's writer thread (see dl-run-store-private.h).
 *
 * Every write of a DlRunStore is an operation queued here. The thread gathers them and commits them in one
 * transaction at most DL_RUN_STORE_COMMIT_INTERVAL_MS after the first of them arrived (at once for a flush
 * or a stop), so the per-batch rows of a fast training cost one transaction a second, not one each, and a
 * kill -9 loses at most that interval. A transaction that finds the file locked by another process past the
 * busy timeout is rolled back and retried later with nothing lost; any other failure drops that batch and
 * is reported ("write-error"). Between commits the thread polls PRAGMA data_version, which changes only when
 * another connection — another process — commits, and tells the store.
 */
#include "dl-run-store-private.h"

#include <math.h>
#include <glib/gstdio.h>

#define COMMIT_INTERVAL_US ((gint64) DL_RUN_STORE_COMMIT_INTERVAL_MS * 1000)
#define POLL_INTERVAL_US   G_USEC_PER_SEC   /* other processes' commits are noticed within ~1 s */

struct _DlStoreWriter {
  GThread      *thread;
  GAsyncQueue  *queue;       /* DlStoreOp* */
  sqlite3      *db;
  char         *path;
  DlStoreLink  *link;

  /* Writer thread only. */
  GHashTable   *ids;         /* uuid → run id (gint64 *) */
  GHashTable   *statements;  /* SQL text → sqlite3_stmt*, prepared once */
  GPtrArray    *pending;     /* DlStoreOp* waiting for the next commit */
  GPtrArray    *stored;      /* char* uuid, gint64 id pairs inserted by the current transaction */
  GPtrArray    *purged;      /* char* uuid of runs the current transaction purged */
  gint64        deadline;    /* monotonic µs of the next commit */
  gint64        last_poll;
  gint64        data_version;
  gboolean      error_reported;
};

/* ---- operations ---- */

void
dl_store_op_free (DlStoreOp *op)
{
  g_free (op->uuid);
  dl_run_row_free (op->row);
  dl_run_figures_clear (&op->fig);
  g_free (op->name);
  g_free (op->notes);
  g_clear_pointer (&op->batches, g_array_unref);
  g_free (op->event.kind);
  g_free (op->event.text);
  g_clear_pointer (&op->eval.predicted, g_bytes_unref);
  g_clear_pointer (&op->eval.probs, g_bytes_unref);
  g_free (op->model.kind);
  g_free (op->model.path);
  g_free (op->model.sha256);
  g_free (op);
}

/* ---- the link back to the store's context ---- */

DlStoreLink *
dl_store_link_new (DlRunStore *store, GMainContext *context)
{
  DlStoreLink *link = g_atomic_rc_box_new0 (DlStoreLink);

  link->store = store;
  link->context = g_main_context_ref (context);
  return link;
}

DlStoreLink *
dl_store_link_ref (DlStoreLink *link)
{
  return g_atomic_rc_box_acquire (link);
}

static void
link_clear (gpointer p)
{
  g_main_context_unref (((DlStoreLink *) p)->context);
}

void
dl_store_link_unref (DlStoreLink *link)
{
  g_atomic_rc_box_release_full (link, link_clear);
}

typedef enum { NOTE_STORED, NOTE_CHANGED, NOTE_ERROR } NoteType;

typedef struct {
  DlStoreLink *link;
  NoteType     type;
  char        *uuid;
  gint64       id;
  GError      *error;
} Note;

static void
note_free (gpointer p)
{
  Note *n = p;

  dl_store_link_unref (n->link);
  g_free (n->uuid);
  g_clear_error (&n->error);
  g_free (n);
}

static gboolean
deliver_note (gpointer p)
{
  Note *n = p;
  DlRunStore *store = n->link->store;

  if (store == NULL)
    return G_SOURCE_REMOVE;
  switch (n->type)
    {
    case NOTE_STORED:
      dl_run_store_run_stored (store, n->uuid, n->id);
      break;
    case NOTE_CHANGED:
      dl_run_store_external_change (store);
      break;
    case NOTE_ERROR:
      dl_run_store_write_failed (store, n->error);
      break;
    }
  return G_SOURCE_REMOVE;
}

/* Runs on the store's context later; the store may be gone by then (the link says so). */
static void
post_note (DlStoreWriter *w, NoteType type, const char *uuid, gint64 id, const GError *error)
{
  Note *n = g_new0 (Note, 1);
  GSource *source = g_idle_source_new ();

  n->link = dl_store_link_ref (w->link);
  n->type = type;
  n->uuid = g_strdup (uuid);
  n->id = id;
  n->error = error != NULL ? g_error_copy (error) : NULL;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_note, n, note_free);
  g_source_set_static_name (source, "DlRunStore writer note");
  g_source_attach (source, w->link->context);
  g_source_unref (source);
}

/* ---- SQL helpers ---- */

/* A prepared statement for `sql`, reset and unbound, kept for the thread's lifetime. */
static sqlite3_stmt *
statement (DlStoreWriter *w, const char *sql, GError **error)
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
  st = statement (w, "SELECT id FROM runs WHERE uuid = ?1", error);
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
      sqlite3_stmt *st = statement (w, "INSERT OR REPLACE INTO run_config (run_id, key, value) VALUES (?1, ?2, ?3)",
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
      sqlite3_stmt *st = statement (w, "INSERT OR REPLACE INTO data_files (run_id, dataset, kind, path, size, sha256) "
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
  st = statement (w, "INSERT INTO runs (uuid, name, notes, preset, arch, seed, program, host, pid, created_at, "
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
  sqlite3_stmt *st = statement (w, "UPDATE runs SET state = ?2, started_at = ?3, ended_at = ?4, train_seconds = ?5, "
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
  sqlite3_stmt *st = statement (w, "UPDATE runs SET name = ?2, notes = ?3 WHERE id = ?1", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  bind_text (st, 2, op->name);
  bind_text (st, 3, op->notes);
  return step_done (w, st, "renaming a run", error);
}

static gboolean
add_batches (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  for (guint i = 0; i < op->batches->len; i++)
    {
      const DlRunBatch *b = &g_array_index (op->batches, DlRunBatch, i);
      sqlite3_stmt *st = statement (w, "INSERT OR REPLACE INTO batch_metrics (run_id, step, x, loss, lr) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5)", error);

      if (st == NULL)
        return FALSE;
      sqlite3_bind_int64 (st, 1, id);
      sqlite3_bind_int64 (st, 2, b->step);
      sqlite3_bind_double (st, 3, b->x);
      bind_number (st, 4, b->loss);
      bind_number (st, 5, b->lr);
      if (!step_done (w, st, "saving batch losses", error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_event (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  const DlRunEvent *e = &op->event;
  sqlite3_stmt *st = statement (w, "INSERT INTO events (run_id, at, step, x, kind, marker, text) "
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
  sqlite3_stmt *st = statement (w, "INSERT INTO evaluations (run_id, at, kind, step, x, epoch, n, correct, loss, "
                                   "accuracy, confusion, predicted, probs) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", error);

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
  return step_done (w, st, "saving an evaluation", error);
}

static gboolean
add_epoch (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  const DlRunEpoch *e = &op->epoch;
  sqlite3_stmt *st = statement (w, "INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, step, x, train_loss, "
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
      post_note (w, NOTE_ERROR, NULL, 0, read_error);
      return TRUE;
    }
  st = statement (w, "INSERT OR REPLACE INTO models (run_id, kind, path, size, sha256, step, at) "
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
  sqlite3_stmt *st = statement (w, "INSERT OR REPLACE INTO file_checksums (path, size, mtime, sha256) "
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
  sqlite3_stmt *st = statement (w, "UPDATE runs SET deleted_at = ?2 WHERE id = ?1", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  bind_time (st, 2, at);
  return step_done (w, st, "deleting a run", error);
}

/* Every soft-deleted run goes, with its rows (ON DELETE CASCADE); its directory after the commit. */
static gboolean
purge (DlStoreWriter *w, GError **error)
{
  sqlite3_stmt *st = statement (w, "SELECT uuid FROM runs WHERE deleted_at IS NOT NULL", error);
  int rc;

  if (st == NULL)
    return FALSE;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (w->purged, g_strdup ((const char *) sqlite3_column_text (st, 0)));
  if (rc != SQLITE_DONE)
    {
      dl_run_store_set_sqlite_error (error, w->path, w->db, rc, "listing deleted runs");
      return FALSE;
    }
  st = statement (w, "DELETE FROM runs WHERE deleted_at IS NOT NULL", error);
  return st != NULL && step_done (w, st, "purging deleted runs", error);
}

static gboolean
apply_op (DlStoreWriter *w, DlStoreOp *op, GError **error)
{
  gint64 id;

  switch (op->type)
    {
    case OP_ADD_RUN:
      return add_run (w, op, error);
    case OP_PURGE:
      return purge (w, error);
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
    case OP_DELETE:     return set_deleted (w, id, op->at, error);
    case OP_RESTORE:    return set_deleted (w, id, 0, error);
    default:            return TRUE;
    }
}

/* ---- committing ---- */

/* Which pending operations a later one of the same transaction overwrites (an update of the same run's
 * figures, or of its name and notes): those are skipped. One pass from the end. */
static gboolean *
find_superseded (DlStoreWriter *w)
{
  gboolean *skip = g_new0 (gboolean, MAX (w->pending->len, 1));
  g_autoptr (GHashTable) figures = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = w->pending->len; i-- > 0;)
    {
      DlStoreOp *op = g_ptr_array_index (w->pending, i);
      GHashTable *seen = op->type == OP_UPDATE_RUN ? figures : op->type == OP_UPDATE_META ? meta : NULL;

      if (seen != NULL)
        skip[i] = !g_hash_table_add (seen, op->uuid);
    }
  return skip;
}

static void
remove_run_dir (DlStoreWriter *w, const char *uuid)
{
  g_autofree char *base = g_path_get_dirname (w->path);
  g_autofree char *dir = g_build_filename (base, "runs", uuid, NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);

      g_unlink (file);
    }
  g_rmdir (dir);
}

static void
finish_flushes (DlStoreWriter *w, const GError *error)
{
  for (guint i = 0; i < w->pending->len; i++)
    {
      DlStoreOp *op = g_ptr_array_index (w->pending, i);
      DlStoreFlush *f = op->flush;

      if (f == NULL)
        continue;
      g_mutex_lock (&f->lock);
      f->error = error != NULL ? g_error_copy (error) : NULL;
      f->done = TRUE;
      g_cond_signal (&f->cond);
      g_mutex_unlock (&f->lock);
      op->flush = NULL;   /* the waiter owns it */
    }
}

static gboolean
run_transaction (DlStoreWriter *w, GError **error)
{
  g_autofree gboolean *skip = NULL;

  if (!dl_run_store_exec (w->db, w->path, "BEGIN IMMEDIATE", error))
    return FALSE;
  skip = find_superseded (w);
  for (guint i = 0; i < w->pending->len; i++)
    if (!skip[i] && !apply_op (w, g_ptr_array_index (w->pending, i), error))
      {
        sqlite3_exec (w->db, "ROLLBACK", NULL, NULL, NULL);
        return FALSE;
      }
  if (dl_run_store_exec (w->db, w->path, "COMMIT", error))
    return TRUE;
  sqlite3_exec (w->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Commits the pending operations. On a lock held past the busy timeout they stay pending for the next try;
 * on anything else they are dropped. Either way the failure is reported once until a commit succeeds. */
static void
commit (DlStoreWriter *w, gboolean last_try)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = run_transaction (w, &error);
  gboolean retry = !ok && !last_try && g_error_matches (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_LOCKED);

  if (ok)
    {
      for (guint i = 0; i + 1 < w->stored->len; i += 2)
        post_note (w, NOTE_STORED, g_ptr_array_index (w->stored, i), *(gint64 *) g_ptr_array_index (w->stored, i + 1),
                   NULL);
      for (guint i = 0; i < w->purged->len; i++)
        {
          g_hash_table_remove (w->ids, g_ptr_array_index (w->purged, i));
          remove_run_dir (w, g_ptr_array_index (w->purged, i));
        }
      w->error_reported = FALSE;
    }
  else
    {
      /* The ids this transaction made are gone with it. */
      for (guint i = 0; i + 1 < w->stored->len; i += 2)
        g_hash_table_remove (w->ids, g_ptr_array_index (w->stored, i));
      if (!w->error_reported)
        post_note (w, NOTE_ERROR, NULL, 0, error);
      w->error_reported = TRUE;
    }
  g_ptr_array_set_size (w->stored, 0);
  g_ptr_array_set_size (w->purged, 0);
  finish_flushes (w, ok ? NULL : error);
  if (retry)
    {
      w->deadline = g_get_monotonic_time () + COMMIT_INTERVAL_US;
      return;
    }
  g_ptr_array_set_size (w->pending, 0);
}

static void
poll_data_version (DlStoreWriter *w)
{
  sqlite3_stmt *st = statement (w, "PRAGMA data_version", NULL);

  w->last_poll = g_get_monotonic_time ();
  if (st == NULL || sqlite3_step (st) != SQLITE_ROW)
    return;
  gint64 v = sqlite3_column_int64 (st, 0);
  sqlite3_reset (st);
  if (w->data_version != 0 && v != w->data_version)
    post_note (w, NOTE_CHANGED, NULL, 0, NULL);
  w->data_version = v;
}

/* Takes what is queued (waiting until `wait_us` for the first); TRUE when it must commit now. */
static gboolean
gather (DlStoreWriter *w, gint64 wait_us, gboolean *stop)
{
  DlStoreOp *op = wait_us > 0 ? g_async_queue_timeout_pop (w->queue, wait_us) : g_async_queue_try_pop (w->queue);
  gboolean urgent = FALSE;

  for (; op != NULL; op = g_async_queue_try_pop (w->queue))
    {
      if (w->pending->len == 0)
        w->deadline = g_get_monotonic_time () + COMMIT_INTERVAL_US;
      g_ptr_array_add (w->pending, op);
      urgent |= op->type == OP_FLUSH || op->type == OP_STOP;
      *stop |= op->type == OP_STOP;
    }
  return urgent;
}

static gpointer
writer_thread (gpointer data)
{
  DlStoreWriter *w = data;
  gboolean stop = FALSE;

  poll_data_version (w);
  while (!stop)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wait = w->pending->len > 0 ? w->deadline - now : w->last_poll + POLL_INTERVAL_US - now;
      gboolean urgent = gather (w, MAX (wait, 0), &stop);

      if (w->pending->len > 0 && (urgent || g_get_monotonic_time () >= w->deadline))
        commit (w, stop);
      if (g_get_monotonic_time () - w->last_poll >= POLL_INTERVAL_US)
        poll_data_version (w);
    }
  return NULL;
}

static void
finalize_statement (gpointer st)
{
  sqlite3_finalize (st);
}

DlStoreWriter *
dl_store_writer_start (sqlite3 *db, const char *path, DlStoreLink *link)
{
  DlStoreWriter *w = g_new0 (DlStoreWriter, 1);

  w->db = db;
  w->path = g_strdup (path);
  w->link = dl_store_link_ref (link);
  w->queue = g_async_queue_new_full ((GDestroyNotify) dl_store_op_free);
  w->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w->statements = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, finalize_statement);
  w->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) dl_store_op_free);
  w->stored = g_ptr_array_new_with_free_func (g_free);
  w->purged = g_ptr_array_new_with_free_func (g_free);
  w->thread = g_thread_new ("dl-run-store", writer_thread, w);
  return w;
}

void
dl_store_writer_push (DlStoreWriter *w, DlStoreOp *op)
{
  g_async_queue_push (w->queue, op);
}

void
dl_store_writer_stop (DlStoreWriter *w)
{
  DlStoreOp *op = g_new0 (DlStoreOp, 1);

  op->type = OP_STOP;
  g_async_queue_push (w->queue, op);
  g_thread_join (w->thread);
  g_hash_table_unref (w->statements);
  sqlite3_close (w->db);
  g_hash_table_unref (w->ids);
  g_ptr_array_unref (w->pending);
  g_ptr_array_unref (w->stored);
  g_ptr_array_unref (w->purged);
  g_async_queue_unref (w->queue);
  dl_store_link_unref (w->link);
  g_free (w->path);
  g_free (w);
}
