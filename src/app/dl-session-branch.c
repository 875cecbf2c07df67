/* dl-session-branch.c — the "run" actions of the plots' context menu: a new run from a checkpoint of the
 * live run (see dl-session.h).
 *
 *   run.branch-from (d x)  from the checkpoint at or before x, with the draft's live settings (what the run
 *                          would have done with the change shown in the sidebar)
 *   run.go-back-to (d x)   from the same checkpoint with the run's own recipe of that moment, as if what
 *                          came after had not happened
 * Both make a child of the run (its parent and step recorded, the checkpoint kept), READY at the checkpoint
 * and shown, so that its settings can be changed before Start trains it; the parent stays as it was, in the
 * store. The checkpoints are the store's: a run that is not recorded has none, and then the actions are
 * disabled. The branches made from one run are kept together ("branches") for the plots.
 *
 * And in the "session" group, for the Runs page:
 *   session.branch-run (s uuid)  a child of that recorded run (any, not only the live one) from its latest
 *                                checkpoint, with its own recipe: "Branch from End". It becomes the live run,
 *                                READY, like the others; disabled without a store.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-session-private.h"

typedef struct {
  DlRunCheckpoint *found;
  gboolean         own_recipe;
  DlRun           *parent;
} BranchLoad;

static void
branch_load_free (BranchLoad *b)
{
  dl_run_checkpoint_free (b->found);
  g_object_unref (b->parent);
  g_free (b);
}

/* Reading the checkpoint's file (megabytes, its SHA-256 checked) is for another thread than the UI's. */
static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  BranchLoad *b = task_data;
  DlRunStore *store = g_object_get_data (G_OBJECT (task), "dl-store");
  GError *error = NULL;
  DlCheckpoint *ckpt = dl_run_store_load_checkpoint (store, b->found, &error);

  if (ckpt == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ckpt, (GDestroyNotify) dl_checkpoint_unref);
}

/* The checkpoint a branch's thread read; NULL once the reason is said (nothing, when it was cancelled). */
static DlCheckpoint *
take_checkpoint (DlSession *self, GAsyncResult *result)
{
  g_autoptr (GError) error = NULL;
  DlCheckpoint *ckpt = g_task_propagate_pointer (G_TASK (result), &error);

  self->branching = FALSE;
  if (ckpt == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, error->message);
      dl_session_update (self);
    }
  return ckpt;
}

static void
loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DlSession *self = DL_SESSION (source);
  BranchLoad *b = g_task_get_task_data (G_TASK (result));
  g_autoptr (DlCheckpoint) ckpt = take_checkpoint (self, result);
  g_auto (DlTrainConfig) cfg = { 0 };

  if (ckpt == NULL)
    return;
  cfg = *ckpt->config;
  cfg.arch = g_strdup (ckpt->config->arch);
  if (!b->own_recipe)
    {
      /* The checkpoint's recipe, with the live settings the sidebar shows now. */
      cfg.hyper = self->draft.hyper;
      cfg.batch = self->draft.batch;
      cfg.augment = self->draft.augment;
    }
  /* From the run's last end of epoch, it trains on for as many epochs as Continue would. */
  if (cfg.epochs <= ckpt->epoch)
    cfg.epochs = ckpt->epoch + self->draft.epochs;
  g_set_object (&self->branch_parent, b->parent);
  self->branch_x = b->found->x;
  dl_worker_branch (self->worker, ckpt, &cfg);
  dl_session_update (self);
}

/* The latest checkpoint of the live run at or before x (epochs), from the store. */
static DlRunCheckpoint *
find_checkpoint (DlSession *self, DlRun *run, double x, GError **error)
{
  g_autoptr (GPtrArray) list = dl_run_store_list_checkpoints (self->store, run, error);
  int best = -1;

  if (list == NULL)
    return NULL;
  for (guint i = 0; i < list->len; i++)
    if (((DlRunCheckpoint *) g_ptr_array_index (list, i))->x <= x + 1e-9)
      best = (int) i;
  if (best < 0)
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND,
                   _("There is no checkpoint of this run before epoch %.2f yet: the first is taken at its first "
                     "evaluation."), x);
      return NULL;
    }
  return g_ptr_array_steal_index (list, best);
}

static void
branch (DlSession *self, double x, gboolean own_recipe)
{
  DlRun *live = dl_session_get_live_run (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  DlRunCheckpoint *found;
  BranchLoad *b;

  if (!dl_session_can_branch (self))
    return;
  found = find_checkpoint (self, live, x, &error);
  if (found == NULL)
    {
      dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, error->message);
      return;
    }
  b = g_new0 (BranchLoad, 1);
  b->found = found;
  b->own_recipe = own_recipe;
  b->parent = g_object_ref (live);
  task = g_task_new (self, self->cancellable, loaded_cb, NULL);
  g_task_set_source_tag (task, branch);
  g_task_set_task_data (task, b, (GDestroyNotify) branch_load_free);
  g_object_set_data_full (G_OBJECT (task), "dl-store", g_object_ref (self->store), g_object_unref);
  self->branching = TRUE;
  g_task_run_in_thread (task, load_thread);
  dl_session_update (self);
}

static void
branch_from_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  branch (DL_SESSION (user_data), g_variant_get_double (param), FALSE);
}

static void
go_back_to_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  branch (DL_SESSION (user_data), g_variant_get_double (param), TRUE);
}

/* ---- session.branch-run: a recorded run from its latest checkpoint ---- */

typedef struct {
  DlRun           *parent;
  DlDataset       *train;   /* the training set in use: a branch goes on with the data it was taken on */
  DlRunCheckpoint *found;   /* set by the thread */
} RunBranch;

static void
run_branch_free (RunBranch *b)
{
  g_object_unref (b->parent);
  dl_dataset_unref (b->train);
  dl_run_checkpoint_free (b->found);
  g_free (b);
}

/* Finding the checkpoint, reading its file and checking it against the data in use: all off the UI thread. */
static void
run_branch_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  RunBranch *b = task_data;
  DlRunStore *store = g_object_get_data (G_OBJECT (task), "dl-store");
  GError *error = NULL;
  g_autoptr (DlCheckpoint) ckpt = NULL;

  b->found = dl_run_store_find_checkpoint (store, b->parent, G_MAXINT64, &error);
  if (b->found == NULL && g_error_matches (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      error = g_error_new (DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND,
                           _("“%s” has no checkpoint to branch from: a run keeps one at each evaluation and end of "
                             "epoch, and this one ended before its first."), dl_run_get_name (b->parent));
    }
  if (b->found != NULL)
    ckpt = dl_run_store_load_checkpoint (store, b->found, &error);
  if (ckpt != NULL && (b->train->n != ckpt->train_n || dl_checkpoint_data_crc (b->train) != ckpt->train_crc))
    {
      error = g_error_new (DL_DATA_ERROR, DL_DATA_ERROR_MISMATCH,
                           _("“%s” was trained on other training data (%d images): load the data it trained on to "
                             "branch from it."), dl_run_get_name (b->parent), ckpt->train_n);
      g_clear_pointer (&ckpt, dl_checkpoint_unref);
    }
  if (ckpt == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&ckpt), (GDestroyNotify) dl_checkpoint_unref);
}

static void
run_branch_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DlSession *self = DL_SESSION (source);
  RunBranch *b = g_task_get_task_data (G_TASK (result));
  g_autoptr (DlCheckpoint) ckpt = take_checkpoint (self, result);
  g_auto (DlTrainConfig) cfg = { 0 };

  if (ckpt == NULL)
    return;
  /* Its own recipe, thread count too (so that unchanged it goes on as the parent would have); after an end
   * of epoch, planned for as many more epochs as Continue would train. */
  cfg = *ckpt->config;
  cfg.arch = g_strdup (ckpt->config->arch);
  if (cfg.epochs <= ckpt->epoch)
    cfg.epochs = ckpt->epoch + self->draft.epochs;
  g_set_object (&self->branch_parent, b->parent);
  self->branch_x = b->found->x;
  if (!dl_session_begin_branch (self, b->parent, ckpt, &cfg))
    g_clear_object (&self->branch_parent);
}

/* Whether a recorded run can be branched now: the store is there, the data set in use is known and loaded,
 * and no other run is being made. */
gboolean
dl_session_can_branch_run (DlSession *self)
{
  return self->store != NULL && self->ready && self->train != NULL && !self->branching && !self->describing
         && self->loading_model == NULL && self->close_task == NULL
         && (self->recorder == NULL || !dl_run_recorder_get_busy (self->recorder));
}

void
dl_session_branch_run (DlSession *self, const char *uuid)
{
  DlRun *live = dl_session_get_live_run (self);
  DlRun *run = live != NULL && g_strcmp0 (dl_run_get_uuid (live), uuid) == 0 ? live : dl_session_find_run (self, uuid);
  g_autoptr (GTask) task = NULL;
  RunBranch *b;

  if (!dl_session_can_branch_run (self))
    return;
  if (run == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("There is no run %s in the run history."), uuid);

      dl_session_say (self, TRUE, DL_SESSION_RETRY_NONE, text);
      return;
    }
  b = g_new0 (RunBranch, 1);
  b->parent = g_object_ref (run);
  b->train = dl_dataset_ref (self->train);
  task = g_task_new (self, self->cancellable, run_branch_loaded_cb, NULL);
  g_task_set_source_tag (task, dl_session_branch_run);
  g_task_set_task_data (task, b, (GDestroyNotify) run_branch_free);
  g_object_set_data_full (G_OBJECT (task), "dl-store", g_object_ref (self->store), g_object_unref);
  self->branching = TRUE;
  g_task_run_in_thread (task, run_branch_thread);
  dl_session_update (self);
}

/* The live run is shown, recorded (its checkpoints are in the store), has trained, and is on the data in use;
 * no other run is being made. */
gboolean
dl_session_can_branch (DlSession *self)
{
  DlRun *live = dl_session_get_live_run (self);

  return live != NULL && dl_session_live_is_shown (self) && self->store != NULL && !self->branching
         && self->close_task == NULL && dl_run_recorder_get_recording (self->recorder)
         && dl_run_get_state (live) != DL_TRAIN_READY && self->live_generation == self->data_generation
         && !dl_run_recorder_get_busy (self->recorder);
}

static const GActionEntry entries[] = {
  { "branch-from", branch_from_action, "d" },
  { "go-back-to", go_back_to_action, "d" },
};

void
dl_session_branch_init (DlSession *self)
{
  self->run_actions = g_simple_action_group_new ();
  self->branches = g_list_store_new (DL_TYPE_RUN);
  self->branch_xs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_action_map_add_action_entries (G_ACTION_MAP (self->run_actions), entries, G_N_ELEMENTS (entries), self);
}

void
dl_session_branch_update (DlSession *self)
{
  gboolean can = dl_session_can_branch (self);

  for (gsize i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->run_actions), entries[i].name);

      if (g_action_get_enabled (action) != can)
        g_simple_action_set_enabled (G_SIMPLE_ACTION (action), can);
    }
}

/* The run the worker made is the branch asked for: it joins its parent's branches (a branch of a run that
 * is not among them starts them anew). */
void
dl_session_branch_live_changed (DlSession *self)
{
  DlRun *live = dl_session_get_live_run (self);
  g_autoptr (DlRun) parent = g_steal_pointer (&self->branch_parent);
  g_autofree char *name = NULL;
  guint position;

  if (live == NULL || parent == NULL || g_strcmp0 (dl_run_get_parent_uuid (live), dl_run_get_uuid (parent)) != 0)
    return;
  if (!g_list_store_find (self->branches, parent, &position))
    {
      g_hash_table_remove_all (self->branch_xs);
      g_list_store_remove_all (self->branches);
      g_list_store_append (self->branches, parent);
    }
  /* Named after where it comes from, so that the legend tells the futures apart (the user may rename it). */
  name = g_strdup_printf (_("%s, branched at epoch %.3g"), dl_run_get_name (parent), self->branch_x);
  dl_run_set_name (live, name);
  g_hash_table_insert (self->branch_xs, g_strdup (dl_run_get_uuid (live)), g_memdup2 (&self->branch_x, sizeof (double)));
  g_list_store_append (self->branches, live);
}

GListModel *
dl_session_get_branches (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->branches);
}

double
dl_session_get_branch_x (DlSession *self, DlRun *run)
{
  double *x;

  g_return_val_if_fail (DL_IS_SESSION (self), NAN);
  x = g_hash_table_lookup (self->branch_xs, dl_run_get_uuid (run));
  return x != NULL ? *x : NAN;
}

void
dl_session_branch_dispose (DlSession *self)
{
  g_clear_object (&self->branch_parent);
  g_clear_object (&self->branches);
  g_clear_pointer (&self->branch_xs, g_hash_table_unref);
}

GActionGroup *
dl_session_get_run_actions (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return G_ACTION_GROUP (self->run_actions);
}
