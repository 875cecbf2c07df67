/* dl-run-store-export.c — the long-format CSV of several runs' metrics (see dl-run-store.h), read straight
 * from the store so that every row has its step. */
#include "dl-run-store-private.h"
#include "dl-file.h"

#include <math.h>
#include <string.h>

#define CSV_HEADER "run,uuid,name,metric,step,x,value,text\n"

/* Each query yields (metric, step, x, value, text) for one run (?1 = its id), in step order. */
static const char *const queries[] = {
  "SELECT 'loss', step, x, loss, NULL FROM batch_metrics WHERE run_id = ?1 ORDER BY step",
  "SELECT 'lr', step, x, lr, NULL FROM batch_metrics WHERE run_id = ?1 ORDER BY step",
  "SELECT 'subset_loss', step, x, loss, NULL FROM evaluations WHERE run_id = ?1 AND kind = 'subset' ORDER BY step, id",
  "SELECT 'subset_accuracy', step, x, accuracy, NULL FROM evaluations WHERE run_id = ?1 AND kind = 'subset' "
  "ORDER BY step, id",
  "SELECT 'test_loss', step, x, loss, NULL FROM evaluations WHERE run_id = ?1 AND kind <> 'subset' ORDER BY step, id",
  "SELECT 'test_accuracy', step, x, accuracy, NULL FROM evaluations WHERE run_id = ?1 AND kind <> 'subset' "
  "ORDER BY step, id",
  "SELECT 'train_loss', step, x, train_loss, NULL FROM epoch_metrics WHERE run_id = ?1 ORDER BY step, epoch",
  "SELECT 'train_accuracy', step, x, train_accuracy, NULL FROM epoch_metrics WHERE run_id = ?1 ORDER BY step, epoch",
  "SELECT 'marker', step, x, NULL, text FROM events WHERE run_id = ?1 AND marker <> 0 ORDER BY step, id",
};

/* The shortest decimal that reads back as the same number: as a float for what was one (losses and rates
 * are floats, "0.05"), else as a double (x, "0.016666666666666666"). */
static void
append_number (GString *out, double v)
{
  static const char *const formats[] = { "%.6g", "%.7g", "%.8g", "%.9g", "%.15g", "%.16g", "%.17g" };
  gboolean is_float = (double) (float) v == v;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    return;   /* an empty field: no value */
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      double back;

      g_ascii_formatd (buf, sizeof buf, formats[i], v);
      back = g_ascii_strtod (buf, NULL);
      if (is_float ? (float) back == (float) v : back == v)
        break;
    }
  g_string_append (out, buf);
}

/* A field quoted when it needs to be (RFC 4180). */
static void
append_field (GString *out, const char *s)
{
  if (s == NULL)
    return;
  if (strpbrk (s, ",\"\r\n") == NULL)
    {
      g_string_append (out, s);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = s; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* What the export needs of a run, copied on its own thread. */
typedef struct {
  char *uuid, *name;
} Named;

static void
named_free (gpointer p)
{
  Named *n = p;

  g_free (n->uuid);
  g_free (n->name);
  g_free (n);
}

static GPtrArray *
copy_names (GPtrArray *runs)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (named_free);

  for (guint i = 0; i < runs->len; i++)
    {
      Named *n = g_new0 (Named, 1);

      n->uuid = g_strdup (dl_run_get_uuid (g_ptr_array_index (runs, i)));
      n->name = g_strdup (dl_run_get_name (g_ptr_array_index (runs, i)));
      g_ptr_array_add (names, n);
    }
  return names;
}

static gboolean
export_run (sqlite3 *db, const char *path, const Named *run, GString *out, GError **error)
{
  g_autoptr (GString) prefix = g_string_new (NULL);
  sqlite3_stmt *st;
  gint64 id = 0;
  int rc;

  st = NULL;
  rc = sqlite3_prepare_v2 (db, "SELECT id FROM runs WHERE uuid = ?1", -1, &st, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (st, 1, run->uuid, -1, SQLITE_TRANSIENT);
      if ((rc = sqlite3_step (st)) == SQLITE_ROW)
        id = sqlite3_column_int64 (st, 0);
    }
  sqlite3_finalize (st);
  if (id == 0)
    {
      if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND, _("%s holds no run %s"), path,
                     run->uuid);
      else
        dl_run_store_set_sqlite_error (error, path, db, rc, "exporting a run");
      return FALSE;
    }
  g_string_append_printf (prefix, "%" G_GINT64_FORMAT ",%s,", id, run->uuid);
  append_field (prefix, run->name);
  g_string_append_c (prefix, ',');
  for (gsize q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      rc = sqlite3_prepare_v2 (db, queries[q], -1, &st, NULL);
      if (rc != SQLITE_OK)
        {
          dl_run_store_set_sqlite_error (error, path, db, rc, "exporting a run");
          return FALSE;
        }
      sqlite3_bind_int64 (st, 1, id);
      while ((rc = sqlite3_step (st)) == SQLITE_ROW)
        {
          g_string_append_len (out, prefix->str, prefix->len);
          g_string_append_printf (out, "%s,%" G_GINT64_FORMAT ",", sqlite3_column_text (st, 0),
                                  (gint64) sqlite3_column_int64 (st, 1));
          append_number (out, sqlite3_column_double (st, 2));
          g_string_append_c (out, ',');
          if (sqlite3_column_type (st, 3) != SQLITE_NULL)
            append_number (out, sqlite3_column_double (st, 3));
          g_string_append_c (out, ',');
          append_field (out, (const char *) sqlite3_column_text (st, 4));
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (st);
      if (rc != SQLITE_DONE)
        {
          dl_run_store_set_sqlite_error (error, path, db, rc, "exporting a run");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
export_names (DlRunStore *self, GPtrArray *names, GString *out, GError **error)
{
  const char *path = dl_run_store_get_path (self);
  sqlite3 *db = dl_run_store_reader_lock (self);
  /* One transaction: the rows of one moment, however long the export takes. */
  gboolean ok = dl_run_store_exec (db, path, "BEGIN", error);

  if (ok)
    g_string_append (out, CSV_HEADER);
  for (guint i = 0; ok && i < names->len; i++)
    ok = export_run (db, path, g_ptr_array_index (names, i), out, error);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  dl_run_store_reader_unlock (self);
  return ok;
}

gboolean
dl_run_store_export_csv (DlRunStore *self, GPtrArray *runs, GString *out, GError **error)
{
  g_autoptr (GPtrArray) names = NULL;

  g_return_val_if_fail (DL_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (runs != NULL && out != NULL, FALSE);
  names = copy_names (runs);
  return export_names (self, names, out, error);
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GPtrArray *names = g_object_get_data (G_OBJECT (task), "names");
  g_autoptr (GString) out = g_string_new (NULL);
  GError *error = NULL;

  if (export_names (source, names, out, &error) && dl_file_save_bytes (task_data, out->str, out->len, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
dl_run_store_export_csv_async (DlRunStore *self, GPtrArray *runs, const char *path, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (runs != NULL && path != NULL);
  g_task_set_source_tag (task, dl_run_store_export_csv_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_object_set_data_full (G_OBJECT (task), "names", copy_names (runs), (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, export_thread);
}

gboolean
dl_run_store_export_csv_finish (DlRunStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
