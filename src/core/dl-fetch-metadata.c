/* dl-fetch-metadata.c — the npm registry's metadata of one package version: where its tarball is and the
 * integrity (Subresource Integrity string) it must match. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "dl-fetch-private.h"

/* The strongest hash of an SRI string ("sha512-BASE64 sha1-BASE64") GLib can compute, as hex. */
static gboolean
parse_integrity (const char *sri, GChecksumType *type, char **hex)
{
  static const struct { const char *prefix; GChecksumType type; gsize len; } kinds[] = {
    { "sha512-", G_CHECKSUM_SHA512, 64 }, { "sha384-", G_CHECKSUM_SHA384, 48 },
    { "sha256-", G_CHECKSUM_SHA256, 32 }, { "sha1-", G_CHECKSUM_SHA1, 20 },
  };
  g_auto (GStrv) parts = g_strsplit (sri, " ", -1);

  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (char **p = parts; *p != NULL; p++)
      if (g_str_has_prefix (*p, kinds[k].prefix))
        {
          gsize len;
          g_autofree guchar *raw = g_base64_decode (*p + strlen (kinds[k].prefix), &len);
          GString *s;

          if (len != kinds[k].len)
            continue;
          s = g_string_new (NULL);
          for (gsize i = 0; i < len; i++)
            g_string_append_printf (s, "%02x", raw[i]);
          *type = kinds[k].type;
          *hex = g_string_free (s, FALSE);
          return TRUE;
        }
  return FALSE;
}

static const char *
member_string (JsonObject *obj, const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
           ? json_node_get_string (node) : NULL;
}

gboolean
dl_fetch_parse_metadata (const DlFetchSource *source, GBytes *body, const char *url, DlFetchMetadata *meta,
                         GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  JsonNode *root;
  JsonObject *obj = NULL, *dist = NULL;
  const char *version, *tarball, *integrity;

  if (!json_parser_load_from_data (parser, data, (gssize) len, &local))
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_METADATA, _("The registry's answer for %s is not JSON: %s"),
                   url, local->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    obj = json_node_get_object (root);
  if (obj != NULL && json_object_has_member (obj, "dist")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "dist")))
    dist = json_object_get_object_member (obj, "dist");
  version = member_string (obj, "version");
  tarball = member_string (dist, "tarball");
  integrity = member_string (dist, "integrity");
  if (g_strcmp0 (version, source->version) != 0 || tarball == NULL || integrity == NULL)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_METADATA,
                   _("The registry's answer for %s is not the metadata of %s@%s (with version, dist.tarball "
                     "and dist.integrity)."), url, source->package, source->version);
      return FALSE;
    }
  if (!parse_integrity (integrity, &meta->digest_type, &meta->digest_hex))
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_METADATA,
                   _("The registry's integrity for %s@%s has no SHA-512, SHA-384, SHA-256 or SHA-1 hash: %s"),
                   source->package, source->version, integrity);
      return FALSE;
    }
  meta->integrity = g_strdup (integrity);
  meta->tarball_url = g_strdup (tarball);
  return TRUE;
}

void
dl_fetch_metadata_clear (DlFetchMetadata *meta)
{
  g_clear_pointer (&meta->tarball_url, g_free);
  g_clear_pointer (&meta->integrity, g_free);
  g_clear_pointer (&meta->digest_hex, g_free);
}
