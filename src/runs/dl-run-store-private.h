/* dl-run-store-private.h — what the files of DlRunStore share: the row snapshots handed between threads,
 * the writer thread's operations, the schema and the SQLite helpers. Not for callers of the store (tests
 * use the migration runner).
 *
 *   dl-run-store.c         the object, the write queue API, the live list of runs
 *   dl-run-store-schema.c  opening a connection, checks, migrations, orphaned runs
 *   dl-run-store-writer.c  the writer thread: operations gathered into batched transactions
 *   dl-run-store-apply.c   each operation as SQL
 *   dl-run-store-read.c    the reads (blocking and GTask)
 *   dl-run-store-data.c    data sets described with the checksums the store remembers
 *   dl-run-store-export.c  the long-format CSV
 *   dl-run-store-checkpoints.c  checkpoints: their files, rows and retention (writer), and their reads
 *   dl-run-store-rows.c    DlRun ↔ plain rows, the configuration as key/value pairs
 */
#pragma once

#include <sqlite3.h>
#include "dl-run-store.h"

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "digitlab"
#endif
#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

/* ---- rows: plain copies of a run, safe to hand to another thread ---- */

/* What a DlRun's figures are at one moment (the columns dl_run_store_update_run writes). */
typedef struct {
  char   *state;           /* nick */
  gint64  started_at, ended_at;
  double  train_seconds;
  gint64  steps;
  double  epochs_done;
  double  best_test_accuracy;   /* NaN: none (NULL in SQL) */
  int     best_epoch;
  double  final_test_accuracy;
  char   *final_model_path;
} DlRunFigures;

/* Every column of a run. */
typedef struct {
  gint64         id;              /* 0 until stored */
  char          *uuid, *name, *notes, *preset, *program, *host;
  gint64         pid, created_at, heartbeat_at, deleted_at;
  DlTrainConfig  config;
  DlRunData     *data;
  char          *origin_model_path, *origin_model_sha256, *parent_uuid;
  gint64         parent_step;
  DlRunFigures   fig;
} DlRunRow;

void      dl_run_figures_from_run (DlRunFigures *fig, DlRun *run);
void      dl_run_figures_clear (DlRunFigures *fig);
DlRunRow *dl_run_row_from_run (DlRun *run);
void      dl_run_row_free (DlRunRow *row);
/* A new DlRun from a row read back ("loaded" FALSE). */
DlRun    *dl_run_row_to_run (const DlRunRow *row);
/* Sets a run's mutable fields (name, notes, number and figures) from a row, as another process left them. */
void      dl_run_apply_row (DlRun *run, const DlRunRow *row);

/* ---- the writer thread's operations ---- */

typedef enum {
  OP_ADD_RUN,
  OP_UPDATE_RUN,
  OP_UPDATE_META,
  OP_BATCHES,
  OP_EVENT,
  OP_EVAL,
  OP_EPOCH,
  OP_MODEL,
  OP_DELETE,
  OP_RESTORE,
  OP_PURGE,
  OP_CHECKSUM,
  OP_CHECKPOINT,
  OP_PIN_CHECKPOINT,
  OP_FLUSH,
  OP_STOP,
} DlStoreOpType;

typedef struct {
  GMutex   lock;
  GCond    cond;
  gboolean done;
  GError  *error;
} DlStoreFlush;

typedef struct {
  DlStoreOpType type;
  char         *uuid;
  gint64        at;           /* when it was queued, µs since 1970 */
  DlRunRow     *row;          /* ADD_RUN */
  DlRunFigures  fig;          /* UPDATE_RUN */
  char         *name, *notes; /* UPDATE_META */
  GArray       *batches;      /* BATCHES: DlRunBatch */
  DlRunEvent    event;        /* EVENT */
  DlRunEval     eval;         /* EVAL */
  DlRunEpoch    epoch;        /* EPOCH */
  DlRunModel    model;        /* MODEL: kind, path, step (size and sha256 filled by the writer);
                               * CHECKSUM: path, size, sha256, step = the file's mtime */
  DlStoreFlush *flush;        /* FLUSH and STOP: signalled once committed */
  DlCheckpoint *checkpoint;   /* CHECKPOINT */
  guint         keep_others;  /* CHECKPOINT: the retention */
  gint64        step;         /* PIN_CHECKPOINT */
} DlStoreOp;

void dl_store_op_free (DlStoreOp *op);

/* The writer's link back to the store, which may be gone by the time a callback runs on its context. */
typedef struct {
  GMainContext *context;
  DlRunStore   *store;        /* main context only; NULL once disposed */
} DlStoreLink;

DlStoreLink *dl_store_link_new (DlRunStore *store, GMainContext *context);
DlStoreLink *dl_store_link_ref (DlStoreLink *link);
void         dl_store_link_unref (DlStoreLink *link);

typedef struct _DlStoreWriter DlStoreWriter;
struct _DlStoreWriter {
  GThread      *thread;
  GAsyncQueue  *queue;       /* DlStoreOp* */
  sqlite3      *db;
  char         *path;
  DlStoreLink  *link;

  /* Writer thread only. */
  GHashTable   *ids;         /* uuid → run id (gint64 *) */
  GHashTable   *statements;  /* SQL text → sqlite3_stmt*, prepared once */
  GPtrArray    *pending;     /* DlStoreOp* waiting for the next commit */
  GPtrArray    *stored;      /* char* uuid, gint64 id pairs inserted by the current transaction */
  GPtrArray    *purged;      /* char* uuid of runs the current transaction purged */
  GPtrArray    *unlink;      /* char* files of rows the current transaction deleted: gone once it commits */
  gint64        deadline;    /* monotonic µs of the next commit */
  gint64        last_poll;
  gint64        data_version;
  gboolean      error_reported;
};

/* dl-run-store-apply.c: one operation's SQL, in the writer's transaction; FALSE fails the transaction. */
gboolean       dl_store_writer_apply (DlStoreWriter *w, DlStoreOp *op, GError **error);
/* A prepared statement for `sql` (a string that lives as long as the thread), reset and unbound. */
sqlite3_stmt  *dl_store_writer_statement (DlStoreWriter *w, const char *sql, GError **error);
/* dl-run-store-checkpoints.c: a checkpoint's file, row and retention; pinning one. */
gboolean       dl_store_writer_add_checkpoint (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error);
gboolean       dl_store_writer_pin_checkpoint (DlStoreWriter *w, gint64 id, DlStoreOp *op, GError **error);
/* Tells the store (its "write-error") without failing the transaction. */
void           dl_store_writer_report (DlStoreWriter *w, const GError *error);

/* Takes the connection, which only the writer thread uses from now on. */
DlStoreWriter *dl_store_writer_start (sqlite3 *db, const char *path, DlStoreLink *link);
void           dl_store_writer_push (DlStoreWriter *w, DlStoreOp *op);
/* Commits what is queued, stops the thread, closes the connection. */
void           dl_store_writer_stop (DlStoreWriter *w);

/* Queues a file's checksum for the cache (any thread). */
void dl_run_store_remember_checksum (DlRunStore *self, const char *path, gint64 size, gint64 mtime, const char *sha256);

/* Called on the store's context by the writer (dl-run-store.c). */
void dl_run_store_run_stored (DlRunStore *self, const char *uuid, gint64 id);
void dl_run_store_external_change (DlRunStore *self);
void dl_run_store_write_failed (DlRunStore *self, const GError *error);

/* ---- reading (dl-run-store-read.c) ---- */

/* A column as a new string; NULL for NULL. */
char         *dl_run_store_column_text (sqlite3_stmt *st, int i);
/* NULL reads as NaN: no value. */
double        dl_run_store_column_number (sqlite3_stmt *st, int i);
GBytes       *dl_run_store_column_bytes (sqlite3_stmt *st, int i);
/* sql prepared on db, or NULL and the error (naming path). */
sqlite3_stmt *dl_run_store_prepare (sqlite3 *db, const char *path, const char *sql, GError **error);
/* Finalizes st; FALSE with the error unless the last step (rc) was SQLITE_DONE. */
gboolean      dl_run_store_finish (sqlite3 *db, const char *path, sqlite3_stmt *st, int rc, const char *what,
                                   GError **error);
typedef void (*DlRunStoreRowFunc) (sqlite3_stmt *st, gpointer out);
/* Steps the prepared and bound st, passing each row to row(st, out), then finishes it as above. */
gboolean      dl_run_store_each_row (sqlite3 *db, const char *path, sqlite3_stmt *st, DlRunStoreRowFunc row,
                                     gpointer out, const char *what, GError **error);
/* The rows of sql, its ?1 bound to a run's id, each to row(st, out). */
gboolean      dl_run_store_read_run_rows (sqlite3 *db, const char *path, const char *sql, gint64 id,
                                          DlRunStoreRowFunc row, gpointer out, const char *what, GError **error);
/* A read transaction, so that a read sees one state of the file. */
gboolean      dl_run_store_begin_read (sqlite3 *db, const char *path, GError **error);
void          dl_run_store_end_read (sqlite3 *db);

/* ---- the schema and connections ---- */

typedef struct {
  int         version;        /* the user_version it leads to */
  const char *sql;
} DlRunStoreMigration;

extern const DlRunStoreMigration dl_run_store_migrations[];
/* Each later version's SQL, in a file of its own (dl-run-store-migration-*.c). */
extern const char dl_run_store_migration_layer_stats[];
extern const int dl_run_store_n_migrations;

/* Opens a connection with the store's settings (WAL, foreign keys, busy timeout), after checking that the
 * file is empty or a run store of a version this build reads (else nothing is written to it). */
sqlite3  *dl_run_store_connect (const char *path, GError **error);
/* Checks the application id and schema version and applies the migrations still missing, each in its
 * own transaction (so two processes opening a new store at once migrate it once). */
gboolean  dl_run_store_migrate (sqlite3 *db, const char *path, const DlRunStoreMigration *migrations,
                                int n_migrations, GError **error);
/* Marks the runs a process on this host recorded, and that ended without finishing them, as failed. */
gboolean  dl_run_store_repair_orphans (sqlite3 *db, const char *path, GError **error);
/* Refuses (DL_RUN_STORE_ERROR_CORRUPT) a store holding a run numbered 0 or below: never Digit Lab's (SQLite
 * numbers a table's rows from 1), and such an id is what the store's code means by "no run". */
gboolean  dl_run_store_check_ids (sqlite3 *db, const char *path, GError **error);

/* A run's rows: `sql` selects them with ?1 its uuid (and ?2 `arg`, when the SQL has a second parameter);
 * under the reader lock each row goes to `row` with `out`. FALSE with `error` naming the store and `what`. */
gboolean  dl_run_store_read_rows (DlRunStore *self, DlRun *run, const char *sql, gint64 arg, DlRunStoreRowFunc row,
                                  gpointer out, const char *what, GError **error);

/* Tests: a shorter busy timeout for the connections opened from now on. */
void      dl_run_store_set_busy_timeout (int ms);
int       dl_run_store_get_busy_timeout (void);

/* A DL_RUN_STORE_ERROR from a SQLite result code: "<path>: <what> (<sqlite's message>)". */
void      dl_run_store_set_sqlite_error (GError **error, const char *path, sqlite3 *db, int rc, const char *what);
/* sqlite3_exec with the error mapped as above. */
gboolean  dl_run_store_exec (sqlite3 *db, const char *path, const char *sql, GError **error);

/* ---- reads (dl-run-store-read.c) ---- */

/* The store's reading connection, for one thread at a time. */
sqlite3    *dl_run_store_reader_lock (DlRunStore *self);
void        dl_run_store_reader_unlock (DlRunStore *self);

/* DlRunRow*, oldest first: every run, or only the one with this uuid or id. */
GPtrArray  *dl_run_store_read_runs (sqlite3 *db, const char *path, gboolean include_deleted, const char *uuid,
                                    gint64 id, GError **error);

G_END_DECLS
