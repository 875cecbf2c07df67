/* dl-network-page-time.c — the Network page's run over time: its architecture and health curves (the dead
 * or saturated share of each layer at every evaluation), and the slider over the evaluations that carry
 * layer statistics (see dl-network-page.h). */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-layer-text.h"
#include "dl-network-page-private.h"

static const char *const palette[] = {
  "blue", "orange", "green", "purple", "red", "teal", "yellow", "gray", "brown", "pink",
};

/* ---- the architecture and the health curves ---- */

static void
clear_health (DlNetworkPage *self)
{
  for (int i = 0; i < DL_MAX_LAYERS; i++)
    if (self->health[i] != NULL)
      {
        dl_plot_remove_series (self->health_plot, self->health[i]);
        g_clear_object (&self->health[i]);
      }
}

/* A curve per layer with a health figure: dead share for ReLU layers, saturated for tanh and sigmoid. */
static void
make_health (DlNetworkPage *self)
{
  int k = 0;

  clear_health (self);
  for (int i = 0; self->have_arch && i < self->arch.n_layers; i++)
    {
      const DlLayerSpec *l = &self->arch.layers[i];
      if ((l->kind != DL_LAYER_DENSE && l->kind != DL_LAYER_CONV) || l->act == DL_ACT_NONE)
        continue;
      g_autofree char *kind = dl_layer_text_kind (&self->arch, i);
      g_autofree char *name = g_strdup_printf (l->act == DL_ACT_RELU ? _("%d · %s dead") : _("%d · %s saturated"),
                                               i + 1, kind);
      self->health[i] = dl_series_new (name, palette[k++ % G_N_ELEMENTS (palette)]);
      dl_series_set_markers (self->health[i], TRUE);
      dl_plot_add_series (self->health_plot, self->health[i]);
    }
}

void
network_page_set_arch (DlNetworkPage *self, const char *text)
{
  DlArch arch;

  if (g_strcmp0 (text, self->arch_text) == 0)
    return;
  g_free (self->arch_text);
  self->arch_text = g_strdup (text);
  self->have_arch = text != NULL && dl_arch_parse (text, &arch, NULL);
  if (self->have_arch)
    self->arch = arch;
  dl_layer_diagram_set_arch (self->layer_diagram, self->have_arch ? &self->arch : NULL);
  /* The first layer with weights: the one with pictures to show. */
  if (self->have_arch && dl_layer_diagram_get_selected (self->layer_diagram) < 0)
    for (int i = 0; i < self->arch.n_layers; i++)
      if (self->arch.layers[i].kind == DL_LAYER_DENSE || self->arch.layers[i].kind == DL_LAYER_CONV)
        {
          dl_layer_diagram_set_selected (self->layer_diagram, i);
          break;
        }
  make_health (self);
}

/* ---- the evaluations and the time slider ---- */

static const DlRunEval *
eval_at (DlNetworkPage *self, guint position)
{
  return dl_run_get_eval (self->run, g_array_index (self->positions, guint, position));
}

static void
append_health (DlNetworkPage *self, const DlRunEval *e)
{
  for (int i = 0; self->have_arch && i < self->arch.n_layers; i++)
    {
      double share = dl_layer_health_share (&self->arch, e->layer_stats, i);
      if (self->health[i] != NULL && !isnan (share))
        dl_series_append (self->health[i], e->x, 100.0 * share);
    }
}

void
network_page_update_time (DlNetworkPage *self)
{
  guint n = self->positions->len;
  const DlRunEval *e = n > 0 ? eval_at (self, self->position) : NULL;

  self->setting = TRUE;
  gtk_adjustment_set_upper (self->time_adjustment, n > 0 ? n - 1 : 0);
  gtk_adjustment_set_value (self->time_adjustment, self->position);
  gtk_toggle_button_set_active (self->live_toggle, self->live);
  self->setting = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->time_scale), n > 1);

  dl_layer_diagram_set_stats (self->layer_diagram, e != NULL ? e->layer_stats : NULL);
  dl_distribution_view_set_current (self->distribution_view, e != NULL ? (int) g_array_index (self->positions, guint,
                                                                                               self->position) : -1);
  if (e == NULL)
    {
      gtk_label_set_text (self->time_label, _("no evaluation yet"));
      return;
    }
  g_autofree char *text = g_strdup_printf (_("%u of %u: step %lld, epoch %.2f, %.2f %% (%s)"), self->position + 1, n,
                                           (long long) e->step, e->x, 100.0 * e->accuracy,
                                           e->kind == DL_EVAL_SUBSET ? _("2,000-image subset") : _("whole test set"));
  gtk_label_set_text (self->time_label, text);
}

void
network_page_eval_added (DlNetworkPage *self, guint index, DlRun *run)
{
  const DlRunEval *e = dl_run_get_eval (run, index);

  if (e->layer_stats == NULL)
    return;
  g_array_append_val (self->positions, index);
  append_health (self, e);
  if (self->live)
    self->position = self->positions->len - 1;
  /* Shown at the next tick, with the newest weights: one frame for both. */
  self->time_dirty = TRUE;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    network_page_update_time (self), self->time_dirty = FALSE;
}

void
network_page_collect (DlNetworkPage *self)
{
  g_array_set_size (self->positions, 0);
  for (int i = 0; i < DL_MAX_LAYERS; i++)
    if (self->health[i] != NULL)
      dl_series_clear (self->health[i]);
  for (guint i = 0; self->run != NULL && i < dl_run_get_n_evals (self->run); i++)
    {
      const DlRunEval *e = dl_run_get_eval (self->run, i);
      if (e->layer_stats == NULL)
        continue;
      g_array_append_val (self->positions, i);
      append_health (self, e);
    }
  self->position = self->positions->len > 0 ? self->positions->len - 1 : 0;
  self->live = TRUE;
  network_page_update_time (self);
}

/* ---- the slider ---- */

void
network_page_time_changed (DlNetworkPage *self)
{
  if (self->setting || self->positions->len == 0)
    return;
  dl_network_page_set_position (self, (guint) (gtk_adjustment_get_value (self->time_adjustment) + 0.5));
}

void
network_page_live_toggled (DlNetworkPage *self)
{
  if (self->setting)
    return;
  self->live = gtk_toggle_button_get_active (self->live_toggle);
  if (self->live && self->positions->len > 0)
    self->position = self->positions->len - 1;
  network_page_update_time (self);
  network_page_past_update (self);
  network_page_feed_visible (self);
  network_page_update_caption (self);
}

/* ---- public ---- */

void
dl_network_page_set_position (DlNetworkPage *self, guint position)
{
  g_return_if_fail (DL_IS_NETWORK_PAGE (self));
  if (self->positions->len == 0)
    return;
  self->position = MIN (position, self->positions->len - 1);
  self->live = self->position == self->positions->len - 1;
  network_page_update_time (self);
  network_page_past_update (self);
  network_page_feed_visible (self);
  network_page_update_caption (self);
}

guint
dl_network_page_get_n_positions (DlNetworkPage *self)
{
  g_return_val_if_fail (DL_IS_NETWORK_PAGE (self), 0);
  return self->positions->len;
}

int
dl_network_page_get_shown_eval (DlNetworkPage *self)
{
  g_return_val_if_fail (DL_IS_NETWORK_PAGE (self), -1);
  return self->positions->len > 0 ? (int) g_array_index (self->positions, guint, self->position) : -1;
}
