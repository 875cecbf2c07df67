/* dl-run-store-checkpoints.c — a run's checkpoints in the store (see dl-run-store.h): on the writer thread,
 * the file (written there, never on the worker's or the UI's thread), its row and the retention; the reads.
 *
 * Each checkpoint is runs/UUID/checkpoint-STEP.dlm beside the store, with a row saying where it is in the
 * run, its size and SHA-256. After each one the run's checkpoints are thinned as dl_checkpoint_retain says;
 * the files of the rows it deletes are removed once that transaction has committed.
 */
#include "dl-run-store-private.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "dl-model.h"

void
dl_run_checkpoint_free (DlRunCheckpoint *c)
{
  if (c == NULL)
    return;
  g_free (c->path);
  g_free (c->sha256);
  g_free (c);
}

/* ---- the writer thread ---- */

static gboolean
step_done (DlStoreWriter *w, sqlite3_stmt *st, const char *what, GError **error)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  dl_run_store_set_sqlite_error (error, w->path, w->db, rc, what);
  return FALSE;
}

/* The run's checkpoints that the retention keeps no longer: their rows go now, their files at the commit. */
static gboolean
retain (DlStoreWriter *w, gint64 id, guint keep_others, GError **error)
{
  sqlite3_stmt *st = dl_store_writer_statement (w, "SELECT step, epoch_end, pinned, path FROM checkpoints "
                                                "WHERE run_id = ?1", error);
  g_autoptr (GArray) info = g_array_new (FALSE, FALSE, sizeof (DlCheckpointInfo));
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree gboolean *keep = NULL;
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      DlCheckpointInfo c = { sqlite3_column_int64 (st, 0), sqlite3_column_int (st, 1), sqlite3_column_int (st, 2) };

      g_array_append_val (info, c);
      g_ptr_array_add (paths, dl_run_store_column_text (st, 3));
    }
  sqlite3_reset (st);
  if (rc != SQLITE_DONE)
    {
      dl_run_store_set_sqlite_error (error, w->path, w->db, rc, "listing a run's checkpoints");
      return FALSE;
    }
  keep = g_new (gboolean, MAX (info->len, 1));
  dl_checkpoint_retain ((const DlCheckpointInfo *) info->data, info->len, keep_others, keep);
  for (guint i = 0; i < info->len; i++)
    {
      if (keep[i])
        continue;
      st = dl_store_writer_statement (w, "DELETE FROM checkpoints WHERE run_id = ?1 AND step = ?2", error);
      if (st == NULL)
        return FALSE;
      sqlite3_bind_int64 (st, 1, id);
      sqlite3_bind_int64 (st, 2, g_array_index (info, DlCheckpointInfo, i).step);
      if (!step_done (w, st, "removing a checkpoint", error))
        return FALSE;
      g_ptr_array_add (w->unlink, g_strdup (g_ptr_array_index (paths, i)));
    }
  return TRUE;
}

/* A file that cannot be written is reported, but does not cost the other rows of the transaction. */
gboolean
dl_store_writer_add_checkpoint (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  const DlCheckpoint *c = op->checkpoint;
  g_autofree char *base = g_path_get_dirname (w->path);
  g_autofree char *dir = g_build_filename (base, "runs", op->uuid, NULL);
  g_autofree char *name = g_strdup_printf ("checkpoint-%" G_GINT64_FORMAT ".dlm", c->step);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *sha = NULL;
  g_autoptr (GError) save_error = NULL;
  GStatBuf info;
  sqlite3_stmt *st;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    save_error = g_error_new (G_FILE_ERROR, g_file_error_from_errno (errno), _("%s: cannot create the folder: %s"),
                              dir, g_strerror (errno));
  else if (dl_checkpoint_save (c, path, &sha, &save_error) && g_stat (path, &info) != 0)
    save_error = g_error_new (G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", path, g_strerror (errno));
  if (save_error != NULL)
    {
      dl_store_writer_report (w, save_error);
      return TRUE;
    }
  st = dl_store_writer_statement (w, "INSERT OR REPLACE INTO checkpoints "
                                  "(run_id, step, epoch, x, epoch_end, pinned, path, size, sha256, at) VALUES "
                                  "(?1, ?2, ?3, ?4, ?5, COALESCE ((SELECT pinned FROM checkpoints WHERE run_id = ?1 "
                                  "AND step = ?2), 0), ?6, ?7, ?8, ?9)", error);
  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  sqlite3_bind_int64 (st, 2, c->step);
  sqlite3_bind_int (st, 3, c->epoch);
  sqlite3_bind_double (st, 4, c->epoch + (double) c->pos / c->train_n);
  sqlite3_bind_int (st, 5, c->epoch_end);
  sqlite3_bind_text (st, 6, path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 7, info.st_size);
  sqlite3_bind_text (st, 8, sha, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 9, op->at);
  return step_done (w, st, "saving a checkpoint", error) && retain (w, id, op->keep_others, error);
}

gboolean
dl_store_writer_pin_checkpoint (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error)
{
  sqlite3_stmt *st = dl_store_writer_statement (w, "UPDATE checkpoints SET pinned = 1 WHERE run_id = ?1 AND step = ?2",
                                                error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  sqlite3_bind_int64 (st, 2, op->step);
  return step_done (w, st, "pinning a checkpoint", error);
}

/* ---- reads ---- */

static void
checkpoint_row (sqlite3_stmt *st, gpointer out)
{
  DlRunCheckpoint *c = g_new0 (DlRunCheckpoint, 1);

  c->step = sqlite3_column_int64 (st, 0);
  c->epoch = sqlite3_column_int (st, 1);
  c->x = sqlite3_column_double (st, 2);
  c->epoch_end = sqlite3_column_int (st, 3);
  c->pinned = sqlite3_column_int (st, 4);
  c->path = dl_run_store_column_text (st, 5);
  c->size = sqlite3_column_int64 (st, 6);
  c->sha256 = dl_run_store_column_text (st, 7);
  c->at = sqlite3_column_int64 (st, 8);
  g_ptr_array_add (out, c);
}

static GPtrArray *
read_checkpoints (DlRunStore *self, DlRun *run, gint64 at_most, GError **error)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) dl_run_checkpoint_free);

  if (!dl_run_store_read_rows (self, run, "SELECT c.step, c.epoch, c.x, c.epoch_end, c.pinned, c.path, c.size, "
                               "c.sha256, c.at FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE r.uuid = ?1 "
                               "AND c.step <= ?2 ORDER BY c.step", at_most, checkpoint_row, list,
                               "reading a run's checkpoints", error))
    return NULL;
  return g_steal_pointer (&list);
}

GPtrArray *
dl_run_store_list_checkpoints (DlRunStore *self, DlRun *run, GError **error)
{
  g_return_val_if_fail (DL_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (DL_IS_RUN (run), NULL);
  return read_checkpoints (self, run, G_MAXINT64, error);
}

DlRunCheckpoint *
dl_run_store_find_checkpoint (DlRunStore *self, DlRun *run, gint64 step, GError **error)
{
  g_autoptr (GPtrArray) list = NULL;

  g_return_val_if_fail (DL_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (DL_IS_RUN (run), NULL);
  list = read_checkpoints (self, run, step, error);
  if (list == NULL)
    return NULL;
  if (list->len == 0)
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND,
                   _("Run %s has no checkpoint at or before step %lld."), dl_run_get_name (run), (long long) step);
      return NULL;
    }
  return g_ptr_array_steal_index (list, list->len - 1);
}

DlCheckpoint *
dl_run_store_load_checkpoint (DlRunStore *self, const DlRunCheckpoint *c, GError **error)
{
  g_autofree char *sha = NULL;

  g_return_val_if_fail (DL_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (c != NULL, NULL);
  sha = dl_run_data_checksum_file (c->path, NULL, error);
  if (sha == NULL)
    return NULL;
  if (!g_str_equal (sha, c->sha256))
    {
      g_set_error (error, DL_MODEL_ERROR, DL_MODEL_ERROR_CHECKSUM,
                   _("%s: the checkpoint was altered: its SHA-256 is %s, the run store recorded %s"), c->path, sha,
                   c->sha256);
      return NULL;
    }
  return dl_checkpoint_load (c->path, error);
}
