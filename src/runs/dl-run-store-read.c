/* dl-run-store-read.c — DlRunStore's reads (see dl-run-store.h): runs, a run's event log, epochs and models,
 * and the column and transaction helpers every read uses (a run's history is dl-run-store-history.c's). The
 * blocking forms run on the caller's thread; the _async forms on a GTask thread. Both use the store's
 * reading connection (WAL: never waiting for a writer), each read in one transaction, so it sees one
 * consistent state of the file. */
#include "dl-run-store-private.h"

#include <math.h>
#include <string.h>

#define RUN_COLUMNS \
  "r.id, r.uuid, r.name, r.notes, r.preset, r.arch, r.seed, r.program, r.host, r.pid, r.created_at, " \
  "r.started_at, r.ended_at, r.heartbeat_at, r.state, r.train_seconds, r.steps, r.epochs_done, " \
  "r.best_test_accuracy, r.best_epoch, r.final_test_accuracy, r.final_model_path, r.train_source, " \
  "r.test_source, r.n_train, r.n_test, r.origin_model_path, r.origin_model_sha256, p.uuid, r.parent_step, " \
  "r.deleted_at"

/* ---- column helpers ---- */

char *
dl_run_store_column_text (sqlite3_stmt *st, int i)
{
  const unsigned char *s = sqlite3_column_text (st, i);

  return s != NULL ? g_strdup ((const char *) s) : NULL;
}

/* NULL reads as NaN: no value. */
double
dl_run_store_column_number (sqlite3_stmt *st, int i)
{
  return sqlite3_column_type (st, i) == SQLITE_NULL ? NAN : sqlite3_column_double (st, i);
}

GBytes *
dl_run_store_column_bytes (sqlite3_stmt *st, int i)
{
  const void *p = sqlite3_column_blob (st, i);

  return p != NULL ? g_bytes_new (p, sqlite3_column_bytes (st, i)) : NULL;
}

sqlite3_stmt *
dl_run_store_prepare (sqlite3 *db, const char *path, const char *sql, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &st, NULL);

  if (rc != SQLITE_OK)
    {
      dl_run_store_set_sqlite_error (error, path, db, rc, sql);
      sqlite3_finalize (st);
      return NULL;
    }
  return st;
}

/* Finalizes `st`; FALSE with the error unless the last step was SQLITE_DONE. */
gboolean
dl_run_store_finish (sqlite3 *db, const char *path, sqlite3_stmt *st, int rc, const char *what, GError **error)
{
  if (rc != SQLITE_DONE)
    dl_run_store_set_sqlite_error (error, path, db, rc, what);
  sqlite3_finalize (st);
  return rc == SQLITE_DONE;
}

gboolean
dl_run_store_each_row (sqlite3 *db, const char *path, sqlite3_stmt *st, DlRunStoreRowFunc row, gpointer out,
                       const char *what, GError **error)
{
  int rc;

  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    row (st, out);
  return dl_run_store_finish (db, path, st, rc, what, error);
}

gboolean
dl_run_store_read_run_rows (sqlite3 *db, const char *path, const char *sql, gint64 id, DlRunStoreRowFunc row,
                            gpointer out, const char *what, GError **error)
{
  sqlite3_stmt *st = dl_run_store_prepare (db, path, sql, error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  return dl_run_store_each_row (db, path, st, row, out, what, error);
}

gboolean
dl_run_store_begin_read (sqlite3 *db, const char *path, GError **error)
{
  return dl_run_store_exec (db, path, "BEGIN", error);
}

void
dl_run_store_end_read (sqlite3 *db)
{
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
}

/* ---- runs ---- */

static DlRunRow *
read_run_row (sqlite3_stmt *st)
{
  DlRunRow *r = g_new0 (DlRunRow, 1);
  int c = 0;

  r->id = sqlite3_column_int64 (st, c++);
  r->uuid = dl_run_store_column_text (st, c++);
  r->name = dl_run_store_column_text (st, c++);
  r->notes = dl_run_store_column_text (st, c++);
  r->preset = dl_run_store_column_text (st, c++);
  r->config.arch = dl_run_store_column_text (st, c++);
  r->config.seed = (guint64) sqlite3_column_int64 (st, c++);
  r->program = dl_run_store_column_text (st, c++);
  r->host = dl_run_store_column_text (st, c++);
  r->pid = sqlite3_column_int64 (st, c++);
  r->created_at = sqlite3_column_int64 (st, c++);
  r->fig.started_at = sqlite3_column_int64 (st, c++);
  r->fig.ended_at = sqlite3_column_int64 (st, c++);
  r->heartbeat_at = sqlite3_column_int64 (st, c++);
  r->fig.state = dl_run_store_column_text (st, c++);
  r->fig.train_seconds = sqlite3_column_double (st, c++);
  r->fig.steps = sqlite3_column_int64 (st, c++);
  r->fig.epochs_done = sqlite3_column_double (st, c++);
  r->fig.best_test_accuracy = dl_run_store_column_number (st, c++);
  r->fig.best_epoch = sqlite3_column_type (st, c) == SQLITE_NULL ? -1 : sqlite3_column_int (st, c);
  c++;
  r->fig.final_test_accuracy = dl_run_store_column_number (st, c++);
  r->fig.final_model_path = dl_run_store_column_text (st, c++);
  /* A run recorded without a data set has NULL in all four. */
  if (sqlite3_column_type (st, c + 2) != SQLITE_NULL)
    {
      g_autofree char *train = dl_run_store_column_text (st, c);
      g_autofree char *test = dl_run_store_column_text (st, c + 1);

      r->data = dl_run_data_new (train, test, sqlite3_column_int (st, c + 2), sqlite3_column_int (st, c + 3));
    }
  c += 4;
  r->origin_model_path = dl_run_store_column_text (st, c++);
  r->origin_model_sha256 = dl_run_store_column_text (st, c++);
  r->parent_uuid = dl_run_store_column_text (st, c++);
  r->parent_step = sqlite3_column_int64 (st, c++);
  r->deleted_at = sqlite3_column_int64 (st, c++);
  return r;
}

static void
config_row (sqlite3_stmt *st, gpointer out)
{
  DlRunRow *r = out;

  dl_run_config_set_pair (&r->config, (const char *) sqlite3_column_text (st, 0),
                          (const char *) sqlite3_column_text (st, 1));
}

static gboolean
read_config (sqlite3 *db, const char *path, DlRunRow *r, GError **error)
{
  return dl_run_store_read_run_rows (db, path, "SELECT key, value FROM run_config WHERE run_id = ?1", r->id,
                                     config_row, r, "reading a run's configuration", error);
}

static void
data_file_row (sqlite3_stmt *st, gpointer out)
{
  DlRunRow *r = out;

  dl_run_data_add_file (r->data, (const char *) sqlite3_column_text (st, 0), (const char *) sqlite3_column_text (st, 1),
                        (const char *) sqlite3_column_text (st, 2), sqlite3_column_int64 (st, 3),
                        (const char *) sqlite3_column_text (st, 4));
}

static gboolean
read_data_files (sqlite3 *db, const char *path, DlRunRow *r, GError **error)
{
  return dl_run_store_read_run_rows (db, path,
                                     "SELECT dataset, kind, path, size, sha256 FROM data_files WHERE run_id = ?1 "
                                     "ORDER BY dataset = 'test', kind", r->id, data_file_row, r,
                                     "reading a run's data files", error);
}

GPtrArray *
dl_run_store_read_runs (sqlite3 *db, const char *path, gboolean include_deleted, const char *uuid, gint64 id,
                        GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) dl_run_row_free);
  static const char sql[] =
    "SELECT " RUN_COLUMNS " FROM runs r LEFT JOIN runs p ON p.id = r.parent_run_id "
    "WHERE (?1 OR r.deleted_at IS NULL) AND (?2 IS NULL OR r.uuid = ?2) AND (?3 = 0 OR r.id = ?3) "
    "ORDER BY r.created_at, r.id";
  sqlite3_stmt *st;
  gboolean ok;
  int rc;

  if (!dl_run_store_begin_read (db, path, error))
    return NULL;
  st = dl_run_store_prepare (db, path, sql, error);
  if (st == NULL)
    {
      dl_run_store_end_read (db);
      return NULL;
    }
  sqlite3_bind_int (st, 1, include_deleted);
  if (uuid != NULL)
    sqlite3_bind_text (st, 2, uuid, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 3, id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (rows, read_run_row (st));
  ok = dl_run_store_finish (db, path, st, rc, "listing runs", error);
  for (guint i = 0; ok && i < rows->len; i++)
    {
      DlRunRow *r = g_ptr_array_index (rows, i);

      ok = read_config (db, path, r, error) && (r->data == NULL || read_data_files (db, path, r, error));
    }
  dl_run_store_end_read (db);
  return ok ? g_steal_pointer (&rows) : NULL;
}

static GPtrArray *
rows_to_runs (GPtrArray *rows)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (runs, dl_run_row_to_run (g_ptr_array_index (rows, i)));
  return runs;
}

GPtrArray *
dl_run_store_list_runs (DlRunStore *self, gboolean include_deleted, GError **error)
{
  sqlite3 *db;
  g_autoptr (GPtrArray) rows = NULL;

  g_return_val_if_fail (DL_IS_RUN_STORE (self), NULL);
  db = dl_run_store_reader_lock (self);
  rows = dl_run_store_read_runs (db, dl_run_store_get_path (self), include_deleted, NULL, 0, error);
  dl_run_store_reader_unlock (self);
  return rows != NULL ? rows_to_runs (rows) : NULL;
}

static void
list_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DlRunStore *self = source;
  GError *error = NULL;
  sqlite3 *db = dl_run_store_reader_lock (self);
  GPtrArray *rows = dl_run_store_read_runs (db, dl_run_store_get_path (self), GPOINTER_TO_INT (task_data), NULL, 0,
                                            &error);

  dl_run_store_reader_unlock (self);
  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

void
dl_run_store_list_runs_async (DlRunStore *self, gboolean include_deleted, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, dl_run_store_list_runs_async);
  g_task_set_task_data (task, GINT_TO_POINTER (include_deleted), NULL);
  g_task_run_in_thread (task, list_thread);
}

/* The runs are made here, on the caller's thread, which will use them. */
GPtrArray *
dl_run_store_list_runs_finish (DlRunStore *self, GAsyncResult *result, GError **error)
{
  g_autoptr (GPtrArray) rows = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  rows = g_task_propagate_pointer (G_TASK (result), error);
  return rows != NULL ? rows_to_runs (rows) : NULL;
}

/* A uuid prefix matches only with hex digits and dashes (no LIKE wildcards). */
static gboolean
is_uuid_prefix (const char *id)
{
  if (strlen (id) < 4)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isxdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
is_number (const char *id)
{
  if (*id == '\0')
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* The full uuid a prefix stands for. */
static char *
resolve_prefix (sqlite3 *db, const char *path, const char *prefix, GError **error)
{
  sqlite3_stmt *st = dl_run_store_prepare (db, path, "SELECT uuid FROM runs WHERE uuid LIKE ?1 || '%' LIMIT 2", error);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (st == NULL)
    return NULL;
  sqlite3_bind_text (st, 1, prefix, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (found, dl_run_store_column_text (st, 0));
  if (!dl_run_store_finish (db, path, st, rc, "looking up a run", error))
    return NULL;
  if (found->len == 1)
    return g_strdup (g_ptr_array_index (found, 0));
  if (found->len == 0)
    g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND, _("%s: no run %s"), path, prefix);
  else
    g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_AMBIGUOUS,
                 _("%s: several runs have a uuid starting with %s; give more of it"), path, prefix);
  return NULL;
}

DlRun *
dl_run_store_find_run (DlRunStore *self, const char *id, GError **error)
{
  const char *path;
  g_autoptr (GPtrArray) rows = NULL;
  g_autofree char *uuid = NULL;
  sqlite3 *db;

  g_return_val_if_fail (DL_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  path = dl_run_store_get_path (self);
  if (!is_number (id) && !is_uuid_prefix (id))
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND,
                   _("'%s' is not a run: give its number or at least 4 characters of its uuid"), id);
      return NULL;
    }
  db = dl_run_store_reader_lock (self);
  if (is_number (id))
    rows = dl_run_store_read_runs (db, path, TRUE, NULL, g_ascii_strtoll (id, NULL, 10), error);
  else if ((uuid = resolve_prefix (db, path, id, error)) != NULL)
    rows = dl_run_store_read_runs (db, path, TRUE, uuid, 0, error);
  dl_run_store_reader_unlock (self);
  if (rows == NULL)
    return NULL;
  if (rows->len == 0)
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND, _("%s: no run %s"), path, id);
      return NULL;
    }
  return dl_run_row_to_run (g_ptr_array_index (rows, 0));
}

/* ---- the event log, epochs and models ---- */

static void
event_free (gpointer p)
{
  DlRunEvent *e = p;

  g_free (e->kind);
  g_free (e->text);
  g_free (e);
}

gboolean
dl_run_store_read_rows (DlRunStore *self, DlRun *run, const char *sql, gint64 arg, DlRunStoreRowFunc row,
                        gpointer out, const char *what, GError **error)
{
  const char *path = dl_run_store_get_path (self);
  sqlite3 *db = dl_run_store_reader_lock (self);
  sqlite3_stmt *st = dl_run_store_prepare (db, path, sql, error);
  gboolean ok = FALSE;

  if (st != NULL)
    {
      sqlite3_bind_text (st, 1, dl_run_get_uuid (run), -1, SQLITE_TRANSIENT);
      if (sqlite3_bind_parameter_count (st) >= 2)
        sqlite3_bind_int64 (st, 2, arg);
      ok = dl_run_store_each_row (db, path, st, row, out, what, error);
    }
  dl_run_store_reader_unlock (self);
  return ok;
}

static void
event_row (sqlite3_stmt *st, gpointer out)
{
  DlRunEvent *e = g_new0 (DlRunEvent, 1);

  e->kind = dl_run_store_column_text (st, 0);
  e->at = sqlite3_column_int64 (st, 1);
  e->step = sqlite3_column_int64 (st, 2);
  e->x = sqlite3_column_double (st, 3);
  e->marker = sqlite3_column_int (st, 4) != 0;
  e->text = dl_run_store_column_text (st, 5);
  g_ptr_array_add (out, e);
}

GPtrArray *
dl_run_store_list_events (DlRunStore *self, DlRun *run, GError **error)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (event_free);

  if (!dl_run_store_read_rows (self, run, "SELECT e.kind, e.at, e.step, e.x, e.marker, e.text FROM events e "
                               "JOIN runs r ON r.id = e.run_id WHERE r.uuid = ?1 ORDER BY e.id", 0, event_row, events,
                               "reading a run's events", error))
    return NULL;
  return g_steal_pointer (&events);
}

static void
epoch_row (sqlite3_stmt *st, gpointer out)
{
  DlRunEpoch e = {
    sqlite3_column_int (st, 0), sqlite3_column_int64 (st, 1), sqlite3_column_double (st, 2),
    dl_run_store_column_number (st, 3), dl_run_store_column_number (st, 4), dl_run_store_column_number (st, 5),
    dl_run_store_column_number (st, 6), dl_run_store_column_number (st, 7),
  };

  g_array_append_val ((GArray *) out, e);
}

GArray *
dl_run_store_list_epochs (DlRunStore *self, DlRun *run, GError **error)
{
  g_autoptr (GArray) epochs = g_array_new (FALSE, FALSE, sizeof (DlRunEpoch));

  if (!dl_run_store_read_rows (self, run, "SELECT m.epoch, m.step, m.x, m.train_loss, m.train_accuracy, m.test_loss, "
                               "m.test_accuracy, m.seconds FROM epoch_metrics m JOIN runs r ON r.id = m.run_id "
                               "WHERE r.uuid = ?1 ORDER BY m.step, m.epoch", 0, epoch_row, epochs,
                               "reading a run's epochs", error))
    return NULL;
  return g_steal_pointer (&epochs);
}

static void
model_free (gpointer p)
{
  DlRunModel *m = p;

  g_free (m->kind);
  g_free (m->path);
  g_free (m->sha256);
  g_free (m);
}

static void
model_row (sqlite3_stmt *st, gpointer out)
{
  DlRunModel *m = g_new0 (DlRunModel, 1);

  m->kind = dl_run_store_column_text (st, 0);
  m->path = dl_run_store_column_text (st, 1);
  m->size = sqlite3_column_int64 (st, 2);
  m->sha256 = dl_run_store_column_text (st, 3);
  m->step = sqlite3_column_int64 (st, 4);
  m->at = sqlite3_column_int64 (st, 5);
  g_ptr_array_add (out, m);
}

GPtrArray *
dl_run_store_list_models (DlRunStore *self, DlRun *run, GError **error)
{
  g_autoptr (GPtrArray) models = g_ptr_array_new_with_free_func (model_free);

  if (!dl_run_store_read_rows (self, run, "SELECT m.kind, m.path, m.size, m.sha256, m.step, m.at FROM models m "
                               "JOIN runs r ON r.id = m.run_id WHERE r.uuid = ?1 ORDER BY m.id", 0, model_row, models,
                               "reading a run's models", error))
    return NULL;
  return g_steal_pointer (&models);
}
