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
  fig->state = g_strdup (dl_train_state_to_nick (dl_run_get_state (run)));
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

  if (dl_train_state_from_nick (fig->state, &state))
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
  dl_run_set_deleted_at (run, row->deleted_at);
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
  dl_run_set_deleted_at (run, row->deleted_at);
  apply_figures (run, &row->fig);
  g_object_thaw_notify (G_OBJECT (run));
}
