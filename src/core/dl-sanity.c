/* dl-sanity.c — the data sanity report.
 *
 * Duplicates are found by hashing every image (64-bit, eight bytes at a time), sorting the training
 * hashes, and looking each test hash up by binary search; equal hashes are confirmed by comparing the
 * bytes, so a hash collision can never report a false duplicate.
 */
#include "config.h"

#include "dl-sanity.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "dl-rng.h"

typedef struct {
  guint64 hash;
  int     index;
} HashEntry;

/* A multiply–rotate hash over 64-bit words (in the spirit of xxHash); the tail goes byte-wise. */
static guint64
image_hash (const guint8 *p, gsize len)
{
  const guint64 k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xc2b2ae3d27d4eb4fULL;
  guint64 h = len * k1;
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 w;
      memcpy (&w, p + i, 8);
      h ^= w * k2;
      h = ((h << 31) | (h >> 33)) * k1;
    }
  for (; i < len; i++)
    h = (h ^ p[i]) * k1;
  h ^= h >> 29;
  h *= k2;
  return h ^ (h >> 32);
}

static int
cmp_entry (const void *a, const void *b)
{
  const HashEntry *x = a, *y = b;

  if (x->hash != y->hash)
    return x->hash < y->hash ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/* Every image's hash, sorted by hash then index. */
static HashEntry *
hash_images (const DlDataset *ds)
{
  const gsize d = (gsize) ds->rows * ds->cols;
  HashEntry *e = g_new (HashEntry, ds->n + 1);

  for (int i = 0; i < ds->n; i++)
    e[i] = (HashEntry) { image_hash (ds->pixels + i * d, d), i };
  qsort (e, ds->n, sizeof *e, cmp_entry);
  return e;
}

static const guint8 *
image (const DlDataset *ds, int i)
{
  return ds->pixels + (gsize) i * ds->rows * ds->cols;
}

/* Images equal to an earlier image of the same set, from the sorted hashes: within a run of equal
 * hashes, an image counts when it matches any earlier image of the run. */
static int
count_duplicates (const DlDataset *ds, const HashEntry *e)
{
  const gsize d = (gsize) ds->rows * ds->cols;
  int count = 0;

  for (int i = 1; i < ds->n; i++)
    for (int j = i - 1; j >= 0 && e[j].hash == e[i].hash; j--)
      if (memcmp (image (ds, e[i].index), image (ds, e[j].index), d) == 0)
        {
          count++;
          break;
        }
  return count;
}

static void
check_set (const DlDataset *ds, DlSanitySet *s)
{
  const gsize d = (gsize) ds->rows * ds->cols;
  guint64 total = 0;

  s->n = ds->n;
  memcpy (s->histogram, ds->histogram, sizeof s->histogram);
  s->all_black = g_array_new (FALSE, FALSE, sizeof (int));
  s->all_white = g_array_new (FALSE, FALSE, sizeof (int));
  s->pixel_min = 255;
  s->pixel_max = 0;
  for (int i = 0; i < ds->n; i++)
    {
      const guint8 *p = image (ds, i);
      guint8 lo = 255, hi = 0;
      guint32 sum = 0;

      for (gsize j = 0; j < d; j++)
        {
          lo = MIN (lo, p[j]);
          hi = MAX (hi, p[j]);
          sum += p[j];
        }
      total += sum;
      s->pixel_min = MIN (s->pixel_min, lo);
      s->pixel_max = MAX (s->pixel_max, hi);
      if (hi == 0)
        g_array_append_val (s->all_black, i);
      if (lo == 255)
        g_array_append_val (s->all_white, i);
    }
  if (ds->n == 0)
    s->pixel_min = 0;
  s->pixel_mean = ds->n > 0 ? (double) total / ((double) ds->n * d) : 0;

  s->dominant_class = -1;
  for (int c = 0; c < DL_N_CLASSES; c++)
    if (2 * (gint64) s->histogram[c] > ds->n)
      {
        s->dominant_class = c;
        s->dominant_share = (double) s->histogram[c] / ds->n;
      }
}

/* Test images that also appear in the training set, as (test, train) pairs. */
static void
find_shared (const DlDataset *train, const HashEntry *train_hashes, const DlDataset *test,
             const HashEntry *test_hashes, DlSanityReport *r)
{
  const gsize d = (gsize) train->rows * train->cols;

  for (int t = 0; t < test->n; t++)
    {
      const HashEntry *q = &test_hashes[t];
      gboolean found = FALSE, conflict = FALSE;
      /* First training entry with this hash. */
      int lo = 0, hi = train->n;
      while (lo < hi)
        {
          int mid = lo + (hi - lo) / 2;
          if (train_hashes[mid].hash < q->hash)
            lo = mid + 1;
          else
            hi = mid;
        }
      for (int k = lo; k < train->n && train_hashes[k].hash == q->hash; k++)
        {
          int i = train_hashes[k].index;
          if (memcmp (image (test, q->index), image (train, i), d) != 0)
            continue;
          DlDuplicatePair pair = { q->index, i, test->labels[q->index], train->labels[i] };
          g_array_append_val (r->duplicates, pair);
          found = TRUE;
          conflict |= pair.test_label != pair.train_label;
        }
      r->n_test_in_train += found;
      r->n_conflicting += conflict;
    }
}

static int
cmp_pair (const void *a, const void *b)
{
  const DlDuplicatePair *x = a, *y = b;

  if (x->test_index != y->test_index)
    return (x->test_index > y->test_index) - (x->test_index < y->test_index);
  return (x->train_index > y->train_index) - (x->train_index < y->train_index);
}

/* "#3, #17, #40 and 2 more" */
static char *
list_indices (GArray *indices)
{
  GString *s = g_string_new (NULL);
  const guint shown = MIN (indices->len, 5);

  for (guint i = 0; i < shown; i++)
    g_string_append_printf (s, "%s#%d", i == 0 ? "" : ", ", g_array_index (indices, int, i));
  if (indices->len > shown)
    g_string_append_printf (s, _(" and %u more"), indices->len - shown);
  return g_string_free (s, FALSE);
}

static void
add (DlSanityReport *r, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
add (DlSanityReport *r, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  g_ptr_array_add (r->findings, g_strdup_vprintf (fmt, args));
  va_end (args);
}

/* The label findings name a class by its digit for digit sets, by its name (“Trouser”) for others. */
static void
set_label_findings (DlSanityReport *r, const DlSanitySet *s, const char *name, const DlClasses *classes)
{
  gboolean digits = dl_classes_are_digits (classes);

  if (s->dominant_class >= 0 && digits)
    add (r, _("class %d holds %.0f %% of the %s labels (about 10 %% each is expected): the labels may be "
           "corrupted, e.g. divided by 255 along with the pixels"), s->dominant_class, 100 * s->dominant_share, name);
  else if (s->dominant_class >= 0)
    add (r, _("“%s” holds %.0f %% of the %s labels (about 10 %% each is expected): the labels may be "
           "corrupted, e.g. divided by 255 along with the pixels"), dl_classes_name (classes, s->dominant_class),
         100 * s->dominant_share, name);
  for (int c = 0; c < DL_N_CLASSES; c++)
    if (s->histogram[c] == 0 && digits)
      add (r, _("the %s set has no examples of the digit %d"), name, c);
    else if (s->histogram[c] == 0)
      add (r, _("the %s set has no examples of “%s”"), name, dl_classes_name (classes, c));
}

static void
set_findings (DlSanityReport *r, const DlSanitySet *s, const char *name, const DlClasses *classes)
{
  if (s->n == 0)
    return;
  set_label_findings (r, s, name, classes);
  if (s->pixel_max <= 1)
    add (r, _("the %s images only take the pixel values %d–%d, not 0–255: the images look binarised or "
           "already scaled"), name, s->pixel_min, s->pixel_max);
  else if (s->pixel_mean > 127)
    add (r, _("the %s images are mostly bright (mean pixel %.0f of 255): they look inverted — MNIST has "
           "bright ink on a black background"), name, s->pixel_mean);
  if (s->all_black->len > 0)
    {
      g_autofree char *which = list_indices (s->all_black);
      add (r, ngettext ("%u %s image is entirely black (%s)", "%u %s images are entirely black (%s)",
                        s->all_black->len), s->all_black->len, name, which);
    }
  if (s->all_white->len > 0)
    {
      g_autofree char *which = list_indices (s->all_white);
      add (r, ngettext ("%u %s image is entirely white (%s)", "%u %s images are entirely white (%s)",
                        s->all_white->len), s->all_white->len, name, which);
    }
  if (s->n_duplicates > 0)
    add (r, ngettext ("%d %s image is an exact copy of another image in the same set",
                      "%d %s images are an exact copy of another image in the same set", s->n_duplicates),
         s->n_duplicates, name);
}

DlSanityReport *
dl_sanity_check (const DlDataset *train, const DlDataset *test)
{
  return dl_sanity_check_classes (train, test, NULL);
}

DlSanityReport *
dl_sanity_check_classes (const DlDataset *train, const DlDataset *test, const DlClasses *classes)
{
  g_return_val_if_fail (train != NULL, NULL);
  g_return_val_if_fail (test == NULL || (test->rows == train->rows && test->cols == train->cols), NULL);

  DlSanityReport *r = g_new0 (DlSanityReport, 1);

  r->duplicates = g_array_new (FALSE, FALSE, sizeof (DlDuplicatePair));
  r->findings = g_ptr_array_new_with_free_func (g_free);

  g_autofree HashEntry *train_hashes = hash_images (train);
  check_set (train, &r->train);
  r->train.n_duplicates = count_duplicates (train, train_hashes);
  if (test != NULL)
    {
      g_autofree HashEntry *test_hashes = hash_images (test);
      check_set (test, &r->test);
      r->test.n_duplicates = count_duplicates (test, test_hashes);
      find_shared (train, train_hashes, test, test_hashes, r);
      g_array_sort (r->duplicates, cmp_pair);
    }
  else
    {
      r->test.all_black = g_array_new (FALSE, FALSE, sizeof (int));
      r->test.all_white = g_array_new (FALSE, FALSE, sizeof (int));
      r->test.dominant_class = -1;
    }

  /* Shared images first: they make the test accuracy a lie. */
  if (r->n_test_in_train > 0)
    {
      g_autofree char *conflicts = r->n_conflicting > 0
        ? g_strdup_printf (_(" (%d of them with a different label there)"), r->n_conflicting) : g_strdup ("");
      add (r, ngettext ("%d test image also appears in the training set%s: the test accuracy overstates how "
                        "well the network generalises",
                        "%d test images also appear in the training set%s: the test accuracy overstates how "
                        "well the network generalises", r->n_test_in_train),
           r->n_test_in_train, conflicts);
    }
  /* TRANSLATORS: the set a finding is about, in "the %s labels", "the %s set", "the %s images", "3 %s images". */
  /* A translation may name it "training set" and phrase those as "the images of the %s". */
  set_findings (r, &r->train, C_("sanity set", "training"), classes);
  if (test != NULL)
    /* TRANSLATORS: see "training" */
    set_findings (r, &r->test, C_("sanity set", "test"), classes);
  if (r->findings->len == 0 && test != NULL)
    add (r, _("no problems found in %d training and %d test images"), train->n, test->n);
  else if (r->findings->len == 0)
    add (r, _("no problems found in %d training images"), train->n);
  return r;
}

void
dl_sanity_report_free (DlSanityReport *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->train.all_black, g_array_unref);
  g_clear_pointer (&r->train.all_white, g_array_unref);
  g_clear_pointer (&r->test.all_black, g_array_unref);
  g_clear_pointer (&r->test.all_white, g_array_unref);
  g_clear_pointer (&r->duplicates, g_array_unref);
  g_clear_pointer (&r->findings, g_ptr_array_unref);
  g_free (r);
}

static int
cmp_int (const void *a, const void *b)
{
  int x = *(const int *) a, y = *(const int *) b;

  return (x > y) - (x < y);
}

int
dl_sanity_sample (int n, int k, guint64 seed, int *out)
{
  DlRng rng;

  g_return_val_if_fail (n >= 0 && k >= 0, 0);

  k = MIN (k, n);
  dl_rng_seed (&rng, seed);
  /* Floyd's algorithm: k draws, no array of size n. The hash set holds what is already chosen. */
  g_autoptr (GHashTable) chosen = g_hash_table_new (g_direct_hash, g_direct_equal);
  int m = 0;
  for (int j = n - k; j < n; j++)
    {
      int t = dl_rng_below (&rng, j + 1);
      if (g_hash_table_contains (chosen, GINT_TO_POINTER (t + 1)))
        t = j;
      g_hash_table_add (chosen, GINT_TO_POINTER (t + 1));
      out[m++] = t;
    }
  qsort (out, m, sizeof *out, cmp_int);
  return m;
}
