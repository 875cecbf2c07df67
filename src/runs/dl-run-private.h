/* dl-run-private.h — what the files of DlRun share:
 *
 *   dl-run.c        the object: its frozen and mutable figures, its history
 *   dl-run-kinds.c  the kinds of series, evaluations' nicks, the final states
 */
#pragma once

#include "dl-run.h"

G_BEGIN_DECLS

/* A new, empty series of that kind: its translated title, colour, smoothing and markers. */
DlSeries *_dl_run_series_new (DlRunSeriesKind kind);

G_END_DECLS
