/* dl-probability-list.h — the ten probabilities of one image: a row per class with its name, a level bar
 * and the percentage ("93.2 %"). With a true class ("truth") its row's name is green and a wrong answer's
 * ("predicted") red; without one, the answer's name is in the accent colour (CSS classes success, error
 * and accent on the name label). The Mistakes page and the Unlabeled page show their selected image's
 * probabilities with it.
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-classes.h"

G_BEGIN_DECLS

#define DL_TYPE_PROBABILITY_LIST (dl_probability_list_get_type ())
G_DECLARE_FINAL_TYPE (DlProbabilityList, dl_probability_list, DL, PROBABILITY_LIST, GtkWidget)

GtkWidget       *dl_probability_list_new (void);
/* "classes": what the rows are called (copied; NULL: the digits). */
void             dl_probability_list_set_classes (DlProbabilityList *self, const DlClasses *classes);
const DlClasses *dl_probability_list_get_classes (DlProbabilityList *self);
/* DL_N_CLASSES probabilities in [0, 1] (copied); NULL: none (empty bars, no percentages). */
void             dl_probability_list_set_probabilities (DlProbabilityList *self, const float *probs);
/* "predicted": the network's answer; "truth": the image's label. -1: none. */
void             dl_probability_list_set_predicted (DlProbabilityList *self, int predicted);
int              dl_probability_list_get_predicted (DlProbabilityList *self);
void             dl_probability_list_set_truth (DlProbabilityList *self, int truth);
int              dl_probability_list_get_truth (DlProbabilityList *self);

G_END_DECLS
