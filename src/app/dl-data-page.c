/* dl-data-page.c — data sanity panel: findings, label histograms, pixel range, random samples. */
#include "dl-data-page.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-digit-view.h"
#include "dl-sanity.h"

#define N_SAMPLES 40   /* 5 across at the least (the page fits 800 px), up to 10 where there is room */

struct _DlDataPage
{
  GtkWidget       parent_instance;

  DlDataset      *train, *test;
  DlSanityReport *report;
  GCancellable   *cancellable;      /* the check in flight, if any */
  guint64         sample_seed;
  GtkWidget      *sample_cells[N_SAMPLES];    /* GtkFlowBoxChild, each a box of the image and its label */
  DlDigitView    *sample_views[N_SAMPLES];
  GtkLabel       *sample_labels[N_SAMPLES];
  DlClasses      *classes;          /* what the labels mean; NULL: the digits */

  /* template children */
  GtkStack       *stack;
  GtkSpinner     *spinner;
  GtkLabel       *waiting_label;
  GtkBox         *findings_box;
  GtkDrawingArea *histogram;
  GtkLabel       *pixels_label;
  GtkFlowBox     *samples_grid;
};

G_DEFINE_FINAL_TYPE (DlDataPage, dl_data_page, GTK_TYPE_WIDGET)

/* ---- samples ---- */

static void
show_samples (DlDataPage *self)
{
  int idx[N_SAMPLES];
  int n = self->train != NULL ? dl_sanity_sample (self->train->n, N_SAMPLES, self->sample_seed, idx) : 0;
  gsize image = self->train != NULL ? (gsize) self->train->rows * self->train->cols : 0;

  for (int k = 0; k < N_SAMPLES; k++)
    {
      GtkWidget *cell = self->sample_cells[k];

      gtk_widget_set_visible (cell, k < n);
      if (k >= n)
        continue;

      int label = self->train->labels[idx[k]];
      /* Under a small tile: the name's start; the tooltip says it whole. */
      g_autofree char *text = dl_classes_abbrev (self->classes, label, 6);
      gtk_label_set_text (self->sample_labels[k], text);
      dl_digit_view_set_image (self->sample_views[k], self->train->pixels + idx[k] * image,
                               self->train->rows, self->train->cols);
      g_autofree char *tip = g_strdup_printf (_("Training image %d, labelled %s"), idx[k],
                                              dl_classes_name (self->classes, label));
      gtk_widget_set_tooltip_text (gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (cell)), tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->sample_views[k]), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
    }
}

static void
shuffle_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  DlDataPage *self = DL_DATA_PAGE (widget);

  self->sample_seed++;
  show_samples (self);
}

static void
build_sample_cells (DlDataPage *self)
{
  for (int k = 0; k < N_SAMPLES; k++)
    {
      GtkWidget *cell = gtk_flow_box_child_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *view = dl_digit_view_new ();
      GtkWidget *label = gtk_label_new (NULL);

      dl_digit_view_set_pixel_size (DL_DIGIT_VIEW (view), 2);
      gtk_widget_add_css_class (label, "heading");
      gtk_box_append (GTK_BOX (box), view);
      gtk_box_append (GTK_BOX (box), label);
      /* A picture to look at, not a control: Tab passes it by. */
      gtk_widget_set_focusable (cell, FALSE);
      gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (cell), box);
      gtk_flow_box_append (self->samples_grid, cell);
      self->sample_cells[k] = cell;
      self->sample_views[k] = DL_DIGIT_VIEW (view);
      self->sample_labels[k] = GTK_LABEL (label);
    }
}

/* ---- the report ---- */

static gboolean
set_has_problems (const DlSanitySet *s)
{
  if (s->n == 0)
    return FALSE;
  for (int c = 0; c < DL_N_CLASSES; c++)
    if (s->histogram[c] == 0)
      return TRUE;
  return s->dominant_class >= 0 || s->pixel_max <= 1 || s->pixel_mean > 127 || s->all_black->len > 0
         || s->all_white->len > 0 || s->n_duplicates > 0;
}

static gboolean
report_has_problems (const DlSanityReport *r)
{
  return r->n_test_in_train > 0 || set_has_problems (&r->train) || set_has_problems (&r->test);
}

/* dl-sanity writes findings as lower-case clauses; shown as sentences. */
static char *
as_sentence (const char *finding)
{
  g_autofree char *first = g_utf8_strup (finding, g_utf8_next_char (finding) - finding);
  const char *rest = g_utf8_next_char (finding);
  return g_strdup_printf ("%s%s%s", first, rest, g_str_has_suffix (finding, ".") ? "" : ".");
}

static void
show_findings (DlDataPage *self)
{
  GtkWidget *child;
  gboolean problems = report_has_problems (self->report);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->findings_box))) != NULL)
    gtk_box_remove (self->findings_box, child);

  for (guint k = 0; k < self->report->findings->len; k++)
    {
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
      GtkWidget *icon = gtk_image_new_from_icon_name (problems ? "dialog-warning-symbolic" : "emblem-ok-symbolic");
      g_autofree char *text = as_sentence (g_ptr_array_index (self->report->findings, k));
      GtkWidget *label = gtk_label_new (text);

      gtk_widget_add_css_class (icon, problems ? "warning" : "success");
      gtk_widget_set_valign (icon, GTK_ALIGN_START);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (row), icon);
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (self->findings_box, row);
    }
}

static void
append_set_pixels (GString *s, const char *what, const DlSanitySet *set, const DlDataset *ds)
{
  g_string_append_printf (s, _("%s: %'d images of %d × %d, pixel values %d–%d, mean %.1f"),
                          what, set->n, ds->rows, ds->cols, set->pixel_min, set->pixel_max, set->pixel_mean);
}

static void
show_pixels (DlDataPage *self)
{
  GString *s = g_string_new (NULL);

  append_set_pixels (s, C_("data set", "Training"), &self->report->train, self->train);
  if (self->test != NULL)
    {
      g_string_append_c (s, '\n');
      append_set_pixels (s, C_("data set", "Test"), &self->report->test, self->test);
    }
  g_string_append_c (s, '\n');
  g_string_append (s, _("MNIST uses the full range 0–255 with bright ink on black (mean about 33); the network sees "
                        "each pixel divided by 255."));
  gtk_label_set_text (self->pixels_label, s->str);
  g_string_free (s, TRUE);
}

/* Grouped bars: for each digit the training share, then the test share, on one scale. */
static void
draw_histogram (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  DlDataPage *self = data;
  const double left = 36, bottom = 20, top = 12;
  const double colours[2][3] = { { 0.21, 0.52, 0.89 }, { 0.90, 0.55, 0.15 } };
  const DlSanitySet *sets[2];
  double max_share = 0.12;
  GdkRGBA fg;

  if (self->report == NULL)
    return;
  sets[0] = &self->report->train;
  sets[1] = self->test != NULL ? &self->report->test : NULL;
  for (int k = 0; k < 2; k++)
    for (int c = 0; sets[k] != NULL && sets[k]->n > 0 && c < DL_N_CLASSES; c++)
      max_share = MAX (max_share, (double) sets[k]->histogram[c] / sets[k]->n);
  max_share = ceil (max_share * 20) / 20;   /* a multiple of 5 % */

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  double plot_w = width - left, plot_h = height - bottom - top;
  double group = plot_w / DL_N_CLASSES, bar = group * 0.36;
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), NULL);
  int tw, th;

  /* Grid lines every 5 %. */
  cairo_set_line_width (cr, 1);
  for (double v = 0; v <= max_share + 1e-9; v += 0.05)
    {
      double y = floor (top + plot_h * (1 - v / max_share)) + 0.5;
      char buf[16];

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, v == 0 ? 0.5 : 0.12);
      cairo_move_to (cr, left, y);
      cairo_line_to (cr, width, y);
      cairo_stroke (cr);
      g_snprintf (buf, sizeof buf, "%.0f %%", 100 * v);
      pango_layout_set_text (layout, buf, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      cairo_move_to (cr, left - 6 - tw, y - th / 2.0);
      pango_cairo_show_layout (cr, layout);
    }

  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      double x = left + c * group + (group - 2 * bar) / 2;

      for (int k = 0; k < 2; k++)
        {
          if (sets[k] == NULL || sets[k]->n == 0)
            continue;
          double h = plot_h * ((double) sets[k]->histogram[c] / sets[k]->n) / max_share;
          cairo_set_source_rgb (cr, colours[k][0], colours[k][1], colours[k][2]);
          cairo_rectangle (cr, x + k * bar, top + plot_h - h, bar - 1, h);
          cairo_fill (cr);
        }
      /* The whole name when it fits under its group, else its start. */
      pango_layout_set_text (layout, dl_classes_name (self->classes, c), -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      if (tw > group - 2)
        {
          g_autofree char *label = dl_classes_abbrev (self->classes, c, 3);

          pango_layout_set_text (layout, label, -1);
          pango_layout_get_pixel_size (layout, &tw, &th);
        }
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_move_to (cr, left + c * group + (group - tw) / 2, height - bottom + 3);
      pango_cairo_show_layout (cr, layout);
    }
  g_object_unref (layout);
}

/* ---- computing the report off the main thread ---- */

typedef struct {
  DlDataset *train, *test;
  DlClasses *classes;   /* what the findings call the labels; NULL: the digits */
} CheckData;

static void
check_data_free (gpointer data)
{
  CheckData *d = data;
  dl_dataset_unref (d->train);
  g_clear_pointer (&d->test, dl_dataset_unref);
  g_clear_pointer (&d->classes, dl_classes_free);
  g_free (d);
}

/* The histogram in words for screen readers: each set's share of every class. */
static void
describe_histogram (DlDataPage *self)
{
  const DlSanitySet *sets[2] = { &self->report->train, self->test != NULL ? &self->report->test : NULL };
  const char *names[2] = { _("Training set"), _("Test set") };
  g_autoptr (GString) text = g_string_new (NULL);

  for (int k = 0; k < 2; k++)
    {
      if (sets[k] == NULL || sets[k]->n == 0)
        continue;
      if (text->len > 0)
        g_string_append (text, ". ");
      g_string_append_printf (text, "%s:", names[k]);
      for (int c = 0; c < DL_N_CLASSES; c++)
        g_string_append_printf (text, "%s %s %.1f %%", c > 0 ? "," : "", dl_classes_name (self->classes, c),
                                100.0 * sets[k]->histogram[c] / sets[k]->n);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->histogram), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text->str, -1);
}

static void
check_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CheckData *d = task_data;
  g_task_return_pointer (task, dl_sanity_check_classes (d->train, d->test, d->classes),
                         (GDestroyNotify) dl_sanity_report_free);
}

static void
check_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DlDataPage *self = DL_DATA_PAGE (source);
  DlSanityReport *report = g_task_propagate_pointer (G_TASK (result), NULL);

  /* A newer data set replaced this one while it was being checked. */
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    {
      dl_sanity_report_free (report);
      return;
    }
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->report, dl_sanity_report_free);
  self->report = report;

  show_findings (self);
  show_pixels (self);
  show_samples (self);
  describe_histogram (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->histogram));
  gtk_spinner_stop (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "report");
}

/* Checks the shown sets in a thread (a check still running for older sets or names is dropped). */
static void
start_check (DlDataPage *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  CheckData *d = g_new0 (CheckData, 1);
  d->train = dl_dataset_ref (self->train);
  d->test = self->test != NULL ? dl_dataset_ref (self->test) : NULL;
  d->classes = self->classes != NULL ? dl_classes_copy (self->classes) : NULL;
  GTask *task = g_task_new (self, self->cancellable, check_done, NULL);
  g_task_set_task_data (task, d, check_data_free);
  g_task_run_in_thread (task, check_thread);
  g_object_unref (task);

  gtk_label_set_text (self->waiting_label, _("Checking the data…"));
  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "waiting");
}

void
dl_data_page_set_data (DlDataPage *self, DlDataset *train, DlDataset *test)
{
  g_return_if_fail (DL_IS_DATA_PAGE (self));
  g_return_if_fail (train != NULL);

  if (train == self->train && test == self->test)
    return;
  if (test != NULL && (test->rows != train->rows || test->cols != train->cols))
    test = NULL;   /* the worker refuses such a pair anyway; check the training set alone */

  g_clear_pointer (&self->train, dl_dataset_unref);
  g_clear_pointer (&self->test, dl_dataset_unref);
  g_clear_pointer (&self->report, dl_sanity_report_free);
  self->train = dl_dataset_ref (train);
  self->test = test != NULL ? dl_dataset_ref (test) : NULL;
  start_check (self);
}

void
dl_data_page_set_classes (DlDataPage *self, const DlClasses *classes)
{
  g_return_if_fail (DL_IS_DATA_PAGE (self));
  g_clear_pointer (&self->classes, dl_classes_free);
  self->classes = classes != NULL ? dl_classes_copy (classes) : NULL;
  show_samples (self);
  if (self->report != NULL)
    describe_histogram (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->histogram));
  /* The findings name the classes too: checked again in the new names. */
  if (self->train != NULL)
    start_check (self);
}

gboolean
dl_data_page_is_ready (DlDataPage *self)
{
  g_return_val_if_fail (DL_IS_DATA_PAGE (self), FALSE);
  return self->report != NULL;
}

/* ---- GObject ---- */

static void
dl_data_page_dispose (GObject *object)
{
  DlDataPage *self = DL_DATA_PAGE (object);
  GtkWidget *child;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_DATA_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->report, dl_sanity_report_free);
  g_clear_pointer (&self->train, dl_dataset_unref);
  g_clear_pointer (&self->test, dl_dataset_unref);
  g_clear_pointer (&self->classes, dl_classes_free);
  G_OBJECT_CLASS (dl_data_page_parent_class)->dispose (object);
}

static void
dl_data_page_class_init (DlDataPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_data_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-data-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlDataPage, stack);
  gtk_widget_class_bind_template_child (widget_class, DlDataPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, DlDataPage, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, DlDataPage, findings_box);
  gtk_widget_class_bind_template_child (widget_class, DlDataPage, histogram);
  gtk_widget_class_bind_template_child (widget_class, DlDataPage, pixels_label);
  gtk_widget_class_bind_template_child (widget_class, DlDataPage, samples_grid);

  gtk_widget_class_install_action (widget_class, "data.shuffle", NULL, shuffle_action);
}

static void
dl_data_page_init (DlDataPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  build_sample_cells (self);
  gtk_drawing_area_set_draw_func (self->histogram, draw_histogram, self, NULL);
  self->sample_seed = 1;
}

GtkWidget *
dl_data_page_new (void)
{
  return g_object_new (DL_TYPE_DATA_PAGE, NULL);
}
