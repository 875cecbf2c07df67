/* dl-plot-export.c — one or several plots into one PNG, SVG or CSV file, written atomically. */
#include "dl-plot-private.h"
#include "dl-file.h"

#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define MAX_PIXELS 16384

void
_dl_plot_render_for_export (DlPlot *self, cairo_t *cr, int width, int height)
{
  GdkRGBA bg;

  _dl_plot_update_style_colors (self);
  _dl_plot_background_color (self, &bg);
  cairo_set_source_rgba (cr, bg.red, bg.green, bg.blue, 1.0);
  cairo_paint (cr);
  _dl_plot_render (self, cr, width, height, FALSE);
}

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
check_size (const char *path, int width, int height, guint n_plots, GError **error)
{
  if (width > 0 && height > 0 && width <= MAX_PIXELS && height <= MAX_PIXELS / (int) n_plots)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Cannot export “%s”: the size %d × %d is not between 1 and 16384 pixels"), path, width,
               height * (int) n_plots);
  return FALSE;
}

/* Every plot, one below the other. */
static cairo_status_t
render_stack (DlPlot *const *plots, guint n_plots, cairo_surface_t *surface, int width, int height)
{
  cairo_t *cr = cairo_create (surface);
  cairo_status_t status;

  for (guint i = 0; i < n_plots; i++)
    {
      cairo_save (cr);
      cairo_translate (cr, 0, i * height);
      cairo_rectangle (cr, 0, 0, width, height);
      cairo_clip (cr);
      _dl_plot_render_for_export (plots[i], cr, width, height);
      cairo_restore (cr);
    }
  status = cairo_status (cr);
  cairo_destroy (cr);
  return status;
}

static cairo_status_t
write_png (DlPlot *const *plots, guint n_plots, int width, int height, GByteArray *bytes)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height * n_plots);
  cairo_status_t status = render_stack (plots, n_plots, surface, width, height);

  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png_stream (surface, append_bytes, bytes);
  cairo_surface_destroy (surface);
  return status;
}

static cairo_status_t
write_svg (DlPlot *const *plots, guint n_plots, int width, int height, GByteArray *bytes)
{
  cairo_surface_t *surface = cairo_svg_surface_create_for_stream (append_bytes, bytes, width, height * n_plots);
  cairo_status_t status = render_stack (plots, n_plots, surface, width, height);

  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  return status;
}

/* ------------------------------------------------------------------------------------------------------
 * CSV
 */

/* The shortest decimal that reads back as the same double, independent of the locale. */
static void
append_number (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    {
      g_string_append (out, "nan");
      return;
    }
  if (isinf (v))
    {
      g_string_append (out, v > 0 ? "inf" : "-inf");
      return;
    }
  g_ascii_formatd (buf, sizeof buf, "%.15g", v);
  if (g_ascii_strtod (buf, NULL) != v)
    g_ascii_formatd (buf, sizeof buf, "%.17g", v);
  g_string_append (out, buf);
}

static void
append_field (GString *out, const char *text)
{
  if (text && strpbrk (text, ",\"\n\r"))
    {
      g_string_append_c (out, '"');
      for (const char *p = text; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else if (text)
    g_string_append (out, text);
  g_string_append_c (out, ',');
}

/* Rows of one line of an entry: the points inside its run's x range. */
static void
append_rows (GString *out, const char *plot, DlPlotEntry *e, DlPlotLineKind kind, const char *series,
             const double *smoothed)
{
  const char *run = e->run ? dl_plot_run_get_label (e->run) : NULL;
  DlPlotArray a;

  if (!_dl_plot_entry_array (e, kind, &a))
    return;
  for (guint j = a.begin; j < a.end; j++)
    {
      append_field (out, plot);
      append_field (out, run ? run : "");
      append_field (out, series);
      append_number (out, a.x[j]);
      g_string_append_c (out, ',');
      append_number (out, a.y[j]);
      g_string_append_c (out, ',');
      if (smoothed)
        append_number (out, smoothed[j]);
      g_string_append_c (out, '\n');
    }
}

static void
append_plot_csv (GString *out, DlPlot *self, guint index)
{
  g_autofree char *plot = self->title && *self->title ? g_strdup (self->title)
                                                      : g_strdup_printf (_("plot %u"), index + 1);

  for (guint i = 0; i < self->entries->len; i++)
    {
      DlPlotEntry *e = g_ptr_array_index (self->entries, i);
      const char *name = _dl_plot_entry_name (e) ? _dl_plot_entry_name (e) : "";

      if (e->members)
        {
          g_autofree char *mean = g_strdup_printf (_("%s (mean)"), name);
          g_autofree char *low = g_strdup_printf (_("%s (low)"), name);
          g_autofree char *high = g_strdup_printf (_("%s (high)"), name);

          append_rows (out, plot, e, DL_PLOT_LINE_MAIN, mean, NULL);
          append_rows (out, plot, e, DL_PLOT_LINE_LOW, low, NULL);
          append_rows (out, plot, e, DL_PLOT_LINE_HIGH, high, NULL);
        }
      else
        /* The raw values, with the smoothed ones beside them. */
        append_rows (out, plot, e, _dl_plot_entry_is_smoothed (e) ? DL_PLOT_LINE_RAW : DL_PLOT_LINE_MAIN, name,
                     _dl_plot_entry_is_smoothed (e) ? dl_series_peek_smoothed (e->series) : NULL);
    }
}

/* ------------------------------------------------------------------------------------------------------
 * Files
 */

gboolean
dl_plot_export (DlPlot *const *plots, guint n_plots, DlPlotFormat format, const char *path, int width,
                int height, GError **error)
{
  g_autoptr (GByteArray) bytes = NULL;
  cairo_status_t status = CAIRO_STATUS_SUCCESS;

  g_return_val_if_fail (plots != NULL && n_plots > 0, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  for (guint i = 0; i < n_plots; i++)
    g_return_val_if_fail (DL_IS_PLOT (plots[i]), FALSE);

  if (format == DL_PLOT_FORMAT_CSV)
    {
      g_autoptr (GString) out = g_string_new ("plot,run,series,x,y,smoothed\n");

      for (guint i = 0; i < n_plots; i++)
        append_plot_csv (out, plots[i], i);
      return dl_file_save_bytes (path, out->str, out->len, error);
    }

  if (!check_size (path, width, height, n_plots, error))
    return FALSE;
  bytes = g_byte_array_new ();
  status = format == DL_PLOT_FORMAT_SVG ? write_svg (plots, n_plots, width, height, bytes)
                                        : write_png (plots, n_plots, width, height, bytes);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot export “%s”: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return dl_file_save_bytes (path, bytes->data, bytes->len, error);
}
