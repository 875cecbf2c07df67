/* dl-event-private.h — making events, snapshots and checkpoints: for the trainer only (src/worker). */
#pragma once

#include "dl-checkpoint.h"
#include "dl-event.h"

G_BEGIN_DECLS

DlEvent *dl_event_new (DlEventType type);

/* Where the nets of released snapshots go back to be reused (two of them), instead of a fresh copy of the
 * parameters (megabytes, ten times a second) for each snapshot: one pool per network, shared by the trainer
 * and every snapshot made from it, so a snapshot may outlive both the trainer and the worker. */
typedef struct _DlSnapshotPool DlSnapshotPool;

DlSnapshotPool *dl_snapshot_pool_new (void);
void            dl_snapshot_pool_unref (DlSnapshotPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlSnapshotPool, dl_snapshot_pool_unref)

/* A snapshot of net's parameters now, in a net from the pool when one is free (every net of a pool
 * must have the same architecture), else in a new copy. */
DlSnapshot     *dl_snapshot_new (DlSnapshotPool *pool, DlNet *net);
/* Gives a new snapshot (nobody else holds it yet) a copy of net's gradient of its last step, in a buffer from
 * the pool when one is free. */
void            dl_snapshot_take_grads (DlSnapshot *snap, const DlNet *net);

/* A checkpoint with room for n_params parameters and their optimiser state, every other field zero: the
 * trainer fills it in before anyone else sees it. */
DlCheckpoint   *dl_checkpoint_new (gsize n_params);
/* One with net's parameters, optimiser state and seed copied in (all a checkpoint costs the worker beyond
 * a few fields). */
DlCheckpoint   *dl_checkpoint_new_from_net (DlNet *net);

G_END_DECLS
