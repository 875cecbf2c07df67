/* dl-personal.h — the user's own handwriting: a personal data set of drawn digits with their true labels,
 * kept as an IDX pair under g_get_user_data_dir()/digitlab/personal/. No GTK.
 *
 * The files are named like MNIST's training pair (train-images-idx3-ubyte, train-labels-idx1-ubyte), so
 * the directory loads with dl_dataset_load_dir (dir, TRUE, …) wherever a data directory is accepted.
 */
#pragma once

#include <glib.h>
#include "dl-data.h"
#include "dl-net.h"

G_BEGIN_DECLS

/* g_get_user_data_dir()/digitlab/personal */
char      *dl_personal_default_dir (void);
/* The set saved in dir; an empty set (n = 0, 28 × 28) when nothing was saved there yet. A save that a
 * crash interrupted is finished or undone first, and temporary folders it left are removed. Images of
 * any size but 28 × 28 are refused (DL_DATA_ERROR_MISMATCH). */
DlDataset *dl_personal_load (const char *dir, GError **error);
/* A new set: `set` plus the 28 × 28 input (floats in [0, 1]) with its true label, written to dir (created
 * if needed). The folder is replaced as one unit (dl_file_save_dir): images and labels always agree. A
 * symlinked folder is followed. NULL with the error when it could not be saved or `set` is not 28 × 28. */
DlDataset *dl_personal_add (const char *dir, const DlDataset *set, const float *input, int label,
                            GError **error);
/* How many of the set the net classifies correctly (inference mode); -1 when the set's images are not
 * the size of the net's input. */
int        dl_personal_count_correct (DlNet *net, const DlDataset *set);

G_END_DECLS
