/* dl-cli-runs.c — `train` recording into the run store, and `digitlab-cli runs` (see dl-cli-runs.h).
 *
 *   digitlab-cli runs list    [--store FILE] [--all] [--json]
 *   digitlab-cli runs show    RUN [--store FILE] [--json]
 *   digitlab-cli runs export  RUN… | --all [--store FILE] [--output FILE.csv]
 *   digitlab-cli runs rm      RUN… [--purge] [--store FILE]
 *   digitlab-cli runs restore RUN… [--store FILE]
 *
 * RUN is a run's number or the start of its uuid. Epochs are counted from 1 here, as `train` prints them.
 */
#include "config.h"

#include "dl-cli-runs.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "dl-cli-json.h"
#include "dl-file.h"
#include "dl-run-store.h"

#define PROG "digitlab-cli runs"

/* ---- train: recording ---- */

void
dl_cli_recording_init (DlCliRecording *rec, const DlCliOptions *o, const DlCliRecipe *r, const DlDataset *train,
                       const DlDataset *test, DlRunStore *open, DlCliReport *report)
{
  g_autofree char *path = o->store != NULL ? g_strdup (o->store) : dl_run_store_default_path ();
  g_autofree char *dir = o->data_dir != NULL ? g_strdup (o->data_dir) : dl_data_default_dir ();
  g_autoptr (GError) error = NULL;

  memset (rec, 0, sizeof *rec);
  if (o->no_record)
    return;
  rec->store = open != NULL ? g_object_ref (open) : dl_run_store_open (path, &error);
  if (rec->store == NULL)
    {
      dl_cli_report_message (report, _("warning: this run is not recorded: %s"), error->message);
      return;
    }
  rec->data = dl_run_store_compute_data (rec->store, o->train_path != NULL ? o->train_path : dir,
                                         o->test_path != NULL ? o->test_path : dir, train->n, test->n, &error);
  if (rec->data == NULL)
    {
      /* The data loaded, so this is rare (a file replaced meanwhile): the run is still worth keeping. */
      dl_cli_report_message (report, _("warning: the run's data files are not recorded: %s"), error->message);
      rec->data = dl_run_data_new (o->train_path, o->test_path, train->n, test->n);
    }
  rec->name = g_strdup (o->run_name);
  rec->preset = g_strdup (r->p.name);
}

void
dl_cli_recording_finish (DlCliRecording *rec, DlCliReport *report)
{
  g_autoptr (GError) error = NULL;

  if (rec->store == NULL || rec->run == NULL)
    return;
  if (!dl_run_store_flush (rec->store, &error))
    {
      dl_cli_report_message (report, _("warning: the run was not recorded: %s"), error->message);
      return;
    }
  /* The store tells the run its number on this thread's default context. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  report->run_number = dl_run_get_number (rec->run);
  g_free (report->run_uuid);
  report->run_uuid = g_strdup (dl_run_get_uuid (rec->run));
  dl_cli_report_message (report, _("recorded as run %lld (%s) in %s"), (long long) report->run_number,
                         dl_run_get_name (rec->run), dl_run_store_get_path (rec->store));
}

void
dl_cli_recording_clear (DlCliRecording *rec)
{
  g_clear_object (&rec->run);
  if (rec->store != NULL)
    dl_run_store_close (rec->store);
  g_clear_object (&rec->store);
  g_clear_pointer (&rec->data, dl_run_data_unref);
  g_clear_pointer (&rec->name, g_free);
  g_clear_pointer (&rec->preset, g_free);
}

/* ---- runs: helpers ---- */

static int
usage_failure (const char *action, const char *message)
{
  fprintf (stderr, PROG " %s: %s\n", action, message);
  fprintf (stderr, _("Try 'digitlab-cli runs %s --help'.\n"), action);
  return DL_EXIT_USAGE;
}

static int
failure (const GError *error)
{
  fprintf (stderr, PROG ": %s\n", error->message);
  return DL_EXIT_FAILURE;
}

/* The store the user named, or theirs. NULL (and *missing) when there is no history yet: listing an empty
 * history must not create one. */
static DlRunStore *
open_existing (const DlCliOptions *o, gboolean *missing, GError **error)
{
  g_autofree char *path = o->store != NULL ? g_strdup (o->store) : dl_run_store_default_path ();

  *missing = !g_file_test (path, G_FILE_TEST_EXISTS);
  if (*missing)
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND, _("no run history at %s yet"), path);
      return NULL;
    }
  return dl_run_store_open (path, error);
}

/* Every run the arguments name (a number or a uuid prefix each). */
static GPtrArray *
find_runs (DlRunStore *store, int argc, char **argv, GError **error)
{
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);

  for (int i = 1; i < argc; i++)
    {
      DlRun *run = dl_run_store_find_run (store, argv[i], error);

      if (run == NULL)
        return NULL;
      g_ptr_array_add (runs, run);
    }
  return g_steal_pointer (&runs);
}

static char *
format_time (gint64 us, gboolean iso)
{
  g_autoptr (GDateTime) t = NULL;

  if (us <= 0)
    return NULL;
  t = iso ? g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC) : g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  return g_date_time_format (t, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M");
}

static void
json_time (JsonBuilder *j, const char *key, gint64 us)
{
  g_autofree char *text = format_time (us, TRUE);

  dl_cli_json_string (j, key, text);
}

/* Accuracy as "98.48 %", or "—". */
static char *
format_accuracy (double a)
{
  return isnan (a) ? g_strdup ("—") : g_strdup_printf ("%.2f %%", 100.0 * a);
}

/* The fields a run listing has. */
static void
json_run_summary (JsonBuilder *j, DlRun *run)
{
  DlRunData *data = dl_run_get_data (run);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, dl_run_get_seed (run));

  dl_cli_json_int (j, "number", dl_run_get_number (run));
  dl_cli_json_string (j, "uuid", dl_run_get_uuid (run));
  dl_cli_json_string (j, "name", dl_run_get_name (run));
  dl_cli_json_string (j, "notes", dl_run_get_notes (run));
  dl_cli_json_string (j, "preset", dl_run_get_preset (run));
  dl_cli_json_string (j, "arch", dl_run_get_arch (run));
  /* A string: a seed above 2^53 does not survive a JSON number. */
  dl_cli_json_string (j, "seed", seed);
  dl_cli_json_string (j, "state", dl_train_state_to_nick (dl_run_get_state (run)));
  dl_cli_json_string (j, "program", dl_run_get_program (run));
  json_time (j, "created", dl_run_get_created_at (run));
  json_time (j, "started", dl_run_get_started_at (run));
  json_time (j, "ended", dl_run_get_ended_at (run));
  dl_cli_json_double (j, "train_seconds", dl_run_get_train_seconds (run));
  dl_cli_json_int (j, "steps", dl_run_get_steps (run));
  dl_cli_json_double (j, "epochs_done", dl_run_get_epochs_done (run));
  dl_cli_json_double (j, "best_test_accuracy", dl_run_get_best_test_accuracy (run));
  if (dl_run_get_best_epoch (run) >= 0)
    dl_cli_json_int (j, "best_epoch", dl_run_get_best_epoch (run) + 1);
  else
    dl_cli_json_null (j, "best_epoch");
  dl_cli_json_double (j, "final_test_accuracy", dl_run_get_final_test_accuracy (run));
  dl_cli_json_string (j, "final_model", dl_run_get_final_model_path (run));
  dl_cli_json_string (j, "origin_model", dl_run_get_origin_model_path (run));
  dl_cli_json_string (j, "origin_model_sha256", dl_run_get_origin_model_sha256 (run));
  /* A branch: the run and step it went on from (train --from, or the app's Branch from Here). */
  dl_cli_json_string (j, "parent_uuid", dl_run_get_parent_uuid (run));
  if (dl_run_get_parent_uuid (run) != NULL)
    dl_cli_json_int (j, "parent_step", dl_run_get_parent_step (run));
  else
    dl_cli_json_null (j, "parent_step");
  dl_cli_json_begin_object (j, "data");
  dl_cli_json_string (j, "train", data != NULL ? data->train_source : NULL);
  dl_cli_json_string (j, "test", data != NULL ? data->test_source : NULL);
  dl_cli_json_int (j, "n_train", data != NULL ? data->n_train : 0);
  dl_cli_json_int (j, "n_test", data != NULL ? data->n_test : 0);
  json_builder_end_object (j);
  dl_cli_json_bool (j, "deleted", dl_run_get_deleted_at (run) != 0);
}

/* ---- runs list ---- */

static void
print_list_text (GPtrArray *runs)
{
  /* TRANSLATORS: the column headers of `digitlab-cli runs list` */
  printf ("%5s  %-28s %-10s %-9s %-16s %8s %7s  %-20s %s\n", _("run"), _("name"), _("preset"), _("state"),
          _("started"), _("duration"), _("steps"), _("best test accuracy"), _("final"));
  for (guint i = 0; i < runs->len; i++)
    {
      DlRun *run = runs->pdata[i];
      g_autofree char *started = format_time (dl_run_get_started_at (run), FALSE);
      g_autofree char *duration = dl_cli_format_duration (dl_run_get_train_seconds (run));
      g_autofree char *best = format_accuracy (dl_run_get_best_test_accuracy (run));
      g_autofree char *best_at = dl_run_get_best_epoch (run) >= 0
                                   ? g_strdup_printf (_("%s (epoch %d)"), best, dl_run_get_best_epoch (run) + 1)
                                   : g_strdup (best);
      g_autofree char *final = format_accuracy (dl_run_get_final_test_accuracy (run));
      g_autofree char *state = g_strdup_printf ("%s%s", dl_train_state_to_nick (dl_run_get_state (run)),
                                                dl_run_get_deleted_at (run) ? "*" : "");

      printf ("%5" G_GINT64_FORMAT "  %-28.28s %-10.10s %-9s %-16s %8s %7" G_GINT64_FORMAT "  %-20s %s\n",
              dl_run_get_number (run), dl_run_get_name (run), dl_run_get_preset (run) ? dl_run_get_preset (run) : _("custom"),
              state, started ? started : "—", duration, dl_run_get_steps (run), best_at, final);
    }
}

static int
runs_list (DlCliOptions *o, DlRunStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;

  if (store != NULL && (runs = dl_run_store_list_runs (store, o->all, &error)) == NULL)
    return failure (error);
  if (runs == NULL)
    runs = g_ptr_array_new_with_free_func (g_object_unref);
  if (o->json)
    {
      JsonBuilder *j = dl_cli_json_new ();

      dl_cli_json_begin_array (j, "runs");
      for (guint i = 0; i < runs->len; i++)
        {
          dl_cli_json_begin_object (j, NULL);
          json_run_summary (j, runs->pdata[i]);
          json_builder_end_object (j);
        }
      json_builder_end_array (j);
      dl_cli_json_print (j);
    }
  else
    print_list_text (runs);
  return DL_EXIT_OK;
}

/* ---- runs show ---- */

typedef struct {
  GPtrArray *events, *models;
  GArray    *epochs;
} Details;

static gboolean
read_details (DlRunStore *store, DlRun *run, Details *d, GError **error)
{
  d->events = dl_run_store_list_events (store, run, error);
  d->epochs = d->events ? dl_run_store_list_epochs (store, run, error) : NULL;
  d->models = d->epochs ? dl_run_store_list_models (store, run, error) : NULL;
  return d->models != NULL;
}

static void
details_clear (Details *d)
{
  g_clear_pointer (&d->events, g_ptr_array_unref);
  g_clear_pointer (&d->epochs, g_array_unref);
  g_clear_pointer (&d->models, g_ptr_array_unref);
}

static void
print_show_json (DlRun *run, const Details *d)
{
  g_autoptr (GPtrArray) config = dl_run_config_to_pairs (dl_run_get_config (run));
  DlRunData *data = dl_run_get_data (run);
  JsonBuilder *j = dl_cli_json_new ();

  json_run_summary (j, run);
  dl_cli_json_begin_object (j, "config");
  for (guint i = 0; i + 1 < config->len; i += 2)
    dl_cli_json_string (j, config->pdata[i], config->pdata[i + 1]);
  json_builder_end_object (j);
  dl_cli_json_begin_array (j, "data_files");
  for (guint i = 0; data != NULL && i < data->files->len; i++)
    {
      const DlRunDataFile *f = data->files->pdata[i];

      dl_cli_json_begin_object (j, NULL);
      dl_cli_json_string (j, "set", f->set);
      dl_cli_json_string (j, "kind", f->kind);
      dl_cli_json_string (j, "path", f->path);
      dl_cli_json_int (j, "size", f->size);
      dl_cli_json_string (j, "sha256", f->sha256);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  dl_cli_json_begin_array (j, "epochs");
  for (guint i = 0; i < d->epochs->len; i++)
    {
      const DlRunEpoch *e = &g_array_index (d->epochs, DlRunEpoch, i);

      dl_cli_json_begin_object (j, NULL);
      dl_cli_json_int (j, "epoch", e->epoch + 1);
      dl_cli_json_int (j, "step", e->step);
      dl_cli_json_double (j, "train_loss", e->train_loss);
      dl_cli_json_double (j, "train_accuracy", e->train_accuracy);
      dl_cli_json_double (j, "test_loss", e->test_loss);
      dl_cli_json_double (j, "test_accuracy", e->test_accuracy);
      dl_cli_json_double (j, "seconds", e->seconds);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  dl_cli_json_begin_array (j, "events");
  for (guint i = 0; i < d->events->len; i++)
    {
      const DlRunEvent *e = d->events->pdata[i];

      dl_cli_json_begin_object (j, NULL);
      dl_cli_json_string (j, "kind", e->kind);
      json_time (j, "at", e->at);
      dl_cli_json_int (j, "step", e->step);
      dl_cli_json_double (j, "x", e->x);
      dl_cli_json_bool (j, "marker", e->marker);
      dl_cli_json_string (j, "text", e->text);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  dl_cli_json_begin_array (j, "models");
  for (guint i = 0; i < d->models->len; i++)
    {
      const DlRunModel *m = d->models->pdata[i];

      dl_cli_json_begin_object (j, NULL);
      dl_cli_json_string (j, "kind", m->kind);
      dl_cli_json_string (j, "path", m->path);
      dl_cli_json_int (j, "size", m->size);
      dl_cli_json_string (j, "sha256", m->sha256);
      dl_cli_json_int (j, "step", m->step);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  dl_cli_json_print (j);
}

static void
print_show_text (DlRun *run, const Details *d)
{
  g_autoptr (GPtrArray) config = dl_run_config_to_pairs (dl_run_get_config (run));
  DlRunData *data = dl_run_get_data (run);
  g_autofree char *started = format_time (dl_run_get_started_at (run), FALSE);
  g_autofree char *duration = dl_cli_format_duration (dl_run_get_train_seconds (run));
  g_autofree char *best = format_accuracy (dl_run_get_best_test_accuracy (run));
  g_autofree char *final = format_accuracy (dl_run_get_final_test_accuracy (run));

  printf (_("run %lld: %s\n"), (long long) dl_run_get_number (run), dl_run_get_name (run));
  printf (_("  uuid     %s\n"), dl_run_get_uuid (run));
  printf (_("  state    %s%s\n"), dl_train_state_to_nick (dl_run_get_state (run)),
          dl_run_get_deleted_at (run) ? _(" (deleted: 'digitlab-cli runs restore' brings it back)") : "");
  printf (_("  preset   %s\n"), dl_run_get_preset (run) ? dl_run_get_preset (run) : _("custom"));
  printf (ngettext ("  started  %s, trained %s, %lld step (%.2f epochs)\n",
                    "  started  %s, trained %s, %lld steps (%.2f epochs)\n", dl_run_get_steps (run)),
          started ? started : "—", duration, (long long) dl_run_get_steps (run), dl_run_get_epochs_done (run));
  if (dl_run_get_best_epoch (run) >= 0)
    printf (_("  best test accuracy %s (epoch %d); final %s\n"), best, dl_run_get_best_epoch (run) + 1, final);
  if (*dl_run_get_notes (run) != '\0')
    printf (_("  notes    %s\n"), dl_run_get_notes (run));
  if (dl_run_get_parent_uuid (run) != NULL)
    printf (_("  branched from run %s at step %lld\n"), dl_run_get_parent_uuid (run),
            (long long) dl_run_get_parent_step (run));
  if (dl_run_get_origin_model_path (run) != NULL)
    printf (_("  from model %s (sha256 %s)\n"), dl_run_get_origin_model_path (run),
            dl_run_get_origin_model_sha256 (run) ? dl_run_get_origin_model_sha256 (run) : _("unknown"));
  printf ("%s\n", _("configuration"));
  for (guint i = 0; i + 1 < config->len; i += 2)
    printf ("  %-15s %s\n", (const char *) config->pdata[i], (const char *) config->pdata[i + 1]);
  if (data != NULL)
    {
      printf (_("data: %d training, %d test examples\n"), data->n_train, data->n_test);
      for (guint i = 0; i < data->files->len; i++)
        {
          const DlRunDataFile *f = data->files->pdata[i];

          printf (_("  %-5s %-6s %s (%lld bytes, sha256 %s)\n"), f->set, f->kind, f->path, (long long) f->size,
                  f->sha256);
        }
    }
  if (d->epochs->len > 0)
    printf ("%s\n", _("epochs"));
  for (guint i = 0; i < d->epochs->len; i++)
    {
      const DlRunEpoch *e = &g_array_index (d->epochs, DlRunEpoch, i);

      printf ("  ");
      printf (_("epoch %d  train loss %.4f  test loss %.4f  test accuracy %.2f %%  %.1f s"), e->epoch + 1,
              e->train_loss, e->test_loss, 100.0 * e->test_accuracy, e->seconds);
      putchar ('\n');
    }
  if (d->events->len > 0)
    printf ("%s\n", _("events"));
  for (guint i = 0; i < d->events->len; i++)
    {
      const DlRunEvent *e = d->events->pdata[i];

      printf (_("  step %-7lld %-8s %s%s\n"), (long long) e->step, e->kind, e->text, e->marker ? _("  (marker)") : "");
    }
  for (guint i = 0; i < d->models->len; i++)
    {
      const DlRunModel *m = d->models->pdata[i];

      printf (_("model (%s): %s (%lld bytes, sha256 %s)\n"), m->kind, m->path, (long long) m->size, m->sha256);
    }
}

static int
runs_show (DlCliOptions *o, DlRunStore *store, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;
  Details d = { 0 };

  if (argc != 2)
    return usage_failure ("show", _("give one run: its number or the start of its uuid"));
  if ((runs = find_runs (store, argc, argv, &error)) == NULL || !read_details (store, runs->pdata[0], &d, &error))
    {
      details_clear (&d);
      return failure (error);
    }
  if (o->json)
    print_show_json (runs->pdata[0], &d);
  else
    print_show_text (runs->pdata[0], &d);
  details_clear (&d);
  return DL_EXIT_OK;
}

/* ---- runs export ---- */

static int
runs_export (DlCliOptions *o, DlRunStore *store, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;
  g_autoptr (GString) csv = g_string_new (NULL);

  if ((argc < 2) == !o->all)
    return usage_failure ("export", _("give the runs to export (numbers or uuid prefixes), or --all"));
  runs = o->all ? dl_run_store_list_runs (store, FALSE, &error) : find_runs (store, argc, argv, &error);
  if (runs == NULL || !dl_run_store_export_csv (store, runs, csv, &error))
    return failure (error);
  if (o->output == NULL)
    {
      fwrite (csv->str, 1, csv->len, stdout);
      return DL_EXIT_OK;
    }
  if (!dl_file_save_bytes (o->output, csv->str, csv->len, &error))
    return failure (error);
  fprintf (stderr, ngettext ("exported %u run to %s\n", "exported %u runs to %s\n", runs->len), runs->len, o->output);
  return DL_EXIT_OK;
}

/* ---- runs rm / restore ---- */

static int
runs_remove (DlCliOptions *o, DlRunStore *store, int argc, char **argv, gboolean restore)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;

  if (argc < 2)
    return usage_failure (restore ? "restore" : "rm", _("give the runs: numbers or uuid prefixes"));
  if ((runs = find_runs (store, argc, argv, &error)) == NULL)
    return failure (error);
  for (guint i = 0; i < runs->len; i++)
    {
      DlRun *run = runs->pdata[i];

      if (restore)
        dl_run_store_restore_run (store, run);
      else
        dl_run_store_delete_run (store, run);
    }
  if (!restore && o->purge)
    dl_run_store_purge (store);
  if (!dl_run_store_flush (store, &error))
    return failure (error);
  for (guint i = 0; i < runs->len; i++)
    {
      DlRun *run = runs->pdata[i];

      if (restore)
        printf (_("restored run %lld (%s)\n"), (long long) dl_run_get_number (run), dl_run_get_name (run));
      else if (o->purge)
        printf (_("deleted run %lld (%s) for good\n"), (long long) dl_run_get_number (run), dl_run_get_name (run));
      else
        printf (_("deleted run %lld (%s); 'digitlab-cli runs restore %lld' brings it back\n"),
                (long long) dl_run_get_number (run), dl_run_get_name (run), (long long) dl_run_get_number (run));
    }
  return DL_EXIT_OK;
}

/* ---- dispatch ---- */

static void
print_usage (FILE *out)
{
  fputs (_("Usage: digitlab-cli runs ACTION [OPTIONS]\n"
         "\n"
         "The run history digitlab-cli train and Digit Lab record (--store FILE, default\n"
         "${XDG_DATA_HOME:-~/.local/share}/digitlab/runs.sqlite). RUN is a run's number or the start of its uuid.\n"
         "\n"
         "Actions:\n"
         "  list [--all] [--json]            every run (--all: deleted ones too, marked *)\n"
         "  show RUN [--json]                a run's configuration, data files, epochs, events and models\n"
         "  export RUN… | --all [--output FILE.csv]\n"
         "                                   one long-format CSV of the runs' metrics\n"
         "  rm RUN… [--purge]                delete (restore brings them back; --purge: for good)\n"
         "  restore RUN…                     undo rm\n"), out);
}

int
dl_cli_runs (int argc, char **argv)
{
  DlCliOptions o = { 0 };
  GOptionEntry entries[] = {
    { "store", 0, 0, G_OPTION_ARG_STRING, &o.store, N_("The run store (default: the user's)"), N_ ("FILE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, N_("Print JSON (list, show)"), NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &o.all, N_("list: deleted runs too; export: every run"), NULL },
    { "output", 0, 0, G_OPTION_ARG_STRING, &o.output, N_("export: write the CSV here (atomically) instead of stdout"),
      N_ ("FILE.csv") },
    { "purge", 0, 0, G_OPTION_ARG_NONE, &o.purge, N_("rm: delete for good, with every run deleted before"), NULL },
    { NULL },
  };
  const char *actions[] = { "list", "show", "export", "rm", "restore" };
  g_autoptr (GError) error = NULL;
  g_autoptr (DlRunStore) store = NULL;
  g_autofree char *action = NULL;
  gboolean known = FALSE, missing = FALSE;
  int status;

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? DL_EXIT_USAGE : DL_EXIT_OK;
    }
  action = g_strdup (argv[1]);
  for (gsize i = 0; i < G_N_ELEMENTS (actions); i++)
    known |= g_str_equal (action, actions[i]);
  if (!known)
    {
      fprintf (stderr, PROG ": ");
      fprintf (stderr, _("unknown action '%s'\n"), action);
      print_usage (stderr);
      return DL_EXIT_USAGE;
    }
  {
    g_autofree char *param = g_strdup_printf ("%s - %s", action, _("the run history"));
    g_autoptr (GOptionContext) ctx = g_option_context_new (param);

    /* The action's parser sees "digitlab-cli runs ACTION" as its program name; what is left are runs. */
    argv[1] = g_strdup_printf (PROG " %s", action);
    argc--;
    argv++;
    g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse (ctx, &argc, &argv, &error))
      {
        status = usage_failure (action, error->message);
        dl_cli_options_clear (&o);
        return status;
      }
  }
  store = open_existing (&o, &missing, &error);
  if (store == NULL && !(missing && g_str_equal (action, "list")))
    status = failure (error);
  else if (g_str_equal (action, "list"))
    status = runs_list (&o, store);
  else if (g_str_equal (action, "show"))
    status = runs_show (&o, store, argc, argv);
  else if (g_str_equal (action, "export"))
    status = runs_export (&o, store, argc, argv);
  else
    status = runs_remove (&o, store, argc, argv, g_str_equal (action, "restore"));
  if (store != NULL)
    dl_run_store_close (store);
  dl_cli_options_clear (&o);
  return status;
}
