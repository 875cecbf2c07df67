/* dl-runs-page-private.h — what the files of DlRunsPage share:
 *
 *   dl-runs-page.c          the object: store and compared, the list's models, its states, loading the
 *                           compared runs' history, following runs that change
 *   dl-runs-page-actions.c  the actions: open, export, delete with undo (the notice), compare
 *   dl-runs-page-sorters.c  each column's sorter
 */
#pragma once

#include "dl-runs-page.h"
#include "dl-run-filter.h"
#include "dl-run-selection.h"
#include "dl-run-tree.h"
#include "dl-runs-exporter.h"

G_BEGIN_DECLS

struct _DlRunsPage
{
  GtkWidget            parent_instance;

  DlRunStore          *store;
  char                *store_error;
  GListStore          *compared;
  GListModel          *runs;          /* the store's live list */
  DlRunTree           *tree;
  GtkSortListModel    *sort_model;
  GtkFilterListModel  *filter_model;
  DlRunFilter         *filter;
  DlRunSelection      *selection;
  GHashTable          *watched;       /* DlRun (referenced) whose changes re-sort and re-filter the list */
  GHashTable          *loading;       /* DlRun whose history is being read */
  GCancellable        *cancellable;
  DlRunsExporter      *exporter;
  GPtrArray           *deleted;       /* DlRun deleted while the notice is up: undo restores them */
  guint                toast_id;      /* the notice's timeout */
  guint                refresh_id;

  /* template children */
  GtkStack            *stack;
  GtkLabel            *unavailable_label;
  GtkSearchEntry      *search_entry;
  GtkDropDown         *state_dropdown;
  GtkStack            *list_stack;
  GtkColumnView       *runs_view;
  GtkColumnViewColumn *name_column;
  GtkColumnViewColumn *number_column;
  GtkColumnViewColumn *notes_column;
  GtkColumnViewColumn *recipe_column;
  GtkColumnViewColumn *data_column;
  GtkColumnViewColumn *started_column;
  GtkColumnViewColumn *duration_column;
  GtkColumnViewColumn *state_column;
  GtkColumnViewColumn *best_column;
  GtkColumnViewColumn *final_column;
  DlRunCompareView    *compare_view;
  GtkRevealer         *toast_revealer;
  GtkLabel            *toast_label;
  GtkButton           *undo_button;
};

/* dl-runs-page-sorters.c: gives each column of the list its sorter. */
void dl_runs_page_set_sorters (DlRunsPage *self);

/* dl-runs-page-actions.c */
void dl_runs_page_install_actions (GtkWidgetClass *widget_class);
/* Enables the actions that the compared runs allow. */
void dl_runs_page_update_actions (DlRunsPage *self);
/* Shows the notice; with_undo for a deletion (its runs in self->deleted). */
void dl_runs_page_show_toast (DlRunsPage *self, const char *message, gboolean with_undo);
/* Purges the runs whose deletion can no longer be undone, and hides the notice. */
void dl_runs_page_commit_deletions (DlRunsPage *self);
/* session.open-run with the run's uuid. */
void dl_runs_page_open_run (DlRunsPage *self, DlRun *run);

G_END_DECLS
