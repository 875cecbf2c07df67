/* dl-run-compare-row.h — one row of a comparison of runs (DlRunCompare): a setting that differs among them
 * or one of their results, with its value in each of the comparison's columns (a run, or a group of runs
 * that differ only in their seed). Immutable once made. No GTK: the Runs page shows these rows, and a
 * command-line listing could print them. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  DL_RUN_COMPARE_RECIPE,   /* a pair of the starting recipe (dl_run_config_to_pairs): lr, batch, seed, … */
  DL_RUN_COMPARE_DATA,     /* the data set (its files' checksums and the examples used) */
  DL_RUN_COMPARE_ORIGIN,   /* what the network started from: a fresh one, a model file, a parent run */
  DL_RUN_COMPARE_LIVE,     /* one setting's changes acknowledged while the run trained, with their steps */
  DL_RUN_COMPARE_RESULT,   /* a result: a best value with its epoch and step, the final accuracy, … */
} DlRunCompareKind;

#define DL_TYPE_RUN_COMPARE_KIND (dl_run_compare_kind_get_type ())
GType dl_run_compare_kind_get_type (void) G_GNUC_CONST;

/* Whether rows of this kind are settings (what made the runs different) rather than results. */
gboolean dl_run_compare_kind_is_setting (DlRunCompareKind kind);

#define DL_TYPE_RUN_COMPARE_ROW (dl_run_compare_row_get_type ())
G_DECLARE_FINAL_TYPE (DlRunCompareRow, dl_run_compare_row, DL, RUN_COMPARE_ROW, GObject)

/* `values`: one per column, copied. */
DlRunCompareRow  *dl_run_compare_row_new (DlRunCompareKind kind, const char *key, const char *label,
                                          const char *const *values);

DlRunCompareKind  dl_run_compare_row_get_kind (DlRunCompareRow *self);
/* What the row is about, untranslated: a recipe key ("lr"), "data", "origin", a live setting ("lr"), or a
 * result ("best_test_accuracy", "lowest_test_loss", …). */
const char       *dl_run_compare_row_get_key (DlRunCompareRow *self);
/* What the table's first column shows ("lr", "data set", "lr, changed during the run", "best test accuracy"). */
const char       *dl_run_compare_row_get_label (DlRunCompareRow *self);
guint             dl_run_compare_row_get_n_values (DlRunCompareRow *self);
/* The value in column i (0-based); "" beyond the last. */
const char       *dl_run_compare_row_get_value (DlRunCompareRow *self, guint i);
const char *const *dl_run_compare_row_get_values (DlRunCompareRow *self);

G_END_DECLS
