/* dl-neighbours-view.h — "it looks like these": the nearest training images, each with its label and its
 * distance in the network's features, nearest first, four to a row. A label equal to the answer is drawn
 * in the accent colour; one equal to the image's own true label (when known) in green.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-classes.h"
#include "dl-data.h"
#include "dl-neighbours.h"

G_BEGIN_DECLS

#define DL_TYPE_NEIGHBOURS_VIEW (dl_neighbours_view_get_type ())
G_DECLARE_FINAL_TYPE (DlNeighboursView, dl_neighbours_view, DL, NEIGHBOURS_VIEW, GtkWidget)

GtkWidget *dl_neighbours_view_new (void);
/* n (≤ DL_NEIGHBOURS_K) neighbours into ds (a reference is kept); answer and true_label -1 for none.
 * ds NULL or n 0: empty. */
void       dl_neighbours_view_set (DlNeighboursView *self, DlDataset *ds, const DlNeighbour *nb, int n, int answer,
                                   int true_label);
int        dl_neighbours_view_get_n (DlNeighboursView *self);
/* What the labels are called (copied; NULL: the digits). */
void       dl_neighbours_view_set_classes (DlNeighboursView *self, const DlClasses *classes);

G_END_DECLS
