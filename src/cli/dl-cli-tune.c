/* dl-cli-tune.c — tuning the recipe's network from the command line (see dl-cli-tune.h). */
#include "dl-cli-tune.h"

#include <glib/gi18n.h>
#include <unistd.h>

static gboolean
show_progress (double fraction, const char *what, gpointer user_data)
{
  gboolean *shown = user_data;

  fputs ("\r\033[K", stderr);
  fprintf (stderr, _("tuning for this CPU: %3.0f %% %s"), 100.0 * fraction, what);
  fflush (stderr);
  *shown = TRUE;
  return TRUE;
}

DlTuneResult *
dl_cli_tune (const DlCliRecipe *r, gboolean remeasure)
{
  gboolean tty = isatty (STDERR_FILENO), shown = FALSE;
  DlTuneResult *t = dl_tune (&r->arch, &r->p.hyper, r->p.batch, r->threads, r->threads, 0,
                             remeasure ? DL_TUNE_REMEASURE : 0, tty ? show_progress : NULL, &shown);
  g_autofree char *label = dl_tune_describe_config (&r->arch, r->p.batch, &t->config);
  g_autofree char *cache = dl_tune_describe_cache (t);

  if (shown)
    fputs ("\r\033[K", stderr);
  if (t->cache != DL_TUNE_CACHE_HIT)
    fprintf (stderr, t->noisy ? _("tuned for this CPU in %.1f s: %s (%s; the machine was busy, so it is not cached)\n")
                              : _("tuned for this CPU in %.1f s: %s (%s)\n"), t->seconds, label, cache);
  return t;
}

void
dl_cli_tune_explain (FILE *out, const DlTuneResult *t, int batch)
{
  g_autofree char *cache = dl_tune_describe_cache (t);

  fprintf (out, _("machine: %s\nnetwork: %s\n"), t->machine, t->key);
  if (t->cache == DL_TUNE_CACHE_HIT)
    {
      fprintf (out, _("%s: %.0f µs per step (%.0f samples/s) when measured\n"), cache, t->step_seconds * 1e6,
               batch / t->step_seconds);
      return;
    }
  fprintf (out, ngettext ("%s, in %.2f s; %d timed window, %d of them retried because another program took a core",
                          "%s, in %.2f s; %d timed windows, %d of them retried because another program took a core",
                          t->windows), cache, t->seconds, t->windows, t->disturbed);
  fprintf (out, "%s\n", t->noisy ? _(" (too many: not cached)") : "");
  /* TRANSLATORS: the column headers of bench --explain's table */
  fprintf (out, "%-60s %10s %10s  %s\n", _("candidate"), _("µs/step"), _("samples/s"), _("verdict"));
  for (guint i = 0; i < t->candidates->len; i++)
    {
      const DlTuneCandidate *c = g_ptr_array_index (t->candidates, i);
      fprintf (out, "%-60s %10.0f %10.0f  %s\n", c->label, c->step_seconds * 1e6, batch / c->step_seconds,
               c->verdict ? c->verdict : "");
    }
  if (t->skipped)
    fprintf (out, ngettext ("%d comparison left out: the time budget ran out\n",
                            "%d comparisons left out: the time budget ran out\n", t->skipped), t->skipped);
}
