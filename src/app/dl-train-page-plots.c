/* dl-train-page-plots.c — the Train page's plots: the run's own series (DlRun's, drawn through one DlPlotRun
 * per plot: no copies), its markers, and the compared runs beneath it, each or as the mean of the runs that
 * differ only in their seed, and the branches made from the run's parent, each on the parent's axis (see
 * dl-train-page.h).
 *
 * Everything here happens when the run, its markers or the compared runs change, never per frame: the plots
 * follow the series themselves and redraw from their caches.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-run-config.h"
#include "dl-train-page-private.h"

/* How each plot draws a run's curves. */
typedef struct {
  int              plot;
  DlRunSeriesKind  kind;
  DlPlotCurveFlags flags;
  gboolean         overlay;   /* also drawn for compared runs (the subset evaluations are the run's own) */
} Curve;

static const Curve curves[] = {
  { PLOT_LOSS, DL_RUN_SERIES_LOSS, DL_PLOT_CURVE_DEFAULT, TRUE },
  { PLOT_LOSS, DL_RUN_SERIES_SUBSET_LOSS, DL_PLOT_CURVE_THIN | DL_PLOT_CURVE_DASHED, FALSE },
  { PLOT_LOSS, DL_RUN_SERIES_TEST_LOSS, DL_PLOT_CURVE_POINTS | DL_PLOT_CURVE_DASHED | DL_PLOT_CURVE_BEST_MIN, TRUE },
  { PLOT_ACCURACY, DL_RUN_SERIES_TRAIN_ACCURACY, DL_PLOT_CURVE_POINTS | DL_PLOT_CURVE_BEST_MAX, TRUE },
  { PLOT_ACCURACY, DL_RUN_SERIES_SUBSET_ACCURACY, DL_PLOT_CURVE_THIN | DL_PLOT_CURVE_DASHED, FALSE },
  { PLOT_ACCURACY, DL_RUN_SERIES_TEST_ACCURACY, DL_PLOT_CURVE_POINTS | DL_PLOT_CURVE_DASHED | DL_PLOT_CURVE_BEST_MAX,
    TRUE },
  { PLOT_LR, DL_RUN_SERIES_LR, DL_PLOT_CURVE_DEFAULT, TRUE },
};

/* A run is named in the legend by its name (the user's, or its preset and start time). */
static char *
run_label (DlRun *run)
{
  return g_strdup (dl_run_get_name (run));
}

/* ---- the run's own curves ---- */

static void
drop_current (DlTrainPage *self, int plot)
{
  if (self->current[plot] == NULL)
    return;
  dl_plot_remove_run (self->plots[plot], self->current[plot]);
  g_clear_object (&self->current[plot]);
}

void
dl_train_page_set_lr_series (DlTrainPage *self, DlSeries *series)
{
  g_return_if_fail (DL_IS_TRAIN_PAGE (self));
  g_return_if_fail (series == NULL || DL_IS_SERIES (series));

  drop_current (self, PLOT_LR);
  if (series != NULL)
    {
      g_autofree char *label = self->run != NULL ? run_label (self->run) : g_strdup (_("this run"));

      self->current[PLOT_LR] = dl_plot_run_new (label, NULL);
      dl_plot_run_add_series (self->current[PLOT_LR], series, DL_PLOT_CURVE_DEFAULT);
      dl_plot_add_run (self->plots[PLOT_LR], self->current[PLOT_LR]);
      dl_plot_set_current_run (self->plots[PLOT_LR], self->current[PLOT_LR]);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->plots[PLOT_LR]), series != NULL);
}

void
dl_train_page_show_run_curves (DlTrainPage *self)
{
  g_autofree char *label = self->run != NULL ? run_label (self->run) : NULL;

  for (int p = PLOT_LOSS; p <= PLOT_ACCURACY; p++)
    {
      drop_current (self, p);
      if (self->run == NULL)
        continue;
      self->current[p] = dl_plot_run_new (label, NULL);
      for (gsize c = 0; c < G_N_ELEMENTS (curves); c++)
        if (curves[c].plot == p)
          dl_plot_run_add_series (self->current[p], dl_run_get_series (self->run, curves[c].kind), curves[c].flags);
      dl_plot_add_run (self->plots[p], self->current[p]);
      dl_plot_set_current_run (self->plots[p], self->current[p]);
    }
  dl_train_page_set_lr_series (self, self->run != NULL ? dl_run_get_series (self->run, DL_RUN_SERIES_LR) : NULL);
}

/* ---- markers: the changes acknowledged while the run trained ---- */

void
dl_train_page_marker_added (DlTrainPage *self, guint index)
{
  const DlRunMarker *m = dl_run_get_marker (self->run, index);

  for (int p = 0; p < N_PLOTS; p++)
    dl_plot_add_marker (self->plots[p], m->x, m->text);
}

void
dl_train_page_show_markers (DlTrainPage *self)
{
  for (int p = 0; p < N_PLOTS; p++)
    dl_plot_clear_markers (self->plots[p]);
  for (guint i = 0; self->run != NULL && i < dl_run_get_n_markers (self->run); i++)
    dl_train_page_marker_added (self, i);
}

/* ---- the compared runs ---- */

static void
drop_overlays (DlTrainPage *self)
{
  for (int p = 0; p < N_PLOTS; p++)
    {
      for (guint i = 0; i < self->overlays[p]->len; i++)
        dl_plot_remove_run (self->plots[p], g_ptr_array_index (self->overlays[p], i));
      g_ptr_array_set_size (self->overlays[p], 0);
    }
}

static void
add_overlay (DlTrainPage *self, int plot, DlPlotRun *run)
{
  dl_plot_add_run (self->plots[plot], run);
  g_ptr_array_add (self->overlays[plot], run);
}

/* What two runs of one "configuration" share: the recipe without its seed (and the thread count, which
 * changes nothing the curves show), on the same data set. */
static char *
config_key (DlRun *run)
{
  g_autoptr (GPtrArray) pairs = dl_run_config_to_pairs (dl_run_get_config (run));
  GString *key = g_string_new (NULL);

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      const char *name = g_ptr_array_index (pairs, i);

      if (g_strcmp0 (name, "seed") != 0 && g_strcmp0 (name, "threads") != 0)
        g_string_append_printf (key, "%s=%s\n", name, (const char *) g_ptr_array_index (pairs, i + 1));
    }
  return g_string_free (key, FALSE);
}

static gboolean
same_configuration (DlRun *a, DlRun *b)
{
  g_autofree char *ka = config_key (a), *kb = config_key (b);
  DlRunData *da = dl_run_get_data (a), *db = dl_run_get_data (b);

  return g_str_equal (ka, kb) && (da == db || (da != NULL && db != NULL && dl_run_data_equal (da, db)));
}

/* A run beneath the shown one, drawn where from <= x <= to. */
static void
show_single_range (DlTrainPage *self, DlRun *run, double from, double to)
{
  g_autofree char *label = run_label (run);

  for (int p = 0; p < N_PLOTS; p++)
    {
      DlPlotRun *overlay = dl_plot_run_new (label, NULL);

      dl_plot_run_set_x_range (overlay, from, to);
      for (gsize c = 0; c < G_N_ELEMENTS (curves); c++)
        if (curves[c].plot == p && curves[c].overlay)
          dl_plot_run_add_series (overlay, dl_run_get_series (run, curves[c].kind), curves[c].flags);
      add_overlay (self, p, overlay);
    }
}

static void
show_single (DlTrainPage *self, DlRun *run)
{
  show_single_range (self, run, -INFINITY, INFINITY);
}

static gboolean
in_model (GListModel *model, DlRun *run)
{
  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (DlRun) item = g_list_model_get_item (model, i);

      if (item == run)
        return TRUE;
    }
  return FALSE;
}

/* The shown run's family of branches (dl_session_get_branches) on one axis: the run they all come from whole,
 * each other branch from where it branched off (its own curves begin there; before, its history is its
 * parent's), so that the futures from one point are side by side. Runs also compared are drawn once, as
 * compared runs. */
static void
show_branches (DlTrainPage *self)
{
  GListModel *branches = self->session != NULL ? dl_session_get_branches (self->session) : NULL;

  if (self->run == NULL || !in_model (branches, self->run))
    return;
  for (guint i = 0; i < g_list_model_get_n_items (branches); i++)
    {
      g_autoptr (DlRun) run = g_list_model_get_item (branches, i);
      double x = dl_session_get_branch_x (self->session, run);

      if (run != self->run && !in_model (self->compared, run))
        show_single_range (self, run, isnan (x) ? -INFINITY : x, INFINITY);
    }
}

/* Runs of one configuration as one curve per series: their mean, with a band. */
static void
show_mean (DlTrainPage *self, GPtrArray *group, DlPlotBand band)
{
  DlRun *first = g_ptr_array_index (group, 0);
  const char *what = dl_run_get_preset (first) != NULL ? dl_run_get_preset (first) : dl_run_get_arch (first);
  g_autofree char *label = g_strdup_printf (ngettext ("%s, %u seed", "%s, %u seeds", group->len), what, group->len);
  g_autofree DlSeries **members = g_new (DlSeries *, group->len);

  for (int p = 0; p < N_PLOTS; p++)
    {
      DlPlotRun *overlay = dl_plot_run_new (label, NULL);

      for (gsize c = 0; c < G_N_ELEMENTS (curves); c++)
        {
          if (curves[c].plot != p || !curves[c].overlay)
            continue;
          for (guint i = 0; i < group->len; i++)
            members[i] = dl_run_get_series (g_ptr_array_index (group, i), curves[c].kind);
          dl_plot_run_add_mean (overlay, dl_series_get_name (members[0]), members, group->len, band, curves[c].flags);
        }
      add_overlay (self, p, overlay);
    }
}

void
dl_train_page_show_overlays (DlTrainPage *self)
{
  guint mode = gtk_drop_down_get_selected (self->seeds_dropdown);
  guint n = self->compared != NULL ? g_list_model_get_n_items (self->compared) : 0;
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree gboolean *taken = NULL;

  drop_overlays (self);
  for (guint i = 0; i < n; i++)
    {
      DlRun *run = g_list_model_get_item (self->compared, i);

      if (run == self->run)
        g_object_unref (run);
      else
        g_ptr_array_add (runs, run);
    }
  taken = g_new0 (gboolean, runs->len);
  for (guint i = 0; i < runs->len; i++)
    {
      g_autoptr (GPtrArray) group = g_ptr_array_new ();

      if (taken[i])
        continue;
      g_ptr_array_add (group, g_ptr_array_index (runs, i));
      for (guint j = i + 1; mode != 0 && j < runs->len; j++)
        if (!taken[j] && same_configuration (g_ptr_array_index (runs, i), g_ptr_array_index (runs, j)))
          {
            taken[j] = TRUE;
            g_ptr_array_add (group, g_ptr_array_index (runs, j));
          }
      if (group->len > 1)
        show_mean (self, group, mode == 2 ? DL_PLOT_BAND_STDDEV : DL_PLOT_BAND_MIN_MAX);
      else
        show_single (self, g_ptr_array_index (runs, i));
    }
  show_branches (self);
  /* The lr plot is shown with the run's own curve; compared runs alone do not bring it up. */
  for (int p = 0; p < N_PLOTS; p++)
    if (self->current[p] != NULL)
      dl_plot_set_current_run (self->plots[p], self->current[p]);
}

/* ---- export ---- */

void
dl_train_page_export (DlTrainPage *self, DlPlotFormat format)
{
  g_autofree char *name = self->run != NULL ? g_strdup (dl_run_get_name (self->run)) : g_strdup ("digitlab");

  g_strdelimit (name, "/\\:*?\"<>|", '-');
  dl_plot_exporter_choose (self->exporter, format, name);
}

void
dl_train_page_plots_init (DlTrainPage *self)
{
  /* PNG and SVG one above the other, 1200 × 500 each; CSV all their data. */
  self->exporter = dl_plot_exporter_new (GTK_WIDGET (self), 1200, 500);
  for (int p = 0; p < N_PLOTS; p++)
    {
      self->overlays[p] = g_ptr_array_new_with_free_func (g_object_unref);
      dl_plot_exporter_add_plot (self->exporter, self->plots[p]);
    }
}

void
dl_train_page_plots_dispose (DlTrainPage *self)
{
  g_clear_object (&self->exporter);
  if (self->overlays[0] == NULL)
    return;
  drop_overlays (self);
  for (int p = 0; p < N_PLOTS; p++)
    {
      g_clear_pointer (&self->overlays[p], g_ptr_array_unref);
      drop_current (self, p);
    }
}
