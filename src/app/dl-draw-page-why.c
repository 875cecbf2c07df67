/* dl-draw-page-why.c — the Draw page's "why": each answer's explanation asked of the explainer (another
 * thread) on the answer's snapshot, and shown as it arrives — the heatmap first, then the nearest
 * training images and the verdict (dl-draw-page-private.h). */
#include <glib/gi18n.h>

#include "dl-draw-page-private.h"

DlExplainer *
dl_draw_page_get_explainer (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), NULL);
  return self->explainer;
}

gboolean
dl_draw_page_get_not_a_digit (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), FALSE);
  return self->answer >= 0 && self->prediction < 0;
}

DlExplanation *
dl_draw_page_get_explanation (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), NULL);
  return self->explanation;
}

DlExplanation *
dl_draw_page_get_complete_explanation (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), NULL);
  return self->complete;
}

gboolean
dl_draw_page_is_settled (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), FALSE);
  return self->tick_id == 0 && (self->requested == 0 || (self->complete != NULL
                                                         && self->complete->serial == self->requested));
}

gboolean
dl_draw_page_flagged (DlDrawPage *self)
{
  const DlExplanation *e = self->complete;
  return e != NULL && e->serial == self->requested && e->have_index && e->verdict.flagged;
}

/* Items 1–10 of a picker: the class names; the choice stays. */
static void
fill_picker (GtkDropDown *dropdown, GtkStringList *items, const DlClasses *classes)
{
  guint selected = gtk_drop_down_get_selected (dropdown);
  const char *names[DL_N_CLASSES + 1] = { NULL };

  for (int c = 0; c < DL_N_CLASSES; c++)
    names[c] = dl_classes_name (classes, c);
  gtk_string_list_splice (items, 1, g_list_model_get_n_items (G_LIST_MODEL (items)) - 1, names);
  gtk_drop_down_set_selected (dropdown, selected == GTK_INVALID_LIST_POSITION ? 0 : selected);
}

void
dl_draw_page_fill_class_pickers (DlDrawPage *self)
{
  fill_picker (self->target_dropdown, self->target_classes, dl_draw_page_classes (self));
  fill_picker (self->contrast_dropdown, self->contrast_classes, dl_draw_page_classes (self));
}

static int
dropdown_class (GtkDropDown *d)
{
  guint i = gtk_drop_down_get_selected (d);
  return i == GTK_INVALID_LIST_POSITION || i == 0 ? -1 : (int) i - 1;
}

void
dl_draw_page_request_explanation (DlDrawPage *self, DlSnapshot *snap)
{
  gint64 origin = self->changed_us != 0 ? self->changed_us : g_get_monotonic_time ();
  self->changed_us = 0;
  if (self->explainer == NULL || snap == NULL)
    {
      self->requested = 0;
      g_clear_pointer (&self->explanation, dl_explanation_unref);
      g_clear_pointer (&self->complete, dl_explanation_unref);
      dl_attrib_view_set (self->attrib_view, self->input->empty ? NULL : self->input->input, NULL);
      dl_neighbours_view_set (self->neighbours_view, NULL, NULL, 0, -1, -1);
      gtk_label_set_text (self->why_heading, _("Why"));
      gtk_label_set_text (self->attrib_note, "");
      gtk_label_set_text (self->neighbours_note, "");
      g_object_notify_by_pspec (G_OBJECT (self), dl_draw_page_props[PROP_EXPLANATION]);
      return;
    }
  guint method = gtk_drop_down_get_selected (self->method_dropdown);
  self->requested = dl_explainer_request (self->explainer, self, snap, self->input->input,
                                          method < DL_ATTRIB_N_METHODS ? method : DL_ATTRIB_INTEGRATED_GRADIENTS,
                                          dropdown_class (self->target_dropdown),
                                          dropdown_class (self->contrast_dropdown), origin);
}

static char *
attrib_note_text (DlDrawPage *self, const DlExplanation *e)
{
  const DlClasses *classes = dl_draw_page_classes (self);
  const char *what = e->method == DL_ATTRIB_GRADIENT_INPUT ? _("Gradient × input")
                     : e->method == DL_ATTRIB_OCCLUSION ? _("Occlusion") : _("Integrated gradients");
  g_autofree char *score = e->contrast >= 0
    ? g_strdup_printf (_("score of %s minus score of %s"), dl_classes_name (classes, e->target),
                       dl_classes_name (classes, e->contrast))
    : g_strdup_printf (_("score of %s"), dl_classes_name (classes, e->target));
  if (e->method == DL_ATTRIB_INTEGRATED_GRADIENTS)
    return g_strdup_printf (_("%s: the map adds up to %.2f; the %s went from %.2f (black) to %.2f."), what,
                            e->attrib.sum, score, e->attrib.f_baseline, e->attrib.f_x);
  if (e->method == DL_ATTRIB_OCCLUSION)
    return g_strdup_printf (_("%s: how much the %s (%.2f) drops when a 4 × 4 patch there is blacked out."), what,
                            score, e->attrib.f_x);
  return g_strdup_printf (_("%s: each pixel times the gradient of the %s (%.2f)."), what, score, e->attrib.f_x);
}

static char *
neighbours_note_text (DlDrawPage *self, const DlExplanation *e)
{
  if (!e->have_index)
    return g_strdup (e->index_building ? _("Finding the training images nearest to it in the network's features…")
                                       : _("No training set to compare with."));
  int same = 0;
  for (int k = 0; k < DL_NEIGHBOURS_K; k++)
    same += e->neighbours[k].label == e->predicted;
  g_autofree char *of = g_strdup_printf (ngettext ("%d of them is labelled %s", "%d of them are labelled %s", same), same,
                                         dl_classes_name (dl_draw_page_classes (self), e->predicted));
  g_autofree char *when = e->index_step == e->step ? g_strdup ("")
                          : g_strdup_printf (_(" (features of step %lld; newer ones are on the way)"),
                                             (long long) e->index_step);
  return g_strdup_printf (_("The %d nearest of %'d training images in the network's own features, with their "
                            "labels and distances: %s%s."), DL_NEIGHBOURS_K, e->train->n, of, when);
}

static void
show_attribution (DlDrawPage *self, const DlExplanation *e)
{
  const DlClasses *classes = dl_draw_page_classes (self);
  g_autofree char *heading = e->contrast >= 0
    ? g_strdup_printf (_("Why %s and not %s"), dl_classes_name (classes, e->target), dl_classes_name (classes, e->contrast))
    : g_strdup_printf (_("Why %s"), dl_classes_name (classes, e->target));
  g_autofree char *note = attrib_note_text (self, e);
  gtk_label_set_text (self->why_heading, heading);
  gtk_label_set_text (self->attrib_note, note);
  dl_attrib_view_set (self->attrib_view, e->image, e->map);
}

static void
show_neighbours (DlDrawPage *self, const DlExplanation *e)
{
  g_autofree char *note = neighbours_note_text (self, e);
  dl_neighbours_view_set (self->neighbours_view, e->train, e->neighbours, e->have_index ? DL_NEIGHBOURS_K : 0,
                          e->predicted, -1);
  gtk_label_set_text (self->neighbours_note, note);
}

static void
on_explained (DlExplainer *explainer, DlExplanation *e, DlDrawPage *self)
{
  /* Only this page's, and never an older one than shown (requests are answered in order anyway). */
  if (e->client != self || (self->explanation != NULL && e->serial < self->explanation->serial))
    return;
  g_clear_pointer (&self->explanation, dl_explanation_unref);
  self->explanation = dl_explanation_ref (e);
  if (e->trained)
    show_attribution (self, e);
  if (e->complete)
    {
      g_clear_pointer (&self->complete, dl_explanation_unref);
      self->complete = dl_explanation_ref (e);
      if (e->trained)
        show_neighbours (self, e);
      if (e->serial == self->requested && self->answer >= 0)
        dl_draw_page_show_answer (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), dl_draw_page_props[PROP_EXPLANATION]);
}

/* A new index: the drawing's neighbours and verdict may have changed. The drawing is read again (one
 * forward pass) and explained on the snapshot of now. */
static void
on_index_changed (DlExplainer *explainer, DlDrawPage *self)
{
  if (self->answer >= 0)
    dl_draw_page_schedule_update (self);
}

void
dl_draw_page_explain_choice_changed (DlDrawPage *self)
{
  if (self->answer >= 0)
    dl_draw_page_schedule_update (self);
}

void
dl_draw_page_set_explainer (DlDrawPage *self, DlExplainer *explainer)
{
  g_return_if_fail (DL_IS_DRAW_PAGE (self));
  g_return_if_fail (explainer == NULL || DL_IS_EXPLAINER (explainer));

  if (self->explainer == explainer)
    return;
  if (self->explainer != NULL)
    g_signal_handlers_disconnect_by_data (self->explainer, self);
  g_set_object (&self->explainer, explainer);
  if (explainer != NULL)
    {
      g_signal_connect_object (explainer, "explained", G_CALLBACK (on_explained), self, 0);
      g_signal_connect_object (explainer, "index-changed", G_CALLBACK (on_index_changed), self, 0);
    }
  dl_draw_page_schedule_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), dl_draw_page_props[PROP_EXPLAINER]);
}

