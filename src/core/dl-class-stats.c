/* dl-class-stats.c — per-class accuracy and confusion-matrix changes (see dl-class-stats.h). */
#include "dl-class-stats.h"

#include <math.h>
#include <string.h>

void
dl_class_accuracy (const int confusion[DL_N_CLASSES][DL_N_CLASSES], double accuracy[DL_N_CLASSES],
                   int count[DL_N_CLASSES])
{
  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      int n = 0;
      for (int p = 0; p < DL_N_CLASSES; p++)
        n += confusion[c][p];
      if (count)
        count[c] = n;
      if (accuracy)
        accuracy[c] = n > 0 ? (double) confusion[c][c] / n : NAN;
    }
}

void
dl_confusion_count (const guint8 *labels, const guint8 *predicted, int n,
                    int confusion[DL_N_CLASSES][DL_N_CLASSES])
{
  memset (confusion, 0, sizeof (int) * DL_N_CLASSES * DL_N_CLASSES);
  for (int i = 0; i < n; i++)
    if (labels[i] < DL_N_CLASSES && predicted[i] < DL_N_CLASSES)
      confusion[labels[i]][predicted[i]]++;
}

void
dl_confusion_cell_changes (const guint8 *labels, const guint8 *before, const guint8 *after, int n,
                           int true_class, int predicted_class, GArray *entered, GArray *left)
{
  for (int i = 0; i < n; i++)
    {
      if (labels[i] != true_class)
        continue;
      gboolean was = before[i] == predicted_class, is = after[i] == predicted_class;
      if (is && !was && entered)
        g_array_append_val (entered, i);
      else if (was && !is && left)
        g_array_append_val (left, i);
    }
}
