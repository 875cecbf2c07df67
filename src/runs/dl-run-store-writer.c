/* dl-run-store-writer.c — the store's writer thread (see dl-run-store-private.h).
 *
 * Every write of a DlRunStore is an operation queued here. The thread gathers them and commits them in one
 * transaction at most DL_RUN_STORE_COMMIT_INTERVAL_MS after the first of them arrived (at once for a flush
 * or a stop), so the per-batch rows of a fast training cost a transaction per half second, not one each, and a
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
  g_clear_pointer (&op->eval.layer_stats, dl_layer_stats_unref);
  g_free (op->model.kind);
  g_free (op->model.path);
  g_free (op->model.sha256);
  g_clear_pointer (&op->checkpoint, dl_checkpoint_unref);
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

void
dl_store_writer_report (DlStoreWriter *w, const GError *error)
{
  post_note (w, NOTE_ERROR, NULL, 0, error);
}

/* ---- committing ---- */

/* Which pending operations a later one of the same transaction overwrites (an update of the same run's
 * figures, or of its name and notes; a checkpoint of the same run that is not an end of epoch, whose file
 * is not worth writing only to go at the next retention): those are skipped. One pass from the end. */
static gboolean *
find_superseded (DlStoreWriter *w)
{
  gboolean *skip = g_new0 (gboolean, MAX (w->pending->len, 1));
  g_autoptr (GHashTable) figures = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) checkpoints = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = w->pending->len; i-- > 0;)
    {
      DlStoreOp *op = g_ptr_array_index (w->pending, i);
      gboolean mid_epoch = op->type == OP_CHECKPOINT && !op->checkpoint->epoch_end;
      GHashTable *seen = op->type == OP_UPDATE_RUN ? figures : op->type == OP_UPDATE_META ? meta
                         : mid_epoch ? checkpoints : NULL;

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
    if (!skip[i] && !dl_store_writer_apply (w, g_ptr_array_index (w->pending, i), error))
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
      for (guint i = 0; i < w->unlink->len; i++)
        g_unlink (g_ptr_array_index (w->unlink, i));
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
  g_ptr_array_set_size (w->unlink, 0);
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
  sqlite3_stmt *st = dl_store_writer_statement (w, "PRAGMA data_version", NULL);

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
  w->unlink = g_ptr_array_new_with_free_func (g_free);
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
  g_ptr_array_unref (w->unlink);
  g_async_queue_unref (w->queue);
  dl_store_link_unref (w->link);
  g_free (w->path);
  g_free (w);
}
