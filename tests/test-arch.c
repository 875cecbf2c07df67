/* test-arch.c — the --arch parser, its error messages, printing, shapes, presets and schedules. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "dl-arch.h"
#include "dl-net.h"
#include "dl-rng.h"

START_TEST (parse_mlp)
{
  DlArch a;
  g_autoptr (GError) error = NULL;
  ck_assert (dl_arch_parse ("fc256-relu,fc128-relu,fc10,softmax", &a, &error));
  ck_assert_ptr_null (error);
  ck_assert_int_eq (a.n_layers, 3);
  ck_assert_int_eq (a.loss, DL_LOSS_SOFTMAX_CE);
  ck_assert_int_eq (a.layers[0].kind, DL_LAYER_DENSE);
  ck_assert_int_eq (a.layers[0].units, 256);
  ck_assert_int_eq (a.layers[0].act, DL_ACT_RELU);
  ck_assert_int_eq (a.layers[2].units, 10);
  ck_assert_int_eq (a.layers[2].act, DL_ACT_NONE);
  ck_assert_int_eq (a.in_c * a.in_h * a.in_w, 784);
}
END_TEST

START_TEST (parse_cnn)
{
  DlArch a;
  ck_assert (dl_arch_parse (" conv6x5p2-relu, pool2,conv16x5-tanh,pool2,dropout0.25,fc120-sigmoid,fc10-tanh,mse", &a, NULL));
  ck_assert_int_eq (a.n_layers, 7);
  ck_assert_int_eq (a.loss, DL_LOSS_MSE);
  ck_assert_int_eq (a.layers[0].kind, DL_LAYER_CONV);
  ck_assert_int_eq (a.layers[0].units, 6);
  ck_assert_int_eq (a.layers[0].kernel, 5);
  ck_assert_int_eq (a.layers[0].pad, 2);
  ck_assert_int_eq (a.layers[1].kind, DL_LAYER_MAXPOOL);
  ck_assert_int_eq (a.layers[2].act, DL_ACT_TANH);
  ck_assert_int_eq (a.layers[4].kind, DL_LAYER_DROPOUT);
  ck_assert_float_eq (a.layers[4].drop, 0.25f);
  ck_assert_int_eq (a.layers[5].act, DL_ACT_SIGMOID);

  int c, h, w;
  dl_arch_shape (&a, -1, &c, &h, &w);
  ck_assert_int_eq (c * 1000 + h * 10 + w, 1000 + 280 + 28);
  dl_arch_shape (&a, 0, &c, &h, &w);   /* 6 × 28 × 28 */
  ck_assert (c == 6 && h == 28 && w == 28);
  dl_arch_shape (&a, 1, &c, &h, &w);   /* 6 × 14 × 14 */
  ck_assert (c == 6 && h == 14 && w == 14);
  dl_arch_shape (&a, 2, &c, &h, &w);   /* 16 × 10 × 10 */
  ck_assert (c == 16 && h == 10 && w == 10);
  dl_arch_shape (&a, 4, &c, &h, &w);   /* 16 × 5 × 5 after pool, dropout keeps it */
  ck_assert (c == 16 && h == 5 && w == 5);
  dl_arch_shape (&a, 5, &c, &h, &w);
  ck_assert (c == 120 && h == 1 && w == 1);
}
END_TEST

/* std: the image standardised, no parameters, the shape unchanged; only as the first item. */
START_TEST (parse_std)
{
  DlArch a, plain;
  ck_assert (dl_arch_parse (" std ,fc256-relu,fc128-relu,fc10,softmax", &a, NULL));
  ck_assert (dl_arch_parse ("fc256-relu,fc128-relu,fc10,softmax", &plain, NULL));
  ck_assert_int_eq (a.n_layers, 4);
  ck_assert_int_eq (a.layers[0].kind, DL_LAYER_STD);
  ck_assert_int_eq (a.layers[1].kind, DL_LAYER_DENSE);
  ck_assert_uint_eq (dl_arch_n_params (&a), dl_arch_n_params (&plain));
  int c, h, w;
  dl_arch_shape (&a, 0, &c, &h, &w);
  ck_assert (c == 1 && h == 28 && w == 28);
  dl_arch_shape (&a, 1, &c, &h, &w);
  ck_assert (c == 256 && h == 1 && w == 1);
  g_autofree char *s = dl_arch_to_string (&a);
  ck_assert_str_eq (s, "std,fc256-relu,fc128-relu,fc10,softmax");

  /* Which layers see the image: the first, and the one after std (conv too); no other. */
  ck_assert (dl_arch_fed_by_image (&a, 0) && dl_arch_fed_by_image (&a, 1));
  ck_assert (!dl_arch_fed_by_image (&a, 2) && !dl_arch_fed_by_image (&a, 4) && !dl_arch_fed_by_image (&a, -1));
  ck_assert (dl_arch_fed_by_image (&plain, 0) && !dl_arch_fed_by_image (&plain, 1));
  DlArch cnn;
  ck_assert (dl_arch_parse ("std,conv6x5p2-relu,pool2,fc10,softmax", &cnn, NULL));
  ck_assert (dl_arch_fed_by_image (&cnn, 1) && !dl_arch_fed_by_image (&cnn, 3));
  ck_assert_uint_eq (dl_arch_n_params (&cnn), 6 * 25 + 6 + 6 * 14 * 14 * 10 + 10);
  /* Batch normalisation: β, γ and the running mean and variance for each unit. */
  DlArch bn;
  ck_assert (dl_arch_parse ("fc16-bn-relu,fc10,softmax", &bn, NULL));
  ck_assert (bn.layers[0].bn && !bn.layers[1].bn);
  ck_assert_uint_eq (dl_arch_n_params (&bn), 784 * 16 + 4 * 16 + 16 * 10 + 10);
  ck_assert (dl_arch_parse ("conv8x3p1-bn-relu,pool2,fc10,softmax", &bn, NULL));
  ck_assert (bn.layers[0].bn && bn.layers[0].act == DL_ACT_RELU);
  ck_assert_uint_eq (dl_arch_n_params (&bn), 8 * 9 + 4 * 8 + 8 * 14 * 14 * 10 + 10);
}
END_TEST

START_TEST (round_trip)
{
  const char *specs[] = {
    "fc256-relu,fc128-relu,fc10,softmax",
    "fc30-tanh,fc10-tanh,mse",
    "conv6x5p2-relu,pool2,conv16x5-relu,pool2,fc120-relu,fc84-relu,fc10,softmax",
    "conv32x3p1-relu,conv32x3p1-relu,pool2,dropout0.25,fc256-relu,dropout0.5,fc10,softmax",
    "conv4x3,pool2,fc10-sigmoid,mse",
    "dropout0.2,fc10,softmax",
    "std,fc256-relu,fc128-relu,fc10,softmax",
    "std,conv6x5p2-relu,pool2,dropout0.25,fc10-tanh,mse",
    "fc256-bn-relu,fc128-bn-relu,fc10,softmax",
    "conv6x5p2-relu,pool2,fc120-bn-tanh,fc10-bn,mse",
    "conv16x3p1-bn-relu,pool2,conv32x3-bn,pool2,fc10,softmax",
  };
  for (unsigned i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      DlArch a, b;
      ck_assert_msg (dl_arch_parse (specs[i], &a, NULL), "%s", specs[i]);
      g_autofree char *s = dl_arch_to_string (&a);
      ck_assert_str_eq (s, specs[i]);
      ck_assert (dl_arch_parse (s, &b, NULL));
      ck_assert_int_eq (memcmp (&a, &b, sizeof a), 0);
    }
  /* Padding 0 is the default and is printed without the p. */
  DlArch a;
  ck_assert (dl_arch_parse ("conv8x3p0-relu,fc10,softmax", &a, NULL));
  g_autofree char *s = dl_arch_to_string (&a);
  ck_assert_str_eq (s, "conv8x3-relu,fc10,softmax");
}
END_TEST

static void
expect_error (const char *spec, const char *fragment)
{
  DlArch a;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (!dl_arch_parse (spec, &a, &error), "'%s' was accepted", spec);
  ck_assert (g_error_matches (error, DL_ARCH_ERROR, DL_ARCH_ERROR_PARSE));
  ck_assert_msg (strstr (error->message, fragment) != NULL, "'%s': message '%s' lacks '%s'", spec,
                 error->message, fragment);
}

START_TEST (errors)
{
  expect_error ("fc256-relu,fc,fc10,softmax", "--arch: 'fc' at item 2 needs a unit count, e.g. fc128");
  expect_error ("fc0,fc10,softmax", "'fc0' at item 1: the unit count must be 1 to");
  expect_error ("fc64-gelu,fc10,softmax", "unknown activation 'gelu' in 'fc64-gelu' at item 1; expected relu, tanh or sigmoid");
  expect_error ("fc64relu,fc10,softmax", "unexpected 'relu' in 'fc64relu' at item 1");
  expect_error ("lstm32,fc10,softmax", "unknown layer 'lstm32' at item 1; expected std, fcN");
  expect_error ("fc64-relu,std,fc10,softmax", "'std' at item 2: the image's standardisation must be the first item");
  expect_error ("fc64-bnrelu,fc10,softmax", "unknown activation 'bnrelu' in 'fc64-bnrelu' at item 1");
  expect_error ("fc64-relu-bn,fc10,softmax", "unknown activation 'relu-bn' in 'fc64-relu-bn' at item 1");
  expect_error ("std,std,fc10,softmax", "'std' at item 2: the image's standardisation must be the first item");
  expect_error ("std2,fc10,softmax", "unknown layer 'std2' at item 1");
  expect_error ("std,softmax", "the layer before the loss must be fc10, one output per digit (item 1 is 'std')");
  expect_error ("conv,fc10,softmax", "'conv' at item 1 needs a filter count and kernel size, e.g. conv6x5");
  expect_error ("conv6,fc10,softmax", "'conv6' at item 1 needs a kernel size after the filter count, e.g. conv6x5");
  expect_error ("conv6x5p7,fc10,softmax", "'conv6x5p7' at item 1: the padding after 'p' must be 0 to 4");
  expect_error ("conv6x29,fc10,softmax", "'conv6x29' at item 1: the kernel size must be 1 to 28");
  expect_error ("pool3,fc10,softmax", "'pool3' at item 1: only 2×2 max-pooling");
  expect_error ("dropout1.5,fc10,softmax", "'dropout1.5' at item 1 needs a drop probability");
  expect_error ("dropout,fc10,softmax", "'dropout' at item 1 needs a drop probability");
  expect_error ("fc64-relu,fc10", "the last item must be the loss, softmax or mse (item 2 is 'fc10')");
  expect_error ("fc64-relu,softmax,fc10", "'fc10' at item 3 comes after the loss");
  expect_error ("softmax", "the loss 'softmax' at item 1 needs layers before it");
  expect_error ("fc64-relu,fc32,softmax", "the layer before the loss must be fc10, one output per digit (item 2 is 'fc32')");
  expect_error ("fc64,,fc10,softmax", "item 2 is empty");
  expect_error ("", "--arch is empty");
  expect_error ("fc64-relu,conv6x5,fc10,softmax", "'conv6x5' at item 2 comes after a fully connected layer");
  expect_error ("pool2,pool2,pool2,pool2,pool2,pool2,fc10,softmax", "'pool2' at item 5 would shrink a 1×1 map to nothing");
  expect_error ("pool2,pool2,conv4x9,fc10,softmax", "'conv4x9' at item 3: a 9×9 kernel does not fit the 7×7 input");

  GString *many = g_string_new (NULL);
  for (int i = 0; i < DL_MAX_LAYERS; i++)
    g_string_append (many, "fc10,");
  g_string_append (many, "fc10,softmax");
  expect_error (many->str, "'fc10' at item 33 is one layer too many; at most 32 layers");
  g_string_free (many, TRUE);
}
END_TEST

START_TEST (presets_parse)
{
  const DlPreset *const *all = dl_presets ();
  int n = 0;
  for (; all[n]; n++)
    {
      DlArch a;
      g_autoptr (GError) error = NULL;
      ck_assert_msg (dl_arch_parse (all[n]->arch, &a, &error), "%s: %s", all[n]->name, error ? error->message : "");
      ck_assert_ptr_eq (dl_preset_find (all[n]->name), all[n]);
      ck_assert (all[n]->batch >= 1 && all[n]->batch <= DL_MAX_BATCH);
      ck_assert (all[n]->epochs >= 1);
      ck_assert (all[n]->hyper.lr > 0);
    }
  ck_assert_int_ge (n, 4);
  ck_assert_ptr_null (dl_preset_find ("nonesuch"));

  const DlPreset *mlp = dl_preset_find ("mlp");
  ck_assert_str_eq (mlp->arch, "fc256-relu,fc128-relu,fc10,softmax");
  ck_assert_int_eq (mlp->hyper.optimizer, DL_OPT_MOMENTUM);
  ck_assert_float_eq (mlp->hyper.momentum, 0.9f);
  ck_assert_float_eq (mlp->hyper.lr, 0.1f);
  ck_assert_int_eq (mlp->batch, 64);
  ck_assert_int_eq (mlp->epochs, 10);
  ck_assert_int_eq (mlp->schedule, DL_SCHEDULE_STEP);
  ck_assert_float_eq (mlp->schedule_gamma, 0.5f);
  ck_assert_int_eq (mlp->schedule_step, 1);
  ck_assert (mlp->augment);

  const DlPreset *seed = dl_preset_find ("seed");
  ck_assert_str_eq (seed->arch, "fc30-tanh,fc10-tanh,mse");
  ck_assert_int_eq (seed->hyper.optimizer, DL_OPT_SGD);
  ck_assert_float_eq (seed->hyper.lr, 0.1f);
  ck_assert_int_eq (seed->hyper.reduce, DL_REDUCE_MEAN);
  ck_assert_int_eq (seed->batch, 100);
  ck_assert_int_eq (seed->epochs, 1);

  const DlPreset *cnn = dl_preset_find ("cnn");
  ck_assert_str_eq (cnn->arch, "conv6x5p2-relu,pool2,conv16x5-relu,pool2,fc120-relu,fc84-relu,fc10,softmax");
  ck_assert_int_eq (cnn->batch, 64);
  ck_assert_ptr_nonnull (dl_preset_find ("cnn-large"));
}
END_TEST

START_TEST (schedules)
{
  DlPreset p = { .schedule = DL_SCHEDULE_NONE };
  ck_assert_float_eq (dl_schedule_lr (&p, 0.1f, 3.5, 10), 0.1f);

  p.schedule = DL_SCHEDULE_STEP;
  p.schedule_gamma = 0.5f;
  p.schedule_step = 2;
  ck_assert_float_eq (dl_schedule_lr (&p, 0.1f, 0.0, 10), 0.1f);
  ck_assert_float_eq (dl_schedule_lr (&p, 0.1f, 1.99, 10), 0.1f);
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 2.0, 10), 0.05f, 1e-7f);
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 5.0, 10), 0.025f, 1e-7f);

  p.schedule = DL_SCHEDULE_COSINE;
  ck_assert_float_eq (dl_schedule_lr (&p, 0.1f, 0.0, 10), 0.1f);
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 5.0, 10), 0.05f, 1e-7f);
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 2.5, 10), 0.1f * 0.5f * (1.0f + cosf (G_PI / 4)), 1e-7f);
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 10.0, 10), 0.0f, 1e-9f);
  /* Fractional epochs move the rate smoothly within an epoch. */
  ck_assert (dl_schedule_lr (&p, 0.1f, 5.5, 10) < dl_schedule_lr (&p, 0.1f, 5.25, 10));

  /* One cycle: up from a 25th of the rate over the warm-up, then the cosine over the rest. */
  p.schedule = DL_SCHEDULE_ONECYCLE;
  p.schedule_warmup = 2.0f;
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 0.0, 10), 0.004f, 1e-8f);
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 1.0, 10), 0.052f, 1e-7f);
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 2.0, 10), 0.1f, 1e-7f);
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 6.0, 10), 0.05f, 1e-7f);
  ck_assert_float_eq_tol (dl_schedule_lr (&p, 0.1f, 10.0, 10), 0.0f, 1e-9f);
  ck_assert (dl_schedule_lr (&p, 0.1f, 1.5, 10) > dl_schedule_lr (&p, 0.1f, 1.25, 10));
  ck_assert (dl_schedule_lr (&p, 0.1f, 7.5, 10) < dl_schedule_lr (&p, 0.1f, 7.25, 10));
}
END_TEST

START_TEST (names)
{
  DlOptimizer o;
  for (int i = DL_OPT_SGD; i <= DL_OPT_ADAM; i++)
    {
      ck_assert (dl_optimizer_from_name (dl_optimizer_name (i), &o));
      ck_assert_int_eq (o, i);
    }
  ck_assert (!dl_optimizer_from_name ("rmsprop", &o));
  ck_assert_str_eq (dl_act_name (DL_ACT_TANH), "tanh");
  DlHyper h;
  dl_hyper_init_default (&h);
  ck_assert (h.lr > 0 && h.beta1 > 0 && h.beta2 > h.beta1 && h.eps > 0);
}
END_TEST

/* Issue 16, defect 2: every layer was bounded but not the whole, so a valid string could ask for more
 * than any machine has (the worker or the app aborted in dl_net_new). */
START_TEST (defect_2_total_size_capped)
{
  expect_error ("fc65536-relu,fc65536-relu,fc10,softmax", "needs 82.0 GiB to train at a batch of 1024 "
                "(4347133962 parameters");
  expect_error ("fc65536-relu,fc65536-relu,fc10,softmax", "more than the 2 GiB a network may use");
  /* Activations count too: 1024 maps of 28 × 28 at a batch of 1024 are 3 GiB per copy. */
  expect_error ("conv1024x3p1-relu,fc10,softmax", "GiB to train at a batch of 1024");
  /* Within the cap: the presets (checked in presets_parse) and one wide layer. */
  DlArch a;
  ck_assert (dl_arch_parse ("fc65536-relu,fc10,softmax", &a, NULL));
  ck_assert (dl_arch_train_bytes (&a, DL_MAX_BATCH) <= DL_ARCH_MAX_BYTES);
}
END_TEST

/* dl_arch_n_params counts what dl_net_new lays out, for every kind of layer. */
START_TEST (n_params_matches_the_net)
{
  const char *specs[] = {
    "fc10,softmax", "fc30-tanh,fc10-tanh,mse", "conv6x5p2-relu,pool2,conv16x5-relu,pool2,fc120-relu,fc84-relu,fc10,softmax",
    "conv4x3p1-tanh,pool2,dropout0.25,conv8x3-sigmoid,fc10-tanh,mse", "dropout0.5,fc10,softmax",
    "std,fc30-tanh,fc10-tanh,mse", "std,conv4x3p1-relu,pool2,fc10,softmax",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      DlArch a;
      ck_assert (dl_arch_parse (specs[i], &a, NULL));
      g_autoptr (DlNet) net = dl_net_new (&a, 1);
      ck_assert_uint_eq (dl_arch_n_params (&a), dl_net_n_params (net));
      g_autoptr (GError) error = NULL;
      g_autoptr (DlNet) tried = dl_net_try_new (&a, 1, &error);
      ck_assert_ptr_nonnull (tried);
      ck_assert_int_eq (memcmp (dl_net_params (tried), dl_net_params (net), 4 * dl_net_n_params (net)), 0);
    }
}
END_TEST

/* Issue 16, defect 9: dropout0.99999999 was accepted, rounded to 1.0 as a float and printed as
 * "dropout1", which the parser rejects; other rates lost digits when printed. */
START_TEST (defect_9_dropout_rates_round_trip)
{
  DlArch a, b;
  g_autoptr (GError) error = NULL;

  ck_assert (!dl_arch_parse ("dropout0.99999999,fc10,softmax", &a, &error));
  ck_assert_msg (strstr (error->message, "rounds to 1 in single precision"), "%s", error->message);
  ck_assert (!dl_arch_parse ("dropoutinf,fc10,softmax", &a, NULL));
  ck_assert (!dl_arch_parse ("dropout0x0.8,fc10,softmax", &a, NULL));
  /* The largest float below 1 is accepted and prints back to itself. */
  ck_assert (dl_arch_parse ("dropout0.99999994,fc10,softmax", &a, NULL));
  ck_assert_float_eq (a.layers[0].drop, nextafterf (1.0f, 0.0f));
  /* Every rate prints as a string that parses to the same float; short ones stay short. */
  DlRng rng;
  dl_rng_seed (&rng, 9);
  for (int i = 0; i < 2000; i++)
    {
      double d = i < 1000 ? dl_rng_uniform (&rng) : 1.0 - pow (10.0, -dl_rng_uniform (&rng) * 8);
      char spec[64];
      g_snprintf (spec, sizeof spec, "dropout%.17f,fc10,softmax", d);
      if (!dl_arch_parse (spec, &a, NULL))
        {
          ck_assert ((float) d >= 1.0f);
          continue;
        }
      g_autofree char *text = dl_arch_to_string (&a);
      ck_assert_msg (dl_arch_parse (text, &b, NULL), "%s does not parse", text);
      ck_assert_msg (a.layers[0].drop == b.layers[0].drop, "%s: %.9g became %.9g", text, a.layers[0].drop,
                     b.layers[0].drop);
    }
  ck_assert (dl_arch_parse ("dropout0.25,fc10,softmax", &a, NULL));
  g_autofree char *quarter = dl_arch_to_string (&a);
  ck_assert_str_eq (quarter, "dropout0.25,fc10,softmax");
  ck_assert (dl_arch_parse ("dropout0.1,fc10,softmax", &a, NULL));
  g_autofree char *tenth = dl_arch_to_string (&a);
  ck_assert_str_eq (tenth, "dropout0.1,fc10,softmax");
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("arch");
  TCase *tc = tcase_create ("arch");
  tcase_add_test (tc, parse_mlp);
  tcase_add_test (tc, parse_cnn);
  tcase_add_test (tc, parse_std);
  tcase_add_test (tc, round_trip);
  tcase_add_test (tc, errors);
  tcase_add_test (tc, presets_parse);
  tcase_add_test (tc, schedules);
  tcase_add_test (tc, names);
  tcase_add_test (tc, defect_2_total_size_capped);
  tcase_add_test (tc, n_params_matches_the_net);
  tcase_add_test (tc, defect_9_dropout_rates_round_trip);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
