/* dl-run-config.c — a recipe as key/value text pairs (see dl-run-config.h). */
#include "dl-run-config.h"

#include <errno.h>

#include "dl-augment.h"

static const char *const reduce_names[] = { "mean", "sum" };
static const char *const schedule_names[] = { "none", "step", "cosine", "onecycle" };

static void
add_pair (GPtrArray *pairs, const char *key, char *value)
{
  g_ptr_array_add (pairs, g_strdup (key));
  g_ptr_array_add (pairs, value);
}

/* The shortest decimal that reads back as the same float ("0.05", not "0.0500000007"). */
static char *
float_text (float v)
{
  static const char *const formats[] = { "%.6g", "%.7g", "%.8g", "%.9g" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buf, sizeof buf, formats[i], v);
      if ((float) g_ascii_strtod (buf, NULL) == v)
        break;
    }
  return g_strdup (buf);
}

GPtrArray *
dl_run_config_to_pairs (const DlTrainConfig *c)
{
  GPtrArray *pairs = g_ptr_array_new_with_free_func (g_free);

  add_pair (pairs, "arch", g_strdup (c->arch));
  add_pair (pairs, "optimizer", g_strdup (dl_optimizer_name (c->hyper.optimizer)));
  add_pair (pairs, "lr", float_text (c->hyper.lr));
  add_pair (pairs, "momentum", float_text (c->hyper.momentum));
  add_pair (pairs, "weight_decay", float_text (c->hyper.weight_decay));
  add_pair (pairs, "average", float_text (c->hyper.average));
  add_pair (pairs, "reduce", g_strdup (reduce_names[c->hyper.reduce == DL_REDUCE_SUM]));
  add_pair (pairs, "beta1", float_text (c->hyper.beta1));
  add_pair (pairs, "beta2", float_text (c->hyper.beta2));
  add_pair (pairs, "eps", float_text (c->hyper.eps));
  add_pair (pairs, "batch", g_strdup_printf ("%d", c->batch));
  add_pair (pairs, "epochs", g_strdup_printf ("%d", c->epochs));
  add_pair (pairs, "seed", g_strdup_printf ("%" G_GUINT64_FORMAT, c->seed));
  add_pair (pairs, "schedule", g_strdup (schedule_names[CLAMP ((int) c->schedule, 0, 3)]));
  add_pair (pairs, "schedule_gamma", float_text (c->schedule_gamma));
  add_pair (pairs, "schedule_step", g_strdup_printf ("%d", c->schedule_step));
  add_pair (pairs, "schedule_warmup", float_text (c->schedule_warmup));
  add_pair (pairs, "augment", g_strdup (c->augment ? "true" : "false"));
  add_pair (pairs, "augment_kinds", dl_augment_kinds_to_string (c->augment_kinds));
  add_pair (pairs, "eval_every", g_strdup_printf ("%d", c->eval_every));
  add_pair (pairs, "threads", g_strdup_printf ("%d", c->threads));
  add_pair (pairs, "tune", g_strdup (c->tune ? "true" : "false"));
  return pairs;
}

static gboolean
parse_float (const char *text, float *out)
{
  char *end;
  double v = g_ascii_strtod (text, &end);

  if (*text == '\0' || *end != '\0')
    return FALSE;
  *out = (float) v;
  return TRUE;
}

static gboolean
parse_int (const char *text, int *out)
{
  char *end;
  gint64 v;

  errno = 0;
  v = g_ascii_strtoll (text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno != 0 || v < G_MININT || v > G_MAXINT)
    return FALSE;
  *out = (int) v;
  return TRUE;
}

static gboolean
parse_name (const char *text, const char *const *names, int n, int *out)
{
  for (int i = 0; i < n; i++)
    if (g_str_equal (text, names[i]))
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
dl_run_config_set_pair (DlTrainConfig *c, const char *key, const char *value)
{
  int v;

  if (g_str_equal (key, "arch"))
    {
      g_free (c->arch);
      c->arch = g_strdup (value);
      return TRUE;
    }
  if (g_str_equal (key, "optimizer"))
    return dl_optimizer_from_name (value, &c->hyper.optimizer);
  if (g_str_equal (key, "lr"))
    return parse_float (value, &c->hyper.lr);
  if (g_str_equal (key, "momentum"))
    return parse_float (value, &c->hyper.momentum);
  if (g_str_equal (key, "weight_decay"))
    return parse_float (value, &c->hyper.weight_decay);
  if (g_str_equal (key, "average"))
    return parse_float (value, &c->hyper.average);
  if (g_str_equal (key, "beta1"))
    return parse_float (value, &c->hyper.beta1);
  if (g_str_equal (key, "beta2"))
    return parse_float (value, &c->hyper.beta2);
  if (g_str_equal (key, "eps"))
    return parse_float (value, &c->hyper.eps);
  if (g_str_equal (key, "schedule_gamma"))
    return parse_float (value, &c->schedule_gamma);
  if (g_str_equal (key, "schedule_warmup"))
    return parse_float (value, &c->schedule_warmup);
  if (g_str_equal (key, "augment_kinds"))
    return dl_augment_kinds_parse (value, &c->augment_kinds);
  if (g_str_equal (key, "batch"))
    return parse_int (value, &c->batch);
  if (g_str_equal (key, "epochs"))
    return parse_int (value, &c->epochs);
  if (g_str_equal (key, "schedule_step"))
    return parse_int (value, &c->schedule_step);
  if (g_str_equal (key, "eval_every"))
    return parse_int (value, &c->eval_every);
  if (g_str_equal (key, "threads"))
    return parse_int (value, &c->threads);
  if (g_str_equal (key, "seed"))
    {
      char *end;

      errno = 0;
      c->seed = g_ascii_strtoull (value, &end, 10);
      return *value != '\0' && *end == '\0' && errno == 0;
    }
  if (g_str_equal (key, "reduce"))
    {
      if (!parse_name (value, reduce_names, 2, &v))
        return FALSE;
      c->hyper.reduce = v == 1 ? DL_REDUCE_SUM : DL_REDUCE_MEAN;
      return TRUE;
    }
  if (g_str_equal (key, "schedule"))
    {
      if (!parse_name (value, schedule_names, 4, &v))
        return FALSE;
      c->schedule = (DlSchedule[]) { DL_SCHEDULE_NONE, DL_SCHEDULE_STEP, DL_SCHEDULE_COSINE, DL_SCHEDULE_ONECYCLE }[v];
      return TRUE;
    }
  if (g_str_equal (key, "augment"))
    {
      c->augment = g_str_equal (value, "true");
      return c->augment || g_str_equal (value, "false");
    }
  if (g_str_equal (key, "tune"))
    {
      c->tune = g_str_equal (value, "true");
      return c->tune || g_str_equal (value, "false");
    }
  return TRUE;
}
