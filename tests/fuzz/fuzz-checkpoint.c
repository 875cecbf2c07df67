/* fuzz-checkpoint.c — checkpoint files (dl_checkpoint_load): a model file whose training-state section
 * carries the optimiser state and the training loop's record, a GVariant dictionary.
 *
 * Three inputs per run: the bytes as a file; a valid checkpoint with the bytes as its training record
 * (lengths and CRC made right, so everything reaches the GVariant reader); and that valid checkpoint with
 * the bytes read as edits (offset, xor) and the CRC fixed, so that mutations land in the section's fixed
 * fields too. Never a crash or an abort on allocation; what loads is in range and survives a save and a
 * reload unchanged.
 */
#include "fuzz-checkpoint-common.h"
#include "dl-model.h"

#include <string.h>
#include <zlib.h>

static GByteArray *base;        /* a valid checkpoint file */
static gsize section_at;        /* where its training-state section starts */
static gsize record_len_at;     /* where its record's u64 length is; the record follows it */

static guint64
get_u64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

static void
put_u64 (guint8 *p, guint64 v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, 8);
}

static void
fix_crc (GByteArray *b)
{
  guint32 crc = GUINT32_TO_LE ((guint32) crc32 (0L, b->data, (uInt) (b->len - 4)));
  memcpy (b->data + b->len - 4, &crc, 4);
}

/* A valid checkpoint file, and where its section and its record are. */
static void
make_base (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlCheckpoint) c = fuzz_make_checkpoint ();

  g_autofree char *path = g_build_filename (fuzz_scratch_dir (), "base.dlm", NULL);
  FUZZ_ASSERT (dl_checkpoint_save (c, path, NULL, &error));
  g_autofree char *contents = NULL;
  gsize len = 0;
  FUZZ_ASSERT (g_file_get_contents (path, &contents, &len, NULL));
  base = g_byte_array_new ();
  g_byte_array_append (base, (guint8 *) contents, (guint) len);

  /* The section (version 6): tag, u64 size, 56 fixed bytes, u64 n_opt, n_opt floats, u64 record length,
   * record. */
  const guint8 *tag = memmem (base->data, base->len, "DLSTATE", 8);
  FUZZ_ASSERT (tag != NULL);
  section_at = (gsize) (tag - base->data);
  record_len_at = section_at + 16 + 64 + 4 * get_u64 (base->data + section_at + 16 + 56);
  FUZZ_ASSERT (record_len_at + 8 + get_u64 (base->data + record_len_at) + 4 == base->len);
}

static void
check_loaded (DlCheckpoint *c)
{
  FUZZ_ASSERT (c->config != NULL && c->config->arch != NULL);
  FUZZ_ASSERT (c->step >= 0 && c->train_n >= 1 && c->pos >= 0 && c->pos < c->train_n);
  FUZZ_ASSERT (!c->epoch_end || c->pos == 0);
  FUZZ_ASSERT (c->config->batch >= 1 && c->config->batch <= DL_MAX_BATCH);

  g_autofree char *path = g_build_filename (fuzz_scratch_dir (), "round-trip.dlm", NULL);
  FUZZ_ASSERT (dl_checkpoint_save (c, path, NULL, NULL));
  g_autoptr (DlCheckpoint) back = dl_checkpoint_load (path, NULL);
  FUZZ_ASSERT (back != NULL);
  FUZZ_ASSERT (back->n_params == c->n_params && back->step == c->step && back->pos == c->pos);
  FUZZ_ASSERT (memcmp (back->params, c->params, 4 * c->n_params) == 0);
  FUZZ_ASSERT (memcmp (back->opt_state, c->opt_state, 16 * c->n_params) == 0);
  FUZZ_ASSERT (back->config->batch == c->config->batch && back->config->seed == c->config->seed);
  FUZZ_ASSERT (g_str_equal (back->config->arch, c->config->arch));
}

static void
load (const guint8 *data, size_t size)
{
  FuzzFile f;
  g_autoptr (GError) error = NULL;

  fuzz_file_open (&f, data, size);
  g_autoptr (DlCheckpoint) c = dl_checkpoint_load (f.path, &error);
  fuzz_file_close (&f);
  FUZZ_ASSERT ((c == NULL) != (error == NULL));
  if (c == NULL)
    FUZZ_ASSERT (error->domain == DL_MODEL_ERROR && error->message[0] != '\0');
  else
    check_loaded (c);
}

/* The valid checkpoint with `record` as its training record. */
static void
load_with_record (const guint8 *record, size_t size)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();

  g_byte_array_append (b, base->data, (guint) (record_len_at + 8));
  g_byte_array_append (b, record, (guint) size);
  g_byte_array_set_size (b, b->len + 4);
  put_u64 (b->data + record_len_at, size);
  put_u64 (b->data + section_at + 8, b->len - 4 - (section_at + 16));
  fix_crc (b);
  load (b->data, b->len);
}

/* The valid checkpoint with each (u16 where, u8 xor) of the input applied: an odd `where` edits the training
 * record, an even one the section's header and fixed fields (the parameters and the optimiser's floats in
 * between are fuzz-model's ground, and any value of theirs is valid). */
static void
load_edited (const guint8 *data, size_t size)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  gsize fixed_len = 16 + 56, record_at = record_len_at, record_len = base->len - 4 - record_at;

  g_byte_array_append (b, base->data, base->len);
  for (size_t i = 0; i + 3 <= size; i += 3)
    {
      guint where = data[i] | data[i + 1] << 8;
      gsize at = where & 1 ? record_at + (where >> 1) % record_len : section_at + (where >> 1) % fixed_len;
      b->data[at] ^= data[i + 2];
    }
  fix_crc (b);
  load (b->data, b->len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  if (base == NULL)
    make_base ();
  load (data, size);
  load_with_record (data, size);
  load_edited (data, size);
  return 0;
}
