/* dl-mistakes.h — what the network gets wrong on the test set, and how that changed across evaluations.
 *
 * No GTK. A DlMistakes keeps the latest prediction of every test example, a per-example history of
 * right/wrong across evaluations, and a "suspected label error" score in the spirit of confident
 * learning: an example the network keeps rejecting with very high confidence, epoch after epoch, is
 * more likely mislabelled than hard. Selections (filter + sort) are plain index arrays, so the GTK list
 * model on top of them stays thin and the logic stays testable.
 */
#pragma once

#include <glib.h>
#include "dl-data.h"
#include "dl-eval.h"

G_BEGIN_DECLS

/* Wrong with at least this probability on the predicted class … */
#define DL_MISTAKES_SUSPECT_P      0.95f
/* … in at least this many consecutive end-of-epoch evaluations marks a suspected label error. */
#define DL_MISTAKES_SUSPECT_RUN    3
/* The score averages over the last this-many end-of-epoch evaluations … */
#define DL_MISTAKES_SCORE_WINDOW   5
/* … the predicted class's probability, counted only while the true class gets less than this. */
#define DL_MISTAKES_TRUE_P_BELOW   0.10f

typedef enum {
  DL_MISTAKES_SORT_CONFIDENCE,   /* most confident first: where label errors in MNIST itself show up */
  DL_MISTAKES_SORT_TRUE_CLASS,   /* true class ascending */
  DL_MISTAKES_SORT_INDEX,        /* test-set order */
  DL_MISTAKES_SORT_SUSPECT,      /* suspected-label-error score, highest first */
} DlMistakesSort;

/* Every order breaks ties by ascending test index, so a selection is fully determined. */

typedef enum {
  DL_MISTAKES_SHOW_WRONG,        /* misclassified examples */
  DL_MISTAKES_SHOW_RIGHT,        /* correctly classified examples (a diagonal confusion cell) */
} DlMistakesShow;

typedef struct {
  int            true_class;     /* 0–9, or -1 for any */
  int            predicted;      /* 0–9, or -1 for any */
  DlMistakesShow show;
  gboolean       suspected_only; /* only examples marked as suspected label errors */
} DlMistakesFilter;

/* Any class, mistakes only. */
void dl_mistakes_filter_init (DlMistakesFilter *f);
/* Exactly the confusion cell (true, predicted): the mistakes of that pair, or the correct ones of the
 * class when true == predicted. */
void dl_mistakes_filter_for_cell (DlMistakesFilter *f, int true_class, int predicted);
gboolean dl_mistakes_filter_equal (const DlMistakesFilter *a, const DlMistakesFilter *b);

/* A summary of one example's history across all evaluations that covered it. */
typedef struct {
  int      n_evals;            /* evaluations that covered the example */
  int      n_right;
  int      first_right;        /* ordinal (0-based) of the first evaluation that got it right; -1: never */
  int      first_right_epoch;  /* 0-based epoch in which (or at whose end) it first came out right; -1 */
  int      n_flips;            /* right ↔ wrong changes between consecutive evaluations */
  int      confident_run;      /* current run of end-of-epoch evaluations wrong with p >= SUSPECT_P */
  float    suspect_score;      /* see DL_MISTAKES_SCORE_WINDOW; 0 when never confidently wrong */
  gboolean suspected;          /* confident_run >= DL_MISTAKES_SUSPECT_RUN */
} DlMistakeHistory;

/* One evaluation as the history saw it. */
typedef struct {
  int      n;                  /* examples it covered (the first n of the test set) */
  int      correct;
  gboolean end_of_epoch;
  int      epochs_done;        /* end-of-epoch evaluations up to and including this one */
} DlMistakesEvalInfo;

typedef struct _DlMistakes DlMistakes;

/* A history for a test set of n examples with these labels (copied). */
DlMistakes *dl_mistakes_new (const guint8 *labels, int n);
void        dl_mistakes_free (DlMistakes *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlMistakes, dl_mistakes_free)

/* Records an evaluation of the first ev->n test examples (ev->n <= the test set's n; larger
 * evaluations are ignored and FALSE is returned). The evaluation is copied; the caller keeps it. */
gboolean    dl_mistakes_add_eval (DlMistakes *m, const DlEval *ev, gboolean end_of_epoch);
/* Forgets every evaluation (a new network was built). */
void        dl_mistakes_clear (DlMistakes *m);

int          dl_mistakes_get_n (const DlMistakes *m);          /* test examples */
int          dl_mistakes_get_n_evaluated (const DlMistakes *m); /* covered by the latest evaluation */
int          dl_mistakes_get_n_wrong (const DlMistakes *m);     /* wrong in the latest evaluation */
int          dl_mistakes_get_n_suspected (const DlMistakes *m);
int          dl_mistakes_get_n_evals (const DlMistakes *m);
const DlMistakesEvalInfo *dl_mistakes_get_eval_info (const DlMistakes *m, int e);
/* The latest evaluation's confusion matrix [true][predicted]; all zero before the first. */
const int  (*dl_mistakes_get_confusion (const DlMistakes *m))[DL_N_CLASSES];

/* The latest evaluation's view of example i; FALSE (and nothing written) when it was not covered. */
int          dl_mistakes_get_label (const DlMistakes *m, int i);
gboolean     dl_mistakes_get_prediction (const DlMistakes *m, int i, int *predicted, float *confidence);
const float *dl_mistakes_get_probs (const DlMistakes *m, int i);   /* 10 floats, or NULL */
void         dl_mistakes_get_history (const DlMistakes *m, int i, DlMistakeHistory *out);
/* What evaluation e predicted for example i, and the probability it gave the true class
 * (quantised to 1/255); FALSE when e did not cover i. */
gboolean     dl_mistakes_get_past (const DlMistakes *m, int e, int i, int *predicted, float *p_true);

/* Writes the test indices the filter lets through, in the given order, to out (room for get_n
 * entries) and returns how many there are. */
int          dl_mistakes_select (const DlMistakes *m, const DlMistakesFilter *f, DlMistakesSort sort,
                                 int *out);

G_END_DECLS
