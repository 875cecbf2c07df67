/* dl-draw-page.h — the Draw page: draw a digit and watch the network classify it live, and why.
 *
 * Properties: "session" (DlSession, read-write: the page classifies with the snapshot of the run it shows
 * and follows its "snapshot-changed"), "explainer" (DlExplainer, read-write, may be NULL: the heatmap, the nearest
 * training images and "this doesn't look like a digit"), "prediction" (int, read-only: the class shown,
 * -1 when there is none, also when the drawing does not look like a digit), "not-a-digit" (boolean,
 * read-only: the network answered, but the drawing does not look like a digit), "explanation"
 * (DlExplanation, read-only: the newest shown, the heatmap's; maybe without the neighbours yet), "label"
 * (int, read-write: the true label chosen for saving to the personal set, -1 for none).
 * Actions: "draw.clear" (Delete, Escape), "draw.undo" (Ctrl+Z), "draw.save" (Ctrl+S), "draw.label" (the
 * label toggles, stateful).
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-explainer.h"
#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_DRAW_PAGE (dl_draw_page_get_type ())
G_DECLARE_FINAL_TYPE (DlDrawPage, dl_draw_page, DL, DRAW_PAGE, GtkWidget)

GtkWidget *dl_draw_page_new (void);
void       dl_draw_page_set_session (DlDrawPage *self, DlSession *session);
DlSession *dl_draw_page_get_session (DlDrawPage *self);
int        dl_draw_page_get_prediction (DlDrawPage *self);
void       dl_draw_page_set_explainer (DlDrawPage *self, DlExplainer *explainer);
DlExplainer *dl_draw_page_get_explainer (DlDrawPage *self);
gboolean   dl_draw_page_get_not_a_digit (DlDrawPage *self);
DlExplanation *dl_draw_page_get_explanation (DlDrawPage *self);
/* The newest complete explanation shown (neighbours, verdict), or NULL. */
DlExplanation *dl_draw_page_get_complete_explanation (DlDrawPage *self);
/* No classification pending and the newest explanation asked for has arrived (benchmarks, tests). */
gboolean   dl_draw_page_is_settled (DlDrawPage *self);
/* The 28 × 28 image the network sees (floats in [0, 1]), NULL while the canvas is empty; "input-changed"
 * is emitted when it changes. */
const float *dl_draw_page_get_input (DlDrawPage *self);

G_END_DECLS
