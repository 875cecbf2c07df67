/* dl-layer-stats.c — per-layer histograms and health of a network (see dl-layer-stats.h). */
#include "config.h"

#include "dl-layer-stats.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* GLib's rc_box counts live in uninstrumented code: tell ThreadSanitizer that the last holder's free comes
 * after every holder's reads (as src/worker/dl-tsan.h does for events). */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define TSAN_RELEASE(addr) __tsan_release ((void *) (addr))
#define TSAN_ACQUIRE(addr) __tsan_acquire ((void *) (addr))
#else
#define TSAN_RELEASE(addr) ((void) (addr))
#define TSAN_ACQUIRE(addr) ((void) (addr))
#endif

G_DEFINE_QUARK (dl-layer-stats-error-quark, dl_layer_stats_error)

#define MAGIC   "DLLS"
#define VERSION 1

void
dl_layer_param_range (const DlArch *arch, int i, gsize *offset, gsize *n_w, gsize *n_b)
{
  gsize off = 0, w = 0, b = 0, kept = 0;

  for (int j = 0; j <= i && j < arch->n_layers; j++)
    {
      const DlLayerSpec *s = &arch->layers[j];
      int in_c, in_h, in_w;
      off += w + b + kept;
      w = b = kept = 0;
      dl_arch_shape (arch, j - 1, &in_c, &in_h, &in_w);
      /* A batch-normalised layer's β and γ count as its biases; its running mean and variance follow. */
      if (s->kind == DL_LAYER_DENSE)
        w = (gsize) s->units * in_c * in_h * in_w;
      else if (s->kind == DL_LAYER_CONV)
        w = (gsize) s->units * in_c * s->kernel * s->kernel;
      else
        continue;
      b = s->units * (s->bn ? 2 : 1), kept = s->bn ? 2 * s->units : 0;
    }
  if (offset) *offset = off;
  if (n_w) *n_w = w;
  if (n_b) *n_b = b;
}

DlLayerStats *
dl_layer_stats_compute (DlNet *net, const DlHealth *health, DlNetWork *work, const float *probe, int n_probe,
                        gint64 step)
{
  const DlArch *arch = dl_net_arch (net);
  const float *params = dl_net_params (net), *grads = dl_net_grads (net);
  DlLayerStats *s = g_atomic_rc_box_new0 (DlLayerStats);
  gboolean acts = work != NULL && probe != NULL && n_probe > 0;

  s->step = step;
  s->n_layers = arch->n_layers;
  s->n_probe = acts ? n_probe : 0;
  if (acts)
    dl_net_forward (net, work, probe, n_probe, NULL);
  for (int i = 0; i < arch->n_layers; i++)
    {
      DlLayerStat *l = &s->layers[i];
      gsize off, n_w, n_b;
      dl_layer_param_range (arch, i, &off, &n_w, &n_b);
      l->n_params = n_w + n_b;
      if (l->n_params > 0)
        {
          dl_histogram_compute (&l->hist[DL_LAYER_STAT_PARAMS], params + off, l->n_params);
          dl_histogram_compute (&l->hist[DL_LAYER_STAT_GRADS], grads + off, l->n_params);
          l->present |= 1u << DL_LAYER_STAT_PARAMS | 1u << DL_LAYER_STAT_GRADS;
        }
      if (acts)
        {
          int c, h, w;
          dl_arch_shape (arch, i, &c, &h, &w);
          dl_histogram_compute (&l->hist[DL_LAYER_STAT_ACTS], dl_net_work_output (work, i),
                                (gsize) n_probe * c * h * w);
          l->present |= 1u << DL_LAYER_STAT_ACTS;
        }
      if (health != NULL && i < health->n_layers)
        {
          l->dead = health->dead[i];
          l->saturated = health->saturated[i];
        }
    }
  return s;
}

DlLayerStats *
dl_layer_stats_ref (DlLayerStats *stats)
{
  return g_atomic_rc_box_acquire (stats);
}

static void
stats_clear (gpointer stats)
{
  TSAN_ACQUIRE (stats);
}

void
dl_layer_stats_unref (DlLayerStats *stats)
{
  TSAN_RELEASE (stats);
  g_atomic_rc_box_release_full (stats, stats_clear);
}

gboolean
dl_layer_stats_has (const DlLayerStats *stats, int layer, DlLayerStatKind kind)
{
  return stats != NULL && layer >= 0 && layer < stats->n_layers && (stats->layers[layer].present >> kind & 1);
}

/* ---- the store's form ---- */

static void
put_u32 (GByteArray *a, guint32 v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (a, (const guint8 *) &v, 4);
}

static void
put_u64 (GByteArray *a, guint64 v)
{
  v = GUINT64_TO_LE (v);
  g_byte_array_append (a, (const guint8 *) &v, 8);
}

static void
put_f32 (GByteArray *a, float f)
{
  guint32 v;
  memcpy (&v, &f, 4);
  put_u32 (a, v);
}

GBytes *
dl_layer_stats_to_bytes (const DlLayerStats *stats)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_append (a, (const guint8 *) MAGIC, 4);
  put_u32 (a, VERSION);
  put_u64 (a, (guint64) stats->step);
  put_u32 (a, (guint32) stats->n_layers);
  put_u32 (a, (guint32) stats->n_probe);
  for (int i = 0; i < stats->n_layers; i++)
    {
      const DlLayerStat *l = &stats->layers[i];
      put_u64 (a, l->n_params);
      put_f32 (a, l->dead);
      put_f32 (a, l->saturated);
      put_u32 (a, l->present);
      for (int k = 0; k < DL_LAYER_N_STATS; k++)
        {
          const DlHistogram *h = &l->hist[k];
          if (!(l->present >> k & 1))
            continue;
          put_u32 (a, (guint32) h->exponent);
          put_u32 (a, h->n_nonfinite);
          put_f32 (a, h->min);
          put_f32 (a, h->max);
          for (int b = 0; b < DL_HIST_BINS; b++)
            put_u32 (a, h->counts[b]);
        }
    }
  return g_byte_array_free_to_bytes (a);
}

typedef struct {
  const guint8 *p;
  gsize         left, size;
  GError      **error;
} Reader;

static gboolean
take (Reader *r, void *out, gsize n)
{
  if (r->left < n)
    {
      g_set_error (r->error, DL_LAYER_STATS_ERROR, DL_LAYER_STATS_ERROR_FORMAT,
                   _("layer statistics cut short at byte %zu of %zu (%zu more bytes expected)"), r->size - r->left,
                   r->size, n);
      return FALSE;
    }
  memcpy (out, r->p, n);
  r->p += n;
  r->left -= n;
  return TRUE;
}

static gboolean
get_u32 (Reader *r, guint32 *v)
{
  if (!take (r, v, 4))
    return FALSE;
  *v = GUINT32_FROM_LE (*v);
  return TRUE;
}

static gboolean
get_u64 (Reader *r, guint64 *v)
{
  if (!take (r, v, 8))
    return FALSE;
  *v = GUINT64_FROM_LE (*v);
  return TRUE;
}

static gboolean
get_f32 (Reader *r, float *f)
{
  guint32 v;
  if (!get_u32 (r, &v))
    return FALSE;
  memcpy (f, &v, 4);
  return TRUE;
}

static gboolean
bad (Reader *r, const char *what, guint64 value)
{
  g_set_error (r->error, DL_LAYER_STATS_ERROR, DL_LAYER_STATS_ERROR_FORMAT,
               _("layer statistics: %s %llu out of range at byte %zu"), what, (unsigned long long) value,
               r->size - r->left);
  return FALSE;
}

static gboolean
read_histogram (Reader *r, DlHistogram *h)
{
  guint32 e;

  if (!get_u32 (r, &e))
    return FALSE;
  h->exponent = (gint32) e;
  if (h->exponent < DL_HIST_MIN_EXP || h->exponent > DL_HIST_MAX_EXP)
    return bad (r, _("histogram exponent"), e);
  if (!get_u32 (r, &h->n_nonfinite) || !get_f32 (r, &h->min) || !get_f32 (r, &h->max))
    return FALSE;
  for (int b = 0; b < DL_HIST_BINS; b++)
    if (!get_u32 (r, &h->counts[b]))
      return FALSE;
  return TRUE;
}

static gboolean
read_layer (Reader *r, DlLayerStat *l)
{
  guint64 n;

  if (!get_u64 (r, &n) || !get_f32 (r, &l->dead) || !get_f32 (r, &l->saturated) || !get_u32 (r, &l->present))
    return FALSE;
  l->n_params = n;
  if (l->present >> DL_LAYER_N_STATS)
    return bad (r, _("histogram mask"), l->present);
  for (int k = 0; k < DL_LAYER_N_STATS; k++)
    if ((l->present >> k & 1) && !read_histogram (r, &l->hist[k]))
      return FALSE;
  return TRUE;
}

DlLayerStats *
dl_layer_stats_from_bytes (GBytes *bytes, GError **error)
{
  Reader r = { .error = error };
  g_autoptr (DlLayerStats) s = g_atomic_rc_box_new0 (DlLayerStats);
  char magic[4];
  guint32 version, n_layers, n_probe;
  guint64 step;

  r.p = g_bytes_get_data (bytes, &r.size);
  r.left = r.size;
  if (!take (&r, magic, 4))
    return NULL;
  if (memcmp (magic, MAGIC, 4) != 0)
    {
      g_set_error (error, DL_LAYER_STATS_ERROR, DL_LAYER_STATS_ERROR_FORMAT,
                   _("layer statistics: not a statistics record (no \"DLLS\" at byte 0)"));
      return NULL;
    }
  if (!get_u32 (&r, &version))
    return NULL;
  if (version != VERSION)
    {
      bad (&r, _("version"), version);
      return NULL;
    }
  if (!get_u64 (&r, &step) || !get_u32 (&r, &n_layers) || !get_u32 (&r, &n_probe))
    return NULL;
  if (n_layers > DL_MAX_LAYERS)
    {
      bad (&r, _("layer count"), n_layers);
      return NULL;
    }
  s->step = (gint64) step;
  s->n_layers = (int) n_layers;
  s->n_probe = (int) n_probe;
  for (int i = 0; i < s->n_layers; i++)
    if (!read_layer (&r, &s->layers[i]))
      return NULL;
  if (r.left != 0)
    {
      bad (&r, _("trailing bytes"), r.left);
      return NULL;
    }
  return g_steal_pointer (&s);
}
