/* dl-run-store-rows.c — a DlRun as plain rows for the writer thread and back, and the configuration as
 * key/value pairs (see dl-run-store-private.h). */
#include "dl-run-store-private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- figures and rows ---- */

void
dl_run_figures_from_run (DlRunFigures *fig, DlRun *run)
{
  fig->state = g_strdup (dl_run_state_nick (dl_run_get_state (run)));
  fig->started_at = dl_run_get_started_at (run);
  fig->ended_at = dl_run_get_ended_at (run);
  fig->train_seconds = dl_run_get_train_seconds (run);
  fig->steps = dl_run_get_steps (run);
  fig->epochs_done = dl_run_get_epochs_done (run);
  fig->best_test_accuracy = dl_run_get_best_test_accuracy (run);
  fig->best_epoch = dl_run_get_best_epoch (run);
  fig->final_test_accuracy = dl_run_get_final_test_accuracy (run);
  fig->final_model_path = g_strdup (dl_run_get_final_model_path (run));
}

void
dl_run_figures_clear (DlRunFigures *fig)
{
  g_clear_pointer (&fig->state, g_free);
  g_clear_pointer (&fig->final_model_path, g_free);
}

DlRunRow *
dl_run_row_from_run (DlRun *run)
{
  DlRunRow *row = g_new0 (DlRunRow, 1);
  const DlTrainConfig *config = dl_run_get_config (run);

  row->id = dl_run_get_number (run);
  row->uuid = g_strdup (dl_run_get_uuid (run));
  row->name = g_strdup (dl_run_get_name (run));
  row->notes = g_strdup (dl_run_get_notes (run));
  row->preset = g_strdup (dl_run_get_preset (run));
  row->program = g_strdup (dl_run_get_program (run));
  row->host = g_strdup (g_get_host_name ());
  row->pid = getpid ();
  row->created_at = dl_run_get_created_at (run);
  row->config = *config;
  row->config.arch = g_strdup (config->arch);
  if (dl_run_get_data (run) != NULL)
    row->data = dl_run_data_ref (dl_run_get_data (run));
  row->origin_model_path = g_strdup (dl_run_get_origin_model_path (run));
  row->origin_model_sha256 = g_strdup (dl_run_get_origin_model_sha256 (run));
  row->parent_uuid = g_strdup (dl_run_get_parent_uuid (run));
  row->parent_step = dl_run_get_parent_step (run);
  dl_run_figures_from_run (&row->fig, run);
  return row;
}

void
dl_run_row_free (DlRunRow *row)
{
  if (row == NULL)
    return;
  g_free (row->uuid);
  g_free (row->name);
  g_free (row->notes);
  g_free (row->preset);
  g_free (row->program);
  g_free (row->host);
  dl_train_config_clear (&row->config);
  g_clear_pointer (&row->data, dl_run_data_unref);
  g_free (row->origin_model_path);
  g_free (row->origin_model_sha256);
  g_free (row->parent_uuid);
  dl_run_figures_clear (&row->fig);
  g_free (row);
}

static void
apply_figures (DlRun *run, const DlRunFigures *fig)
{
  DlTrainState state;

  if (dl_run_state_from_nick (fig->state, &state))
    dl_run_set_state (run, state);
  dl_run_set_started_at (run, fig->started_at);
  dl_run_set_ended_at (run, fig->ended_at);
  dl_run_set_train_seconds (run, fig->train_seconds);
  dl_run_set_progress (run, fig->steps, fig->epochs_done);
  dl_run_set_best (run, fig->best_test_accuracy, fig->best_epoch);
  dl_run_set_final_test_accuracy (run, fig->final_test_accuracy);
  dl_run_set_final_model_path (run, fig->final_model_path);
}

DlRun *
dl_run_row_to_run (const DlRunRow *row)
{
  DlRun *run = g_object_new (DL_TYPE_RUN,
                             "uuid", row->uuid,
                             "created-at", row->created_at,
                             "config", &row->config,
                             "preset", row->preset,
                             "data", row->data,
                             "program", row->program,
                             "origin-model-path", row->origin_model_path,
                             "origin-model-sha256", row->origin_model_sha256,
                             "parent-uuid", row->parent_uuid,
                             "parent-step", row->parent_step,
                             "name", row->name,
                             "notes", row->notes,
                             NULL);

  dl_run_set_number (run, row->id);
  apply_figures (run, &row->fig);
  dl_run_set_loaded (run, FALSE);
  return run;
}

void
dl_run_apply_row (DlRun *run, const DlRunRow *row)
{
  g_object_freeze_notify (G_OBJECT (run));
  dl_run_set_number (run, row->id);
  dl_run_set_name (run, row->name);
  dl_run_set_notes (run, row->notes);
  apply_figures (run, &row->fig);
  g_object_thaw_notify (G_OBJECT (run));
}

/* ---- the configuration as text pairs ---- */

static const char *const reduce_names[] = { "mean", "sum" };
static const char *const schedule_names[] = { "none", "step", "cosine" };

static void
add_pair (GPtrArray *pairs, const char *key, char *value)
{
  g_ptr_array_add (pairs, g_strdup (key));
  g_ptr_array_add (pairs, value);
}

/* %.9g: a float's shortest exact decimal is at most 9 significant digits. */
static char *
float_text (float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

GPtrArray *
dl_run_config_to_pairs (const DlTrainConfig *c)
{
  GPtrArray *pairs = g_ptr_array_new_with_free_func (g_free);

  add_pair (pairs, "arch", g_strdup (c->arch));
  add_pair (pairs, "optimizer", g_strdup (dl_optimizer_name (c->hyper.optimizer)));
  add_pair (pairs, "lr", float_text (c->hyper.lr));
  add_pair (pairs, "momentum", float_text (c->hyper.momentum));
  add_pair (pairs, "weight_decay", float_text (c->hyper.weight_decay));
  add_pair (pairs, "reduce", g_strdup (reduce_names[c->hyper.reduce == DL_REDUCE_SUM]));
  add_pair (pairs, "beta1", float_text (c->hyper.beta1));
  add_pair (pairs, "beta2", float_text (c->hyper.beta2));
  add_pair (pairs, "eps", float_text (c->hyper.eps));
  add_pair (pairs, "batch", g_strdup_printf ("%d", c->batch));
  add_pair (pairs, "epochs", g_strdup_printf ("%d", c->epochs));
  add_pair (pairs, "seed", g_strdup_printf ("%" G_GUINT64_FORMAT, c->seed));
  add_pair (pairs, "schedule", g_strdup (schedule_names[CLAMP ((int) c->schedule, 0, 2)]));
  add_pair (pairs, "schedule_gamma", float_text (c->schedule_gamma));
  add_pair (pairs, "schedule_step", g_strdup_printf ("%d", c->schedule_step));
  add_pair (pairs, "augment", g_strdup (c->augment ? "true" : "false"));
  add_pair (pairs, "eval_every", g_strdup_printf ("%d", c->eval_every));
  add_pair (pairs, "threads", g_strdup_printf ("%d", c->threads));
  return pairs;
}

static gboolean
parse_float (const char *text, float *out)
{
  char *end;
  double v = g_ascii_strtod (text, &end);

  if (*text == '\0' || *end != '\0')
    return FALSE;
  *out = (float) v;
  return TRUE;
}

static gboolean
parse_int (const char *text, int *out)
{
  char *end;
  gint64 v;

  errno = 0;
  v = g_ascii_strtoll (text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno != 0 || v < G_MININT || v > G_MAXINT)
    return FALSE;
  *out = (int) v;
  return TRUE;
}

static gboolean
parse_name (const char *text, const char *const *names, int n, int *out)
{
  for (int i = 0; i < n; i++)
    if (g_str_equal (text, names[i]))
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
dl_run_config_set_pair (DlTrainConfig *c, const char *key, const char *value)
{
  int v;

  if (g_str_equal (key, "arch"))
    {
      g_free (c->arch);
      c->arch = g_strdup (value);
      return TRUE;
    }
  if (g_str_equal (key, "optimizer"))
    return dl_optimizer_from_name (value, &c->hyper.optimizer);
  if (g_str_equal (key, "lr"))
    return parse_float (value, &c->hyper.lr);
  if (g_str_equal (key, "momentum"))
    return parse_float (value, &c->hyper.momentum);
  if (g_str_equal (key, "weight_decay"))
    return parse_float (value, &c->hyper.weight_decay);
  if (g_str_equal (key, "beta1"))
    return parse_float (value, &c->hyper.beta1);
  if (g_str_equal (key, "beta2"))
    return parse_float (value, &c->hyper.beta2);
  if (g_str_equal (key, "eps"))
    return parse_float (value, &c->hyper.eps);
  if (g_str_equal (key, "schedule_gamma"))
    return parse_float (value, &c->schedule_gamma);
  if (g_str_equal (key, "batch"))
    return parse_int (value, &c->batch);
  if (g_str_equal (key, "epochs"))
    return parse_int (value, &c->epochs);
  if (g_str_equal (key, "schedule_step"))
    return parse_int (value, &c->schedule_step);
  if (g_str_equal (key, "eval_every"))
    return parse_int (value, &c->eval_every);
  if (g_str_equal (key, "threads"))
    return parse_int (value, &c->threads);
  if (g_str_equal (key, "seed"))
    {
      char *end;

      errno = 0;
      c->seed = g_ascii_strtoull (value, &end, 10);
      return *value != '\0' && *end == '\0' && errno == 0;
    }
  if (g_str_equal (key, "reduce"))
    {
      if (!parse_name (value, reduce_names, 2, &v))
        return FALSE;
      c->hyper.reduce = v == 1 ? DL_REDUCE_SUM : DL_REDUCE_MEAN;
      return TRUE;
    }
  if (g_str_equal (key, "schedule"))
    {
      if (!parse_name (value, schedule_names, 3, &v))
        return FALSE;
      c->schedule = (DlSchedule[]) { DL_SCHEDULE_NONE, DL_SCHEDULE_STEP, DL_SCHEDULE_COSINE }[v];
      return TRUE;
    }
  if (g_str_equal (key, "augment"))
    {
      c->augment = g_str_equal (value, "true");
      return c->augment || g_str_equal (value, "false");
    }
  return TRUE;
}
