/* dl-plot-exporter.c — the save dialog flow of plot exports, owned by its widget. */
#include "dl-plot-exporter.h"

#include <glib/gi18n.h>

#define MIN_WIDTH  320
#define MIN_HEIGHT 200

struct _DlPlotExporter
{
  GObject               parent_instance;

  GtkWidget            *owner;      /* weak pointers, cleared when they go */
  GPtrArray            *plots;      /* DlPlot */
  int                   width, height;
  GtkFileChooserNative *chooser;
  DlPlotFormat          format;
  GtkWidget            *error_dialog;
};

G_DEFINE_FINAL_TYPE (DlPlotExporter, dl_plot_exporter, G_TYPE_OBJECT)

static const struct {
  const char *suffix;
  const char *mime;
  const char *title;
} formats[] = {
  [DL_PLOT_FORMAT_PNG] = { "png", "image/png", N_("Export Plots as PNG") },
  [DL_PLOT_FORMAT_SVG] = { "svg", "image/svg+xml", N_("Export Plots as SVG") },
  [DL_PLOT_FORMAT_CSV] = { "csv", "text/csv", N_("Export Plot Data as CSV") },
};

static void
close_chooser (DlPlotExporter *self)
{
  if (self->chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
}

static void
close_error (DlPlotExporter *self)
{
  if (self->error_dialog == NULL)
    return;
  g_object_remove_weak_pointer (G_OBJECT (self->error_dialog), (gpointer *) &self->error_dialog);
  gtk_window_destroy (GTK_WINDOW (self->error_dialog));
  self->error_dialog = NULL;
}

static void
dl_plot_exporter_dispose (GObject *object)
{
  DlPlotExporter *self = DL_PLOT_EXPORTER (object);

  close_chooser (self);
  close_error (self);

  G_OBJECT_CLASS (dl_plot_exporter_parent_class)->dispose (object);
}

static void
owner_gone (gpointer data, GObject *owner)
{
  ((DlPlotExporter *) data)->owner = NULL;
}

static void
plot_gone (gpointer data, GObject *plot)
{
  g_ptr_array_remove (((DlPlotExporter *) data)->plots, plot);
}

static void
dl_plot_exporter_finalize (GObject *object)
{
  DlPlotExporter *self = DL_PLOT_EXPORTER (object);

  if (self->owner)
    g_object_weak_unref (G_OBJECT (self->owner), owner_gone, self);
  for (guint i = 0; i < self->plots->len; i++)
    g_object_weak_unref (g_ptr_array_index (self->plots, i), plot_gone, self);
  g_ptr_array_unref (self->plots);

  G_OBJECT_CLASS (dl_plot_exporter_parent_class)->finalize (object);
}

static void
dl_plot_exporter_class_init (DlPlotExporterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dl_plot_exporter_dispose;
  object_class->finalize = dl_plot_exporter_finalize;
}

static void
dl_plot_exporter_init (DlPlotExporter *self)
{
  self->plots = g_ptr_array_new ();
}

DlPlotExporter *
dl_plot_exporter_new (GtkWidget *owner, int width, int height)
{
  DlPlotExporter *self;

  g_return_val_if_fail (GTK_IS_WIDGET (owner), NULL);
  g_return_val_if_fail (width >= 0 && height >= 0, NULL);

  self = g_object_new (DL_TYPE_PLOT_EXPORTER, NULL);
  self->owner = owner;
  g_object_weak_ref (G_OBJECT (owner), owner_gone, self);
  self->width = width;
  self->height = height;
  return self;
}

void
dl_plot_exporter_add_plot (DlPlotExporter *self, DlPlot *plot)
{
  g_return_if_fail (DL_IS_PLOT_EXPORTER (self));
  g_return_if_fail (DL_IS_PLOT (plot));

  g_ptr_array_add (self->plots, plot);
  g_object_weak_ref (G_OBJECT (plot), plot_gone, self);
}

static GtkWindow *
owner_window (DlPlotExporter *self)
{
  GtkRoot *root = self->owner ? gtk_widget_get_root (self->owner) : NULL;

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
show_error (DlPlotExporter *self, const GError *error)
{
  GtkWidget *dialog;

  close_error (self);
  dialog = gtk_message_dialog_new (owner_window (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", _("Export failed"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  /* Forget it when it goes, by its button or with its parent. */
  self->error_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->error_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The plots still there and shown, with the size each is drawn at. */
static GPtrArray *
plots_to_export (DlPlotExporter *self, int *width, int *height)
{
  GPtrArray *plots = g_ptr_array_new_with_free_func (g_object_unref);

  *width = self->width;
  *height = self->height;
  for (guint i = 0; i < self->plots->len; i++)
    {
      DlPlot *plot = g_ptr_array_index (self->plots, i);

      if (!gtk_widget_get_visible (GTK_WIDGET (plot)))
        continue;
      if (self->width == 0)
        {
          *width = MAX (*width, MAX (gtk_widget_get_width (GTK_WIDGET (plot)), MIN_WIDTH));
          *height = MAX (*height, MAX (gtk_widget_get_height (GTK_WIDGET (plot)), MIN_HEIGHT));
        }
      g_ptr_array_add (plots, g_object_ref (plot));
    }
  return plots;
}

static void
export_to (DlPlotExporter *self, GFile *file)
{
  g_autoptr (GPtrArray) plots = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  int width, height;

  plots = plots_to_export (self, &width, &height);
  if (plots->len == 0)
    return;
  if (path == NULL)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Cannot export to “%s”: not a local file"),
                 g_file_peek_path (file));
  else
    dl_plot_export ((DlPlot *const *) plots->pdata, plots->len, self->format, path, width, height, &error);
  if (error)
    show_error (self, error);
}

static void
on_response (GtkNativeDialog *chooser, int response, DlPlotExporter *self)
{
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  close_chooser (self);
  if (file)
    export_to (self, file);
}

void
dl_plot_exporter_choose (DlPlotExporter *self, DlPlotFormat format, const char *basename)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;

  g_return_if_fail (DL_IS_PLOT_EXPORTER (self));
  g_return_if_fail (format <= DL_PLOT_FORMAT_CSV);

  if (self->chooser && self->format == format)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }
  close_chooser (self);
  self->format = format;
  self->chooser = gtk_file_chooser_native_new (_(formats[format].title), owner_window (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);

  gtk_file_filter_add_mime_type (filter, formats[format].mime);
  gtk_file_filter_add_suffix (filter, formats[format].suffix);
  gtk_file_filter_set_name (filter, formats[format].suffix);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);

  name = g_strdup_printf ("%s.%s", basename && *basename ? basename : _("plot"), formats[format].suffix);
  g_strdelimit (name, "/\\", '-');
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);

  g_signal_connect (self->chooser, "response", G_CALLBACK (on_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}
