/* main.c — Digit Lab, the GTK application. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "dl-application.h"
#include "dl-blas.h"

int
main (int argc, char **argv)
{
  g_autoptr (DlApplication) app = NULL;

  dl_blas_init ();
  /* One core stays with the window: BLAS threads competing with it make every frame late (the worker
   * sets the same count for each net it trains, dl_train_page_get_config). */
  dl_blas_set_threads (MAX (1, g_get_num_processors () - 1));
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = dl_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
