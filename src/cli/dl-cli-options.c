/* dl-cli-options.c — option text → recipe and data sets (see dl-cli-options.h). */
#include "dl-cli-options.h"
#include "dl-augment.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>

void
dl_cli_options_clear (DlCliOptions *o)
{
  char **strings[] = {
    &o->data_dir, &o->train_path, &o->test_path, &o->preset, &o->arch, &o->optimizer, &o->reduce,
    &o->schedule, &o->lr, &o->momentum, &o->weight_decay, &o->schedule_gamma, &o->batch, &o->epochs,
    &o->schedule_step, &o->seed, &o->threads, &o->save, &o->metrics, &o->model, &o->metrics_every,
    &o->limit_train, &o->batches, &o->warmup, &o->augment_kinds, &o->target, &o->schedule_warmup,
    &o->run_name, &o->store, &o->output, &o->from, &o->average,
  };
  for (gsize i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
}

static gboolean
usage_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage_error (GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, message);
  return FALSE;
}

gboolean
dl_cli_parse_int (const char *option, const char *text, gint64 min, gint64 max, gint64 *out, GError **error)
{
  char *end;
  errno = 0;
  gint64 v = g_ascii_strtoll (text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno == ERANGE)
    return usage_error (error, _("--%s: '%s' is not a whole number"), option, text);
  if (v < min || v > max)
    return usage_error (error, _("--%s: '%s' must be from %lld to %lld"), option, text, (long long) min,
                        (long long) max);
  *out = v;
  return TRUE;
}

/* A finite number in [min, max] (exclusive of min when min_open). */
static gboolean
parse_float (const char *option, const char *text, double min, gboolean min_open, double max, float *out,
             GError **error)
{
  char *end;
  double v = g_ascii_strtod (text, &end);
  if (*text == '\0' || *end != '\0' || !isfinite (v))
    return usage_error (error, _("--%s: '%s' is not a number"), option, text);
  if (min_open ? v <= min : v < min)
    return usage_error (error, min_open ? _("--%s: '%s' must be greater than %g") : _("--%s: '%s' must be at least %g"),
                        option, text, min);
  if (v > max)
    return usage_error (error, _("--%s: '%s' must be at most %g"), option, text, max);
  *out = (float) v;
  return TRUE;
}

gboolean
dl_cli_parse_fraction (const char *option, const char *text, float *out, GError **error)
{
  return parse_float (option, text, 0.0, TRUE, 1.0, out, error);
}

static gboolean
parse_choice (const char *option, const char *text, const char *const *names, int *out, GError **error)
{
  for (int i = 0; names[i]; i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  g_autofree char *list = g_strjoinv (", ", (char **) names);
  return usage_error (error, _("--%s: unknown value '%s'; expected one of %s"), option, text, list);
}

static gboolean
apply_numbers (const DlCliOptions *o, DlCliRecipe *r, GError **error)
{
  DlPreset *p = &r->p;
  gint64 v;

  if (o->lr && !parse_float ("lr", o->lr, 0, TRUE, 1e6, &p->hyper.lr, error))
    return FALSE;
  if (o->momentum && !parse_float ("momentum", o->momentum, 0, FALSE, 0.999999, &p->hyper.momentum, error))
    return FALSE;
  if (o->weight_decay && !parse_float ("weight-decay", o->weight_decay, 0, FALSE, 1e3, &p->hyper.weight_decay, error))
    return FALSE;
  if (o->average && !parse_float ("average", o->average, 0, FALSE, 1e6, &p->hyper.average, error))
    return FALSE;
  if (p->hyper.average > 0 && p->hyper.average < 1)
    return usage_error (error, _("--average: expected 0 (off) or a number of steps from 1 to 1000000, not %s"), o->average);
  if (o->schedule_gamma && !parse_float ("schedule-gamma", o->schedule_gamma, 0, TRUE, 1, &p->schedule_gamma, error))
    return FALSE;
  if (o->schedule_warmup && !parse_float ("schedule-warmup", o->schedule_warmup, 0, FALSE, 1e4, &p->schedule_warmup,
                                          error))
    return FALSE;
  if (o->batch)
    {
      if (!dl_cli_parse_int ("batch", o->batch, 1, DL_MAX_BATCH, &v, error))
        return FALSE;
      p->batch = (int) v;
    }
  if (o->epochs)
    {
      if (!dl_cli_parse_int ("epochs", o->epochs, 1, 100000, &v, error))
        return FALSE;
      p->epochs = (int) v;
    }
  if (o->schedule_step)
    {
      if (!dl_cli_parse_int ("schedule-step", o->schedule_step, 1, 100000, &v, error))
        return FALSE;
      p->schedule_step = (int) v;
    }
  if (o->threads)
    {
      if (!dl_cli_parse_int ("threads", o->threads, 1, 1024, &v, error))
        return FALSE;
      r->threads = (int) v;
    }
  if (o->seed)
    {
      char *end;
      errno = 0;
      guint64 s = g_ascii_strtoull (o->seed, &end, 10);
      if (*o->seed == '\0' || *o->seed == '-' || *end != '\0' || errno == ERANGE)
        return usage_error (error, _("--seed: '%s' is not a whole number from 0 to %llu"), o->seed,
                            (unsigned long long) G_MAXUINT64);
      r->seed = s;
    }
  return TRUE;
}

static gboolean
apply_choices (const DlCliOptions *o, DlCliRecipe *r, GError **error)
{
  static const char *const reduces[] = { "mean", "sum", NULL };
  static const char *const schedules[] = { "none", "step", "cosine", "onecycle", NULL };
  int v;

  if (o->optimizer && !dl_optimizer_from_name (o->optimizer, &r->p.hyper.optimizer))
    return usage_error (error, _("--optimizer: unknown value '%s'; expected one of sgd, momentum, nesterov, adam"),
                        o->optimizer);
  if (o->reduce)
    {
      if (!parse_choice ("reduce", o->reduce, reduces, &v, error))
        return FALSE;
      r->p.hyper.reduce = v == 0 ? DL_REDUCE_MEAN : DL_REDUCE_SUM;
    }
  if (o->schedule)
    {
      if (!parse_choice ("schedule", o->schedule, schedules, &v, error))
        return FALSE;
      r->p.schedule = (DlSchedule[]) { DL_SCHEDULE_NONE, DL_SCHEDULE_STEP, DL_SCHEDULE_COSINE, DL_SCHEDULE_ONECYCLE }[v];
    }
  if (o->augment && o->no_augment)
    return usage_error (error, _("--augment and --no-augment contradict each other; give one"));
  if (o->augment || o->no_augment)
    r->p.augment = o->augment;
  if (o->augment_kinds && !dl_augment_kinds_parse (o->augment_kinds, &r->p.augment_kinds))
    return usage_error (error, _("--augment-kinds: “%s”: expected affine, hurried, stroke or elastic, "
                                 "comma-separated"),
                        o->augment_kinds);
  return TRUE;
}

gboolean
dl_cli_recipe_resolve (const DlCliOptions *o, DlCliRecipe *r, GError **error)
{
  const char *name = o->preset ? o->preset : "mlp";
  const DlPreset *preset = dl_preset_find (name);

  memset (r, 0, sizeof *r);
  r->seed = 1;
  r->tune = !o->no_tune;
  if (preset == NULL)
    {
      g_autoptr (GString) names = g_string_new (NULL);
      for (const DlPreset *const *p = dl_presets (); *p; p++)
        g_string_append_printf (names, "%s%s", names->len ? ", " : "", (*p)->name);
      return usage_error (error, _("--preset: unknown preset '%s'; available: %s"), name, names->str);
    }
  r->p = *preset;
  if (!apply_numbers (o, r, error) || !apply_choices (o, r, error))
    return FALSE;

  GError *arch_error = NULL;
  if (!dl_arch_parse (o->arch ? o->arch : preset->arch, &r->arch, &arch_error))
    {
      usage_error (error, "%s", arch_error->message);
      g_error_free (arch_error);
      return FALSE;
    }
  /* The canonical spelling, so that the report names what was really built. */
  r->arch_owned = dl_arch_to_string (&r->arch);
  r->p.arch = r->arch_owned;
  return TRUE;
}

gboolean
dl_cli_recipe_resolve_from (const DlCliOptions *o, const DlTrainConfig *base, const char *preset, DlCliRecipe *r,
                            GError **error)
{
  const char *fixed = o->preset ? "preset" : o->arch ? "arch" : o->seed ? "seed" : NULL;
  GError *arch_error = NULL;

  memset (r, 0, sizeof *r);
  if (fixed != NULL)
    return usage_error (error, _("--%s cannot be given with --from: a branch goes on with the checkpoint's "
                                 "network and random streams"), fixed);
  r->name_owned = g_strdup (preset);
  r->p = (DlPreset) {
    .name = r->name_owned, .hyper = base->hyper, .batch = base->batch, .epochs = base->epochs,
    .schedule = base->schedule, .schedule_gamma = base->schedule_gamma, .schedule_step = base->schedule_step,
    .augment = base->augment,
  };
  r->seed = base->seed;
  r->threads = base->threads;
  if (!apply_numbers (o, r, error) || !apply_choices (o, r, error))
    return FALSE;
  if (!dl_arch_parse (base->arch, &r->arch, &arch_error))
    {
      g_propagate_error (error, arch_error);
      return FALSE;
    }
  /* The checkpoint's own spelling: the worker compares it with the checkpoint's. */
  r->arch_owned = g_strdup (base->arch);
  r->p.arch = r->arch_owned;
  return TRUE;
}

void
dl_cli_recipe_clear (DlCliRecipe *r)
{
  g_clear_pointer (&r->arch_owned, g_free);
  g_clear_pointer (&r->name_owned, g_free);
  r->p.arch = NULL;
  r->p.name = NULL;
}

static gboolean
check_size (DlDataset *ds, GError **error)
{
  if (ds->rows == 28 && ds->cols == 28)
    return TRUE;
  g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_MISMATCH,
               _("%s: images are %d×%d; the network takes 28×28 MNIST images"), ds->source, ds->rows, ds->cols);
  return FALSE;
}

static DlDataset *
load_one (const char *path, const char *dir, gboolean train, GError **error)
{
  DlDataset *ds = path ? dl_dataset_load_path (path, train, error) : dl_dataset_load_dir (dir, train, error);
  if (ds && !check_size (ds, error))
    g_clear_pointer (&ds, dl_dataset_unref);
  return ds;
}

gboolean
dl_cli_load_data (const DlCliOptions *o, int limit_train, DlDataset **train, DlDataset **test, GError **error)
{
  g_autofree char *dir = o->data_dir ? g_strdup (o->data_dir) : dl_data_default_dir ();
  g_autoptr (DlDataset) tr = NULL;
  g_autoptr (DlDataset) te = NULL;

  if (train)
    {
      tr = load_one (o->train_path, dir, TRUE, error);
      if (tr == NULL)
        return FALSE;
      if (limit_train > 0 && limit_train < tr->n)
        {
          DlDataset *sub = dl_dataset_subset (tr, limit_train);
          dl_dataset_unref (tr);
          tr = sub;
        }
    }
  te = load_one (o->test_path, dir, FALSE, error);
  if (te == NULL)
    return FALSE;
  if (train)
    *train = g_steal_pointer (&tr);
  *test = g_steal_pointer (&te);
  return TRUE;
}
