/* dl-data-csv.c — the seed's CSV (label, then 784 pixel values per row; an optional header row) read and
 * saved. Every error names the file, the row and column, and what was expected there.
 */
#include "config.h"

#include "dl-data-private.h"
#include "dl-file.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#define CSV_ROWS 28
#define CSV_COLS 28

/* ---- CSV reading -------------------------------------------------------------------------------- */

typedef struct {
  const char *path;
  int         line;         /* 1-based line number, for messages */
  int         column;       /* 1-based */
  gboolean    labeled;      /* the first column is the label (else every column is a pixel) */
} CsvPlace;

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

/* End of the field starting at p: the next comma or line end. */
static const char *
field_end (const char *p, const char *end)
{
  while (p < end && *p != ',' && *p != '\n')
    p++;
  return p;
}

/* The field's text without surrounding blanks, as valid UTF-8 (a damaged file may hold any bytes). */
static char *
field_text (const char *p, const char *end)
{
  const char *e = field_end (p, end);

  while (p < e && is_blank (*p))
    p++;
  while (e > p && is_blank (e[-1]))
    e--;
  return g_utf8_make_valid (p, e - p);
}

/* The field's text for a message: at most 24 characters. */
static char *
field_quote (const char *p, const char *end)
{
  g_autofree char *text = field_text (p, end);

  if (g_utf8_strlen (text, -1) <= 24)
    return g_steal_pointer (&text);
  g_autofree char *head = g_utf8_substring (text, 0, 24);
  return g_strconcat (head, "…", NULL);
}

/* Reads a field as a plain decimal number (7, 7.0, 0.027, 1e2); FALSE when it is not one. */
static gboolean
field_number (const char *p, const char *end, double *value)
{
  g_autofree char *text = field_text (p, end);
  char *rest;

  /* Plain decimals only: strtod would also take hex, "inf" and "nan". */
  if (*text == '\0' || text[strspn (text, "0123456789+-.eE")] != '\0')
    return FALSE;
  *value = g_ascii_strtod (text, &rest);
  return *rest == '\0' && isfinite (*value);
}

static void
csv_error (GError **error, const CsvPlace *at, int code, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static void
csv_error (GError **error, const CsvPlace *at, int code, const char *fmt, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, fmt);
  what = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, DL_DATA_ERROR, code, _("%s: row %d, column %d: %s"), at->path, at->line, at->column, what);
}

/* Fails with the reason why a field is not a whole number in range (0–9 for the label, 0–255 else). */
static void
csv_bad_field (const char *p, const char *end, const CsvPlace *at, GError **error)
{
  g_autofree char *text = field_quote (p, end);
  double v;

  if (*text == '\0')
    {
      csv_error (error, at, DL_DATA_ERROR_FORMAT, _("empty field, expected a number"));
      return;
    }
  if (!field_number (p, end, &v))
    {
      csv_error (error, at, DL_DATA_ERROR_FORMAT, _("“%s” is not a number"), text);
      return;
    }
  if (at->labeled && at->column == 1)
    {
      if (v > 0 && v < 1)
        csv_error (error, at, DL_DATA_ERROR_LABEL,
                   _("label %s is not a digit 0–9; the label column looks scaled along with the pixels "
                     "(divided by 255: %s × 255 ≈ %.0f) — divide only the pixel columns"),
                   text, text, v * 255);
      else if (v != floor (v))
        csv_error (error, at, DL_DATA_ERROR_LABEL, _("label %s is not a whole number 0–9"), text);
      else
        csv_error (error, at, DL_DATA_ERROR_LABEL, _("label %s is outside 0–9"), text);
      return;
    }
  if (v > 0 && v < 1)
    csv_error (error, at, DL_DATA_ERROR_FORMAT,
               _("pixel %s is not a whole number 0–255 (the pixels look already scaled to 0–1)"), text);
  else
    csv_error (error, at, DL_DATA_ERROR_FORMAT, _("pixel %s is outside the range 0–255"), text);
}

/* A field in the slow path that is nonetheless acceptable (e.g. " 7" or "255.0"). */
static gboolean
field_whole (const char *p, const char *end, int max, int *out)
{
  double v;

  if (!field_number (p, end, &v) || v != floor (v) || v < 0 || v > max)
    return FALSE;
  *out = (int) v;
  return TRUE;
}

/* Counts the comma-separated columns of the line starting at p. */
static int
count_columns (const char *p, const char *end)
{
  int n = 1;

  for (; p < end && *p != '\n'; p++)
    n += *p == ',';
  return n;
}

static gboolean
line_is_blank (const char *p, const char *end)
{
  while (p < end && *p != '\n' && (is_blank (*p)))
    p++;
  return p == end || *p == '\n';
}

/* The general path for one field at p: any spacing, "7.0"-style decimals, errors. On success
 * stores the value and returns the field's end (its separator, or end). */
static const char *
csv_slow_field (const char *p, const char *end, const CsvPlace *at, int max, int *value, GError **error)
{
  if (!field_whole (p, end, max, value))
    {
      csv_bad_field (p, end, at, error);
      return NULL;
    }
  return field_end (p, end);
}

/* Fast path for a field of one to three plain digits followed by `sep`; the buffer's terminating
 * NUL stops the digit run at the end of the file. Returns NULL when the general path is needed. */
static inline const char *
csv_fast_field (const char *p, char sep, int max, int *value)
{
  unsigned v = (guint8) p[0] - '0', d;

  if (v > 9)
    return NULL;
  if ((d = (guint8) p[1] - '0') < 10)
    {
      v = v * 10 + d;
      if ((d = (guint8) p[2] - '0') < 10)
        v = v * 10 + d, p++;
      p++;
    }
  p++;
  if (*p != sep || v > (unsigned) max)
    return NULL;
  *value = v;
  return p;
}

/* What a row holds: "(a label and 784 pixels)", "(784 pixels, no label)". */
static char *
csv_expected (const CsvPlace *at, int n_fields)
{
  return at->labeled ? g_strdup_printf (_("(a label and %d pixels)"), n_fields - 1)
                     : g_strdup_printf (_("(%d pixels, no label)"), n_fields);
}

/* Kaggle's train.csv and test.csv (or any labelled and unlabeled set), each given where the other is
 * expected: one column more or fewer than expected. */
static const char *
csv_hint (const CsvPlace *at, int columns, int n_fields)
{
  if (!at->labeled && columns == n_fields + 1)
    return _("; a label column and the pixels make a labelled set, for train or eval");
  if (at->labeled && columns == n_fields - 1)
    return _("; the pixels with no label make an unlabeled set, for digitlab-cli predict");
  return "";
}

static void
csv_column_error (CsvPlace *at, int columns, int n_fields, GError **error)
{
  g_autofree char *expected = csv_expected (at, n_fields);

  at->column = MIN (columns, n_fields);
  csv_error (error, at, DL_DATA_ERROR_FORMAT, _("the row has %d columns, expected %d %s%s"), columns, n_fields,
             expected, csv_hint (at, columns, n_fields));
}

/* Parses one data line into label (when at->labeled) + pixels; *pp is advanced past its newline. */
static gboolean
csv_parse_line (const char **pp, const char *end, CsvPlace *at, int n_pixels,
                guint8 *label, guint8 *pixels, GError **error)
{
  const char *line = *pp, *p = line;
  const int first_pixel = at->labeled ? 1 : 0, n_fields = n_pixels + first_pixel;

  for (int f = 0; f < n_fields; f++)
    {
      const gboolean last = f + 1 == n_fields;
      const int max = f < first_pixel ? DL_N_CLASSES - 1 : 255;
      int v = 0;
      const char *next = csv_fast_field (p, last ? '\n' : ',', max, &v);

      if (G_UNLIKELY (next == NULL))
        {
          at->column = f + 1;
          next = csv_slow_field (p, end, at, max, &v, error);
          if (next == NULL)
            return FALSE;
          if (!last && (next >= end || *next != ','))
            {
              csv_column_error (at, count_columns (line, end), n_fields, error);
              return FALSE;
            }
        }
      if (f < first_pixel)
        *label = v;
      else
        pixels[f - first_pixel] = v;
      p = last ? next : next + 1;
    }
  if (p < end && *p != '\n')
    {
      csv_column_error (at, count_columns (line, end), n_fields, error);
      return FALSE;
    }
  *pp = p < end ? p + 1 : p;
  return TRUE;
}

/* A header is a first line whose first field is a word ("label"), not a number. */
static gboolean
csv_is_header (const char *p, const char *end)
{
  g_autofree char *text = field_text (p, end);
  double v;

  return g_ascii_isalpha (text[0]) && !field_number (p, end, &v);
}

typedef struct {
  CsvPlace  at;
  int       n_pixels;
  gboolean  header;
  int       n;              /* examples parsed so far */
  guint8   *pixels, *labels;
  gsize     max_rows;       /* room in pixels and labels */
} CsvParse;

/* Parses the lines in [p, end), which ends with a newline or, for the file's last line, a NUL byte
 * just past end: the fast path reads digits until a non-digit and must not run off the buffer. */
static gboolean
csv_parse_span (CsvParse *cp, const char *p, const char *end, GError **error)
{
  const int n_fields = cp->n_pixels + (cp->at.labeled ? 1 : 0);

  for (; p < end; cp->at.line++)
    {
      if (line_is_blank (p, end))
        {
          const char *nl = memchr (p, '\n', end - p);
          p = nl != NULL ? nl + 1 : end;
          continue;
        }
      if (cp->n == 0 && !cp->header && csv_is_header (p, end))
        {
          int columns = count_columns (p, end);
          if (columns != n_fields)
            {
              g_autofree char *expected = csv_expected (&cp->at, n_fields);

              cp->at.column = MIN (columns, n_fields);
              csv_error (error, &cp->at, DL_DATA_ERROR_FORMAT, _("the header row has %d columns, expected %d %s%s"),
                         columns, n_fields, expected, csv_hint (&cp->at, columns, n_fields));
              return FALSE;
            }
          cp->header = TRUE;
          const char *nl = memchr (p, '\n', end - p);
          p = nl != NULL ? nl + 1 : end;
          continue;
        }
      /* Cannot happen (a row takes at least 2 × 784 + 1 bytes, and max_rows is sized by that), but a row
       * is written as it is parsed, so this is what keeps a miscount from writing past the buffers. */
      if ((gsize) cp->n >= cp->max_rows)
        {
          csv_error (error, &cp->at, DL_DATA_ERROR_FORMAT, _("more rows than the file's size allows"));
          return FALSE;
        }
      if (!csv_parse_line (&p, end, &cp->at, cp->n_pixels, cp->labels + cp->n,
                           cp->pixels + (gsize) cp->n * cp->n_pixels, error))
        return FALSE;
      cp->n++;
    }
  return TRUE;
}

static DlDataset *
load_csv (const char *path, gboolean labeled, GError **error)
{
  g_autoptr (GMappedFile) file = NULL;
  g_autoptr (GError) local = NULL;
  CsvParse cp = { { path, 1, 1, labeled }, CSV_ROWS * CSV_COLS, FALSE, 0, NULL, NULL, 0 };

  g_return_val_if_fail (path != NULL, NULL);

  goffset size = 0;
  int fd = dl_file_open_regular (path, &size, &local);
  if (fd < 0)
    {
      g_set_error_literal (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, local->message);
      return NULL;
    }
  /* Before mapping: an empty file maps to no buffer at all. */
  if (size == 0)
    {
      close (fd);
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_EMPTY, _("%s: the file is empty (0 bytes)"), path);
      return NULL;
    }
  file = g_mapped_file_new_from_fd (fd, FALSE, &local);
  close (fd);
  if (file == NULL)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, "%s: %s", path, local->message);
      return NULL;
    }
  const char *data = g_mapped_file_get_contents (file);
  const gsize length = g_mapped_file_get_length (file);
  if (data == NULL || length == 0)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_EMPTY, _("%s: the file is empty (0 bytes)"), path);
      return NULL;
    }
  const char *end = data + length;

  /* Spreadsheet programs often start a CSV file with a UTF-8 byte-order mark. */
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    data += 3;

  /* The examples the file can hold bound the buffers (they shrink to fit at the end): no more than its
   * lines, and no more than fit in it at the shortest, "0,0,…,0" — so that a file of blank lines does not
   * ask for 784 bytes per line. */
  gsize max_rows = 1;
  for (const char *q = data; q != NULL && q < end; max_rows++)
    {
      q = memchr (q, '\n', end - q);
      q = q != NULL ? q + 1 : NULL;
    }
  max_rows = MIN (max_rows, length / (2 * (gsize) cp.n_pixels + 1) + 1);
  if (max_rows > (gsize) G_MAXINT || (guint64) max_rows * cp.n_pixels > MAX_PIXEL_BYTES)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT, _("%s: %zu bytes may hold more than the %llu bytes "
                   "of pixels a data set can have"), path, length, (unsigned long long) MAX_PIXEL_BYTES);
      return NULL;
    }
  cp.max_rows = max_rows;
  g_autofree guint8 *pixels = cp.pixels = g_try_malloc (max_rows * cp.n_pixels);
  g_autofree guint8 *labels = cp.labels = g_try_malloc0 (max_rows);
  if (pixels == NULL || labels == NULL)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, _("%s: cannot allocate memory for %zu rows"), path,
                   max_rows);
      return NULL;
    }

  /* The mapping has no terminator: a last line without a newline is parsed from a NUL-terminated copy. */
  const char *tail = end;
  while (tail > data && tail[-1] != '\n')
    tail--;
  g_autofree char *last = g_try_malloc (end - tail + 1);
  if (last == NULL)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, _("%s: cannot allocate %zu bytes for its last line"),
                   path, (gsize) (end - tail + 1));
      return NULL;
    }
  memcpy (last, tail, end - tail);
  last[end - tail] = '\0';

  if (!csv_parse_span (&cp, data, tail, error) || !csv_parse_span (&cp, last, last + (end - tail), error))
    return NULL;
  if (cp.n == 0)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_EMPTY, "%s: %s", path,
                   cp.header ? _("only a header row, no examples") : _("the file is empty (blank lines only)"));
      return NULL;
    }
  DlDataset *ds = _dl_dataset_wrap (g_strdup (path), cp.n, CSV_ROWS, CSV_COLS,
                                g_realloc (g_steal_pointer (&pixels), (gsize) cp.n * cp.n_pixels),
                                g_realloc (g_steal_pointer (&labels), cp.n));
  ds->unlabeled = !labeled;
  return ds;
}

DlDataset *
dl_dataset_load_csv (const char *path, GError **error)
{
  return load_csv (path, TRUE, error);
}

DlDataset *
dl_dataset_load_csv_images (const char *path, GError **error)
{
  return load_csv (path, FALSE, error);
}

/* ---- saving ------------------------------------------------------------------------------------- */

gboolean
dl_dataset_save_csv (const DlDataset *ds, const char *path, GError **error)
{
  g_return_val_if_fail (ds != NULL && path != NULL, FALSE);

  if (ds->rows != CSV_ROWS || ds->cols != CSV_COLS)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT, _("%s: the CSV format holds %d×%d images, "
                     "not %d×%d"), path, CSV_ROWS, CSV_COLS, ds->rows, ds->cols);
      return FALSE;
    }
  const gsize d = (gsize) ds->rows * ds->cols;
  /* At most ",255" per pixel, plus the label and newline. */
  g_autofree guint8 *text = g_try_malloc ((gsize) ds->n * (4 * d + 2) + 1);
  if (text == NULL)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, _("%s: cannot allocate memory for %d rows"), path, ds->n);
      return FALSE;
    }
  guint8 *q = text;

  for (int i = 0; i < ds->n; i++)
    {
      const guint8 *px = ds->pixels + (gsize) i * d;
      *q++ = '0' + ds->labels[i];
      for (gsize j = 0; j < d; j++)
        {
          unsigned v = px[j];
          *q++ = ',';
          if (v >= 100)
            *q++ = '0' + v / 100;
          if (v >= 10)
            *q++ = '0' + v / 10 % 10;
          *q++ = '0' + v % 10;
        }
      *q++ = '\n';
    }
  return _dl_data_write_atomic (path, NULL, 0, text, q - text, error);
}
