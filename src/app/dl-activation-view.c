/* dl-activation-view.c — every layer's output for one image (see dl-activation-view.h). */
#include "config.h"

#include "dl-activation-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-colormap.h"
#include "dl-layer-text.h"

#define PAD       8.0
#define TITLE_H   18.0
#define ROW_GAP   10.0
#define MAP_GAP   3.0
#define CELL      9.0    /* a dense unit's cell */
#define BAR_W     26.0
#define BAR_H     64.0
#define N_OUT     10

typedef struct {
  cairo_surface_t *surface;   /* maps side by side (one pixel per value, 1 px apart), or a dense strip */
  int              n_maps, map_w, map_h;
  int              n_units;   /* dense: cells */
  double           vmax;      /* the largest |output| */
} Row;

struct _DlActivationView
{
  GtkWidget   parent_instance;

  DlSnapshot *snap;         /* holds `net` when it is a snapshot's */
  DlNet      *net;          /* the one shown: the snapshot's, or one the caller keeps */
  guint       net_serial;
  DlNetWork  *work;
  guint       work_serial;
  float       image[784];
  gboolean    have_image;
  gboolean    have_pass;
  float       probs[N_OUT];
  float      *outputs[DL_MAX_LAYERS];
  int         n_out[DL_MAX_LAYERS];
  Row         rows[DL_MAX_LAYERS + 1];   /* 0: the input */
  int         n_rows;
  DlArch      arch;
  DlClasses  *classes;      /* the output's names; NULL: the digits */
  char       *description;  /* what a screen reader is told of the output */
};

G_DEFINE_FINAL_TYPE (DlActivationView, dl_activation_view, GTK_TYPE_WIDGET)

static void
clear_pass (DlActivationView *self)
{
  for (int i = 0; i < DL_MAX_LAYERS; i++)
    g_clear_pointer (&self->outputs[i], g_free);
  for (int i = 0; i < self->n_rows; i++)
    g_clear_pointer (&self->rows[i].surface, cairo_surface_destroy);
  self->n_rows = 0;
  self->have_pass = FALSE;
}

/* Maps of c × h × w values side by side: dark 0 to bright at vmax, or diverging when some are negative. */
static void
maps_row (Row *r, const float *v, int c, int h, int w)
{
  double lo = 0.0, hi = 0.0;
  gsize n = (gsize) c * h * w;

  for (gsize j = 0; j < n; j++)
    lo = MIN (lo, v[j]), hi = MAX (hi, v[j]);
  r->vmax = MAX (-lo, hi);
  r->n_maps = c, r->map_w = w, r->map_h = h;
  r->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, c * (w + 1), h);
  guint8 *px = cairo_image_surface_get_data (r->surface);
  int stride = cairo_image_surface_get_stride (r->surface);
  memset (px, 0, (gsize) stride * h);
  for (int m = 0; m < c; m++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          float a = v[((gsize) m * h + y) * w + x];
          guint32 col = lo < 0.0 ? dl_colormap_diverging (r->vmax > 0 ? a / r->vmax : 0.0)
                                 : dl_colormap_sequential (r->vmax > 0 ? a / r->vmax : 0.0);
          ((guint32 *) (px + (gsize) y * stride))[m * (w + 1) + x] = col;
        }
  cairo_surface_mark_dirty (r->surface);
}

static void
strip_row (Row *r, const float *v, int n)
{
  double lo = 0.0, hi = 0.0;

  for (int j = 0; j < n; j++)
    lo = MIN (lo, v[j]), hi = MAX (hi, v[j]);
  r->vmax = MAX (-lo, hi);
  r->n_units = n;
  r->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, n, 1);
  guint32 *px = (guint32 *) cairo_image_surface_get_data (r->surface);
  for (int j = 0; j < n; j++)
    px[j] = lo < 0.0 ? dl_colormap_diverging (r->vmax > 0 ? v[j] / r->vmax : 0.0)
                     : dl_colormap_sequential (r->vmax > 0 ? v[j] / r->vmax : 0.0);
  cairo_surface_mark_dirty (r->surface);
}

static void update_description (DlActivationView *self);

static void
run_pass (DlActivationView *self)
{
  DlNet *net;

  clear_pass (self);
  if (self->net == NULL || !self->have_image)
    return;
  net = self->net;
  /* A work fits nets of one architecture: a new run may bring another. */
  if (self->work == NULL || self->work_serial != self->net_serial)
    {
      g_clear_pointer (&self->work, dl_net_work_free);
      self->work = dl_net_work_new (net, 1);
      self->work_serial = self->net_serial;
    }
  self->arch = *dl_net_arch (net);
  dl_net_forward (net, self->work, self->image, 1, self->probs);
  maps_row (&self->rows[0], self->image, 1, 28, 28);
  for (int i = 0; i < self->arch.n_layers; i++)
    {
      int c, h, w;
      dl_arch_shape (&self->arch, i, &c, &h, &w);
      self->n_out[i] = c * h * w;
      self->outputs[i] = g_memdup2 (dl_net_work_output (self->work, i), sizeof (float) * c * h * w);
      if (h > 1 || w > 1)
        maps_row (&self->rows[i + 1], self->outputs[i], c, h, w);
      else
        strip_row (&self->rows[i + 1], self->outputs[i], c);
    }
  self->n_rows = self->arch.n_layers + 1;
  self->have_pass = TRUE;
}

/* For screen readers: the output, class by class. */
static void
update_description (DlActivationView *self)
{
  GString *s = g_string_new (_("The output's probabilities:"));

  for (int k = 0; self->have_pass && k < N_OUT; k++)
    g_string_append_printf (s, "%s %s %.0f %%", k > 0 ? "," : "", dl_classes_name (self->classes, k),
                            100.0 * self->probs[k]);
  g_free (self->description);
  self->description = g_string_free (s, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->have_pass ? self->description : "", -1);
}

/* Screen pixels per value for a row's maps, so that they fit one line of `width`. */
static double
map_scale (const Row *r, double width)
{
  double s = (width - 2 * PAD - MAP_GAP * (r->n_maps - 1)) / ((double) r->n_maps * r->map_w);
  double cap = 112.0 / MAX (r->map_h, 1);   /* a 28 × 28 map at most 4× */
  s = MIN (s, cap);
  return s >= 1.0 ? floor (s) : MAX (s, 0.25);
}

static int
strip_cols (const Row *r, double width)
{
  return MAX (1, MIN (r->n_units, (int) ((width - 2 * PAD) / CELL)));
}

static double
row_height (DlActivationView *self, int i, double width)
{
  const Row *r = &self->rows[i];
  gboolean last = i == self->n_rows - 1;

  if (last)
    return TITLE_H + BAR_H + TITLE_H;
  if (r->n_maps > 0)
    return TITLE_H + r->map_h * map_scale (r, width);
  int cols = strip_cols (r, width);
  return TITLE_H + CELL * ((r->n_units + cols - 1) / cols);
}

static void
draw_title (DlActivationView *self, cairo_t *cr, int i, double y, GdkRGBA *fg)
{
  g_autofree char *text = NULL;

  if (i == 0)
    text = g_strdup (_("input 28 × 28"));
  else
    {
      g_autofree char *kind = dl_layer_text_kind (&self->arch, i - 1);
      g_autofree char *shape = dl_layer_text_shape (&self->arch, i - 1);
      const char *act = dl_layer_text_activation (&self->arch, i - 1);
      text = g_strdup_printf ("%d · %s %s → %s, max %.3g", i, kind, act, shape, self->rows[i].vmax);
    }
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.8 * fg->alpha);
  cairo_move_to (cr, PAD, y + 13);
  cairo_show_text (cr, text);
}

static void
draw_surface (cairo_t *cr, cairo_surface_t *s, double sx, double sy, double w, double h, double src_x, double scale)
{
  cairo_save (cr);
  cairo_rectangle (cr, sx, sy, w, h);
  cairo_clip (cr);
  cairo_translate (cr, sx, sy);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, s, -src_x, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
}

static void
draw_probs (DlActivationView *self, cairo_t *cr, double y, GdkRGBA *fg)
{
  int best = dl_argmax_class (self->probs);

  for (int k = 0; k < N_OUT; k++)
    {
      double x = PAD + k * (BAR_W + 4), h = BAR_H * CLAMP (self->probs[k], 0.0f, 1.0f);
      g_autofree char *label = dl_classes_abbrev (self->classes, k, 3);
      cairo_text_extents_t ext;
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.12);
      cairo_rectangle (cr, x, y, BAR_W, BAR_H);
      cairo_fill (cr);
      double r, g, b;
      dl_colormap_rgb (dl_colormap_diverging (k == best ? 0.75 : 0.45), &r, &g, &b);
      cairo_set_source_rgb (cr, r, g, b);
      cairo_rectangle (cr, x, y + BAR_H - h, BAR_W, h);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha);
      cairo_text_extents (cr, label, &ext);
      cairo_move_to (cr, x + BAR_W / 2 - ext.x_advance / 2, y + BAR_H + 13);
      cairo_show_text (cr, label);
    }
}

void
dl_activation_view_render (DlActivationView *self, cairo_t *cr, int width, int height)
{
  GdkRGBA fg;
  double y = PAD;

  g_return_if_fail (DL_IS_ACTIVATION_VIEW (self));
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 11);
  for (int i = 0; self->have_pass && i < self->n_rows; i++)
    {
      const Row *r = &self->rows[i];
      draw_title (self, cr, i, y, &fg);
      if (i == self->n_rows - 1)
        draw_probs (self, cr, y + TITLE_H, &fg);
      else if (r->n_maps > 0)
        {
          double s = map_scale (r, width);
          for (int m = 0; m < r->n_maps; m++)
            draw_surface (cr, r->surface, PAD + m * (r->map_w * s + MAP_GAP), y + TITLE_H, r->map_w * s,
                          r->map_h * s, m * (r->map_w + 1), s);
        }
      else
        {
          int cols = strip_cols (r, width);
          for (int j = 0; j < r->n_units; j += cols)
            {
              int n = MIN (cols, r->n_units - j);
              draw_surface (cr, r->surface, PAD, y + TITLE_H + (j / cols) * CELL, n * CELL, CELL - 1, j, CELL);
            }
        }
      y += row_height (self, i, width) + ROW_GAP;
    }
}

static void
dl_activation_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  dl_activation_view_render (DL_ACTIVATION_VIEW (widget), cr, w, h);
  cairo_destroy (cr);
}

static void
dl_activation_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                            int *natural, int *minimum_baseline, int *natural_baseline)
{
  DlActivationView *self = DL_ACTIVATION_VIEW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 640;
      return;
    }
  double width = for_size > 0 ? for_size : 640, h = 2 * PAD;
  for (int i = 0; self->have_pass && i < self->n_rows; i++)
    h += row_height (self, i, width) + ROW_GAP;
  *minimum = *natural = (int) ceil (h);
}

static GtkSizeRequestMode
dl_activation_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
show_net (DlActivationView *self, DlNet *net, guint run_serial)
{
  /* A work fits nets of one architecture: a net of another run may have another. */
  if (net != NULL && self->net != NULL && run_serial == self->net_serial
      && dl_net_n_params (net) != dl_net_n_params (self->net))
    self->work_serial = 0;
  self->net = net, self->net_serial = run_serial;
  run_pass (self);
  update_description (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
dl_activation_view_set_snapshot (DlActivationView *self, DlSnapshot *snap)
{
  g_return_if_fail (DL_IS_ACTIVATION_VIEW (self));
  if (snap == self->snap && (snap == NULL || snap->net == self->net))
    return;
  g_clear_pointer (&self->snap, dl_snapshot_unref);
  self->snap = snap != NULL ? dl_snapshot_ref (snap) : NULL;
  show_net (self, snap != NULL ? snap->net : NULL, snap != NULL ? snap->run_serial : 0);
}

void
dl_activation_view_set_net (DlActivationView *self, DlNet *net, guint run_serial)
{
  g_return_if_fail (DL_IS_ACTIVATION_VIEW (self));
  g_clear_pointer (&self->snap, dl_snapshot_unref);
  show_net (self, net, run_serial);
}

void
dl_activation_view_set_input (DlActivationView *self, const float *image)
{
  g_return_if_fail (DL_IS_ACTIVATION_VIEW (self));
  self->have_image = image != NULL;
  if (image != NULL)
    memcpy (self->image, image, sizeof self->image);
  run_pass (self);
  update_description (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

const float *
dl_activation_view_get_output (DlActivationView *self, int layer, int *n)
{
  g_return_val_if_fail (DL_IS_ACTIVATION_VIEW (self), NULL);
  if (!self->have_pass || layer < 0 || layer >= self->arch.n_layers)
    return NULL;
  if (n)
    *n = self->n_out[layer];
  return self->outputs[layer];
}

const float *
dl_activation_view_get_probs (DlActivationView *self)
{
  g_return_val_if_fail (DL_IS_ACTIVATION_VIEW (self), NULL);
  return self->have_pass ? self->probs : NULL;
}

void
dl_activation_view_set_classes (DlActivationView *self, const DlClasses *classes)
{
  g_return_if_fail (DL_IS_ACTIVATION_VIEW (self));
  g_clear_pointer (&self->classes, dl_classes_free);
  self->classes = classes != NULL ? dl_classes_copy (classes) : NULL;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
dl_activation_view_get_description (DlActivationView *self)
{
  g_return_val_if_fail (DL_IS_ACTIVATION_VIEW (self), NULL);
  return self->have_pass ? self->description : NULL;
}

static void
dl_activation_view_dispose (GObject *object)
{
  DlActivationView *self = DL_ACTIVATION_VIEW (object);

  g_clear_pointer (&self->classes, dl_classes_free);
  g_clear_pointer (&self->description, g_free);
  clear_pass (self);
  g_clear_pointer (&self->snap, dl_snapshot_unref);
  g_clear_pointer (&self->work, dl_net_work_free);
  G_OBJECT_CLASS (dl_activation_view_parent_class)->dispose (object);
}

static void
dl_activation_view_class_init (DlActivationViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dl_activation_view_dispose;
  widget_class->snapshot = dl_activation_view_snapshot;
  widget_class->measure = dl_activation_view_measure;
  widget_class->get_request_mode = dl_activation_view_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "activationview");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_activation_view_init (DlActivationView *self)
{
  /* What a screen reader calls it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Each layer's output for this image"), -1);
}

GtkWidget *
dl_activation_view_new (void)
{
  return g_object_new (DL_TYPE_ACTIVATION_VIEW, NULL);
}
