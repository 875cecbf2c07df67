/* dl-sanity.h — a data sanity report for the Mistakes/Data page: label histograms, pixel range,
 * blank images, images shared between the training and test sets, one-class dominance, and a list
 * of findings in plain language.
 *
 * No GTK here. A full MNIST report (70,000 images) takes a few tens of milliseconds.
 */
#pragma once

#include <glib.h>

#include "dl-classes.h"
#include "dl-data.h"

G_BEGIN_DECLS

/* What was found in one data set. */
typedef struct {
  int      n;
  int      histogram[DL_N_CLASSES];
  int      pixel_min, pixel_max;     /* over every pixel of every image */
  double   pixel_mean;               /* 0–255; MNIST is about 33 (bright ink on black) */
  GArray  *all_black;                /* int: indices of images whose pixels are all 0 */
  GArray  *all_white;                /* int: indices of images whose pixels are all 255 */
  int      n_duplicates;             /* images identical to an earlier image of the same set */
  int      dominant_class;           /* the class holding over half the labels, or -1 */
  double   dominant_share;           /* that class's share of the labels, 0–1 (0 when none) */
} DlSanitySet;

/* A test image that is byte-for-byte identical to a training image. */
typedef struct {
  int test_index, train_index;
  int test_label, train_label;
} DlDuplicatePair;

typedef struct {
  DlSanitySet train, test;           /* test is all zero when no test set was given */
  GArray     *duplicates;            /* DlDuplicatePair, by test index, then train index */
  int         n_test_in_train;       /* distinct test images that also appear in the training set */
  int         n_conflicting;         /* of those, how many carry a different label there */
  GPtrArray  *findings;              /* char *: plain-language sentences, the most serious first */
} DlSanityReport;

/* Checks train and (optionally, may be NULL) test. Both must have the same image size when given. */
DlSanityReport *dl_sanity_check (const DlDataset *train, const DlDataset *test);
/* The same, with the findings naming classes as `classes` does (NULL: the digits). */
DlSanityReport *dl_sanity_check_classes (const DlDataset *train, const DlDataset *test, const DlClasses *classes);
void            dl_sanity_report_free (DlSanityReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlSanityReport, dl_sanity_report_free)

/* Picks min(k, n) distinct indices from [0, n) at random, the same ones for the same seed, into out
 * (ascending). Returns how many were written. */
int dl_sanity_sample (int n, int k, guint64 seed, int *out);

G_END_DECLS
