/* dl-probability-list.c — a row per class (name, level bar, percentage) laid out by a GtkGridLayout. */
#include "dl-probability-list.h"

#include "dl-data.h"

struct _DlProbabilityList
{
  GtkWidget    parent_instance;

  DlClasses   *classes;     /* NULL: the digits */
  int          predicted, truth;
  GtkLabel    *name[DL_N_CLASSES];
  GtkLevelBar *bar[DL_N_CLASSES];
  GtkLabel    *value[DL_N_CLASSES];
};

G_DEFINE_FINAL_TYPE (DlProbabilityList, dl_probability_list, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CLASSES, PROP_PREDICTED, PROP_TRUTH, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const char *const marks[] = { "success", "error", "accent" };

/* With a true class, right and wrong; without one, just the answer. */
static const char *
mark_of (DlProbabilityList *self, int c)
{
  if (self->truth >= 0)
    return c == self->truth ? "success" : c == self->predicted ? "error" : NULL;
  return c == self->predicted ? "accent" : NULL;
}

static void
update_marks (DlProbabilityList *self)
{
  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      GtkWidget *name = GTK_WIDGET (self->name[c]);
      const char *mark = mark_of (self, c);

      for (guint k = 0; k < G_N_ELEMENTS (marks); k++)
        gtk_widget_remove_css_class (name, marks[k]);
      if (mark != NULL)
        gtk_widget_add_css_class (name, mark);
    }
}

static void
update_names (DlProbabilityList *self)
{
  for (int c = 0; c < DL_N_CLASSES; c++)
    gtk_label_set_text (self->name[c], dl_classes_name (self->classes, c));
}

static void
attach (DlProbabilityList *self, GtkWidget *child, int column, int row)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  GtkGridLayoutChild *cell;

  gtk_widget_set_parent (child, GTK_WIDGET (self));
  cell = GTK_GRID_LAYOUT_CHILD (gtk_layout_manager_get_layout_child (layout, child));
  gtk_grid_layout_child_set_column (cell, column);
  gtk_grid_layout_child_set_row (cell, row);
}

static void
add_row (DlProbabilityList *self, int c)
{
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *bar = gtk_level_bar_new_for_interval (0, 1);
  GtkWidget *value = gtk_label_new (NULL);

  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  /* One colour for every bar: the offsets would paint low values as "bad". */
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_widget_set_hexpand (bar, TRUE);
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_RELATION_LABELLED_BY, name, NULL, -1);
  gtk_label_set_xalign (GTK_LABEL (value), 1);
  gtk_label_set_width_chars (GTK_LABEL (value), 7);
  gtk_widget_add_css_class (value, "numeric");
  attach (self, name, 0, c);
  attach (self, bar, 1, c);
  attach (self, value, 2, c);
  self->name[c] = GTK_LABEL (name);
  self->bar[c] = GTK_LEVEL_BAR (bar);
  self->value[c] = GTK_LABEL (value);
}

void
dl_probability_list_set_classes (DlProbabilityList *self, const DlClasses *classes)
{
  g_return_if_fail (DL_IS_PROBABILITY_LIST (self));

  g_clear_pointer (&self->classes, dl_classes_free);
  self->classes = classes != NULL ? dl_classes_copy (classes) : NULL;
  update_names (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLASSES]);
}

const DlClasses *
dl_probability_list_get_classes (DlProbabilityList *self)
{
  g_return_val_if_fail (DL_IS_PROBABILITY_LIST (self), NULL);
  return self->classes;
}

void
dl_probability_list_set_probabilities (DlProbabilityList *self, const float *probs)
{
  char buf[32];

  g_return_if_fail (DL_IS_PROBABILITY_LIST (self));
  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      gtk_level_bar_set_value (self->bar[c], probs != NULL ? probs[c] : 0.0);
      if (probs != NULL)
        g_snprintf (buf, sizeof buf, "%.1f %%", 100.0 * probs[c]);
      gtk_label_set_text (self->value[c], probs != NULL ? buf : "");
    }
}

/* "predicted" or "truth" (field) to class, -1 for none. */
static void
set_marked (DlProbabilityList *self, int *field, int class, guint prop)
{
  g_return_if_fail (class >= -1 && class < DL_N_CLASSES);

  if (*field == class)
    return;
  *field = class;
  update_marks (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
dl_probability_list_set_predicted (DlProbabilityList *self, int predicted)
{
  g_return_if_fail (DL_IS_PROBABILITY_LIST (self));
  set_marked (self, &self->predicted, predicted, PROP_PREDICTED);
}

int
dl_probability_list_get_predicted (DlProbabilityList *self)
{
  g_return_val_if_fail (DL_IS_PROBABILITY_LIST (self), -1);
  return self->predicted;
}

void
dl_probability_list_set_truth (DlProbabilityList *self, int truth)
{
  g_return_if_fail (DL_IS_PROBABILITY_LIST (self));
  set_marked (self, &self->truth, truth, PROP_TRUTH);
}

int
dl_probability_list_get_truth (DlProbabilityList *self)
{
  g_return_val_if_fail (DL_IS_PROBABILITY_LIST (self), -1);
  return self->truth;
}

GtkWidget *
dl_probability_list_new (void)
{
  return g_object_new (DL_TYPE_PROBABILITY_LIST, NULL);
}

static void
dl_probability_list_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlProbabilityList *self = DL_PROBABILITY_LIST (object);

  switch (prop_id)
    {
    case PROP_CLASSES:
      g_value_set_pointer (value, self->classes);
      break;
    case PROP_PREDICTED:
      g_value_set_int (value, self->predicted);
      break;
    case PROP_TRUTH:
      g_value_set_int (value, self->truth);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_probability_list_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlProbabilityList *self = DL_PROBABILITY_LIST (object);

  switch (prop_id)
    {
    case PROP_CLASSES:
      dl_probability_list_set_classes (self, g_value_get_pointer (value));
      break;
    case PROP_PREDICTED:
      dl_probability_list_set_predicted (self, g_value_get_int (value));
      break;
    case PROP_TRUTH:
      dl_probability_list_set_truth (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_probability_list_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (dl_probability_list_parent_class)->dispose (object);
}

static void
dl_probability_list_finalize (GObject *object)
{
  DlProbabilityList *self = DL_PROBABILITY_LIST (object);

  g_clear_pointer (&self->classes, dl_classes_free);
  G_OBJECT_CLASS (dl_probability_list_parent_class)->finalize (object);
}

static void
dl_probability_list_class_init (DlProbabilityListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = dl_probability_list_get_property;
  object_class->set_property = dl_probability_list_set_property;
  object_class->dispose = dl_probability_list_dispose;
  object_class->finalize = dl_probability_list_finalize;

  /* A DlClasses (copied), as DlSession's "classes". */
  properties[PROP_CLASSES] = g_param_spec_pointer ("classes", NULL, NULL, rw);
  properties[PROP_PREDICTED] = g_param_spec_int ("predicted", NULL, NULL, -1, DL_N_CLASSES - 1, -1, rw);
  properties[PROP_TRUTH] = g_param_spec_int ("truth", NULL, NULL, -1, DL_N_CLASSES - 1, -1, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_GRID_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "probabilitylist");
}

static void
dl_probability_list_init (DlProbabilityList *self)
{
  GtkGridLayout *layout = GTK_GRID_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self)));

  self->predicted = self->truth = -1;
  gtk_grid_layout_set_row_spacing (layout, 3);
  gtk_grid_layout_set_column_spacing (layout, 8);
  for (int c = 0; c < DL_N_CLASSES; c++)
    add_row (self, c);
  update_names (self);
}
