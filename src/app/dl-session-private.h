/* dl-session-private.h — what the files of DlSession share: dl-session.c (the object, the shown run, the
 * message), dl-session-draft.c (the draft against the runs), dl-session-live.c (the live run as the worker
 * reports it), dl-session-actions.c (the "session" actions), dl-session-data.c (the store, the recorder, data sets
 * and new runs), dl-session-view.c (past runs, compared runs), dl-session-branch.c (the "run" actions),
 * dl-session-family.c (a run's branches from the store),
 * dl-session-lr-find.c (the learning-rate finder). */
#pragma once

#include "dl-classes.h"
#include "dl-run-recorder.h"
#include "dl-session.h"

G_BEGIN_DECLS

struct _DlSession
{
  GObject             parent_instance;

  GSettings          *settings;
  char               *store_path;
  GCancellable       *cancellable;      /* everything asynchronous; cancelled by dispose */
  DlWorker           *worker;
  DlRunStore         *store;
  GError             *store_error;
  gboolean            ready;            /* the store has opened or failed */
  DlRunRecorder      *recorder;         /* made for the store in use when a run begins */
  GSimpleActionGroup *actions;
  GSimpleActionGroup *run_actions;      /* "run": branches from the live run's checkpoints */
  gboolean            branching;        /* a checkpoint being read for a branch */
  DlRun              *branch_parent;    /* the run a branch asked of the worker comes from */
  double              branch_x;         /* and its checkpoint's x */
  GListStore         *branches;         /* DlRun: the runs branched here from one run, that run first */
  GHashTable         *branch_xs;        /* uuid → double*: where each of them branched off */
  GListStore         *compared;

  /* The draft: what the Train page shows. */
  DlTrainConfig       draft;
  char               *draft_preset;

  /* Data. */
  DlDataset          *train, *test;
  DlRunData          *data;             /* the description of train and test, once computed */
  DlClasses          *classes;          /* what the labels of train and test mean */
  char               *data_train, *data_test;      /* their sources */
  GQueue              loads;            /* DlSessionLoad: asked of the worker, not answered yet */
  gboolean            describing;       /* the description (checksums) of the data in use is being made */
  GCancellable       *describe_cancellable;
  guint               data_generation;  /* +1 for each data set taken in */

  /* The live run (the recorder's). */
  DlRun              *seen_live;        /* the one the session last heard of */
  guint               live_serial;      /* its worker's run serial */
  guint               live_generation;  /* the data generation its network was made on */
  gboolean            start_pending;    /* start it when the run asked for becomes current */
  char               *pending_model;    /* a model file to load once the session is ready */
  DlHyper             in_force;         /* what the worker trains with now */
  int                 in_force_batch;
  gboolean            in_force_augment;
  gint64              saved_step;       /* the step of the last model the user saved of it, -1 */
  char               *saving_path;      /* a save under way */
  char               *loading_model;    /* a model load under way */
  double              speed, elapsed, eta;
  int                 epochs;
  char               *health;
  DlSessionHealth     health_level;

  /* The shown run. */
  DlRun              *run;
  GSignalGroup       *run_signals;
  DlSnapshot         *view_snapshot;    /* a past run's final model */
  GCancellable       *view_cancellable;
  guint               view_serial;      /* snapshot serials of past runs, apart from the worker's */

  const char         *shown_start_label;  /* what "start-label" and "unsaved" last notified */
  gboolean            shown_unsaved;

  /* What the window says. */
  char               *message;
  gboolean            message_is_error;
  gboolean            message_is_tuning;   /* the message is the live run's tuning progress */
  DlSessionRetry             retry;
  char               *retry_path;       /* the model file to load or save again */
  char               *retry_train, *retry_test;

  /* An action that waits for "discard-requested"'s answer. */
  char               *discard_action;
  GVariant           *discard_param;
  gboolean            discard_confirmed;

  GTask              *close_task;

  /* The learning-rate finder (dl-session-lr-find.c). */
  gboolean            finding_lr;
  double              lr_find_fraction, lr_find_rate;
  DlEvent            *lr_found;
};

/* A data load asked of the worker. */
typedef struct {
  char *train, *test;
} DlSessionLoad;

typedef enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_STORE_PATH,
  PROP_WORKER,
  PROP_STORE,
  PROP_READY,
  PROP_RUN,
  PROP_LIVE_RUN,
  PROP_COMPARED,
  PROP_STATE,
  PROP_SAMPLES_PER_SECOND,
  PROP_ELAPSED,
  PROP_ETA,
  PROP_EPOCHS,
  PROP_HEALTH,
  PROP_HEALTH_LEVEL,
  PROP_UNSAVED,
  PROP_START_LABEL,
  PROP_HAS_DATA,
  PROP_TRAIN_SET,
  PROP_TEST_SET,
  PROP_LOADING_DATA,
  PROP_DATA,
  PROP_CLASSES,
  PROP_MESSAGE,
  PROP_MESSAGE_IS_ERROR,
  PROP_FINDING_LR,
  PROP_LR_FIND_FRACTION,
  PROP_LR_FIND_RATE,
  PROP_LR_FOUND,
  N_PROPS
} DlSessionProp;

extern GParamSpec *dl_session_props[N_PROPS];

void     dl_session_notify (DlSession *self, DlSessionProp prop);
/* An error (or, with is_error FALSE, a confirmation) for the window; `retry` what session.retry would do. */
void     dl_session_say (DlSession *self, gboolean is_error, DlSessionRetry retry, const char *message);
void     dl_session_emit_snapshot_changed (DlSession *self, gboolean progress);

/* dl-session.c */
void     dl_session_show_run (DlSession *self, DlRun *run);
void     dl_session_set_health (DlSession *self, DlSessionHealth level, const char *text);
/* *field = value, notifying prop when it changes (NaN equal to NaN). */
void     dl_session_set_double (DlSession *self, double *field, double value, DlSessionProp prop);

/* dl-session-draft.c */
gboolean    dl_session_frozen_differs (DlSession *self, DlRun *run);
gboolean    dl_session_draft_is_run (DlSession *self, DlRun *run);
gboolean    dl_session_live_is_shown (DlSession *self);
void        dl_session_update (DlSession *self);
const char *dl_session_compute_start_label (DlSession *self);
gboolean    dl_session_compute_unsaved (DlSession *self);

/* dl-session-live.c: the worker's "event" handler */
void     dl_session_worker_event_cb (DlSession *self, DlEvent *ev);

/* dl-session-actions.c */
void     dl_session_actions_init (DlSession *self);
void     dl_session_actions_update (DlSession *self);
/* Whether `action` would lose the live run's trained model, so that it must wait for the answer to
 * "discard-requested" (then it is activated again). */
gboolean dl_session_ask_discard (DlSession *self, const char *action, GVariant *param);

/* dl-session-data.c */
void     dl_session_open_store (DlSession *self);
void     dl_session_load_data (DlSession *self, const char *train, const char *test);
void     dl_session_load_free (DlSessionLoad *load);
void     dl_session_data_event (DlSession *self, const DlEvent *ev);
/* A data load's or model load's failure, or FALSE when the error is someone else's. */
gboolean dl_session_data_error (DlSession *self, const DlEvent *ev);
/* A new run from the draft (or from `model` with the draft's recipe); started when it is current if
 * `start`. FALSE with the reason in "message" when the recipe is refused. */
gboolean dl_session_begin (DlSession *self, const char *model, gboolean start);
/* A child of `parent` (a recorded run) from its checkpoint `ckpt`, going on with `cfg`; FALSE with the reason
 * in "message" when the recipe is refused. */
gboolean dl_session_begin_branch (DlSession *self, DlRun *parent, DlCheckpoint *ckpt, const DlTrainConfig *cfg);
void     dl_session_load_model (DlSession *self, const char *path);
/* The first, untrained run of a data set, so that every page has something to show. */
void     dl_session_ensure_run (DlSession *self);
void     dl_session_record_changed (DlSession *self);

/* dl-session-branch.c */
void     dl_session_branch_init (DlSession *self);
void     dl_session_branch_update (DlSession *self);
gboolean dl_session_can_branch (DlSession *self);
/* session.branch-run (dl-session-branch.c, in the "session" group) and whether it can be used now. */
void     dl_session_branch_run (DlSession *self, const char *uuid);
gboolean dl_session_can_branch_run (DlSession *self);
void     dl_session_branch_live_changed (DlSession *self);
void     dl_session_branch_dispose (DlSession *self);

/* dl-session-lr-find.c */
void     dl_session_lr_find_init (DlSession *self);
void     dl_session_lr_find_update (DlSession *self);
/* LR_PROGRESS, LR_FOUND and the worker's errors. */
void     dl_session_lr_find_event (DlSession *self, DlEvent *ev);
void     dl_session_lr_find_clear (DlSession *self);

/* dl-session-view.c */
void     dl_session_open_run (DlSession *self, const char *uuid);
/* A recorded run by uuid, from the store's list or the compared runs (not referenced); NULL when unknown. */
DlRun   *dl_session_find_run (DlSession *self, const char *uuid);
void     dl_session_compared_changed (DlSession *self, guint position, guint removed, guint added);
/* Reads a listed run's history from the store unless it has it (errors said in "message"). */
void     dl_session_load_history (DlSession *self, DlRun *run, GCancellable *cancellable);

/* dl-session-family.c */
void     dl_session_family_show (DlSession *self, DlRun *run);
void     dl_session_save_past_model (DlSession *self, const char *path);
void     dl_session_view_clear (DlSession *self);

G_END_DECLS
