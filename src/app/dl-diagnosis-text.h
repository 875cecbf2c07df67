/* dl-diagnosis-text.h — a diagnosis (dl_diagnose) in the app's words: the core's findings, except that a
 * remedy which is a setting names the app's control rather than digitlab-cli's option. GLib only. */
#pragma once

#include "dl-eval.h"

G_BEGIN_DECLS

/* The findings, most important first; the summed-gradient one points to the Gradient setting. */
GPtrArray *dl_diagnosis_messages (const DlDiagnosis *diagnosis);
/* The same joined by `separator`; NULL when there is nothing to say (or no diagnosis). */
char      *dl_diagnosis_text (const DlDiagnosis *diagnosis, const char *separator);

G_END_DECLS
