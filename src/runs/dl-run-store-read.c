/* dl-run-store-read.c — DlRunStore's reads (see dl-run-store.h): runs, a run's history, its event log, epochs
 * and models. The blocking forms run on the caller's thread; the _async forms on a GTask thread. Both use
 * the store's reading connection (WAL: never waiting for a writer), each read in one transaction, so it
 * sees one consistent state of the file. */
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

static char *
column_text (sqlite3_stmt *st, int i)
{
  const unsigned char *s = sqlite3_column_text (st, i);

  return s != NULL ? g_strdup ((const char *) s) : NULL;
}

/* NULL reads as NaN: no value. */
static double
column_number (sqlite3_stmt *st, int i)
{
  return sqlite3_column_type (st, i) == SQLITE_NULL ? NAN : sqlite3_column_double (st, i);
}

static GBytes *
column_bytes (sqlite3_stmt *st, int i)
{
  const void *p = sqlite3_column_blob (st, i);

  return p != NULL ? g_bytes_new (p, sqlite3_column_bytes (st, i)) : NULL;
}

static sqlite3_stmt *
prepare (sqlite3 *db, const char *path, const char *sql, GError **error)
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
static gboolean
finish (sqlite3 *db, const char *path, sqlite3_stmt *st, int rc, const char *what, GError **error)
{
  if (rc != SQLITE_DONE)
    dl_run_store_set_sqlite_error (error, path, db, rc, what);
  sqlite3_finalize (st);
  return rc == SQLITE_DONE;
}

static gboolean
begin_read (sqlite3 *db, const char *path, GError **error)
{
  return dl_run_store_exec (db, path, "BEGIN", error);
}

static void
end_read (sqlite3 *db)
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
  r->uuid = column_text (st, c++);
  r->name = column_text (st, c++);
  r->notes = column_text (st, c++);
  r->preset = column_text (st, c++);
  r->config.arch = column_text (st, c++);
  r->config.seed = (guint64) sqlite3_column_int64 (st, c++);
  r->program = column_text (st, c++);
  r->host = column_text (st, c++);
  r->pid = sqlite3_column_int64 (st, c++);
  r->created_at = sqlite3_column_int64 (st, c++);
  r->fig.started_at = sqlite3_column_int64 (st, c++);
  r->fig.ended_at = sqlite3_column_int64 (st, c++);
  r->heartbeat_at = sqlite3_column_int64 (st, c++);
  r->fig.state = column_text (st, c++);
  r->fig.train_seconds = sqlite3_column_double (st, c++);
  r->fig.steps = sqlite3_column_int64 (st, c++);
  r->fig.epochs_done = sqlite3_column_double (st, c++);
  r->fig.best_test_accuracy = column_number (st, c++);
  r->fig.best_epoch = sqlite3_column_type (st, c) == SQLITE_NULL ? -1 : sqlite3_column_int (st, c);
  c++;
  r->fig.final_test_accuracy = column_number (st, c++);
  r->fig.final_model_path = column_text (st, c++);
  /* A run recorded without a data set has NULL in all four. */
  if (sqlite3_column_type (st, c + 2) != SQLITE_NULL)
    {
      g_autofree char *train = column_text (st, c);
      g_autofree char *test = column_text (st, c + 1);

      r->data = dl_run_data_new (train, test, sqlite3_column_int (st, c + 2), sqlite3_column_int (st, c + 3));
    }
  c += 4;
  r->origin_model_path = column_text (st, c++);
  r->origin_model_sha256 = column_text (st, c++);
  r->parent_uuid = column_text (st, c++);
  r->parent_step = sqlite3_column_int64 (st, c++);
  r->deleted_at = sqlite3_column_int64 (st, c++);
  return r;
}

static gboolean
read_config (sqlite3 *db, const char *path, DlRunRow *r, GError **error)
{
  sqlite3_stmt *st = prepare (db, path, "SELECT key, value FROM run_config WHERE run_id = ?1", error);
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, r->id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    dl_run_config_set_pair (&r->config, (const char *) sqlite3_column_text (st, 0),
                            (const char *) sqlite3_column_text (st, 1));
  return finish (db, path, st, rc, "reading a run's configuration", error);
}

static gboolean
read_data_files (sqlite3 *db, const char *path, DlRunRow *r, GError **error)
{
  sqlite3_stmt *st = prepare (db, path, "SELECT dataset, kind, path, size, sha256 FROM data_files WHERE run_id = ?1 "
                                        "ORDER BY dataset = 'test', kind", error);
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, r->id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    dl_run_data_add_file (r->data, (const char *) sqlite3_column_text (st, 0), (const char *) sqlite3_column_text (st, 1),
                          (const char *) sqlite3_column_text (st, 2), sqlite3_column_int64 (st, 3),
                          (const char *) sqlite3_column_text (st, 4));
  return finish (db, path, st, rc, "reading a run's data files", error);
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

  if (!begin_read (db, path, error))
    return NULL;
  st = prepare (db, path, sql, error);
  if (st == NULL)
    {
      end_read (db);
      return NULL;
    }
  sqlite3_bind_int (st, 1, include_deleted);
  if (uuid != NULL)
    sqlite3_bind_text (st, 2, uuid, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 3, id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (rows, read_run_row (st));
  ok = finish (db, path, st, rc, "listing runs", error);
  for (guint i = 0; ok && i < rows->len; i++)
    {
      DlRunRow *r = g_ptr_array_index (rows, i);

      ok = read_config (db, path, r, error) && (r->data == NULL || read_data_files (db, path, r, error));
    }
  end_read (db);
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
  sqlite3_stmt *st = prepare (db, path, "SELECT uuid FROM runs WHERE uuid LIKE ?1 || '%' LIMIT 2", error);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (st == NULL)
    return NULL;
  sqlite3_bind_text (st, 1, prefix, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (found, column_text (st, 0));
  if (!finish (db, path, st, rc, "looking up a run", error))
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

/* ---- a run's history ---- */

typedef struct {
  GArray *x[DL_RUN_N_SERIES], *y[DL_RUN_N_SERIES];   /* double */
  GArray *markers;   /* DlRunMarker */
  GArray *evals;     /* DlRunEval */
} History;

static void
history_free (History *h)
{
  for (int k = 0; k < DL_RUN_N_SERIES; k++)
    {
      g_array_unref (h->x[k]);
      g_array_unref (h->y[k]);
    }
  g_array_unref (h->markers);
  g_array_unref (h->evals);
  g_free (h);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (History, history_free)

static void
clear_marker (gpointer p)
{
  g_free (((DlRunMarker *) p)->text);
}

static void
clear_eval (gpointer p)
{
  DlRunEval *ev = p;

  g_clear_pointer (&ev->predicted, g_bytes_unref);
  g_clear_pointer (&ev->probs, g_bytes_unref);
  g_clear_pointer (&ev->layer_stats, dl_layer_stats_unref);
}

static History *
history_new (void)
{
  History *h = g_new0 (History, 1);

  for (int k = 0; k < DL_RUN_N_SERIES; k++)
    {
      h->x[k] = g_array_new (FALSE, FALSE, sizeof (double));
      h->y[k] = g_array_new (FALSE, FALSE, sizeof (double));
    }
  h->markers = g_array_new (FALSE, FALSE, sizeof (DlRunMarker));
  g_array_set_clear_func (h->markers, clear_marker);
  h->evals = g_array_new (FALSE, FALSE, sizeof (DlRunEval));
  g_array_set_clear_func (h->evals, clear_eval);
  return h;
}

/* Accuracies are fractions in the store and percent in a run's series. */
static void
add_point (History *h, DlRunSeriesKind k, double x, double y)
{
  if (dl_run_series_is_accuracy (k))
    y *= 100.0;
  g_array_append_val (h->x[k], x);
  g_array_append_val (h->y[k], y);
}

static gboolean
read_batches (sqlite3 *db, const char *path, gint64 id, History *h, GError **error)
{
  sqlite3_stmt *st = prepare (db, path, "SELECT x, loss, lr FROM batch_metrics WHERE run_id = ?1 ORDER BY step", error);
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      double x = sqlite3_column_double (st, 0);

      add_point (h, DL_RUN_SERIES_LOSS, x, column_number (st, 1));
      add_point (h, DL_RUN_SERIES_LR, x, column_number (st, 2));
    }
  return finish (db, path, st, rc, "reading batch losses", error);
}

static void
read_confusion (sqlite3_stmt *st, int column, DlRunEval *ev)
{
  const guint32 *c = sqlite3_column_blob (st, column);

  if (c == NULL || sqlite3_column_bytes (st, column) != (int) (sizeof (guint32) * DL_N_CLASSES * DL_N_CLASSES))
    return;
  for (int t = 0; t < DL_N_CLASSES; t++)
    for (int p = 0; p < DL_N_CLASSES; p++)
      ev->confusion[t][p] = (int) GUINT32_FROM_LE (c[t * DL_N_CLASSES + p]);
}

/* Statistics that do not parse are left out (the view says it has none there), with a message naming the
 * store and the evaluation — not a warning, which GLib keeps for programming errors (and tests and the
 * fuzzers make fatal): the rest of the run still loads. */
static DlLayerStats *
read_layer_stats (sqlite3_stmt *st, int column, const char *path, gint64 step)
{
  g_autoptr (GBytes) bytes = column_bytes (st, column);
  g_autoptr (GError) error = NULL;
  DlLayerStats *stats;

  if (bytes == NULL)
    return NULL;
  stats = dl_layer_stats_from_bytes (bytes, &error);
  if (stats == NULL)
    g_message (_("%s: the evaluation at step %lld: %s; its layer statistics are left out"), path, (long long) step,
               error->message);
  return stats;
}

static gboolean
read_evals (sqlite3 *db, const char *path, gint64 id, History *h, GError **error)
{
  sqlite3_stmt *st = prepare (db, path, "SELECT kind, step, x, epoch, n, correct, loss, accuracy, confusion, predicted, "
                                        "probs, layer_stats FROM evaluations WHERE run_id = ?1 ORDER BY step, id", error);
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      DlRunEval ev = { 0 };
      gboolean subset;

      if (!dl_run_eval_kind_from_nick ((const char *) sqlite3_column_text (st, 0), &ev.kind))
        continue;   /* a kind of a later schema */
      ev.step = sqlite3_column_int64 (st, 1);
      ev.x = sqlite3_column_double (st, 2);
      ev.epoch = sqlite3_column_int (st, 3);
      ev.n = sqlite3_column_int (st, 4);
      ev.correct = sqlite3_column_int (st, 5);
      ev.loss = column_number (st, 6);
      ev.accuracy = column_number (st, 7);
      read_confusion (st, 8, &ev);
      ev.predicted = column_bytes (st, 9);
      ev.probs = column_bytes (st, 10);
      ev.layer_stats = read_layer_stats (st, 11, path, ev.step);
      subset = ev.kind == DL_EVAL_SUBSET;
      add_point (h, subset ? DL_RUN_SERIES_SUBSET_LOSS : DL_RUN_SERIES_TEST_LOSS, ev.x, ev.loss);
      add_point (h, subset ? DL_RUN_SERIES_SUBSET_ACCURACY : DL_RUN_SERIES_TEST_ACCURACY, ev.x, ev.accuracy);
      g_array_append_val (h->evals, ev);
    }
  return finish (db, path, st, rc, "reading evaluations", error);
}

static gboolean
read_epoch_series (sqlite3 *db, const char *path, gint64 id, History *h, GError **error)
{
  sqlite3_stmt *st = prepare (db, path, "SELECT x, train_loss, train_accuracy FROM epoch_metrics WHERE run_id = ?1 "
                                        "ORDER BY step, epoch", error);
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      double x = sqlite3_column_double (st, 0);

      add_point (h, DL_RUN_SERIES_TRAIN_LOSS, x, column_number (st, 1));
      add_point (h, DL_RUN_SERIES_TRAIN_ACCURACY, x, column_number (st, 2));
    }
  return finish (db, path, st, rc, "reading epoch figures", error);
}

static gboolean
read_markers (sqlite3 *db, const char *path, gint64 id, History *h, GError **error)
{
  sqlite3_stmt *st = prepare (db, path, "SELECT step, x, text FROM events WHERE run_id = ?1 AND marker <> 0 "
                                        "ORDER BY step, id", error);
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      DlRunMarker m = { sqlite3_column_int64 (st, 0), sqlite3_column_double (st, 1), column_text (st, 2) };

      g_array_append_val (h->markers, m);
    }
  return finish (db, path, st, rc, "reading markers", error);
}

/* The row id of the run with that uuid. Any integer is a valid SQLite row id (0 and negative ones too, in a
 * file another program wrote), so whether there is one is said apart from it. */
static gboolean
lookup_id (sqlite3 *db, const char *path, const char *uuid, gint64 *id, GError **error)
{
  sqlite3_stmt *st = prepare (db, path, "SELECT id FROM runs WHERE uuid = ?1", error);
  gboolean found = FALSE;
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_text (st, 1, uuid, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *id = sqlite3_column_int64 (st, 0);
      found = TRUE;
      rc = SQLITE_DONE;
    }
  if (!finish (db, path, st, rc, "looking up a run", error))
    return FALSE;
  if (!found)
    g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND, _("%s holds no run %s"), path, uuid);
  return found;
}

static History *
read_history (sqlite3 *db, const char *path, const char *uuid, GError **error)
{
  g_autoptr (History) h = history_new ();
  gint64 id = 0;
  gboolean ok;

  if (!begin_read (db, path, error))
    return NULL;
  ok = lookup_id (db, path, uuid, &id, error) && read_batches (db, path, id, h, error)
       && read_evals (db, path, id, h, error)
       && read_epoch_series (db, path, id, h, error) && read_markers (db, path, id, h, error);
  end_read (db);
  return ok ? g_steal_pointer (&h) : NULL;
}

static void
apply_history (History *h, DlRun *run)
{
  dl_run_clear_history (run);
  for (int k = 0; k < DL_RUN_N_SERIES; k++)
    dl_series_append_many (dl_run_get_series (run, k), (const double *) h->x[k]->data, (const double *) h->y[k]->data,
                           h->x[k]->len);
  for (guint i = 0; i < h->markers->len; i++)
    {
      const DlRunMarker *m = &g_array_index (h->markers, DlRunMarker, i);

      dl_run_add_marker (run, m->step, m->x, m->text);
    }
  for (guint i = 0; i < h->evals->len; i++)
    dl_run_add_eval (run, &g_array_index (h->evals, DlRunEval, i));
  dl_run_set_loaded (run, TRUE);
}

gboolean
dl_run_store_load_run (DlRunStore *self, DlRun *run, GError **error)
{
  g_autoptr (History) h = NULL;
  sqlite3 *db;

  g_return_val_if_fail (DL_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (DL_IS_RUN (run), FALSE);
  db = dl_run_store_reader_lock (self);
  h = read_history (db, dl_run_store_get_path (self), dl_run_get_uuid (run), error);
  dl_run_store_reader_unlock (self);
  if (h == NULL)
    return FALSE;
  apply_history (h, run);
  return TRUE;
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DlRunStore *self = source;
  GError *error = NULL;
  sqlite3 *db = dl_run_store_reader_lock (self);
  History *h = read_history (db, dl_run_store_get_path (self), task_data, &error);

  dl_run_store_reader_unlock (self);
  if (h == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, h, (GDestroyNotify) history_free);
}

void
dl_run_store_load_run_async (DlRunStore *self, DlRun *run, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (DL_IS_RUN (run));
  g_task_set_source_tag (task, dl_run_store_load_run_async);
  /* The thread only sees the uuid; the run itself is filled in _finish, on its own thread. */
  g_task_set_task_data (task, g_strdup (dl_run_get_uuid (run)), g_free);
  g_object_set_data_full (G_OBJECT (task), "run", g_object_ref (run), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

gboolean
dl_run_store_load_run_finish (DlRunStore *self, GAsyncResult *result, GError **error)
{
  g_autoptr (History) h = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  h = g_task_propagate_pointer (G_TASK (result), error);
  if (h == NULL)
    return FALSE;
  apply_history (h, g_object_get_data (G_OBJECT (result), "run"));
  return TRUE;
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
  sqlite3_stmt *st = prepare (db, path, sql, error);
  gboolean ok = FALSE;
  int rc;

  if (st != NULL)
    {
      sqlite3_bind_text (st, 1, dl_run_get_uuid (run), -1, SQLITE_TRANSIENT);
      if (sqlite3_bind_parameter_count (st) >= 2)
        sqlite3_bind_int64 (st, 2, arg);
      while ((rc = sqlite3_step (st)) == SQLITE_ROW)
        row (st, out);
      ok = finish (db, path, st, rc, what, error);
    }
  dl_run_store_reader_unlock (self);
  return ok;
}

static void
event_row (sqlite3_stmt *st, gpointer out)
{
  DlRunEvent *e = g_new0 (DlRunEvent, 1);

  e->kind = column_text (st, 0);
  e->at = sqlite3_column_int64 (st, 1);
  e->step = sqlite3_column_int64 (st, 2);
  e->x = sqlite3_column_double (st, 3);
  e->marker = sqlite3_column_int (st, 4) != 0;
  e->text = column_text (st, 5);
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
    column_number (st, 3), column_number (st, 4), column_number (st, 5), column_number (st, 6),
    column_number (st, 7),
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

  m->kind = column_text (st, 0);
  m->path = column_text (st, 1);
  m->size = sqlite3_column_int64 (st, 2);
  m->sha256 = column_text (st, 3);
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
