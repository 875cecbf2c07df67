/* dl-draw-page-private.h — the Draw page's instance, shared by its files: dl-draw-page.c (the drawing, the
 * answer, the personal set), dl-draw-page-render.c (the bars and the input's pictures) and dl-draw-page-why.c
 * (the explanation: heatmap, nearest training images, "not a digit"). */
#pragma once

#include "dl-attrib-view.h"
#include "dl-canvas.h"
#include "dl-draw-page.h"
#include "dl-neighbours-view.h"
#include "dl-preprocess.h"

G_BEGIN_DECLS

struct _DlDrawPage
{
  GtkWidget       parent_instance;

  DlSession      *session;
  DlExplainer    *explainer;
  DlNetWork      *work;             /* the answer's, for the run work_run */
  guint           work_run;
  DlDigitInput   *input;
  float           probs[DL_N_CLASSES];
  int             answer;           /* the class the network gives, -1: none */
  int             prediction;       /* the class shown: the answer unless it is not a digit; -1: none */
  DlOodHint       hint;             /* a drawing too small to read */
  DlExplanation  *explanation;      /* the newest shown (the heatmap), or NULL */
  DlExplanation  *complete;         /* the newest with neighbours and verdict, or NULL */
  guint64         requested;        /* serial of the newest request, 0: none */
  gint64          changed_us;       /* the first stroke change no request has covered yet, 0: none */
  int             label;            /* true label for saving, -1: none */
  gboolean        label_chosen;     /* picked by the user: predictions no longer move it */
  guint           tick_id;
  gint64          seen_step;        /* snapshot last classified with */
  guint           seen_run_serial;
  gboolean        seen_trained;
  double          infer_ms;

  DlDataset      *personal;
  char           *personal_dir;
  char           *personal_note;    /* the outcome of the last save, shown above the accuracy */
  gboolean        personal_failed;
  gint64          personal_checked_us;

  /* template children */
  DlCanvas       *canvas;
  GtkLabel       *prediction_label;
  GtkLabel       *status_label;
  GtkLabel       *detail_label;
  GtkDrawingArea *bars_area;
  GtkDrawingArea *input_area;
  GtkDrawingArea *crop_area;
  GtkDrawingArea *fit_area;
  GtkBox         *label_row;
  GtkButton      *save_button;
  GtkLabel       *personal_label;
  GtkLabel       *why_heading;
  GtkDropDown    *method_dropdown;
  GtkDropDown    *target_dropdown;
  GtkDropDown    *contrast_dropdown;
  GtkStringList  *target_classes;      /* the dropdowns' items: the first, then a class each */
  GtkStringList  *contrast_classes;
  DlAttribView   *attrib_view;
  GtkLabel       *attrib_note;
  DlNeighboursView *neighbours_view;
  GtkLabel       *neighbours_note;
};

enum { PROP_0, PROP_SESSION, PROP_EXPLAINER, PROP_PREDICTION, PROP_NOT_A_DIGIT, PROP_EXPLANATION, PROP_LABEL, N_PROPS };
extern GParamSpec *dl_draw_page_props[N_PROPS];

/* dl-draw-page.c */
void dl_draw_page_schedule_update (DlDrawPage *self);
/* The labels for the answer in force, once the explanation of the drawing has said whether it is a digit. */
void dl_draw_page_show_answer (DlDrawPage *self);

/* dl-draw-page-render.c: the bars' and the input pictures' draw functions. */
void dl_draw_page_render_init (DlDrawPage *self);

/* dl-draw-page-why.c */
/* Asks why the drawing got its answer on snap (the answer's), or clears the explanation without one. */
void dl_draw_page_request_explanation (DlDrawPage *self, DlSnapshot *snap);
/* Whether the explanation shown says that the current drawing does not look like a digit. */
gboolean dl_draw_page_flagged (DlDrawPage *self);
/* The template's handler of the method, class and "and not" dropdowns. */
void dl_draw_page_explain_choice_changed (DlDrawPage *self);

/* What the data set's labels mean: the session's classes (NULL without a session: the digits). */
static inline const DlClasses *
dl_draw_page_classes (DlDrawPage *self)
{
  return self->session != NULL ? dl_session_get_classes (self->session) : NULL;
}

/* dl-draw-page-why.c: the "why" pickers' items name the classes. */
void dl_draw_page_fill_class_pickers (DlDrawPage *self);

G_END_DECLS
