/* dl-canvas.c — strokes from GtkGestureDrag (mouse, touchpad, touch) and GtkGestureStylus (pen, with
 * pressure), drawn in snapshot through cairo. */
#include "dl-canvas.h"

#include <glib/gi18n.h>
#include <math.h>

/* MNIST's pen is 3 px of a 20 px digit. A digit drawn 40 % of the canvas tall gets that proportion on
 * screen; larger ones look a little thinner, and small ones stay legible instead of turning into blobs.
 * The network always sees MNIST's proportion: dl_preprocess_strokes re-renders the strokes. */
#define PEN_FRACTION (DL_DIGIT_PEN_WIDTH / DL_DIGIT_BOX * 0.4)
/* Samples closer than this (widget px) to the previous one add nothing but work. */
#define MIN_STEP 0.75
/* The keyboard pen moves by this fraction of the canvas per arrow key (a tenth of that with Shift). */
#define KEY_STEP 0.04

struct _DlCanvas
{
  GtkWidget  parent_instance;

  GPtrArray *strokes;      /* GArray of DlPoint, one per stroke */
  GArray    *view;         /* DlStroke over `strokes`, rebuilt by dl_canvas_get_strokes */
  gboolean   drawing;      /* a stroke is in progress */
  gboolean   stylus_down;  /* the stylus gesture owns the current stroke */
  gboolean   dragging;     /* the drag gesture owns it */
  double     drag_x, drag_y;
  /* The keyboard pen: where it is (a fraction of the width and height, so a resize keeps it in place),
   * whether it has been used (it is drawn from then on while the canvas has the focus) and whether it is
   * down (the arrows then draw). */
  double     pen_fx, pen_fy;
  gboolean   pen_shown;
  gboolean   pen_down;
};

enum { PROP_0, PROP_EMPTY, PROP_N_STROKES, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (DlCanvas, dl_canvas, GTK_TYPE_WIDGET)

GtkWidget *
dl_canvas_new (void)
{
  return g_object_new (DL_TYPE_CANVAS, NULL);
}

double
dl_canvas_get_pen_width (DlCanvas *self)
{
  int side = MIN (gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
  return MAX (4.0, side * PEN_FRACTION);
}

gboolean
dl_canvas_is_empty (DlCanvas *self)
{
  g_return_val_if_fail (DL_IS_CANVAS (self), TRUE);
  return self->strokes->len == 0;
}

const DlStroke *
dl_canvas_get_strokes (DlCanvas *self, int *n_strokes)
{
  g_return_val_if_fail (DL_IS_CANVAS (self), NULL);
  g_array_set_size (self->view, self->strokes->len);
  for (guint i = 0; i < self->strokes->len; i++)
    {
      GArray *pts = g_ptr_array_index (self->strokes, i);
      g_array_index (self->view, DlStroke, i) = (DlStroke) { (DlPoint *) pts->data, pts->len };
    }
  *n_strokes = self->strokes->len;
  return (const DlStroke *) self->view->data;
}

static void
update_actions (DlCanvas *self)
{
  gboolean any = self->strokes->len > 0;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "canvas.clear", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "canvas.undo", any);
}

/* The stroke count changed (a stroke began, was undone, or all were cleared). */
static void
update_description (DlCanvas *self)
{
  g_autofree char *strokes =
    self->strokes->len == 0 ? g_strdup (_("Empty"))
                            : g_strdup_printf (ngettext ("%u stroke", "%u strokes", self->strokes->len),
                                               self->strokes->len);
  g_autofree char *text =
    g_strdup_printf (_("%s. Arrow keys move the pen, Space puts it down or lifts it, Delete clears, Ctrl+Z undoes"),
                     strokes);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
strokes_changed (DlCanvas *self, gboolean was_empty)
{
  update_actions (self);
  update_description (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STROKES]);
  if (was_empty != dl_canvas_is_empty (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY]);
  g_signal_emit (self, signals[CHANGED], 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_canvas_begin_stroke (DlCanvas *self, double x, double y, double pressure)
{
  g_return_if_fail (DL_IS_CANVAS (self));
  gboolean was_empty = dl_canvas_is_empty (self);
  GArray *pts = g_array_new (FALSE, FALSE, sizeof (DlPoint));
  DlPoint p = { x, y, pressure };
  g_array_append_val (pts, p);
  g_ptr_array_add (self->strokes, pts);
  self->drawing = TRUE;
  strokes_changed (self, was_empty);
}

void
dl_canvas_extend_stroke (DlCanvas *self, double x, double y, double pressure)
{
  g_return_if_fail (DL_IS_CANVAS (self));
  if (!self->drawing || self->strokes->len == 0)
    return;
  /* Ink beyond the edge would count without being seen. */
  x = CLAMP (x, 0, gtk_widget_get_width (GTK_WIDGET (self)));
  y = CLAMP (y, 0, gtk_widget_get_height (GTK_WIDGET (self)));
  GArray *pts = g_ptr_array_index (self->strokes, self->strokes->len - 1);
  const DlPoint *last = &g_array_index (pts, DlPoint, pts->len - 1);
  if (hypot (x - last->x, y - last->y) < MIN_STEP)
    return;
  DlPoint p = { x, y, pressure };
  g_array_append_val (pts, p);
  g_signal_emit (self, signals[CHANGED], 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_canvas_end_stroke (DlCanvas *self)
{
  g_return_if_fail (DL_IS_CANVAS (self));
  self->drawing = FALSE;
  self->stylus_down = FALSE;
  self->pen_down = FALSE;
}

void
dl_canvas_clear (DlCanvas *self)
{
  g_return_if_fail (DL_IS_CANVAS (self));
  gboolean was_empty = dl_canvas_is_empty (self);
  if (was_empty)
    return;
  g_ptr_array_set_size (self->strokes, 0);
  self->drawing = FALSE;
  self->pen_down = FALSE;
  strokes_changed (self, was_empty);
}

void
dl_canvas_undo (DlCanvas *self)
{
  g_return_if_fail (DL_IS_CANVAS (self));
  if (self->strokes->len == 0)
    return;
  g_ptr_array_set_size (self->strokes, self->strokes->len - 1);
  self->drawing = FALSE;
  self->pen_down = FALSE;
  strokes_changed (self, FALSE);
}

void
dl_canvas_get_pen (DlCanvas *self, double *x, double *y, gboolean *down)
{
  g_return_if_fail (DL_IS_CANVAS (self));
  if (x)
    *x = self->pen_fx * gtk_widget_get_width (GTK_WIDGET (self));
  if (y)
    *y = self->pen_fy * gtk_widget_get_height (GTK_WIDGET (self));
  if (down)
    *down = self->pen_down;
}

void
dl_canvas_pen_toggle (DlCanvas *self)
{
  double x, y;

  g_return_if_fail (DL_IS_CANVAS (self));
  self->pen_shown = TRUE;
  if (self->pen_down)
    {
      dl_canvas_end_stroke (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  dl_canvas_get_pen (self, &x, &y, NULL);
  /* The mouse's or the stylus's stroke under way is theirs. */
  if (self->drawing)
    return;
  dl_canvas_begin_stroke (self, x, y, 1.0);
  self->pen_down = TRUE;
}

void
dl_canvas_pen_move (DlCanvas *self, double dx, double dy)
{
  double x, y;

  g_return_if_fail (DL_IS_CANVAS (self));
  self->pen_shown = TRUE;
  self->pen_fx = CLAMP (self->pen_fx + dx, 0.0, 1.0);
  self->pen_fy = CLAMP (self->pen_fy + dy, 0.0, 1.0);
  dl_canvas_get_pen (self, &x, &y, NULL);
  if (self->pen_down)
    dl_canvas_extend_stroke (self, x, y, 1.0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- input ---- */

/* Stylus pressure 0…1 as a pen-width factor around 1 (light 0.4×, hard 1.6×). */
static double
pressure_width (double p)
{
  return 0.4 + 1.2 * CLAMP (p, 0.0, 1.0);
}

static double
pressure_factor (GtkGestureStylus *stylus)
{
  double p;
  if (!gtk_gesture_stylus_get_axis (stylus, GDK_AXIS_PRESSURE, &p) || p <= 0)
    return 1.0;
  return pressure_width (p);
}

/* Events arrive at most once per frame; the samples the device sent in between ride along as the motion
 * event's history (oldest first). Adding them keeps a fast stroke's curvature, which the frame rate
 * would otherwise cut into straight chords. History positions are in surface coordinates, like the
 * event's own position, so the event tells the offset to widget coordinates (x, y). */
static void
extend_with_history (DlCanvas *self, GtkEventController *controller, double x, double y, gboolean pen)
{
  GdkEvent *event = gtk_event_controller_get_current_event (controller);
  GdkTimeCoord *history;
  double ex, ey;
  guint n = 0;

  if (event == NULL || gdk_event_get_event_type (event) != GDK_MOTION_NOTIFY
      || !gdk_event_get_position (event, &ex, &ey))
    return;
  history = gdk_event_get_history (event, &n);
  for (guint i = 0; i < n; i++)
    {
      const GdkTimeCoord *c = &history[i];
      double p = pen && (c->flags & GDK_AXIS_FLAG_PRESSURE) && c->axes[GDK_AXIS_PRESSURE] > 0
                   ? pressure_width (c->axes[GDK_AXIS_PRESSURE]) : 1.0;
      dl_canvas_extend_stroke (self, c->axes[GDK_AXIS_X] + x - ex, c->axes[GDK_AXIS_Y] + y - ey, p);
    }
  g_free (history);
}

static void
on_stylus_down (GtkGestureStylus *stylus, double x, double y, DlCanvas *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (self->dragging)
    {
      /* The drag gesture saw the pen first: the stroke is the stylus's, with pressure. */
      self->dragging = FALSE;
      g_ptr_array_set_size (self->strokes, self->strokes->len - 1);
    }
  self->stylus_down = TRUE;
  dl_canvas_begin_stroke (self, x, y, pressure_factor (stylus));
}

static void
on_stylus_motion (GtkGestureStylus *stylus, double x, double y, DlCanvas *self)
{
  if (!self->stylus_down)
    return;
  extend_with_history (self, GTK_EVENT_CONTROLLER (stylus), x, y, TRUE);
  dl_canvas_extend_stroke (self, x, y, pressure_factor (stylus));
}

static void
on_stylus_up (GtkGestureStylus *stylus, double x, double y, DlCanvas *self)
{
  if (self->stylus_down)
    dl_canvas_end_stroke (self);
}

/* Pen events also reach the drag gesture (as pointer events): those are the stylus gesture's. */
static gboolean
from_pen (GtkGestureDrag *drag)
{
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (drag));
  GdkDeviceTool *tool = event != NULL ? gdk_event_get_device_tool (event) : NULL;
  if (tool == NULL)
    return FALSE;
  GdkDeviceToolType type = gdk_device_tool_get_tool_type (tool);
  return type == GDK_DEVICE_TOOL_TYPE_PEN || type == GDK_DEVICE_TOOL_TYPE_ERASER;
}

static void
on_drag_begin (GtkGestureDrag *drag, double x, double y, DlCanvas *self)
{
  self->dragging = !self->stylus_down && !from_pen (drag);
  if (!self->dragging)
    return;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag_x = x;
  self->drag_y = y;
  dl_canvas_begin_stroke (self, x, y, 1.0);
}

static void
on_drag_update (GtkGestureDrag *drag, double ox, double oy, DlCanvas *self)
{
  if (!self->dragging)
    return;
  double x = self->drag_x + ox, y = self->drag_y + oy;
  extend_with_history (self, GTK_EVENT_CONTROLLER (drag), x, y, FALSE);
  dl_canvas_extend_stroke (self, x, y, 1.0);
}

static void
on_drag_end (GtkGestureDrag *drag, double ox, double oy, DlCanvas *self)
{
  if (self->dragging)
    dl_canvas_end_stroke (self);
  self->dragging = FALSE;
}

/* ---- drawing ---- */

static void
draw_hint (GtkWidget *widget, cairo_t *cr, int w, int h)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, _("Draw a digit here"));
  PangoFontDescription *font = pango_font_description_copy (pango_context_get_font_description (
                                 pango_layout_get_context (layout)));
  int tw, th;
  pango_font_description_set_size (font, MAX (10, MIN (w, h) / 20) * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.4);
  cairo_move_to (cr, (w - tw) / 2.0, h / 2.0 + 18);
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (font);
  g_object_unref (layout);
}

/* The keyboard pen: a ring the pen's width across, filled while it is down. */
static void
draw_pen (DlCanvas *self, cairo_t *cr)
{
  double x, y;
  gboolean down;

  dl_canvas_get_pen (self, &x, &y, &down);
  cairo_new_path (cr);
  cairo_arc (cr, x, y, dl_canvas_get_pen_width (self) / 2 + 2, 0, 2 * G_PI);
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, down ? 0.8 : 0.5);
  if (down)
    cairo_fill_preserve (cr);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
}

static void
dl_canvas_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlCanvas *self = DL_CANVAS (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GdkRGBA ink;
  int n;

  if (w <= 0 || h <= 0)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  /* Black paper and bright ink, like MNIST: what you see is what the network gets. */
  double r = 12;
  cairo_new_sub_path (cr);
  cairo_arc (cr, w - r, r, r, -G_PI / 2, 0);
  cairo_arc (cr, w - r, h - r, r, 0, G_PI / 2);
  cairo_arc (cr, r, h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, r, r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  cairo_set_source_rgb (cr, 0.07, 0.07, 0.08);
  cairo_fill_preserve (cr);
  cairo_clip (cr);

  /* A faint cross at the centre: where the digit's centre of mass will be moved to. */
  cairo_set_source_rgba (cr, 1, 1, 1, 0.10);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, floor (w / 2.0) + 0.5, h / 2.0 - 8);
  cairo_line_to (cr, floor (w / 2.0) + 0.5, h / 2.0 + 8);
  cairo_move_to (cr, w / 2.0 - 8, floor (h / 2.0) + 0.5);
  cairo_line_to (cr, w / 2.0 + 8, floor (h / 2.0) + 0.5);
  cairo_stroke (cr);

  if (dl_canvas_is_empty (self))
    draw_hint (widget, cr, w, h);

  gdk_rgba_parse (&ink, "#f6f5f4");
  gdk_cairo_set_source_rgba (cr, &ink);
  const DlStroke *strokes = dl_canvas_get_strokes (self, &n);
  dl_strokes_draw (cr, strokes, n, dl_canvas_get_pen_width (self));
  if (self->pen_shown && gtk_widget_has_focus (widget))
    draw_pen (self, cr);
  cairo_destroy (cr);
}

static void
dl_canvas_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                   int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = 140;
  *natural = 320;
}

/* ---- GObject ---- */

static void
clear_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dl_canvas_clear (DL_CANVAS (widget));
}

static void
undo_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dl_canvas_undo (DL_CANVAS (widget));
}

static void
pen_toggle_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dl_canvas_pen_toggle (DL_CANVAS (widget));
}

/* (dx, dy) in key steps: ±10 for an arrow, ±1 with Shift. */
static void
pen_move_action (GtkWidget *widget, const char *name, GVariant *param)
{
  int dx, dy;

  g_variant_get (param, "(ii)", &dx, &dy);
  dl_canvas_pen_move (DL_CANVAS (widget), dx * KEY_STEP / 10, dy * KEY_STEP / 10);
}

static void
add_pen_bindings (GtkWidgetClass *widget_class, guint key, int dx, int dy)
{
  gtk_widget_class_add_binding_action (widget_class, key, 0, "canvas.pen-move", "(ii)", 10 * dx, 10 * dy);
  gtk_widget_class_add_binding_action (widget_class, key, GDK_SHIFT_MASK, "canvas.pen-move", "(ii)", dx, dy);
}

static void
dl_canvas_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlCanvas *self = DL_CANVAS (object);

  switch (prop_id)
    {
    case PROP_EMPTY:
      g_value_set_boolean (value, dl_canvas_is_empty (self));
      break;
    case PROP_N_STROKES:
      g_value_set_uint (value, self->strokes->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_canvas_finalize (GObject *object)
{
  DlCanvas *self = DL_CANVAS (object);
  g_ptr_array_unref (self->strokes);
  g_array_unref (self->view);
  G_OBJECT_CLASS (dl_canvas_parent_class)->finalize (object);
}

static void
dl_canvas_class_init (DlCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dl_canvas_get_property;
  object_class->finalize = dl_canvas_finalize;
  widget_class->snapshot = dl_canvas_snapshot;
  widget_class->measure = dl_canvas_measure;

  properties[PROP_EMPTY] =
    g_param_spec_boolean ("empty", NULL, NULL, TRUE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_STROKES] =
    g_param_spec_uint ("n-strokes", NULL, NULL, 0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted on every change of the strokes, including each new sample of the stroke being drawn. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "canvas.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "canvas.undo", NULL, undo_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "canvas.clear", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "canvas.clear", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "canvas.undo", NULL);
  gtk_widget_class_install_action (widget_class, "canvas.pen-toggle", NULL, pen_toggle_action);
  gtk_widget_class_install_action (widget_class, "canvas.pen-move", "(ii)", pen_move_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "canvas.pen-toggle", NULL);
  add_pen_bindings (widget_class, GDK_KEY_Left, -1, 0);
  add_pen_bindings (widget_class, GDK_KEY_Right, 1, 0);
  add_pen_bindings (widget_class, GDK_KEY_Up, 0, -1);
  add_pen_bindings (widget_class, GDK_KEY_Down, 0, 1);

  gtk_widget_class_set_css_name (widget_class, "dl-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_canvas_init (DlCanvas *self)
{
  self->strokes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  self->view = g_array_new (FALSE, FALSE, sizeof (DlStroke));

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Drawing area for a digit"), -1);
  self->pen_fx = self->pen_fy = 0.5;
  update_description (self);

  GtkGesture *stylus = gtk_gesture_stylus_new ();
  g_signal_connect (stylus, "down", G_CALLBACK (on_stylus_down), self);
  g_signal_connect (stylus, "motion", G_CALLBACK (on_stylus_motion), self);
  g_signal_connect (stylus, "up", G_CALLBACK (on_stylus_up), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (stylus));

  GtkGesture *drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  update_actions (self);
}
