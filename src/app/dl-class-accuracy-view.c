/* dl-class-accuracy-view.c — per-class accuracy curves with a toggling legend (see dl-class-accuracy-view.h). */
#include "config.h"

#include "dl-class-accuracy-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-class-stats.h"
#include "dl-plot.h"

static const char *const colors[DL_N_CLASSES] = {
  "blue", "orange", "green", "purple", "red", "teal", "yellow", "gray", "brown", "pink",
};

struct _DlClassAccuracyView
{
  GtkWidget        parent_instance;

  GtkWidget       *box;
  DlPlot          *plot;
  GtkToggleButton *toggles[DL_N_CLASSES];
  GtkToggleButton *subset_toggle;
  DlSeries        *series[DL_N_CLASSES];
  gboolean         visible[DL_N_CLASSES];
  DlRun           *run;
  gulong           added_id;
  gboolean         subset;
};

G_DEFINE_FINAL_TYPE (DlClassAccuracyView, dl_class_accuracy_view, GTK_TYPE_WIDGET)

static gboolean
wanted (DlClassAccuracyView *self, const DlRunEval *e)
{
  return self->subset ? e->kind == DL_EVAL_SUBSET : e->kind != DL_EVAL_SUBSET;
}

static void
append_eval (DlClassAccuracyView *self, const DlRunEval *e)
{
  double acc[DL_N_CLASSES];

  if (!wanted (self, e))
    return;
  dl_class_accuracy (e->confusion, acc, NULL);
  for (int c = 0; c < DL_N_CLASSES; c++)
    dl_series_append (self->series[c], e->x, 100.0 * acc[c]);
}

static void
refill (DlClassAccuracyView *self)
{
  for (int c = 0; c < DL_N_CLASSES; c++)
    dl_series_clear (self->series[c]);
  for (guint i = 0; self->run != NULL && i < dl_run_get_n_evals (self->run); i++)
    append_eval (self, dl_run_get_eval (self->run, i));
  dl_plot_set_title (self->plot, self->subset ? _("Per-class accuracy (2,000-image test subset)")
                                              : _("Per-class test accuracy"));
}

static void
eval_added_cb (DlRun *run, guint index, DlClassAccuracyView *self)
{
  append_eval (self, dl_run_get_eval (run, index));
}

void
dl_class_accuracy_view_set_run (DlClassAccuracyView *self, DlRun *run)
{
  g_return_if_fail (DL_IS_CLASS_ACCURACY_VIEW (self));
  if (self->run != NULL)
    g_clear_signal_handler (&self->added_id, self->run);
  g_set_object (&self->run, run);
  if (run != NULL)
    self->added_id = g_signal_connect (run, "eval-added", G_CALLBACK (eval_added_cb), self);
  refill (self);
}

void
dl_class_accuracy_view_set_subset (DlClassAccuracyView *self, gboolean subset)
{
  g_return_if_fail (DL_IS_CLASS_ACCURACY_VIEW (self));
  self->subset = subset;
  if (gtk_toggle_button_get_active (self->subset_toggle) != subset)
    gtk_toggle_button_set_active (self->subset_toggle, subset);
  refill (self);
}

void
dl_class_accuracy_view_set_class_visible (DlClassAccuracyView *self, int c, gboolean visible)
{
  g_return_if_fail (DL_IS_CLASS_ACCURACY_VIEW (self));
  g_return_if_fail (c >= 0 && c < DL_N_CLASSES);
  if (!visible == !self->visible[c])
    return;
  self->visible[c] = visible;
  if (visible)
    dl_plot_add_series (self->plot, self->series[c]);
  else
    dl_plot_remove_series (self->plot, self->series[c]);
  if (gtk_toggle_button_get_active (self->toggles[c]) != visible)
    gtk_toggle_button_set_active (self->toggles[c], visible);
}

gboolean
dl_class_accuracy_view_get_class_visible (DlClassAccuracyView *self, int c)
{
  g_return_val_if_fail (DL_IS_CLASS_ACCURACY_VIEW (self) && c >= 0 && c < DL_N_CLASSES, FALSE);
  return self->visible[c];
}

DlSeries *
dl_class_accuracy_view_get_series (DlClassAccuracyView *self, int c)
{
  g_return_val_if_fail (DL_IS_CLASS_ACCURACY_VIEW (self) && c >= 0 && c < DL_N_CLASSES, NULL);
  return self->series[c];
}

static void
toggled_cb (GtkToggleButton *button, DlClassAccuracyView *self)
{
  int c = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "class"));

  dl_class_accuracy_view_set_class_visible (self, c, gtk_toggle_button_get_active (button));
}

static void
subset_toggled_cb (GtkToggleButton *button, DlClassAccuracyView *self)
{
  if (gtk_toggle_button_get_active (button) != self->subset)
    dl_class_accuracy_view_set_subset (self, gtk_toggle_button_get_active (button));
}

static void
dl_class_accuracy_view_dispose (GObject *object)
{
  DlClassAccuracyView *self = DL_CLASS_ACCURACY_VIEW (object);

  if (self->run != NULL)
    g_clear_signal_handler (&self->added_id, self->run);
  g_clear_object (&self->run);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  for (int c = 0; c < DL_N_CLASSES; c++)
    g_clear_object (&self->series[c]);
  G_OBJECT_CLASS (dl_class_accuracy_view_parent_class)->dispose (object);
}

/* The legend's toggles and the curves are named after the classes. */
void
dl_class_accuracy_view_set_classes (DlClassAccuracyView *self, const DlClasses *classes)
{
  g_return_if_fail (DL_IS_CLASS_ACCURACY_VIEW (self));
  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      const char *name = dl_classes_name (classes, c);
      g_autofree char *tip = g_strdup_printf (_("Show or hide the curve of %s"), name);

      gtk_button_set_label (GTK_BUTTON (self->toggles[c]), name);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->toggles[c]), tip);
      dl_series_set_name (self->series[c], name);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->plot));
}

static void
dl_class_accuracy_view_class_init (DlClassAccuracyViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dl_class_accuracy_view_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "classaccuracy");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
}

/* The legend: a toggle per class, its swatch in the curve's colour (the plot's palette via CSS classes). */
static GtkWidget *
legend_new (DlClassAccuracyView *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);

  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      g_autofree char *css = g_strdup_printf ("dl-class-%s", colors[c]);
      GtkWidget *b = gtk_toggle_button_new ();
      gtk_widget_add_css_class (b, css);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (b), TRUE);
      g_object_set_data (G_OBJECT (b), "class", GINT_TO_POINTER (c));
      g_signal_connect (b, "toggled", G_CALLBACK (toggled_cb), self);
      self->toggles[c] = GTK_TOGGLE_BUTTON (b);
      gtk_box_append (GTK_BOX (row), b);
    }
  self->subset_toggle = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_label (_("2,000-image subset")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->subset_toggle),
                               _("The periodic evaluations on the first 2,000 test images instead of the whole test set's"));
  gtk_widget_set_margin_start (GTK_WIDGET (self->subset_toggle), 12);
  g_signal_connect (self->subset_toggle, "toggled", G_CALLBACK (subset_toggled_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->subset_toggle));
  return row;
}

static void
dl_class_accuracy_view_init (DlClassAccuracyView *self)
{
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  self->plot = DL_PLOT (dl_plot_new ());
  dl_plot_set_y_percent (self->plot, TRUE);
  dl_plot_set_x_label (self->plot, _("epoch"));
  dl_plot_set_y_label (self->plot, _("accuracy"));
  gtk_widget_set_vexpand (GTK_WIDGET (self->plot), TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self->plot), -1, 200);
  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      self->series[c] = dl_series_new (NULL, colors[c]);
      dl_series_set_markers (self->series[c], TRUE);
      self->visible[c] = TRUE;
      dl_plot_add_series (self->plot, self->series[c]);
    }
  gtk_box_append (GTK_BOX (self->box), legend_new (self));
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->plot));
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  dl_class_accuracy_view_set_classes (self, NULL);
  refill (self);
  /* What a screen reader calls it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Each class's test accuracy over the run"), -1);
}

GtkWidget *
dl_class_accuracy_view_new (void)
{
  return g_object_new (DL_TYPE_CLASS_ACCURACY_VIEW, NULL);
}
