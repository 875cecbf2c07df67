/* dl-test-nondigits.h — drawings that are not digits, as a person would make them on the Draw page's
 * canvas, for the "not a digit" test and bench: random scribbles, random straight lines, single dots,
 * and letters drawn as strokes. Seeded; header-only (tests/dl-test-strokes.h); no GTK.
 *
 * Left out on purpose, because a person drawing them draws a digit: a single line within 30° of the
 * vertical (a 1), and the letters that are digit shapes — O (0), I and l (1), Z (2), S (5), G and b (6),
 * T (7), B (8), g and q (9) — and C, D, J, U, V, whose usual forms MNIST's writers also made as 0, 1, 4
 * and 7.
 */
#pragma once

#include "dl-test-strokes.h"

typedef enum {
  NONDIGIT_SCRIBBLE,
  NONDIGIT_LINES,
  NONDIGIT_DOT,
  NONDIGIT_LETTER,
  N_NONDIGIT_KINDS
} NonDigitKind;

G_GNUC_UNUSED static const char *const NONDIGIT_KIND_NAMES[N_NONDIGIT_KINDS] = {
  "random scribbles", "random straight lines", "single dots", "letters",
};

/* Capital letters on the grid of bench/digit-strokes.h, in the stroke order people use. */
G_GNUC_UNUSED static const DigitDrawing LETTER_DRAWINGS[] = {
  { -1, "A", 0.5, 0.5, 0.55, 0, "l 4,97 30,3 56,97 | l 14,62 46,62" },
  { -1, "E", 0.5, 0.5, 0.55, 0, "l 54,4 8,4 8,96 54,96 | l 8,50 44,50" },
  { -1, "F", 0.5, 0.5, 0.55, 0, "l 54,4 8,4 8,97 | l 8,48 44,48" },
  { -1, "H", 0.5, 0.5, 0.55, 0, "l 6,3 6,97 | l 54,3 54,97 | l 6,50 54,50" },
  { -1, "K", 0.5, 0.5, 0.55, 0, "l 8,3 8,97 | l 54,4 8,60 | l 22,46 56,97" },
  { -1, "L", 0.5, 0.5, 0.55, 0, "l 8,3 8,96 54,96" },
  { -1, "M", 0.5, 0.5, 0.55, 0, "l 2,97 8,3 30,70 52,3 58,97" },
  { -1, "N", 0.5, 0.5, 0.55, 0, "l 6,97 6,3 54,97 54,3" },
  { -1, "P", 0.5, 0.5, 0.55, 0, "l 8,97 8,4 s 36,4 52,14 52,32 36,46 8,48" },
  { -1, "R", 0.5, 0.5, 0.55, 0, "l 8,97 8,4 s 36,4 52,14 52,32 36,46 8,48 | l 26,48 56,97" },
  { -1, "W", 0.5, 0.5, 0.55, 0, "l 0,3 14,97 30,30 46,97 60,3" },
  { -1, "X", 0.5, 0.5, 0.55, 0, "l 6,3 54,97 | l 54,3 6,97" },
  { -1, "Y", 0.5, 0.5, 0.55, 0, "l 4,3 30,50 56,3 | l 30,50 30,97" },
};
#define N_LETTERS ((int) G_N_ELEMENTS (LETTER_DRAWINGS))

/* A stroke through `n` random points (smooth when `smooth`), in canvas units of a canvas `side` wide. */
static inline GArray *
nondigit_run (DlRng *rng, double side, double cx, double cy, double half, int n, gboolean smooth)
{
  g_autofree Pt *pts = g_new (Pt, n);
  for (int i = 0; i < n; i++)
    pts[i] = (Pt) { side * (cx + uniform (rng, -half, half)), side * (cy + uniform (rng, -half, half)) };
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Pt));
  if (smooth)
    append_curve (out, pts, n);
  else
    for (int i = 0; i < n; i++)
      append_pt (out, pts[i]);
  return out;
}

/* One or two strokes, each a smooth curve through 6–12 random points in a box 30–60 % of the canvas. */
static inline GPtrArray *
nondigit_scribble (DlRng *rng, double side)
{
  GPtrArray *strokes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  double half = uniform (rng, 0.15, 0.30), cx = uniform (rng, 0.35, 0.65), cy = uniform (rng, 0.35, 0.65);
  int n = 1 + (dl_rng_uniform (rng) < 0.3);
  for (int s = 0; s < n; s++)
    g_ptr_array_add (strokes, nondigit_run (rng, side, cx, cy, half, 6 + (int) dl_rng_below (rng, 7), TRUE));
  return strokes;
}

/* One to three straight strokes at least 15 % of the canvas long; a single one not within 30° of the
 * vertical. */
static inline GPtrArray *
nondigit_lines (DlRng *rng, double side, int *variety)
{
  GPtrArray *strokes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  double half = uniform (rng, 0.12, 0.30), cx = uniform (rng, 0.35, 0.65), cy = uniform (rng, 0.35, 0.65);
  int n = 1 + (int) dl_rng_below (rng, 3);
  *variety = n;
  for (int s = 0; s < n; s++)
    for (;;)
      {
        GArray *run = nondigit_run (rng, side, cx, cy, half, 2, FALSE);
        Pt a = g_array_index (run, Pt, 0), b = g_array_index (run, Pt, run->len - 1);
        double len = hypot (b.x - a.x, b.y - a.y), off_vertical = fabs (atan2 (b.x - a.x, b.y - a.y));
        off_vertical = MIN (off_vertical, G_PI - off_vertical);
        if (run->len == 2 && len >= 0.15 * side && (n > 1 || off_vertical > 30 * G_PI / 180))
          {
            g_ptr_array_add (strokes, run);
            break;
          }
        g_array_unref (run);
      }
  return strokes;
}

/* A click, a jiggle of the pointer, or a small blob scribbled round, up to 1.8 of the canvas's pens
 * across (`pen`, canvas units). */
static inline GPtrArray *
nondigit_dot (DlRng *rng, double side, double pen)
{
  GPtrArray *strokes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  GArray *run = g_array_new (FALSE, FALSE, sizeof (Pt));
  Pt c = { side * uniform (rng, 0.2, 0.8), side * uniform (rng, 0.2, 0.8) };
  int form = (int) dl_rng_below (rng, 3);
  if (form == 0)
    g_array_append_val (run, c);
  else if (form == 1)
    for (int i = 0; i < 3 + (int) dl_rng_below (rng, 6); i++)
      append_pt (run, (Pt) { c.x + pen * uniform (rng, -0.2, 0.2), c.y + pen * uniform (rng, -0.2, 0.2) });
  else
    {
      double r = pen * uniform (rng, 0.3, 0.9), turns = uniform (rng, 1, 2.5);
      for (int i = 0; i <= 40; i++)
        {
          double a = 2 * G_PI * turns * i / 40, rr = r * (0.4 + 0.6 * i / 40.0);
          append_pt (run, (Pt) { c.x + rr * cos (a), c.y + rr * sin (a) });
        }
    }
  g_ptr_array_add (strokes, run);
  return strokes;
}

/* A non-digit of the kind as the canvas would record it (a point every `step` along each stroke; dots
 * as drawn), on a canvas `side` wide whose pen is `pen` wide. *variety (may be NULL) gets which one:
 * the number of lines, the letter's index in LETTER_DRAWINGS, else 0. */
static inline DlTestStrokes
nondigit_make (NonDigitKind kind, DlRng *rng, double side, double pen, double step, int *variety)
{
  g_autoptr (GPtrArray) strokes = NULL;
  int unused;
  if (variety == NULL)
    variety = &unused;
  *variety = 0;
  switch (kind)
    {
    case NONDIGIT_SCRIBBLE:
      strokes = nondigit_scribble (rng, side);
      break;
    case NONDIGIT_LINES:
      strokes = nondigit_lines (rng, side, variety);
      break;
    case NONDIGIT_DOT:
      strokes = nondigit_dot (rng, side, pen);
      return test_strokes_from_path (strokes);
    case NONDIGIT_LETTER:
    case N_NONDIGIT_KINDS:
    default:
      {
        *variety = (int) dl_rng_below (rng, N_LETTERS);
        const DigitDrawing *d = &LETTER_DRAWINGS[*variety];
        Variant v;
        do
          v = random_variant (rng);
        while (!fits (d, &v));
        g_autoptr (GPtrArray) path = pointer_path (d, &v, side, step, NULL);
        return test_strokes_from_path (path);
      }
    }
  g_autoptr (GPtrArray) path = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint s = 0; s < strokes->len; s++)
    g_ptr_array_add (path, resample (g_ptr_array_index (strokes, s), step));
  return test_strokes_from_path (path);
}
