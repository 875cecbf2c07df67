/* dl-frame-stats.h — optional responsiveness log: frame intervals and main-loop latency.
 *
 * Enabled by DIGITLAB_FRAME_STATS=1. While enabled the window's frame clock is kept ticking (so frame
 * intervals measure how smoothly the window could animate) and a 10 ms timer measures how late the main
 * loop runs it. Every 10 s, and when the window goes away, p50/p99/max of both go to stderr, with the
 * main thread's CPU time per frame interval (and the part of it from the tick to the end of the paint)
 * and, for the intervals longer than two frames, how much of them the main thread spent on a CPU or
 * waiting for one (Linux schedstat): what the app costs apart from what the machine's load costs.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _DlFrameStats DlFrameStats;

/* Returns NULL unless DIGITLAB_FRAME_STATS is set. */
DlFrameStats *dl_frame_stats_start (GtkWidget *widget);
void          dl_frame_stats_stop (DlFrameStats *stats);

G_END_DECLS
