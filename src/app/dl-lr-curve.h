/* dl-lr-curve.h — the learning-rate finder's curve: the loss of each batch of the sweep against its learning
 * rate on a log axis, the smoothed loss over it, and vertical marks at the steepest-fall suggestion, the
 * valley suggestion and the rate in force (red when the finder says it is far too high). */
#pragma once

#include <gtk/gtk.h>

#include "dl-event.h"

G_BEGIN_DECLS

#define DL_TYPE_LR_CURVE (dl_lr_curve_get_type ())
G_DECLARE_FINAL_TYPE (DlLrCurve, dl_lr_curve, DL, LR_CURVE, GtkWidget)

GtkWidget *dl_lr_curve_new (void);
/* "found": a DL_EVENT_LR_FOUND event (its lr_find), or NULL for an empty plot. */
void       dl_lr_curve_set_found (DlLrCurve *self, DlEvent *found);
DlEvent   *dl_lr_curve_get_found (DlLrCurve *self);

G_END_DECLS
