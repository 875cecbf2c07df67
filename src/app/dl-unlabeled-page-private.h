/* dl-unlabeled-page-private.h — the unlabeled-images page's instance, shared by its files:
 * dl-unlabeled-page.c (opening a set, classifying it, the browser, the export) and
 * dl-unlabeled-page-detail.c (the selected image: its probabilities and why). */
#pragma once

#include "dl-attrib-view.h"
#include "dl-digit-view.h"
#include "dl-neighbours-view.h"
#include "dl-probability-list.h"
#include "dl-unlabeled-page.h"

G_BEGIN_DECLS

struct _DlUnlabeledPage
{
  GtkWidget           parent_instance;

  DlSession          *session;
  GSignalGroup       *session_signals;
  DlExplainer        *explainer;
  guint64             requested;        /* the serial of the detail image's explanation, 0: none */
  DlDataset          *images;
  float              *probs;            /* images->n × DL_N_CLASSES: the answers shown, NULL before any */
  GListStore         *answers;          /* DlUnlabeledItem, least confident first */
  GtkSingleSelection *selection;
  int                 detail_index;     /* the image in the detail pane, -1 for none */
  GCancellable       *classify_cancellable;  /* the classification under way */
  gboolean            stale;            /* the answers are not of the session's snapshot now */
  gint64              last_took_us;     /* how long the last classification took */
  gint64              last_done_us;     /* and when it ended */
  guint               later_source;     /* a classification put off while training goes on */
  GtkFileChooserNative *chooser;        /* the export's */

  /* template children */
  GtkLabel           *summary_label;
  GtkLabel           *status_label;
  GtkGridView        *grid_view;
  GtkStack           *detail_stack;
  DlDigitView        *detail_digit;
  GtkLabel           *detail_title;
  GtkLabel           *detail_summary;
  GtkLabel           *why_heading;
  GtkDropDown        *method_dropdown;
  DlAttribView       *attrib_view;
  GtkLabel           *attrib_note;
  DlNeighboursView   *neighbours_view;
  GtkLabel           *neighbours_note;
  DlProbabilityList  *probabilities;
};

static inline const DlClasses *
dl_unlabeled_page_classes (DlUnlabeledPage *self)
{
  return self->session != NULL ? dl_session_get_classes (self->session) : NULL;
}

/* dl-unlabeled-page-detail.c */
/* Shows image detail_index (or nothing) with its answer, and asks the explainer why. */
void dl_unlabeled_page_update_detail (DlUnlabeledPage *self);
void dl_unlabeled_page_explainer_changed (DlUnlabeledPage *self);
/* The template's handler of the method dropdown. */
void dl_unlabeled_page_method_changed (DlUnlabeledPage *self);

G_END_DECLS
