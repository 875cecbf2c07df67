/* dl-classes.h — what a data set's ten labels mean: digits for MNIST, garments for Fashion-MNIST, or the
 * names a data folder lists in its classes.txt. No GTK.
 *
 * A data folder may hold classes.txt: ten lines, the name of label 0 first (UTF-8, blank lines and
 * lines starting with '#' ignored). Without one, the labels are the digits 0–9.
 */
#pragma once

#include <glib.h>

#include "dl-data.h"

G_BEGIN_DECLS

#define DL_CLASSES_FILE "classes.txt"

typedef struct _DlClasses DlClasses;

/* The digits "0" … "9" (MNIST, and any folder without classes.txt). */
const DlClasses *dl_classes_digits (void);
/* Fashion-MNIST's: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot. */
const DlClasses *dl_classes_fashion (void);

/* The classes of a data folder: its classes.txt, else the digits. NULL with an error naming the file and
 * line when classes.txt exists but is not ten names. The result is owned by the caller
 * (dl_classes_free); the built-in sets are returned as copies too. */
DlClasses       *dl_classes_load_dir (const char *dir, GError **error);
/* Writes classes.txt into dir atomically. */
gboolean         dl_classes_save_dir (const DlClasses *classes, const char *dir, GError **error);

DlClasses       *dl_classes_copy (const DlClasses *classes);
void             dl_classes_free (DlClasses *classes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlClasses, dl_classes_free)

/* The name of label 0–9, translated for the built-in sets; classes NULL: the digits (a widget not told). */
const char      *dl_classes_name (const DlClasses *classes, int label);
/* The name cut to at most max_chars characters (g_free), for labels in a grid cell: "Tro" for Trouser. */
char            *dl_classes_abbrev (const DlClasses *classes, int label, int max_chars);
/* TRUE when the names are the digits 0–9 (pages may then show the digit alone), and for NULL. */
gboolean         dl_classes_are_digits (const DlClasses *classes);

G_END_DECLS
