/* test-probability-list.c — DlProbabilityList, the ten probabilities of the Mistakes and Unlabeled pages:
 * a row per class names it (the digits, then a data set's classes, then the digits again), shows its
 * probability in the bar and as "%.1f %%", and marks the answer (accent) or, with a true class, the truth
 * (success) and a wrong answer (error); "predicted" and "truth" notify only on a change. Needs a display
 * (the suite runs under xvfb-run). */
#include <check.h>
#include <gtk/gtk.h>

#include "dl-probability-list.h"
#include "dl-test-mnist.h"

/* Row c's name label (column 0), level bar (1) or percentage (2): the rows' widgets in order. */
static GtkWidget *
cell (GtkWidget *list, int c, int column)
{
  GtkWidget *w = gtk_widget_get_first_child (list);

  for (int k = 0; k < 3 * c + column && w != NULL; k++)
    w = gtk_widget_get_next_sibling (w);
  ck_assert_ptr_nonnull (w);
  return w;
}

static const char *
name_of (GtkWidget *list, int c)
{
  return gtk_label_get_text (GTK_LABEL (cell (list, c, 0)));
}

/* The marks of row c as "success", "error", "accent" or "" (none), failing on more than one. */
static const char *
mark_of (GtkWidget *list, int c)
{
  static const char *const marks[] = { "success", "error", "accent" };
  const char *found = "";

  for (guint k = 0; k < G_N_ELEMENTS (marks); k++)
    if (gtk_widget_has_css_class (cell (list, c, 0), marks[k]))
      {
        ck_assert_msg (*found == '\0', "row %d is marked both %s and %s", c, found, marks[k]);
        found = marks[k];
      }
  return found;
}

static void
count_notify (GObject *object, GParamSpec *pspec, int *count)
{
  (*count)++;
}

START_TEST (test_names)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *list = g_object_ref_sink (dl_probability_list_new ());
  int notified = 0;

  g_signal_connect (list, "notify::classes", G_CALLBACK (count_notify), &notified);
  for (int c = 0; c < 10; c++)
    {
      char digit[2] = { (char) ('0' + c), 0 };
      ck_assert_str_eq (name_of (list, c), digit);
      ck_assert (GTK_IS_LEVEL_BAR (cell (list, c, 1)));
    }

  dl_probability_list_set_classes (DL_PROBABILITY_LIST (list), dl_classes_fashion ());
  ck_assert_int_eq (notified, 1);
  ck_assert_ptr_ne (dl_probability_list_get_classes (DL_PROBABILITY_LIST (list)), dl_classes_fashion ());
  for (int c = 0; c < 10; c++)
    ck_assert_str_eq (name_of (list, c), dl_classes_name (dl_classes_fashion (), c));
  ck_assert_str_ne (name_of (list, 0), "0");

  g_object_set (list, "classes", NULL, NULL);
  ck_assert_int_eq (notified, 2);
  ck_assert_ptr_null (dl_probability_list_get_classes (DL_PROBABILITY_LIST (list)));
  ck_assert_str_eq (name_of (list, 9), "9");
  g_object_unref (list);
}
END_TEST

START_TEST (test_values)
{
  DL_TEST_WATCHDOG ();
  GtkWidget *list = g_object_ref_sink (dl_probability_list_new ());
  const float probs[10] = { 0.0f, 0.001f, 0.012f, 0.05f, 0.1f, 0.0f, 0.25f, 0.5f, 0.0364f, 0.0f };
  const char *const texts[10] = { "0.0 %", "0.1 %", "1.2 %", "5.0 %", "10.0 %",
                                  "0.0 %", "25.0 %", "50.0 %", "3.6 %", "0.0 %" };

  for (int c = 0; c < 10; c++)
    ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (cell (list, c, 2))), "");

  dl_probability_list_set_probabilities (DL_PROBABILITY_LIST (list), probs);
  for (int c = 0; c < 10; c++)
    {
      ck_assert_double_eq_tol (gtk_level_bar_get_value (GTK_LEVEL_BAR (cell (list, c, 1))), probs[c], 1e-7);
      ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (cell (list, c, 2))), texts[c]);
    }

  /* Cleared: empty bars, no percentages. */
  dl_probability_list_set_probabilities (DL_PROBABILITY_LIST (list), NULL);
  for (int c = 0; c < 10; c++)
    {
      ck_assert_double_eq (gtk_level_bar_get_value (GTK_LEVEL_BAR (cell (list, c, 1))), 0.0);
      ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (cell (list, c, 2))), "");
    }
  g_object_unref (list);
}
END_TEST

START_TEST (test_marks)
{
  DL_TEST_WATCHDOG ();
  GtkWidget *list = g_object_ref_sink (dl_probability_list_new ());
  DlProbabilityList *pl = DL_PROBABILITY_LIST (list);
  int notified = 0, predicted, truth;

  g_signal_connect (list, "notify::predicted", G_CALLBACK (count_notify), &notified);
  g_signal_connect (list, "notify::truth", G_CALLBACK (count_notify), &notified);
  for (int c = 0; c < 10; c++)
    ck_assert_str_eq (mark_of (list, c), "");

  /* No true class (an unlabeled image): the answer in the accent colour. */
  dl_probability_list_set_predicted (pl, 7);
  for (int c = 0; c < 10; c++)
    ck_assert_str_eq (mark_of (list, c), c == 7 ? "accent" : "");

  /* A mistake: the truth green, the answer red. */
  g_object_set (list, "truth", 2, NULL);
  for (int c = 0; c < 10; c++)
    ck_assert_str_eq (mark_of (list, c), c == 2 ? "success" : c == 7 ? "error" : "");

  /* Right: the one row green. */
  dl_probability_list_set_predicted (pl, 2);
  for (int c = 0; c < 10; c++)
    ck_assert_str_eq (mark_of (list, c), c == 2 ? "success" : "");
  ck_assert_int_eq (notified, 3);

  /* The same values again: no notification, the same marks. */
  dl_probability_list_set_truth (pl, 2);
  g_object_set (list, "predicted", 2, NULL);
  ck_assert_int_eq (notified, 3);
  g_object_get (list, "predicted", &predicted, "truth", &truth, NULL);
  ck_assert_int_eq (predicted, 2);
  ck_assert_int_eq (truth, 2);

  /* Neither: no marks left. */
  dl_probability_list_set_truth (pl, -1);
  dl_probability_list_set_predicted (pl, -1);
  ck_assert_int_eq (notified, 5);
  ck_assert_int_eq (dl_probability_list_get_predicted (pl), -1);
  ck_assert_int_eq (dl_probability_list_get_truth (pl), -1);
  for (int c = 0; c < 10; c++)
    ck_assert_str_eq (mark_of (list, c), "");
  g_object_unref (list);
}
END_TEST

/* In a window: ten rows top to bottom, the bars between the names and the percentages. */
START_TEST (test_layout)
{
  DL_TEST_WATCHDOG ();
  GtkWidget *list = dl_probability_list_new ();
  GtkWidget *win = gtk_window_new ();
  graphene_rect_t name, bar, value, next;

  gtk_window_set_default_size (GTK_WINDOW (win), 300, 300);
  gtk_window_set_child (GTK_WINDOW (win), list);
  gtk_window_present (GTK_WINDOW (win));
  for (int i = 0; i < 2000 && gtk_widget_get_width (list) == 0; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  ck_assert_int_gt (gtk_widget_get_width (list), 0);
  for (int c = 0; c < 10; c++)
    {
      ck_assert (gtk_widget_compute_bounds (cell (list, c, 0), list, &name));
      ck_assert (gtk_widget_compute_bounds (cell (list, c, 1), list, &bar));
      ck_assert (gtk_widget_compute_bounds (cell (list, c, 2), list, &value));
      ck_assert_float_le (name.origin.x + name.size.width, bar.origin.x);
      ck_assert_float_le (bar.origin.x + bar.size.width, value.origin.x);
      ck_assert_float_gt (bar.size.width, 100);
      if (c < 9)
        {
          ck_assert (gtk_widget_compute_bounds (cell (list, c + 1, 0), list, &next));
          ck_assert_float_ge (next.origin.y, name.origin.y + name.size.height);
        }
    }
  gtk_window_destroy (GTK_WINDOW (win));
}
END_TEST

static Suite *
probability_list_suite (void)
{
  Suite *s = suite_create ("probability-list");
  TCase *tc = tcase_create ("widget");

  tcase_add_test (tc, test_names);
  tcase_add_test (tc, test_values);
  tcase_add_test (tc, test_marks);
  tcase_add_test (tc, test_layout);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  gtk_init ();
  /* A misused GTK call (a layout child asked for before its parent is set) fails the test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  SRunner *sr = srunner_create (probability_list_suite ());
  /* GTK is initialised once in this process; check must not fork. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
