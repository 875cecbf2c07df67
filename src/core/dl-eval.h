/* dl-eval.h — evaluation over a data set and plain-language diagnosis of what went wrong. No GTK. */
#pragma once

#include <glib.h>
#include "dl-data.h"
#include "dl-net.h"

G_BEGIN_DECLS

typedef struct {
  int     n;                                /* examples evaluated */
  int     correct;
  double  accuracy;                         /* correct / n */
  double  loss;                             /* mean loss */
  int     confusion[DL_N_CLASSES][DL_N_CLASSES];  /* [true][predicted] */
  int     predicted_hist[DL_N_CLASSES];     /* how often each class was predicted */
  guint8 *predicted;                        /* n: predicted class per example */
  float  *confidence;                       /* n: probability of the predicted class */
  float  *probs;                            /* n × 10 */
} DlEval;

/* Runs the net over the whole data set in batches (inference mode). */
DlEval *dl_eval_run (DlNet *net, const DlDataset *ds);
void    dl_eval_free (DlEval *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlEval, dl_eval_free)

#define DL_COLLAPSE_SHARE 0.90

typedef struct {
  gboolean   collapsed;      /* one class predicted for >= 90 % of the evaluated set */
  int        collapse_class;
  double     collapse_share; /* share of predictions that were that class */
  GPtrArray *messages;       /* char*: plain-language findings, most important first */
  /* The finding that the gradient is summed over the batch, whose remedy is a setting each program names
   * its own way (--reduce mean, the app's Gradient field): when summed_gradient_batch > 0 (the batch size),
   * messages[summed_gradient_message] is that finding. */
  int        summed_gradient_batch;
  int        summed_gradient_message;
} DlDiagnosis;

/* Looks at the evaluation, the last batch's health and the hyperparameters in force, and explains
 * collapse, saturation, dead units and exploding norms in plain words (e.g. "the network answers 0
 * for every image; 9.80 % is the share of 0s in the test set; 97 % of hidden units are saturated;
 * the learning rate may be too high"). `batch` is the batch size in force. */
DlDiagnosis *dl_diagnose (const DlEval *ev, const DlDataset *ds, const DlHealth *health,
                          const DlArch *arch, const DlHyper *hyper, int batch);
void         dl_diagnosis_free (DlDiagnosis *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlDiagnosis, dl_diagnosis_free)

G_END_DECLS
