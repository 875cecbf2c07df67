/* dl-ood.h — "this doesn't look like a digit": a test of whether an input is like the digits the network
 * was made for, calibrated on the test set. No GTK.
 *
 * Five measurements of an image, each turned into a p-value against the calibration digits (the test
 * set's even-numbered images; the odd-numbered ones are left to measure the result on):
 *   early     how far the first dense layer's output is, in angle, from the nearest training image's
 *             (cosine distance; over the first DL_OOD_TRAIN training images)
 *   feature   the squared Mahalanobis distance of the penultimate-layer features to the nearest class
 *             mean, with one covariance shared by the classes (dl-gauss.h), fitted on the features of all
 *             the training images (the DlNeighbours index)
 *   pixel     the tangent distance (dl-tangent.h) to the nearest training image of the predicted class
 *             in pixel space, both blurred and halved to 14 × 14 (over the first DL_OOD_TRAIN training
 *             images), against the calibration digits read as that class: a digit drawn a little turned,
 *             shifted, squashed or thicker is still near its class; a letter is not
 *   energy    the energy score of the logits, −log Σ e^l (Liu et al. 2020)
 *   subspace  the squared distance from the image's tangent plane (the same images and tangents) to the
 *             nearest of the predicted class's 8 local linear models (dl-subspace.h: k-means within the
 *             class, each part's mean and 10 principal directions, over all the training images), against
 *             the calibration digits read as that class: where the pixel signal asks whether one training
 *             image is near, this asks whether the class's usual variation explains the image — R and H
 *             read as 8 and 4 are near some 8 and 4 but not explained by their variation. The network
 *             does not enter it, so it helps most where the network's features cannot tell a letter from
 *             a digit (`mlp`: the non-digits caught went from 88.1 to 91.3 %, `cnn`: 94.6 to 96.2 %).
 * They are combined by Fisher's method (−Σ log p), and the image is flagged when the sum exceeds what
 * DL_OOD_RATE of the calibration digits exceed. Measured on the presets and left out (README): the
 * Euclidean distance to the nearest training image's penultimate features (what the Mahalanobis distance
 * replaced), the plain pixel distance (what the tangent distance replaced), the tangent distance to the
 * 10th nearest (more non-digits caught by `mlp`, but more drawn digits flagged), the softmax confidence, the
 * Mahalanobis distance of the early layer's output and of the pixels, the stability of the answer under
 * small shifts and turns, and the ink's aspect ratio per class (it caught a few more straight lines, but
 * flagged twice as many of the hurried digits of bench/draw-digits, which are squashed and widened as
 * people draw). For the subspace: one model per class of rank 5–40 (`mlp` 89.0–90.9 %, but the drawn 1
 * with a flag and a base flagged), the models in 28 × 28 pixels (88.6 %, and 1 s more to fit), without
 * the image's tangents (4 models: 90.5 %, 3 more hurried digits flagged), in place of the pixel signal
 * (89.2–91.1 %, 4–14 more hurried digits flagged), and the pixel and subspace signals combined into one
 * p-value before Fisher's sum, so that the two pixel-space signals weigh as one (89.2–89.7 %, 2–4 more
 * hurried digits flagged). Still missed by `mlp`: Y, read as an open 4 (3 of 33 caught), and lines at
 * 30–45° from the vertical, read as a slanted 1.
 *
 * Separately, a drawing whose strokes span less than DL_OOD_MIN_EXTENT_PENS pen widths is too small to
 * judge at all: a dot or a dash gets a hint instead (dl_ood_check_strokes).
 *
 * A DlOod is built for one net (a parameter snapshot) and is immutable afterwards: any number of
 * threads may judge with it, each with its own DlNetWork.
 */
#pragma once

#include <glib.h>
#include "dl-data.h"
#include "dl-neighbours.h"
#include "dl-net.h"
#include "dl-preprocess.h"

G_BEGIN_DECLS

#define DL_OOD_RATE             0.04   /* share of calibration digits flagged: 5 % is the most allowed */
#define DL_OOD_TRAIN            20000  /* training images the early and pixel distances search */
#define DL_OOD_MIN_EXTENT_PENS  2.0f   /* smaller drawings get a hint, not a reading */

typedef enum {
  DL_OOD_EARLY,
  DL_OOD_FEATURE,
  DL_OOD_PIXEL,
  DL_OOD_ENERGY,
  DL_OOD_SUBSPACE,
  DL_OOD_N_SIGNALS
} DlOodSignal;

typedef struct {
  int      predicted;
  float    raw[DL_OOD_N_SIGNALS];   /* the measurements */
  float    p[DL_OOD_N_SIGNALS];     /* their p-values against the calibration digits */
  float    score;                   /* −Σ log p */
  float    threshold;               /* flagged above it */
  gboolean flagged;                 /* "this doesn't look like a digit" */
} DlOodVerdict;

typedef struct _DlOod DlOod;

/* For `net` (nb: its DlNeighbours on `train`, which must outlive the DlOod), calibrated on test's
 * even-numbered images. `cancel` as for dl_neighbours_build. NULL when cancelled. */
DlOod       *dl_ood_new (const DlNet *net, const DlNeighbours *nb, const DlDataset *train, const DlDataset *test,
                         const int *cancel);
void         dl_ood_free (DlOod *ood);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlOod, dl_ood_free)

/* Judges n images (n × 784 floats in [0, 1]) through `work` (a DlNetWork of the net for batches of at
 * least min (n, 256)); out has n verdicts. */
void         dl_ood_judge (const DlOod *ood, const DlNet *net, DlNetWork *work, const float *x, int n,
                           DlOodVerdict *out);
/* The share of test's odd-numbered images (the ones not used to calibrate) that are flagged. */
double       dl_ood_held_out_rate (const DlOod *ood, const DlNet *net, const DlDataset *test);

const char  *dl_ood_signal_name (DlOodSignal s);

typedef enum {
  DL_OOD_HINT_NONE,   /* big enough to judge */
  DL_OOD_HINT_DOT,    /* a dot: the strokes span less than a pen width (dl_preprocess_strokes reads nothing) */
  DL_OOD_HINT_SHORT,  /* a dash or a scrap, under DL_OOD_MIN_EXTENT_PENS pen widths */
} DlOodHint;

/* Whether strokes drawn with a pen `pen_width` wide are too small to read (none: DL_OOD_HINT_NONE). */
DlOodHint    dl_ood_check_strokes (const DlStroke *strokes, int n_strokes, float pen_width);

G_END_DECLS
