/* dl-run-store-data.c — a run's data set described with the store's memory of file checksums (see
 * dl_run_store_compute_data in dl-run-store.h): a file whose path, size and modification time the store
 * has seen is not read again. */
#include "dl-run-store-private.h"

#include <glib/gstdio.h>

static char *
lookup_checksum (DlRunStore *self, const char *path, gint64 size, gint64 mtime)
{
  sqlite3 *db = dl_run_store_reader_lock (self);
  sqlite3_stmt *st = NULL;
  char *sha = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT sha256 FROM file_checksums WHERE path = ?1 AND size = ?2 AND mtime = ?3", -1,
                          &st, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (st, 1, path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (st, 2, size);
      sqlite3_bind_int64 (st, 3, mtime);
      if (sqlite3_step (st) == SQLITE_ROW)
        sha = dl_run_store_column_text (st, 0);
    }
  sqlite3_finalize (st);
  dl_run_store_reader_unlock (self);
  return sha;
}

static char *
cached_checksum (const char *path, gint64 *size, gpointer user_data, GError **error)
{
  DlRunStore *self = user_data;
  GStatBuf sb;
  gint64 mtime;
  char *sha;

  if (g_stat (path, &sb) != 0)
    return dl_run_data_checksum_file (path, size, error);   /* says what is wrong with it */
  mtime = (gint64) sb.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + sb.st_mtim.tv_nsec;
  sha = lookup_checksum (self, path, sb.st_size, mtime);
  if (sha != NULL)
    {
      *size = sb.st_size;
      return sha;
    }
  sha = dl_run_data_checksum_file (path, size, error);
  if (sha != NULL && *size == sb.st_size)
    dl_run_store_remember_checksum (self, path, *size, mtime, sha);
  return sha;
}

DlRunData *
dl_run_store_compute_data (DlRunStore *self, const char *train_source, const char *test_source, int n_train,
                           int n_test, GError **error)
{
  g_return_val_if_fail (DL_IS_RUN_STORE (self), NULL);
  return dl_run_data_compute_full (train_source, test_source, n_train, n_test, cached_checksum, self, error);
}

typedef struct {
  char *train_source, *test_source;
  int   n_train, n_test;
} DataArgs;

static void
data_args_free (gpointer p)
{
  DataArgs *a = p;

  g_free (a->train_source);
  g_free (a->test_source);
  g_free (a);
}

static void
data_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DataArgs *a = task_data;
  GError *error = NULL;
  DlRunData *data = dl_run_store_compute_data (source, a->train_source, a->test_source, a->n_train, a->n_test, &error);

  if (data == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, data, (GDestroyNotify) dl_run_data_unref);
}

void
dl_run_store_compute_data_async (DlRunStore *self, const char *train_source, const char *test_source, int n_train,
                                 int n_test, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  DataArgs *a = g_new0 (DataArgs, 1);

  a->train_source = g_strdup (train_source);
  a->test_source = g_strdup (test_source);
  a->n_train = n_train;
  a->n_test = n_test;
  g_task_set_source_tag (task, dl_run_store_compute_data_async);
  g_task_set_task_data (task, a, data_args_free);
  g_task_run_in_thread (task, data_thread);
}

DlRunData *
dl_run_store_compute_data_finish (DlRunStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
