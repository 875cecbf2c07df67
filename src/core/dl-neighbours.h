/* dl-neighbours.h — "it looks like these": the training images nearest to an image in the network's own
 * features, exactly. No GTK.
 *
 * The features are the penultimate layer's: the input of the last layer (for `mlp` the 128 outputs of
 * fc128-relu, for `cnn` the 84 of fc84-relu; the image itself for a one-layer net). A DlNeighbours holds
 * them for every image of a data set (n × dim floats, computed once per parameter snapshot) and their
 * squared norms. A query's squared distances to all of them are ‖q‖² + ‖f‖² − 2 q·f, the dot products
 * one sgemm of the queries against the feature matrix (in blocks of rows, so any number of queries fits
 * in a few MB); the best DL_NEIGHBOURS_K + DL_NEIGHBOURS_SLACK candidates in float are then measured again
 * in double from the features themselves, so rounding in the expansion cannot change which K come out
 * (tests/test-neighbours.c checks them against a brute-force float64 search). Ties go to the lower index.
 *
 * Building reads the net only (its own DlNetWork), and a DlNeighbours is immutable afterwards: any number
 * of threads may query one.
 */
#pragma once

#include <glib.h>
#include "dl-data.h"
#include "dl-net.h"

G_BEGIN_DECLS

#define DL_NEIGHBOURS_K      8    /* shown: "it looks like these" */
#define DL_NEIGHBOURS_MAX_K  32
#define DL_NEIGHBOURS_SLACK  8    /* extra float candidates re-measured in double */

typedef struct {
  int   index;      /* into the data set */
  int   label;
  float distance;   /* Euclidean, in feature space */
} DlNeighbour;

typedef struct _DlNeighbours DlNeighbours;

/* The layer whose output is the features (-1: the input image) and their size. */
int           dl_net_feature_layer (const DlNet *net);
int           dl_net_feature_dim (const DlNet *net);
/* Features of n images (n × input size floats in [0, 1]) into out (n × dim), through `work`, a DlNetWork
 * of the net for batches of at least n. */
void          dl_net_features (const DlNet *net, DlNetWork *work, const float *x, int n, float *out);

/* Features of every image of ds. `cancel` (may be NULL) is polled between batches: when it reads
 * nonzero (g_atomic_int_get) the build stops and NULL is returned. */
DlNeighbours *dl_neighbours_build (const DlNet *net, const DlDataset *ds, const int *cancel);
void          dl_neighbours_free (DlNeighbours *nb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlNeighbours, dl_neighbours_free)

int           dl_neighbours_n (const DlNeighbours *nb);
int           dl_neighbours_dim (const DlNeighbours *nb);
const float  *dl_neighbours_features (const DlNeighbours *nb);   /* n × dim */
const DlDataset *dl_neighbours_dataset (const DlNeighbours *nb);

/* The k (1 … DL_NEIGHBOURS_MAX_K) nearest of each of n_q queries (n_q × dim features): out is n_q × k,
 * nearest first. `skip` (may be NULL) gives, per query, a data-set index to leave out (or -1): a training
 * image asked about itself. */
void          dl_neighbours_query (const DlNeighbours *nb, const float *q, int n_q, int k, const int *skip,
                                   DlNeighbour *out);

/* The nearest k to one image (input size floats) under `net`, which must be the net nb was built with
 * (work: a DlNetWork of it). */
void          dl_neighbours_query_image (const DlNeighbours *nb, const DlNet *net, DlNetWork *work,
                                         const float *x, int k, DlNeighbour *out);

/* How many of the k neighbours carry each label (votes: DL_N_CLASSES counts). */
void          dl_neighbours_votes (const DlNeighbour *nb, int k, int *votes);
/* Whether the neighbours of an image labelled `label` that the network reads as `predicted` back a
 * label error: more than half of them are `predicted`s and at most one is a `label`. */
gboolean      dl_neighbours_back_relabel (const DlNeighbour *nb, int k, int label, int predicted);

G_END_DECLS
