/* test-data-page.c — the data sanity panel on a synthetic pair of data sets with known faults: the
 * findings dl-sanity reports are all listed, the sample grid shows the sampled images' labels, and a
 * shuffle shows other samples. Needs a display (xvfb-run). */
#include <check.h>
#include <gtk/gtk.h>
#include <string.h>

#include "dl-test-gtk.h"
#include "dl-test-mnist.h"
#include "dl-data-page.h"
#include "dl-digit-view.h"
#include "dl-sanity.h"

#define N_TRAIN 300
#define N_TEST  60

/* Distinct images (a few pixels set from the index); class 3 holds 60 % of the training labels;
 * training image 7 is all black; test image 5 is a copy of training image 100. */
static DlDataset *
make_set (int n, gboolean train)
{
  DlDataset *ds = dl_dataset_new (n, 28, 28);
  for (int i = 0; i < n; i++)
    {
      guint8 *px = ds->pixels + i * 784;
      int seed = train ? i : 1000 + i;

      memset (px, 0, 784);
      if (!(train && i == 7))
        {
          px[seed % 784] = 255;
          px[(seed / 784 + 300) % 784] = 200;
          px[400 + seed % 300] = 128;
        }
      ds->labels[i] = train ? (i % 10 < 6 ? 3 : i % 10) : i % 10;
    }
  dl_dataset_recount (ds);
  return ds;
}

static void
wait_ready (DlDataPage *page)
{
  for (int k = 0; k < 5000 && !dl_data_page_is_ready (page); k++)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  ck_assert (dl_data_page_is_ready (page));
}

static int
count_children (GtkWidget *w)
{
  int n = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    n++;
  return n;
}

/* Label texts of the visible sample cells, in order. */
static GPtrArray *
sample_labels (GtkWidget *page)
{
  GtkFlowBox *grid = (GtkFlowBox *) gtk_widget_get_template_child (page, DL_TYPE_DATA_PAGE, "samples_grid");
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GtkFlowBoxChild *cell;

  for (int k = 0; (cell = gtk_flow_box_get_child_at_index (grid, k)) != NULL; k++)
    {
      if (!gtk_widget_get_visible (GTK_WIDGET (cell)))
        continue;
      GtkWidget *label = gtk_widget_get_last_child (gtk_flow_box_child_get_child (cell));
      g_ptr_array_add (out, g_strdup (gtk_label_get_text (GTK_LABEL (label))));
    }
  return out;
}

/* How many samples the first row holds: those level with the first. */
static int
samples_across (GtkWidget *page)
{
  GtkFlowBox *grid = (GtkFlowBox *) gtk_widget_get_template_child (page, DL_TYPE_DATA_PAGE, "samples_grid");
  GtkFlowBoxChild *cell;
  graphene_rect_t first, r;
  int n = 0;

  ck_assert (gtk_widget_compute_bounds (GTK_WIDGET (gtk_flow_box_get_child_at_index (grid, 0)), page, &first));
  for (int k = 0; (cell = gtk_flow_box_get_child_at_index (grid, k)) != NULL; k++)
    if (gtk_widget_compute_bounds (GTK_WIDGET (cell), page, &r) && r.origin.y == first.origin.y)
      n++;
  return n;
}

START_TEST (test_report_shown)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  g_autoptr (DlDataset) train = make_set (N_TRAIN, TRUE);
  g_autoptr (DlDataset) test = make_set (N_TEST, FALSE);
  memcpy (test->pixels + 5 * 784, train->pixels + 100 * 784, 784);
  GtkWidget *win = gtk_window_new ();
  GtkWidget *page = dl_data_page_new ();

  gtk_window_set_default_size (GTK_WINDOW (win), 1200, 800);
  gtk_window_set_child (GTK_WINDOW (win), page);
  gtk_window_present (GTK_WINDOW (win));

  dl_data_page_set_data (DL_DATA_PAGE (page), train, test);
  wait_ready (DL_DATA_PAGE (page));
  ck_assert_str_eq (gtk_stack_get_visible_child_name (
                      GTK_STACK (gtk_widget_get_template_child (page, DL_TYPE_DATA_PAGE, "stack"))), "report");

  /* Every finding of the report is listed, as a sentence. */
  g_autoptr (DlSanityReport) report = dl_sanity_check (train, test);
  GtkWidget *box = (GtkWidget *) gtk_widget_get_template_child (page, DL_TYPE_DATA_PAGE, "findings_box");
  ck_assert_int_eq (count_children (box), report->findings->len);
  ck_assert_int_ge (report->findings->len, 3);   /* shared image, dominance, black image */
  GString *all = g_string_new (NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (box); row; row = gtk_widget_get_next_sibling (row))
    g_string_append_printf (all, "%s\n", gtk_label_get_text (GTK_LABEL (gtk_widget_get_last_child (row))));
  ck_assert_msg (strstr (all->str, "black") != NULL, "%s", all->str);
  ck_assert_msg (strstr (all->str, "Class 3 holds 60 %") != NULL, "%s", all->str);
  ck_assert_msg (strstr (all->str, "1 test image also appears") != NULL, "%s", all->str);
  g_string_free (all, TRUE);

  /* The pixel range line reports the training set's 0–255 and the black image does not hide it. */
  const char *pixels = gtk_label_get_text (GTK_LABEL (gtk_widget_get_template_child (page, DL_TYPE_DATA_PAGE,
                                                                                      "pixels_label")));
  ck_assert_msg (strstr (pixels, "0–255") != NULL, "%s", pixels);

  /* Samples: 40 labelled cells, the labels of the images dl_sanity_sample picks for the first seed. */
  int idx[40];
  ck_assert_int_eq (dl_sanity_sample (N_TRAIN, 40, 1, idx), 40);
  g_autoptr (GPtrArray) labels = sample_labels (page);
  ck_assert_int_eq (labels->len, 40);
  for (int k = 0; k < 40; k++)
    {
      char want[8];
      g_snprintf (want, sizeof want, "%d", train->labels[idx[k]]);
      ck_assert_str_eq (g_ptr_array_index (labels, k), want);
    }

  /* In a window 1200 px wide they fill the column's width: more than the five across of 800 px. */
  iterate_until (never, NULL, 300);
  ck_assert_int_gt (samples_across (page), 5);
  ck_assert_int_le (samples_across (page), 10);

  /* Shuffle: the next seed's samples. */
  gtk_widget_activate_action (page, "data.shuffle", NULL);
  ck_assert_int_eq (dl_sanity_sample (N_TRAIN, 40, 2, idx), 40);
  g_autoptr (GPtrArray) shuffled = sample_labels (page);
  for (int k = 0; k < 40; k++)
    {
      char want[8];
      g_snprintf (want, sizeof want, "%d", train->labels[idx[k]]);
      ck_assert_str_eq (g_ptr_array_index (shuffled, k), want);
    }

  /* A smaller set than the grid: only that many cells. */
  g_autoptr (DlDataset) tiny = make_set (12, TRUE);
  dl_data_page_set_data (DL_DATA_PAGE (page), tiny, NULL);
  ck_assert (!dl_data_page_is_ready (DL_DATA_PAGE (page)));
  wait_ready (DL_DATA_PAGE (page));
  g_autoptr (GPtrArray) few = sample_labels (page);
  ck_assert_int_eq (few->len, 12);

  gtk_window_destroy (GTK_WINDOW (win));
}
END_TEST

int
main (void)
{
  gtk_init ();
  Suite *s = suite_create ("data-page");
  TCase *tc = tcase_create ("page");
  tcase_add_test (tc, test_report_shown);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
