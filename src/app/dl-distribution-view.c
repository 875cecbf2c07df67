/* dl-distribution-view.c — per-layer histograms over a run's evaluations (see dl-distribution-view.h). */
#include "config.h"

#include "dl-distribution-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-colormap.h"
#include "dl-layer-text.h"

#define PAD      8.0
#define TITLE_H  30.0
#define AXIS_H   14.0
#define GAP      10.0

typedef struct {
  int              layer;
  int              exponent;   /* the common range of its columns */
  cairo_surface_t *surface;    /* one column per evaluation with stats, bin 0 at the bottom */
} Panel;

struct _DlDistributionView
{
  GtkWidget        parent_instance;

  DlRun           *run;
  gulong           added_id;
  DlLayerStatKind  kind;
  int              current;
  GArray          *panels;     /* Panel */
  GArray          *columns;    /* int: the run's evaluation index of each column */
  gboolean         dirty;
};

G_DEFINE_FINAL_TYPE (DlDistributionView, dl_distribution_view, GTK_TYPE_WIDGET)

static void
panel_clear (gpointer p)
{
  g_clear_pointer (&((Panel *) p)->surface, cairo_surface_destroy);
}

static const DlLayerStats *
stats_at (DlDistributionView *self, int column)
{
  return dl_run_get_eval (self->run, g_array_index (self->columns, int, column))->layer_stats;
}

/* A column: the bins' counts as brightness, scaled to the column's fullest bin (square root, so that the
 * tails stay visible beside a peak holding most values). */
static void
fill_column (guint32 *px, int stride_px, int x, const DlHistogram *h, int exponent)
{
  DlHistogram wide;
  guint32 top = 0;

  dl_histogram_widen (h, exponent, &wide);
  for (int b = 0; b < DL_HIST_BINS; b++)
    top = MAX (top, wide.counts[b]);
  for (int b = 0; b < DL_HIST_BINS; b++)
    px[(DL_HIST_BINS - 1 - b) * stride_px + x] = dl_colormap_sequential (top ? sqrt ((double) wide.counts[b] / top) : 0.0);
}

static void
rebuild (DlDistributionView *self)
{
  g_array_set_size (self->panels, 0);
  g_array_set_size (self->columns, 0);
  self->dirty = FALSE;
  if (self->run == NULL)
    return;
  for (guint i = 0; i < dl_run_get_n_evals (self->run); i++)
    if (dl_run_get_eval (self->run, i)->layer_stats != NULL)
      g_array_append_val (self->columns, i);
  if (self->columns->len == 0)
    return;

  int n_layers = stats_at (self, 0)->n_layers;
  for (int l = 0; l < n_layers; l++)
    {
      Panel p = { .layer = l, .exponent = DL_HIST_MIN_EXP };
      gboolean any = FALSE;
      for (guint c = 0; c < self->columns->len; c++)
        {
          const DlLayerStats *s = stats_at (self, c);
          if (dl_layer_stats_has (s, l, self->kind))
            p.exponent = MAX (p.exponent, s->layers[l].hist[self->kind].exponent), any = TRUE;
        }
      if (!any)
        continue;
      p.surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, self->columns->len, DL_HIST_BINS);
      guint32 *px = (guint32 *) cairo_image_surface_get_data (p.surface);
      int stride_px = cairo_image_surface_get_stride (p.surface) / 4;
      for (guint c = 0; c < self->columns->len; c++)
        {
          const DlLayerStats *s = stats_at (self, c);
          if (dl_layer_stats_has (s, l, self->kind))
            fill_column (px, stride_px, c, &s->layers[l].hist[self->kind], p.exponent);
          else
            for (int b = 0; b < DL_HIST_BINS; b++)
              px[b * stride_px + c] = 0;
        }
      cairo_surface_mark_dirty (p.surface);
      g_array_append_val (self->panels, p);
    }
}

static void
ensure (DlDistributionView *self)
{
  if (self->dirty)
    rebuild (self);
}

void
dl_distribution_view_render (DlDistributionView *self, cairo_t *cr, int width, int height)
{
  GdkRGBA fg;
  DlArch arch;

  g_return_if_fail (DL_IS_DISTRIBUTION_VIEW (self));
  ensure (self);
  if (self->panels->len == 0 || !dl_arch_parse (dl_run_get_arch (self->run), &arch, NULL))
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10.5);

  guint n = self->panels->len;
  double pw = (width - 2 * PAD - GAP * (n - 1)) / n, ph = height - 2 * PAD - TITLE_H - AXIS_H;
  if (pw < 8 || ph < 16)
    return;
  for (guint k = 0; k < n; k++)
    {
      const Panel *p = &g_array_index (self->panels, Panel, k);
      double x = PAD + k * (pw + GAP), y = PAD + TITLE_H;
      g_autofree char *kind = p->layer < arch.n_layers ? dl_layer_text_kind (&arch, p->layer) : g_strdup ("?");
      g_autofree char *title = g_strdup_printf ("%d · %s", p->layer + 1, kind);
      g_autofree char *range = g_strdup_printf ("±%.3g", ldexp (1.0, p->exponent));

      cairo_save (cr);
      cairo_rectangle (cr, x, PAD, pw, TITLE_H);
      cairo_clip (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha);
      cairo_move_to (cr, x, PAD + 12);
      cairo_show_text (cr, title);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6 * fg.alpha);
      cairo_move_to (cr, x, PAD + 26);
      cairo_show_text (cr, range);
      cairo_restore (cr);

      cairo_save (cr);
      cairo_rectangle (cr, x, y, pw, ph);
      cairo_clip (cr);
      cairo_translate (cr, x, y);
      cairo_scale (cr, pw / self->columns->len, ph / DL_HIST_BINS);
      cairo_set_source_surface (cr, p->surface, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_restore (cr);

      /* 0 on the value axis, and the scrubbed evaluation. */
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.35);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, x, y + ph / 2 + 0.5);
      cairo_line_to (cr, x + pw, y + ph / 2 + 0.5);
      cairo_stroke (cr);
      int col = (int) self->columns->len - 1;
      for (guint c = 0; self->current >= 0 && c < self->columns->len; c++)
        if (g_array_index (self->columns, int, c) <= self->current)
          col = (int) c;
      double cx = x + (col + 0.5) * pw / self->columns->len;
      cairo_set_source_rgba (cr, 0.2, 0.8, 1.0, 0.9);
      cairo_move_to (cr, floor (cx) + 0.5, y);
      cairo_line_to (cr, floor (cx) + 0.5, y + ph);
      cairo_stroke (cr);
    }
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6 * fg.alpha);
  cairo_move_to (cr, PAD, height - PAD);
  cairo_show_text (cr, _("each panel: evaluations across, values up (0 in the middle), brighter where more fall"));
}

static void
dl_distribution_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  dl_distribution_view_render (DL_DISTRIBUTION_VIEW (widget), cr, w, h);
  cairo_destroy (cr);
}

static void
dl_distribution_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                              int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = 120;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 720 : 260;
}

static void
eval_added_cb (DlRun *run, guint index, DlDistributionView *self)
{
  self->dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_distribution_view_set_run (DlDistributionView *self, DlRun *run)
{
  g_return_if_fail (DL_IS_DISTRIBUTION_VIEW (self));
  if (self->run != NULL)
    g_clear_signal_handler (&self->added_id, self->run);
  g_set_object (&self->run, run);
  if (run != NULL)
    self->added_id = g_signal_connect (run, "eval-added", G_CALLBACK (eval_added_cb), self);
  self->dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_distribution_view_set_kind (DlDistributionView *self, DlLayerStatKind kind)
{
  g_return_if_fail (DL_IS_DISTRIBUTION_VIEW (self));
  self->kind = kind;
  self->dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_distribution_view_set_current (DlDistributionView *self, int eval_index)
{
  g_return_if_fail (DL_IS_DISTRIBUTION_VIEW (self));
  self->current = eval_index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
dl_distribution_view_get_n_panels (DlDistributionView *self)
{
  g_return_val_if_fail (DL_IS_DISTRIBUTION_VIEW (self), 0);
  ensure (self);
  return self->panels->len;
}

int
dl_distribution_view_get_exponent (DlDistributionView *self, int layer)
{
  g_return_val_if_fail (DL_IS_DISTRIBUTION_VIEW (self), -1);
  ensure (self);
  for (guint k = 0; k < self->panels->len; k++)
    if (g_array_index (self->panels, Panel, k).layer == layer)
      return g_array_index (self->panels, Panel, k).exponent;
  return -1;
}

static void
dl_distribution_view_dispose (GObject *object)
{
  DlDistributionView *self = DL_DISTRIBUTION_VIEW (object);

  if (self->run != NULL)
    g_clear_signal_handler (&self->added_id, self->run);
  g_clear_object (&self->run);
  g_clear_pointer (&self->panels, g_array_unref);
  g_clear_pointer (&self->columns, g_array_unref);
  G_OBJECT_CLASS (dl_distribution_view_parent_class)->dispose (object);
}

static void
dl_distribution_view_class_init (DlDistributionViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dl_distribution_view_dispose;
  widget_class->snapshot = dl_distribution_view_snapshot;
  widget_class->measure = dl_distribution_view_measure;
  gtk_widget_class_set_css_name (widget_class, "distributionview");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_distribution_view_init (DlDistributionView *self)
{
  self->current = -1;
  self->panels = g_array_new (FALSE, FALSE, sizeof (Panel));
  g_array_set_clear_func (self->panels, panel_clear);
  self->columns = g_array_new (FALSE, FALSE, sizeof (int));
  /* What a screen reader calls it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("How each layer's values spread over the run"), -1);
}

GtkWidget *
dl_distribution_view_new (void)
{
  return g_object_new (DL_TYPE_DISTRIBUTION_VIEW, NULL);
}
