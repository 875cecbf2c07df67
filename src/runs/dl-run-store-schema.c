/* dl-run-store-schema.c — connections, the checks made on opening a store, the versioned schema and its
 * migrations, and runs whose recording process died (see dl-run-store-private.h).
 *
 * Schema version 1 (PRAGMA user_version = 1, PRAGMA application_id = "DLab"): times are µs since 1970,
 * accuracies fractions, states and evaluation kinds their nicks. Later versions are appended to
 * dl_run_store_migrations; each runs in its own transaction, and a store of a version above the last one
 * known is refused rather than guessed at.
 */
#include "dl-run-store-private.h"

#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#define SCHEMA_V1 \
  "CREATE TABLE runs (\n" \
  "  id                  INTEGER PRIMARY KEY,\n" \
  "  uuid                TEXT NOT NULL UNIQUE,\n" \
  "  name                TEXT NOT NULL,\n" \
  "  notes               TEXT NOT NULL DEFAULT '',\n" \
  "  preset              TEXT,\n" \
  "  arch                TEXT NOT NULL,\n" \
  "  seed                INTEGER NOT NULL,\n" \
  "  program             TEXT NOT NULL,\n" \
  "  host                TEXT NOT NULL,\n" \
  "  pid                 INTEGER NOT NULL,\n" \
  "  created_at          INTEGER NOT NULL,\n" \
  "  started_at          INTEGER,\n" \
  "  ended_at            INTEGER,\n" \
  "  heartbeat_at        INTEGER NOT NULL,\n" \
  "  state               TEXT NOT NULL,\n" \
  "  train_seconds       REAL NOT NULL DEFAULT 0,\n" \
  "  steps               INTEGER NOT NULL DEFAULT 0,\n" \
  "  epochs_done         REAL NOT NULL DEFAULT 0,\n" \
  "  best_test_accuracy  REAL,\n" \
  "  best_epoch          INTEGER,\n" \
  "  final_test_accuracy REAL,\n" \
  "  final_model_path    TEXT,\n" \
  "  train_source        TEXT,\n" \
  "  test_source         TEXT,\n" \
  "  n_train             INTEGER,\n" \
  "  n_test              INTEGER,\n" \
  "  origin_model_path   TEXT,\n" \
  "  origin_model_sha256 TEXT,\n" \
  "  parent_run_id       INTEGER REFERENCES runs (id) ON DELETE SET NULL,\n" \
  "  parent_step         INTEGER,\n" \
  "  deleted_at          INTEGER\n" \
  ");\n" \
  "CREATE TABLE run_config (\n" \
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n" \
  "  key    TEXT NOT NULL,\n" \
  "  value  TEXT NOT NULL,\n" \
  "  PRIMARY KEY (run_id, key)\n" \
  ") WITHOUT ROWID;\n" \
  "CREATE TABLE data_files (\n" \
  "  run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n" \
  "  dataset TEXT NOT NULL CHECK (dataset IN ('train', 'test')),\n" \
  "  kind    TEXT NOT NULL,\n" \
  "  path    TEXT NOT NULL,\n" \
  "  size    INTEGER NOT NULL,\n" \
  "  sha256  TEXT NOT NULL,\n" \
  "  PRIMARY KEY (run_id, dataset, kind)\n" \
  ") WITHOUT ROWID;\n" \
  "CREATE TABLE events (\n" \
  "  id     INTEGER PRIMARY KEY,\n" \
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n" \
  "  at     INTEGER NOT NULL,\n" \
  "  step   INTEGER NOT NULL,\n" \
  "  x      REAL NOT NULL,\n" \
  "  kind   TEXT NOT NULL,\n" \
  "  marker INTEGER NOT NULL DEFAULT 0,\n" \
  "  text   TEXT NOT NULL\n" \
  ");\n" \
  "CREATE INDEX events_run ON events (run_id, step);\n" \
  "CREATE TABLE batch_metrics (\n" \
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n" \
  "  step   INTEGER NOT NULL,\n" \
  "  x      REAL NOT NULL,\n" \
  "  loss   REAL,\n" \
  "  lr     REAL,\n" \
  "  PRIMARY KEY (run_id, step)\n" \
  ") WITHOUT ROWID;\n" \
  "CREATE TABLE evaluations (\n" \
  "  id        INTEGER PRIMARY KEY,\n" \
  "  run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n" \
  "  at        INTEGER NOT NULL,\n" \
  "  kind      TEXT NOT NULL CHECK (kind IN ('subset', 'epoch', 'requested')),\n" \
  "  step      INTEGER NOT NULL,\n" \
  "  x         REAL NOT NULL,\n" \
  "  epoch     INTEGER NOT NULL,\n" \
  "  n         INTEGER NOT NULL,\n" \
  "  correct   INTEGER NOT NULL,\n" \
  "  loss      REAL,\n" \
  "  accuracy  REAL,\n" \
  "  confusion BLOB NOT NULL,\n" \
  "  predicted BLOB,\n" \
  "  probs     BLOB\n" \
  ");\n" \
  "CREATE INDEX evaluations_run ON evaluations (run_id, step);\n" \
  "CREATE TABLE epoch_metrics (\n" \
  "  run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n" \
  "  epoch          INTEGER NOT NULL,\n" \
  "  step           INTEGER NOT NULL,\n" \
  "  x              REAL NOT NULL,\n" \
  "  train_loss     REAL,\n" \
  "  train_accuracy REAL,\n" \
  "  test_loss      REAL,\n" \
  "  test_accuracy  REAL,\n" \
  "  seconds        REAL,\n" \
  "  PRIMARY KEY (run_id, epoch)\n" \
  ") WITHOUT ROWID;\n" \
  "CREATE TABLE models (\n" \
  "  id     INTEGER PRIMARY KEY,\n" \
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n" \
  "  kind   TEXT NOT NULL,\n" \
  "  path   TEXT NOT NULL,\n" \
  "  size   INTEGER NOT NULL,\n" \
  "  sha256 TEXT NOT NULL,\n" \
  "  step   INTEGER NOT NULL,\n" \
  "  at     INTEGER NOT NULL,\n" \
  "  UNIQUE (run_id, path)\n" \
  ");\n" \
  "CREATE TABLE file_checksums (\n" \
  "  path   TEXT PRIMARY KEY,\n" \
  "  size   INTEGER NOT NULL,\n" \
  "  mtime  INTEGER NOT NULL,\n" \
  "  sha256 TEXT NOT NULL\n" \
  ") WITHOUT ROWID;\n"

/* Version 2: the runs' checkpoints (src/worker/dl-checkpoint.h), each a file in the run's directory. */
#define SCHEMA_V2 \
  "CREATE TABLE checkpoints (\n" \
  "  run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n" \
  "  step      INTEGER NOT NULL,\n" \
  "  epoch     INTEGER NOT NULL,\n" \
  "  x         REAL NOT NULL,\n" \
  "  epoch_end INTEGER NOT NULL,\n" \
  "  pinned    INTEGER NOT NULL DEFAULT 0,\n" \
  "  path      TEXT NOT NULL,\n" \
  "  size      INTEGER NOT NULL,\n" \
  "  sha256    TEXT NOT NULL,\n" \
  "  at        INTEGER NOT NULL,\n" \
  "  PRIMARY KEY (run_id, step)\n" \
  ") WITHOUT ROWID;\n"

const DlRunStoreMigration dl_run_store_migrations[] = {
  { 1, SCHEMA_V1 },
  { 2, SCHEMA_V2 },
  { 3, dl_run_store_migration_layer_stats },
};
const int dl_run_store_n_migrations = G_N_ELEMENTS (dl_run_store_migrations);

static int busy_timeout_ms = DL_RUN_STORE_BUSY_TIMEOUT_MS;

void
dl_run_store_set_busy_timeout (int ms)
{
  g_atomic_int_set (&busy_timeout_ms, ms);
}

int
dl_run_store_get_busy_timeout (void)
{
  return g_atomic_int_get (&busy_timeout_ms);
}

/* ---- errors ---- */

void
dl_run_store_set_sqlite_error (GError **error, const char *path, sqlite3 *db, int rc, const char *what)
{
  const char *detail = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_LOCKED,
                   _("%s is locked by another program, which did not let go within %.1f s (%s: %s)"),
                   path, dl_run_store_get_busy_timeout () / 1000.0, what, detail);
      break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_CORRUPT,
                   _("%s is damaged or not a database (%s: %s); move it aside to start a new run history"),
                   path, what, detail);
      break;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_AUTH:
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_IO, _("%s cannot be opened for writing (%s: %s)"),
                   path, what, detail);
      break;
    default:
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_FAILED, "%s: %s: %s", path, what, detail);
    }
}

gboolean
dl_run_store_exec (sqlite3 *db, const char *path, const char *sql, GError **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc == SQLITE_OK)
    return TRUE;
  dl_run_store_set_sqlite_error (error, path, db, rc, sql);
  return FALSE;
}

static gboolean
query_int (sqlite3 *db, const char *path, const char *sql, gint64 *out, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &st, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *out = sqlite3_column_int64 (st, 0);
      sqlite3_finalize (st);
      return TRUE;
    }
  dl_run_store_set_sqlite_error (error, path, db, rc, sql);
  sqlite3_finalize (st);
  return FALSE;
}

/* ---- checks ---- */

/* Refuses what is not ours, or is newer than this build reads: nothing is written to such a file. */
static gboolean
check_store (sqlite3 *db, const char *path, int latest, gint64 *version, GError **error)
{
  gint64 app_id, n_tables;

  if (!query_int (db, path, "PRAGMA application_id", &app_id, error)
      || !query_int (db, path, "PRAGMA user_version", version, error)
      || !query_int (db, path, "SELECT count(*) FROM sqlite_master", &n_tables, error))
    return FALSE;
  if ((app_id != 0 && app_id != DL_RUN_STORE_APPLICATION_ID) || (app_id == 0 && n_tables > 0))
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_A_STORE,
                   _("%s is a SQLite database, but not a Digit Lab run store; move it aside or choose another file"),
                   path);
      return FALSE;
    }
  if (*version > latest)
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NEWER,
                   _("%s was written by a newer Digit Lab (run store version %d; this one reads up to version %d); "
                     "runs are not recorded until a newer Digit Lab opens it"),
                   path, (int) *version, latest);
      return FALSE;
    }
  return TRUE;
}

/* ---- connecting ---- */

sqlite3 *
dl_run_store_connect (const char *path, GError **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  g_autofree char *journal = NULL;
  sqlite3_stmt *st = NULL;
  gint64 version;

  if (rc != SQLITE_OK)
    {
      dl_run_store_set_sqlite_error (error, path, db, rc, "open");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 0);
  sqlite3_busy_timeout (db, dl_run_store_get_busy_timeout ());
  /* Before anything is written to it: a file that is not ours, or newer, is left as it is. */
  if (!check_store (db, path, dl_run_store_migrations[dl_run_store_n_migrations - 1].version, &version, error))
    {
      sqlite3_close (db);
      return NULL;
    }
  /* WAL: readers never wait for the writer, a commit is one append, and a crash at any moment leaves the
   * last committed state. synchronous=NORMAL keeps every commit across a crash of the process (kill -9);
   * only a power cut may drop the latest ones, never corrupting the file. */
  rc = sqlite3_prepare_v2 (db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (st)) == SQLITE_ROW)
    journal = dl_run_store_column_text (st, 0);
  sqlite3_finalize (st);
  if (rc != SQLITE_ROW)
    {
      dl_run_store_set_sqlite_error (error, path, db, rc, "PRAGMA journal_mode = WAL");
      sqlite3_close (db);
      return NULL;
    }
  if (g_ascii_strcasecmp (journal, "wal") != 0)
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_IO,
                   _("%s cannot be used: SQLite refused write-ahead logging (journal mode stays %s)"), path, journal);
      sqlite3_close (db);
      return NULL;
    }
  if (!dl_run_store_exec (db, path, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", error))
    {
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

/* ---- migrations ---- */

static gboolean
apply_migration (sqlite3 *db, const char *path, const DlRunStoreMigration *m, GError **error)
{
  g_autofree char *set = g_strdup_printf ("PRAGMA user_version = %d; PRAGMA application_id = %d", m->version,
                                          DL_RUN_STORE_APPLICATION_ID);
  GError *local = NULL;

  if (dl_run_store_exec (db, path, m->sql, &local) && dl_run_store_exec (db, path, set, &local))
    return TRUE;
  g_prefix_error (&local, _("updating the run store to version %d: "), m->version);
  g_propagate_error (error, local);
  return FALSE;
}

gboolean
dl_run_store_migrate (sqlite3 *db, const char *path, const DlRunStoreMigration *migrations, int n_migrations,
                      GError **error)
{
  int latest = n_migrations > 0 ? migrations[n_migrations - 1].version : 0;
  gint64 version;

  if (!check_store (db, path, latest, &version, error))
    return FALSE;
  for (int i = 0; i < n_migrations; i++)
    {
      if (migrations[i].version <= version)
        continue;
      /* IMMEDIATE takes the write lock first, so the version read below is the one being replaced: another
       * process that migrated in the meantime is seen, and its work not repeated. */
      if (!dl_run_store_exec (db, path, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!check_store (db, path, latest, &version, error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      if (migrations[i].version > version
          && !apply_migration (db, path, &migrations[i], error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      if (!dl_run_store_exec (db, path, "COMMIT", error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      version = MAX (version, migrations[i].version);
    }
  return TRUE;
}

/* ---- run ids ---- */

gboolean
dl_run_store_check_ids (sqlite3 *db, const char *path, GError **error)
{
  gint64 n_bad;

  if (!query_int (db, path, "SELECT count(*) FROM runs WHERE id <= 0", &n_bad, error))
    return FALSE;
  if (n_bad == 0)
    return TRUE;
  g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_CORRUPT,
               ngettext ("%s is damaged: %d run has a number below 1, which Digit Lab never writes; move it aside "
                         "or choose another file",
                         "%s is damaged: %d runs have a number below 1, which Digit Lab never writes; move it aside "
                         "or choose another file", (gulong) n_bad), path, (int) MIN (n_bad, G_MAXINT));
  return FALSE;
}

/* ---- orphaned runs ---- */

static gboolean
process_gone (gint64 pid)
{
  return pid > 0 && pid != getpid () && kill ((pid_t) pid, 0) != 0 && errno == ESRCH;
}

typedef struct {
  gint64 id, pid, heartbeat_at, steps;
  double x;
} Orphan;

static gboolean
fail_orphan (sqlite3 *db, const char *path, const Orphan *o, GError **error)
{
  g_autofree char *text =
    g_strdup_printf ("failed: the process recording it (pid %" G_GINT64_FORMAT ") ended without finishing it", o->pid);
  /* Another process may have repaired it since it was read: only the first one logs the event. */
  char *sql = sqlite3_mprintf ("UPDATE runs SET state = 'failed', ended_at = %lld WHERE id = %lld "
                               "AND state IN ('ready', 'running', 'paused', 'diverged');"
                               "INSERT INTO events (run_id, at, step, x, kind, text) "
                               "SELECT %lld, %lld, %lld, %.17g, 'state', %Q WHERE changes () > 0",
                               (long long) o->heartbeat_at, (long long) o->id, (long long) o->id,
                               (long long) o->heartbeat_at, (long long) o->steps, o->x, text);
  gboolean ok = dl_run_store_exec (db, path, sql, error);

  sqlite3_free (sql);
  return ok;
}

/* A run still "running" (or ready, paused, diverged) whose process on this host no longer exists was cut
 * off (killed, crashed, the machine went down): it cannot go on, so it is failed, ended at its last
 * heartbeat, with an event saying why. */
gboolean
dl_run_store_repair_orphans (sqlite3 *db, const char *path, GError **error)
{
  static const char select_sql[] =
    "SELECT id, pid, heartbeat_at, steps, epochs_done FROM runs "
    "WHERE host = ?1 AND deleted_at IS NULL AND state IN ('ready', 'running', 'paused', 'diverged')";
  g_autoptr (GArray) gone = g_array_new (FALSE, FALSE, sizeof (Orphan));
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, select_sql, -1, &st, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (st, 1, g_get_host_name (), -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step (st)) == SQLITE_ROW)
        {
          Orphan o = { sqlite3_column_int64 (st, 0), sqlite3_column_int64 (st, 1), sqlite3_column_int64 (st, 2),
                       sqlite3_column_int64 (st, 3), sqlite3_column_double (st, 4) };

          if (process_gone (o.pid))
            g_array_append_val (gone, o);
        }
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    {
      dl_run_store_set_sqlite_error (error, path, db, rc, "looking for runs cut off");
      return FALSE;
    }
  if (gone->len == 0)
    return TRUE;
  if (!dl_run_store_exec (db, path, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; i < gone->len; i++)
    if (!fail_orphan (db, path, &g_array_index (gone, Orphan, i), error))
      {
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
        return FALSE;
      }
  return dl_run_store_exec (db, path, "COMMIT", error);
}
