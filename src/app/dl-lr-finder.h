/* dl-lr-finder.h — the Train page's "Find…" button for the learning-rate finder and its popover: the sweep's
 * progress with Cancel while session.find-lr runs, then its curve (DlLrCurve), the suggestion in words and
 * Apply.
 *
 * The button activates session.find-lr; whoever starts a sweep, the popover opens while it runs. Apply emits
 * "apply" (double: the suggestion as the popover shows it, two significant digits): the page sets its rate
 * control to it as if the user had typed it.
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_LR_FINDER (dl_lr_finder_get_type ())
G_DECLARE_FINAL_TYPE (DlLrFinder, dl_lr_finder, DL, LR_FINDER, GtkWidget)

GtkWidget  *dl_lr_finder_new (void);
void        dl_lr_finder_set_session (DlLrFinder *self, DlSession *session);
DlSession  *dl_lr_finder_get_session (DlLrFinder *self);
/* Parts, for tests and screenshots. */
GtkPopover *dl_lr_finder_get_popover (DlLrFinder *self);
/* The rate Apply sets (NaN when there is no suggestion), and what the popover says. */
double      dl_lr_finder_get_suggestion (DlLrFinder *self);
const char *dl_lr_finder_get_text (DlLrFinder *self);

G_END_DECLS
