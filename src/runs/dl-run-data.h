/* dl-run-data.h — the data set a run trained on, as the store records it: where each file was, its size and
 * SHA-256, and how many examples were used. Immutable once shared; reference-counted (g_atomic_rc_box), so
 * it can be handed to the store's writer thread. No GTK.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char   *set;      /* "train" or "test" */
  char   *kind;     /* "images", "labels" (IDX) or "csv" */
  char   *path;     /* absolute */
  gint64  size;     /* bytes */
  char   *sha256;   /* lower-case hex */
} DlRunDataFile;

typedef struct {
  char      *train_source;   /* as given: a directory, a .csv file, IMAGES,LABELS; NULL when in memory */
  char      *test_source;
  int        n_train, n_test;   /* examples used (e.g. --limit-train) */
  GPtrArray *files;          /* DlRunDataFile*, training files first */
} DlRunData;

#define DL_TYPE_RUN_DATA (dl_run_data_get_type ())
GType      dl_run_data_get_type (void) G_GNUC_CONST;

/* An empty description (no files): fill it with dl_run_data_add_file before sharing it. */
DlRunData *dl_run_data_new (const char *train_source, const char *test_source, int n_train, int n_test);
void       dl_run_data_add_file (DlRunData *data, const char *set, const char *kind, const char *path,
                                 gint64 size, const char *sha256);
DlRunData *dl_run_data_ref (DlRunData *data);
void       dl_run_data_unref (DlRunData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlRunData, dl_run_data_unref)

/* Checksums one file (SHA-256 hex, and its size); NULL with a G_IO_ERROR naming it when it cannot be read. */
typedef char *(*DlRunDataChecksumFunc) (const char *path, gint64 *size, gpointer user_data, GError **error);

/* Finds the files behind each source as dl_dataset_load_path does (a directory's IDX pair, with or without
 * .gz; a .csv file; "IMAGES,LABELS") and checksums them. Reads every byte: the async form does it on a
 * thread, for the UI. A file that cannot be read fails with G_IO_ERROR naming it. */
DlRunData *dl_run_data_compute (const char *train_source, const char *test_source, int n_train, int n_test,
                                GError **error);
/* The same with `checksum` for each file (e.g. DlRunStore's, which remembers the checksums of files it has
 * seen, by path, size and modification time). */
DlRunData *dl_run_data_compute_full (const char *train_source, const char *test_source, int n_train, int n_test,
                                     DlRunDataChecksumFunc checksum, gpointer user_data, GError **error);
void       dl_run_data_compute_async (const char *train_source, const char *test_source, int n_train,
                                      int n_test, GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
DlRunData *dl_run_data_compute_finish (GAsyncResult *result, GError **error);

/* SHA-256 (hex) and size of one file; NULL and a G_IO_ERROR naming the file when it cannot be read. */
char      *dl_run_data_checksum_file (const char *path, gint64 *size, GError **error);

/* Whether two descriptions name the same bytes: the same files by checksum, and the same counts. */
gboolean   dl_run_data_equal (const DlRunData *a, const DlRunData *b);

G_END_DECLS
