/* test-model-state.c — version 3 and 6 model files: a version 2 file as the old code wrote it still loads, a
 * plain model is still a model, and a checkpoint (a model file with the training-state section) gives back
 * its parameters, optimiser state and trainer record bit for bit; a damaged section is named. */
#include <check.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "dl-model.h"
#include "dl-test-net.h"

#define SPEC "fc16-relu,fc10,softmax"
#define N_PARAMS (784 * 16 + 16 + 16 * 10 + 10)

static char *tmpdir;

static void
setup (void)
{
  tmpdir = g_dir_make_tmp ("dl-model-state-XXXXXX", NULL);
  ck_assert_ptr_nonnull (tmpdir);
}

static void
teardown (void)
{
  GDir *d = g_dir_open (tmpdir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (tmpdir, name, NULL);
      g_unlink (p);
    }
  g_dir_close (d);
  g_rmdir (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static void
put (GByteArray *b, const void *data, gsize n)
{
  g_byte_array_append (b, data, (guint) n);
}

static void
put_u32 (GByteArray *b, guint32 v)
{
  v = GUINT32_TO_LE (v);
  put (b, &v, 4);
}

static void
put_u64 (GByteArray *b, guint64 v)
{
  v = GUINT64_TO_LE (v);
  put (b, &v, 8);
}

static void
put_crc (GByteArray *b)
{
  put_u32 (b, (guint32) crc32 (0L, b->data, b->len));
}

/* The header and parameters of a file of `version`, byte by byte as the version 2 code laid them out. */
static GByteArray *
model_bytes (guint32 version, const char *arch, guint64 seed, const float *params, gsize n)
{
  GByteArray *b = g_byte_array_new ();

  put (b, "DLMODEL", 8);
  put_u32 (b, version);
  put_u32 (b, (guint32) strlen (arch));
  put (b, arch, strlen (arch));
  put_u64 (b, seed);
  put_u64 (b, n);
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;

      memcpy (&bits, &params[i], 4);
      put_u32 (b, bits);
    }
  return b;
}

static void
write_bytes (const char *path, GByteArray *b)
{
  ck_assert (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
}

/* Nine steps: with weight averaging (average > 0) the average has moved twice (it moves every fourth). */
static DlNet *
trained_averaged (DlOptimizer opt, float average)
{
  DlNet *net = dl_test_make_net (SPEC, 77);
  float x[16 * DL_TEST_IN];
  guint8 y[16];
  DlHyper h;

  dl_hyper_init_default (&h);
  h.optimizer = opt;
  h.lr = opt == DL_OPT_ADAM ? 1e-3f : 0.05f;
  h.average = average;
  for (int s = 0; s < 9; s++)
    {
      dl_test_make_batch (16, 10 + s, x, y);
      dl_net_train_step (net, x, y, 16, &h, NULL);
    }
  return net;
}

static DlNet *
trained (DlOptimizer opt)
{
  return trained_averaged (opt, 0.0f);
}

static void
expect_error (const char *path, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  DlModelState st;
  DlNet *net = dl_model_load_state (path, &st, NULL, &error);

  ck_assert_ptr_null (net);
  ck_assert_ptr_null (st.opt_state);
  ck_assert_msg (g_error_matches (error, DL_MODEL_ERROR, code), "code %d, expected %d: %s", error->code, code,
                 error->message);
  ck_assert_msg (strstr (error->message, fragment) != NULL, "'%s' lacks '%s'", error->message, fragment);
  ck_assert_msg (strstr (error->message, path) != NULL, "'%s' does not name the file", error->message);
  /* The plain loader refuses it the same way. */
  g_clear_error (&error);
  ck_assert_ptr_null (dl_model_load (path, &error));
  ck_assert (g_error_matches (error, DL_MODEL_ERROR, code));
}

/* A version 2 file, made byte by byte as the old code wrote it, loads with its parameters and seed. */
START_TEST (version2_file_loads)
{
  g_autofree char *path = g_build_filename (tmpdir, "v2.dlm", NULL);
  g_autoptr (DlNet) orig = trained (DL_OPT_MOMENTUM);
  GByteArray *b = model_bytes (2, SPEC, 77, dl_net_params (orig), dl_net_n_params (orig));
  g_autoptr (GError) error = NULL;
  DlModelState st;
  gboolean has_state = TRUE;

  put_crc (b);
  write_bytes (path, b);
  g_byte_array_unref (b);
  g_autoptr (DlNet) net = dl_model_load_state (path, &st, &has_state, &error);
  ck_assert_msg (net != NULL, "%s", error ? error->message : "");
  ck_assert (!has_state);
  ck_assert_ptr_null (st.opt_state);
  ck_assert_ptr_null (st.trainer);
  ck_assert_uint_eq (dl_net_n_params (net), N_PARAMS);
  ck_assert_int_eq (memcmp (dl_net_params (net), dl_net_params (orig), 4 * N_PARAMS), 0);
}
END_TEST

/* A version 2 file cannot hold a section: the bytes after its parameters are extra. */
START_TEST (version2_with_section_rejected)
{
  g_autofree char *path = g_build_filename (tmpdir, "v2s.dlm", NULL);
  g_autoptr (DlNet) orig = trained (DL_OPT_SGD);
  GByteArray *b = model_bytes (2, SPEC, 77, dl_net_params (orig), N_PARAMS);

  put (b, "DLSTATE", 8);
  put_u64 (b, 0);
  put_crc (b);
  write_bytes (path, b);
  g_byte_array_unref (b);
  expect_error (path, DL_MODEL_ERROR_FORMAT, "16 unexpected bytes after the checksum");
}
END_TEST

/* dl_model_save writes version 3, laid out as version 2 (no section). */
START_TEST (plain_save_is_version3)
{
  g_autofree char *path = g_build_filename (tmpdir, "plain.dlm", NULL);
  g_autoptr (DlNet) net = trained (DL_OPT_SGD);
  g_autofree char *data = NULL;
  gsize len;
  guint32 version;

  ck_assert (dl_model_save (net, path, NULL));
  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  memcpy (&version, data + 8, 4);
  ck_assert_uint_eq (GUINT32_FROM_LE (version), 3);
  ck_assert_uint_eq (len, 32 + strlen (SPEC) + 4 * N_PARAMS + 4);
}
END_TEST

static GBytes *
record (void)
{
  return g_bytes_new_static ("the trainer's record", 20);
}

/* Saves `net` with its training state and a trainer record, as a checkpoint does. */
static void
save_checkpoint (DlNet *net, const char *path, char **sha256)
{
  g_autofree float *opt = g_new (float, dl_net_opt_state_floats (net));
  g_autoptr (GBytes) trainer = record ();
  g_autoptr (GError) error = NULL;
  g_autofree char *arch = dl_arch_to_string (dl_net_arch (net));
  DlModelState st = { .n_opt_state = dl_net_opt_state_floats (net), .opt_state = opt, .trainer = trainer };
  DlModelParts parts = { arch, 77, dl_net_n_params (net), dl_net_params (net), &st };

  dl_net_get_train_state (net, &st.net, opt);
  ck_assert_msg (dl_model_save_parts (&parts, path, sha256, &error), "%s", error ? error->message : "");
}

/* Everything back bit for bit, for every optimiser; the SHA-256 is the file's; dl_model_load reads the
 * checkpoint as a model. */
static void
check_round_trip (DlOptimizer opt, float average)
{
  g_autofree char *path = g_build_filename (tmpdir, "ckpt.dlm", NULL);
  g_autoptr (DlNet) net = trained_averaged (opt, average);
  g_autofree float *opt_state = g_new (float, dl_net_opt_state_floats (net));
  g_autofree char *sha = NULL, *data = NULL, *file_sha = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) expected_record = record ();
  DlNetTrainState ts;
  DlModelState st;
  gboolean has_state = FALSE;
  gsize len;

  save_checkpoint (net, path, &sha);
  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  file_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
  ck_assert_str_eq (sha, file_sha);

  g_autoptr (DlNet) back = dl_model_load_state (path, &st, &has_state, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert (has_state);
  ck_assert_int_eq (memcmp (dl_net_params (back), dl_net_params (net), 4 * N_PARAMS), 0);
  dl_net_get_train_state (net, &ts, opt_state);
  ck_assert_int_eq (st.net.opt_started, ts.opt_started);
  ck_assert_int_eq (st.net.opt_last, ts.opt_last);
  ck_assert_int_eq (st.net.adam_t, ts.adam_t);
  ck_assert_int_eq (memcmp (st.net.rng, ts.rng, sizeof ts.rng), 0);
  ck_assert_int_eq (st.net.avg_t, average > 0 ? 9 : 0);
  ck_assert_uint_eq (st.n_opt_state, 4 * N_PARAMS);
  ck_assert_int_eq (memcmp (st.opt_state, opt_state, 4 * st.n_opt_state), 0);
  ck_assert (g_bytes_equal (st.trainer, expected_record));
  dl_model_state_clear (&st);

  g_autoptr (DlNet) plain = dl_model_load (path, &error);
  ck_assert_msg (plain != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (memcmp (dl_net_params (plain), dl_net_params (net), 4 * N_PARAMS), 0);
}

START_TEST (checkpoint_round_trip_sgd)      { check_round_trip (DL_OPT_SGD, 0); } END_TEST
START_TEST (checkpoint_round_trip_momentum) { check_round_trip (DL_OPT_MOMENTUM, 0); } END_TEST
START_TEST (checkpoint_round_trip_adam)     { check_round_trip (DL_OPT_ADAM, 0); } END_TEST
START_TEST (checkpoint_round_trip_averaged) { check_round_trip (DL_OPT_MOMENTUM, 10); } END_TEST

/* The bytes of a checkpoint of a trained net, and where its section begins. */
static char *
checkpoint_bytes (const char *path, gsize *len, gsize *section)
{
  g_autoptr (DlNet) net = trained (DL_OPT_ADAM);
  char *data;

  save_checkpoint (net, path, NULL);
  ck_assert (g_file_get_contents (path, &data, len, NULL));
  *section = 32 + strlen (SPEC) + 4 * N_PARAMS;
  ck_assert_int_eq (memcmp (data + *section, "DLSTATE", 8), 0);
  return data;
}

static void
rewrite_with_crc (const char *path, char *data, gsize len)
{
  guint32 crc = GUINT32_TO_LE ((guint32) crc32 (0L, (const Bytef *) data, len - 4));

  memcpy (data + len - 4, &crc, 4);
  ck_assert (g_file_set_contents (path, data, len, NULL));
}

static void
set_u64 (char *data, gsize at, guint64 v)
{
  v = GUINT64_TO_LE (v);
  memcpy (data + at, &v, 8);
}

/* Damage anywhere is the checksum's; a section that is consistent with its checksum but not with itself
 * is named by what is wrong and where. */
START_TEST (damaged_sections)
{
  g_autofree char *path = g_build_filename (tmpdir, "bad.dlm", NULL);
  gsize len, at;
  g_autofree char *data = checkpoint_bytes (path, &len, &at);
  g_autofree char *copy = g_memdup2 (data, len);
  g_autofree char *msg = NULL;

  copy[at + 100] ^= 0x04;   /* an optimiser value */
  ck_assert (g_file_set_contents (path, copy, len, NULL));
  expect_error (path, DL_MODEL_ERROR_CHECKSUM, "checksum mismatch");

  memcpy (copy, data, len);
  memcpy (copy + at, "DLOTHER", 8);
  rewrite_with_crc (path, copy, len);
  msg = g_strdup_printf ("unexpected bytes after the parameters at byte %zu: expected a training-state section", at);
  expect_error (path, DL_MODEL_ERROR_FORMAT, msg);

  memcpy (copy, data, len);
  set_u64 (copy, at + 8, 12);
  rewrite_with_crc (path, copy, len);
  expect_error (path, DL_MODEL_ERROR_FORMAT, "says it holds 12 bytes");

  memcpy (copy, data, len);
  copy[at + 20] = 9;        /* the optimiser: not a DlOptimizer */
  rewrite_with_crc (path, copy, len);
  expect_error (path, DL_MODEL_ERROR_FORMAT, "optimiser 9");

  memcpy (copy, data, len);
  set_u64 (copy, at + 16 + 48, G_MAXUINT64);   /* the average's step count: negative */
  rewrite_with_crc (path, copy, len);
  g_free (msg);
  msg = g_strdup_printf ("the weight average's step count at byte %zu is not valid", at + 16 + 48);
  expect_error (path, DL_MODEL_ERROR_FORMAT, msg);

  memcpy (copy, data, len);
  set_u64 (copy, at + 16 + 56, 3 * N_PARAMS);
  rewrite_with_crc (path, copy, len);
  expect_error (path, DL_MODEL_ERROR_FORMAT, "optimiser values, expected 50920 (4 per parameter)");

  memcpy (copy, data, len);
  set_u64 (copy, len - 4 - 20 - 8, 19);   /* the record's length, one short */
  rewrite_with_crc (path, copy, len);
  expect_error (path, DL_MODEL_ERROR_FORMAT, "the trainer record");

  /* Cut short inside the optimiser state, with a section length and checksum that agree. */
  gsize short_len = at + 16 + 72 + 40 + 4;
  memcpy (copy, data, len);
  set_u64 (copy, at + 8, short_len - 4 - at - 16);
  rewrite_with_crc (path, copy, short_len);
  expect_error (path, DL_MODEL_ERROR_FORMAT, "truncated: expected 203680 bytes of optimiser state");
}
END_TEST

/* A checkpoint as versions 3–5 wrote it (no average: no step count, three blocks) still loads, as state
 * without an average; its three blocks come back as they were. */
START_TEST (version3_checkpoint_loads)
{
  g_autofree char *path = g_build_filename (tmpdir, "old.dlm", NULL);
  gsize len, at;
  g_autofree char *data = checkpoint_bytes (path, &len, &at);
  const gsize body = at + 16, blocks = 3 * N_PARAMS * 4;
  GByteArray *b = g_byte_array_new ();
  guint32 v3 = GUINT32_TO_LE (3);

  g_byte_array_append (b, (const guint8 *) data, body + 48);                  /* through the dropout stream */
  g_byte_array_append (b, (const guint8 *) data + body + 56, 8 + blocks);      /* n_opt, three blocks */
  g_byte_array_append (b, (const guint8 *) data + body + 64 + 16 * N_PARAMS, len - (body + 64 + 16 * N_PARAMS));
  memcpy (b->data + 8, &v3, 4);
  set_u64 ((char *) b->data, body + 48, 3 * N_PARAMS);
  set_u64 ((char *) b->data, at + 8, b->len - 4 - body);
  rewrite_with_crc (path, (char *) b->data, b->len);

  DlModelState st;
  gboolean has_state = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlNet) back = dl_model_load_state (path, &st, &has_state, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert (has_state);
  ck_assert_int_eq (st.net.avg_t, 0);
  ck_assert_uint_eq (st.n_opt_state, 4 * N_PARAMS);
  ck_assert_int_eq (memcmp (st.opt_state, data + body + 64, blocks), 0);
  for (gsize i = 3 * N_PARAMS; i < 4 * N_PARAMS; i++)
    ck_assert (st.opt_state[i] == 0.0f);
  g_autoptr (GBytes) expected_record = record ();
  ck_assert (g_bytes_equal (st.trainer, expected_record));
  dl_model_state_clear (&st);
  g_byte_array_unref (b);
}
END_TEST

/* A checkpoint that cannot be written says so, naming the file. */
START_TEST (save_error)
{
  g_autofree char *path = g_build_filename (tmpdir, "no", "such", "dir.dlm", NULL);
  g_autoptr (DlNet) net = trained (DL_OPT_SGD);
  g_autoptr (GError) error = NULL;
  g_autofree char *arch = dl_arch_to_string (dl_net_arch (net));
  DlModelParts parts = { arch, 1, N_PARAMS, dl_net_params (net), NULL };
  char *sha = NULL;

  ck_assert (!dl_model_save_parts (&parts, path, &sha, &error));
  ck_assert (g_error_matches (error, DL_MODEL_ERROR, DL_MODEL_ERROR_IO));
  ck_assert (strstr (error->message, path) != NULL);
  ck_assert_ptr_null (sha);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("model-state");
  TCase *tc = tcase_create ("files");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, version2_file_loads);
  tcase_add_test (tc, version2_with_section_rejected);
  tcase_add_test (tc, plain_save_is_version3);
  tcase_add_test (tc, checkpoint_round_trip_sgd);
  tcase_add_test (tc, checkpoint_round_trip_momentum);
  tcase_add_test (tc, checkpoint_round_trip_adam);
  tcase_add_test (tc, checkpoint_round_trip_averaged);
  tcase_add_test (tc, version3_checkpoint_loads);
  tcase_add_test (tc, damaged_sections);
  tcase_add_test (tc, save_error);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
