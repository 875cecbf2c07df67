/* dl-run-data.c — a run's data set: its files, sizes and checksums (see dl-run-data.h). */
#include "config.h"

#include "dl-run-data.h"
#include "dl-data.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#define READ_CHUNK (1 << 20)

G_DEFINE_BOXED_TYPE (DlRunData, dl_run_data, dl_run_data_ref, dl_run_data_unref)

static void
file_free (gpointer p)
{
  DlRunDataFile *f = p;

  g_free (f->set);
  g_free (f->kind);
  g_free (f->path);
  g_free (f->sha256);
  g_free (f);
}

DlRunData *
dl_run_data_new (const char *train_source, const char *test_source, int n_train, int n_test)
{
  DlRunData *data = g_atomic_rc_box_new0 (DlRunData);

  data->train_source = g_strdup (train_source);
  data->test_source = g_strdup (test_source);
  data->n_train = n_train;
  data->n_test = n_test;
  data->files = g_ptr_array_new_with_free_func (file_free);
  return data;
}

void
dl_run_data_add_file (DlRunData *data, const char *set, const char *kind, const char *path, gint64 size,
                      const char *sha256)
{
  DlRunDataFile *f = g_new0 (DlRunDataFile, 1);

  f->set = g_strdup (set);
  f->kind = g_strdup (kind);
  f->path = g_strdup (path);
  f->size = size;
  f->sha256 = g_strdup (sha256);
  g_ptr_array_add (data->files, f);
}

DlRunData *
dl_run_data_ref (DlRunData *data)
{
  return g_atomic_rc_box_acquire (data);
}

static void
data_clear (gpointer p)
{
  DlRunData *data = p;

  g_free (data->train_source);
  g_free (data->test_source);
  g_ptr_array_unref (data->files);
}

void
dl_run_data_unref (DlRunData *data)
{
  if (data != NULL)
    g_atomic_rc_box_release_full (data, data_clear);
}

char *
dl_run_data_checksum_file (const char *path, gint64 *size, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buf = g_malloc (READ_CHUNK);
  FILE *fp = fopen (path, "rb");
  gint64 total = 0;
  size_t got;
  int e;

  if (fp == NULL)
    {
      e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), _("%s: cannot read it: %s"), path, g_strerror (e));
      return NULL;
    }
  while ((got = fread (buf, 1, READ_CHUNK, fp)) > 0)
    {
      g_checksum_update (sum, buf, got);
      total += got;
    }
  e = ferror (fp) ? errno : 0;
  fclose (fp);
  if (e != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), _("%s: read failed: %s"), path, g_strerror (e));
      return NULL;
    }
  if (size != NULL)
    *size = total;
  return g_strdup (g_checksum_get_string (sum));
}

typedef struct {
  DlRunDataChecksumFunc func;
  gpointer              data;
} Checksummer;

static char *
plain_checksum (const char *path, gint64 *size, gpointer user_data, GError **error)
{
  return dl_run_data_checksum_file (path, size, error);
}

static gboolean
add_checksummed (DlRunData *data, const Checksummer *c, const char *set, const char *kind, const char *path,
                 GError **error)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  gint64 size = 0;
  g_autofree char *sha = c->func (abs, &size, c->data, error);

  if (sha == NULL)
    return FALSE;
  dl_run_data_add_file (data, set, kind, abs, size, sha);
  return TRUE;
}

static gboolean
add_source (DlRunData *data, const Checksummer *c, const char *set, const char *source, GError **error)
{
  const char *comma = strchr (source, ',');

  if (g_file_test (source, G_FILE_TEST_IS_DIR))
    {
      const char *prefix = g_str_equal (set, "train") ? "train" : "t10k";
      g_autofree char *images_name = g_strdup_printf ("%s-images-idx3-ubyte", prefix);
      g_autofree char *labels_name = g_strdup_printf ("%s-labels-idx1-ubyte", prefix);
      g_autofree char *images = dl_data_find_idx (source, images_name);
      g_autofree char *labels = dl_data_find_idx (source, labels_name);

      if (images == NULL || labels == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s: no %s[.gz] in this directory"), source,
                       images == NULL ? images_name : labels_name);
          return FALSE;
        }
      return add_checksummed (data, c, set, "images", images, error)
             && add_checksummed (data, c, set, "labels", labels, error);
    }
  if (g_file_test (source, G_FILE_TEST_EXISTS) || comma == NULL)
    return add_checksummed (data, c, set, "csv", source, error);
  {
    g_autofree char *images = g_strndup (source, comma - source);

    return add_checksummed (data, c, set, "images", images, error)
           && add_checksummed (data, c, set, "labels", comma + 1, error);
  }
}

DlRunData *
dl_run_data_compute_full (const char *train_source, const char *test_source, int n_train, int n_test,
                          DlRunDataChecksumFunc checksum, gpointer user_data, GError **error)
{
  g_autoptr (DlRunData) data = dl_run_data_new (train_source, test_source, n_train, n_test);
  Checksummer c = { checksum != NULL ? checksum : plain_checksum, user_data };

  if (train_source != NULL && !add_source (data, &c, "train", train_source, error))
    return NULL;
  if (test_source != NULL && !add_source (data, &c, "test", test_source, error))
    return NULL;
  return g_steal_pointer (&data);
}

DlRunData *
dl_run_data_compute (const char *train_source, const char *test_source, int n_train, int n_test, GError **error)
{
  return dl_run_data_compute_full (train_source, test_source, n_train, n_test, NULL, NULL, error);
}

typedef struct {
  char *train_source, *test_source;
  int   n_train, n_test;
} ComputeArgs;

static void
compute_args_free (gpointer p)
{
  ComputeArgs *a = p;

  g_free (a->train_source);
  g_free (a->test_source);
  g_free (a);
}

static void
compute_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ComputeArgs *a = task_data;
  GError *error = NULL;
  DlRunData *data = dl_run_data_compute (a->train_source, a->test_source, a->n_train, a->n_test, &error);

  if (data == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, data, (GDestroyNotify) dl_run_data_unref);
}

void
dl_run_data_compute_async (const char *train_source, const char *test_source, int n_train, int n_test,
                           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ComputeArgs *a = g_new0 (ComputeArgs, 1);

  a->train_source = g_strdup (train_source);
  a->test_source = g_strdup (test_source);
  a->n_train = n_train;
  a->n_test = n_test;
  g_task_set_source_tag (task, dl_run_data_compute_async);
  g_task_set_task_data (task, a, compute_args_free);
  g_task_run_in_thread (task, compute_thread);
}

DlRunData *
dl_run_data_compute_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
dl_run_data_equal (const DlRunData *a, const DlRunData *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL || a->n_train != b->n_train || a->n_test != b->n_test || a->files->len != b->files->len)
    return FALSE;
  for (guint i = 0; i < a->files->len; i++)
    {
      const DlRunDataFile *fa = g_ptr_array_index (a->files, i), *fb = g_ptr_array_index (b->files, i);

      if (g_strcmp0 (fa->set, fb->set) != 0 || g_strcmp0 (fa->kind, fb->kind) != 0
          || g_strcmp0 (fa->sha256, fb->sha256) != 0)
        return FALSE;
    }
  return TRUE;
}
