/* dl-i18n.h — gettext for the programs (the app, digitlab-cli) and where their files are when they run
 * from the build tree. No GTK.
 *
 * Libraries (src/core, src/worker, src/runs) mark their messages with <glib/gi18n-lib.h>, so that they are
 * looked up in the "digitlab" domain whatever the program's own domain is.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether this program runs from its build tree (not installed). Only then may the build tree's schema and
 * translations stand in for the installed ones. */
gboolean    dl_running_uninstalled (void);

/* The folder holding LANG/LC_MESSAGES/digitlab.mo: the build tree's po/ (compiled by meson) when running
 * uninstalled, else the installed locale folder. */
const char *dl_i18n_locale_dir (void);

/* The program's locale from the environment and the "digitlab" text domain, in UTF-8. Call first in main. */
void        dl_i18n_init (void);

G_END_DECLS
