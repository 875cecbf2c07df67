/* dl-network-page-past.c — the network as it was at the evaluation the Network page's slider shows: that
 * evaluation's checkpoint, when the run kept one. The live run's come from the worker as it takes them and
 * are kept as the run store keeps them (every end of epoch, the latest DL_CHECKPOINT_RETENTION_DEFAULT
 * others), so that scrubbing needs no store and works unrecorded; a past run's are read back from its store,
 * in a thread (megabytes, checked against their SHA-256). */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-network-page-private.h"

void
network_page_past_init (DlNetworkPage *self)
{
  self->checkpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) dl_checkpoint_unref);
  self->past_step = -1;
  self->loading_step = -1;
}

static void
drop_past (DlNetworkPage *self)
{
  g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  self->loading_step = -1;
  g_clear_pointer (&self->past_net, dl_net_free);
  self->past_step = -1;
  g_clear_pointer (&self->past_error, g_free);
}

void
network_page_past_clear (DlNetworkPage *self)
{
  drop_past (self);
  g_clear_pointer (&self->checkpoints, g_ptr_array_unref);
  g_clear_pointer (&self->stored, g_ptr_array_unref);
}

static gboolean
shows_live (DlNetworkPage *self)
{
  return self->session != NULL && self->run != NULL && self->run == dl_session_get_live_run (self->session);
}

void
network_page_past_follow_run (DlNetworkPage *self)
{
  DlRunStore *store = self->session != NULL ? dl_session_get_store (self->session) : NULL;
  g_autoptr (GError) error = NULL;

  drop_past (self);
  g_clear_pointer (&self->stored, g_ptr_array_unref);
  if (self->run == NULL || shows_live (self) || store == NULL)
    return;
  /* A few rows of the store's index: read here; the files themselves in a thread. */
  self->stored = dl_run_store_list_checkpoints (store, self->run, &error);
  if (self->stored == NULL)
    self->past_error = g_strdup (error->message);
}

void
network_page_past_keep (DlNetworkPage *self, DlCheckpoint *ckpt)
{
  guint others = 0;

  if (ckpt->run_serial != self->ckpt_serial)
    {
      g_ptr_array_set_size (self->checkpoints, 0);
      self->ckpt_serial = ckpt->run_serial;
    }
  g_ptr_array_add (self->checkpoints, dl_checkpoint_ref (ckpt));
  for (guint i = self->checkpoints->len; i-- > 0;)
    {
      DlCheckpoint *c = g_ptr_array_index (self->checkpoints, i);
      if (!c->epoch_end && ++others > DL_CHECKPOINT_RETENTION_DEFAULT)
        g_ptr_array_remove_index (self->checkpoints, i);
    }
}

/* The checkpoint's network, or NULL (with `error`) when its recipe does not build one of its size. */
static DlNet *
net_of (const DlCheckpoint *c, GError **error)
{
  DlArch arch;
  DlNet *net;

  if (!dl_arch_parse (c->config->arch, &arch, error))
    return NULL;
  net = dl_net_new (&arch, c->net_seed);
  if (dl_net_n_params (net) != c->n_params)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The checkpoint of step %lld holds %zu parameters; its layers (%s) have %zu"),
                   (long long) c->step, c->n_params, c->config->arch, dl_net_n_params (net));
      dl_net_free (net);
      return NULL;
    }
  dl_net_set_params (net, c->params);
  return net;
}

/* ---- a past run's, from its store ---- */

typedef struct {
  DlRunStore *store;
  GPtrArray  *stored;   /* holds c */
  const DlRunCheckpoint *c;
} Load;

static void
load_free (gpointer data)
{
  Load *load = data;

  g_object_unref (load->store);
  g_ptr_array_unref (load->stored);
  g_free (load);
}

static void
load_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Load *load = data;
  GError *error = NULL;
  g_autoptr (DlCheckpoint) ckpt = dl_run_store_load_checkpoint (load->store, load->c, &error);
  DlNet *net = ckpt != NULL ? net_of (ckpt, &error) : NULL;

  if (net == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, net, (GDestroyNotify) dl_net_free);
}

static void
loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DlNetworkPage *self = DL_NETWORK_PAGE (source);
  g_autoptr (GError) error = NULL;
  DlNet *net = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->loading);
  if (net == NULL)
    self->past_error = g_strdup (error->message);
  else
    {
      self->past_net = net;
      self->past_step = self->loading_step;
      self->past_serial = self->snap != NULL ? self->snap->run_serial : 0;
    }
  self->loading_step = -1;
  network_page_feed_visible (self);
}

static void
load_stored (DlNetworkPage *self, const DlRunCheckpoint *c)
{
  Load *load = g_new0 (Load, 1);
  GTask *task;

  self->loading = g_cancellable_new ();
  self->loading_step = c->step;
  load->store = g_object_ref (dl_session_get_store (self->session));
  load->stored = g_ptr_array_ref (self->stored);
  load->c = c;
  task = g_task_new (self, self->loading, loaded_cb, NULL);
  g_task_set_source_tag (task, load_stored);
  g_task_set_task_data (task, load, load_free);
  g_task_run_in_thread (task, load_thread);
  g_object_unref (task);
}

/* ---- the evaluation at the slider ---- */

static gpointer
find_step (GPtrArray *list, gint64 step, gboolean stored)
{
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      gpointer c = g_ptr_array_index (list, i);
      if ((stored ? ((DlRunCheckpoint *) c)->step : ((DlCheckpoint *) c)->step) == step)
        return c;
    }
  return NULL;
}

void
network_page_past_update (DlNetworkPage *self)
{
  const DlRunEval *e = !self->live && self->positions->len > 0
    ? dl_run_get_eval (self->run, g_array_index (self->positions, guint, self->position)) : NULL;
  gint64 step = e != NULL ? e->step : -1;
  g_autoptr (GError) error = NULL;

  if (step >= 0 && (step == self->past_step || step == self->loading_step))
    return;
  g_autofree char *stale_error = g_steal_pointer (&self->past_error);
  drop_past (self);
  if (step < 0)
    return;
  if (shows_live (self))
    {
      DlCheckpoint *c = self->ckpt_serial == dl_worker_get_run_serial (dl_session_get_worker (self->session))
                        ? find_step (self->checkpoints, step, FALSE) : NULL;
      if (c == NULL)
        return;
      self->past_net = net_of (c, &error);
      self->past_step = self->past_net != NULL ? step : -1;
      self->past_serial = c->run_serial;
      if (self->past_net == NULL)
        self->past_error = g_strdup (error->message);
      return;
    }
  /* The store's listing failed: say so at every evaluation, not only the first. */
  if (self->stored == NULL)
    {
      self->past_error = g_steal_pointer (&stale_error);
      return;
    }
  DlRunCheckpoint *c = find_step (self->stored, step, TRUE);
  if (c != NULL)
    load_stored (self, c);
}
