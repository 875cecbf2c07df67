/* dl-cli-report.c — progress, per-epoch lines, diagnostics, metrics CSV and JSON for a training run. */
#include "dl-cli-report.h"
#include "dl-file.h"

#include <glib/gi18n.h>
#include <math.h>
#include <unistd.h>

#include "dl-cli-json.h"

#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)
#define BAR_WIDTH 28

void
dl_cli_report_init (DlCliReport *r, gboolean json, const char *metrics_path, int metrics_every)
{
  memset (r, 0, sizeof *r);
  r->json = json;
  r->tty = isatty (STDERR_FILENO);
  r->text = json ? stderr : stdout;
  r->metrics_path = g_strdup (metrics_path);
  r->metrics_every = MAX (metrics_every, 1);
  r->epochs = g_array_new (FALSE, TRUE, sizeof (DlEpochRecord));
  r->diagnostics = g_ptr_array_new_with_free_func (g_free);
  if (metrics_path)
    r->metrics = g_string_new ("kind,epoch,step,loss,test_loss,test_accuracy,seconds\n");
}

void
dl_cli_report_clear (DlCliReport *r)
{
  g_clear_pointer (&r->metrics_path, g_free);
  g_clear_pointer (&r->preset, g_free);
  g_clear_pointer (&r->arch, g_free);
  g_clear_pointer (&r->blas, g_free);
  g_clear_pointer (&r->run_uuid, g_free);
  g_clear_pointer (&r->from_uuid, g_free);
  g_clear_pointer (&r->epochs, g_array_unref);
  g_clear_pointer (&r->diagnostics, g_ptr_array_unref);
  if (r->metrics)
    g_string_free (r->metrics, TRUE);
  r->metrics = NULL;
}

char *
dl_cli_format_duration (double seconds)
{
  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("--:--");
  long s = lround (seconds);
  if (s >= 3600)
    return g_strdup_printf ("%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%ld:%02ld", s / 60, s % 60);
}

/* Erases the progress bar so that a normal line can be printed. */
static void
erase_bar (DlCliReport *r)
{
  if (!r->bar_visible)
    return;
  fputs ("\r\033[K", stderr);
  fflush (stderr);
  r->bar_visible = FALSE;
}

void
dl_cli_report_message (DlCliReport *r, const char *format, ...)
{
  va_list ap;
  erase_bar (r);
  va_start (ap, format);
  vfprintf (r->text, format, ap);
  va_end (ap);
  fputc ('\n', r->text);
  fflush (r->text);
}

void
dl_cli_report_dataset (DlCliReport *r, const char *what, const DlDataset *ds)
{
  g_autofree char *desc = dl_dataset_describe (ds);
  g_autofree char *warning = dl_dataset_histogram_warning (ds);
  /* TRANSLATORS: "training set: 60000 images 28×28; labels … (FOLDER)" */
  dl_cli_report_message (r, _("%s: %s (%s)"), what, desc, ds->source);
  if (warning)
    dl_cli_report_message (r, _("warning: %s: %s"), what, warning);
}

static void
draw_bar (DlCliReport *r, int epoch, int epochs, double fraction, double loss, double sps, double eta)
{
  int filled = (int) CLAMP (fraction * BAR_WIDTH + 0.5, 0, BAR_WIDTH);
  g_autoptr (GString) line = g_string_new ("\r");
  g_autofree char *eta_text = dl_cli_format_duration (eta);

  g_string_append_printf (line, _("epoch %d/%d ["), epoch + 1, epochs);
  for (int i = 0; i < BAR_WIDTH; i++)
    g_string_append (line, i < filled ? "█" : "·");
  g_string_append_printf (line, "] %3.0f%%", 100.0 * fraction);
  /* No speed yet: nothing has been timed, so no loss or ETA worth showing either. */
  if (sps > 0)
    g_string_append_printf (line, _("  loss %.4f  %.0f samples/s  ETA %s"), loss, sps, eta_text);
  else
    g_string_append (line, _("  starting…"));
  g_string_append (line, "\033[K");
  fputs (line->str, stderr);
  fflush (stderr);
  r->bar_visible = TRUE;
}

void
dl_cli_report_batch (DlCliReport *r, int epoch, gint64 step, double loss)
{
  if (r->metrics && step % r->metrics_every == 0)
    g_string_append_printf (r->metrics, "batch,%d,%" G_GINT64_FORMAT ",%.6g,,,\n", epoch + 1, step, loss);
}

void
dl_cli_report_progress (DlCliReport *r, int epoch, int epochs, double fraction, double loss,
                        double samples_per_second, double eta_seconds)
{
  if (!r->tty)
    return;
  gint64 now = g_get_monotonic_time ();
  if (now - r->last_draw_us < REDRAW_INTERVAL_US && fraction < 1.0)
    return;
  r->last_draw_us = now;
  draw_bar (r, epoch, epochs, fraction, loss, samples_per_second, eta_seconds);
}

static void
report_diagnosis (DlCliReport *r, const DlDiagnosis *diag)
{
  g_ptr_array_set_size (r->diagnostics, 0);
  r->collapsed = diag && diag->collapsed;
  if (diag == NULL)
    return;
  for (guint i = 0; i < diag->messages->len; i++)
    g_ptr_array_add (r->diagnostics, g_strdup (g_ptr_array_index (diag->messages, i)));

  if (diag->collapsed)
    {
      /* Loud: this is the 9.8 % failure, and a number alone hides it. */
      gboolean colour = r->tty && r->text == stderr;
      g_autofree char *line = g_strdup_printf (_("*** COLLAPSED: the network answers %d for %.1f %% of the test "
                                                 "images ***"), diag->collapse_class, 100.0 * diag->collapse_share);

      dl_cli_report_message (r, "%s%s%s", colour ? "\033[1;31m" : "", line, colour ? "\033[0m" : "");
    }
  for (guint i = 0; i < diag->messages->len; i++)
    dl_cli_report_message (r, "  %s %s", diag->collapsed ? "!!" : _("diagnosis:"),
                           (const char *) g_ptr_array_index (diag->messages, i));
}

void
dl_cli_report_epoch (DlCliReport *r, const DlEpochRecord *rec, const DlDiagnosis *diag)
{
  g_array_append_val (r->epochs, *rec);
  dl_cli_report_message (r, _("epoch %d  train loss %.4f  test loss %.4f  test accuracy %.2f %%  %.1f s"),
                         rec->epoch, rec->train_loss, rec->test_loss, 100.0 * rec->test_accuracy, rec->seconds);
  report_diagnosis (r, diag);
  if (r->metrics)
    g_string_append_printf (r->metrics, "epoch,%d,,%.6g,%.6g,%.6g,%.3f\n", rec->epoch, rec->train_loss,
                            rec->test_loss, rec->test_accuracy, rec->seconds);
}

static void
print_json (DlCliReport *r)
{
  JsonBuilder *j = dl_cli_json_new ();
  double acc = r->epochs->len ? g_array_index (r->epochs, DlEpochRecord, r->epochs->len - 1).test_accuracy : NAN;
  dl_cli_json_double (j, "test_accuracy", acc);
  dl_cli_json_begin_array (j, "epochs");
  for (guint i = 0; i < r->epochs->len; i++)
    {
      const DlEpochRecord *e = &g_array_index (r->epochs, DlEpochRecord, i);
      dl_cli_json_begin_object (j, NULL);
      dl_cli_json_int (j, "epoch", e->epoch);
      dl_cli_json_double (j, "train_loss", e->train_loss);
      dl_cli_json_double (j, "test_loss", e->test_loss);
      dl_cli_json_double (j, "test_accuracy", e->test_accuracy);
      dl_cli_json_double (j, "seconds", e->seconds);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  dl_cli_json_double (j, "samples_per_second", r->samples_per_second);
  dl_cli_json_bool (j, "collapsed", r->collapsed);
  dl_cli_json_begin_array (j, "diagnostics");
  for (guint i = 0; i < r->diagnostics->len; i++)
    dl_cli_json_string (j, NULL, g_ptr_array_index (r->diagnostics, i));
  json_builder_end_array (j);
  dl_cli_json_string (j, "preset", r->preset);
  dl_cli_json_string (j, "arch", r->arch);
  dl_cli_json_int (j, "seed", (gint64) r->seed);
  dl_cli_json_string (j, "blas", r->blas);
  /* The run in the store (digitlab-cli runs show RUN), or null when it was not recorded. */
  if (r->run_number > 0)
    dl_cli_json_int (j, "run", r->run_number);
  else
    dl_cli_json_null (j, "run");
  dl_cli_json_string (j, "run_uuid", r->run_uuid);
  /* A branch: where it came from (null for a fresh network). */
  if (r->from_run > 0)
    {
      dl_cli_json_begin_object (j, "from");
      dl_cli_json_int (j, "run", r->from_run);
      dl_cli_json_string (j, "uuid", r->from_uuid);
      dl_cli_json_int (j, "step", r->from_step);
      json_builder_end_object (j);
    }
  else
    dl_cli_json_null (j, "from");
  dl_cli_json_print (j);
  fflush (stdout);
}

gboolean
dl_cli_report_finish (DlCliReport *r, GError **error)
{
  erase_bar (r);
  /* Atomic like the model: a symlink is followed, a FIFO or device refused (dl_file_save). */
  if (r->metrics && !dl_file_save_bytes (r->metrics_path, r->metrics->str, r->metrics->len, error))
    return FALSE;
  if (r->json)
    print_json (r);
  return TRUE;
}
