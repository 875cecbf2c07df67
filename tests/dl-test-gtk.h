/* dl-test-gtk.h — driving a real GTK main loop from the tests and from the bench programs that use real
 * windows: run the loop until a condition holds, find widgets, run a command (xdotool) meanwhile, save
 * a window as a PNG. */
#pragma once

#include <errno.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

typedef gboolean (*DlTestCond) (gpointer data);

static inline gboolean
dl_test_wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until cond (data) holds or timeout_ms pass; returns cond (data). */
static inline gboolean
iterate_until (DlTestCond cond, gpointer data, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;
  guint id = g_timeout_add (10, dl_test_wake, NULL);   /* so the loop wakes to look at the clock */

  while (!cond (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return cond (data);
}

static inline gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* With iterate_until: just run the loop for the timeout. */
static inline gboolean
never (gpointer data)
{
  return FALSE;
}

/* The first widget of `type` in the tree under `widget` (itself included), depth first. */
static inline GtkWidget *
find_type (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The key each page of `pages` is shown with, Alt and the letter its title underlines (lower case), as
 * keyvals; NULL when a page's title underlines nothing. */
static inline GArray *
page_keyvals (GtkStack *pages)
{
  g_autoptr (GtkSelectionModel) model = gtk_stack_get_pages (pages);
  GArray *keys = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr (GObject) page = g_list_model_get_item (G_LIST_MODEL (model), i);
      const char *title = gtk_stack_page_get_title (GTK_STACK_PAGE (page));
      const char *u = title != NULL ? strchr (title, '_') : NULL;
      guint key;

      if (u == NULL || u[1] == '\0')
        {
          g_array_unref (keys);
          return NULL;
        }
      key = gdk_unicode_to_keyval (g_unichar_tolower (g_utf8_get_char (u + 1)));
      g_array_append_val (keys, key);
    }
  return keys;
}

/* The labels under widget (hidden ones too) that underline one of `keys` (page_keyvals), appended to out as
 * " “label”" each. */
static inline void
shadowed_mnemonics (GtkWidget *widget, const GArray *keys, GString *out)
{
  if (GTK_IS_LABEL (widget) && gtk_label_get_use_underline (GTK_LABEL (widget)))
    for (guint k = 0; k < keys->len; k++)
      if (gdk_keyval_to_lower (gtk_label_get_mnemonic_keyval (GTK_LABEL (widget))) == g_array_index (keys, guint, k))
        g_string_append_printf (out, " “%s”", gtk_label_get_label (GTK_LABEL (widget)));
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    shadowed_mnemonics (c, keys, out);
}

static inline void
dl_test_child_done (GPid pid, int status, gpointer data)
{
  g_spawn_close_pid (pid);
  *(gboolean *) data = TRUE;
}

/* Runs argv (searched in PATH) while the main loop keeps running, so GTK sees what it does as it
 * happens; FALSE with an error when it cannot start or does not finish within timeout_ms. */
static inline gboolean
dl_test_spawn_and_iterate (char **argv, int timeout_ms, GError **error)
{
  GPid pid;
  gboolean done = FALSE;

  if (!g_spawn_async (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, error))
    return FALSE;
  g_child_watch_add (pid, dl_test_child_done, &done);
  if (!iterate_until (is_true, &done, timeout_ms))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s did not finish within %d s", argv[0],
                   timeout_ms / 1000);
      return FALSE;
    }
  return TRUE;
}

/* The window as it is on screen, rendered by its own renderer; written atomically. */
static inline gboolean
dl_test_save_window_png (GtkWindow *window, const char *path, GError **error)
{
  GtkWidget *w = GTK_WIDGET (window);
  int width = gtk_widget_get_width (w), height = gtk_widget_get_height (w);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (w);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return FALSE;
    }
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  g_autoptr (GdkTexture) texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-%d", path, (int) getpid ());
  if (!gdk_texture_save_to_png (texture, tmp))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: could not write the PNG", tmp);
      return FALSE;
    }
  if (g_rename (tmp, path) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", path, g_strerror (e));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}
