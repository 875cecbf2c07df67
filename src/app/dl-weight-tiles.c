/* dl-weight-tiles.c — a layer's weights as tiles (see dl-weight-tiles.h). */
#include "config.h"

#include "dl-weight-tiles.h"

#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "dl-colormap.h"
#include "dl-layer-stats.h"

struct _DlWeightTiles
{
  GtkWidget        parent_instance;

  DlSnapshot      *snap;          /* holds `net` when it is a snapshot's */
  DlNet           *net;           /* shown: the snapshot's, or one the caller keeps (dl_weight_tiles_set_net) */
  gint64           net_step;
  guint            net_serial;
  int              layer;
  DlWeightTilesShow show;
  float           *prev;          /* the layer's weights at the previous snapshot (change view) */
  gsize            prev_n;
  guint            prev_serial;
  cairo_surface_t *surface;       /* a pixel per weight: tile i at rows [i · tile_h, (i + 1) · tile_h) */
  cairo_surface_t *screen;        /* the tiles laid out at screen_w × screen_h, drawn from surface */
  int              screen_w, screen_h;
  gboolean         screen_valid;   /* holds the tiles of the current surface */
  int              screen_tiles, screen_tile_w, screen_tile_h;   /* the layout it was cleared for */
  int              n_tiles, tile_w, tile_h, fixed_cols;   /* fixed_cols 0: as the widget's shape suits */
  double           scale;
  gint64           step;
};

G_DEFINE_FINAL_TYPE (DlWeightTiles, dl_weight_tiles, GTK_TYPE_WIDGET)

/* How layer i's weights split into tiles: FALSE for a layer without weights. */
static gboolean
tile_shape (const DlArch *arch, int i, int *n, int *tw, int *th, int *cols)
{
  const DlLayerSpec *l = &arch->layers[i];
  int c, h, w;

  dl_arch_shape (arch, i - 1, &c, &h, &w);
  *cols = 0;
  if (l->kind == DL_LAYER_CONV)
    {
      *n = l->units * c, *tw = *th = l->kernel;
      *cols = c > 1 ? c : 0;
      return TRUE;
    }
  if (l->kind != DL_LAYER_DENSE)
    return FALSE;
  if (dl_arch_fed_by_image (arch, i) && c == 1)
    {
      *n = l->units, *tw = w, *th = h;
      return TRUE;
    }
  *n = 1, *tw = c * h * w, *th = l->units;   /* the weight matrix, out × in */
  return TRUE;
}

/* The values to draw, the layer's weights in order (unit- or filter-major: the tiles' order), their
 * gradient, or their change since the previous snapshot; NULL when there is no gradient to show. */
static const float *
values (DlWeightTiles *self, gsize off, gsize n, float *buf)
{
  const float *w = dl_net_params (self->net) + off;

  switch (self->show)
    {
    case DL_WEIGHT_TILES_GRADIENTS:
      return self->snap != NULL && self->snap->grads != NULL ? self->snap->grads + off : NULL;
    case DL_WEIGHT_TILES_CHANGE:
      for (gsize j = 0; j < n; j++)
        buf[j] = self->prev != NULL && self->prev_n == n ? w[j] - self->prev[j] : 0.0f;
      return buf;
    case DL_WEIGHT_TILES_WEIGHTS:
    default:
      return w;
    }
}

/* The magnitude at the ends of the scale: the 99.5th percentile of |v| (from a 1024-bin histogram of
 * |v| / max |v|, one pass), so that a handful of large weights does not wash every other one out to white;
 * the few beyond it are drawn at the scale's ends. */
#define SCALE_BINS 1024
static double
robust_scale (const float *v, gsize n)
{
  float m = 0.0f;
  guint32 hist[SCALE_BINS] = { 0 };
  gsize keep = n - n / 200, seen = 0;

  for (gsize j = 0; j < n; j++)
    m = fabsf (v[j]) > m ? fabsf (v[j]) : m;
  if (m == 0.0f || n < 200)
    return m;
  float k = SCALE_BINS / m;
  for (gsize j = 0; j < n; j++)
    hist[MIN ((int) (fabsf (v[j]) * k), SCALE_BINS - 1)]++;
  for (int b = 0; b < SCALE_BINS; b++)
    if ((seen += hist[b]) >= keep)
      return m * (b + 1) / SCALE_BINS;
  return m;
}

static void
rebuild (DlWeightTiles *self)
{
  const DlArch *arch;
  gsize off, n_w, n_b;
  int n, tw, th, cols;

  self->screen_valid = FALSE;
  self->n_tiles = 0;
  self->step = self->net != NULL ? self->net_step : -1;
  if (self->net == NULL || self->layer < 0 || self->layer >= dl_net_arch (self->net)->n_layers
      || !tile_shape (dl_net_arch (self->net), self->layer, &n, &tw, &th, &cols))
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      return;
    }
  arch = dl_net_arch (self->net);
  dl_layer_param_range (arch, self->layer, &off, &n_w, &n_b);
  const float *w = dl_net_params (self->net) + off;
  g_autofree float *buf = self->show == DL_WEIGHT_TILES_CHANGE ? g_new (float, n_w) : NULL;
  const float *v = values (self, off, n_w, buf);
  if (v == NULL)
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      return;
    }
  double m = robust_scale (v, n_w);
  self->scale = m;

  /* The same size again (a new snapshot of the same layer): its pixels are all rewritten. */
  if (self->surface == NULL || cairo_image_surface_get_width (self->surface) != tw
      || cairo_image_surface_get_height (self->surface) != th * n)
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, tw, th * n);
    }
  cairo_surface_flush (self->surface);
  guint8 *px = cairo_image_surface_get_data (self->surface);
  int stride = cairo_image_surface_get_stride (self->surface);
  /* A single matrix tile (out × in) has a unit per row; the other tiles are a unit's or filter channel's
   * weights row by row. Either way the values run in order through the surface's rows. */
  const guint32 *lut = dl_colormap_diverging_lut ();
  float k = m > 0.0 ? (float) ((DL_COLORMAP_LUT_N - 1) / (2.0 * m)) : 0.0f, mid = (DL_COLORMAP_LUT_N - 1) / 2.0f;
  for (gsize row = 0; row < n_w / tw; row++)
    {
      const float *vr = v + row * tw;
      guint32 *out = (guint32 *) (px + row * stride);
      for (int col = 0; col < tw; col++)
        {
          float t = vr[col] * k + mid + 0.5f;
          out[col] = lut[(int) CLAMP (t, 0.0f, DL_COLORMAP_LUT_N - 1.0f)];
        }
    }
  cairo_surface_mark_dirty (self->surface);
  self->n_tiles = n, self->tile_w = tw, self->tile_h = th, self->fixed_cols = cols;

  /* Remember these weights for the next change view (in the same buffer while the layer's size stays). */
  if (self->prev == NULL || self->prev_n != n_w)
    {
      g_free (self->prev);
      self->prev = g_new (float, n_w);
      self->prev_n = n_w;
    }
  memcpy (self->prev, w, n_w * sizeof (float));
}

/* The scale that fits `cols` columns of tiles `gap` apart into width × height. */
static double
fit (DlWeightTiles *self, int cols, double gap, int width, int height)
{
  int rows = (self->n_tiles + cols - 1) / cols;

  return MIN ((width - gap * (cols - 1)) / (cols * (double) self->tile_w),
              (height - gap * (rows - 1)) / (rows * (double) self->tile_h));
}

/* Columns, the size of a weight on screen and the gap between tiles that fit all tiles into width × height:
 * the columns that give the largest tiles, then a gap of half a weight (1–8 px) so that tiles stay apart
 * however large they are drawn. */
static void
layout (DlWeightTiles *self, int width, int height, int *cols, double *scale, double *gap, double *x0, double *y0)
{
  int best_cols = 1;
  double best = 0.0;

  for (int c = 1; c <= self->n_tiles; c++)
    {
      if (self->fixed_cols && c != self->fixed_cols)
        continue;
      double s = fit (self, c, 1.0, width, height);
      if (s > best)
        best = s, best_cols = c;
    }
  *gap = CLAMP (floor (best / 2), 1.0, 8.0);
  best = fit (self, best_cols, *gap, width, height);
  /* Whole screen pixels per weight once there are several: every weight a crisp square, at most a fifth
   * of the room lost (below that, squares a pixel apart in size beat smaller tiles). */
  *scale = best >= 5.0 ? floor (best) : best;
  *cols = best_cols;
  int rows = (self->n_tiles + best_cols - 1) / best_cols;
  double w = best_cols * self->tile_w * *scale + *gap * (best_cols - 1);
  double h = rows * self->tile_h * *scale + *gap * (rows - 1);
  *x0 = floor ((width - w) / 2), *y0 = floor ((height - h) / 2);
}

/* Where tile i lies in a layout. */
static void
rect_in (DlWeightTiles *self, int cols, double s, double gap, double x0, double y0, int i, graphene_rect_t *rect)
{
  graphene_rect_init (rect, x0 + (i % cols) * (self->tile_w * s + gap), y0 + (i / cols) * (self->tile_h * s + gap),
                      self->tile_w * s, self->tile_h * s);
}

gboolean
dl_weight_tiles_tile_rect (DlWeightTiles *self, int width, int height, int i, graphene_rect_t *rect)
{
  int cols;
  double s, gap, x0, y0;

  g_return_val_if_fail (DL_IS_WEIGHT_TILES (self), FALSE);
  if (i < 0 || i >= self->n_tiles)
    return FALSE;
  layout (self, width, height, &cols, &s, &gap, &x0, &y0);
  rect_in (self, cols, s, gap, x0, y0, i, rect);
  return TRUE;
}

/* The tiles at width × height, a screen pixel taking the colour of the weight under its centre: one pass
 * over the screen's pixels when the parameters or the size change, so that a frame only copies an image
 * (256 cairo fills of scaled patterns took 9 ms a frame). */
static void
compose (DlWeightTiles *self, int width, int height)
{
  cairo_surface_flush (self->surface);
  const guint8 *src = cairo_image_surface_get_data (self->surface);
  int src_stride = cairo_image_surface_get_stride (self->surface);

  /* A new size or layout starts from a clear image; the same one only has its tiles' pixels rewritten (the
   * gaps stay clear). */
  if (self->screen == NULL || self->screen_w != width || self->screen_h != height || self->screen_tiles != self->n_tiles
      || self->screen_tile_w != self->tile_w || self->screen_tile_h != self->tile_h)
    {
      g_clear_pointer (&self->screen, cairo_surface_destroy);
      self->screen = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
      self->screen_w = width, self->screen_h = height, self->screen_tiles = self->n_tiles;
      self->screen_tile_w = self->tile_w, self->screen_tile_h = self->tile_h;
    }
  cairo_surface_flush (self->screen);
  guint8 *dst = cairo_image_surface_get_data (self->screen);
  int dst_stride = cairo_image_surface_get_stride (self->screen);
  int cols;
  double s, gap, ox, oy;
  layout (self, width, height, &cols, &s, &gap, &ox, &oy);   /* once: it tries every column count */
  for (int i = 0; i < self->n_tiles; i++)
    {
      graphene_rect_t r;
      rect_in (self, cols, s, gap, ox, oy, i, &r);
      int x0 = MAX ((int) ceil (r.origin.x - 0.5), 0), x1 = MIN ((int) ceil (r.origin.x + r.size.width - 0.5), width);
      int y0 = MAX ((int) ceil (r.origin.y - 0.5), 0), y1 = MIN ((int) ceil (r.origin.y + r.size.height - 0.5), height);
      double sx = self->tile_w / r.size.width, sy = self->tile_h / r.size.height;
      if (x1 <= x0)
        continue;
      /* The weight column under each screen column of the tile, once per tile. */
      g_autofree int *col = g_new (int, x1 - x0);
      for (int x = x0; x < x1; x++)
        col[x - x0] = MIN ((int) ((x + 0.5 - r.origin.x) * sx), self->tile_w - 1);
      for (int y = y0; y < y1; y++)
        {
          int wy = MIN ((int) ((y + 0.5 - r.origin.y) * sy), self->tile_h - 1);
          const guint32 *srow = (const guint32 *) (src + (gsize) (i * self->tile_h + wy) * src_stride);
          guint32 *drow = (guint32 *) (dst + (gsize) y * dst_stride) + x0;
          for (int x = 0; x < x1 - x0; x++)
            drow[x] = srow[col[x]];
        }
    }
  cairo_surface_mark_dirty (self->screen);
  self->screen_valid = TRUE;
}

void
dl_weight_tiles_render (DlWeightTiles *self, cairo_t *cr, int width, int height)
{
  g_return_if_fail (DL_IS_WEIGHT_TILES (self));
  if (self->surface == NULL || width <= 0 || height <= 0)
    return;
  if (!self->screen_valid || self->screen_w != width || self->screen_h != height)
    compose (self, width, height);
  cairo_set_source_surface (cr, self->screen, 0, 0);
  cairo_paint (cr);
}

static void
dl_weight_tiles_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlWeightTiles *self = DL_WEIGHT_TILES (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  if (self->surface == NULL || w <= 0 || h <= 0)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  dl_weight_tiles_render (self, cr, w, h);
  cairo_destroy (cr);
}

static void
dl_weight_tiles_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                         int *minimum_baseline, int *natural_baseline)
{
  *minimum = 64;
  *natural = 480;
}

static void
show_net (DlWeightTiles *self, DlNet *net, gint64 step, guint run_serial)
{
  /* The change view compares within one run only. */
  if (net == NULL || run_serial != self->prev_serial)
    {
      g_clear_pointer (&self->prev, g_free);
      self->prev_serial = net != NULL ? run_serial : 0;
    }
  self->net = net, self->net_step = step, self->net_serial = run_serial;
  rebuild (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_weight_tiles_set_snapshot (DlWeightTiles *self, DlSnapshot *snap)
{
  g_return_if_fail (DL_IS_WEIGHT_TILES (self));
  if (snap == self->snap && (snap == NULL || snap->net == self->net))
    return;
  g_clear_pointer (&self->snap, dl_snapshot_unref);
  self->snap = snap != NULL ? dl_snapshot_ref (snap) : NULL;
  show_net (self, snap != NULL ? snap->net : NULL, snap != NULL ? snap->step : -1, snap != NULL ? snap->run_serial : 0);
}

void
dl_weight_tiles_set_net (DlWeightTiles *self, DlNet *net, gint64 step, guint run_serial)
{
  g_return_if_fail (DL_IS_WEIGHT_TILES (self));
  g_clear_pointer (&self->snap, dl_snapshot_unref);
  show_net (self, net, step, run_serial);
}

void
dl_weight_tiles_set_layer (DlWeightTiles *self, int layer)
{
  g_return_if_fail (DL_IS_WEIGHT_TILES (self));
  if (layer == self->layer)
    return;
  self->layer = layer;
  g_clear_pointer (&self->prev, g_free);
  rebuild (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
dl_weight_tiles_get_layer (DlWeightTiles *self)
{
  g_return_val_if_fail (DL_IS_WEIGHT_TILES (self), -1);
  return self->layer;
}

void
dl_weight_tiles_set_show (DlWeightTiles *self, DlWeightTilesShow show)
{
  g_return_if_fail (DL_IS_WEIGHT_TILES (self));
  if (show == self->show)
    return;
  self->show = show;
  rebuild (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
dl_weight_tiles_get_n_tiles (DlWeightTiles *self, int *tile_w, int *tile_h, int *cols)
{
  g_return_val_if_fail (DL_IS_WEIGHT_TILES (self), 0);
  if (tile_w) *tile_w = self->tile_w;
  if (tile_h) *tile_h = self->tile_h;
  if (cols) *cols = self->fixed_cols;
  return self->n_tiles;
}

double
dl_weight_tiles_get_scale (DlWeightTiles *self)
{
  g_return_val_if_fail (DL_IS_WEIGHT_TILES (self), 0.0);
  return self->scale;
}

gint64
dl_weight_tiles_get_step (DlWeightTiles *self)
{
  g_return_val_if_fail (DL_IS_WEIGHT_TILES (self), -1);
  return self->step;
}

static void
dl_weight_tiles_dispose (GObject *object)
{
  DlWeightTiles *self = DL_WEIGHT_TILES (object);

  g_clear_pointer (&self->snap, dl_snapshot_unref);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_clear_pointer (&self->screen, cairo_surface_destroy);
  g_clear_pointer (&self->prev, g_free);
  G_OBJECT_CLASS (dl_weight_tiles_parent_class)->dispose (object);
}

static void
dl_weight_tiles_class_init (DlWeightTilesClass *klass)
{
  GTK_WIDGET_CLASS (klass)->snapshot = dl_weight_tiles_snapshot;
  GTK_WIDGET_CLASS (klass)->measure = dl_weight_tiles_measure;
  G_OBJECT_CLASS (klass)->dispose = dl_weight_tiles_dispose;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "weighttiles");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_weight_tiles_init (DlWeightTiles *self)
{
  self->step = -1;
  /* What a screen reader calls it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("The layer's weights as pictures"), -1);
}

GtkWidget *
dl_weight_tiles_new (void)
{
  return g_object_new (DL_TYPE_WEIGHT_TILES, NULL);
}
