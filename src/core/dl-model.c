/* dl-model.c — model files (layout in dl-model.h): written whole through a temporary file, and on load
 * every field is checked before it is trusted, with the problem named by file and byte. */
#include "config.h"

#include "dl-model.h"
#include "dl-net-private.h"
#include "dl-file.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <zlib.h>

G_DEFINE_QUARK (dl-model-error-quark, dl_model_error)

static const char MAGIC[8] = "DLMODEL";  /* with its terminating NUL: 8 bytes */
#define MAX_ARCH_LEN 4096
/* Header, the longest architecture string, and the parameters of the largest network dl_arch_parse
 * accepts (5 floats of memory per parameter within DL_ARCH_MAX_BYTES). */
#define MAX_FILE_BYTES (32 + MAX_ARCH_LEN + 4 * (DL_ARCH_MAX_BYTES / 20) + 4)

static void
put_u32 (GByteArray *b, guint32 v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 4);
}

static void
put_u64 (GByteArray *b, guint64 v)
{
  v = GUINT64_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 8);
}

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static guint64
get_u64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

typedef struct {
  DlNet      *net;
  const char *arch;
} SaveJob;

/* The oldest version that holds the architecture, so that older Digit Labs still read every file they
 * can: 5 for a batch-normalised layer, 4 for a std layer, else 3. */
static gboolean
has_std (const DlArch *arch)
{
  return arch->n_layers > 0 && arch->layers[0].kind == DL_LAYER_STD;
}

static gboolean
has_bn (const DlArch *arch)
{
  for (int i = 0; i < arch->n_layers; i++)
    if (arch->layers[i].bn)
      return TRUE;
  return FALSE;
}

static guint32
version_for (const DlArch *arch)
{
  return has_bn (arch) ? 5 : has_std (arch) ? 4 : 3;
}

/* Header, parameters (little-endian, in chunks) and the CRC-32 of both, straight to the temporary file. */
static gboolean
write_model (int fd, gpointer user_data, GError **error)
{
  SaveJob *job = user_data;
  gsize n = dl_net_n_params (job->net);
  /* The model, averaged when the net averages its weights: what was evaluated is what is saved. */
  const float *params = dl_net_model_params (job->net);
  GByteArray *b = g_byte_array_sized_new (32 + strlen (job->arch));
  guint32 chunk[16384];
  uLong crc;
  gboolean ok;

  g_byte_array_append (b, (const guint8 *) MAGIC, sizeof MAGIC);
  put_u32 (b, version_for (dl_net_arch (job->net)));
  put_u32 (b, (guint32) strlen (job->arch));
  g_byte_array_append (b, (const guint8 *) job->arch, strlen (job->arch));
  put_u64 (b, dl_net_get_seed (job->net));
  put_u64 (b, n);
  crc = crc32 (0L, b->data, b->len);
  ok = dl_file_write_all (fd, b->data, b->len, error);
  g_byte_array_unref (b);
  for (gsize i = 0; ok && i < n; i += G_N_ELEMENTS (chunk))
    {
      gsize m = MIN (n - i, G_N_ELEMENTS (chunk));
      memcpy (chunk, params + i, 4 * m);
      for (gsize j = 0; j < m; j++)
        chunk[j] = GUINT32_TO_LE (chunk[j]);
      crc = crc32 (crc, (const Bytef *) chunk, (uInt) (4 * m));
      ok = dl_file_write_all (fd, chunk, 4 * m, error);
    }
  guint32 tail = GUINT32_TO_LE ((guint32) crc);
  return ok && dl_file_write_all (fd, &tail, 4, error);
}

gboolean
dl_model_save (DlNet *net, const char *path, GError **error)
{
  g_autofree char *arch = dl_arch_to_string (dl_net_arch (net));
  SaveJob job = { net, arch };
  g_autoptr (GError) local = NULL;

  if (dl_file_save (path, write_model, &job, &local))
    return TRUE;
  g_set_error (error, DL_MODEL_ERROR, DL_MODEL_ERROR_IO, _("cannot save the model: %s"), local->message);
  return FALSE;
}

static gboolean
format_error (GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
format_error (GError **error, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, DL_MODEL_ERROR, DL_MODEL_ERROR_FORMAT, "%s: %s", path, msg);
  return FALSE;
}

static gboolean
arch_has_only_dense (const DlArch *arch)
{
  for (int i = 0; i < arch->n_layers; i++)
    if (arch->layers[i].kind != DL_LAYER_DENSE)
      return FALSE;
  return TRUE;
}

static gboolean
checksum_at (const guint8 *p, gsize at)
{
  return get_u32 (p + at) == (guint32) crc32 (0L, p, (uInt) at);
}

static gboolean read_state_section (const guint8 *p, gsize at, gsize end, guint32 version, guint64 n_params,
                                    const char *path, DlModelState *state, GError **error);

/* dl_model_load; the training-state section, when there is one, into *state (NULL: only checked). */
static DlNet *
load_model (const char *path, DlModelState *state, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  /* A regular file (never a FIFO or a device), no larger than the largest network dl_arch_parse accepts. */
  if (!dl_file_read_all (path, MAX_FILE_BYTES, &data, &len, &local))
    {
      g_set_error (error, DL_MODEL_ERROR, DL_MODEL_ERROR_IO, _("cannot read the model: %s"), local->message);
      return NULL;
    }
  const guint8 *p = data;

  if (len < sizeof MAGIC || memcmp (p, MAGIC, sizeof MAGIC) != 0)
    return format_error (error, path, _("not a Digit Lab model (it does not begin with \"DLMODEL\")")), NULL;
  if (len < 16)
    return format_error (error, path, _("truncated at byte %zu: expected a version and an architecture length"),
                         (size_t) len), NULL;
  guint32 version = get_u32 (p + 8);
  if (version == 0 || version > DL_MODEL_VERSION)
    return format_error (error, path, _("format version %u at byte 8 is not one this Digit Lab reads (1 to %d)%s"),
                         version, DL_MODEL_VERSION, version > DL_MODEL_VERSION ? "; it was written by a newer version" : ""),
           NULL;
  guint32 arch_len = get_u32 (p + 12);
  if (arch_len == 0 || arch_len > MAX_ARCH_LEN)
    return format_error (error, path, _("architecture length %u at byte 12 is out of range (1 to %d)"), arch_len,
                         MAX_ARCH_LEN), NULL;
  gsize off = 16;
  if (len < off + arch_len + 16)
    return format_error (error, path, _("truncated at byte %zu: expected %u bytes of architecture, a seed and a parameter count"),
                         (size_t) len, arch_len), NULL;
  g_autofree char *arch_str = g_strndup ((const char *) p + off, arch_len);
  off += arch_len;
  guint64 seed = get_u64 (p + off);
  guint64 n_params = get_u64 (p + off + 8);
  off += 16;

  /* Sizes first, so that a corrupt count is caught before it is multiplied. */
  if (n_params > (G_MAXSIZE - off - 4) / 4)
    return format_error (error, path, _("parameter count %llu at byte %zu is impossibly large"),
                         (unsigned long long) n_params, (size_t) (off - 8)), NULL;
  gsize expected = off + 4 * n_params + 4;
  if (len < expected)
    return format_error (error, path, _("truncated at byte %zu: expected %llu bytes of parameters"),
                         (size_t) len, (unsigned long long) (4 * n_params)), NULL;
  /* Version 3 may hold a section there; a plain file's checksum right after the parameters says it has
   * bytes appended. */
  if (len > expected && (version < 3 || checksum_at (p, expected - 4)))
    return format_error (error, path, _("%zu unexpected bytes after the checksum at byte %zu"),
                         (size_t) (len - expected), (size_t) (expected - 4)), NULL;

  /* The checksum before the architecture: a damaged byte anywhere is reported as damage. */
  guint32 stored = get_u32 (p + len - 4);
  guint32 actual = (guint32) crc32 (0L, p, (uInt) (len - 4));
  if (stored != actual)
    {
      g_set_error (error, DL_MODEL_ERROR, DL_MODEL_ERROR_CHECKSUM,
                   _("%s: checksum mismatch — the file was altered or damaged (stored CRC-32 %08x, contents give %08x)"),
                   path, stored, actual);
      return NULL;
    }
  /* Version 3: an optional training-state section between the parameters and the checksum. */
  if (!read_state_section (p, expected - 4, len - 4, version, n_params, path, state, error))
    return NULL;

  DlArch arch;
  g_autoptr (GError) parse_error = NULL;
  if (!dl_arch_parse (arch_str, &arch, &parse_error))
    return format_error (error, path, _("the architecture at byte 16 is not valid: %s"), parse_error->message), NULL;
  if (version == 1 && !arch_has_only_dense (&arch))
    return format_error (error, path, _("a version 1 file holds dense layers only, but its architecture is \"%s\""),
                         arch_str), NULL;
  if (version < 4 && has_std (&arch))
    return format_error (error, path, _("a version %u file cannot hold a std layer (version 4 added it), but its "
                                        "architecture is \"%s\""), version, arch_str), NULL;
  if (version < 5 && has_bn (&arch))
    return format_error (error, path, _("a version %u file cannot hold a batch-normalised layer (version 5 added "
                                        "it), but its architecture is \"%s\""), version, arch_str), NULL;

  /* The count before the network: building it is the first allocation that the architecture sizes. */
  if (dl_arch_n_params (&arch) != n_params)
    return format_error (error, path, _("the architecture \"%s\" has %llu parameters but the file holds %llu"), arch_str,
                         (unsigned long long) dl_arch_n_params (&arch), (unsigned long long) n_params), NULL;
  g_autoptr (GError) alloc_error = NULL;
  DlNet *net = dl_net_try_new (&arch, seed, &alloc_error);
  if (net == NULL)
    {
      g_set_error (error, DL_MODEL_ERROR, DL_MODEL_ERROR_IO, "%s: %s", path, alloc_error->message);
      return NULL;
    }
  float *params = dl_net_params (net);
  for (gsize i = 0; i < n_params; i++)
    {
      guint32 bits = get_u32 (p + off + 4 * i);
      memcpy (&params[i], &bits, 4);
    }
  return net;
}

/* ---- the training-state section (version 3): checkpoints ---- */

static const char STATE_TAG[8] = "DLSTATE";  /* with its NUL: 8 bytes */
/* The section's fields before and between its two arrays: version 6 adds the average's step count. */
#define STATE_FIXED_BYTES_V3 64
#define STATE_FIXED_BYTES    72
#define STATE_VERSION        6   /* what a checkpoint is written as */

static void
append_state_section (GByteArray *b, const DlModelState *st)
{
  g_byte_array_append (b, (const guint8 *) STATE_TAG, sizeof STATE_TAG);
  put_u64 (b, STATE_FIXED_BYTES + 4 * st->n_opt_state + (st->trainer ? g_bytes_get_size (st->trainer) : 0));
  put_u32 (b, st->net.opt_started ? 1 : 0);
  put_u32 (b, (guint32) st->net.opt_last);
  put_u64 (b, (guint64) st->net.adam_t);
  for (int i = 0; i < 4; i++)
    put_u64 (b, st->net.rng[i]);
  put_u64 (b, (guint64) st->net.avg_t);
  put_u64 (b, st->n_opt_state);
  for (gsize i = 0; i < st->n_opt_state; i++)
    {
      guint32 bits;
      memcpy (&bits, &st->opt_state[i], 4);
      put_u32 (b, bits);
    }
  put_u64 (b, st->trainer ? g_bytes_get_size (st->trainer) : 0);
  if (st->trainer != NULL)
    g_byte_array_append (b, g_bytes_get_data (st->trainer, NULL), (guint) g_bytes_get_size (st->trainer));
}

gboolean
dl_model_save_parts (const DlModelParts *m, const char *path, char **sha256, GError **error)
{
  gsize extra = m->state ? 24 + STATE_FIXED_BYTES + 4 * m->state->n_opt_state : 0;
  g_autoptr (GError) local = NULL;
  GByteArray *b;
  gboolean ok;

  g_return_val_if_fail (m->state == NULL || m->state->n_opt_state == DL_NET_STATE_BLOCKS * m->n_params, FALSE);
  b = g_byte_array_sized_new (32 + strlen (m->arch) + 4 * m->n_params + extra);
  g_byte_array_append (b, (const guint8 *) MAGIC, sizeof MAGIC);
  DlArch arch;
  guint32 version = dl_arch_parse (m->arch, &arch, NULL) ? version_for (&arch) : DL_MODEL_VERSION;
  put_u32 (b, m->state ? MAX (version, STATE_VERSION) : version);
  put_u32 (b, (guint32) strlen (m->arch));
  g_byte_array_append (b, (const guint8 *) m->arch, strlen (m->arch));
  put_u64 (b, m->seed);
  put_u64 (b, m->n_params);
  for (gsize i = 0; i < m->n_params; i++)
    {
      guint32 bits;
      memcpy (&bits, &m->params[i], 4);
      put_u32 (b, bits);
    }
  if (m->state != NULL)
    append_state_section (b, m->state);
  put_u32 (b, (guint32) crc32 (0L, b->data, b->len));

  /* Through dl_file_save like every model: a symlink followed, a FIFO or device refused, a killed save's
   * temporary file swept by the next one. */
  ok = dl_file_save_bytes (path, b->data, b->len, &local);
  if (ok && sha256 != NULL)
    *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, b->data, b->len);
  g_byte_array_unref (b);
  if (!ok)
    g_set_error (error, DL_MODEL_ERROR, DL_MODEL_ERROR_IO, _("cannot save the checkpoint: %s"), local->message);
  return ok;
}

/* The bytes [at, end) between the parameters and the checksum: nothing, or exactly one training-state
 * section for n_params parameters, laid out as `version` says (before 6: no average). Every length is
 * checked against what is left before it is used. The state comes out in the current layout: an older
 * section's missing average is zeros, not started. */
static gboolean
read_state_section (const guint8 *p, gsize at, gsize end, guint32 version, guint64 n_params, const char *path,
                    DlModelState *state, GError **error)
{
  const gboolean has_avg = version >= STATE_VERSION;
  const int fixed = has_avg ? STATE_FIXED_BYTES : STATE_FIXED_BYTES_V3;
  const guint64 blocks = has_avg ? DL_NET_STATE_BLOCKS : 3;   /* before 6: velocity, Adam m, Adam v */
  /* Where the fields are, from the tag at `at`. */
  const gsize body = at + 16, avg_at = body + 48, opt_at = body + fixed - 16, floats = body + fixed - 8;
  guint64 size, n_opt, trainer_len;
  guint32 started, opt_last;
  gsize left;

  if (at == end)
    return TRUE;
  if (end - at < 16 || memcmp (p + at, STATE_TAG, sizeof STATE_TAG) != 0)
    return format_error (error, path, _("%zu unexpected bytes after the parameters at byte %zu: expected a "
                           "training-state section (\"DLSTATE\")"), (size_t) (end - at), (size_t) at);
  size = get_u64 (p + at + 8);
  left = end - body;
  if (size != left)
    return format_error (error, path, _("the training-state section at byte %zu says it holds %llu bytes, but %zu come "
                           "before the checksum"), (size_t) at, (unsigned long long) size, (size_t) left);
  if (left < (gsize) fixed)
    return format_error (error, path, _("the training-state section at byte %zu is truncated: %zu bytes, expected "
                           "at least %d"), (size_t) at, (size_t) left, fixed);
  started = get_u32 (p + body);
  opt_last = get_u32 (p + body + 4);
  if (started > 1 || opt_last > DL_OPT_ADAM)
    return format_error (error, path, _("the optimiser state at byte %zu is not valid (started %u, optimiser %u)"),
                         (size_t) body, started, opt_last);
  if (has_avg && get_u64 (p + avg_at) > G_MAXINT64)
    return format_error (error, path, _("the weight average's step count at byte %zu is not valid"), (size_t) avg_at);
  n_opt = get_u64 (p + opt_at);
  if (n_opt != blocks * n_params)
    return format_error (error, path, _("the training-state section at byte %zu holds %llu optimiser values, expected %llu "
                           "(%d per parameter)"),
                         (size_t) opt_at, (unsigned long long) n_opt, (unsigned long long) (blocks * n_params), (int) blocks);
  /* left ≥ fixed, so end ≥ floats + 8 */
  if ((end - floats - 8) / 4 < n_opt)
    return format_error (error, path, _("the training-state section at byte %zu is truncated: expected %llu bytes of "
                           "optimiser state"), (size_t) floats, (unsigned long long) (4 * n_opt));
  trainer_len = get_u64 (p + floats + 4 * n_opt);
  if (trainer_len != end - (floats + 4 * n_opt + 8))
    return format_error (error, path, _("the trainer record at byte %zu says it holds %llu bytes, but %zu are left"),
                         (size_t) (floats + 4 * n_opt), (unsigned long long) trainer_len,
                         (size_t) (end - (floats + 4 * n_opt + 8)));
  if (state == NULL)
    return TRUE;

  state->net.opt_started = started != 0;
  state->net.opt_last = (DlOptimizer) opt_last;
  state->net.adam_t = (gint64) get_u64 (p + body + 8);
  for (int i = 0; i < 4; i++)
    state->net.rng[i] = get_u64 (p + body + 16 + 8 * i);
  state->net.avg_t = has_avg ? (gint64) get_u64 (p + avg_at) : 0;
  state->n_opt_state = DL_NET_STATE_BLOCKS * n_params;
  state->opt_state = g_new0 (float, MAX (state->n_opt_state, 1));
  for (gsize i = 0; i < n_opt; i++)
    {
      guint32 bits = get_u32 (p + floats + 4 * i);
      memcpy (&state->opt_state[i], &bits, 4);
    }
  state->trainer = g_bytes_new (p + floats + 4 * n_opt + 8, trainer_len);
  return TRUE;
}

void
dl_model_state_clear (DlModelState *state)
{
  g_clear_pointer (&state->opt_state, g_free);
  g_clear_pointer (&state->trainer, g_bytes_unref);
  memset (state, 0, sizeof *state);
}

DlNet *
dl_model_load (const char *path, GError **error)
{
  return load_model (path, NULL, error);
}

DlNet *
dl_model_load_state (const char *path, DlModelState *state, gboolean *has_state, GError **error)
{
  DlModelState st = { 0 };
  DlNet *net = load_model (path, &st, error);

  memset (state, 0, sizeof *state);
  if (net == NULL)
    {
      dl_model_state_clear (&st);
      return NULL;
    }
  if (has_state != NULL)
    *has_state = st.trainer != NULL;
  *state = st;
  return net;
}
