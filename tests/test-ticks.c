/* test-ticks.c — nice linear ticks, log ticks and tick labels of the plot axes. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "dl-ticks.h"

static void
assert_ticks (const DlTicks *t, const double *expected, int n)
{
  ck_assert_int_eq (t->n, n);
  for (int i = 0; i < n; i++)
    ck_assert_msg (t->values[i] == expected[i], "tick %d is %.17g, expected %.17g", i, t->values[i],
                   expected[i]);
}

static void
assert_labels (const DlTicks *t, const char *const *expected)
{
  for (int i = 0; i < t->n; i++)
    {
      char buf[64];
      dl_ticks_format (t, t->values[i], buf, sizeof buf);
      ck_assert_str_eq (buf, expected[i]);
    }
}

START_TEST (test_nice_step)
{
  int k;

  ck_assert (dl_ticks_nice_step (1.0, 5, &k) == 0.2);
  ck_assert_int_eq (k, -1);
  ck_assert (dl_ticks_nice_step (0.37, 5, &k) == 0.1);
  ck_assert_int_eq (k, -1);
  ck_assert (dl_ticks_nice_step (100.0, 4, &k) == 20.0);
  ck_assert (dl_ticks_nice_step (40.0, 10, &k) == 5.0);
  ck_assert (dl_ticks_nice_step (30.0, 10, &k) == 2.0);   /* 3 is below sqrt(10): nearer 2 than 5 */
  ck_assert (dl_ticks_nice_step (8e-9, 1, &k) == 1e-8);
  ck_assert_int_eq (k, -8);
}
END_TEST

START_TEST (test_linear_unit)
{
  DlTicks t;
  const double expected[] = { 0, 0.2, 0.4, 0.6, 0.8, 1.0 };
  const char *labels[] = { "0.0", "0.2", "0.4", "0.6", "0.8", "1.0" };

  ck_assert (dl_ticks_linear (0, 1, 5, &t));
  assert_ticks (&t, expected, 6);
  assert_labels (&t, labels);
  ck_assert (t.step == 0.2);
}
END_TEST

START_TEST (test_linear_no_float_noise)
{
  DlTicks t;
  const double expected[] = { 0, 0.1, 0.2, 0.3 };
  const char *labels[] = { "0.0", "0.1", "0.2", "0.3" };

  ck_assert (dl_ticks_linear (0, 0.37, 5, &t));
  assert_ticks (&t, expected, 4);
  /* 3 × 0.1 would be 0.30000000000000004; the tick must be the double nearest 0.3. */
  ck_assert (t.values[3] == 0.3);
  ck_assert (t.values[3] != 3 * 0.1);
  assert_labels (&t, labels);
}
END_TEST

START_TEST (test_linear_small_start)
{
  DlTicks t;
  const double expected[] = { 0.5, 1.0, 1.5, 2.0, 2.5, 3.0 };
  const char *labels[] = { "0.5", "1.0", "1.5", "2.0", "2.5", "3.0" };

  ck_assert (dl_ticks_linear (1e-4, 3, 5, &t));
  assert_ticks (&t, expected, 6);
  assert_labels (&t, labels);
}
END_TEST

START_TEST (test_linear_negative)
{
  DlTicks t;
  const double neg[] = { -1.0, -0.8, -0.6, -0.4, -0.2 };
  const char *neg_labels[] = { "-1.0", "-0.8", "-0.6", "-0.4", "-0.2" };
  const double across[] = { -2, 0, 2, 4, 6 };
  const char *across_labels[] = { "-2", "0", "2", "4", "6" };

  ck_assert (dl_ticks_linear (-1, -0.2, 5, &t));
  assert_ticks (&t, neg, 5);
  assert_labels (&t, neg_labels);

  /* Reversed bounds are the same range. */
  ck_assert (dl_ticks_linear (7, -3, 5, &t));
  assert_ticks (&t, across, 5);
  assert_labels (&t, across_labels);
  ck_assert (!signbit (t.values[1]));   /* no "-0" */
}
END_TEST

START_TEST (test_linear_tiny_span)
{
  DlTicks t;
  char buf[64];

  ck_assert (dl_ticks_linear (1.0, 1.0 + 1e-9, 5, &t));
  ck_assert_int_ge (t.n, 4);
  ck_assert_int_le (t.n, 8);
  ck_assert (t.step == 2e-10);
  ck_assert (t.values[0] == 1.0);
  ck_assert (t.values[t.n - 1] <= 1.0 + 1e-9);
  dl_ticks_format (&t, t.values[1], buf, sizeof buf);
  ck_assert_str_eq (buf, "1.0000000002");
  for (int i = 1; i < t.n; i++)
    ck_assert (t.values[i] > t.values[i - 1]);
}
END_TEST

START_TEST (test_linear_huge_span)
{
  DlTicks t;
  const double expected[] = { 0, 1e9, 2e9, 3e9, 4e9, 5e9 };
  const char *labels[] = { "0", "1e9", "2e9", "3e9", "4e9", "5e9" };

  ck_assert (dl_ticks_linear (0, 5e9, 5, &t));
  assert_ticks (&t, expected, 6);
  ck_assert (t.scientific);
  assert_labels (&t, labels);
}
END_TEST

START_TEST (test_linear_small_values_scientific)
{
  DlTicks t;
  const double expected[] = { 0, 5e-6, 1e-5, 1.5e-5, 2e-5, 2.5e-5, 3e-5 };
  const char *labels[] = { "0", "5e-6", "1.0e-5", "1.5e-5", "2.0e-5", "2.5e-5", "3.0e-5" };

  ck_assert (dl_ticks_linear (0, 3e-5, 5, &t));
  assert_ticks (&t, expected, 7);
  assert_labels (&t, labels);
}
END_TEST

START_TEST (test_linear_steps_and_epochs)
{
  DlTicks t;
  const double steps[] = { 0, 5000, 10000, 15000, 20000 };
  const char *step_labels[] = { "0", "5000", "10000", "15000", "20000" };

  ck_assert (dl_ticks_linear (0, 20000, 5, &t));
  assert_ticks (&t, steps, 5);
  assert_labels (&t, step_labels);

  /* Any target gives a count near it, for all magnitudes. */
  for (int e = -12; e <= 12; e++)
    for (int target = 2; target <= 10; target++)
      {
        double hi = 3.7 * pow (10, e);
        ck_assert (dl_ticks_linear (0, hi, target, &t));
        ck_assert_int_ge (t.n, target / 2);
        ck_assert_int_le (t.n, target * 2 + 1);
        ck_assert (t.values[0] >= 0 && t.values[t.n - 1] <= hi);
      }
}
END_TEST

START_TEST (test_linear_degenerate)
{
  DlTicks t;
  const double around_half[] = { 0.46, 0.48, 0.5, 0.52, 0.54 };
  const double around_zero[] = { -1, -0.5, 0, 0.5, 1 };
  const char *zero_labels[] = { "-1.0", "-0.5", "0.0", "0.5", "1.0" };

  ck_assert (dl_ticks_linear (0.5, 0.5, 5, &t));
  assert_ticks (&t, around_half, 5);
  ck_assert (dl_ticks_linear (0, 0, 5, &t));
  assert_ticks (&t, around_zero, 5);
  assert_labels (&t, zero_labels);

  ck_assert (!dl_ticks_linear (0, NAN, 5, &t));
  ck_assert_int_eq (t.n, 0);
  ck_assert (!dl_ticks_linear (-INFINITY, 1, 5, &t));
  ck_assert (!dl_ticks_linear (-1.7e308, 1.7e308, 5, &t));
}
END_TEST

START_TEST (test_log_decades)
{
  DlTicks major, minor;
  const double expected[] = { 0.001, 0.01, 0.1, 1, 10 };
  const char *labels[] = { "0.001", "0.01", "0.1", "1", "10" };

  ck_assert (dl_ticks_log (1e-3, 10, 5, &major, &minor));
  assert_ticks (&major, expected, 5);
  assert_labels (&major, labels);
  ck_assert_int_eq (minor.n, 4 * 8);
  ck_assert (minor.values[0] == 0.002);
  ck_assert (minor.values[minor.n - 1] == 9);
}
END_TEST

START_TEST (test_log_many_decades)
{
  DlTicks major, minor;
  const double expected[] = { 1e-6, 1e-3, 1, 1e3 };
  const char *labels[] = { "1e-6", "0.001", "1", "1000" };

  /* 13 decades for 5 ticks: every third decade is labelled, aligned to multiples of 3. */
  ck_assert (dl_ticks_log (1e-8, 1e4, 5, &major, &minor));
  assert_ticks (&major, expected, 4);
  assert_labels (&major, labels);
  ck_assert_int_eq (minor.n, 13 - 4);
  ck_assert (minor.values[0] == 1e-8);
}
END_TEST

START_TEST (test_log_within_a_decade)
{
  DlTicks major, minor;
  const double expected[] = { 0.5, 1, 2 };
  const double expected_minor[] = { 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 3, 4 };
  const char *labels[] = { "0.5", "1", "2" };

  ck_assert (dl_ticks_log (0.3, 4, 5, &major, &minor));
  assert_ticks (&major, expected, 3);
  assert_ticks (&minor, expected_minor, 8);
  assert_labels (&major, labels);

  /* Too narrow for 2 and 5: linear ticks instead. */
  ck_assert (dl_ticks_log (0.3, 0.45, 5, &major, &minor));
  ck_assert (!major.log);
  ck_assert_int_ge (major.n, 3);
  ck_assert (major.values[0] >= 0.3 && major.values[major.n - 1] <= 0.45);
  ck_assert_int_eq (minor.n, 0);

  ck_assert (!dl_ticks_log (0, 1, 5, &major, NULL));
  ck_assert (!dl_ticks_log (-1, 1, 5, &major, NULL));
}
END_TEST

START_TEST (test_pad_range)
{
  double lo = 0, hi = 1;

  dl_ticks_pad_range (&lo, &hi, 0.05, FALSE);
  ck_assert (fabs (lo + 0.05) < 1e-15 && fabs (hi - 1.05) < 1e-15);

  lo = 0.1, hi = 1;
  dl_ticks_pad_range (&lo, &hi, 0.05, TRUE);
  ck_assert (fabs (log10 (lo) + 1.05) < 1e-12 && fabs (log10 (hi) - 0.05) < 1e-12);

  lo = hi = 2;
  dl_ticks_pad_range (&lo, &hi, 0, FALSE);
  ck_assert (lo < 2 && hi > 2);
}
END_TEST

START_TEST (test_format_value)
{
  char buf[64];

  dl_ticks_format_value (0.1 + 0.2, 6, buf, sizeof buf);
  ck_assert_str_eq (buf, "0.3");
  dl_ticks_format_value (1234, 6, buf, sizeof buf);
  ck_assert_str_eq (buf, "1234");
  dl_ticks_format_value (2.5e-7, 6, buf, sizeof buf);
  ck_assert_str_eq (buf, "2.5e-7");
  dl_ticks_format_value (-0.0, 6, buf, sizeof buf);
  ck_assert_str_eq (buf, "0");
  dl_ticks_format_value (NAN, 6, buf, sizeof buf);
  ck_assert_str_eq (buf, "NaN");
  dl_ticks_format_value (0.123456789, 4, buf, sizeof buf);
  ck_assert_str_eq (buf, "0.1235");
}
END_TEST

static Suite *
ticks_suite (void)
{
  Suite *s = suite_create ("ticks");
  TCase *tc = tcase_create ("core");

  tcase_add_test (tc, test_nice_step);
  tcase_add_test (tc, test_linear_unit);
  tcase_add_test (tc, test_linear_no_float_noise);
  tcase_add_test (tc, test_linear_small_start);
  tcase_add_test (tc, test_linear_negative);
  tcase_add_test (tc, test_linear_tiny_span);
  tcase_add_test (tc, test_linear_huge_span);
  tcase_add_test (tc, test_linear_small_values_scientific);
  tcase_add_test (tc, test_linear_steps_and_epochs);
  tcase_add_test (tc, test_linear_degenerate);
  tcase_add_test (tc, test_log_decades);
  tcase_add_test (tc, test_log_many_decades);
  tcase_add_test (tc, test_log_within_a_decade);
  tcase_add_test (tc, test_pad_range);
  tcase_add_test (tc, test_format_value);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (ticks_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
