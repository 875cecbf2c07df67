/* dl-mistake-tile.h — one tile of the mistakes grid: the digit enlarged, "true → predicted", the
 * confidence, and a mark on suspected label errors.
 *
 * For an unlabeled image: the answer alone, and "confidence (+margin)", the margin in points.
 * A single widget with the digit as its only child and the caption drawn in snapshot: GTK 4.8's grid
 * view builds a tile for every item of up to 30 rows on each change, so a tile has to be cheap.
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-classes.h"

G_BEGIN_DECLS

#define DL_TYPE_MISTAKE_TILE (dl_mistake_tile_get_type ())
G_DECLARE_FINAL_TYPE (DlMistakeTile, dl_mistake_tile, DL, MISTAKE_TILE, GtkWidget)

GtkWidget *dl_mistake_tile_new (void);
/* The image (rows × cols, copied); see dl_digit_view_set_image. */
void       dl_mistake_tile_set_image (DlMistakeTile *self, const guint8 *pixels, int rows, int cols);
/* What the caption (and the tooltip) says about test image `index`: classes names them (NULL: digits). */
void       dl_mistake_tile_set_prediction (DlMistakeTile *self, const DlClasses *classes, int index, int true_class,
                                           int predicted, double confidence, gboolean suspected);
/* An unlabeled image's tile (the unlabeled-images browser): its answer, that answer's probability and the
 * margin over the runner-up. */
void       dl_mistake_tile_set_answer (DlMistakeTile *self, const DlClasses *classes, int index, int predicted,
                                       double confidence, double margin);

G_END_DECLS
