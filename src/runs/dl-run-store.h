/* dl-run-store.h — the persistent run history: one SQLite file (WAL, foreign keys, a versioned schema).
 *
 * Default file: ${XDG_DATA_HOME:-~/.local/share}/digitlab/runs.sqlite; each run's files (its final model)
 * go beside it, in digitlab/runs/RUN-UUID/. Several processes may use one store at once (the app and
 * digitlab-cli): SQLite serialises their short write transactions, and each store notices the others'
 * commits ("changed").
 *
 * Writes never block the caller: every dl_run_store_add_… / update / delete call copies what it needs and
 * queues it for the store's own writer thread, which commits in batched transactions at most
 * DL_RUN_STORE_COMMIT_INTERVAL_MS apart (so a kill -9 loses at most about that much, and never corrupts the
 * file). Write failures arrive as "write-error". Reads come in two forms: _async (a GTask thread, for the
 * UI, which must never wait on SQLite) and blocking (for the CLI and tests).
 *
 * A store that cannot be opened — written by a newer Digit Lab, not a database, a database of something
 * else, or locked by another program — fails with a DL_RUN_STORE_ERROR naming the file and what is wrong;
 * callers then go on without history (DlRunRecorder takes a NULL store).
 *
 * The object is used from the thread that opened it (its main context receives the signals and
 * callbacks). Schema: see README.md ("The run store") and dl-run-store-schema.c.
 */
#pragma once

#include <gio/gio.h>
#include "dl-checkpoint.h"
#include "dl-run.h"

G_BEGIN_DECLS

#define DL_RUN_STORE_ERROR (dl_run_store_error_quark ())
GQuark dl_run_store_error_quark (void);
typedef enum {
  DL_RUN_STORE_ERROR_IO,           /* the file or its directory cannot be created or opened */
  DL_RUN_STORE_ERROR_NEWER,        /* written by a newer Digit Lab: a schema version this one cannot read */
  DL_RUN_STORE_ERROR_CORRUPT,      /* not a SQLite database, or a damaged one */
  DL_RUN_STORE_ERROR_NOT_A_STORE,  /* a SQLite database, but not a Digit Lab run store */
  DL_RUN_STORE_ERROR_LOCKED,       /* another program holds it locked */
  DL_RUN_STORE_ERROR_NOT_FOUND,    /* no run by that number or uuid */
  DL_RUN_STORE_ERROR_AMBIGUOUS,    /* a uuid prefix that several runs share */
  DL_RUN_STORE_ERROR_FAILED,       /* any other SQLite failure (disk full, …) */
} DlRunStoreError;

/* The schema version this build writes (PRAGMA user_version), and its PRAGMA application_id ("DLab"). */
#define DL_RUN_STORE_SCHEMA_VERSION 3
#define DL_RUN_STORE_APPLICATION_ID 0x444c6162
#define DL_RUN_STORE_COMMIT_INTERVAL_MS 500
/* How long a write waits for another process's transaction before giving up. */
#define DL_RUN_STORE_BUSY_TIMEOUT_MS 5000

/* One training batch as the store keeps it. */
typedef struct {
  gint64 step;
  double x;
  float  loss;
  float  lr;
} DlRunBatch;

/* One finished epoch's figures (test figures on the whole test set; accuracies as fractions). */
typedef struct {
  int    epoch;            /* 0-based */
  gint64 step;
  double x;
  double train_loss, train_accuracy;
  double test_loss, test_accuracy;
  double seconds;          /* training time of this epoch */
} DlRunEpoch;

/* An entry of a run's event log: hyperparameter changes ("hyper", marker TRUE when acknowledged during the
 * run), state changes ("state"), notes ("note"), divergence ("diverged"), errors ("error"), saved models
 * ("model"). */
typedef struct {
  char    *kind;
  gint64   at;             /* µs since 1970 */
  gint64   step;
  double   x;
  gboolean marker;
  char    *text;
} DlRunEvent;

/* A model file of a run: its final model ("final"), a copy the user saved ("saved"), the model it started
 * from ("origin"). */
typedef struct {
  char   *kind;
  char   *path;
  gint64  size;
  char   *sha256;
  gint64  step;
  gint64  at;
} DlRunModel;

/* A checkpoint of a run (dl-checkpoint.h) as the store keeps it: a checkpoint file in the run's directory. */
typedef struct {
  gint64   step;
  int      epoch;          /* whole epochs done */
  double   x;              /* epochs done, fractional */
  gboolean epoch_end;
  gboolean pinned;         /* a run was branched from it: kept whatever the retention */
  char    *path;
  gint64   size;
  char    *sha256;
  gint64   at;
} DlRunCheckpoint;

void dl_run_checkpoint_free (DlRunCheckpoint *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlRunCheckpoint, dl_run_checkpoint_free)

#define DL_TYPE_RUN_STORE (dl_run_store_get_type ())
G_DECLARE_FINAL_TYPE (DlRunStore, dl_run_store, DL, RUN_STORE, GObject)

/* ${XDG_DATA_HOME:-~/.local/share}/digitlab/runs.sqlite */
char        *dl_run_store_default_path (void);

/* Opens (creating the file and its directory, or migrating an older schema) and starts the writer thread.
 * Blocks for as long as SQLite needs, up to the busy timeout when another process holds the file. */
DlRunStore  *dl_run_store_open (const char *path, GError **error);
/* The same on a GTask thread; the store then belongs to the thread-default main context of the caller. */
void         dl_run_store_open_async (const char *path, GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
DlRunStore  *dl_run_store_open_finish (GAsyncResult *result, GError **error);

const char  *dl_run_store_get_path (DlRunStore *self);
/* Where a run's files go: <the store's directory>/runs/<uuid> (not created). */
char        *dl_run_store_dup_run_dir (DlRunStore *self, DlRun *run);

/* ---- writes: queued for the writer thread, never blocking ---- */

/* Records a new run (its frozen fields, configuration, data files and current figures). From then on the
 * store saves the run's name and notes whenever they change, and lists it in dl_run_store_get_runs. */
void         dl_run_store_add_run (DlRunStore *self, DlRun *run);
/* Saves the run's state, timings, steps and figures as they are now (its name and notes are saved on
 * change). Several updates before a commit write once. */
void         dl_run_store_update_run (DlRunStore *self, DlRun *run);
void         dl_run_store_add_batches (DlRunStore *self, DlRun *run, const DlRunBatch *batches, guint n);
void         dl_run_store_add_event (DlRunStore *self, DlRun *run, const char *kind, gint64 step, double x,
                                     gboolean marker, const char *text);
void         dl_run_store_add_eval (DlRunStore *self, DlRun *run, const DlRunEval *ev);
void         dl_run_store_add_epoch (DlRunStore *self, DlRun *run, const DlRunEpoch *epoch);
/* The writer thread reads `path` for its size and SHA-256; a file that cannot be read is a "write-error". */
void         dl_run_store_add_model (DlRunStore *self, DlRun *run, const char *kind, const char *path, gint64 step);
/* Writes the checkpoint's file (runs/UUID/checkpoint-STEP.dlm) and row on the writer thread, then keeps what
 * the retention says (dl_checkpoint_retain: every end of epoch and pinned checkpoint, and the keep_others
 * latest others; the preferences key checkpoint-retention) and deletes the rest, rows and files. A
 * checkpoint that is not an end of epoch is replaced by a later one of the same run queued before the writer
 * wrote it: at most one such file a run per commit. */
void         dl_run_store_add_checkpoint (DlRunStore *self, DlRun *run, DlCheckpoint *ckpt, guint keep_others);
/* Keeps a run's checkpoint at `step` whatever the retention (a branch was made from it). */
void         dl_run_store_pin_checkpoint (DlRunStore *self, DlRun *run, gint64 step);
/* Soft delete: the run leaves dl_run_store_get_runs and every listing but keeps its rows until a purge;
 * restore undoes it. */
void         dl_run_store_delete_run (DlRunStore *self, DlRun *run);
void         dl_run_store_restore_run (DlRunStore *self, DlRun *run);
/* Removes every soft-deleted run for good (this process's and others'), with its files. */
void         dl_run_store_purge (DlRunStore *self);
/* Removes one run for good, with its files, if it is soft-deleted when the writer gets to it (a run restored
 * meanwhile stays). */
void         dl_run_store_purge_run (DlRunStore *self, DlRun *run);
/* Blocks until everything queued so far is committed; FALSE with the error when that commit failed. */
gboolean     dl_run_store_flush (DlRunStore *self, GError **error);
/* Commits what is queued and stops the writer thread (also done by dispose); later writes are dropped. */
void         dl_run_store_close (DlRunStore *self);

/* ---- data sets ---- */

/* dl_run_data_compute, with the checksums of files the store has seen before (same path, size and
 * modification time) taken from it rather than read again: MNIST's 55 MB take about a second to hash.
 * Blocking; the async form runs on a GTask thread. */
DlRunData   *dl_run_store_compute_data (DlRunStore *self, const char *train_source, const char *test_source,
                                        int n_train, int n_test, GError **error);
void         dl_run_store_compute_data_async (DlRunStore *self, const char *train_source, const char *test_source,
                                              int n_train, int n_test, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
DlRunData   *dl_run_store_compute_data_finish (DlRunStore *self, GAsyncResult *result, GError **error);

/* ---- reads ---- */

/* Every run not deleted, oldest first, as DlRun objects that stay up to date: this process's runs as they
 * are recorded, other processes' runs when their commits are noticed. Filled asynchronously after the first
 * call. The same run is always the same object. */
GListModel  *dl_run_store_get_runs (DlRunStore *self);

/* Summaries (no series: "loaded" is FALSE), oldest first; new objects each time. */
GPtrArray   *dl_run_store_list_runs (DlRunStore *self, gboolean include_deleted, GError **error);
void         dl_run_store_list_runs_async (DlRunStore *self, gboolean include_deleted, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
GPtrArray   *dl_run_store_list_runs_finish (DlRunStore *self, GAsyncResult *result, GError **error);

/* A run by its number ("12") or a unique prefix of its uuid (4 characters or more), deleted ones included. */
DlRun       *dl_run_store_find_run (DlRunStore *self, const char *id, GError **error);

/* Fills a run's series, markers and evaluations from the store and marks it loaded. The async form reads
 * on a GTask thread and fills the run in _finish, on the caller's thread. */
gboolean     dl_run_store_load_run (DlRunStore *self, DlRun *run, GError **error);
void         dl_run_store_load_run_async (DlRunStore *self, DlRun *run, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean     dl_run_store_load_run_finish (DlRunStore *self, GAsyncResult *result, GError **error);

/* A run's event log (DlRunEvent*, in order), epoch figures (DlRunEpoch, an array) and models (DlRunModel*).
 * Blocking. */
GPtrArray   *dl_run_store_list_events (DlRunStore *self, DlRun *run, GError **error);
GArray      *dl_run_store_list_epochs (DlRunStore *self, DlRun *run, GError **error);
GPtrArray   *dl_run_store_list_models (DlRunStore *self, DlRun *run, GError **error);
/* A run's checkpoints (DlRunCheckpoint*), by step; the latest at or before `step` (NOT_FOUND when there is
 * none: where a branch "from here" starts); and one's file read back, checked against the SHA-256 the store
 * recorded (DL_MODEL_ERROR_CHECKSUM when it differs). Blocking; the last reads megabytes: not on the UI
 * thread. */
GPtrArray   *dl_run_store_list_checkpoints (DlRunStore *self, DlRun *run, GError **error);
DlRunCheckpoint *dl_run_store_find_checkpoint (DlRunStore *self, DlRun *run, gint64 step, GError **error);
DlCheckpoint *dl_run_store_load_checkpoint (DlRunStore *self, const DlRunCheckpoint *c, GError **error);

/* ---- export ---- */

/* One long-format CSV of the runs' metrics (DlRun*, e.g. a selection), a row per point:
 *   run,uuid,name,metric,step,x,value,text
 * metric is a series key (dl_run_series_key: loss and lr per batch, subset_*, test_*, train_*; accuracies as
 * fractions) or "marker" (a change acknowledged during the run: no value, the change in `text`); x is epochs
 * done. Runs in the order given, each metric in step order. Blocking; the async form writes `path`
 * atomically on a GTask thread. */
gboolean     dl_run_store_export_csv (DlRunStore *self, GPtrArray *runs, GString *out, GError **error);
void         dl_run_store_export_csv_async (DlRunStore *self, GPtrArray *runs, const char *path,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean     dl_run_store_export_csv_finish (DlRunStore *self, GAsyncResult *result, GError **error);

G_END_DECLS
