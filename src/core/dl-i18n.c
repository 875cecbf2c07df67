/* dl-i18n.c — gettext set-up shared by the programs (see dl-i18n.h). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

#include "dl-i18n.h"

gboolean
dl_running_uninstalled (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  return exe != NULL && g_str_has_prefix (exe, DL_BUILD_ROOT G_DIR_SEPARATOR_S);
}

const char *
dl_i18n_locale_dir (void)
{
  return dl_running_uninstalled () ? DL_BUILD_ROOT G_DIR_SEPARATOR_S "po" : LOCALEDIR;
}

void
dl_i18n_init (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dl_i18n_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
