/* dl-runs-page-sorters.c — how each column of the Runs page sorts (see dl-runs-page-private.h). Runs that
 * have no figure yet (no evaluation, never started) sort below every run that has one. */
#include "dl-runs-page-private.h"

#include <math.h>

#include "dl-run-format.h"

static int
compare_doubles (double a, double b)
{
  /* NaN (none yet) is below every number. */
  if (isnan (a) || isnan (b))
    return isnan (a) == isnan (b) ? GTK_ORDERING_EQUAL : isnan (a) ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
  return a < b ? GTK_ORDERING_SMALLER : a > b ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static int
compare_best (gconstpointer a, gconstpointer b, gpointer data)
{
  return compare_doubles (dl_run_get_best_test_accuracy ((DlRun *) a), dl_run_get_best_test_accuracy ((DlRun *) b));
}

static int
compare_final (gconstpointer a, gconstpointer b, gpointer data)
{
  return compare_doubles (dl_run_get_final_test_accuracy ((DlRun *) a),
                          dl_run_get_final_test_accuracy ((DlRun *) b));
}

/* Under way first when descending (the order the list starts in is newest first), then ended, failed last. */
static int
state_rank (DlTrainState state)
{
  switch (state)
    {
    case DL_TRAIN_FAILED:   return 0;
    case DL_TRAIN_DIVERGED: return 1;
    case DL_TRAIN_STOPPED:  return 2;
    case DL_TRAIN_FINISHED: return 3;
    case DL_TRAIN_READY:    return 4;
    case DL_TRAIN_PAUSED:   return 5;
    default:                return 6;   /* running */
    }
}

static int
compare_state (gconstpointer a, gconstpointer b, gpointer data)
{
  int ra = state_rank (dl_run_get_state ((DlRun *) a)), rb = state_rank (dl_run_get_state ((DlRun *) b));

  return ra < rb ? GTK_ORDERING_SMALLER : ra > rb ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static char *
recipe_text (DlRun *run)
{
  return dl_run_format_recipe (run);
}

static char *
data_text (DlRun *run)
{
  return dl_run_format_data (dl_run_get_data (run));
}

static GtkSorter *
string_sorter (const char *property)
{
  return GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (DL_TYPE_RUN, NULL, property)));
}

static GtkSorter *
text_sorter (GCallback text)
{
  return GTK_SORTER (gtk_string_sorter_new (gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL, text,
                                                                         NULL, NULL)));
}

static GtkSorter *
numeric_sorter (const char *property)
{
  return GTK_SORTER (gtk_numeric_sorter_new (gtk_property_expression_new (DL_TYPE_RUN, NULL, property)));
}

static void
set (GtkColumnViewColumn *column, GtkSorter *sorter)
{
  gtk_column_view_column_set_sorter (column, sorter);
  g_object_unref (sorter);
}

void
dl_runs_page_set_sorters (DlRunsPage *self)
{
  set (self->name_column, string_sorter ("name"));
  set (self->number_column, numeric_sorter ("number"));
  set (self->notes_column, string_sorter ("notes"));
  set (self->recipe_column, text_sorter (G_CALLBACK (recipe_text)));
  set (self->data_column, text_sorter (G_CALLBACK (data_text)));
  set (self->started_column, numeric_sorter ("started-at"));
  set (self->duration_column, numeric_sorter ("train-seconds"));
  set (self->state_column, GTK_SORTER (gtk_custom_sorter_new (compare_state, NULL, NULL)));
  set (self->best_column, GTK_SORTER (gtk_custom_sorter_new (compare_best, NULL, NULL)));
  set (self->final_column, GTK_SORTER (gtk_custom_sorter_new (compare_final, NULL, NULL)));
}
