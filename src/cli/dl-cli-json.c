/* dl-cli-json.c — the CLI's JSON through json-glib (see dl-cli-json.h). */
#include "dl-cli-json.h"

#include <math.h>
#include <stdio.h>

JsonBuilder *
dl_cli_json_new (void)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  return b;
}

char *
dl_cli_json_finish (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

void
dl_cli_json_print (JsonBuilder *b)
{
  g_autofree char *text = dl_cli_json_finish (b);

  g_object_unref (b);
  puts (text);
  fflush (stdout);
}

static void
key (JsonBuilder *b, const char *name)
{
  if (name != NULL)
    json_builder_set_member_name (b, name);
}

void
dl_cli_json_begin_object (JsonBuilder *b, const char *name)
{
  key (b, name);
  json_builder_begin_object (b);
}

void
dl_cli_json_begin_array (JsonBuilder *b, const char *name)
{
  key (b, name);
  json_builder_begin_array (b);
}

void
dl_cli_json_string (JsonBuilder *b, const char *name, const char *value)
{
  key (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
dl_cli_json_double (JsonBuilder *b, const char *name, double value)
{
  key (b, name);
  /* JSON has no NaN or infinity: an accuracy never measured is null. */
  if (isfinite (value))
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
dl_cli_json_int (JsonBuilder *b, const char *name, gint64 value)
{
  key (b, name);
  json_builder_add_int_value (b, value);
}

void
dl_cli_json_bool (JsonBuilder *b, const char *name, gboolean value)
{
  key (b, name);
  json_builder_add_boolean_value (b, value);
}

void
dl_cli_json_null (JsonBuilder *b, const char *name)
{
  key (b, name);
  json_builder_add_null_value (b);
}
