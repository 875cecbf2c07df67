/* dl-trainer-lr-find.c — the learning-rate finder command (dl-lr-find.h does the sweep): on a copy of the
 * run's network and optimiser state, or on a fresh network from a recipe, with batches of its own.
 *
 * Nothing of the run is touched: not its network, its random streams, its step or its position in the
 * epoch; the sweep's batches are drawn by a stream of the finder's own and reported only in the
 * DL_EVENT_LR_PROGRESS and DL_EVENT_LR_FOUND events, never as the run's progress. A cancelled sweep
 * (dl_worker_cancel_find_lr, or shutdown) still ends with its DL_EVENT_LR_FOUND, lr_find->cancelled.
 */
#include <math.h>
#include <string.h>

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "digitlab"
#endif
#include <glib/gi18n-lib.h>

#include "dl-augment.h"
#include "dl-trainer-private.h"

/* A progress event every this many batches: a few dozen per sweep. */
#define PROGRESS_EVERY 10

/* The sweep's batches: the training set in an order of the finder's own, reshuffled when it runs out. */
typedef struct {
  DlTrainer       *t;
  const DlLrFindOptions *options;
  int              done;      /* batches handed out */
  const DlDataset *train;
  int              batch;
  gboolean         augment;
  DlRng            rng, augment_rng;
  int             *order;
  int              pos;
  float           *x;
  guint8          *y;
} Batches;

/* How far the sweep is, before its next batch (the rate that batch trains at: dl-lr-find.c's sweep). */
static void
post_progress (Batches *s)
{
  const DlLrFindOptions *o = s->options;
  DlEvent *ev = trainer_event (s->t, DL_EVENT_LR_PROGRESS);

  ev->lr_find_done = s->done;
  ev->lr_find_steps = o->steps;
  ev->lr_find_rate = o->lr_min * pow (o->lr_max / o->lr_min, (double) s->done / (o->steps - 1));
  trainer_post (s->t, ev);
}

static gboolean
next_batch (gpointer data, int *b, const float **x, const guint8 **y)
{
  Batches *s = data;
  const int *idx;
  int n = MIN (s->batch, s->train->n);

  if (s->t->sink->cancelled (s->t->sink_data))
    return FALSE;
  if (s->done % PROGRESS_EVERY == 0)
    post_progress (s);
  s->done++;
  if (s->pos + n > s->train->n)
    s->pos = 0;
  if (s->pos == 0)
    dl_rng_shuffle (&s->rng, s->order, s->train->n);
  idx = s->order + s->pos;
  if (s->augment)
    dl_augment_gather (s->train, idx, n, s->x, &s->augment_rng);
  else
    dl_dataset_gather (s->train, idx, n, s->x);
  for (int i = 0; i < n; i++)
    s->y[i] = s->train->labels[idx[i]];
  s->pos += n;
  *b = n;
  *x = s->x;
  *y = s->y;
  return TRUE;
}

static gboolean
options_valid (DlTrainer *t, const DlLrFindOptions *o)
{
  if (o->steps >= DL_LR_FIND_MIN_STEPS && o->steps <= DL_LR_FIND_MAX_STEPS && o->lr_min > 0.0
      && o->lr_max > o->lr_min && isfinite (o->lr_max) && o->smoothing >= 0.0 && o->smoothing < 1.0
      && o->stop_factor > 1.0)
    return TRUE;
  trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                                      _("The learning-rate sweep needs %d to %d batches from a rate above 0 to "
                                        "a higher one, smoothing in [0, 1) and a stop factor above 1 (got %d "
                                        "batches, %g to %g, %g, %g)."),
                                      DL_LR_FIND_MIN_STEPS, DL_LR_FIND_MAX_STEPS, o->steps, o->lr_min, o->lr_max,
                                      o->smoothing, o->stop_factor));
  return FALSE;
}

/* The network to sweep: a fresh one from cfg, or a copy of the run's with its optimiser state and
 * dropout stream (NULL, with an error posted, when there is none). */
static DlNet *
sweep_net (DlTrainer *t, const DlTrainConfig *cfg)
{
  g_autoptr(GError) error = NULL;
  g_autofree float *opt_state = NULL;
  DlNetTrainState state;
  DlArch arch;
  DlNet *net;

  if (cfg != NULL)
    {
      if (!dl_arch_parse (cfg->arch, &arch, &error))
        {
          trainer_post_error (t, g_steal_pointer (&error));
          return NULL;
        }
      net = dl_net_try_new (&arch, cfg->seed, &error);
      if (net == NULL)
        trainer_post_error (t, g_steal_pointer (&error));
      return net;
    }
  if (t->net == NULL)
    {
      trainer_post_error (t, g_error_new_literal (DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY,
                                                  _("There is no network to find a learning rate for yet.")));
      return NULL;
    }
  net = dl_net_copy (t->net);
  opt_state = g_new (float, dl_net_opt_state_floats (t->net));
  dl_net_get_train_state (t->net, &state, opt_state);
  dl_net_set_train_state (net, &state, opt_state);
  return net;
}

/* What the sweep says, in words: the suggestion, and whether the rate in force is far too high. */
static char *
verdict (const DlLrFind *f, const DlTrainConfig *recipe)
{
  GString *s = g_string_new (NULL);

  if (!isfinite (f->steepest))
    g_string_append_printf (s, _("The loss did not fall anywhere in the sweep from %g to %g: no rate to "
                                 "suggest."), f->options.lr_min, f->options.lr_max);
  else
    g_string_append_printf (s, _("Suggested learning rate: %.2g (steepest fall of the loss; the valley "
                                 "suggests %.2g)."), f->steepest, f->valley);
  if (f->too_high)
    {
      g_string_append_printf (s, " ");
      g_string_append_printf (s, _("The current rate %g is far too high: in the sweep the loss was lowest "
                                   "at %.2g, and higher rates made it worse."), f->current_lr, f->min_loss_lr);
      if (recipe->hyper.reduce == DL_REDUCE_SUM && recipe->batch > 1)
        {
          g_string_append_printf (s, " ");
          g_string_append_printf (s, _("The gradient is summed over the batch of %d, so each step is %d times "
                                       "the rate: average it over the batch, or lower the rate."),
                                  recipe->batch, recipe->batch);
        }
    }
  return g_string_free (s, FALSE);
}

void
dl_trainer_find_lr (DlTrainer *t, const DlTrainConfig *cfg, const DlLrFindOptions *o)
{
  const DlTrainConfig *recipe = cfg != NULL ? cfg : &t->cfg;
  g_autoptr(DlNet) net = NULL;
  Batches s = { .t = t, .options = o };
  DlLrFind *f;
  DlEvent *ev;
  int c, h, w;

  if (!options_valid (t, o) || (cfg != NULL && !trainer_validate_config (t, cfg)))
    return;
  if (t->train == NULL)
    {
      trainer_post_error (t, g_error_new_literal (DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY,
                                                  _("Load the training data before finding a learning rate.")));
      return;
    }
  net = sweep_net (t, cfg);
  if (net == NULL || !trainer_data_fits (t, net, t->train))
    return;
  if (recipe->threads > 0)
    dl_net_set_threads (net, recipe->threads);

  s.train = t->train;
  s.batch = recipe->batch;
  s.augment = recipe->augment;
  dl_rng_seed (&s.rng, recipe->seed ^ G_GUINT64_CONSTANT (0x5deece66d));
  dl_rng_seed (&s.augment_rng, recipe->seed ^ G_GUINT64_CONSTANT (0xc2b2ae3d27d4eb4f));
  s.order = g_new (int, t->train->n);
  for (int i = 0; i < t->train->n; i++)
    s.order[i] = i;
  dl_arch_shape (dl_net_arch (net), -1, &c, &h, &w);
  s.x = g_new (float, (gsize) recipe->batch * c * h * w);
  s.y = g_new (guint8, recipe->batch);

  f = dl_lr_find_run (net, &recipe->hyper, o, next_batch, &s);
  g_free (s.order);
  g_free (s.x);
  g_free (s.y);
  ev = trainer_event (t, DL_EVENT_LR_FOUND);
  ev->message = f->cancelled ? g_strdup (_("The learning-rate sweep was cancelled.")) : verdict (f, recipe);
  ev->lr_find = f;
  trainer_post (t, ev);
}
