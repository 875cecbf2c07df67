/* dl-mistake-list.h — the mistakes browser's GListModel: a filtered, sorted selection of the test set
 * (computed by DlMistakes in core) exposed as DlMistakeItems.
 *
 * After each evaluation only the span that changed is reported through items-changed (the common
 * head and tail of the old and new orders are kept), and items are reused per test index, so the grid
 * recycles its tiles and keeps its selection instead of being rebuilt.
 */
#pragma once

#include <gio/gio.h>
#include "dl-mistakes.h"

G_BEGIN_DECLS

#define DL_TYPE_MISTAKES_SORT (dl_mistakes_sort_get_type ())
GType dl_mistakes_sort_get_type (void) G_GNUC_CONST;

#define DL_TYPE_MISTAKE_LIST (dl_mistake_list_get_type ())
G_DECLARE_FINAL_TYPE (DlMistakeList, dl_mistake_list, DL, MISTAKE_LIST, GObject)

DlMistakeList    *dl_mistake_list_new (void);

/* A new test set: forgets all evaluations; the list becomes empty. */
void              dl_mistake_list_set_labels (DlMistakeList *self, const guint8 *labels, int n);
/* Records an evaluation (see dl_mistakes_add_eval) and refreshes the selection. */
gboolean          dl_mistake_list_add_eval (DlMistakeList *self, const DlEval *ev, gboolean end_of_epoch);
/* A new network: forgets all evaluations, keeps the test set. */
void              dl_mistake_list_clear_history (DlMistakeList *self);

void              dl_mistake_list_set_filter (DlMistakeList *self, const DlMistakesFilter *filter);
void              dl_mistake_list_get_filter (DlMistakeList *self, DlMistakesFilter *filter);
void              dl_mistake_list_set_sort (DlMistakeList *self, DlMistakesSort sort);
DlMistakesSort    dl_mistake_list_get_sort (DlMistakeList *self);

/* The history behind the list; NULL before set_labels. */
const DlMistakes *dl_mistake_list_get_mistakes (DlMistakeList *self);
/* Test index shown at a position, or -1. */
int               dl_mistake_list_get_index (DlMistakeList *self, guint position);

G_END_DECLS
