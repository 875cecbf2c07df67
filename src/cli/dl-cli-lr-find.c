/* dl-cli-lr-find.c — `digitlab-cli lr-find` (see dl-cli-lr-find.h). */
#include "dl-cli-lr-find.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "dl-cli-json.h"
#include "dl-worker.h"

typedef struct {
  GMainLoop *loop;
  DlEvent   *found;   /* LR_FOUND */
  GError    *error;
} Sweep;

static void
on_event (DlWorker *worker, DlEvent *ev, Sweep *s)
{
  if (ev->type == DL_EVENT_LR_FOUND)
    s->found = dl_event_ref (ev);
  else if (ev->type == DL_EVENT_ERROR)
    s->error = g_error_copy (ev->error);
  else
    return;
  g_main_loop_quit (s->loop);
}

static void
print_json (const DlCliRecipe *r, const DlCliBranch *branch, const DlEvent *ev)
{
  const DlLrFind *f = ev->lr_find;
  JsonBuilder *j = dl_cli_json_new ();

  dl_cli_json_string (j, "preset", r->p.name);
  dl_cli_json_string (j, "arch", r->p.arch);
  dl_cli_json_string (j, "optimizer", dl_optimizer_name (r->p.hyper.optimizer));
  dl_cli_json_string (j, "reduce", r->p.hyper.reduce == DL_REDUCE_SUM ? "sum" : "mean");
  dl_cli_json_int (j, "batch", r->p.batch);
  dl_cli_json_int (j, "seed", (gint64) r->seed);
  dl_cli_json_double (j, "current_lr", f->current_lr);
  dl_cli_json_double (j, "suggestion", f->steepest);
  dl_cli_json_double (j, "steepest", f->steepest);
  dl_cli_json_double (j, "valley", f->valley);
  dl_cli_json_double (j, "min_loss_lr", f->min_loss_lr);
  dl_cli_json_double (j, "min_loss", f->min_loss);
  dl_cli_json_bool (j, "too_high", f->too_high);
  dl_cli_json_bool (j, "stopped_early", f->stopped_early);
  dl_cli_json_int (j, "steps", f->points->len);
  dl_cli_json_double (j, "lr_min", f->options.lr_min);
  dl_cli_json_double (j, "lr_max", f->options.lr_max);
  dl_cli_json_string (j, "message", ev->message);
  if (branch != NULL)
    {
      dl_cli_json_begin_object (j, "from");
      dl_cli_json_int (j, "run", dl_run_get_number (branch->parent));
      dl_cli_json_string (j, "uuid", dl_run_get_uuid (branch->parent));
      dl_cli_json_int (j, "step", branch->ckpt->step);
      json_builder_end_object (j);
    }
  else
    dl_cli_json_null (j, "from");
  dl_cli_json_begin_array (j, "points");
  for (guint i = 0; i < f->points->len; i++)
    {
      const DlLrPoint *p = &g_array_index (f->points, DlLrPoint, i);

      dl_cli_json_begin_object (j, NULL);
      dl_cli_json_double (j, "lr", p->lr);
      dl_cli_json_double (j, "loss", p->loss);
      dl_cli_json_double (j, "smoothed", p->smoothed);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  dl_cli_json_print (j);
}

/* The curve every tenth of the way, then the verdict. */
static void
print_text (const DlCliRecipe *r, const DlCliBranch *branch, const DlEvent *ev)
{
  const DlLrFind *f = ev->lr_find;
  guint n = f->points->len, every = MAX (n / 10, 1);

  if (branch != NULL)
    {
      g_autofree char *what = dl_cli_branch_describe (branch);

      printf (_("from %s\n"), what);
    }
  /* The optimiser and "sum"/"mean" are the options' own words. */
  printf (ngettext ("%s (%s), %s, reduce %s, batch %d, seed %llu: %u batch from %g to %g",
                    "%s (%s), %s, reduce %s, batch %d, seed %llu: %u batches from %g to %g", n),
          r->p.name, r->p.arch, dl_optimizer_name (r->p.hyper.optimizer),
          r->p.hyper.reduce == DL_REDUCE_SUM ? "sum" : "mean", r->p.batch, (unsigned long long) r->seed, n,
          f->options.lr_min, f->options.lr_max);
  printf ("%s\n", f->stopped_early ? _(" (stopped early: the loss blew up)") : "");
  printf ("%12s %10s %10s\n", "lr", _("loss"), _("smoothed"));
  for (guint i = 0; i < n; i++)
    if (i % every == 0 || i == n - 1)
      {
        const DlLrPoint *p = &g_array_index (f->points, DlLrPoint, i);

        printf ("%12.3g %10.4g %10.4g\n", p->lr, p->loss, p->smoothed);
      }
  printf (_("suggestion %.3g (steepest), valley %.3g, lowest smoothed loss %.4g at %.3g\n"), f->steepest, f->valley,
          f->min_loss, f->min_loss_lr);
  printf ("%s\n", ev->message);
}

gboolean
dl_cli_lr_find (const DlCliRecipe *r, const DlCliBranch *branch, DlDataset *train, DlDataset *test, int steps,
                gboolean json, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  Sweep s = { 0 };
  DlLrFindOptions options;
  DlTrainConfig cfg;
  DlWorker *worker;

  dl_lr_find_options_init (&options);
  options.steps = steps;
  dl_train_config_from_preset (&cfg, &r->p);
  cfg.seed = r->seed;
  cfg.threads = r->threads;

  g_main_context_push_thread_default (context);
  s.loop = g_main_loop_new (context, FALSE);
  worker = dl_worker_new ();
  g_signal_connect (worker, "event", G_CALLBACK (on_event), &s);
  dl_worker_set_data (worker, train, test);
  if (branch != NULL)
    {
      /* A copy of the checkpoint as a run of this worker only, swept from where it is (cfg NULL). */
      dl_worker_branch (worker, branch->ckpt, &cfg);
      dl_worker_find_lr (worker, NULL, &options);
    }
  else
    dl_worker_find_lr (worker, &cfg, &options);
  g_main_loop_run (s.loop);
  dl_worker_shutdown (worker);
  g_object_unref (worker);
  g_main_loop_unref (s.loop);
  g_main_context_pop_thread_default (context);
  dl_train_config_clear (&cfg);

  if (s.error != NULL)
    {
      g_propagate_error (error, s.error);
      return FALSE;
    }
  if (json)
    print_json (r, branch, s.found);
  else
    print_text (r, branch, s.found);
  dl_event_unref (s.found);
  return TRUE;
}
