/* dl-run-compare.h — what tells runs apart, and what they achieved: the comparison the Runs page shows.
 *
 * Given several runs, DlRunCompare lists only the settings that differ among them — recipe pairs
 * (dl_run_config_to_pairs: lr, batch, seed, …), the data set (by its files' checksums and the examples
 * used), the origin (a fresh network, a model file by checksum, a parent run and step) and the live changes
 * (each setting changed while a run trained: to what, at which step) — one row per setting with its value
 * in each column; two runs that differ only in their learning rate give exactly one row. Its results rows
 * give each run's best value of a metric with the epoch and step it was reached at (best, not last), and
 * the final accuracy.
 *
 * Columns are the runs, or — grouping seeds — one column for each set of runs with the same configuration
 * except the seed, whose results are their mean ± standard deviation and range (what a plot draws as a
 * mean with a band). Runs that are not loaded (dl_run_get_loaded) have no markers or evaluations yet: their
 * live changes are unknown and their best figures come from the run's summary.
 *
 * An immutable snapshot: make a new one when the runs change. No GTK.
 */
#pragma once

#include <glib-object.h>
#include "dl-run.h"
#include "dl-run-compare-row.h"

G_BEGIN_DECLS

/* The best value of one metric of a run. */
typedef struct {
  double value;   /* accuracies as fractions */
  double x;       /* epochs done when it was measured (NaN when only the run's summary is known) */
  int    epoch;   /* 0-based: the epoch it ended or fell in */
  gint64 step;    /* the optimiser step after which it was measured; -1 when unknown */
} DlRunBest;

/* The best (highest accuracy, lowest loss) of a run's whole-test-set evaluations (DL_RUN_SERIES_TEST_*),
 * subset evaluations (SUBSET_*) or epoch figures (TRAIN_*), the first time it was reached; FALSE when there
 * is none (and for the per-batch LOSS and LR). */
gboolean     dl_run_compare_best (DlRun *run, DlRunSeriesKind kind, DlRunBest *best);

/* Whether two runs are the same experiment but for the seed: the same recipe except its seed (and thread
 * count, which changes only rounding), the same data, origin and live changes. */
gboolean     dl_run_compare_same_experiment (DlRun *a, DlRun *b);
/* The runs in groups of the same experiment (GPtrArray of DlRun, each group in the runs' order, the groups
 * in the order of their first run). */
GPtrArray   *dl_run_compare_group_seeds (DlRun *const *runs, guint n_runs);

#define DL_TYPE_RUN_COMPARE (dl_run_compare_get_type ())
G_DECLARE_FINAL_TYPE (DlRunCompare, dl_run_compare, DL, RUN_COMPARE, GObject)

/* A comparison of the runs in this order; with group_seeds, a column per group of runs that differ only in
 * their seed. */
DlRunCompare *dl_run_compare_new (DlRun *const *runs, guint n_runs, gboolean group_seeds);

guint        dl_run_compare_get_n_columns (DlRunCompare *self);
/* "#3 mlp 2026-11-28 14:03", or for a group "#3 mlp … (3 seeds)". */
const char  *dl_run_compare_get_column_label (DlRunCompare *self, guint column);
/* The runs of a column (DlRun*; one unless grouped). */
GPtrArray   *dl_run_compare_get_column_runs (DlRunCompare *self, guint column);
/* DlRunCompareRow: the settings that differ (recipe, data, origin, live changes, in that order), none
 * with fewer than two columns. */
GListModel  *dl_run_compare_get_settings (DlRunCompare *self);
/* DlRunCompareRow: best test accuracy, lowest test loss (each with its epoch and step), final test
 * accuracy, epochs done and training time of each column. */
GListModel  *dl_run_compare_get_results (DlRunCompare *self);

G_END_DECLS
