/* dl-cli-branch.c — a recorded run's checkpoint for --from (see dl-cli-branch.h). */
#include "dl-cli-branch.h"

#include <glib/gi18n.h>

#include <errno.h>

#include "dl-run-data.h"

/* "RUN" or "RUN@STEP" → the run's id and the step (G_MAXINT64: its last). */
static gboolean
parse_from (const char *text, char **id, gint64 *step, GError **error)
{
  const char *at = strrchr (text, '@');
  gsize id_len = at != NULL ? (gsize) (at - text) : strlen (text);
  gboolean ok = TRUE;
  char *end;

  *step = G_MAXINT64;
  if (at != NULL)
    {
      errno = 0;
      *step = g_ascii_strtoll (at + 1, &end, 10);
      ok = at[1] != '\0' && *end == '\0' && errno != ERANGE && *step >= 0;
    }
  if (id_len == 0 || !ok)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--from: expected RUN or RUN@STEP (a run number or uuid prefix, as 'runs show' takes, and "
                     "a step from 0), got '%s'"), text);
      return FALSE;
    }
  *id = g_strndup (text, id_len);
  return TRUE;
}

/* The run's own data set where none is given: its sources, as many training examples as it had. */
static void
use_run_data (DlCliOptions *o, DlRun *run, int *limit_train)
{
  DlRunData *data = dl_run_get_data (run);

  if (o->data_dir != NULL || data == NULL)
    return;
  if (o->train_path == NULL && data->train_source != NULL)
    {
      o->train_path = g_strdup (data->train_source);
      if (*limit_train == 0)
        *limit_train = data->n_train;
    }
  if (o->test_path == NULL && data->test_source != NULL)
    o->test_path = g_strdup (data->test_source);
}

gboolean
dl_cli_branch_open (DlCliOptions *o, DlCliBranch *b, int *limit_train, GError **error)
{
  g_autofree char *path = o->store != NULL ? g_strdup (o->store) : dl_run_store_default_path ();
  g_autofree char *id = NULL;
  gint64 step;

  memset (b, 0, sizeof *b);
  if (!parse_from (o->from, &id, &step, error))
    return FALSE;
  /* Opening would create an empty store: there is nothing to branch from in one. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND,
                   _("--from %s: no run history at %s (give --store FILE?)"), o->from, path);
      return FALSE;
    }
  b->store = dl_run_store_open (path, error);
  if (b->store == NULL)
    return FALSE;
  b->parent = dl_run_store_find_run (b->store, id, error);
  if (b->parent == NULL)
    {
      g_prefix_error (error, "--from %s: ", o->from);
      return FALSE;
    }
  if (step != G_MAXINT64 && step > dl_run_get_steps (b->parent))
    {
      g_set_error (error, DL_RUN_STORE_ERROR, DL_RUN_STORE_ERROR_NOT_FOUND,
                   _("--from %s: run %lld (%s) trained %lld steps; step %lld is past its end"), o->from,
                   (long long) dl_run_get_number (b->parent), dl_run_get_name (b->parent),
                   (long long) dl_run_get_steps (b->parent), (long long) step);
      return FALSE;
    }
  b->found = dl_run_store_find_checkpoint (b->store, b->parent, step, error);
  if (b->found == NULL)
    {
      g_prefix_error (error, "--from %s: ", o->from);
      return FALSE;
    }
  b->ckpt = dl_run_store_load_checkpoint (b->store, b->found, error);
  if (b->ckpt == NULL)
    return FALSE;
  use_run_data (o, b->parent, limit_train);
  return TRUE;
}

gboolean
dl_cli_branch_check (const DlCliBranch *b, const DlCliRecipe *r, const DlDataset *train, GError **error)
{
  g_autofree char *what = dl_cli_branch_describe (b);

  if (r->p.epochs <= b->ckpt->epoch)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   ngettext ("--from: %s has done %d epoch, and --epochs counts from the start of the run: give "
                             "more than %d to train on",
                             "--from: %s has done %d epochs, and --epochs counts from the start of the run: give "
                             "more than %d to train on", b->ckpt->epoch), what, b->ckpt->epoch, b->ckpt->epoch);
      return FALSE;
    }
  if (train->n != b->ckpt->train_n || dl_checkpoint_data_crc (train) != b->ckpt->train_crc)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_MISMATCH,
                   _("%s: not the training data of %s (%d examples, CRC-32 %08x; this set has %d, %08x): a "
                     "branch goes on with the data its checkpoint was taken on"), train->source, what, b->ckpt->train_n,
                   b->ckpt->train_crc, train->n, dl_checkpoint_data_crc (train));
      return FALSE;
    }
  return TRUE;
}

char *
dl_cli_branch_describe (const DlCliBranch *b)
{
  return g_strdup_printf (ngettext ("run %lld (%s) at step %lld (%.2f of %d epoch)",
                                    "run %lld (%s) at step %lld (%.2f of %d epochs)", b->ckpt->config->epochs),
                          (long long) dl_run_get_number (b->parent), dl_run_get_name (b->parent),
                          (long long) b->ckpt->step, b->found->x, b->ckpt->config->epochs);
}

void
dl_cli_branch_clear (DlCliBranch *b)
{
  g_clear_pointer (&b->ckpt, dl_checkpoint_unref);
  g_clear_pointer (&b->found, dl_run_checkpoint_free);
  g_clear_object (&b->parent);
  if (b->store != NULL)
    dl_run_store_close (b->store);
  g_clear_object (&b->store);
}
