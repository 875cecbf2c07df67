/* dl-style-manager.c — light or dark, as the "style" setting says.
 *
 * GTK 4.8 without libadwaita has one switch, GtkSettings:gtk-application-prefer-dark-theme. "light" and
 * "dark" set it. "system" follows the desktop: the freedesktop settings portal's
 * org.freedesktop.appearance color-scheme (1 = prefer dark, GNOME's light/dark switch), watched for
 * changes; where no portal answers, the property goes back to what the display's own settings say
 * (XSettings, settings.ini).
 */
#include "config.h"

#include "dl-style-manager.h"

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_SETTINGS "org.freedesktop.portal.Settings"

enum { SCHEME_UNKNOWN = -1, SCHEME_DEFAULT = 0, SCHEME_DARK = 1, SCHEME_LIGHT = 2 };

struct _DlStyleManager
{
  GObject       parent_instance;

  GSettings    *settings;
  GDBusProxy   *portal;
  GCancellable *cancellable;
  int           system_scheme;   /* the portal's color-scheme, SCHEME_UNKNOWN without a portal */
};

G_DEFINE_FINAL_TYPE (DlStyleManager, dl_style_manager, G_TYPE_OBJECT)

static void
apply (DlStyleManager *self)
{
  GtkSettings *gtk = gtk_settings_get_default ();
  g_autofree char *style = self->settings != NULL ? g_settings_get_string (self->settings, "style")
                                                  : g_strdup ("system");

  if (gtk == NULL)
    return;
  if (g_str_equal (style, "light") || g_str_equal (style, "dark"))
    g_object_set (gtk, "gtk-application-prefer-dark-theme", g_str_equal (style, "dark"), NULL);
  else if (self->system_scheme != SCHEME_UNKNOWN)
    g_object_set (gtk, "gtk-application-prefer-dark-theme", self->system_scheme == SCHEME_DARK, NULL);
  else
    gtk_settings_reset_property (gtk, "gtk-application-prefer-dark-theme");
}

/* The portal's Read answers (v) holding the value, older portals one variant deeper. */
static int
scheme_from_variant (GVariant *value)
{
  g_autoptr (GVariant) inner = NULL;

  while (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *next = g_variant_get_variant (value);
      g_clear_pointer (&inner, g_variant_unref);
      inner = value = next;
    }
  return value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) ? (int) g_variant_get_uint32 (value)
                                                                               : SCHEME_UNKNOWN;
}

static void
portal_signal_cb (GDBusProxy *proxy, const char *sender, const char *signal, GVariant *params, DlStyleManager *self)
{
  const char *ns, *key;
  g_autoptr (GVariant) value = NULL;

  if (!g_str_equal (signal, "SettingChanged"))
    return;
  g_variant_get (params, "(&s&sv)", &ns, &key, &value);
  if (g_str_equal (ns, "org.freedesktop.appearance") && g_str_equal (key, "color-scheme"))
    {
      self->system_scheme = scheme_from_variant (value);
      apply (self);
    }
}

static void
read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  DlStyleManager *self = user_data;
  g_autoptr (GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (object), result, NULL);
  g_autoptr (GVariant) value = NULL;

  if (reply != NULL)
    {
      g_variant_get (reply, "(v)", &value);
      self->system_scheme = scheme_from_variant (value);
      apply (self);
    }
  g_object_unref (self);
}

static void
portal_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  DlStyleManager *self = user_data;
  GDBusProxy *portal = g_dbus_proxy_new_for_bus_finish (result, NULL);

  /* No session bus or no portal: the display's own settings stay in charge of "system". */
  if (portal != NULL && !g_cancellable_is_cancelled (self->cancellable))
    {
      self->portal = portal;
      g_signal_connect_object (portal, "g-signal", G_CALLBACK (portal_signal_cb), self, 0);
      g_dbus_proxy_call (portal, "Read", g_variant_new ("(ss)", "org.freedesktop.appearance", "color-scheme"),
                         G_DBUS_CALL_FLAGS_NONE, 2000, self->cancellable, read_cb, g_object_ref (self));
    }
  else
    g_clear_object (&portal);
  g_object_unref (self);
}

DlStyleManager *
dl_style_manager_new (GSettings *settings)
{
  DlStyleManager *self = g_object_new (DL_TYPE_STYLE_MANAGER, NULL);

  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      g_signal_connect_object (settings, "changed::style", G_CALLBACK (apply), self, G_CONNECT_SWAPPED);
    }
  g_dbus_proxy_new_for_bus (G_BUS_TYPE_SESSION,
                            G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                            NULL, PORTAL_NAME, PORTAL_PATH, PORTAL_SETTINGS, self->cancellable, portal_cb,
                            g_object_ref (self));
  apply (self);
  return self;
}

static void
dl_style_manager_dispose (GObject *object)
{
  DlStyleManager *self = DL_STYLE_MANAGER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->portal);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dl_style_manager_parent_class)->dispose (object);
}

static void
dl_style_manager_finalize (GObject *object)
{
  g_clear_object (&DL_STYLE_MANAGER (object)->cancellable);
  G_OBJECT_CLASS (dl_style_manager_parent_class)->finalize (object);
}

static void
dl_style_manager_class_init (DlStyleManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dl_style_manager_dispose;
  object_class->finalize = dl_style_manager_finalize;
}

static void
dl_style_manager_init (DlStyleManager *self)
{
  self->cancellable = g_cancellable_new ();
  self->system_scheme = SCHEME_UNKNOWN;
}
