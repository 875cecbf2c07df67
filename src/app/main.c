/* main.c — Digit Lab, the GTK application. */
#include "dl-application.h"
#include "dl-blas.h"
#include "dl-i18n.h"

int
main (int argc, char **argv)
{
  g_autoptr (DlApplication) app = NULL;

  /* BLAS stays single-threaded: training threads are the worker's team (one core fewer than the machine
   * has, dl_train_page_get_config), and inference on this thread needs no more. */
  dl_blas_init ();
  dl_i18n_init ();

  app = dl_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
