/* dl-confusion-view.c — confusion-matrix heatmap drawn with cairo in snapshot. */
#include "dl-confusion-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define N DL_N_CLASSES
/* Room around the grid: axis title and class labels on the left and top, accuracy on the right. */
#define MARGIN_LEFT   40.0
#define MARGIN_TOP    40.0
#define MARGIN_RIGHT  64.0
#define MARGIN_BOTTOM 4.0
#define MIN_CELL      14
#define NAT_CELL      34
/* A class name on the axes: at most this many characters. */
#define CLASS_LABEL_CHARS 3

struct _DlConfusionView
{
  GtkWidget parent_instance;

  int       matrix[N][N];
  int       max_count;
  int       hover_t, hover_p;
  int       selected_t, selected_p;
  DlClasses *classes;   /* NULL: the digits */
};

enum { CELL_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (DlConfusionView, dl_confusion_view, GTK_TYPE_WIDGET)

void
dl_confusion_layout_compute (DlConfusionLayout *l, int width, int height)
{
  double cw = (width - MARGIN_LEFT - MARGIN_RIGHT) / N;
  double ch = (height - MARGIN_TOP - MARGIN_BOTTOM) / N;

  l->width = width;
  l->height = height;
  l->cell = MAX (1.0, floor (MIN (cw, ch)));
  /* Centre the whole block (margins included) in the widget. */
  l->x0 = floor (MAX (0.0, (width - MARGIN_LEFT - MARGIN_RIGHT - N * l->cell) / 2) + MARGIN_LEFT);
  l->y0 = floor (MAX (0.0, (height - MARGIN_TOP - MARGIN_BOTTOM - N * l->cell) / 2) + MARGIN_TOP);
  l->acc_x = l->x0 + N * l->cell + 8;
}

gboolean
dl_confusion_layout_cell_at (const DlConfusionLayout *l, double x, double y, int *true_class, int *predicted)
{
  double col = floor ((x - l->x0) / l->cell), row = floor ((y - l->y0) / l->cell);

  if (col < 0 || col >= N || row < 0 || row >= N)
    return FALSE;
  if (true_class)
    *true_class = (int) row;
  if (predicted)
    *predicted = (int) col;
  return TRUE;
}

void
dl_confusion_layout_cell_rect (const DlConfusionLayout *l, int true_class, int predicted, graphene_rect_t *rect)
{
  graphene_rect_init (rect, l->x0 + predicted * l->cell, l->y0 + true_class * l->cell, l->cell, l->cell);
}

static void
current_layout (DlConfusionView *self, DlConfusionLayout *l)
{
  dl_confusion_layout_compute (l, gtk_widget_get_width (GTK_WIDGET (self)),
                               gtk_widget_get_height (GTK_WIDGET (self)));
}

static int
row_total (DlConfusionView *self, int t)
{
  int sum = 0;
  for (int p = 0; p < N; p++)
    sum += self->matrix[t][p];
  return sum;
}

/* Colours: a ramp from an empty cell to a deep blue (right answers, the diagonal) or a deep red
 * (mistakes). Intensity grows with log(1 + count) against the largest cell, so a handful of
 * confusions stays visible next to a thousand right answers, and the largest cell is the deepest.
 * Both hues end at the same luminance, so depth compares across the diagonal and off it. */
typedef struct { double r, g, b; } Rgb;

typedef struct {
  GdkRGBA fg;
  gboolean dark;
  Rgb     empty, right, wrong;
} Palette;

static void
palette_init (DlConfusionView *self, Palette *pal)
{
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &pal->fg);
  pal->dark = 0.299 * pal->fg.red + 0.587 * pal->fg.green + 0.114 * pal->fg.blue > 0.5;
  if (pal->dark)
    {
      pal->empty = (Rgb) { 0.20, 0.20, 0.22 };
      pal->right = (Rgb) { 0.45, 0.70, 1.00 };
      pal->wrong = (Rgb) { 1.00, 0.525, 0.45 };
    }
  else
    {
      pal->empty = (Rgb) { 0.965, 0.965, 0.975 };
      pal->right = (Rgb) { 0.07, 0.24, 0.50 };
      pal->wrong = (Rgb) { 0.55, 0.08, 0.062 };
    }
}

static double
intensity (DlConfusionView *self, int count)
{
  if (count <= 0 || self->max_count <= 0)
    return 0.0;
  return 0.12 + 0.88 * log1p (count) / log1p (self->max_count);
}

static Rgb
cell_colour (const Palette *pal, gboolean diagonal, double v)
{
  const Rgb *hi = diagonal ? &pal->right : &pal->wrong;
  return (Rgb) { pal->empty.r + v * (hi->r - pal->empty.r),
                 pal->empty.g + v * (hi->g - pal->empty.g),
                 pal->empty.b + v * (hi->b - pal->empty.b) };
}

static void
show_text (DlConfusionView *self, cairo_t *cr, const char *text, double cx, double cy, double size_pt,
           gboolean bold, double rotate)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoFontDescription *font = pango_font_description_new ();
  int w, h;

  pango_font_description_set_size (font, (int) (size_pt * PANGO_SCALE));
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_get_pixel_size (layout, &w, &h);
  /* Level text stays inside the widget: a longer translation of a heading is moved in, not cut off. */
  if (rotate == 0)
    cx = CLAMP (cx, w / 2.0, MAX (w / 2.0, gtk_widget_get_width (GTK_WIDGET (self)) - w / 2.0));

  cairo_save (cr);
  cairo_translate (cr, cx, cy);
  cairo_rotate (cr, rotate);
  cairo_move_to (cr, -w / 2.0, -h / 2.0);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  g_object_unref (layout);
}

static void
draw_cells (DlConfusionView *self, cairo_t *cr, const DlConfusionLayout *l, const Palette *pal)
{
  double text_pt = CLAMP (l->cell * 0.30, 6.0, 10.0);

  for (int t = 0; t < N; t++)
    for (int p = 0; p < N; p++)
      {
        graphene_rect_t r;
        double v = intensity (self, self->matrix[t][p]);
        Rgb c = cell_colour (pal, t == p, v);

        dl_confusion_layout_cell_rect (l, t, p, &r);
        /* A one-pixel gap between cells keeps the grid readable where neighbours share a colour. */
        cairo_rectangle (cr, r.origin.x, r.origin.y, r.size.width - 1, r.size.height - 1);
        cairo_set_source_rgb (cr, c.r, c.g, c.b);
        cairo_fill (cr);

        if (self->matrix[t][p] > 0 && l->cell >= 22)
          {
            char buf[16];
            g_snprintf (buf, sizeof buf, "%d", self->matrix[t][p]);
            if (v > 0.55)
              cairo_set_source_rgb (cr, pal->dark ? 0.08 : 1.0, pal->dark ? 0.08 : 1.0, pal->dark ? 0.10 : 1.0);
            else
              gdk_cairo_set_source_rgba (cr, &pal->fg);
            show_text (self, cr, buf, r.origin.x + (l->cell - 1) / 2, r.origin.y + (l->cell - 1) / 2,
                       text_pt, FALSE, 0);
          }
      }
}

static void
outline_cell (cairo_t *cr, const DlConfusionLayout *l, int t, int p, const GdkRGBA *fg, double alpha,
              double width)
{
  graphene_rect_t r;

  dl_confusion_layout_cell_rect (l, t, p, &r);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, alpha);
  cairo_set_line_width (cr, width);
  cairo_rectangle (cr, r.origin.x + width / 2 - 0.5, r.origin.y + width / 2 - 0.5,
                   r.size.width - width, r.size.height - width);
  cairo_stroke (cr);
}

static void
draw_labels (DlConfusionView *self, cairo_t *cr, const DlConfusionLayout *l, const Palette *pal)
{
  double half = (l->cell - 1) / 2;
  /* Names are wider than digits: their column sits further left, and the axis title with them. */
  gboolean digits = dl_classes_are_digits (self->classes);
  double label_x = l->x0 - (digits ? 10 : 19), title_x = l->x0 - (digits ? 30 : 35);
  char buf[32];

  gdk_cairo_set_source_rgba (cr, &pal->fg);
  show_text (self, cr, _("Predicted"), l->x0 + N * l->cell / 2, l->y0 - 30, 9, TRUE, 0);
  show_text (self, cr, _("True"), title_x, l->y0 + N * l->cell / 2, 9, TRUE, -G_PI / 2);
  show_text (self, cr, _("Accuracy"), l->acc_x + 26, l->y0 - 12, 8, TRUE, 0);

  for (int c = 0; c < N; c++)
    {
      /* Names cut to what a cell's width holds; the tooltip and the accessible text say them whole. */
      g_autofree char *label = dl_classes_abbrev (self->classes, c, CLASS_LABEL_CHARS);

      show_text (self, cr, label, l->x0 + c * l->cell + half, l->y0 - 12, 9, FALSE, 0);
      show_text (self, cr, label, label_x, l->y0 + c * l->cell + half, 9, FALSE, 0);

      int total = row_total (self, c);
      if (total > 0)
        g_snprintf (buf, sizeof buf, "%.1f %%", 100.0 * self->matrix[c][c] / total);
      else
        g_strlcpy (buf, "–", sizeof buf);
      cairo_set_source_rgba (cr, pal->fg.red, pal->fg.green, pal->fg.blue, 0.8 * pal->fg.alpha);
      show_text (self, cr, buf, l->acc_x + 26, l->y0 + c * l->cell + half, 8, FALSE, 0);
      gdk_cairo_set_source_rgba (cr, &pal->fg);
    }
}

void
dl_confusion_view_render (DlConfusionView *self, cairo_t *cr, int width, int height)
{
  DlConfusionLayout l;
  Palette pal;

  g_return_if_fail (DL_IS_CONFUSION_VIEW (self));
  dl_confusion_layout_compute (&l, width, height);
  palette_init (self, &pal);

  draw_cells (self, cr, &l, &pal);
  draw_labels (self, cr, &l, &pal);
  if (self->hover_t >= 0)
    outline_cell (cr, &l, self->hover_t, self->hover_p, &pal.fg, 0.55, 2);
  if (self->selected_t >= 0)
    outline_cell (cr, &l, self->selected_t, self->selected_p, &pal.fg, 1.0, 3);
}

static void
dl_confusion_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  dl_confusion_view_render (DL_CONFUSION_VIEW (widget), cr, width, height);
  cairo_destroy (cr);
}

/* Height for width: the grid is square, so the height follows the cells the width allows. */
static GtkSizeRequestMode
dl_confusion_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dl_confusion_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                           int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int) (MARGIN_LEFT + MARGIN_RIGHT) + N * MIN_CELL;
      *natural = (int) (MARGIN_LEFT + MARGIN_RIGHT) + N * NAT_CELL;
      return;
    }
  int cell = for_size < 0 ? NAT_CELL : (int) floor ((for_size - MARGIN_LEFT - MARGIN_RIGHT) / N);
  *minimum = (int) (MARGIN_TOP + MARGIN_BOTTOM) + N * MIN_CELL;
  *natural = (int) (MARGIN_TOP + MARGIN_BOTTOM) + N * MAX (cell, MIN_CELL);
}

gboolean
dl_confusion_view_cell_at (DlConfusionView *self, double x, double y, int *true_class, int *predicted)
{
  DlConfusionLayout l;

  g_return_val_if_fail (DL_IS_CONFUSION_VIEW (self), FALSE);
  current_layout (self, &l);
  return dl_confusion_layout_cell_at (&l, x, y, true_class, predicted);
}

gboolean
dl_confusion_view_click (DlConfusionView *self, double x, double y)
{
  int t, p;

  if (!dl_confusion_view_cell_at (self, x, y, &t, &p))
    return FALSE;
  g_signal_emit (self, signals[CELL_ACTIVATED], 0, t, p);
  return TRUE;
}

static void update_description (DlConfusionView *self);

/* Keyboard: the arrows move the outlined cell (the same one the pointer outlines), Enter or Space
 * activates it like a click. */
static gboolean
key_pressed_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                DlConfusionView *self)
{
  int t = self->hover_t, p = self->hover_p;

  if (t < 0)
    {
      t = MAX (self->selected_t, 0);
      p = MAX (self->selected_p, 0);
    }
  switch (keyval)
    {
    case GDK_KEY_Up:    case GDK_KEY_KP_Up:    t = MAX (t - 1, 0); break;
    case GDK_KEY_Down:  case GDK_KEY_KP_Down:  t = MIN (t + 1, N - 1); break;
    case GDK_KEY_Left:  case GDK_KEY_KP_Left:  p = MAX (p - 1, 0); break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: p = MIN (p + 1, N - 1); break;
    case GDK_KEY_Return: case GDK_KEY_KP_Enter: case GDK_KEY_space:
      if (self->hover_t < 0)
        return FALSE;
      g_signal_emit (self, signals[CELL_ACTIVATED], 0, self->hover_t, self->hover_p);
      return TRUE;
    default:
      return FALSE;
    }
  self->hover_t = t;
  self->hover_p = p;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
  return TRUE;
}

static void
click_released_cb (GtkGestureClick *gesture, int n_press, double x, double y, DlConfusionView *self)
{
  if (dl_confusion_view_click (self, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
set_hover (DlConfusionView *self, int t, int p)
{
  if (t == self->hover_t && p == self->hover_p)
    return;
  self->hover_t = t;
  self->hover_p = p;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
motion_cb (GtkEventControllerMotion *motion, double x, double y, DlConfusionView *self)
{
  int t = -1, p = -1;

  if (!dl_confusion_view_cell_at (self, x, y, &t, &p))
    t = p = -1;
  set_hover (self, t, p);
}

static void
leave_cb (GtkEventControllerMotion *motion, DlConfusionView *self)
{
  if (!gtk_widget_has_focus (GTK_WIDGET (self)))
    set_hover (self, -1, -1);
}

static char *
cell_description (DlConfusionView *self, int t, int p)
{
  int count = self->matrix[t][p], total = row_total (self, t);
  double share = total > 0 ? 100.0 * count / total : 0.0;

  const char *tn = dl_classes_name (self->classes, t), *pn = dl_classes_name (self->classes, p);

  if (t == p)
    return g_strdup_printf (_("True %s, predicted %s: %d of %d right (%.1f %%)\nClick to show the right ones"),
                            tn, pn, count, total, share);
  return g_strdup_printf (ngettext ("True %s, predicted %s: %d image, %.1f %% of the true %s\nClick to show them",
                                    "True %s, predicted %s: %d images, %.1f %% of the true %s\nClick to show them",
                                    count),
                          tn, pn, count, share, tn);
}

/* For screen readers: how to use it, the overall share right, and the outlined cell's figures (the arrows
 * move the outline, so each move is read out). */
static void
update_description (DlConfusionView *self)
{
  g_autoptr (GString) text = g_string_new (_("True classes in rows, answers in columns; arrow keys move, Enter shows those images"));
  int right = 0, total = 0;

  for (int t = 0; t < N; t++)
    {
      right += self->matrix[t][t];
      total += row_total (self, t);
    }
  if (total > 0)
    {
      g_string_append (text, ". ");
      g_string_append_printf (text, _("%d of %d right (%.2f %%)"), right, total, 100.0 * right / total);
    }
  if (self->hover_t >= 0 && total > 0)
    {
      g_autofree char *cell = cell_description (self, self->hover_t, self->hover_p);

      g_string_append (text, ". ");
      g_string_append (text, cell);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
}

static gboolean
query_tooltip_cb (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip, gpointer data)
{
  DlConfusionView *self = DL_CONFUSION_VIEW (widget);
  DlConfusionLayout l;
  graphene_rect_t r;
  int t, p;

  if (keyboard)
    {
      t = self->hover_t;
      p = self->hover_p;
      if (t < 0)
        return FALSE;
    }
  else if (!dl_confusion_view_cell_at (self, x, y, &t, &p))
    return FALSE;
  g_autofree char *text = cell_description (self, t, p);
  gtk_tooltip_set_text (tooltip, text);
  /* Re-query when the pointer moves to another cell. */
  current_layout (self, &l);
  dl_confusion_layout_cell_rect (&l, t, p, &r);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) r.origin.x, (int) r.origin.y,
                                                       (int) r.size.width, (int) r.size.height });
  return TRUE;
}

void
dl_confusion_view_set_matrix (DlConfusionView *self, const int (*matrix)[DL_N_CLASSES])
{
  g_return_if_fail (DL_IS_CONFUSION_VIEW (self));

  if (matrix != NULL)
    memcpy (self->matrix, matrix, sizeof self->matrix);
  else
    memset (self->matrix, 0, sizeof self->matrix);
  self->max_count = 0;
  for (int t = 0; t < N; t++)
    for (int p = 0; p < N; p++)
      self->max_count = MAX (self->max_count, self->matrix[t][p]);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_confusion_view_set_selected (DlConfusionView *self, int true_class, int predicted)
{
  g_return_if_fail (DL_IS_CONFUSION_VIEW (self));

  if (true_class < 0 || predicted < 0 || true_class >= N || predicted >= N)
    true_class = predicted = -1;
  self->selected_t = true_class;
  self->selected_p = predicted;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
dl_confusion_view_get_selected (DlConfusionView *self, int *true_class, int *predicted)
{
  g_return_val_if_fail (DL_IS_CONFUSION_VIEW (self), FALSE);
  if (true_class)
    *true_class = self->selected_t;
  if (predicted)
    *predicted = self->selected_p;
  return self->selected_t >= 0;
}

static void
dl_confusion_view_finalize (GObject *object)
{
  dl_classes_free (DL_CONFUSION_VIEW (object)->classes);
  G_OBJECT_CLASS (dl_confusion_view_parent_class)->finalize (object);
}

static void
dl_confusion_view_class_init (DlConfusionViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = dl_confusion_view_finalize;
  widget_class->snapshot = dl_confusion_view_snapshot;
  widget_class->measure = dl_confusion_view_measure;
  widget_class->get_request_mode = dl_confusion_view_get_request_mode;

  /**
   * DlConfusionView::cell-activated:
   * @true_class: the row
   * @predicted: the column
   *
   * A cell was clicked: show exactly these examples.
   */
  signals[CELL_ACTIVATED] =
    g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);

  gtk_widget_class_set_css_name (widget_class, "confusionview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

void
dl_confusion_view_set_classes (DlConfusionView *self, const DlClasses *classes)
{
  g_return_if_fail (DL_IS_CONFUSION_VIEW (self));
  g_clear_pointer (&self->classes, dl_classes_free);
  self->classes = classes != NULL ? dl_classes_copy (classes) : NULL;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dl_confusion_view_init (DlConfusionView *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *key;

  self->hover_t = self->hover_p = -1;
  self->selected_t = self->selected_p = -1;

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  g_signal_connect (motion, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Confusion matrix"), -1);
  update_description (self);

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "pointer");
}

GtkWidget *
dl_confusion_view_new (void)
{
  return g_object_new (DL_TYPE_CONFUSION_VIEW, NULL);
}
