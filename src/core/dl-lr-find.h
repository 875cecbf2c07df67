/* dl-lr-find.h — the learning-rate finder: an exponential sweep of the learning rate over a few hundred
 * training batches, and what its curve suggests. No GTK.
 *
 * Each batch trains the network it is given at the next rate of the sweep (lr_min · (lr_max/lr_min)^(i/(n−1))),
 * recording the batch's loss and its exponentially smoothed, bias-corrected value; the sweep stops early
 * once the smoothed loss exceeds stop_factor × its minimum, or a loss is not finite. The network is
 * trained: sweep a copy (the worker does), never a run's own.
 *
 * Two suggestions, read off the smoothed curve past its first tenth (the smoothing's warm-up) and before
 * its last points (the blow-up):
 *   steepest  where the smoothed loss falls fastest against log lr, before its minimum (the suggestion);
 *   valley    fastai's: the middle of the longest stretch over which the smoothed loss keeps falling.
 */
#pragma once

#include <glib.h>
#include "dl-net.h"

G_BEGIN_DECLS

typedef struct {
  double lr_min, lr_max;   /* the sweep's first and last rate: 1e-6 and 10 */
  int    steps;            /* batches if it never stops early: 100 … 300, default 200 */
  double smoothing;        /* β of the moving average: 0.98 */
  double stop_factor;      /* stop once the smoothed loss exceeds this × its minimum: 4 */
} DlLrFindOptions;

#define DL_LR_FIND_MIN_STEPS 100
#define DL_LR_FIND_MAX_STEPS 300

void dl_lr_find_options_init (DlLrFindOptions *o);

typedef struct {
  double lr;
  float  loss;       /* the batch's mean loss, before its update */
  double smoothed;
} DlLrPoint;

typedef struct {
  DlLrFindOptions options;
  GArray  *points;          /* DlLrPoint, in sweep order */
  gboolean stopped_early;   /* the smoothed loss passed stop_factor × its minimum, or was not finite */
  gboolean cancelled;       /* the batches ran out before the sweep ended (the worker shut down) */
  /* NAN when the curve is too short to read (under 10 points, or no fall at all) */
  double   steepest;        /* the suggestion */
  double   valley;
  double   min_loss_lr;     /* the rate at the smoothed loss's minimum */
  float    min_loss;
  /* dl_lr_find_judge: the rate in force, and whether it is far too high (past min_loss_lr, where a higher
   * rate already made the loss worse, or beyond where the sweep blew up) */
  double   current_lr;
  gboolean too_high;
} DlLrFind;

void      dl_lr_find_free (DlLrFind *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlLrFind, dl_lr_find_free)

/* A training batch for the sweep: `batch` examples, x batch × input size, y labels. FALSE: none (stop). */
typedef gboolean (*DlLrNextBatch) (gpointer data, int *batch, const float **x, const guint8 **y);

/* Sweeps `net` (trained: give a copy) with `hyper` (its optimiser, momentum, reduction… at each rate).
 * Analysed; current_lr is hyper->lr and too_high judged against it. */
DlLrFind *dl_lr_find_run (DlNet *net, const DlHyper *hyper, const DlLrFindOptions *o, DlLrNextBatch next,
                          gpointer data);

/* The suggestions from the points (dl_lr_find_run calls it; for curves from elsewhere, the tests). */
void      dl_lr_find_analyse (DlLrFind *f);
void      dl_lr_find_judge (DlLrFind *f, double current_lr);

G_END_DECLS
