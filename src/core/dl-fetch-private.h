/* dl-fetch-private.h — the parts of a fetch outside dl-fetch.c: reading the registry's metadata
 * (dl-fetch-metadata.c) and the blocking file steps run on a worker thread (dl-fetch-files.c). */
#pragma once

#include "dl-fetch.h"

G_BEGIN_DECLS

/* What the registry says about the pinned version's tarball. */
typedef struct {
  char          *tarball_url;
  char          *integrity;     /* as the registry wrote it ("sha512-…"), for messages */
  GChecksumType  digest_type;   /* the strongest hash in it */
  char          *digest_hex;    /* that hash, lowercase hex */
} DlFetchMetadata;

/* Reads the registry's JSON answer for source's version (fetched from url, for messages). */
gboolean dl_fetch_parse_metadata (const DlFetchSource *source, GBytes *body, const char *url,
                                  DlFetchMetadata *meta, GError **error);
void     dl_fetch_metadata_clear (DlFetchMetadata *meta);

/* Unpacks the source's files from the gzip-compressed tarball into staging, each checked against its
 * pinned size and SHA-256 while it is written; tarball_name is what messages call the tarball. */
gboolean dl_fetch_unpack (const DlFetchSource *source, const char *tarball, const char *tarball_name,
                          const char *staging, GCancellable *cancellable, GError **error);
/* Moves the unpacked files from staging into dest, each with one rename (atomic per file). */
gboolean dl_fetch_install (const DlFetchSource *source, const char *staging, const char *dest, GError **error);
/* Whether path is the pinned file: a wrong one is DL_FETCH_ERROR_CHECKSUM, a missing one
 * G_IO_ERROR_NOT_FOUND. */
gboolean dl_fetch_verify_file (const DlFetchFile *file, const char *path, GCancellable *cancellable,
                               GError **error);
/* Staging folders are dest/.download-XXXXXX, each locked (flock) by the run that uses it. */
#define DL_FETCH_STAGING_PREFIX ".download-"
/* Locks a staging folder; the descriptor to close when done, or -1 when another process holds it. */
int      dl_fetch_lock_staging (const char *staging);
/* Removes the staging folders in dest that no process holds: those of runs that were killed. */
void     dl_fetch_remove_stale_staging (const char *dest);
/* Removes staging and everything in it (a flat folder); quietly does nothing when it is not there. */
void     dl_fetch_remove_staging (const char *staging);

G_END_DECLS
