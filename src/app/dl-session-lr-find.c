/* dl-session-lr-find.c — the learning-rate finder of the session (see dl-session.h): the actions
 * session.find-lr and session.cancel-find-lr, and what the sweep says as it goes and when it is done.
 *
 * The sweep is the worker's (dl_worker_find_lr with no recipe): on a copy of the live run's network and
 * optimiser state, with batches of its own, so the run — its parameters, its series, its step — is as it
 * was. One sweep at a time: find-lr is disabled while one is under way, and every sweep ends with one
 * DL_EVENT_LR_FOUND (cancelled or not), so "finding-lr" always comes back to FALSE.
 */
#include "config.h"

#include <math.h>

#include "dl-session-private.h"

static void
set_finding (DlSession *self, gboolean finding)
{
  if (self->finding_lr == finding)
    return;
  self->finding_lr = finding;
  dl_session_notify (self, PROP_FINDING_LR);
}

static void
set_progress (DlSession *self, double fraction, double rate)
{
  if (self->lr_find_fraction != fraction)
    {
      self->lr_find_fraction = fraction;
      dl_session_notify (self, PROP_LR_FIND_FRACTION);
    }
  if (self->lr_find_rate != rate)
    {
      self->lr_find_rate = rate;
      dl_session_notify (self, PROP_LR_FIND_RATE);
    }
}

static void
set_found (DlSession *self, DlEvent *found)
{
  if (self->lr_found == found)
    return;
  g_clear_pointer (&self->lr_found, dl_event_unref);
  self->lr_found = found != NULL ? dl_event_ref (found) : NULL;
  dl_session_notify (self, PROP_LR_FOUND);
}

static gboolean
can_find (DlSession *self)
{
  DlRun *live = dl_session_get_live_run (self);

  /* A network of the data set in use, shown (a suggestion is for the run the page shows and Apply
   * changes), and nothing else being made of it. */
  return live != NULL && dl_session_live_is_shown (self) && self->train != NULL
         && self->live_generation == self->data_generation && !self->finding_lr && !self->branching
         && self->loading_model == NULL && self->close_task == NULL;
}

static void
find_lr_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlSession *self = user_data;

  if (!can_find (self))
    return;
  set_found (self, NULL);
  set_progress (self, 0.0, NAN);
  set_finding (self, TRUE);
  dl_worker_find_lr (self->worker, NULL, NULL);
  dl_session_update (self);
}

static void
cancel_find_lr_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DlSession *self = user_data;

  if (self->finding_lr)
    dl_worker_cancel_find_lr (self->worker);
}

static const GActionEntry entries[] = {
  { "find-lr", find_lr_action },
  { "cancel-find-lr", cancel_find_lr_action },
};

void
dl_session_lr_find_init (DlSession *self)
{
  self->lr_find_rate = NAN;
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries, G_N_ELEMENTS (entries), self);
}

static void
enable (DlSession *self, const char *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), name);

  if (g_action_get_enabled (action) != enabled)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
dl_session_lr_find_update (DlSession *self)
{
  enable (self, "find-lr", can_find (self));
  enable (self, "cancel-find-lr", self->finding_lr);
}

void
dl_session_lr_find_event (DlSession *self, DlEvent *ev)
{
  switch (ev->type)
    {
    case DL_EVENT_LR_PROGRESS:
      if (self->finding_lr)
        set_progress (self, (double) ev->lr_find_done / ev->lr_find_steps, ev->lr_find_rate);
      break;
    case DL_EVENT_LR_FOUND:
      /* The result first: whoever hears that the sweep ended finds it there. */
      if (!ev->lr_find->cancelled)
        set_found (self, ev);
      set_finding (self, FALSE);
      break;
    case DL_EVENT_ERROR:
      /* The worker refused the sweep (it names no command): it is not under way any more. */
      if (self->finding_lr && ev->error->domain == DL_WORKER_ERROR)
        set_finding (self, FALSE);
      break;
    default:
      break;
    }
}

/* A suggestion is for the network it was found on. */
void
dl_session_lr_find_clear (DlSession *self)
{
  set_found (self, NULL);
}

gboolean
dl_session_get_finding_lr (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  return self->finding_lr;
}

double
dl_session_get_lr_find_fraction (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), 0.0);
  return self->lr_find_fraction;
}

double
dl_session_get_lr_find_rate (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NAN);
  return self->lr_find_rate;
}

DlEvent *
dl_session_get_lr_found (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->lr_found;
}
