/* dl-explainer.c — explanations on two threads of their own: one per request, one per index. */
#include "dl-explainer.h"

#include <string.h>

#include "dl-tsan.h"

/* While the parameters keep changing, an index is rebuilt at most once per this many times its own
 * duration: at most a fifth of a core. */
#define INDEX_DUTY 4

/* An index: built on one snapshot, immutable, shared by reference. */
typedef struct {
  DlSnapshot   *snap;
  DlNeighbours *nb;
  DlOod        *ood;
  DlDataset    *train;
} Index;

static Index *
index_ref (Index *ix)
{
  return g_atomic_rc_box_acquire (ix);
}

static void
index_clear (Index *ix)
{
  TSAN_ACQUIRE (ix);
  dl_ood_free (ix->ood);
  dl_neighbours_free (ix->nb);
  dl_snapshot_unref (ix->snap);
  dl_dataset_unref (ix->train);
}

static void
index_unref (Index *ix)
{
  TSAN_RELEASE (ix);
  g_atomic_rc_box_release_full (ix, (GDestroyNotify) index_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Index, index_unref)

typedef struct {
  gpointer       client;
  DlSnapshot    *snap;            /* what to explain it on, or NULL (no network) */
  guint64        serial;
  gint64         origin_us;
  float          image[DL_ATTRIB_PIXELS];
  DlAttribMethod method;
  int            target, contrast;
} Request;

static void
request_free (Request *r)
{
  g_clear_pointer (&r->snap, dl_snapshot_unref);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

struct _DlExplainer
{
  GObject       parent_instance;
  GMainContext *context;          /* where results are delivered */
  GWeakRef     *self_ref;         /* for the deliveries, which may outlive the explainer */

  GMutex        lock;             /* guards everything below */
  GCond         cond;
  gboolean      quit;
  DlDataset    *train, *test;
  GPtrArray    *pending;          /* Request *, at most one per client, oldest first */
  gboolean      explaining;       /* the explanation thread is running a request */
  guint64       next_serial;
  Index        *index;            /* in use, or NULL */
  DlSnapshot   *wanted;           /* a snapshot a request found newer than the index */
  gboolean      building;
  guint         building_run;
  int           cancel;           /* read by the build through g_atomic_int_get */
  gint64        next_build_us;    /* no rebuild of the same network before this */
  guint         data_serial;      /* bumps on set_data: a build for older data is dropped */

  GThread      *explain_thread, *index_thread;
};

G_DEFINE_FINAL_TYPE (DlExplainer, dl_explainer, G_TYPE_OBJECT)

enum { SIGNAL_EXPLAINED, SIGNAL_INDEX_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The lock, with the happens-before it provides told to ThreadSanitizer (GMutex and GCond are futexes
 * in uninstrumented GLib code, which it cannot see; dl-tsan.h). */
static void
lock (DlExplainer *self)
{
  g_mutex_lock (&self->lock);
  TSAN_ACQUIRE (&self->lock);
}

static void
unlock (DlExplainer *self)
{
  TSAN_RELEASE (&self->lock);
  g_mutex_unlock (&self->lock);
}

/* Waits on the condition (until end_us, monotonic, unless it is -1), the lock held. */
static void
wait (DlExplainer *self, gint64 end_us)
{
  TSAN_RELEASE (&self->lock);
  if (end_us < 0)
    g_cond_wait (&self->cond, &self->lock);
  else
    g_cond_wait_until (&self->cond, &self->lock, end_us);
  TSAN_ACQUIRE (&self->lock);
}

/* ---- explanations ---- */

static void
explanation_clear (DlExplanation *e)
{
  TSAN_ACQUIRE (e);
  g_clear_pointer (&e->train, dl_dataset_unref);
}

DlExplanation *
dl_explanation_ref (DlExplanation *e)
{
  return g_atomic_rc_box_acquire (e);
}

void
dl_explanation_unref (DlExplanation *e)
{
  TSAN_RELEASE (e);
  g_atomic_rc_box_release_full (e, (GDestroyNotify) explanation_clear);
}

G_DEFINE_BOXED_TYPE (DlExplanation, dl_explanation, dl_explanation_ref, dl_explanation_unref)

/* ---- delivery to the main context ---- */

typedef struct {
  GWeakRef      *self_ref;
  DlExplanation *explanation;   /* NULL: the index changed */
} Delivery;

/* What a delivery's thread made (the delivery, its source) is the main thread's once the source is
 * attached: the GMainContext's lock says so, this tells ThreadSanitizer. */
static int delivery_sync;

static void
delivery_free (Delivery *d)
{
  TSAN_ACQUIRE (&delivery_sync);
  g_clear_pointer (&d->explanation, dl_explanation_unref);
  g_atomic_rc_box_release_full (d->self_ref, (GDestroyNotify) g_weak_ref_clear);
  g_free (d);
}

static gboolean
deliver (gpointer data)
{
  Delivery *d = data;
  TSAN_ACQUIRE (&delivery_sync);
  g_autoptr (DlExplainer) self = g_weak_ref_get (d->self_ref);
  if (self == NULL)
    return G_SOURCE_REMOVE;
  if (d->explanation != NULL)
    g_signal_emit (self, signals[SIGNAL_EXPLAINED], 0, d->explanation);
  else
    g_signal_emit (self, signals[SIGNAL_INDEX_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
post (DlExplainer *self, DlExplanation *e)
{
  Delivery *d = g_new0 (Delivery, 1);
  d->self_ref = g_atomic_rc_box_acquire (self->self_ref);
  d->explanation = e;
  /* A source of its own, not g_main_context_invoke: that would run deliver right here, on this thread,
   * whenever the main thread is not iterating at the moment. */
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver, d, (GDestroyNotify) delivery_free);
  TSAN_RELEASE (&delivery_sync);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ---- the explanation thread ---- */

/* The net-dependent scratch of the explanation thread, rebuilt when the architecture changes. */
typedef struct {
  DlAttrib  *attrib;
  DlNetWork *work;
  gsize      n_params;
} Scratch;

static void
scratch_fit (Scratch *s, const DlNet *net)
{
  if (s->attrib != NULL && s->n_params == dl_net_n_params (net) && dl_attrib_fits (s->attrib, net))
    return;
  g_clear_pointer (&s->attrib, dl_attrib_free);
  g_clear_pointer (&s->work, dl_net_work_free);
  s->attrib = dl_attrib_new (net);
  s->work = dl_net_work_new (net, 1);
  s->n_params = dl_net_n_params (net);
}

/* Asks for an index of snap when the one in use is older (called with the lock held). */
static void
want_index (DlExplainer *self, DlSnapshot *snap)
{
  if (self->train == NULL || self->test == NULL)
    return;
  if (self->index != NULL && self->index->snap->run_serial == snap->run_serial && self->index->snap->step == snap->step)
    return;
  if (self->wanted != NULL && self->wanted->run_serial == snap->run_serial && self->wanted->step == snap->step)
    return;
  g_clear_pointer (&self->wanted, dl_snapshot_unref);
  self->wanted = dl_snapshot_ref (snap);
  if (self->building && self->building_run != snap->run_serial)
    g_atomic_int_set (&self->cancel, 1);   /* building for a network nobody uses any more */
  g_cond_broadcast (&self->cond);
}

/* The nearest training images and the verdict, from an index of the same network. */
static void
explain_from_index (Index *ix, Scratch *s, DlExplanation *e)
{
  const DlNet *net = ix->snap->net;
  dl_neighbours_query_image (ix->nb, net, s->work, e->image, DL_NEIGHBOURS_K, e->neighbours);
  dl_ood_judge (ix->ood, net, s->work, e->image, 1, &e->verdict);
  e->have_index = TRUE;
  e->index_step = ix->snap->step;
  e->train = dl_dataset_ref (ix->train);
}

/* The attribution of r's image on its snapshot (or nothing, untrained). */
static DlExplanation *
explain_attrib (Scratch *s, const Request *r)
{
  DlSnapshot *snap = r->snap;
  DlExplanation *e = g_atomic_rc_box_new0 (DlExplanation);
  e->client = r->client;
  e->serial = r->serial;
  e->origin_us = r->origin_us;
  memcpy (e->image, r->image, sizeof e->image);
  e->method = r->method;
  e->predicted = -1;

  if (snap != NULL)
    {
      e->step = snap->step;
      e->run_serial = snap->run_serial;
      e->trained = snap->trained;
    }
  if (snap != NULL && snap->trained)
    {
      scratch_fit (s, snap->net);
      dl_net_forward (snap->net, s->work, e->image, 1, e->probs);
      e->predicted = dl_argmax_class (e->probs);
      e->target = r->target >= 0 ? r->target : e->predicted;
      e->contrast = r->contrast != e->target ? r->contrast : -1;
      dl_attrib_compute (s->attrib, snap->net, r->method, e->image, e->target, e->contrast, 0, e->map, &e->attrib);
    }
  e->complete = snap == NULL || !snap->trained;
  e->done_us = g_get_monotonic_time ();
  return e;
}

/* A copy of the attribution with the neighbours and the verdict from an index of the same network. */
static DlExplanation *
explain_rest (DlExplainer *self, Scratch *s, const DlExplanation *partial, DlSnapshot *snap)
{
  DlExplanation *e = g_atomic_rc_box_dup (sizeof (DlExplanation), (gpointer) partial);
  e->complete = TRUE;
  lock (self);
  g_autoptr (Index) ix = self->index != NULL && self->index->snap->run_serial == snap->run_serial
                           ? index_ref (self->index) : NULL;
  want_index (self, snap);
  e->index_building = self->building || self->wanted != NULL;
  unlock (self);
  if (ix != NULL)
    explain_from_index (ix, s, e);
  e->done_us = g_get_monotonic_time ();
  return e;
}

/* Whether a newer request of the client is waiting (lock held). */
static gboolean
superseded (DlExplainer *self, gpointer client)
{
  for (guint i = 0; i < self->pending->len; i++)
    if (((Request *) g_ptr_array_index (self->pending, i))->client == client)
      return TRUE;
  return FALSE;
}

static gpointer
explain_thread (gpointer data)
{
  DlExplainer *self = data;
  Scratch s = { 0 };

  lock (self);
  for (;;)
    {
      while (!self->quit && self->pending->len == 0)
        wait (self, -1);
      if (self->quit)
        break;
      g_autoptr (Request) r = g_ptr_array_steal_index (self->pending, 0);
      self->explaining = TRUE;
      unlock (self);

      DlExplanation *e = explain_attrib (&s, r);
      gboolean rest = !e->complete;
      post (self, dl_explanation_ref (e));
      lock (self);
      rest = rest && !superseded (self, r->client);
      unlock (self);
      if (rest)
        post (self, explain_rest (self, &s, e, r->snap));
      dl_explanation_unref (e);

      lock (self);
      self->explaining = FALSE;
      g_cond_broadcast (&self->cond);
    }
  unlock (self);
  g_clear_pointer (&s.attrib, dl_attrib_free);
  g_clear_pointer (&s.work, dl_net_work_free);
  return NULL;
}

/* ---- the index thread ---- */

/* Whether the wanted snapshot may be built now (lock held): always for a new network or when there is
 * no index; for newer parameters of the same network once the duty limit allows. */
static gboolean
may_build (DlExplainer *self)
{
  if (self->wanted == NULL || self->train == NULL || self->test == NULL)
    return FALSE;
  return self->index == NULL || self->index->snap->run_serial != self->wanted->run_serial
         || g_get_monotonic_time () >= self->next_build_us;
}

static Index *
build (DlExplainer *self, DlSnapshot *snap, DlDataset *train, DlDataset *test)
{
  g_autoptr (DlNeighbours) nb = dl_neighbours_build (snap->net, train, &self->cancel);
  if (nb == NULL)
    return NULL;
  DlOod *ood = dl_ood_new (snap->net, nb, train, test, &self->cancel);
  if (ood == NULL)
    return NULL;
  Index *ix = g_atomic_rc_box_new0 (Index);
  ix->snap = dl_snapshot_ref (snap);
  ix->nb = g_steal_pointer (&nb);
  ix->ood = ood;
  ix->train = dl_dataset_ref (train);
  return ix;
}

static gpointer
index_thread (gpointer data)
{
  DlExplainer *self = data;

  lock (self);
  for (;;)
    {
      while (!self->quit && !may_build (self))
        {
          if (self->wanted != NULL && self->index != NULL)
            wait (self, self->next_build_us);
          else
            wait (self, -1);
        }
      if (self->quit)
        break;
      g_autoptr (DlSnapshot) snap = g_steal_pointer (&self->wanted);
      g_autoptr (DlDataset) train = dl_dataset_ref (self->train);
      g_autoptr (DlDataset) test = dl_dataset_ref (self->test);
      guint data_serial = self->data_serial;
      self->building = TRUE;
      self->building_run = snap->run_serial;
      g_atomic_int_set (&self->cancel, 0);
      unlock (self);

      gint64 t0 = g_get_monotonic_time ();
      Index *ix = build (self, snap, train, test);
      gint64 t1 = g_get_monotonic_time ();

      lock (self);
      self->building = FALSE;
      if (ix != NULL && data_serial == self->data_serial && !self->quit)
        {
          g_clear_pointer (&self->index, index_unref);
          self->index = ix;
          self->next_build_us = t1 + INDEX_DUTY * (t1 - t0);
          post (self, NULL);
        }
      else if (ix != NULL)
        index_unref (ix);
      g_cond_broadcast (&self->cond);
    }
  unlock (self);
  return NULL;
}

/* ---- public API ---- */

DlExplainer *
dl_explainer_new (void)
{
  return g_object_new (DL_TYPE_EXPLAINER, NULL);
}

void
dl_explainer_set_data (DlExplainer *self, DlDataset *train, DlDataset *test)
{
  g_return_if_fail (DL_IS_EXPLAINER (self));
  lock (self);
  if (train != self->train || test != self->test)
    {
      g_clear_pointer (&self->train, dl_dataset_unref);
      g_clear_pointer (&self->test, dl_dataset_unref);
      self->train = train != NULL ? dl_dataset_ref (train) : NULL;
      self->test = test != NULL ? dl_dataset_ref (test) : NULL;
      g_clear_pointer (&self->index, index_unref);
      g_clear_pointer (&self->wanted, dl_snapshot_unref);
      self->data_serial++;
      g_atomic_int_set (&self->cancel, 1);
      g_cond_broadcast (&self->cond);
    }
  unlock (self);
}

guint64
dl_explainer_request (DlExplainer *self, gpointer client, DlSnapshot *snap, const float *image,
                      DlAttribMethod method, int target, int contrast, gint64 origin_us)
{
  g_return_val_if_fail (DL_IS_EXPLAINER (self), 0);
  g_return_val_if_fail (method < DL_ATTRIB_N_METHODS && target < DL_N_CLASSES && contrast < DL_N_CLASSES, 0);
  Request *r = g_new0 (Request, 1);
  r->client = client;
  r->snap = snap != NULL ? dl_snapshot_ref (snap) : NULL;
  r->origin_us = origin_us;
  memcpy (r->image, image, sizeof r->image);
  r->method = method;
  r->target = target;
  r->contrast = contrast;

  lock (self);
  r->serial = ++self->next_serial;
  for (guint i = 0; i < self->pending->len; i++)
    if (((Request *) g_ptr_array_index (self->pending, i))->client == client)
      {
        request_free (g_ptr_array_steal_index (self->pending, i));   /* superseded before it started */
        break;
      }
  guint64 serial = r->serial;   /* r is the explanation thread's once the lock is let go */
  g_ptr_array_add (self->pending, r);
  g_cond_broadcast (&self->cond);
  unlock (self);
  return serial;
}

void
dl_explainer_wait_idle (DlExplainer *self)
{
  g_return_if_fail (DL_IS_EXPLAINER (self));
  lock (self);
  while (self->pending->len > 0 || self->explaining || self->building || may_build (self))
    wait (self, -1);
  unlock (self);
}

/* ---- GObject ---- */

static void
dl_explainer_dispose (GObject *object)
{
  DlExplainer *self = DL_EXPLAINER (object);

  if (self->explain_thread != NULL)
    {
      lock (self);
      self->quit = TRUE;
      g_atomic_int_set (&self->cancel, 1);
      g_cond_broadcast (&self->cond);
      unlock (self);
      g_thread_join (g_steal_pointer (&self->explain_thread));
      g_thread_join (g_steal_pointer (&self->index_thread));
    }
  G_OBJECT_CLASS (dl_explainer_parent_class)->dispose (object);
}

static void
dl_explainer_finalize (GObject *object)
{
  DlExplainer *self = DL_EXPLAINER (object);

  g_ptr_array_unref (self->pending);
  g_clear_pointer (&self->index, index_unref);
  g_clear_pointer (&self->wanted, dl_snapshot_unref);
  g_clear_pointer (&self->train, dl_dataset_unref);
  g_clear_pointer (&self->test, dl_dataset_unref);
  g_atomic_rc_box_release_full (self->self_ref, (GDestroyNotify) g_weak_ref_clear);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (dl_explainer_parent_class)->finalize (object);
}

static void
dl_explainer_class_init (DlExplainerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dl_explainer_dispose;
  object_class->finalize = dl_explainer_finalize;

  signals[SIGNAL_EXPLAINED] =
    g_signal_new ("explained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  DL_TYPE_EXPLANATION | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_INDEX_CHANGED] =
    g_signal_new ("index-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dl_explainer_init (DlExplainer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_ref_thread_default ();
  self->self_ref = g_atomic_rc_box_new0 (GWeakRef);
  g_weak_ref_init (self->self_ref, self);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  self->explain_thread = g_thread_new ("dl-explain", explain_thread, self);
  self->index_thread = g_thread_new ("dl-explain-index", index_thread, self);
}
