/* test-model.c — model files: round trip to identical predictions, and every kind of damage rejected
 * with the right error code and a message naming the problem. */
#include <check.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "dl-arch.h"
#include "dl-model.h"
#include "dl-net.h"
#include "dl-rng.h"

static char *tmpdir;

static void
setup (void)
{
  tmpdir = g_dir_make_tmp ("dl-model-XXXXXX", NULL);
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

static DlNet *
trained_net (const char *spec)
{
  DlArch arch;
  ck_assert (dl_arch_parse (spec, &arch, NULL));
  DlNet *net = dl_net_new (&arch, 1234);
  float x[16 * 784];
  guint8 y[16];
  DlRng rng;
  dl_rng_seed (&rng, 5);
  for (int i = 0; i < 16 * 784; i++)
    x[i] = (float) dl_rng_uniform (&rng);
  for (int i = 0; i < 16; i++)
    y[i] = (guint8) (i % 10);
  DlHyper h;
  dl_hyper_init_default (&h);
  for (int s = 0; s < 3; s++)
    dl_net_train_step (net, x, y, 16, &h, NULL);
  return net;
}

static void
assert_same_predictions (DlNet *a, DlNet *b)
{
  float x[8 * 784], pa[80], pb[80];
  DlRng rng;
  dl_rng_seed (&rng, 9);
  for (int i = 0; i < 8 * 784; i++)
    x[i] = (float) dl_rng_uniform (&rng);
  dl_net_predict (a, x, 8, pa);
  dl_net_predict (b, x, 8, pb);
  ck_assert_int_eq (memcmp (pa, pb, sizeof pa), 0);
}

static void
round_trip (const char *spec)
{
  g_autoptr (DlNet) net = trained_net (spec);
  g_autofree char *path = g_build_filename (tmpdir, "model.dlm", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert_msg (dl_model_save (net, path, &error), "%s", error ? error->message : "");
  g_autoptr (DlNet) back = dl_model_load (path, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  g_autofree char *s1 = dl_arch_to_string (dl_net_arch (net));
  g_autofree char *s2 = dl_arch_to_string (dl_net_arch (back));
  ck_assert_str_eq (s1, s2);
  ck_assert_uint_eq (dl_net_n_params (net), dl_net_n_params (back));
  ck_assert_int_eq (memcmp (dl_net_params (net), dl_net_params (back), 4 * dl_net_n_params (net)), 0);
  assert_same_predictions (net, back);

  /* Layout: magic, version, arch length, arch, seed, count, params, CRC. */
  g_autofree char *data = NULL;
  gsize len;
  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  ck_assert_uint_eq (len, 8 + 4 + 4 + strlen (s1) + 8 + 8 + 4 * dl_net_n_params (net) + 4);
  ck_assert_int_eq (memcmp (data, "DLMODEL", 8), 0);
  guint32 crc;
  memcpy (&crc, data + len - 4, 4);
  ck_assert_uint_eq (GUINT32_FROM_LE (crc), crc32 (0L, (const Bytef *) data, len - 4));
}

START_TEST (round_trip_mlp) { round_trip ("fc64-relu,fc32-tanh,fc10,softmax"); } END_TEST
START_TEST (round_trip_cnn) { round_trip ("conv4x5p2-relu,pool2,conv8x3-tanh,pool2,dropout0.25,fc10-sigmoid,mse"); } END_TEST
START_TEST (round_trip_std) { round_trip ("std,fc64-relu,fc32-tanh,fc10,softmax"); } END_TEST

/* Saves a small net and returns the file's bytes. */
static char *
saved_bytes (const char *path, gsize *len)
{
  g_autoptr (DlNet) net = trained_net ("fc16-relu,fc10,softmax");
  ck_assert (dl_model_save (net, path, NULL));
  char *data;
  ck_assert (g_file_get_contents (path, &data, len, NULL));
  return data;
}

static void
expect_load_error (const char *path, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  DlNet *net = dl_model_load (path, &error);
  ck_assert_ptr_null (net);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_error_matches (error, DL_MODEL_ERROR, code), "code %d, expected %d: %s", error->code, code,
                 error->message);
  ck_assert_msg (strstr (error->message, fragment) != NULL, "message '%s' lacks '%s'", error->message, fragment);
  ck_assert_msg (strstr (error->message, path) != NULL, "message '%s' does not name the file", error->message);
}

static void
rewrite_with_crc (const char *path, char *data, gsize len)
{
  guint32 crc = GUINT32_TO_LE ((guint32) crc32 (0L, (const Bytef *) data, len - 4));
  memcpy (data + len - 4, &crc, 4);
  ck_assert (g_file_set_contents (path, data, len, NULL));
}

START_TEST (flipped_byte)
{
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  gsize len;
  g_autofree char *data = saved_bytes (path, &len);
  data[len / 2] ^= 0x10;  /* a parameter */
  ck_assert (g_file_set_contents (path, data, len, NULL));
  expect_load_error (path, DL_MODEL_ERROR_CHECKSUM, "checksum mismatch — the file was altered or damaged");
  data[len / 2] ^= 0x10;
  data[20] ^= 0x01;       /* a character of the architecture string */
  ck_assert (g_file_set_contents (path, data, len, NULL));
  expect_load_error (path, DL_MODEL_ERROR_CHECKSUM, "checksum mismatch");
}
END_TEST

START_TEST (truncated)
{
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  gsize len;
  g_autofree char *data = saved_bytes (path, &len);
  gsize n_params = (784 * 16 + 16 + 16 * 10 + 10);
  ck_assert (g_file_set_contents (path, data, 1234, NULL));
  g_autofree char *msg = g_strdup_printf ("truncated at byte 1234: expected %zu bytes of parameters", 4 * n_params);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, msg);
  ck_assert (g_file_set_contents (path, data, 12, NULL));
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "truncated at byte 12");
  ck_assert (g_file_set_contents (path, data, 30, NULL));
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "truncated at byte 30");
  /* Extra bytes are as wrong as missing ones. */
  g_autofree char *longer = g_malloc0 (len + 3);
  memcpy (longer, data, len);
  ck_assert (g_file_set_contents (path, longer, len + 3, NULL));
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "3 unexpected bytes after the checksum");
}
END_TEST

START_TEST (wrong_magic)
{
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  gsize len;
  g_autofree char *data = saved_bytes (path, &len);
  memcpy (data, "GIF89a\0\0", 8);
  rewrite_with_crc (path, data, len);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "not a Digit Lab model");
  ck_assert (g_file_set_contents (path, "", 0, NULL));
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "not a Digit Lab model");
}
END_TEST

START_TEST (future_version)
{
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  gsize len;
  g_autofree char *data = saved_bytes (path, &len);
  guint32 v = GUINT32_TO_LE (DL_MODEL_VERSION + 1);
  memcpy (data + 8, &v, 4);
  rewrite_with_crc (path, data, len);
  g_autofree char *msg = g_strdup_printf ("format version %d at byte 8 is not one this Digit Lab reads (1 to %d)",
                                          DL_MODEL_VERSION + 1, DL_MODEL_VERSION);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, msg);
}
END_TEST

START_TEST (version1_dense_loads)
{
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  gsize len;
  g_autofree char *data = saved_bytes (path, &len);
  guint32 v = GUINT32_TO_LE (1);
  memcpy (data + 8, &v, 4);
  rewrite_with_crc (path, data, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlNet) net = dl_model_load (path, &error);
  ck_assert_msg (net != NULL, "%s", error ? error->message : "");
  g_autoptr (DlNet) orig = trained_net ("fc16-relu,fc10,softmax");
  assert_same_predictions (net, orig);
}
END_TEST

START_TEST (version1_with_conv_rejected)
{
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  g_autoptr (DlNet) net = trained_net ("conv2x3,pool2,fc10,softmax");
  ck_assert (dl_model_save (net, path, NULL));
  g_autofree char *data = NULL;
  gsize len;
  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  guint32 v = GUINT32_TO_LE (1);
  memcpy (data + 8, &v, 4);
  rewrite_with_crc (path, data, len);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "a version 1 file holds dense layers only");
}
END_TEST

static guint32
saved_version (DlNet *net, const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  guint32 v;
  ck_assert (dl_model_save (net, path, NULL));
  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  memcpy (&v, data + 8, 4);
  return GUINT32_FROM_LE (v);
}

/* The file at path with its version field (and checksum) rewritten to `version`: its load fails with
 * `message`. */
static void
expect_refused_as (const char *path, guint32 version, const char *message)
{
  g_autofree char *data = NULL;
  gsize len;
  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  guint32 v = GUINT32_TO_LE (version);
  memcpy (data + 8, &v, 4);
  rewrite_with_crc (path, data, len);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, message);
}

/* A file is written with the oldest version that holds it: 4 only with a std layer, which older
 * versions' files cannot hold. */
START_TEST (std_needs_version_4)
{
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  g_autoptr (DlNet) plain = trained_net ("fc16-relu,fc10,softmax");
  g_autoptr (DlNet) std = trained_net ("std,fc16-relu,fc10,softmax");
  ck_assert_uint_eq (saved_version (plain, path), 3);
  ck_assert_uint_eq (saved_version (std, path), 4);
  expect_refused_as (path, 3, "a version 3 file cannot hold a std layer (version 4 added it), but its architecture "
                     "is \"std,fc16-relu,fc10,softmax\"");
}
END_TEST

/* Batch-normalised layers need version 5: their running estimates load with the rest, and a version 4
 * file that claims one is refused. */
START_TEST (bn_needs_version_5)
{
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  g_autoptr (DlNet) bn = trained_net ("fc16-bn-relu,fc10,softmax");
  ck_assert_uint_eq (saved_version (bn, path), 5);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlNet) back = dl_model_load (path, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert_mem_eq (dl_net_params (back), dl_net_params (bn), sizeof (float) * dl_net_n_params (bn));

  expect_refused_as (path, 4, "a version 4 file cannot hold a batch-normalised layer (version 5 added it), but its "
                     "architecture is \"fc16-bn-relu,fc10,softmax\"");

  /* a conv layer's per channel */
  g_autoptr (DlNet) conv = trained_net ("conv4x3-bn-relu,pool2,fc10,softmax");
  ck_assert_uint_eq (saved_version (conv, path), 5);
  g_autoptr (DlNet) conv_back = dl_model_load (path, &error);
  ck_assert_msg (conv_back != NULL, "%s", error ? error->message : "");
  ck_assert_mem_eq (dl_net_params (conv_back), dl_net_params (conv), sizeof (float) * dl_net_n_params (conv));
}
END_TEST

/* A model file of the format before std (version 3, written here byte by byte, not by the saver) loads as
 * the network it was: no std layer, the same predictions as the net whose parameters it holds — which a
 * net with std and those parameters does not give. */
START_TEST (old_model_keeps_its_meaning)
{
  const char *spec = "fc16-relu,fc10,softmax";
  g_autofree char *path = g_build_filename (tmpdir, "old.dlm", NULL);
  g_autoptr (DlNet) orig = trained_net (spec);
  gsize n = dl_net_n_params (orig);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint32 v = GUINT32_TO_LE (3), len = GUINT32_TO_LE ((guint32) strlen (spec));
  guint64 seed = GUINT64_TO_LE (1234), count = GUINT64_TO_LE (n);
  g_byte_array_append (b, (const guint8 *) "DLMODEL", 8);
  g_byte_array_append (b, (const guint8 *) &v, 4);
  g_byte_array_append (b, (const guint8 *) &len, 4);
  g_byte_array_append (b, (const guint8 *) spec, strlen (spec));
  g_byte_array_append (b, (const guint8 *) &seed, 8);
  g_byte_array_append (b, (const guint8 *) &count, 8);
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;
      memcpy (&bits, dl_net_params (orig) + i, 4);
      bits = GUINT32_TO_LE (bits);
      g_byte_array_append (b, (const guint8 *) &bits, 4);
    }
  guint32 crc = GUINT32_TO_LE ((guint32) crc32 (0L, b->data, b->len));
  g_byte_array_append (b, (const guint8 *) &crc, 4);
  ck_assert (g_file_set_contents (path, (const char *) b->data, b->len, NULL));

  g_autoptr (GError) error = NULL;
  g_autoptr (DlNet) back = dl_model_load (path, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (dl_net_arch (back)->layers[0].kind, DL_LAYER_DENSE);
  assert_same_predictions (back, orig);

  DlArch std_arch;
  ck_assert (dl_arch_parse ("std,fc16-relu,fc10,softmax", &std_arch, NULL));
  g_autoptr (DlNet) std = dl_net_new (&std_arch, 1);
  dl_net_set_params (std, dl_net_params (orig));
  float x[784], p1[10], p2[10];
  for (int i = 0; i < 784; i++)
    x[i] = (i % 7) / 6.0f;
  dl_net_predict (back, x, 1, p1);
  dl_net_predict (std, x, 1, p2);
  ck_assert_int_ne (memcmp (p1, p2, sizeof p1), 0);
}
END_TEST

START_TEST (bad_architecture_and_count)
{
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  gsize len;
  g_autofree char *data = saved_bytes (path, &len);
  /* "fc16-relu,…" → "fc17-relu,…": a valid architecture that needs more parameters than stored. */
  ck_assert_int_eq (data[19], '6');
  data[19] = '7';
  rewrite_with_crc (path, data, len);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "has 13525 parameters but the file holds 12730");
  data[19] = 'x';  /* "fc1x-relu": not an architecture */
  rewrite_with_crc (path, data, len);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "the architecture at byte 16 is not valid: --arch:");
}
END_TEST

START_TEST (io_errors)
{
  g_autofree char *missing = g_build_filename (tmpdir, "nope.dlm", NULL);
  expect_load_error (missing, DL_MODEL_ERROR_IO, "cannot read the model");
  g_autofree char *nodir = g_build_filename (tmpdir, "no", "such", "dir.dlm", NULL);
  g_autoptr (DlNet) net = trained_net ("fc10,softmax");
  g_autoptr (GError) error = NULL;
  ck_assert (!dl_model_save (net, nodir, &error));
  ck_assert (g_error_matches (error, DL_MODEL_ERROR, DL_MODEL_ERROR_IO));
  ck_assert (strstr (error->message, nodir) != NULL);
}
END_TEST

START_TEST (save_replaces_whole)
{
  /* Saving over an older model replaces it and leaves no temporary file behind. */
  g_autofree char *path = g_build_filename (tmpdir, "m.dlm", NULL);
  ck_assert (g_file_set_contents (path, "an older, longer file that is not a model at all", -1, NULL));
  g_autoptr (DlNet) net = trained_net ("fc10,softmax");
  ck_assert (dl_model_save (net, path, NULL));
  g_autoptr (DlNet) back = dl_model_load (path, NULL);
  ck_assert_ptr_nonnull (back);
  GDir *d = g_dir_open (tmpdir, 0, NULL);
  int files = 0;
  while (g_dir_read_name (d))
    files++;
  g_dir_close (d);
  ck_assert_int_eq (files, 1);
}
END_TEST

/* A model file with a correct CRC whose header says what the test wants. */
static void
write_model (const char *path, const char *arch, guint64 n_params, gsize params_bytes)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint32 v = GUINT32_TO_LE (2), len = GUINT32_TO_LE ((guint32) strlen (arch));
  guint64 seed = 0, n = GUINT64_TO_LE (n_params);
  g_byte_array_append (b, (const guint8 *) "DLMODEL", 8);
  g_byte_array_append (b, (const guint8 *) &v, 4);
  g_byte_array_append (b, (const guint8 *) &len, 4);
  g_byte_array_append (b, (const guint8 *) arch, strlen (arch));
  g_byte_array_append (b, (const guint8 *) &seed, 8);
  g_byte_array_append (b, (const guint8 *) &n, 8);
  g_byte_array_set_size (b, b->len + params_bytes);
  guint32 crc = GUINT32_TO_LE ((guint32) crc32 (0L, b->data, b->len));
  g_byte_array_append (b, (const guint8 *) &crc, 4);
  ck_assert (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
}

/* Issue 16, defect 1: a 64-byte file naming a 17 GB network, with no parameters and a right CRC, made
 * dl_model_load build the network before comparing counts: g_aligned_alloc aborted (SIGTRAP). */
START_TEST (defect_1_crafted_model_does_not_abort)
{
  g_autofree char *path = g_build_filename (tmpdir, "crafted.dlm", NULL);

  write_model (path, "fc65536,fc65536,fc10,softmax", 0, 0);
  GStatBuf st;
  ck_assert_int_eq (g_stat (path, &st), 0);
  ck_assert_int_eq (st.st_size, 64);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "the architecture at byte 16 is not valid: --arch: the network needs");
  /* Within the size cap, a count that disagrees is caught before any allocation it would size. */
  write_model (path, "fc65536-relu,fc10,softmax", 0, 0);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "has 52101130 parameters but the file holds 0");
  /* A count the file cannot hold is caught from the sizes alone. */
  write_model (path, "fc10,softmax", G_MAXUINT64 / 2, 0);
  expect_load_error (path, DL_MODEL_ERROR_FORMAT, "impossibly large");
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("model");
  TCase *tc = tcase_create ("model");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, round_trip_mlp);
  tcase_add_test (tc, round_trip_cnn);
  tcase_add_test (tc, round_trip_std);
  tcase_add_test (tc, std_needs_version_4);
  tcase_add_test (tc, bn_needs_version_5);
  tcase_add_test (tc, old_model_keeps_its_meaning);
  tcase_add_test (tc, flipped_byte);
  tcase_add_test (tc, truncated);
  tcase_add_test (tc, wrong_magic);
  tcase_add_test (tc, future_version);
  tcase_add_test (tc, version1_dense_loads);
  tcase_add_test (tc, version1_with_conv_rejected);
  tcase_add_test (tc, bad_architecture_and_count);
  tcase_add_test (tc, io_errors);
  tcase_add_test (tc, save_replaces_whole);
  tcase_add_test (tc, defect_1_crafted_model_does_not_abort);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
