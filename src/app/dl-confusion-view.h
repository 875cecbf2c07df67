/* dl-confusion-view.h — the confusion matrix as a heatmap: true class down, predicted class across,
 * per-class accuracy on the right. Hover tells the count and its share; a click activates the cell.
 * From the keyboard, the arrows move the outlined cell and Enter or Space activates it.
 *
 * Geometry lives in DlConfusionLayout, a plain struct computed from the widget size, so hit-testing is
 * a pure function the tests call directly.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-classes.h"
#include "dl-data.h"

G_BEGIN_DECLS

typedef struct {
  double x0, y0;     /* top-left corner of cell (true 0, predicted 0) */
  double cell;       /* side of one cell; the grid is 10 cells square */
  double acc_x;      /* left edge of the per-class accuracy column */
  int    width, height;
} DlConfusionLayout;

void     dl_confusion_layout_compute (DlConfusionLayout *l, int width, int height);
/* Cell under (x, y): cells are half-open squares [x0 + p·cell, x0 + (p+1)·cell), so every point of the
 * grid belongs to exactly one cell and the right and bottom edges are outside. */
gboolean dl_confusion_layout_cell_at (const DlConfusionLayout *l, double x, double y,
                                      int *true_class, int *predicted);
void     dl_confusion_layout_cell_rect (const DlConfusionLayout *l, int true_class, int predicted,
                                        graphene_rect_t *rect);

#define DL_TYPE_CONFUSION_VIEW (dl_confusion_view_get_type ())
G_DECLARE_FINAL_TYPE (DlConfusionView, dl_confusion_view, DL, CONFUSION_VIEW, GtkWidget)

GtkWidget *dl_confusion_view_new (void);
/* Copies the matrix, [true][predicted]; NULL shows an empty grid. */
void       dl_confusion_view_set_matrix (DlConfusionView *self, const int (*matrix)[DL_N_CLASSES]);
/* What the rows and columns are called (copied; NULL: the digits): on the axes cut to three characters,
 * whole in the tooltip and the accessible description. */
void       dl_confusion_view_set_classes (DlConfusionView *self, const DlClasses *classes);
/* Outlines the cell the browser is filtered to; -1, -1 for none. */
void       dl_confusion_view_set_selected (DlConfusionView *self, int true_class, int predicted);
gboolean   dl_confusion_view_get_selected (DlConfusionView *self, int *true_class, int *predicted);

/* Hit-testing at the widget's current size. */
gboolean   dl_confusion_view_cell_at (DlConfusionView *self, double x, double y,
                                      int *true_class, int *predicted);
/* What a primary click at (x, y) does: emits ::cell-activated for the cell there, if any, and
 * returns whether there was one. The click gesture calls exactly this. */
gboolean   dl_confusion_view_click (DlConfusionView *self, double x, double y);
/* Draws the view into cr at the given size, as snapshot does (for tests and export). */
void       dl_confusion_view_render (DlConfusionView *self, cairo_t *cr, int width, int height);

G_END_DECLS
