/* dl-run-filter.h — the Runs page's filter: words to find in a run's name, notes, architecture, preset or
 * number (every word somewhere, case and accents aside), and the state it is in. A run is shown when it
 * matches, or when one of its branches does (so that a match is seen under its parent). Items are DlRun or
 * GtkTreeListRow of DlRun. */
#pragma once

#include <gtk/gtk.h>
#include "dl-run.h"
#include "dl-run-tree.h"

G_BEGIN_DECLS

typedef enum {
  DL_RUN_FILTER_ANY,
  DL_RUN_FILTER_UNDER_WAY,   /* running, paused or diverged */
  DL_RUN_FILTER_FINISHED,
  DL_RUN_FILTER_STOPPED,
  DL_RUN_FILTER_FAILED,
} DlRunFilterState;

#define DL_TYPE_RUN_FILTER_STATE (dl_run_filter_state_get_type ())
GType dl_run_filter_state_get_type (void) G_GNUC_CONST;

#define DL_TYPE_RUN_FILTER (dl_run_filter_get_type ())
G_DECLARE_FINAL_TYPE (DlRunFilter, dl_run_filter, DL, RUN_FILTER, GtkFilter)

DlRunFilter      *dl_run_filter_new (void);

const char       *dl_run_filter_get_text (DlRunFilter *self);
void              dl_run_filter_set_text (DlRunFilter *self, const char *text);
DlRunFilterState  dl_run_filter_get_state (DlRunFilter *self);
void              dl_run_filter_set_state (DlRunFilter *self, DlRunFilterState state);
/* The runs' branches, for matching descendants (NULL: each run alone). */
void              dl_run_filter_set_tree (DlRunFilter *self, DlRunTree *tree);
/* Whether it lets every run through. */
gboolean          dl_run_filter_is_empty (DlRunFilter *self);
/* Whether the run itself matches (its branches aside). */
gboolean          dl_run_filter_match_run (DlRunFilter *self, DlRun *run);
/* A run changed (renamed, a new state): matches are to be looked at again. */
void              dl_run_filter_refresh (DlRunFilter *self);

G_END_DECLS
