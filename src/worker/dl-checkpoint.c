/* dl-checkpoint.c — checkpoints (see dl-checkpoint.h): the reference-counted copy the worker takes, its
 * file (a model file whose training-state section carries the loop's record as a GVariant dictionary),
 * and the retention policy.
 */
#include "config.h"

#include <math.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <zlib.h>

#include "dl-augment.h"
#include "dl-blas.h"
#include "dl-conv.h"
#include "dl-event-private.h"
#include "dl-model.h"
#include "dl-net-private.h"
#include "dl-team.h"
#include "dl-tsan.h"

G_DEFINE_BOXED_TYPE (DlCheckpoint, dl_checkpoint, dl_checkpoint_ref, dl_checkpoint_unref)

/* The parameters and the training state (DL_NET_STATE_BLOCKS × n_params) in one block: one allocation and
 * two copies per checkpoint. */
DlCheckpoint *
dl_checkpoint_new (gsize n_params)
{
  DlCheckpoint *c = g_atomic_rc_box_new0 (DlCheckpoint);

  c->n_params = n_params;
  c->params = g_new (float, (1 + DL_NET_STATE_BLOCKS) * MAX (n_params, 1));
  c->opt_state = c->params + n_params;
  return c;
}

DlCheckpoint *
dl_checkpoint_new_from_net (DlNet *net)
{
  DlCheckpoint *c = dl_checkpoint_new (dl_net_n_params (net));

  memcpy (c->params, dl_net_params (net), sizeof (float) * c->n_params);
  dl_net_get_train_state (net, &c->net_state, c->opt_state);
  dl_net_get_config (net, &c->net_config);
  c->net_seed = dl_net_get_seed (net);
  return c;
}

DlCheckpoint *
dl_checkpoint_ref (DlCheckpoint *ckpt)
{
  g_return_val_if_fail (ckpt != NULL, NULL);
  return g_atomic_rc_box_acquire (ckpt);
}

static void
checkpoint_clear (gpointer data)
{
  DlCheckpoint *c = data;

  TSAN_ACQUIRE (c);
  g_free (c->params);
  dl_train_config_free (c->config);
}

void
dl_checkpoint_unref (DlCheckpoint *ckpt)
{
  if (ckpt == NULL)
    return;
  TSAN_RELEASE (ckpt);
  g_atomic_rc_box_release_full (ckpt, checkpoint_clear);
}

guint32
dl_checkpoint_data_crc (const DlDataset *ds)
{
  uLong crc = crc32 (0L, ds->labels, (uInt) ds->n);
  gsize left = (gsize) ds->n * ds->rows * ds->cols;
  const guint8 *p = ds->pixels;

  /* zlib takes at most 4 GiB a call */
  while (left > 0)
    {
      uInt chunk = (uInt) MIN (left, (gsize) 1 << 30);

      crc = crc32 (crc, p, chunk);
      p += chunk;
      left -= chunk;
    }
  return (guint32) crc;
}

/* ---- the loop's record: a GVariant dictionary in the file's training-state section ---- */

/* Format 2 adds the one-cycle schedule's warm-up, the augmentation kinds, tuning and how the network
 * computed (net-*). Format 1 records, which cannot hold them, read as their absence: no warm-up, affine
 * augmentation, a net computing as a new one does on the recipe's threads. */
#define RECORD_FORMAT 3

/* In enum order, NULL-terminated. */
static const char *const schedule_names[] = { "none", "step", "cosine", "onecycle", NULL };
static const char *const split_names[] = { "rows", "units", NULL };
static const char *const reduce_names[] = { "mean", "sum", NULL };
static const char *const optimizer_names[] = { "sgd", "momentum", "nesterov", "adam", NULL };

static GVariant *
rng_variant (const DlRng *rng)
{
  return g_variant_new ("(tttt)", rng->s[0], rng->s[1], rng->s[2], rng->s[3]);
}

static void
insert_net_config (GVariantDict *d, const DlCheckpoint *c)
{
  const DlArch *arch = NULL;
  g_autoptr (GPtrArray) conv = g_ptr_array_new ();
  DlArch parsed;

  if (dl_arch_parse (c->config->arch, &parsed, NULL))
    arch = &parsed;
  for (int i = 0; arch != NULL && i < arch->n_layers; i++)
    if (arch->layers[i].kind == DL_LAYER_CONV)
      g_ptr_array_add (conv, (gpointer) dl_conv_algo_name (c->net_config.conv[i]));
  g_variant_dict_insert (d, "net-threads", "i", c->net_config.threads);
  g_variant_dict_insert (d, "net-split", "s", split_names[c->net_config.split]);
  g_variant_dict_insert (d, "net-blas", "s", c->net_config.blas->name);
  g_variant_dict_insert_value (d, "net-conv", g_variant_new_strv ((const char *const *) conv->pdata, conv->len));
}

static GBytes *
record_to_bytes (const DlCheckpoint *c)
{
  const DlTrainConfig *cfg = c->config;
  GVariantDict d;
  g_autoptr (GVariant) v = NULL;

  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "format", "u", RECORD_FORMAT);
  g_variant_dict_insert (&d, "run-serial", "u", c->run_serial);
  g_variant_dict_insert (&d, "step", "x", c->step);
  g_variant_dict_insert (&d, "epoch", "i", c->epoch);
  g_variant_dict_insert (&d, "pos", "i", c->pos);
  g_variant_dict_insert (&d, "epoch-end", "b", c->epoch_end);
  g_variant_dict_insert_value (&d, "order-rng", rng_variant (&c->order_rng));
  g_variant_dict_insert_value (&d, "shuffle-rng", rng_variant (&c->shuffle_rng));
  g_variant_dict_insert_value (&d, "augment-rng", rng_variant (&c->augment_rng));
  g_variant_dict_insert (&d, "train-n", "i", c->train_n);
  g_variant_dict_insert (&d, "train-crc", "u", c->train_crc);
  g_variant_dict_insert (&d, "epoch-loss-sum", "d", c->epoch_loss_sum);
  g_variant_dict_insert (&d, "epoch-correct", "x", c->epoch_correct);
  g_variant_dict_insert (&d, "batches-since-eval", "i", c->batches_since_eval);
  g_variant_dict_insert (&d, "elapsed", "d", c->elapsed);
  g_variant_dict_insert (&d, "last-loss", "d", (double) c->last_loss);
  g_variant_dict_insert (&d, "good-loss", "d", (double) c->good_loss);
  /* The recipe; floats go through doubles exactly. */
  g_variant_dict_insert (&d, "lr", "d", (double) cfg->hyper.lr);
  g_variant_dict_insert (&d, "momentum", "d", (double) cfg->hyper.momentum);
  g_variant_dict_insert (&d, "weight-decay", "d", (double) cfg->hyper.weight_decay);
  g_variant_dict_insert (&d, "optimizer", "s", optimizer_names[cfg->hyper.optimizer]);
  g_variant_dict_insert (&d, "reduce", "s", reduce_names[cfg->hyper.reduce]);
  g_variant_dict_insert (&d, "beta1", "d", (double) cfg->hyper.beta1);
  g_variant_dict_insert (&d, "beta2", "d", (double) cfg->hyper.beta2);
  g_variant_dict_insert (&d, "eps", "d", (double) cfg->hyper.eps);
  g_variant_dict_insert (&d, "batch", "i", cfg->batch);
  g_variant_dict_insert (&d, "epochs", "i", cfg->epochs);
  g_variant_dict_insert (&d, "seed", "t", cfg->seed);
  g_variant_dict_insert (&d, "schedule", "s", schedule_names[cfg->schedule]);
  g_variant_dict_insert (&d, "schedule-gamma", "d", (double) cfg->schedule_gamma);
  g_variant_dict_insert (&d, "schedule-step", "i", cfg->schedule_step);
  g_variant_dict_insert (&d, "augment", "b", cfg->augment);
  g_variant_dict_insert (&d, "eval-every", "i", cfg->eval_every);
  g_variant_dict_insert (&d, "threads", "i", cfg->threads);
  g_variant_dict_insert (&d, "schedule-warmup", "d", (double) cfg->schedule_warmup);
  g_variant_dict_insert (&d, "augment-kinds", "u", cfg->augment_kinds);
  g_variant_dict_insert (&d, "tune", "b", cfg->tune);
  g_variant_dict_insert (&d, "average", "d", (double) cfg->hyper.average);
  insert_net_config (&d, c);
  v = g_variant_ref_sink (g_variant_dict_end (&d));
  return g_variant_get_data_as_bytes (v);
}

gboolean
dl_checkpoint_save (const DlCheckpoint *ckpt, const char *path, char **sha256, GError **error)
{
  g_autoptr (GBytes) record = record_to_bytes (ckpt);
  DlModelState state = {
    .net = ckpt->net_state,
    .n_opt_state = DL_NET_STATE_BLOCKS * ckpt->n_params,
    .opt_state = ckpt->opt_state,
    .trainer = record,
  };
  DlModelParts parts = {
    .arch = ckpt->config->arch,
    .seed = ckpt->net_seed,
    .n_params = ckpt->n_params,
    .params = ckpt->params,
    .state = &state,
  };

  return dl_model_save_parts (&parts, path, sha256, error);
}

/* Reading the record: every key there, of its type and in its range, or an error that names it. */
typedef struct {
  GVariantDict *dict;
  const char   *path;
  GError      **error;
  gboolean      ok;
} Reader;

static gboolean
bad (Reader *r, const char *key, const char *expected)
{
  if (r->ok)
    g_set_error (r->error, DL_MODEL_ERROR, DL_MODEL_ERROR_FORMAT,
                 _("%s: the checkpoint's training record has no valid \"%s\" (expected %s)"), r->path, key, expected);
  r->ok = FALSE;
  return FALSE;
}

/* g_variant_dict_lookup when nothing failed yet; a missing or mistyped key fails. */
static gboolean
look (Reader *r, const char *key, const char *type, const char *expected, ...)
{
  g_autoptr (GVariant) v = NULL;
  va_list ap;

  if (!r->ok)
    return FALSE;
  v = g_variant_dict_lookup_value (r->dict, key, G_VARIANT_TYPE (type));
  if (v == NULL)
    return bad (r, key, expected);
  va_start (ap, expected);
  g_variant_get_va (v, type, NULL, &ap);
  va_end (ap);
  return TRUE;
}

static gint64
get_int (Reader *r, const char *key, gint64 min, gint64 max)
{
  gint32 v = 0;
  g_autofree char *range = g_strdup_printf (_("a whole number from %lld to %lld"), (long long) min,
                                            (long long) max);

  if (look (r, key, "i", range, &v) && (v < min || v > max))
    bad (r, key, range);
  return v;
}

static double
get_double (Reader *r, const char *key, double min, double max)
{
  double v = 0.0;
  g_autofree char *range = g_strdup_printf (_("a number from %g to %g"), min, max);

  if (look (r, key, "d", range, &v) && !(v >= min && v <= max))
    bad (r, key, range);
  return v;
}

static int
get_name (Reader *r, const char *key, const char *const *names)
{
  g_autofree char *s = NULL;
  g_autofree char *list = g_strjoinv (", ", (char **) names);

  if (!look (r, key, "s", list, &s))
    return 0;
  for (int i = 0; names[i] != NULL; i++)
    if (g_str_equal (s, names[i]))
      return i;
  bad (r, key, list);
  return 0;
}

static void
get_rng (Reader *r, const char *key, DlRng *rng)
{
  if (look (r, key, "(tttt)", _("four 64-bit words"), &rng->s[0], &rng->s[1], &rng->s[2], &rng->s[3])
      && (rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    bad (r, key, _("a random stream that is not all zero"));
}

static void
read_recipe (Reader *r, DlTrainConfig *cfg)
{
  cfg->hyper.lr = (float) get_double (r, "lr", 1e-30, 1e30);
  cfg->hyper.momentum = (float) get_double (r, "momentum", 0.0, 1e6);
  cfg->hyper.weight_decay = (float) get_double (r, "weight-decay", 0.0, 1e6);
  cfg->hyper.optimizer = (DlOptimizer) get_name (r, "optimizer", optimizer_names);
  cfg->hyper.reduce = (DlReduce) get_name (r, "reduce", reduce_names);
  cfg->hyper.beta1 = (float) get_double (r, "beta1", 0.0, 1.0);
  cfg->hyper.beta2 = (float) get_double (r, "beta2", 0.0, 1.0);
  cfg->hyper.eps = (float) get_double (r, "eps", 0.0, 1.0);
  cfg->batch = (int) get_int (r, "batch", 1, DL_MAX_BATCH);
  cfg->epochs = (int) get_int (r, "epochs", 1, G_MAXINT32);
  look (r, "seed", "t", _("a 64-bit seed"), &cfg->seed);
  cfg->schedule = (DlSchedule) get_name (r, "schedule", schedule_names);
  cfg->schedule_gamma = (float) get_double (r, "schedule-gamma", 0.0, 1e6);
  cfg->schedule_step = (int) get_int (r, "schedule-step", 0, G_MAXINT32);
  look (r, "augment", "b", _("true or false"), &cfg->augment);
  cfg->eval_every = (int) get_int (r, "eval-every", 0, G_MAXINT32);
  cfg->threads = (int) get_int (r, "threads", 0, 64);
}

/* Format 2's recipe fields. */
static void
read_recipe_2 (Reader *r, DlTrainConfig *cfg)
{
  cfg->schedule_warmup = (float) get_double (r, "schedule-warmup", 0.0, 1e6);
  if (look (r, "augment-kinds", "u", _("augmentation kinds"), &cfg->augment_kinds)
      && (cfg->augment_kinds & ~(guint) (DL_AUGMENT_AFFINE | DL_AUGMENT_ELASTIC)) != 0)
    bad (r, "augment-kinds", _("the kinds affine and elastic"));
  look (r, "tune", "b", _("true or false"), &cfg->tune);
}

static int
conv_algo_by_name (const char *name)
{
  for (int algo = 0; algo < DL_CONV_N_ALGOS; algo++)
    if (strcmp (name, dl_conv_algo_name (algo)) == 0)
      return algo;
  return -1;
}

/* The conv layers' algorithms, by name in layer order. */
static void
read_conv_algos (Reader *r, const DlArch *arch, DlNetConfig *config)
{
  g_autoptr (GVariant) v = NULL;
  g_autofree const char **names = NULL;
  const char *expected = "an algorithm name (im2col, direct, im2col-kept) for each conv layer";
  gsize n = 0, j = 0;

  if (!r->ok)
    return;
  v = g_variant_dict_lookup_value (r->dict, "net-conv", G_VARIANT_TYPE_STRING_ARRAY);
  if (v == NULL)
    {
      bad (r, "net-conv", expected);
      return;
    }
  names = g_variant_get_strv (v, &n);
  for (int i = 0; i < arch->n_layers && r->ok; i++)
    if (arch->layers[i].kind == DL_LAYER_CONV)
      {
        int algo = j < n ? conv_algo_by_name (names[j++]) : -1;
        if (algo < 0)
          bad (r, "net-conv", expected);
        else
          config->conv[i] = (DlConvAlgo) algo;
      }
  if (r->ok && j != n)
    bad (r, "net-conv", expected);
}

/* How the network computed (format 2). A kernel this machine cannot run gives the linked one. */
static void
read_net_config (Reader *r, const DlArch *arch, DlNetConfig *config)
{
  g_autofree char *blas = NULL;

  config->threads = (int) get_int (r, "net-threads", 1, DL_TEAM_MAX);
  config->split = (DlSplit) get_name (r, "net-split", split_names);
  if (look (r, "net-blas", "s", _("an OpenBLAS core name"), &blas))
    {
      config->blas = dl_blas_kernel_load (blas, NULL);
      if (config->blas == NULL)
        config->blas = dl_blas_kernel ();
    }
  read_conv_algos (r, arch, config);
}

static void
read_record (Reader *r, const DlArch *arch, DlCheckpoint *c)
{
  guint32 format = 0;
  double last_loss, good_loss;

  if (look (r, "format", "u", _("the record format 1, 2 or 3"), &format) && (format < 1 || format > RECORD_FORMAT))
    bad (r, "format", _("the record format 1, 2 or 3"));
  look (r, "run-serial", "u", _("a run number"), &c->run_serial);
  if (look (r, "step", "x", _("a step count"), &c->step) && c->step < 0)
    bad (r, "step", _("a step count"));
  c->epoch = (int) get_int (r, "epoch", 0, G_MAXINT32);
  c->train_n = (int) get_int (r, "train-n", 1, G_MAXINT32);
  c->pos = (int) get_int (r, "pos", 0, r->ok ? c->train_n - 1 : 0);
  look (r, "epoch-end", "b", _("true or false"), &c->epoch_end);
  if (r->ok && c->epoch_end && c->pos != 0)
    bad (r, "pos", _("0 at an end of epoch"));
  get_rng (r, "order-rng", &c->order_rng);
  get_rng (r, "shuffle-rng", &c->shuffle_rng);
  get_rng (r, "augment-rng", &c->augment_rng);
  look (r, "train-crc", "u", _("a CRC-32"), &c->train_crc);
  c->epoch_loss_sum = get_double (r, "epoch-loss-sum", 0.0, G_MAXDOUBLE);
  if (look (r, "epoch-correct", "x", _("a count"), &c->epoch_correct) && (c->epoch_correct < 0 || c->epoch_correct > c->pos))
    bad (r, "epoch-correct", _("a count no larger than pos"));
  c->batches_since_eval = (int) get_int (r, "batches-since-eval", 0, G_MAXINT32);
  c->elapsed = get_double (r, "elapsed", 0.0, G_MAXDOUBLE);
  last_loss = get_double (r, "last-loss", 0.0, G_MAXFLOAT);
  good_loss = get_double (r, "good-loss", 0.0, G_MAXFLOAT);
  c->last_loss = (float) last_loss;
  c->good_loss = (float) good_loss;
  read_recipe (r, c->config);
  dl_net_config_init (&c->net_config);
  c->net_config.threads = MAX (c->config->threads, 1);
  if (format >= 2)
    {
      read_recipe_2 (r, c->config);
      read_net_config (r, arch, &c->net_config);
    }
  /* Format 3 added weight averaging. */
  if (format >= 3)
    c->config->hyper.average = (float) get_double (r, "average", 0.0, 1e9);
}

DlCheckpoint *
dl_checkpoint_load (const char *path, GError **error)
{
  g_auto (DlModelState) state = { 0 };
  g_autoptr (DlNet) net = NULL;
  g_autoptr (GVariant) v = NULL;
  g_autoptr (DlCheckpoint) c = NULL;
  gboolean has_state = FALSE;
  GVariantDict dict;
  Reader r = { &dict, path, error, TRUE };

  net = dl_model_load_state (path, &state, &has_state, error);
  if (net == NULL)
    return NULL;
  if (!has_state)
    {
      g_set_error (error, DL_MODEL_ERROR, DL_MODEL_ERROR_FORMAT,
                   _("%s: a model without a training state, not a checkpoint: it can be loaded as a model"), path);
      return NULL;
    }
  c = dl_checkpoint_new (dl_net_n_params (net));
  memcpy (c->params, dl_net_params (net), sizeof (float) * c->n_params);
  memcpy (c->opt_state, state.opt_state, sizeof (float) * state.n_opt_state);
  c->net_state = state.net;
  c->net_seed = dl_net_get_seed (net);
  c->config = g_new0 (DlTrainConfig, 1);
  c->config->arch = dl_arch_to_string (dl_net_arch (net));

  v = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, state.trainer, FALSE));
  g_variant_dict_init (&dict, v);
  read_record (&r, dl_net_arch (net), c);
  g_variant_dict_clear (&dict);
  return r.ok ? g_steal_pointer (&c) : NULL;
}

/* ---- retention ---- */

typedef struct {
  gint64 step;
  gsize  index;
} Other;

static int
by_step_descending (gconstpointer a, gconstpointer b)
{
  gint64 x = ((const Other *) a)->step, y = ((const Other *) b)->step;

  return (x < y) - (x > y);
}

void
dl_checkpoint_retain (const DlCheckpointInfo *info, gsize n, guint keep_others, gboolean *keep)
{
  g_autofree Other *others = g_new (Other, MAX (n, 1));
  gsize n_others = 0;

  for (gsize i = 0; i < n; i++)
    {
      keep[i] = info[i].epoch_end || info[i].pinned;
      if (!keep[i])
        others[n_others++] = (Other) { info[i].step, i };
    }
  qsort (others, n_others, sizeof *others, by_step_descending);
  for (gsize i = 0; i < MIN (n_others, keep_others); i++)
    keep[others[i].index] = TRUE;
}
