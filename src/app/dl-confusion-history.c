/* dl-confusion-history.c — past confusion matrices and what changed in a cell (see dl-confusion-history.h). */
#include "config.h"

#include "dl-confusion-history.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dl-class-stats.h"
#include "dl-confusion-view.h"
#include "dl-digit-view.h"

#define MAX_SHOWN 48   /* images shown per list; the count says how many there are */

struct _DlConfusionHistory
{
  GtkWidget        parent_instance;

  GtkWidget       *box;
  GtkScale        *scale;
  GtkLabel        *caption;
  DlConfusionView *view;
  GtkLabel        *changes_label;
  GtkFlowBox      *entered_box, *left_box;
  GtkLabel        *entered_label, *left_label;

  DlRun           *run;
  gulong           added_id;
  DlDataset       *test;
  GArray          *positions;      /* guint: the run's evaluation index of each whole-set evaluation */
  guint            position;
  int              matrix[DL_N_CLASSES][DL_N_CLASSES];
  gboolean         have_matrix;
  int              cell_t, cell_p;
  GArray          *entered, *left;
  gboolean         have_changes;
  gboolean         setting;
  DlClasses       *classes;        /* NULL: the digits */
};

G_DEFINE_FINAL_TYPE (DlConfusionHistory, dl_confusion_history, GTK_TYPE_WIDGET)

static const DlRunEval *
eval_at (DlConfusionHistory *self, guint position)
{
  return dl_run_get_eval (self->run, g_array_index (self->positions, guint, position));
}

static const guint8 *
predictions (const DlRunEval *e)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (e->predicted, &n);

  return n == (gsize) e->n ? p : NULL;
}

static void
fill_images (GtkFlowBox *box, const DlDataset *test, GArray *indices)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_flow_box_remove (box, child);
  for (guint i = 0; test != NULL && i < MIN (indices->len, MAX_SHOWN); i++)
    {
      int k = g_array_index (indices, int, i);
      GtkWidget *v = dl_digit_view_new ();
      g_autofree char *tip = g_strdup_printf (_("Test image %d"), k);
      dl_digit_view_set_image (DL_DIGIT_VIEW (v), test->pixels + (gsize) k * test->rows * test->cols, test->rows,
                               test->cols);
      dl_digit_view_set_pixel_size (DL_DIGIT_VIEW (v), 2);
      gtk_widget_set_tooltip_text (v, tip);
      gtk_flow_box_append (box, v);
    }
}

static void
update_changes (DlConfusionHistory *self)
{
  g_array_set_size (self->entered, 0);
  g_array_set_size (self->left, 0);
  self->have_changes = FALSE;
  if (self->have_matrix && self->cell_t >= 0 && self->test != NULL)
    {
      const DlRunEval *now = eval_at (self, self->position);
      const DlRunEval *before = self->position > 0 ? eval_at (self, self->position - 1) : NULL;
      const guint8 *a = before ? predictions (before) : NULL, *b = predictions (now);
      if (a != NULL && b != NULL && before->n == now->n && now->n <= self->test->n)
        {
          dl_confusion_cell_changes (self->test->labels, a, b, now->n, self->cell_t, self->cell_p, self->entered,
                                     self->left);
          self->have_changes = TRUE;
        }
    }
  if (!self->have_changes)
    gtk_label_set_text (self->changes_label, self->cell_t < 0 ? _("Choose a cell to see what changed in it.")
                                                               : _("No earlier whole-set evaluation to compare with."));
  else
    {
      g_autofree char *text = self->cell_t == self->cell_p
        ? g_strdup_printf (_("%s read right: since the previous evaluation"),
                           dl_classes_name (self->classes, self->cell_t))
        : g_strdup_printf (_("%s read as %s: since the previous evaluation"), dl_classes_name (self->classes, self->cell_t),
                           dl_classes_name (self->classes, self->cell_p));
      gtk_label_set_text (self->changes_label, text);
    }
  g_autofree char *in = g_strdup_printf (_("entered: %u"), self->have_changes ? self->entered->len : 0);
  g_autofree char *out = g_strdup_printf (_("left: %u"), self->have_changes ? self->left->len : 0);
  gtk_label_set_text (self->entered_label, in);
  gtk_label_set_text (self->left_label, out);
  fill_images (self->entered_box, self->test, self->entered);
  fill_images (self->left_box, self->test, self->left);
}

static void
show_position (DlConfusionHistory *self)
{
  self->have_matrix = FALSE;
  if (self->run != NULL && self->position < self->positions->len && self->test != NULL)
    {
      const DlRunEval *e = eval_at (self, self->position);
      const guint8 *p = predictions (e);
      if (p != NULL && e->n <= self->test->n)
        {
          dl_confusion_count (self->test->labels, p, e->n, self->matrix);
          self->have_matrix = TRUE;
          g_autofree char *text = g_strdup_printf (_("Evaluation %u of %u: epoch %.2f, step %lld, %.2f %% right"),
                                                   self->position + 1, self->positions->len, e->x,
                                                   (long long) e->step, 100.0 * e->accuracy);
          gtk_label_set_text (self->caption, text);
        }
    }
  if (!self->have_matrix)
    gtk_label_set_text (self->caption, _("No whole-test-set evaluation yet (one comes at each epoch's end)."));
  dl_confusion_view_set_matrix (DL_CONFUSION_VIEW (self->view), self->have_matrix ? (const int (*)[DL_N_CLASSES]) self->matrix : NULL);
  update_changes (self);
}

static void
update_scale (DlConfusionHistory *self)
{
  guint n = self->positions->len;

  self->setting = TRUE;
  gtk_range_set_range (GTK_RANGE (self->scale), 0, MAX (n, 2) - 1);
  gtk_range_set_value (GTK_RANGE (self->scale), self->position);
  gtk_widget_set_sensitive (GTK_WIDGET (self->scale), n > 1);
  self->setting = FALSE;
}

static void
collect (DlConfusionHistory *self)
{
  g_array_set_size (self->positions, 0);
  for (guint i = 0; self->run != NULL && i < dl_run_get_n_evals (self->run); i++)
    if (dl_run_get_eval (self->run, i)->predicted != NULL)
      g_array_append_val (self->positions, i);
}

static void
eval_added_cb (DlRun *run, guint index, DlConfusionHistory *self)
{
  gboolean at_latest = self->positions->len == 0 || self->position + 1 == self->positions->len;

  if (dl_run_get_eval (run, index)->predicted == NULL)
    return;
  g_array_append_val (self->positions, index);
  if (at_latest)
    self->position = self->positions->len - 1;
  update_scale (self);
  if (at_latest)
    show_position (self);
}

static void
value_changed_cb (GtkRange *range, DlConfusionHistory *self)
{
  if (!self->setting)
    dl_confusion_history_set_position (self, (guint) (gtk_range_get_value (range) + 0.5));
}

static void
cell_activated_cb (DlConfusionView *view, int t, int p, DlConfusionHistory *self)
{
  dl_confusion_history_select_cell (self, t, p);
}

void
dl_confusion_history_set_run (DlConfusionHistory *self, DlRun *run)
{
  g_return_if_fail (DL_IS_CONFUSION_HISTORY (self));
  if (self->run != NULL)
    g_clear_signal_handler (&self->added_id, self->run);
  g_set_object (&self->run, run);
  if (run != NULL)
    self->added_id = g_signal_connect (run, "eval-added", G_CALLBACK (eval_added_cb), self);
  collect (self);
  self->position = self->positions->len > 0 ? self->positions->len - 1 : 0;
  update_scale (self);
  show_position (self);
}

void
dl_confusion_history_set_test_set (DlConfusionHistory *self, DlDataset *test)
{
  g_return_if_fail (DL_IS_CONFUSION_HISTORY (self));
  if (test == self->test)
    return;
  g_clear_pointer (&self->test, dl_dataset_unref);
  self->test = test != NULL ? dl_dataset_ref (test) : NULL;
  show_position (self);
}

guint
dl_confusion_history_get_n_positions (DlConfusionHistory *self)
{
  g_return_val_if_fail (DL_IS_CONFUSION_HISTORY (self), 0);
  return self->positions->len;
}

void
dl_confusion_history_set_position (DlConfusionHistory *self, guint position)
{
  g_return_if_fail (DL_IS_CONFUSION_HISTORY (self));
  if (self->positions->len == 0)
    return;
  self->position = MIN (position, self->positions->len - 1);
  update_scale (self);
  show_position (self);
}

guint
dl_confusion_history_get_position (DlConfusionHistory *self)
{
  g_return_val_if_fail (DL_IS_CONFUSION_HISTORY (self), 0);
  return self->position;
}

gboolean
dl_confusion_history_get_matrix (DlConfusionHistory *self, int matrix[DL_N_CLASSES][DL_N_CLASSES])
{
  g_return_val_if_fail (DL_IS_CONFUSION_HISTORY (self), FALSE);
  if (self->have_matrix)
    memcpy (matrix, self->matrix, sizeof self->matrix);
  return self->have_matrix;
}

void
dl_confusion_history_select_cell (DlConfusionHistory *self, int true_class, int predicted)
{
  g_return_if_fail (DL_IS_CONFUSION_HISTORY (self));
  self->cell_t = true_class;
  self->cell_p = predicted;
  dl_confusion_view_set_selected (self->view, true_class, predicted);
  update_changes (self);
}

gboolean
dl_confusion_history_get_changes (DlConfusionHistory *self, GArray **entered, GArray **left)
{
  g_return_val_if_fail (DL_IS_CONFUSION_HISTORY (self), FALSE);
  if (entered) *entered = self->entered;
  if (left) *left = self->left;
  return self->have_changes;
}

void
dl_confusion_history_set_classes (DlConfusionHistory *self, const DlClasses *classes)
{
  g_return_if_fail (DL_IS_CONFUSION_HISTORY (self));
  g_clear_pointer (&self->classes, dl_classes_free);
  self->classes = classes != NULL ? dl_classes_copy (classes) : NULL;
  dl_confusion_view_set_classes (self->view, classes);
  update_changes (self);
}

static void
dl_confusion_history_dispose (GObject *object)
{
  DlConfusionHistory *self = DL_CONFUSION_HISTORY (object);

  if (self->run != NULL)
    g_clear_signal_handler (&self->added_id, self->run);
  g_clear_object (&self->run);
  g_clear_pointer (&self->test, dl_dataset_unref);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->positions, g_array_unref);
  g_clear_pointer (&self->entered, g_array_unref);
  g_clear_pointer (&self->left, g_array_unref);
  g_clear_pointer (&self->classes, dl_classes_free);
  G_OBJECT_CLASS (dl_confusion_history_parent_class)->dispose (object);
}

static void
dl_confusion_history_class_init (DlConfusionHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dl_confusion_history_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "confusionhistory");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
}

static GtkWidget *
image_list (GtkLabel **label, GtkFlowBox **box)
{
  GtkWidget *col = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *scroller = gtk_scrolled_window_new ();

  *label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (*label, 0.0f);
  gtk_widget_add_css_class (GTK_WIDGET (*label), "heading");
  *box = GTK_FLOW_BOX (gtk_flow_box_new ());
  gtk_flow_box_set_selection_mode (*box, GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (*box, 12);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (*box));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request (scroller, -1, 90);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (col), GTK_WIDGET (*label));
  gtk_box_append (GTK_BOX (col), scroller);
  gtk_widget_set_hexpand (col, TRUE);
  return col;
}

static void
dl_confusion_history_init (DlConfusionHistory *self)
{
  GtkWidget *lists = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  self->cell_t = self->cell_p = -1;
  self->positions = g_array_new (FALSE, FALSE, sizeof (guint));
  self->entered = g_array_new (FALSE, FALSE, sizeof (int));
  self->left = g_array_new (FALSE, FALSE, sizeof (int));
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->caption = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->caption, 0.0f);
  self->scale = GTK_SCALE (gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 1));
  gtk_scale_set_draw_value (self->scale, FALSE);
  gtk_range_set_round_digits (GTK_RANGE (self->scale), 0);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->scale), _("Scrub through the whole-test-set evaluations"));
  g_signal_connect (self->scale, "value-changed", G_CALLBACK (value_changed_cb), self);
  self->view = DL_CONFUSION_VIEW (dl_confusion_view_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->view), 300, 300);
  gtk_widget_set_vexpand (GTK_WIDGET (self->view), TRUE);
  g_signal_connect (self->view, "cell-activated", G_CALLBACK (cell_activated_cb), self);
  self->changes_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->changes_label, 0.0f);
  gtk_label_set_wrap (self->changes_label, TRUE);
  gtk_box_append (GTK_BOX (lists), image_list (&self->entered_label, &self->entered_box));
  gtk_box_append (GTK_BOX (lists), image_list (&self->left_label, &self->left_box));
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->caption));
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->scale));
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->view));
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->changes_label));
  gtk_box_append (GTK_BOX (self->box), lists);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  show_position (self);
  /* What a screen reader calls it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("The confusion matrix at past evaluations"), -1);
}

GtkWidget *
dl_confusion_history_new (void)
{
  return g_object_new (DL_TYPE_CONFUSION_HISTORY, NULL);
}
