/* dl-cli-predict.c — `digitlab-cli predict --model M --input FILE [--output FILE.csv] [--probabilities]`.
 *
 * The input is unlabeled images (dl_dataset_load_unlabeled): Kaggle's Digit Recognizer test.csv (a header,
 * then 784 pixel columns a row) or any CSV of that shape, or an IDX images file (raw or .gz). The output
 * is the CSV that competition takes, `ImageId,Label` with ImageId counted from 1 in the input's order; with
 * --probabilities each row also has the ten class probabilities (p0 … p9). It goes to --output (saved
 * atomically) or stdout; a summary (how many, the predicted labels' histogram) goes to stderr.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "dl-cli-options.h"
#include "dl-cli-predict.h"
#include "dl-data.h"
#include "dl-file.h"
#include "dl-model.h"
#include "dl-net.h"
#include "dl-predict.h"

#define PROG "digitlab-cli predict"

typedef struct {
  char    *model, *input, *output;
  gboolean probabilities;
} PredictOptions;

static void
options_clear (PredictOptions *o)
{
  g_clear_pointer (&o->model, g_free);
  g_clear_pointer (&o->input, g_free);
  g_clear_pointer (&o->output, g_free);
}

static gboolean
parse (PredictOptions *o, int *argc, char ***argv, GError **error)
{
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &o->model, N_("The model file to predict with"), N_ ("FILE") },
    { "input", 0, 0, G_OPTION_ARG_FILENAME, &o->input,
      N_("Unlabeled images: a .csv file (784 pixel columns a row, an optional header) or an IDX images file"),
      N_ ("FILE") },
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &o->output, N_("Write the CSV here (atomically) instead of stdout"),
      N_ ("FILE.csv") },
    { "probabilities", 0, 0, G_OPTION_ARG_NONE, &o->probabilities,
      N_("Also write the ten class probabilities of each image (p0 … p9)"), NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("- a saved model's answers for unlabeled images"));

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("unexpected argument '%s'"), (*argv)[1]);
  else if (o->model == NULL || o->input == NULL)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("--model FILE and --input FILE are required"));
  else
    return TRUE;
  return FALSE;
}

/* The whole CSV, and the predicted labels' counts. */
static GString *
predict (const DlNet *net, const DlDataset *ds, gboolean probabilities, int counts[DL_N_CLASSES])
{
  g_autofree float *probs = dl_predict_dataset (net, ds, NULL, NULL);

  return dl_predict_csv (probs, ds->n, probabilities, counts);
}

static void
print_summary (const PredictOptions *o, const DlDataset *ds, const int counts[DL_N_CLASSES])
{
  fputs (PROG ": ", stderr);
  if (o->output)
    fprintf (stderr, ngettext ("%d image of %s with %s into %s; predicted",
                               "%d images of %s with %s into %s; predicted", ds->n),
             ds->n, o->input, o->model, o->output);
  else
    fprintf (stderr, ngettext ("%d image of %s with %s; predicted", "%d images of %s with %s; predicted", ds->n),
             ds->n, o->input, o->model);
  for (int k = 0; k < DL_N_CLASSES; k++)
    fprintf (stderr, " %d:%d", k, counts[k]);
  fputc ('\n', stderr);
}

int
dl_cli_predict (int argc, char **argv)
{
  PredictOptions o = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (DlNet) net = NULL;
  g_autoptr (DlDataset) ds = NULL;
  g_autoptr (GString) csv = NULL;
  int counts[DL_N_CLASSES];

  if (!parse (&o, &argc, &argv, &error))
    {
      fprintf (stderr, PROG ": %s\n", error->message);
      fprintf (stderr, _("Try 'digitlab-cli %s --help'.\n"), "predict");
      options_clear (&o);
      return DL_EXIT_USAGE;
    }
  /* The output's folder and kind first: a FIFO there would otherwise only show after the work. */
  if ((o.output != NULL && !dl_file_check_target (o.output, &error))
      || (net = dl_model_load (o.model, &error)) == NULL
      || (ds = dl_dataset_load_unlabeled (o.input, &error)) == NULL
      || !dl_predict_check_shape (net, ds, o.model, &error))
    goto fail;
  csv = predict (net, ds, o.probabilities, counts);
  if (o.output == NULL)
    fwrite (csv->str, 1, csv->len, stdout);
  else if (!dl_file_save_bytes (o.output, csv->str, csv->len, &error))
    goto fail;
  print_summary (&o, ds, counts);
  options_clear (&o);
  return DL_EXIT_OK;

fail:
  fprintf (stderr, PROG ": %s\n", error->message);
  options_clear (&o);
  return DL_EXIT_FAILURE;
}
