/* dl-run-store.c — DlRunStore: opening, the write queue, and the live list of runs (see dl-run-store.h). */
#include "dl-run-store-private.h"

#include <errno.h>
#include <glib/gstdio.h>

G_DEFINE_QUARK (dl-run-store-error-quark, dl_run_store_error)

struct _DlRunStore
{
  GObject        parent_instance;

  char          *path;
  DlStoreLink   *link;
  DlStoreWriter *writer;        /* NULL once closed */
  GMutex         writer_lock;   /* guards `writer`: data-set checksums are queued from a task's thread */
  sqlite3       *reader;
  GMutex         reader_lock;

  GListStore    *runs;          /* DlRun, not deleted, oldest first */
  GHashTable    *by_uuid;       /* uuid → DlRun: every run this store has handed out in `runs` */
  GHashTable    *owned;         /* uuids this process records: their figures are not overwritten */
  gboolean       runs_wanted;   /* dl_run_store_get_runs was called: keep `runs` filled */
  gboolean       refreshing, refresh_again;
  GCancellable  *cancellable;
  guint          syncing;       /* setting runs from the store: not a user's edit to save */
};

G_DEFINE_FINAL_TYPE (DlRunStore, dl_run_store, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  SIGNAL_WRITE_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void     refresh (DlRunStore *self);
static gboolean push (DlRunStore *self, DlStoreOp *op);

/* ---- the object ---- */

static void
dl_run_store_init (DlRunStore *self)
{
  g_mutex_init (&self->reader_lock);
  g_mutex_init (&self->writer_lock);
  self->runs = g_list_store_new (DL_TYPE_RUN);
  self->by_uuid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->owned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
}

static void
dl_run_store_dispose (GObject *object)
{
  DlRunStore *self = DL_RUN_STORE (object);

  g_cancellable_cancel (self->cancellable);
  dl_run_store_close (self);
  if (self->link != NULL)
    self->link->store = NULL;
  g_list_store_remove_all (self->runs);
  g_hash_table_remove_all (self->by_uuid);
  G_OBJECT_CLASS (dl_run_store_parent_class)->dispose (object);
}

static void
dl_run_store_finalize (GObject *object)
{
  DlRunStore *self = DL_RUN_STORE (object);

  g_clear_pointer (&self->link, dl_store_link_unref);
  sqlite3_close (self->reader);
  g_mutex_clear (&self->reader_lock);
  g_mutex_clear (&self->writer_lock);
  g_object_unref (self->runs);
  g_hash_table_unref (self->by_uuid);
  g_hash_table_unref (self->owned);
  g_object_unref (self->cancellable);
  g_free (self->path);
  G_OBJECT_CLASS (dl_run_store_parent_class)->finalize (object);
}

static void
dl_run_store_class_init (DlRunStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dl_run_store_dispose;
  object_class->finalize = dl_run_store_finalize;

  /* Another process committed to the store (e.g. digitlab-cli recording a run); the runs list follows. */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A commit failed (the GError says why); reported once until a commit succeeds again. */
  signals[SIGNAL_WRITE_ERROR] =
    g_signal_new ("write-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_ERROR);
}

/* ---- opening ---- */

char *
dl_run_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "digitlab", "runs.sqlite", NULL);
}

static gboolean
make_directory (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int e;

  if (g_mkdir_with_parents (dir, 0700) == 0)
    return TRUE;
  e = errno;
  g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_IO, _("%s: cannot create its directory %s: %s"), path,
               dir, g_strerror (e));
  return FALSE;
}

static DlRunStore *
open_store (const char *path, GMainContext *context, GError **error)
{
  sqlite3 *db, *reader;
  DlRunStore *self;

  if (!make_directory (path, error) || (db = dl_run_store_connect (path, error)) == NULL)
    return NULL;
  if (!dl_run_store_migrate (db, path, dl_run_store_migrations, dl_run_store_n_migrations, error)
      || !dl_run_store_check_ids (db, path, error)
      || !dl_run_store_repair_orphans (db, path, error)
      || (reader = dl_run_store_connect (path, error)) == NULL)
    {
      sqlite3_close (db);
      return NULL;
    }
  self = g_object_new (DL_TYPE_RUN_STORE, NULL);
  self->path = g_strdup (path);
  self->reader = reader;
  self->link = dl_store_link_new (self, context);
  self->writer = dl_store_writer_start (db, path, self->link);
  return self;
}

DlRunStore *
dl_run_store_open (const char *path, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();

  g_return_val_if_fail (path != NULL, NULL);
  return open_store (path, context, error);
}

typedef struct {
  char         *path;
  GMainContext *context;
} OpenArgs;

static void
open_args_free (gpointer p)
{
  OpenArgs *a = p;

  g_free (a->path);
  g_main_context_unref (a->context);
  g_free (a);
}

static void
open_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  OpenArgs *a = task_data;
  GError *error = NULL;
  DlRunStore *store = open_store (a->path, a->context, &error);

  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, store, g_object_unref);
}

void
dl_run_store_open_async (const char *path, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  OpenArgs *a = g_new0 (OpenArgs, 1);

  g_return_if_fail (path != NULL);
  a->path = g_strdup (path);
  a->context = g_main_context_ref_thread_default ();
  g_task_set_source_tag (task, dl_run_store_open_async);
  g_task_set_task_data (task, a, open_args_free);
  g_task_run_in_thread (task, open_thread);
}

DlRunStore *
dl_run_store_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
dl_run_store_get_path (DlRunStore *self)
{
  g_return_val_if_fail (DL_IS_RUN_STORE (self), NULL);
  return self->path;
}

char *
dl_run_store_dup_run_dir (DlRunStore *self, DlRun *run)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (DL_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (DL_IS_RUN (run), NULL);
  base = g_path_get_dirname (self->path);
  return g_build_filename (base, "runs", dl_run_get_uuid (run), NULL);
}

sqlite3 *
dl_run_store_reader_lock (DlRunStore *self)
{
  g_mutex_lock (&self->reader_lock);
  return self->reader;
}

void
dl_run_store_reader_unlock (DlRunStore *self)
{
  g_mutex_unlock (&self->reader_lock);
}

/* ---- the live list ---- */

static int
compare_runs (gconstpointer a, gconstpointer b, gpointer data)
{
  gint64 ta = dl_run_get_created_at ((DlRun *) a), tb = dl_run_get_created_at ((DlRun *) b);

  if (ta != tb)
    return ta < tb ? -1 : 1;
  return g_strcmp0 (dl_run_get_uuid ((DlRun *) a), dl_run_get_uuid ((DlRun *) b));
}

static void
show_run (DlRunStore *self, DlRun *run)
{
  if (!g_list_store_find (self->runs, run, NULL))
    g_list_store_insert_sorted (self->runs, run, compare_runs, NULL);
}

static void
hide_run (DlRunStore *self, DlRun *run)
{
  guint pos;

  if (g_list_store_find (self->runs, run, &pos))
    g_list_store_remove (self->runs, pos);
}

static void
on_meta_changed (DlRun *run, GParamSpec *pspec, DlRunStore *self)
{
  DlStoreOp *op;

  if (self->syncing > 0)
    return;
  op = g_new0 (DlStoreOp, 1);
  op->type = OP_UPDATE_META;
  op->uuid = g_strdup (dl_run_get_uuid (run));
  op->at = g_get_real_time ();
  op->name = g_strdup (dl_run_get_name (run));
  op->notes = g_strdup (dl_run_get_notes (run));
  push (self, op);
}

/* The store follows the run from now on: it is listed, and the user's edits of it are saved. */
static void
adopt_run (DlRunStore *self, DlRun *run)
{
  if (g_hash_table_contains (self->by_uuid, dl_run_get_uuid (run)))
    return;
  g_hash_table_insert (self->by_uuid, g_strdup (dl_run_get_uuid (run)), g_object_ref (run));
  g_signal_connect_object (run, "notify::name", G_CALLBACK (on_meta_changed), self, 0);
  g_signal_connect_object (run, "notify::notes", G_CALLBACK (on_meta_changed), self, 0);
}

/* Merges what the file holds now: other processes' runs appear, change, or go. */
static void
merge_rows (DlRunStore *self, GPtrArray *rows)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  self->syncing++;
  for (guint i = 0; i < rows->len; i++)
    {
      DlRunRow *row = g_ptr_array_index (rows, i);
      DlRun *run = g_hash_table_lookup (self->by_uuid, row->uuid);

      if (run == NULL)
        {
          g_autoptr (DlRun) fresh = dl_run_row_to_run (row);

          adopt_run (self, fresh);
          run = fresh;
        }
      else if (g_hash_table_contains (self->owned, row->uuid))
        dl_run_set_number (run, row->id);
      else
        dl_run_apply_row (run, row);
      show_run (self, run);
      g_hash_table_add (seen, (gpointer) dl_run_get_uuid (run));
    }
  /* Gone from the file (deleted by another process), unless it is ours and not committed yet. */
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->runs)); i-- > 0;)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      const char *uuid = dl_run_get_uuid (run);

      if (!g_hash_table_contains (seen, uuid) && !(g_hash_table_contains (self->owned, uuid) && dl_run_get_number (run) == 0))
        g_list_store_remove (self->runs, i);
    }
  self->syncing--;
}

static void
refresh_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DlRunStore *self = source;
  GError *error = NULL;
  sqlite3 *db = dl_run_store_reader_lock (self);
  GPtrArray *rows = dl_run_store_read_runs (db, self->path, FALSE, NULL, 0, &error);

  dl_run_store_reader_unlock (self);
  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

static void
refresh_done (GObject *source, GAsyncResult *result, gpointer data)
{
  DlRunStore *self = DL_RUN_STORE (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->refreshing = FALSE;
  if (rows != NULL)
    merge_rows (self, rows);
  else
    g_signal_emit (self, signals[SIGNAL_WRITE_ERROR], 0, error);
  if (self->refresh_again)
    refresh (self);
}

static void
refresh (DlRunStore *self)
{
  g_autoptr (GTask) task = NULL;

  if (self->refreshing)
    {
      self->refresh_again = TRUE;
      return;
    }
  self->refreshing = TRUE;
  self->refresh_again = FALSE;
  task = g_task_new (self, self->cancellable, refresh_done, NULL);
  g_task_set_source_tag (task, refresh);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, refresh_thread);
}

GListModel *
dl_run_store_get_runs (DlRunStore *self)
{
  g_return_val_if_fail (DL_IS_RUN_STORE (self), NULL);
  if (!self->runs_wanted)
    {
      self->runs_wanted = TRUE;
      refresh (self);
    }
  return G_LIST_MODEL (self->runs);
}

/* ---- notes from the writer thread ---- */

void
dl_run_store_run_stored (DlRunStore *self, const char *uuid, gint64 id)
{
  DlRun *run = g_hash_table_lookup (self->by_uuid, uuid);

  if (run != NULL)
    dl_run_set_number (run, id);
}

void
dl_run_store_external_change (DlRunStore *self)
{
  if (self->runs_wanted)
    refresh (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
dl_run_store_write_failed (DlRunStore *self, const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_WRITE_ERROR], 0, error);
}

/* ---- writes ---- */

static DlStoreOp *
op_new (DlStoreOpType type, DlRun *run)
{
  DlStoreOp *op = g_new0 (DlStoreOp, 1);

  op->type = type;
  op->uuid = run != NULL ? g_strdup (dl_run_get_uuid (run)) : NULL;
  op->at = g_get_real_time ();
  return op;
}

/* After close, writes have nowhere to go: FALSE, and the operation is dropped. */
static gboolean
push (DlRunStore *self, DlStoreOp *op)
{
  g_mutex_lock (&self->writer_lock);
  if (self->writer != NULL)
    dl_store_writer_push (self->writer, g_steal_pointer (&op));
  g_mutex_unlock (&self->writer_lock);
  if (op == NULL)
    return TRUE;
  dl_store_op_free (op);
  return FALSE;
}

void
dl_run_store_add_run (DlRunStore *self, DlRun *run)
{
  DlStoreOp *op;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  op = op_new (OP_ADD_RUN, run);
  op->row = dl_run_row_from_run (run);
  push (self, op);
  g_hash_table_add (self->owned, g_strdup (dl_run_get_uuid (run)));
  adopt_run (self, run);
  show_run (self, run);
}

void
dl_run_store_update_run (DlRunStore *self, DlRun *run)
{
  DlStoreOp *op;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  op = op_new (OP_UPDATE_RUN, run);
  dl_run_figures_from_run (&op->fig, run);
  push (self, op);
}

void
dl_run_store_add_batches (DlRunStore *self, DlRun *run, const DlRunBatch *batches, guint n)
{
  DlStoreOp *op;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  if (n == 0)
    return;
  op = op_new (OP_BATCHES, run);
  op->batches = g_array_sized_new (FALSE, FALSE, sizeof (DlRunBatch), n);
  g_array_append_vals (op->batches, batches, n);
  push (self, op);
}

void
dl_run_store_add_event (DlRunStore *self, DlRun *run, const char *kind, gint64 step, double x, gboolean marker,
                        const char *text)
{
  DlStoreOp *op;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  g_return_if_fail (kind != NULL);
  op = op_new (OP_EVENT, run);
  op->event.kind = g_strdup (kind);
  op->event.step = step;
  op->event.x = x;
  op->event.marker = marker;
  op->event.text = g_strdup (text);
  push (self, op);
}

void
dl_run_store_add_eval (DlRunStore *self, DlRun *run, const DlRunEval *ev)
{
  DlStoreOp *op;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  g_return_if_fail (ev != NULL);
  op = op_new (OP_EVAL, run);
  op->eval = *ev;
  if (ev->predicted != NULL)
    g_bytes_ref (ev->predicted);
  if (ev->probs != NULL)
    g_bytes_ref (ev->probs);
  if (ev->layer_stats != NULL)
    dl_layer_stats_ref (ev->layer_stats);
  push (self, op);
}

void
dl_run_store_add_epoch (DlRunStore *self, DlRun *run, const DlRunEpoch *epoch)
{
  DlStoreOp *op;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  op = op_new (OP_EPOCH, run);
  op->epoch = *epoch;
  push (self, op);
}

void
dl_run_store_add_model (DlRunStore *self, DlRun *run, const char *kind, const char *path, gint64 step)
{
  DlStoreOp *op;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  g_return_if_fail (kind != NULL && path != NULL);
  op = op_new (OP_MODEL, run);
  op->model.kind = g_strdup (kind);
  op->model.path = g_canonicalize_filename (path, NULL);
  op->model.step = step;
  push (self, op);
}

void
dl_run_store_add_checkpoint (DlRunStore *self, DlRun *run, DlCheckpoint *ckpt, guint keep_others)
{
  DlStoreOp *op;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  g_return_if_fail (ckpt != NULL);
  op = op_new (OP_CHECKPOINT, run);
  op->checkpoint = dl_checkpoint_ref (ckpt);
  op->keep_others = keep_others;
  push (self, op);
}

void
dl_run_store_pin_checkpoint (DlRunStore *self, DlRun *run, gint64 step)
{
  DlStoreOp *op;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  op = op_new (OP_PIN_CHECKPOINT, run);
  op->step = step;
  push (self, op);
}

void
dl_run_store_delete_run (DlRunStore *self, DlRun *run)
{
  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  DlStoreOp *op = op_new (OP_DELETE, run);

  dl_run_set_deleted_at (run, op->at);
  push (self, op);
  adopt_run (self, run);
  hide_run (self, run);
}

void
dl_run_store_restore_run (DlRunStore *self, DlRun *run)
{
  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  dl_run_set_deleted_at (run, 0);
  push (self, op_new (OP_RESTORE, run));
  adopt_run (self, run);
  show_run (self, run);
}

void
dl_run_store_purge (DlRunStore *self)
{
  g_return_if_fail (DL_IS_RUN_STORE (self));
  push (self, op_new (OP_PURGE, NULL));
}

void
dl_run_store_purge_run (DlRunStore *self, DlRun *run)
{
  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_return_if_fail (DL_IS_RUN (run));
  push (self, op_new (OP_PURGE, run));
}

/* From the thread computing a data set's checksums. */
void
dl_run_store_remember_checksum (DlRunStore *self, const char *path, gint64 size, gint64 mtime, const char *sha256)
{
  DlStoreOp *op = op_new (OP_CHECKSUM, NULL);

  op->model.path = g_strdup (path);
  op->model.size = size;
  op->model.step = mtime;
  op->model.sha256 = g_strdup (sha256);
  push (self, op);
}

static gboolean
wait_for (DlRunStore *self, DlStoreOpType type, GError **error)
{
  DlStoreFlush f = { 0 };
  DlStoreOp *op = op_new (type, NULL);

  g_mutex_init (&f.lock);
  g_cond_init (&f.cond);
  op->flush = &f;
  if (!push (self, op))
    f.done = TRUE;
  g_mutex_lock (&f.lock);
  while (!f.done)
    g_cond_wait (&f.cond, &f.lock);
  g_mutex_unlock (&f.lock);
  g_mutex_clear (&f.lock);
  g_cond_clear (&f.cond);
  if (f.error != NULL)
    {
      g_propagate_error (error, f.error);
      return FALSE;
    }
  return TRUE;
}

gboolean
dl_run_store_flush (DlRunStore *self, GError **error)
{
  g_return_val_if_fail (DL_IS_RUN_STORE (self), FALSE);
  if (self->writer == NULL)
    return TRUE;
  return wait_for (self, OP_FLUSH, error);
}

void
dl_run_store_close (DlRunStore *self)
{
  DlStoreWriter *writer;

  g_return_if_fail (DL_IS_RUN_STORE (self));
  g_mutex_lock (&self->writer_lock);
  writer = g_steal_pointer (&self->writer);
  g_mutex_unlock (&self->writer_lock);
  if (writer != NULL)
    dl_store_writer_stop (writer);
}
