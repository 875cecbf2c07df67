/* dl-cli-predict.h — `digitlab-cli predict`: a saved model's answers for unlabeled images. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* digitlab-cli predict --model M --input FILE [--output FILE.csv] [--probabilities]: argv[0] is
 * "digitlab-cli predict". Returns the exit status. */
int dl_cli_predict (int argc, char **argv);

G_END_DECLS
