/* dl-mistakes-page-private.h — the Mistakes page's instance, shared by its files: dl-mistakes-page.c (the
 * browser, the confusion matrix, the detail pane, the session's evaluations) and dl-mistakes-page-why.c
 * (why the detail image got its answer: heatmap, nearest training images, label-error evidence). */
#pragma once

#include "dl-attrib-view.h"
#include "dl-class-accuracy-view.h"
#include "dl-confusion-history.h"
#include "dl-confusion-view.h"
#include "dl-digit-view.h"
#include "dl-mistake-list.h"
#include "dl-mistakes-page.h"
#include "dl-neighbours-view.h"
#include "dl-probability-list.h"

G_BEGIN_DECLS

struct _DlMistakesPage
{
  GtkWidget           parent_instance;

  DlSession          *session;
  GSignalGroup       *session_signals;
  GSignalGroup       *run_signals;      /* the session's run: its evaluations */
  DlDataset          *test;
  DlExplainer        *explainer;
  guint64             requested;        /* the serial of the detail image's explanation, 0: none */
  DlMistakeList      *list;
  GtkSingleSelection *selection;
  int                 detail_index;     /* test index in the detail pane, -1 for none */
  gboolean            syncing_filter;   /* setting both dropdowns at once: apply the filter once */

  /* template children */
  GtkInfoBar         *collapse_bar;
  GtkLabel           *collapse_title;
  GtkLabel           *collapse_label;
  GtkStack           *page_stack;
  GtkLabel           *summary_label;
  DlConfusionView    *confusion;
  GtkDropDown        *sort_dropdown;
  GtkDropDown        *true_dropdown;
  GtkDropDown        *pred_dropdown;
  GtkStringList      *true_classes;     /* the dropdowns' items: "any", then a class each */
  GtkStringList      *pred_classes;
  GtkToggleButton    *suspect_toggle;
  GtkLabel           *count_label;
  GtkStack           *grid_stack;
  GtkGridView        *grid_view;
  GtkStack           *detail_stack;
  DlDigitView        *detail_digit;
  GtkLabel           *detail_title;
  GtkLabel           *detail_summary;
  GtkLabel           *suspect_note;
  DlProbabilityList  *probabilities;
  GtkDrawingArea     *history_chart;
  GtkLabel           *history_label;
  GtkLabel           *why_heading;
  GtkDropDown        *method_dropdown;
  DlAttribView       *attrib_view;
  GtkLabel           *attrib_note;
  DlNeighboursView   *neighbours_view;
  GtkLabel           *neighbours_note;
  GtkLabel           *evidence_note;
  DlClassAccuracyView *class_progress;
  DlConfusionHistory *confusion_history;
};

static inline const guint8 *
dl_mistakes_page_test_pixels (DlMistakesPage *self, int index)
{
  return self->test->pixels + (gsize) index * self->test->rows * self->test->cols;
}

/* What the data set's labels mean: the session's classes (NULL without a session: the digits). */
static inline const DlClasses *
dl_mistakes_page_classes (DlMistakesPage *self)
{
  return self->session != NULL ? dl_session_get_classes (self->session) : NULL;
}

/* dl-mistakes-page.c */
void dl_mistakes_page_update_detail (DlMistakesPage *self);

/* dl-mistakes-page-why.c */
/* Clears the explanation shown and asks why the network reads test image i (label t) as p. */
void dl_mistakes_page_explain (DlMistakesPage *self, int i, int t, int p);
/* The session's "snapshot-changed". */
void dl_mistakes_page_snapshot_changed (DlMistakesPage *self, gboolean progress);
/* The template's handler of the method dropdown. */
void dl_mistakes_page_method_changed (DlMistakesPage *self);

G_END_DECLS
