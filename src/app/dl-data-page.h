/* dl-data-page.h — the data sanity panel: label histograms of the training and test sets, pixel value
 * range, a grid of random samples with their labels, and the plain-language findings of dl-sanity
 * (duplicates across train/test, blank images, class dominance). The report is computed off the main
 * thread when the data sets arrive.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-classes.h"
#include "dl-data.h"

G_BEGIN_DECLS

#define DL_TYPE_DATA_PAGE (dl_data_page_get_type ())
G_DECLARE_FINAL_TYPE (DlDataPage, dl_data_page, DL, DATA_PAGE, GtkWidget)

GtkWidget *dl_data_page_new (void);
/* The data sets in use (DL_EVENT_DATA_LOADED's `train` and `test`; test may be NULL); takes
 * references and starts the sanity check. The same pair again changes nothing. */
void       dl_data_page_set_data (DlDataPage *self, DlDataset *train, DlDataset *test);
/* What the labels mean (copied; NULL: the digits): the samples' captions, the histogram's axis. */
void       dl_data_page_set_classes (DlDataPage *self, const DlClasses *classes);
/* TRUE once the report for the current data sets is shown. */
gboolean   dl_data_page_is_ready (DlDataPage *self);

G_END_DECLS
