/* test-train-config.c — the training recipe a preset gives the worker (dl_train_config_from_preset), and
 * its copy and clear. */
#include <check.h>
#include <string.h>

#include "dl-worker.h"

START_TEST (from_every_preset)
{
  for (const DlPreset *const *p = dl_presets (); *p != NULL; p++)
    {
      DlTrainConfig cfg;
      /* Whatever was in the struct before is overwritten: every field comes from the preset. */
      memset (&cfg, 0xab, sizeof cfg);
      dl_train_config_from_preset (&cfg, *p);
      ck_assert_str_eq (cfg.arch, (*p)->arch);
      ck_assert_ptr_ne (cfg.arch, (*p)->arch);   /* a copy the config owns */
      ck_assert_mem_eq (&cfg.hyper, &(*p)->hyper, sizeof cfg.hyper);
      ck_assert_int_eq (cfg.batch, (*p)->batch);
      ck_assert_int_eq (cfg.epochs, (*p)->epochs);
      ck_assert_int_eq (cfg.schedule, (*p)->schedule);
      ck_assert_float_eq (cfg.schedule_gamma, (*p)->schedule_gamma);
      ck_assert_int_eq (cfg.schedule_step, (*p)->schedule_step);
      ck_assert_int_eq (cfg.augment, (*p)->augment);
      ck_assert_uint_eq (cfg.seed, 1);
      ck_assert_int_eq (cfg.eval_every, 200);
      ck_assert_int_eq (cfg.threads, 0);

      DlTrainConfig *copy = dl_train_config_copy (&cfg);
      ck_assert_str_eq (copy->arch, cfg.arch);
      ck_assert_ptr_ne (copy->arch, cfg.arch);
      ck_assert_int_eq (copy->batch, cfg.batch);
      dl_train_config_free (copy);
      dl_train_config_clear (&cfg);
      ck_assert_ptr_null (cfg.arch);
    }
}
END_TEST

START_TEST (mlp_recipe)
{
  DlTrainConfig cfg;
  dl_train_config_from_preset (&cfg, dl_preset_find ("mlp"));
  ck_assert_str_eq (cfg.arch, "fc256-relu,fc128-relu,fc10,softmax");
  ck_assert_float_eq (cfg.hyper.lr, 0.1f);
  ck_assert_int_eq (cfg.hyper.optimizer, DL_OPT_MOMENTUM);
  ck_assert_int_eq (cfg.schedule, DL_SCHEDULE_STEP);
  ck_assert_float_eq (cfg.schedule_gamma, 0.5f);
  ck_assert_int_eq (cfg.schedule_step, 1);
  ck_assert (cfg.augment);
  ck_assert_int_eq (cfg.batch, 64);
  dl_train_config_clear (&cfg);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("train-config");
  TCase *tc = tcase_create ("config");
  tcase_add_test (tc, from_every_preset);
  tcase_add_test (tc, mlp_recipe);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
