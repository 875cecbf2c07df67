/* dl-plot.c — the training dashboard's line plot: the widget (properties, input, context menu, actions,
 * snapshot). Content, layout, decimation, drawing and export live in dl-plot-*.c (dl-plot-private.h). */
#include "dl-plot-private.h"

#include <glib/gi18n.h>
#include <math.h>

G_DEFINE_FINAL_TYPE (DlPlot, dl_plot, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_X_LABEL,
  PROP_Y_LABEL,
  PROP_LOG_Y,
  PROP_Y_PERCENT,
  PROP_SMOOTHING,
  PROP_CURRENT_RUN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
marker_clear (gpointer data)
{
  g_free (((DlPlotMarker *) data)->label);
}

/* A frame for the plot drawn at width × height, on a scratch context (text is measured, nothing drawn).
 * Free with frame_end. */
static cairo_t *
frame_begin (DlPlot *self, int width, int height, DlPlotFrame *f)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  _dl_plot_frame_init (self, cr, width, height, f);
  return cr;
}

static void
frame_end (DlPlotFrame *f, cairo_t *cr)
{
  _dl_plot_frame_clear (f);
  cairo_destroy (cr);
}

/* ------------------------------------------------------------------------------------------------------
 * Input: hover and the context menu
 */

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, DlPlot *self)
{
  /* The pointer takes the read-out back from the keyboard when it moves (GTK also reports motion where the
   * pointer rests, e.g. after a redraw). */
  if (!self->hovering || x != self->hover_x || y != self->hover_y)
    _dl_plot_cursor_move (self, "off");
  self->hovering = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller, DlPlot *self)
{
  self->hovering = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_focus_leave (GtkEventControllerFocus *controller, DlPlot *self)
{
  _dl_plot_cursor_move (self, "off");
}

/* Left/Right, Page Up/Down, Home/End, Escape: the keyboard's read-out (dl-plot-cursor.c). */
static void
cursor_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  _dl_plot_cursor_move (DL_PLOT (widget), g_variant_get_string (parameter, NULL));
}

static void
append_run_item (GMenu *section, const char *label, const char *action, double x)
{
  g_autoptr (GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, g_variant_new_double (x));
  /* Offered only where a page provides the action. */
  g_menu_item_set_attribute (item, "hidden-when", "s", "action-missing");
  g_menu_append_item (section, item);
}

/* The run items name the x of the point under the pointer; without one there are none. */
static void
update_run_section (DlPlot *self, double px, double py)
{
  DlPlotFrame f;
  cairo_t *cr = frame_begin (self, gtk_widget_get_width (GTK_WIDGET (self)),
                             gtk_widget_get_height (GTK_WIDGET (self)), &f);
  gboolean inside = graphene_rect_contains_point (&f.area, &GRAPHENE_POINT_INIT (px, py));
  double x;

  g_menu_remove_all (self->run_section);
  if (inside && _dl_plot_point_x_at (self, &f, px, &x))
    {
      append_run_item (self->run_section, _("_Branch from Here"), "run.branch-from", x);
      append_run_item (self->run_section, _("_Go Back to Here"), "run.go-back-to", x);
    }
  frame_end (&f, cr);
}

static void
on_secondary_click (GtkGestureClick *gesture, int n_press, double x, double y, DlPlot *self)
{
  update_run_section (self, x, y);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

/* Menu or Shift+F10: the context menu from the keyboard, at the plot's centre. It offers what does not
 * need a point (the axis, the exports); the run items name the point a click was on. */
static void
menu_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DlPlot *self = DL_PLOT (widget);
  int x = gtk_widget_get_width (widget) / 2, y = gtk_widget_get_height (widget) / 2;

  g_menu_remove_all (self->run_section);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &(GdkRectangle) { x, y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static GMenuModel *
context_menu_model (DlPlot *self)
{
  GMenu *menu = g_menu_new ();
  g_autoptr (GMenu) view = g_menu_new ();
  g_autoptr (GMenu) export = g_menu_new ();

  self->run_section = g_menu_new ();
  g_menu_append (view, _("_Logarithmic Y Axis"), "plot.log-y");
  g_menu_append (export, _("Export as _PNG…"), "plot.export-png");
  g_menu_append (export, _("Export as _SVG…"), "plot.export-svg");
  g_menu_append (export, _("Export Data as _CSV…"), "plot.export-csv");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (self->run_section));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (view));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (export));
  return G_MENU_MODEL (menu);
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DlPlot *self = DL_PLOT (widget);
  DlPlotFormat format = g_str_equal (action_name, "plot.export-svg") ? DL_PLOT_FORMAT_SVG
                      : g_str_equal (action_name, "plot.export-csv") ? DL_PLOT_FORMAT_CSV
                      : DL_PLOT_FORMAT_PNG;

  dl_plot_exporter_choose (self->exporter, format, self->title);
}

/* ------------------------------------------------------------------------------------------------------
 * GtkWidget
 */

static void
dl_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlPlot *self = DL_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  dl_plot_draw (self, cr, width, height);
  cairo_destroy (cr);
}

static void
dl_plot_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (dl_plot_parent_class)->css_changed (widget, change);
  /* The colours are read from the style when drawing: a switch between light and dark needs a redraw. */
  gtk_widget_queue_draw (widget);
}

static void
dl_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                 int *natural, int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = 240, *natural = 480;
  else
    *minimum = 160, *natural = 300;
}

static void
dl_plot_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  DlPlot *self = DL_PLOT (widget);

  gtk_popover_present (GTK_POPOVER (self->context_menu));
}

static void
dl_plot_dispose (GObject *object)
{
  DlPlot *self = DL_PLOT (object);

  /* Closes an open save dialog: its answer must not arrive for a plot that is gone. */
  g_clear_object (&self->exporter);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  g_clear_object (&self->run_section);
  while (self->runs->len > 0)
    dl_plot_remove_run (self, g_ptr_array_index (self->runs, self->runs->len - 1));
  while (self->series->len > 0)
    dl_plot_remove_series (self, g_ptr_array_index (self->series, self->series->len - 1));
  /* After the removals, which queue it. */
  _dl_plot_describe_cancel (self);

  G_OBJECT_CLASS (dl_plot_parent_class)->dispose (object);
}

static void
dl_plot_finalize (GObject *object)
{
  DlPlot *self = DL_PLOT (object);

  g_free (self->title);
  g_free (self->x_label);
  g_free (self->y_label);
  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->series);
  g_ptr_array_unref (self->runs);
  g_array_unref (self->markers);
  _dl_plot_layer_clear (&self->layer);

  G_OBJECT_CLASS (dl_plot_parent_class)->finalize (object);
}

static void
dl_plot_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlPlot *self = DL_PLOT (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_X_LABEL:
      g_value_set_string (value, self->x_label);
      break;
    case PROP_Y_LABEL:
      g_value_set_string (value, self->y_label);
      break;
    case PROP_LOG_Y:
      g_value_set_boolean (value, self->log_y);
      break;
    case PROP_Y_PERCENT:
      g_value_set_boolean (value, self->y_percent);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    case PROP_CURRENT_RUN:
      g_value_set_object (value, self->current_run);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_plot_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlPlot *self = DL_PLOT (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      dl_plot_set_title (self, g_value_get_string (value));
      break;
    case PROP_X_LABEL:
      dl_plot_set_x_label (self, g_value_get_string (value));
      break;
    case PROP_Y_LABEL:
      dl_plot_set_y_label (self, g_value_get_string (value));
      break;
    case PROP_LOG_Y:
      dl_plot_set_log_y (self, g_value_get_boolean (value));
      break;
    case PROP_Y_PERCENT:
      dl_plot_set_y_percent (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTHING:
      dl_plot_set_smoothing (self, g_value_get_double (value));
      break;
    case PROP_CURRENT_RUN:
      dl_plot_set_current_run (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_plot_class_init (DlPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_plot_dispose;
  object_class->finalize = dl_plot_finalize;
  object_class->get_property = dl_plot_get_property;
  object_class->set_property = dl_plot_set_property;

  widget_class->snapshot = dl_plot_snapshot;
  widget_class->measure = dl_plot_measure;
  widget_class->size_allocate = dl_plot_size_allocate;
  widget_class->css_changed = dl_plot_css_changed;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_X_LABEL] =
    g_param_spec_string ("x-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_Y_LABEL] =
    g_param_spec_string ("y-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_Y] =
    g_param_spec_boolean ("log-y", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_Y_PERCENT] =
    g_param_spec_boolean ("y-percent", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0.0, 0.999, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURRENT_RUN] =
    g_param_spec_object ("current-run", NULL, NULL, DL_TYPE_PLOT_RUN,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_property_action (widget_class, "plot.log-y", "log-y");
  gtk_widget_class_install_action (widget_class, "plot.export-png", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "plot.export-svg", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "plot.export-csv", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "plot.menu", NULL, menu_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "plot.menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "plot.menu", NULL);
  gtk_widget_class_install_action (widget_class, "plot.cursor", "s", cursor_action);
  {
    const struct { guint key; const char *how; } keys[] = {
      { GDK_KEY_Left, "left" }, { GDK_KEY_KP_Left, "left" }, { GDK_KEY_Right, "right" },
      { GDK_KEY_KP_Right, "right" }, { GDK_KEY_Page_Up, "page-left" }, { GDK_KEY_KP_Page_Up, "page-left" },
      { GDK_KEY_Page_Down, "page-right" }, { GDK_KEY_KP_Page_Down, "page-right" }, { GDK_KEY_Home, "home" },
      { GDK_KEY_KP_Home, "home" }, { GDK_KEY_End, "end" }, { GDK_KEY_KP_End, "end" },
      { GDK_KEY_Escape, "off" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      gtk_widget_class_add_binding_action (widget_class, keys[i].key, 0, "plot.cursor", "s", keys[i].how);
  }

  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_plot_init (DlPlot *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  g_autoptr (GMenuModel) menu = context_menu_model (self);

  self->series = g_ptr_array_new_with_free_func (g_object_unref);
  self->runs = g_ptr_array_new_with_free_func (g_object_unref);
  self->entries = g_ptr_array_new_with_free_func (_dl_plot_entry_free);
  self->markers = g_array_new (FALSE, FALSE, sizeof (DlPlotMarker));
  g_array_set_clear_func (self->markers, marker_clear);
  /* Until the first snapshot reads the style: Adwaita's light foreground. */
  self->fg = (GdkRGBA) { 0, 0, 0, 0.8 };
  self->exporter = dl_plot_exporter_new (GTK_WIDGET (self), 0, 0);
  dl_plot_exporter_add_plot (self->exporter, self);

  gtk_widget_add_css_class (GTK_WIDGET (self), "dl-plot");
  /* Reached by Tab: a screen reader reads its description, the arrow keys read out points, and Menu opens
   * its menu. */
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("No points yet"), -1);

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (focus, "leave", G_CALLBACK (on_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_secondary_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  self->context_menu = gtk_popover_menu_new_from_model (menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
}

GtkWidget *
dl_plot_new (void)
{
  return g_object_new (DL_TYPE_PLOT, NULL);
}

/* ------------------------------------------------------------------------------------------------------
 * Drawing and layout
 */

void
dl_plot_draw (DlPlot *self, cairo_t *cr, int width, int height)
{
  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (cr != NULL);

  if (width <= 0 || height <= 0)
    return;
  _dl_plot_update_style_colors (self);
  _dl_plot_render (self, cr, width, height, TRUE);
}

void
dl_plot_get_plot_area (DlPlot *self, int width, int height, graphene_rect_t *area)
{
  DlPlotFrame f;
  cairo_t *cr;

  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (area != NULL);

  cr = frame_begin (self, width, height, &f);
  *area = f.area;
  frame_end (&f, cr);
}

void
dl_plot_get_axis_range (DlPlot *self, int width, int height, double *x0, double *x1, double *y0, double *y1)
{
  DlPlotFrame f;
  cairo_t *cr;

  g_return_if_fail (DL_IS_PLOT (self));

  cr = frame_begin (self, width, height, &f);
  if (x0)
    *x0 = f.x0;
  if (x1)
    *x1 = f.x1;
  if (y0)
    *y0 = f.log ? pow (10, f.y0) : f.y0;
  if (y1)
    *y1 = f.log ? pow (10, f.y1) : f.y1;
  frame_end (&f, cr);
}

char *
dl_plot_get_readout (DlPlot *self, int width, int height, double x, double y)
{
  g_autofree char *markup = NULL;
  char *text = NULL;
  DlPlotFrame f;
  cairo_t *cr;

  g_return_val_if_fail (DL_IS_PLOT (self), NULL);

  cr = frame_begin (self, width, height, &f);
  markup = _dl_plot_readout (self, &f, x, y, NULL);
  frame_end (&f, cr);
  if (markup && !pango_parse_markup (markup, -1, 0, NULL, &text, NULL, NULL))
    g_return_val_if_reached (NULL);
  return text;
}

/* ------------------------------------------------------------------------------------------------------
 * Properties
 */

static gboolean
replace_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

const char *
dl_plot_get_title (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);
  return self->title;
}

void
dl_plot_set_title (DlPlot *self, const char *title)
{
  g_return_if_fail (DL_IS_PLOT (self));

  if (!replace_string (&self->title, title))
    return;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, title ? title : "", -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
dl_plot_get_x_label (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);
  return self->x_label;
}

void
dl_plot_set_x_label (DlPlot *self, const char *label)
{
  g_return_if_fail (DL_IS_PLOT (self));

  if (!replace_string (&self->x_label, label))
    return;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_LABEL]);
}

const char *
dl_plot_get_y_label (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);
  return self->y_label;
}

void
dl_plot_set_y_label (DlPlot *self, const char *label)
{
  g_return_if_fail (DL_IS_PLOT (self));

  if (!replace_string (&self->y_label, label))
    return;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_Y_LABEL]);
}

gboolean
dl_plot_get_log_y (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), FALSE);
  return self->log_y;
}

void
dl_plot_set_log_y (DlPlot *self, gboolean log_y)
{
  g_return_if_fail (DL_IS_PLOT (self));

  log_y = !!log_y;
  if (self->log_y == log_y)
    return;
  self->log_y = log_y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_Y]);
}

gboolean
dl_plot_get_y_percent (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), FALSE);
  return self->y_percent;
}

void
dl_plot_set_y_percent (DlPlot *self, gboolean percent)
{
  g_return_if_fail (DL_IS_PLOT (self));

  percent = !!percent;
  if (self->y_percent == percent)
    return;
  self->y_percent = percent;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_Y_PERCENT]);
}

double
dl_plot_get_smoothing (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), 0);
  return self->smoothing;
}

void
dl_plot_set_smoothing (DlPlot *self, double smoothing)
{
  g_return_if_fail (DL_IS_PLOT (self));

  smoothing = CLAMP (smoothing, 0.0, 0.999);
  if (self->smoothing == smoothing)
    return;
  self->smoothing = smoothing;
  _dl_plot_entries_set_smoothing (self, smoothing);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
}

void
dl_plot_set_current_run (DlPlot *self, DlPlotRun *run)
{
  g_return_if_fail (DL_IS_PLOT (self));
  g_return_if_fail (run == NULL || g_ptr_array_find (self->runs, run, NULL));

  if (self->current_run == run)
    return;
  self->current_run = run;
  _dl_plot_entries_rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_RUN]);
}

DlPlotRun *
dl_plot_get_current_run (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);
  return self->current_run;
}
