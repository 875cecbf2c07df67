/* dl-class-accuracy-view.h — each class's test accuracy over a run: ten curves (one per digit, in ten
 * colours) from the confusion matrices of its evaluations, toggled from the legend's ten buttons. Whole
 * test set evaluations by default (each epoch's end, and requested ones); or the periodic 2,000-image
 * subset, which moves in the first seconds (named so on the plot).
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-classes.h"
#include "dl-run.h"

G_BEGIN_DECLS

#define DL_TYPE_CLASS_ACCURACY_VIEW (dl_class_accuracy_view_get_type ())
G_DECLARE_FINAL_TYPE (DlClassAccuracyView, dl_class_accuracy_view, DL, CLASS_ACCURACY_VIEW, GtkWidget)

GtkWidget *dl_class_accuracy_view_new (void);
/* Follows the run's evaluations; NULL empties the plot. */
void       dl_class_accuracy_view_set_run (DlClassAccuracyView *self, DlRun *run);
/* The subset's periodic evaluations instead of the whole test set's. */
void       dl_class_accuracy_view_set_subset (DlClassAccuracyView *self, gboolean subset);
/* Whether class c's curve is shown (the legend's toggle). */
void       dl_class_accuracy_view_set_class_visible (DlClassAccuracyView *self, int c, gboolean visible);
gboolean   dl_class_accuracy_view_get_class_visible (DlClassAccuracyView *self, int c);
/* Names the legend's toggles and the curves after the classes (NULL: the digits). */
void       dl_class_accuracy_view_set_classes (DlClassAccuracyView *self, const DlClasses *classes);
/* Class c's curve (percent against epochs), for tests and exports. */
DlSeries  *dl_class_accuracy_view_get_series (DlClassAccuracyView *self, int c);

G_END_DECLS
