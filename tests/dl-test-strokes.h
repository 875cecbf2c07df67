/* dl-test-strokes.h — drawings as a person makes them, for bench/draw-digits and the tests: the stroke
 * syntax of bench/digit-strokes.h parsed into polylines, placed on a canvas, varied the way one hand varies
 * from one time to the next (gently, or hurried), and turned into what a pointer reports. Header-only (each
 * program is one file); no GTK.
 *
 * Each drawing is given on a grid 100 units tall with y pointing down, the drawing's own centre at (30, 50),
 * and placed on the canvas (unit square) by its centre, its height as a fraction of the canvas side and a
 * slant (x shift per unit of height above the centre; 0.2 leans the top to the right).
 *
 * Stroke syntax: strokes are separated by '|' (the pen is lifted). Within a stroke, "x,y" adds a point;
 * "l" joins the points that follow with straight lines, "s" with a smooth curve through them (Catmull–
 * Rom); each keyword starts a new run at the current point, so a change of run is a corner.
 * "a cx,cy,rx,ry,from,to" adds an elliptical arc, angles in degrees counter-clockwise as seen on the
 * screen (0 = right, 90 = top), joined to the current point, if any, by a straight line.
 */
#pragma once

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl-preprocess.h"
#include "dl-rng.h"

/* A drawing that does not parse. */
#define DL_TEST_STROKES_ERROR (g_quark_from_static_string ("dl-test-strokes-error"))

typedef struct {
  int         digit;    /* 0–9, or -1 for a drawing that is not a digit */
  const char *style;
  double      cx, cy;   /* the drawing's centre on the canvas, unit square */
  double      height;   /* fraction of the canvas side */
  double      slant;
  const char *strokes;
} DigitDrawing;

#define GRID_CENTRE_X 30.0
#define GRID_CENTRE_Y 50.0
#define GRID_HEIGHT   100.0
#define CURVE_STEPS   16      /* samples per Catmull–Rom segment, before resampling by arc length */
#define ARC_STEP_DEG  3.0
#define TREMOR        0.008   /* of the gentle variants, canvas units: ~4 px on a 500 px canvas */

typedef struct {
  double x, y;
} Pt;

/* ---- the stroke syntax ---- */

static inline void
append_pt (GArray *out, Pt p)
{
  if (out->len > 0)
    {
      Pt last = g_array_index (out, Pt, out->len - 1);
      if (last.x == p.x && last.y == p.y)
        return;
    }
  g_array_append_val (out, p);
}

/* Catmull–Rom through run[0..n), with the end tangents of a straight continuation. */
static inline void
append_curve (GArray *out, const Pt *run, int n)
{
  if (n < 3)
    {
      for (int i = 0; i < n; i++)
        append_pt (out, run[i]);
      return;
    }
  for (int i = 0; i + 1 < n; i++)
    {
      Pt p1 = run[i], p2 = run[i + 1];
      Pt p0 = i > 0 ? run[i - 1] : (Pt) { 2 * p1.x - p2.x, 2 * p1.y - p2.y };
      Pt p3 = i + 2 < n ? run[i + 2] : (Pt) { 2 * p2.x - p1.x, 2 * p2.y - p1.y };
      for (int k = 0; k <= CURVE_STEPS; k++)
        {
          double t = (double) k / CURVE_STEPS, t2 = t * t, t3 = t2 * t;
          Pt q = {
            0.5 * (2 * p1.x + (p2.x - p0.x) * t + (2 * p0.x - 5 * p1.x + 4 * p2.x - p3.x) * t2
                   + (3 * p1.x - p0.x - 3 * p2.x + p3.x) * t3),
            0.5 * (2 * p1.y + (p2.y - p0.y) * t + (2 * p0.y - 5 * p1.y + 4 * p2.y - p3.y) * t2
                   + (3 * p1.y - p0.y - 3 * p2.y + p3.y) * t3),
          };
          append_pt (out, q);
        }
    }
}

static inline void
flush_run (GArray *out, GArray *run, char mode)
{
  if (mode == 's')
    append_curve (out, (Pt *) run->data, run->len);
  else
    for (guint i = 0; i < run->len; i++)
      append_pt (out, g_array_index (run, Pt, i));
  Pt last = out->len > 0 ? g_array_index (out, Pt, out->len - 1) : (Pt) { 0, 0 };
  g_array_set_size (run, 0);
  if (out->len > 0)
    g_array_append_val (run, last);
}

/* One stroke as a dense polyline in grid units. */
static inline GArray *
parse_stroke (const char *text, const char *name, GError **error)
{
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (Pt));
  g_autoptr (GArray) run = g_array_new (FALSE, FALSE, sizeof (Pt));
  g_auto (GStrv) tokens = g_strsplit_set (text, " \t", -1);
  char mode = 'l';

  for (int t = 0; tokens[t] != NULL; t++)
    {
      const char *tok = tokens[t];
      double v[6];
      int n_v;
      if (*tok == '\0')
        continue;
      if (strcmp (tok, "l") == 0 || strcmp (tok, "s") == 0)
        {
          flush_run (out, run, mode);
          mode = tok[0];
        }
      else if (strcmp (tok, "a") == 0)
        {
          if (tokens[t + 1] == NULL
              || sscanf (tokens[t + 1], "%lf,%lf,%lf,%lf,%lf,%lf%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n_v) != 6
              || tokens[t + 1][n_v] != '\0')
            {
              g_set_error (error, DL_TEST_STROKES_ERROR, 0,
                           "%s, stroke “%s”: token %d: expected cx,cy,rx,ry,from,to after “a”",
                           name, text, t + 2);
              return NULL;
            }
          flush_run (out, run, mode);
          int steps = MAX (1, (int) ceil (fabs (v[5] - v[4]) / ARC_STEP_DEG));
          for (int k = 0; k <= steps; k++)
            {
              double a = (v[4] + (v[5] - v[4]) * k / steps) * G_PI / 180;
              append_pt (out, (Pt) { v[0] + v[2] * cos (a), v[1] - v[3] * sin (a) });
            }
          flush_run (out, run, mode);
          t++;
        }
      else if (sscanf (tok, "%lf,%lf%n", &v[0], &v[1], &n_v) == 2 && tok[n_v] == '\0')
        g_array_append_val (run, ((Pt) { v[0], v[1] }));
      else
        {
          g_set_error (error, DL_TEST_STROKES_ERROR, 0,
                       "%s, stroke “%s”: token %d “%s”: expected x,y, “l”, “s” or “a”",
                       name, text, t + 1, tok);
          return NULL;
        }
    }
  flush_run (out, run, mode);
  if (out->len < 2)
    {
      g_set_error (error, DL_TEST_STROKES_ERROR, 0, "%s, stroke “%s”: fewer than 2 points",
                   name, text);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* ---- variations ---- */

/* How one hand varies a drawing from one time to the next: placed elsewhere, larger or smaller, leaning
 * and turned, squashed, a tremor along the strokes; in a hurry also the end of the last stroke left off
 * (a loop left open) and a stroke broken where the pen lifted for a moment. */
typedef struct {
  double dx, dy;          /* shift, canvas units */
  double scale;
  double slant;           /* added to the drawing's own */
  double angle;           /* radians, clockwise on screen */
  double wobble;          /* tremor amplitude, canvas units */
  double wavelength[2];   /* of the tremor's two components, canvas units */
  double phase[4];
  double aspect;          /* width multiplied by it before turning (0: 1) */
  double trim;            /* share of the last stroke's length left off its end */
  double break_at;        /* where along the longest stroke the pen lifted (share of its length; 0: never) */
  double break_gap;       /* how long it stayed lifted, canvas units */
} Variant;

G_GNUC_UNUSED static const Variant AS_DEFINED = { 0, 0, 1, 0, 0, 0, { 1, 1 }, { 0 }, 1, 0, 0, 0 };

static inline double
uniform (DlRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * dl_rng_uniform (rng);
}

/* The gentle variants (draw-digits --variants): shifted, scaled, leaning, turned ±8°, a slight tremor. */
static inline Variant
random_variant (DlRng *rng)
{
  Variant v = {
    .dx = uniform (rng, -0.12, 0.12), .dy = uniform (rng, -0.12, 0.12),
    .scale = uniform (rng, 0.75, 1.25),
    .slant = uniform (rng, -0.15, 0.15),
    .angle = uniform (rng, -8, 8) * G_PI / 180,
    .wobble = TREMOR,
    .wavelength = { uniform (rng, 0.10, 0.20), uniform (rng, 0.20, 0.35) },
    .aspect = 1,
  };
  for (int i = 0; i < 4; i++)
    v.phase[i] = uniform (rng, 0, 2 * G_PI);
  return v;
}

/* The hurried ones (draw-digits --hurried): turned up to ±22°, squashed or widened (aspect 0.6–1.25),
 * from half to 1.25 times the size and placed anywhere on the canvas (so often small and near an edge),
 * a shakier hand, and half of them with the last stroke's end left off (5–15 % of it: a loop left open),
 * half with the longest stroke broken by a lifted pen somewhere in its middle. */
static inline Variant
hurried_variant (DlRng *rng)
{
  Variant v = {
    .dx = uniform (rng, -0.4, 0.4), .dy = uniform (rng, -0.4, 0.4),
    .scale = uniform (rng, 0.5, 1.25),
    .slant = uniform (rng, -0.2, 0.2),
    .angle = uniform (rng, -22, 22) * G_PI / 180,
    .wobble = uniform (rng, 0.006, 0.014),
    .wavelength = { uniform (rng, 0.06, 0.15), uniform (rng, 0.15, 0.30) },
    .aspect = uniform (rng, 0.6, 1.25),
  };
  for (int i = 0; i < 4; i++)
    v.phase[i] = uniform (rng, 0, 2 * G_PI);
  if (dl_rng_uniform (rng) < 0.5)
    v.trim = uniform (rng, 0.05, 0.15);
  if (dl_rng_uniform (rng) < 0.5)
    {
      v.break_at = uniform (rng, 0.3, 0.7);
      v.break_gap = uniform (rng, 0.01, 0.03);
    }
  return v;
}

/* The drawing's strokes (GArray of Pt each) in canvas units: the unit square scaled by `side`. */
static inline GPtrArray *
drawing_strokes (const DigitDrawing *d, const Variant *v, double side, GError **error)
{
  g_autoptr (GPtrArray) strokes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_auto (GStrv) parts = g_strsplit (d->strokes, "|", -1);
  double aspect = v->aspect > 0 ? v->aspect : 1;

  for (int s = 0; parts[s] != NULL; s++)
    {
      GArray *pts = parse_stroke (parts[s], d->style, error);
      if (pts == NULL)
        return NULL;
      for (guint i = 0; i < pts->len; i++)
        {
          Pt *p = &g_array_index (pts, Pt, i);
          double gy = (p->y - GRID_CENTRE_Y) / GRID_HEIGHT;
          double gx = aspect * ((p->x - GRID_CENTRE_X) / GRID_HEIGHT - (d->slant + v->slant) * gy);
          double h = d->height * v->scale;
          p->x = side * (d->cx + v->dx + h * (gx * cos (v->angle) - gy * sin (v->angle)));
          p->y = side * (d->cy + v->dy + h * (gx * sin (v->angle) + gy * cos (v->angle)));
        }
      g_ptr_array_add (strokes, pts);
    }
  return g_steal_pointer (&strokes);
}

static inline double
polyline_length (GArray *pts)
{
  double len = 0;
  for (guint i = 1; i < pts->len; i++)
    len += hypot (g_array_index (pts, Pt, i).x - g_array_index (pts, Pt, i - 1).x,
                  g_array_index (pts, Pt, i).y - g_array_index (pts, Pt, i - 1).y);
  return len;
}

/* The part of a polyline between arc lengths a and b. */
static inline GArray *
polyline_piece (GArray *pts, double a, double b)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Pt));
  double at = 0;
  for (guint i = 1; i < pts->len; i++)
    {
      Pt p = g_array_index (pts, Pt, i - 1), q = g_array_index (pts, Pt, i);
      double len = hypot (q.x - p.x, q.y - p.y), t0 = at, t1 = at + len;
      at = t1;
      if (len <= 0 || t1 < a || t0 > b)
        continue;
      double u0 = MAX (0, (a - t0) / len), u1 = MIN (1, (b - t0) / len);
      if (out->len == 0)
        append_pt (out, (Pt) { p.x + (q.x - p.x) * u0, p.y + (q.y - p.y) * u0 });
      append_pt (out, (Pt) { p.x + (q.x - p.x) * u1, p.y + (q.y - p.y) * u1 });
    }
  return out;
}

/* A hurried hand: the last stroke's end left off, the longest stroke broken by a lifted pen. */
static inline void
hurry (GPtrArray *strokes, const Variant *v)
{
  if (v->trim > 0)
    {
      GArray *last = g_ptr_array_index (strokes, strokes->len - 1);
      GArray *cut = polyline_piece (last, 0, (1 - v->trim) * polyline_length (last));
      if (cut->len >= 2)
        {
          g_ptr_array_index (strokes, strokes->len - 1) = cut;
          g_array_unref (last);
        }
      else
        g_array_unref (cut);
    }
  if (v->break_at > 0)
    {
      guint longest = 0;
      for (guint s = 1; s < strokes->len; s++)
        if (polyline_length (g_ptr_array_index (strokes, s)) > polyline_length (g_ptr_array_index (strokes, longest)))
          longest = s;
      GArray *pts = g_ptr_array_index (strokes, longest);
      double len = polyline_length (pts), at = v->break_at * len;
      GArray *first = polyline_piece (pts, 0, at - v->break_gap / 2);
      GArray *second = polyline_piece (pts, at + v->break_gap / 2, len);
      if (first->len >= 2 && second->len >= 2)
        {
          g_ptr_array_index (strokes, longest) = first;
          g_ptr_array_insert (strokes, longest + 1, second);
          g_array_unref (pts);
          return;
        }
      g_array_unref (first);
      g_array_unref (second);
    }
}

/* Points every `step` along the polyline (and its end), as a pointer reports a steady hand. */
static inline GArray *
resample (GArray *pts, double step)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Pt));
  Pt prev = g_array_index (pts, Pt, 0);
  double carry = 0;
  g_array_append_val (out, prev);
  for (guint i = 1; i < pts->len; i++)
    {
      Pt p = g_array_index (pts, Pt, i);
      double len = hypot (p.x - prev.x, p.y - prev.y);
      double at = step - carry;
      for (; at <= len; at += step)
        g_array_append_val (out, ((Pt) { prev.x + (p.x - prev.x) * at / len, prev.y + (p.y - prev.y) * at / len }));
      carry = len - (at - step);
      prev = p;
    }
  Pt last = g_array_index (out, Pt, out->len - 1);
  if (last.x != prev.x || last.y != prev.y)
    g_array_append_val (out, prev);
  return out;
}

/* The tremor along a stroke, `at` canvas units from the drawing's first point. */
static inline void
wobble (const Variant *v, double side, double at, Pt *p)
{
  double a = 2 * G_PI * at / side;
  p->x += side * v->wobble * (0.6 * sin (a / v->wavelength[0] + v->phase[0]) + 0.4 * sin (a / v->wavelength[1] + v->phase[1]));
  p->y += side * v->wobble * (0.6 * sin (a / v->wavelength[0] + v->phase[2]) + 0.4 * sin (a / v->wavelength[1] + v->phase[3]));
}

/* What the pointer does: each stroke resampled every `step` and with the variant's tremor, in canvas
 * units scaled by `side`. */
static inline GPtrArray *
pointer_path (const DigitDrawing *d, const Variant *v, double side, double step, GError **error)
{
  g_autoptr (GPtrArray) strokes = drawing_strokes (d, v, side, error);
  if (strokes == NULL)
    return NULL;
  hurry (strokes, v);
  GPtrArray *path = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  double at = 0;
  for (guint s = 0; s < strokes->len; s++)
    {
      GArray *pts = resample (g_ptr_array_index (strokes, s), step);
      for (guint i = 0; i < pts->len; i++, at += step)
        wobble (v, side, at, &g_array_index (pts, Pt, i));
      g_ptr_array_add (path, pts);
    }
  return path;
}

/* Whether the varied drawing stays on the canvas with a margin: the pointer must not leave it. */
static inline gboolean
fits (const DigitDrawing *d, const Variant *v)
{
  g_autoptr (GPtrArray) strokes = drawing_strokes (d, v, 1, NULL);
  if (strokes == NULL)
    return TRUE;   /* drawing it reports what is wrong with it */
  double margin = 0.04 + v->wobble;
  for (guint s = 0; s < strokes->len; s++)
    {
      GArray *pts = g_ptr_array_index (strokes, s);
      for (guint k = 0; k < pts->len; k++)
        {
          Pt p = g_array_index (pts, Pt, k);
          if (p.x < margin || p.x > 1 - margin || p.y < margin || p.y > 1 - margin)
            return FALSE;
        }
    }
  return TRUE;
}

typedef Variant (*VariantFunc) (DlRng *rng);

/* n seeded variants of each of the n_drawings that stay on the canvas: [k * n_drawings + i] is drawing
 * i's k-th. */
static inline Variant *
make_variants (const DigitDrawing *drawings, int n_drawings, int n, guint64 seed, VariantFunc draw)
{
  Variant *vs = g_new (Variant, (gsize) n * n_drawings);
  DlRng rng;
  dl_rng_seed (&rng, seed);
  for (int k = 0; k < n; k++)
    for (int i = 0; i < n_drawings; i++)
      do
        vs[k * n_drawings + i] = draw (&rng);
      while (!fits (&drawings[i], &vs[k * n_drawings + i]));
  return vs;
}

/* ---- as DlStrokes ---- */

/* A pointer path as the canvas keeps it (pressure 1), for dl_preprocess_strokes. */
typedef struct {
  DlStroke *strokes;
  int       n;
} DlTestStrokes;

static inline DlTestStrokes
test_strokes_from_path (GPtrArray *path)
{
  DlTestStrokes t = { g_new0 (DlStroke, MAX (path->len, 1)), path->len };
  for (guint s = 0; s < path->len; s++)
    {
      GArray *pts = g_ptr_array_index (path, s);
      DlPoint *dp = g_new (DlPoint, pts->len);
      for (guint k = 0; k < pts->len; k++)
        dp[k] = (DlPoint) { g_array_index (pts, Pt, k).x, g_array_index (pts, Pt, k).y, 1 };
      t.strokes[s] = (DlStroke) { dp, pts->len };
    }
  return t;
}

static inline void
test_strokes_clear (DlTestStrokes *t)
{
  for (int s = 0; s < t->n; s++)
    g_free (t->strokes[s].points);
  g_free (t->strokes);
  t->strokes = NULL;
  t->n = 0;
}
