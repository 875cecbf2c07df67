/* dl-event.c — events and snapshots (see dl-event.h), reference-counted with g_atomic_rc_box.
 *
 * Both cross threads: the worker makes them, the main context or any inference thread drops them. The
 * last reference may go on either side, so each release is annotated for ThreadSanitizer (dl-tsan.h):
 * every holder's use of an event or snapshot happens before whoever frees it.
 */
#include "dl-event-private.h"

#include <string.h>
#include "dl-tsan.h"

G_DEFINE_BOXED_TYPE (DlEvent, dl_event, dl_event_ref, dl_event_unref)
G_DEFINE_BOXED_TYPE (DlSnapshot, dl_snapshot, dl_snapshot_ref, dl_snapshot_unref)
G_DEFINE_ENUM_TYPE (DlEvalKind, dl_eval_kind,
  G_DEFINE_ENUM_VALUE (DL_EVAL_SUBSET, "subset"),
  G_DEFINE_ENUM_VALUE (DL_EVAL_EPOCH, "epoch"),
  G_DEFINE_ENUM_VALUE (DL_EVAL_REQUESTED, "requested"))

DlEvent *
dl_event_new (DlEventType type)
{
  DlEvent *ev = g_atomic_rc_box_new0 (DlEvent);

  ev->type = type;
  return ev;
}

DlEvent *
dl_event_ref (DlEvent *ev)
{
  g_return_val_if_fail (ev != NULL, NULL);
  return g_atomic_rc_box_acquire (ev);
}

static void
event_clear (gpointer data)
{
  DlEvent *ev = data;

  TSAN_ACQUIRE (ev);
  g_free (ev->change);
  g_clear_pointer (&ev->batch_losses, g_array_unref);
  g_clear_pointer (&ev->eval, dl_eval_free);
  g_clear_pointer (&ev->diagnosis, dl_diagnosis_free);
  g_clear_pointer (&ev->layer_stats, dl_layer_stats_unref);
  g_clear_pointer (&ev->train, dl_dataset_unref);
  g_clear_pointer (&ev->test, dl_dataset_unref);
  g_free (ev->path);
  g_clear_pointer (&ev->config, dl_train_config_free);
  g_clear_pointer (&ev->checkpoint, dl_checkpoint_unref);
  g_clear_pointer (&ev->lr_find, dl_lr_find_free);
  g_free (ev->message);
  g_clear_error (&ev->error);
}

void
dl_event_unref (DlEvent *ev)
{
  if (ev == NULL)
    return;
  TSAN_RELEASE (ev);
  g_atomic_rc_box_release_full (ev, event_clear);
}

/* ---- snapshots ---- */

/* Two spares: one for the snapshot the trainer replaces, one for a snapshot a reader (the Network or Draw
 * page) held across a few publications — with one, each such hold cost the trainer a fresh net (initialised
 * at random, then overwritten) and a free. */
#define POOL_SPARES 2

struct _DlSnapshotPool {
  gpointer spare[POOL_SPARES];        /* atomic: DlNet of released snapshots, ready for reuse; or NULL */
  gpointer spare_grads[POOL_SPARES];  /* atomic: their gradient buffers (float) */
};

typedef struct {
  DlSnapshot      pub;
  DlSnapshotPool *pool;
  float          *grads;
} SnapshotPriv;

DlSnapshotPool *
dl_snapshot_pool_new (void)
{
  return g_atomic_rc_box_new0 (DlSnapshotPool);
}

static gpointer
take_spare (gpointer *spares)
{
  for (int i = 0; i < POOL_SPARES; i++)
    {
      gpointer p = g_atomic_pointer_exchange (&spares[i], NULL);
      if (p != NULL)
        return p;
    }
  return NULL;
}

/* FALSE when every place is taken: the caller frees p. */
static gboolean
put_spare (gpointer *spares, gpointer p)
{
  for (int i = 0; i < POOL_SPARES; i++)
    if (g_atomic_pointer_compare_and_exchange (&spares[i], NULL, p))
      return TRUE;
  return FALSE;
}

static void
pool_clear (gpointer data)
{
  DlSnapshotPool *pool = data;

  TSAN_ACQUIRE (pool);
  for (int i = 0; i < POOL_SPARES; i++)
    {
      dl_net_free (pool->spare[i]);
      g_free (pool->spare_grads[i]);
    }
}

void
dl_snapshot_pool_unref (DlSnapshotPool *pool)
{
  if (pool == NULL)
    return;
  TSAN_RELEASE (pool);
  g_atomic_rc_box_release_full (pool, pool_clear);
}

DlSnapshot *
dl_snapshot_new (DlSnapshotPool *pool, DlNet *net)
{
  SnapshotPriv *priv = g_atomic_rc_box_new0 (SnapshotPriv);
  DlNet *copy = take_spare (pool->spare);

  if (copy == NULL)
    copy = dl_net_copy (net);
  /* The model: the weight average while the net keeps one. */
  dl_net_set_params (copy, dl_net_model_params (net));
  priv->pub.net = copy;
  priv->pool = g_atomic_rc_box_acquire (pool);
  return &priv->pub;
}

void
dl_snapshot_take_grads (DlSnapshot *snap, const DlNet *net)
{
  SnapshotPriv *priv = (SnapshotPriv *) snap;
  gsize n = dl_net_n_params (net);

  if (priv->grads == NULL)
    priv->grads = take_spare (priv->pool->spare_grads);
  if (priv->grads == NULL)
    priv->grads = g_new (float, n);
  memcpy (priv->grads, dl_net_grads (net), sizeof (float) * n);
  snap->grads = priv->grads;
}

DlSnapshot *
dl_snapshot_new_for_net (const DlNet *net, gint64 step, guint run_serial, gboolean trained)
{
  g_autoptr (DlSnapshotPool) pool = dl_snapshot_pool_new ();
  DlSnapshot *snap = dl_snapshot_new (pool, (DlNet *) net);

  snap->step = step;
  snap->run_serial = run_serial;
  snap->trained = trained;
  return snap;
}

DlSnapshot *
dl_snapshot_ref (DlSnapshot *snap)
{
  g_return_val_if_fail (snap != NULL, NULL);
  return g_atomic_rc_box_acquire (snap);
}

/* The last holder gives the net back to its pool, or frees it when the pool has its spares. */
static void
snapshot_clear (gpointer data)
{
  SnapshotPriv *priv = data;

  TSAN_ACQUIRE (priv);
  if (priv->grads != NULL && !put_spare (priv->pool->spare_grads, priv->grads))
    g_free (priv->grads);
  if (!put_spare (priv->pool->spare, priv->pub.net))
    dl_net_free (priv->pub.net);
  dl_snapshot_pool_unref (priv->pool);
}

void
dl_snapshot_unref (DlSnapshot *snap)
{
  if (snap == NULL)
    return;
  TSAN_RELEASE (snap);
  g_atomic_rc_box_release_full (snap, snapshot_clear);
}
