/* dl-run-store-history.c — reading a run's history: its series, markers and evaluations, blocking or on a
 * GTask thread, in one read transaction of the store's reading connection. */
#include "dl-run-store-private.h"

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
  g_array_set_clear_func (h->markers, dl_run_marker_clear);
  h->evals = g_array_new (FALSE, FALSE, sizeof (DlRunEval));
  g_array_set_clear_func (h->evals, dl_run_eval_clear);
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

typedef struct {
  History         *h;
  DlRunSeriesKind  a, b;
} Pairs;

/* A row of (x, a, b) into the series a and b. */
static void
pair_row (sqlite3_stmt *st, gpointer out)
{
  Pairs *p = out;
  double x = sqlite3_column_double (st, 0);

  add_point (p->h, p->a, x, dl_run_store_column_number (st, 1));
  add_point (p->h, p->b, x, dl_run_store_column_number (st, 2));
}

static gboolean
read_pairs (sqlite3 *db, const char *path, const char *sql, gint64 id, DlRunSeriesKind ka, DlRunSeriesKind kb,
            const char *what, History *h, GError **error)
{
  Pairs p = { h, ka, kb };

  return dl_run_store_read_run_rows (db, path, sql, id, pair_row, &p, what, error);
}

static gboolean
read_batches (sqlite3 *db, const char *path, gint64 id, History *h, GError **error)
{
  return read_pairs (db, path, "SELECT x, loss, lr FROM batch_metrics WHERE run_id = ?1 ORDER BY step", id,
                     DL_RUN_SERIES_LOSS, DL_RUN_SERIES_LR, "reading batch losses", h, error);
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
  g_autoptr (GBytes) bytes = dl_run_store_column_bytes (st, column);
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

typedef struct {
  History    *h;
  const char *path;
} Evals;

static void
eval_row (sqlite3_stmt *st, gpointer out)
{
  Evals *e = out;
  DlRunEval ev = { 0 };
  gboolean subset;

  if (!dl_run_eval_kind_from_nick ((const char *) sqlite3_column_text (st, 0), &ev.kind))
    return;   /* a kind of a later schema */
  ev.step = sqlite3_column_int64 (st, 1);
  ev.x = sqlite3_column_double (st, 2);
  ev.epoch = sqlite3_column_int (st, 3);
  ev.n = sqlite3_column_int (st, 4);
  ev.correct = sqlite3_column_int (st, 5);
  ev.loss = dl_run_store_column_number (st, 6);
  ev.accuracy = dl_run_store_column_number (st, 7);
  read_confusion (st, 8, &ev);
  ev.predicted = dl_run_store_column_bytes (st, 9);
  ev.probs = dl_run_store_column_bytes (st, 10);
  ev.layer_stats = read_layer_stats (st, 11, e->path, ev.step);
  subset = ev.kind == DL_EVAL_SUBSET;
  add_point (e->h, subset ? DL_RUN_SERIES_SUBSET_LOSS : DL_RUN_SERIES_TEST_LOSS, ev.x, ev.loss);
  add_point (e->h, subset ? DL_RUN_SERIES_SUBSET_ACCURACY : DL_RUN_SERIES_TEST_ACCURACY, ev.x, ev.accuracy);
  g_array_append_val (e->h->evals, ev);
}

static gboolean
read_evals (sqlite3 *db, const char *path, gint64 id, History *h, GError **error)
{
  Evals e = { h, path };

  return dl_run_store_read_run_rows (db, path,
                                     "SELECT kind, step, x, epoch, n, correct, loss, accuracy, confusion, predicted, "
                                     "probs, layer_stats FROM evaluations WHERE run_id = ?1 ORDER BY step, id", id,
                                     eval_row, &e, "reading evaluations", error);
}

static gboolean
read_epoch_series (sqlite3 *db, const char *path, gint64 id, History *h, GError **error)
{
  return read_pairs (db, path, "SELECT x, train_loss, train_accuracy FROM epoch_metrics WHERE run_id = ?1 "
                     "ORDER BY step, epoch", id, DL_RUN_SERIES_TRAIN_LOSS, DL_RUN_SERIES_TRAIN_ACCURACY,
                     "reading epoch figures", h, error);
}

static void
marker_row (sqlite3_stmt *st, gpointer out)
{
  History *h = out;
  DlRunMarker m = { sqlite3_column_int64 (st, 0), sqlite3_column_double (st, 1), dl_run_store_column_text (st, 2) };

  g_array_append_val (h->markers, m);
}

static gboolean
read_markers (sqlite3 *db, const char *path, gint64 id, History *h, GError **error)
{
  return dl_run_store_read_run_rows (db, path,
                                     "SELECT step, x, text FROM events WHERE run_id = ?1 AND marker <> 0 "
                                     "ORDER BY step, id", id, marker_row, h, "reading markers", error);
}

/* The row id of the run with that uuid. Any integer is a valid SQLite row id (0 and negative ones too, in a
 * file another program wrote), so whether there is one is said apart from it. */
static gboolean
lookup_id (sqlite3 *db, const char *path, const char *uuid, gint64 *id, GError **error)
{
  sqlite3_stmt *st = dl_run_store_prepare (db, path, "SELECT id FROM runs WHERE uuid = ?1", error);
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
  if (!dl_run_store_finish (db, path, st, rc, "looking up a run", error))
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

  if (!dl_run_store_begin_read (db, path, error))
    return NULL;
  ok = lookup_id (db, path, uuid, &id, error) && read_batches (db, path, id, h, error)
       && read_evals (db, path, id, h, error)
       && read_epoch_series (db, path, id, h, error) && read_markers (db, path, id, h, error);
  dl_run_store_end_read (db);
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
