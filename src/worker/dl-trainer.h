/* dl-trainer.h — the training loop of the worker thread (private to src/worker: use DlWorker).
 *
 * A DlTrainer owns the network, the data sets and everything a training run depends on, and is only
 * ever touched by the worker thread: DlWorker calls one dl_trainer_* function for each command it takes
 * off its queue, and dl_trainer_train_batch between commands while dl_trainer_is_running. What the
 * trainer has to say goes out through a DlTrainerSink, never back into the caller. The commands'
 * semantics are documented in dl-worker.h, with the step observer and the worker's errors.
 */
#pragma once

#include "dl-worker.h"

G_BEGIN_DECLS

/* Where the trainer's output goes; each function takes ownership of what it is given. */
typedef struct {
  void (*post_event) (gpointer data, DlEvent *ev);             /* delivered in order, never dropped */
  void (*post_progress) (gpointer data, DlEvent *ev);          /* replaces a progress event not yet delivered */
  void (*publish_snapshot) (gpointer data, DlSnapshot *snap);  /* the newest parameters, for other threads */
  gboolean (*cancelled) (gpointer data);                       /* whether to give up a long command (shutdown,
                                                                * or a learning-rate sweep cancelled) */
} DlTrainerSink;

typedef struct _DlTrainer DlTrainer;

/* `sink` and `data` must outlive the trainer. */
DlTrainer *dl_trainer_new (const DlTrainerSink *sink, gpointer data);
void       dl_trainer_free (DlTrainer *t);

gboolean   dl_trainer_is_running (DlTrainer *t);
void       dl_trainer_train_batch (DlTrainer *t);

/* The commands, as dl-worker.h describes them. set_data takes over both data sets. */
void       dl_trainer_load_data (DlTrainer *t, const char *train_path, const char *test_path);
void       dl_trainer_set_data (DlTrainer *t, DlDataset *train, DlDataset *test);
void       dl_trainer_new_run (DlTrainer *t, const DlTrainConfig *cfg);
void       dl_trainer_load_model (DlTrainer *t, const char *path, const DlTrainConfig *cfg);
void       dl_trainer_branch (DlTrainer *t, DlCheckpoint *ckpt, const DlTrainConfig *cfg);
void       dl_trainer_find_lr (DlTrainer *t, const DlTrainConfig *cfg, const DlLrFindOptions *options);
void       dl_trainer_start (DlTrainer *t);
void       dl_trainer_pause (DlTrainer *t);
void       dl_trainer_resume (DlTrainer *t);
void       dl_trainer_stop (DlTrainer *t);
void       dl_trainer_continue (DlTrainer *t, int n_epochs);
void       dl_trainer_set_hyper (DlTrainer *t, const DlHyper *hyper, int batch, gboolean augment);
void       dl_trainer_evaluate (DlTrainer *t);
void       dl_trainer_save_model (DlTrainer *t, const char *path);
void       dl_trainer_set_observer (DlTrainer *t, DlStepObserver observer, gpointer user_data);

G_END_DECLS
