/* dl-session.h — the app's training session: what the window's pages show and what its buttons do.
 *
 * A session owns the training worker, the run store (opened asynchronously at start; when it cannot be used
 * — written by a newer Digit Lab, corrupt, locked — the session says so in "message" and trains without
 * history), the recorder that keeps runs in it, the data set, the current run and the runs the user chose to
 * compare. GLib only: pages bind to its properties and activate its actions.
 *
 * Runs. "live-run" is the worker's run (made by the session through the recorder, DlRunRecorder); "run" is
 * the run the pages show: the live run, or a past run opened from the store (session.open-run), whose curves,
 * evaluations and final model (the snapshot Draw classifies with) come from the store while the live run
 * goes on untouched. "compared" is a GListStore of DlRun overlaid on the Train page's plots (the Runs page
 * adds and removes them); the session loads their history from the store as they are added.
 *
 * The draft. What the Train page shows (dl_session_set_config) is the recipe of the next run: session.start
 * makes a new run from it — or starts the ready run when that is exactly it — and "start-label" says "New
 * Run" when a run exists that has trained and the draft's frozen settings (layers, seed, epochs, schedule)
 * differ from its. Changes of the live settings (learning rate, momentum, batch, …: dl_session_apply_hyper)
 * reach the live run while it trains or can be continued; a ready run takes the draft when it starts, so a
 * change before training is part of its recipe and marks nothing.
 *
 * Actions (group "session", dl_session_get_actions; each enabled only when it applies):
 *   start         a new run from the draft, started (or the ready run, when it is the draft)
 *   pause, resume the live run (resume also after divergence)
 *   stop          ends the live run (its final model and evaluation are recorded)
 *   continue      trains the ended live run for as many more epochs as the draft's "epochs"
 *   evaluate      the live run's network on the whole test set
 *   save-model s  the shown run's model into that file (the live network, or a past run's final model)
 *   load-model s  a new run from a model file; with no data set, for drawing
 *   load-data (ss) the training and test sources (a folder, a CSV file, IMAGES,LABELS); "" test: from the
 *                 training folder
 *   open-run s    shows the run with that uuid (the live one, or a past one from the store)
 *   branch-run s  a child of the recorded run with that uuid (any, live or past) from its latest checkpoint,
 *                 with that run's own recipe and thread count: the Runs page's "Branch from End". Like the
 *                 "run" actions below it becomes the live and shown run, READY; the checkpoint is read off
 *                 the UI thread, and one that is missing, or was taken on other training data than the data
 *                 set in use, is said in "message". Disabled without a store.
 *   retry         does again what last failed: a data load, a model load or save, opening the store
 *   find-lr       the learning-rate finder on a copy of the live run's network and optimiser state (the run
 *                 is not changed and its curves get nothing from it): "finding-lr" while it sweeps,
 *                 "lr-find-fraction" and "lr-find-rate" as it goes, then "lr-found"
 *   cancel-find-lr gives the sweep under way up ("lr-found" stays NULL)
 * and a second group, "run" (dl_session_get_run_actions), for the plots' context menu (dl-plot.h): the x is
 * the point under the pointer, in epochs:
 *   branch-from d a new run from the live run's checkpoint at or before x, with the draft's live settings
 *                 (what it would have done with the change the sidebar shows)
 *   go-back-to d  the same with the run's own recipe of that moment
 * Both make the branch the live and shown run, READY at the checkpoint (a run under way is stopped): the
 * Train page's settings can still be changed, and Start trains it with them. The parent keeps everything it
 * did. Both need the live run's checkpoints, which the store keeps: disabled for a run that is not recorded.
 * "branches" lists the runs branched in this session from one run (that run first, then its branches as
 * they were made), for the plots to draw them on one axis; dl_session_get_branch_x says where each branched
 * off (NAN for the first, and for the runs below). Opening a run (session.open-run) that is not among them
 * makes them its family in the store, when it has one: the first run of its line, then every run branched
 * from that, directly or not, in the store's order (their histories read as for a compared run).
 * A failed data or model load changes nothing but "message": the data set, the runs and the pages stay.
 *
 * Signals: "snapshot-changed" (gboolean progress) — the network the shown run classifies with may have
 * changed (progress: only because training went on); "discard-requested" — an action would replace a
 * trained model that is nowhere kept (recording off or no store, and not saved): the window asks, then
 * calls dl_session_confirm_discard or dl_session_cancel_discard.
 */
#pragma once

#include <gio/gio.h>

#include "dl-classes.h"
#include "dl-run-store.h"
#include "dl-worker.h"

G_BEGIN_DECLS

/* How bad what "health" says is. */
typedef enum {
  DL_SESSION_HEALTH_NONE,
  DL_SESSION_HEALTH_WARNING,
  DL_SESSION_HEALTH_ERROR,
} DlSessionHealth;

/* What session.retry would do again. */
typedef enum {
  DL_SESSION_RETRY_NONE,
  DL_SESSION_RETRY_DATA,
  DL_SESSION_RETRY_MODEL,
  DL_SESSION_RETRY_SAVE,
  DL_SESSION_RETRY_STORE,
} DlSessionRetry;

#define DL_TYPE_SESSION (dl_session_get_type ())
G_DECLARE_FINAL_TYPE (DlSession, dl_session, DL, SESSION, GObject)

/* `settings` (may be NULL) gives "record-runs" and "training-threads", followed as they change; `store_path`
 * NULL opens the default store (dl_run_store_default_path), "" none (no history: pages and benchmarks on
 * their own). */
DlSession    *dl_session_new (GSettings *settings, const char *store_path);

GActionGroup *dl_session_get_actions (DlSession *self);
GActionGroup *dl_session_get_run_actions (DlSession *self);
DlWorker     *dl_session_get_worker (DlSession *self);
/* "store": NULL until it has opened, and when it cannot be used ("store-error" says why). */
DlRunStore   *dl_session_get_store (DlSession *self);
const GError *dl_session_get_store_error (DlSession *self);
/* "ready": the store has opened or failed, so runs can be made (and recorded or not). */
gboolean      dl_session_get_ready (DlSession *self);

/* ---- runs ---- */
DlRun        *dl_session_get_run (DlSession *self);
DlRun        *dl_session_get_live_run (DlSession *self);
GListStore   *dl_session_get_compared (DlSession *self);
GListModel   *dl_session_get_branches (DlSession *self);
double        dl_session_get_branch_x (DlSession *self, DlRun *run);
/* "state": the shown run's, READY without one. */
DlTrainState  dl_session_get_state (DlSession *self);
/* The latest parameters of the shown run: the worker's snapshot for the live run, the final model of a past
 * one (NULL while it loads, or when it has none). */
DlSnapshot   *dl_session_dup_snapshot (DlSession *self);
/* "samples-per-second", "elapsed", "eta" (seconds, NaN when unknown) and "epochs" (planned) of the shown
 * run: the worker's figures for the live one, the record's for a past one. */
double        dl_session_get_samples_per_second (DlSession *self);
double        dl_session_get_elapsed (DlSession *self);
double        dl_session_get_eta (DlSession *self);
int           dl_session_get_epochs (DlSession *self);
/* "health": what the diagnostics say of the live run's latest evaluation (or its divergence), in the app's
 * words; NULL when there is nothing to say. "health-level" says how bad. */
const char   *dl_session_get_health (DlSession *self);
DlSessionHealth dl_session_get_health_level (DlSession *self);
/* "unsaved": the live run's trained network is kept nowhere — not recorded (recording off, or no store)
 * and not saved since it last changed. */
gboolean      dl_session_get_unsaved (DlSession *self);
/* A file name for saving the shown run's model: its name, made safe, and ".dlm". */
char         *dl_session_dup_model_name (DlSession *self);
/* Whether the run's evaluations are of the test set in use (same data set, as far as known). */
gboolean      dl_session_run_matches_data (DlSession *self, DlRun *run);

/* ---- the learning-rate finder ---- */
/* "finding-lr": a sweep is under way; "lr-find-fraction" (0–1) how far it is, "lr-find-rate" the rate it
 * tries now (NaN before its first batch). "lr-found" (a DlEvent, DL_EVENT_LR_FOUND: lr_find holds the curve
 * and the suggestions, message says them in words): the last sweep's result for the live run, NULL before
 * one, while one is under way, after a cancelled one and once the live run is another. */
gboolean      dl_session_get_finding_lr (DlSession *self);
double        dl_session_get_lr_find_fraction (DlSession *self);
double        dl_session_get_lr_find_rate (DlSession *self);
DlEvent      *dl_session_get_lr_found (DlSession *self);

/* ---- the draft ---- */
void          dl_session_set_config (DlSession *self, const DlTrainConfig *config, const char *preset);
/* A copy of the draft (clear it with dl_train_config_clear). */
void          dl_session_get_config (DlSession *self, DlTrainConfig *config);
/* The user changed a live setting of the draft: send it to the live run if it takes it (see above). */
void          dl_session_apply_hyper (DlSession *self);
/* The recipe of the shown run as it trains now: its own, with the live settings in force for the live run;
 * FALSE (and nothing set) without a run. Clear it with dl_train_config_clear. */
gboolean      dl_session_get_run_config (DlSession *self, DlTrainConfig *config);
/* "start-label": "_Start" or "_New Run" (translated, with the button's mnemonic). */
const char   *dl_session_get_start_label (DlSession *self);

/* ---- data ---- */
/* "has-data", "train-set" and "test-set" (pointers: DlDataset, owned by the session), "loading-data" (a
 * load under way), "data" (the DlRunData describing it, once its checksums are known; a pointer). */
gboolean      dl_session_get_has_data (DlSession *self);
DlDataset    *dl_session_get_train_set (DlSession *self);
DlDataset    *dl_session_get_test_set (DlSession *self);
gboolean      dl_session_get_loading_data (DlSession *self);
DlRunData    *dl_session_get_data (DlSession *self);
/* "classes": what the data set's labels mean (its folder's classes.txt, else the digits; a pointer, owned by
 * the session, never NULL). Every page names a class with dl_classes_name (classes, label). */
const DlClasses *dl_session_get_classes (DlSession *self);

/* ---- messages ---- */
/* "message": the one thing the window tells the user (an error, or a confirmation such as a saved model);
 * NULL when there is none. "message-is-error" says which. session.retry is enabled when it can be tried
 * again. */
const char   *dl_session_get_message (DlSession *self);
gboolean      dl_session_get_message_is_error (DlSession *self);
void          dl_session_clear_message (DlSession *self);
DlSessionRetry dl_session_get_retry (DlSession *self);

/* The answer to "discard-requested". */
void          dl_session_confirm_discard (DlSession *self);
void          dl_session_cancel_discard (DlSession *self);

/* ---- closing ---- */
/* Ends the session for quitting: a run under way is stopped (so its final model and evaluation are
 * recorded), then the recorder is waited for, the store flushed and closed and the worker shut down. */
void          dl_session_close_async (DlSession *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean      dl_session_close_finish (DlSession *self, GAsyncResult *result, GError **error);

G_END_DECLS
