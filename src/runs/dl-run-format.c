/* dl-run-format.c — a run's figures as text (see dl-run-format.h). */
#include "dl-run-format.h"

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "digitlab"
#endif
#include <glib/gi18n-lib.h>

#include <math.h>
#include <string.h>

char *
dl_run_format_accuracy (double accuracy)
{
  return isnan (accuracy) ? g_strdup ("—") : g_strdup_printf ("%.2f %%", 100.0 * accuracy);
}

char *
dl_run_format_best (DlRun *run)
{
  g_autofree char *accuracy = dl_run_format_accuracy (dl_run_get_best_test_accuracy (run));

  if (isnan (dl_run_get_best_test_accuracy (run)) || dl_run_get_best_epoch (run) < 0)
    return g_steal_pointer (&accuracy);
  /* TRANSLATORS: a best accuracy ("98.48 %") and the epoch it was first reached in. */
  return g_strdup_printf (_("%s (epoch %d)"), accuracy, dl_run_get_best_epoch (run) + 1);
}

char *
dl_run_format_duration (double seconds)
{
  long s;

  if (!isfinite (seconds) || seconds <= 0)
    return g_strdup ("—");
  s = lround (seconds);
  if (s >= 3600)
    return g_strdup_printf ("%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%ld:%02ld", s / 60, s % 60);
}

char *
dl_run_format_time (gint64 us)
{
  g_autoptr (GDateTime) t = NULL;

  if (us <= 0)
    return g_strdup ("—");
  t = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  return g_date_time_format (t, "%Y-%m-%d %H:%M");
}

const char *
dl_run_format_state (DlTrainState state)
{
  switch (state)
    {
    case DL_TRAIN_READY:    return C_("run state", "Ready");
    case DL_TRAIN_RUNNING:  return C_("run state", "Running");
    case DL_TRAIN_PAUSED:   return C_("run state", "Paused");
    case DL_TRAIN_DIVERGED: return C_("run state", "Diverged");
    case DL_TRAIN_FINISHED: return C_("run state", "Finished");
    case DL_TRAIN_STOPPED:  return C_("run state", "Stopped");
    case DL_TRAIN_FAILED:   return C_("run state", "Failed");
    default:                return "?";
    }
}

char *
dl_run_format_recipe (DlRun *run)
{
  const char *preset = dl_run_get_preset (run);

  return g_strdup_printf ("%s · %s", preset != NULL ? preset : C_("preset", "custom"), dl_run_get_arch (run));
}

/* The folder or file a source names, without its directories ("mnist", "train.csv"). */
static char *
source_name (const char *source)
{
  g_autofree char *first = NULL;
  g_autofree char *dir = NULL;
  const char *comma;

  if (source == NULL || *source == '\0')
    return g_strdup (_("in memory"));
  /* IMAGES,LABELS: the folder the two files are in. */
  comma = strchr (source, ',');
  if (comma != NULL)
    {
      first = g_strndup (source, comma - source);
      dir = g_path_get_dirname (first);
      return g_path_get_basename (dir);
    }
  return g_path_get_basename (source);
}

char *
dl_run_format_data (const DlRunData *data)
{
  g_autofree char *name = NULL;
  g_autofree char *train = NULL, *test = NULL;

  if (data == NULL)
    return g_strdup (_("unknown"));
  name = source_name (data->train_source);
  train = g_strdup_printf ("%'d", data->n_train);
  test = g_strdup_printf ("%'d", data->n_test);
  /* TRANSLATORS: a data set: where it came from, then the training and test examples used. */
  return g_strdup_printf (_("%s · %s / %s"), name, train, test);
}

char *
dl_run_format_number (DlRun *run)
{
  gint64 number = dl_run_get_number (run);

  return number > 0 ? g_strdup_printf ("#%" G_GINT64_FORMAT, number) : g_strdup ("");
}
