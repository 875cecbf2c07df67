/* dl-cli-json.c — a minimal JSON writer (see dl-cli-json.h). */
#include "dl-cli-json.h"

#include <math.h>

void
dl_json_init (DlJson *j)
{
  j->out = g_string_new (NULL);
  j->depth = 0;
  j->has_items[0] = FALSE;
}

char *
dl_json_finish (DlJson *j)
{
  g_assert (j->depth == 0);
  char *text = g_string_free (j->out, FALSE);
  j->out = NULL;
  return text;
}

void
dl_json_append_escaped (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      switch (*p)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

/* Comma and key before a value. */
static void
item (DlJson *j, const char *key)
{
  if (j->has_items[j->depth])
    g_string_append_c (j->out, ',');
  j->has_items[j->depth] = TRUE;
  if (key)
    {
      dl_json_append_escaped (j->out, key);
      g_string_append_c (j->out, ':');
    }
}

static void
open_container (DlJson *j, const char *key, char bracket)
{
  g_assert (j->depth + 1 < DL_JSON_MAX_DEPTH);
  item (j, key);
  g_string_append_c (j->out, bracket);
  j->has_items[++j->depth] = FALSE;
}

static void
close_container (DlJson *j, char bracket)
{
  g_assert (j->depth > 0);
  j->depth--;
  g_string_append_c (j->out, bracket);
}

void dl_json_begin_object (DlJson *j, const char *key) { open_container (j, key, '{'); }
void dl_json_end_object (DlJson *j) { close_container (j, '}'); }
void dl_json_begin_array (DlJson *j, const char *key) { open_container (j, key, '['); }
void dl_json_end_array (DlJson *j) { close_container (j, ']'); }

void
dl_json_string (DlJson *j, const char *key, const char *value)
{
  item (j, key);
  if (value)
    dl_json_append_escaped (j->out, value);
  else
    g_string_append (j->out, "null");
}

void
dl_json_double (DlJson *j, const char *key, double value)
{
  item (j, key);
  if (!isfinite (value))
    {
      g_string_append (j->out, "null");
      return;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  /* Locale-independent: a decimal point, never a comma. */
  g_string_append (j->out, g_ascii_formatd (buf, sizeof buf, "%.9g", value));
}

void
dl_json_int (DlJson *j, const char *key, gint64 value)
{
  item (j, key);
  g_string_append_printf (j->out, "%" G_GINT64_FORMAT, value);
}

void
dl_json_bool (DlJson *j, const char *key, gboolean value)
{
  item (j, key);
  g_string_append (j->out, value ? "true" : "false");
}
