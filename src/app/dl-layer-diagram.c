/* dl-layer-diagram.c — the network's layers as a list of rows (see dl-layer-diagram.h). */
#include "config.h"

#include "dl-layer-diagram.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-layer-text.h"

struct _DlLayerDiagram
{
  GtkWidget     parent_instance;

  GtkWidget    *scroller;
  GtkListBox   *list;
  gboolean      have_arch;
  DlArch        arch;
  DlLayerStats *stats;
  int           selected;
  GtkLabel     *health[DL_MAX_LAYERS];
  GtkLevelBar  *bars[DL_MAX_LAYERS];
  gboolean      setting;       /* selecting a row from code: no notify loop */
};

enum { PROP_0, PROP_SELECTED, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (DlLayerDiagram, dl_layer_diagram, GTK_TYPE_WIDGET)

static GtkWidget *
label_new (const char *text, const char *css_class)
{
  GtkWidget *l = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (l), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (l), PANGO_ELLIPSIZE_END);
  if (css_class)
    gtk_widget_add_css_class (l, css_class);
  return l;
}

static GtkWidget *
input_row (const DlArch *arch)
{
  g_autofree char *text = g_strdup_printf (_("input %d × %d × %d"), arch->in_c, arch->in_h, arch->in_w);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *l = label_new (text, "dim-label");

  gtk_widget_set_margin_start (l, 8);
  gtk_widget_set_margin_top (l, 4);
  gtk_widget_set_margin_bottom (l, 4);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), l);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

static GtkWidget *
layer_row (DlLayerDiagram *self, int i)
{
  const DlArch *arch = &self->arch;
  g_autofree char *kind = dl_layer_text_kind (arch, i);
  g_autofree char *shape = dl_layer_text_shape (arch, i);
  g_autofree char *title = g_strdup_printf ("%d · %s", i + 1, kind);
  const char *act = dl_layer_text_activation (arch, i);
  gsize n_w, n_b;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  dl_layer_param_range (arch, i, NULL, &n_w, &n_b);
  g_autofree char *detail = n_w + n_b > 0
    ? g_strdup_printf (g_dngettext (NULL, "→ %s · %zu parameter", "→ %s · %zu parameters", n_w + n_b), shape,
                       (size_t) (n_w + n_b))
    : g_strdup_printf ("→ %s", shape);
  g_autofree char *full = *act ? g_strdup_printf ("%s · %s", detail, act) : g_strdup (detail);
  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_box_append (GTK_BOX (box), label_new (title, "heading"));
  gtk_box_append (GTK_BOX (box), label_new (full, "caption"));
  self->bars[i] = GTK_LEVEL_BAR (gtk_level_bar_new_for_interval (0.0, 1.0));
  gtk_widget_set_hexpand (GTK_WIDGET (self->bars[i]), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->bars[i]), GTK_ALIGN_CENTER);
  gtk_level_bar_set_inverted (self->bars[i], FALSE);
  self->health[i] = GTK_LABEL (label_new ("", "caption"));
  gtk_label_set_width_chars (self->health[i], 14);
  gtk_box_append (GTK_BOX (line), GTK_WIDGET (self->bars[i]));
  gtk_box_append (GTK_BOX (line), GTK_WIDGET (self->health[i]));
  gtk_box_append (GTK_BOX (box), line);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}

static void
update_health (DlLayerDiagram *self)
{
  for (int i = 0; self->have_arch && i < self->arch.n_layers; i++)
    {
      g_autofree char *text = dl_layer_text_health (&self->arch, self->stats, i);
      double share = dl_layer_health_share (&self->arch, self->stats, i);
      gboolean has = !isnan (share);
      if (g_strcmp0 (gtk_label_get_text (self->health[i]), text != NULL ? text : "") != 0)
        gtk_label_set_text (self->health[i], text != NULL ? text : "");
      gtk_widget_set_visible (GTK_WIDGET (self->bars[i]), has);
      gtk_widget_set_visible (GTK_WIDGET (self->health[i]), text != NULL);
      if (has)
        gtk_level_bar_set_value (self->bars[i], share);
      /* Half or more dead or saturated is where the diagnostics speak up. */
      if (has && share >= 0.5)
        gtk_widget_add_css_class (GTK_WIDGET (self->health[i]), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->health[i]), "error");
    }
}

static void
select_row (DlLayerDiagram *self)
{
  GtkListBoxRow *row = self->selected >= 0 ? gtk_list_box_get_row_at_index (self->list, self->selected + 1) : NULL;

  self->setting = TRUE;
  if (row)
    gtk_list_box_select_row (self->list, row);
  else
    gtk_list_box_unselect_all (self->list);
  self->setting = FALSE;
}

static void
row_selected_cb (GtkListBox *list, GtkListBoxRow *row, DlLayerDiagram *self)
{
  int layer = row != NULL ? gtk_list_box_row_get_index (row) - 1 : -1;

  if (self->setting || layer == self->selected)
    return;
  self->selected = layer;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

void
dl_layer_diagram_set_arch (DlLayerDiagram *self, const DlArch *arch)
{
  GtkWidget *child;

  g_return_if_fail (DL_IS_LAYER_DIAGRAM (self));
  self->setting = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  self->setting = FALSE;
  memset (self->health, 0, sizeof self->health);
  memset (self->bars, 0, sizeof self->bars);
  self->have_arch = arch != NULL;
  if (arch == NULL)
    return;
  self->arch = *arch;
  gtk_list_box_append (self->list, input_row (arch));
  for (int i = 0; i < arch->n_layers; i++)
    gtk_list_box_append (self->list, layer_row (self, i));
  if (self->selected >= arch->n_layers)
    dl_layer_diagram_set_selected (self, arch->n_layers - 1);
  select_row (self);
  update_health (self);
}

void
dl_layer_diagram_set_stats (DlLayerDiagram *self, DlLayerStats *stats)
{
  g_return_if_fail (DL_IS_LAYER_DIAGRAM (self));
  if (stats == self->stats)
    return;
  g_clear_pointer (&self->stats, dl_layer_stats_unref);
  self->stats = stats != NULL ? dl_layer_stats_ref (stats) : NULL;
  update_health (self);
}

int
dl_layer_diagram_get_selected (DlLayerDiagram *self)
{
  g_return_val_if_fail (DL_IS_LAYER_DIAGRAM (self), -1);
  return self->selected;
}

void
dl_layer_diagram_set_selected (DlLayerDiagram *self, int layer)
{
  g_return_if_fail (DL_IS_LAYER_DIAGRAM (self));
  if (layer == self->selected)
    return;
  self->selected = layer;
  select_row (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

const char *
dl_layer_diagram_get_health_text (DlLayerDiagram *self, int layer)
{
  g_return_val_if_fail (DL_IS_LAYER_DIAGRAM (self), NULL);
  if (!self->have_arch || layer < 0 || layer >= self->arch.n_layers
      || !gtk_widget_get_visible (GTK_WIDGET (self->health[layer])))
    return NULL;
  return gtk_label_get_text (self->health[layer]);
}

static void
dl_layer_diagram_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlLayerDiagram *self = DL_LAYER_DIAGRAM (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      g_value_set_int (value, self->selected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_layer_diagram_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlLayerDiagram *self = DL_LAYER_DIAGRAM (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      dl_layer_diagram_set_selected (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_layer_diagram_dispose (GObject *object)
{
  DlLayerDiagram *self = DL_LAYER_DIAGRAM (object);

  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  g_clear_pointer (&self->stats, dl_layer_stats_unref);
  G_OBJECT_CLASS (dl_layer_diagram_parent_class)->dispose (object);
}

static void
dl_layer_diagram_class_init (DlLayerDiagramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dl_layer_diagram_get_property;
  object_class->set_property = dl_layer_diagram_set_property;
  object_class->dispose = dl_layer_diagram_dispose;
  properties[PROP_SELECTED] = g_param_spec_int ("selected", NULL, NULL, -1, DL_MAX_LAYERS - 1, -1,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "layerdiagram");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
dl_layer_diagram_init (DlLayerDiagram *self)
{
  self->selected = -1;
  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "navigation-sidebar");
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_SINGLE);
  g_signal_connect (self->list, "row-selected", G_CALLBACK (row_selected_cb), self);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->list));
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));
  /* What a screen reader calls it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("The network's layers"), -1);
}

GtkWidget *
dl_layer_diagram_new (void)
{
  return g_object_new (DL_TYPE_LAYER_DIAGRAM, NULL);
}
