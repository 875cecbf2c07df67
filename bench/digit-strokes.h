/* digit-strokes.h — handwritten digits as a person draws them, for bench/draw-digits.
 *
 * Three styles of each digit 0–9, written down from how people form the digits (stroke order and
 * direction, where the pen is lifted, flags, bars, open and closed tops, loops and tails), at different
 * sizes, places and slants on the canvas. They were fixed before any model read them and are not
 * adjusted to a model's answers.
 *
 * The drawing format and stroke syntax are described in tests/dl-test-strokes.h.
 */
#pragma once

#include "dl-test-strokes.h"

static const DigitDrawing DIGIT_DRAWINGS[] = {
  /* 0: started at the top, anticlockwise, ending past the start as most people do. */
  { 0, "oval, closed with overlap",   0.50, 0.50, 0.60,  0.00, "a 30,50,26,46,100,475" },
  { 0, "round, gap at the top",       0.45, 0.55, 0.50,  0.05, "a 30,50,30,44,80,420" },
  { 0, "narrow, clockwise, slanted",  0.38, 0.42, 0.42,  0.25,
    "s 30,3 46,12 52,48 46,86 30,97 14,86 8,48 14,12 32,4" },

  /* 1 */
  { 1, "single stroke",               0.50, 0.50, 0.65,  0.10, "l 32,3 28,97" },
  { 1, "with a flag",                 0.55, 0.50, 0.55,  0.00, "l 14,22 36,3 36,97" },
  { 1, "flag and base",               0.45, 0.48, 0.60,  0.00, "l 16,20 34,3 34,97 | l 14,97 54,97" },

  /* 2 */
  { 2, "curved neck, flat base",      0.50, 0.50, 0.60,  0.00,
    "s 6,28 14,10 32,3 50,10 54,28 46,46 28,66 8,94 l 56,94" },
  { 2, "loop at the bottom",          0.48, 0.52, 0.55,  0.10,
    "s 8,24 18,7 36,3 52,12 53,30 42,50 26,68 14,84 6,96 0,90 2,78 14,78 22,88 26,96 36,98 l 60,97" },
  { 2, "straight diagonal, small",    0.60, 0.40, 0.40,  0.20,
    "s 8,22 20,6 38,4 50,14 48,30 l 8,94 56,94" },

  /* 3 */
  { 3, "two bowls, one stroke",       0.50, 0.50, 0.60,  0.00,
    "s 8,14 24,3 44,5 52,20 46,38 26,47 s 48,55 56,74 48,92 28,98 6,88" },
  { 3, "flat top",                    0.52, 0.55, 0.55,  0.05,
    "l 8,5 52,5 26,40 s 46,48 55,68 48,88 30,97 8,90" },
  { 3, "pen lifted between bowls",    0.42, 0.45, 0.45,  0.20,
    "s 10,12 28,3 46,8 50,24 38,40 24,46 | s 22,46 44,50 56,68 50,88 30,97 8,88" },

  /* 4 */
  { 4, "open top, two strokes",       0.50, 0.50, 0.60,  0.00, "l 12,4 8,60 58,60 | l 44,10 44,98" },
  { 4, "closed top",                  0.48, 0.52, 0.62,  0.00, "l 42,3 4,66 60,66 | l 42,3 42,98" },
  { 4, "open, slanted, small",        0.60, 0.45, 0.38,  0.20, "l 14,4 8,56 56,58 | l 46,22 42,98" },

  /* 5: the belly first, the flag last, as most people do; or the flag first in one stroke. */
  { 5, "flag added last",             0.50, 0.50, 0.60,  0.00,
    "l 12,5 10,44 s 28,38 46,44 54,62 50,82 34,96 14,96 4,86 | l 12,5 52,5" },
  { 5, "one stroke, flag first",      0.45, 0.52, 0.55,  0.10,
    "l 52,5 12,5 10,44 s 28,38 46,44 54,62 50,82 34,96 14,96 4,86" },
  { 5, "angular, slanted, small",     0.58, 0.42, 0.40,  0.25,
    "l 14,6 10,48 s 32,42 50,54 52,76 40,94 20,96 6,88 | l 14,6 54,4" },

  /* 6 */
  { 6, "curved, loop at the bottom",  0.50, 0.50, 0.60,  0.00,
    "s 46,4 28,12 14,32 8,58 12,82 28,97 46,92 54,74 46,58 28,54 12,62 9,72" },
  { 6, "straight stem",               0.45, 0.55, 0.55,  0.05,
    "l 40,3 12,62 s 16,86 30,96 46,90 52,72 42,58 26,56 14,64" },
  { 6, "slanted, small",              0.60, 0.42, 0.42,  0.20,
    "s 48,6 30,14 18,34 12,60 16,84 30,96 44,92 50,76 42,62 26,60 14,70" },

  /* 7 */
  { 7, "plain",                       0.50, 0.50, 0.60,  0.00, "l 6,6 54,6 24,97" },
  { 7, "with a bar",                  0.48, 0.52, 0.58,  0.00, "l 6,6 54,6 24,97 | l 18,52 50,52" },
  { 7, "curved stem, slanted",        0.55, 0.45, 0.45,  0.15, "l 8,8 52,5 s 42,30 32,60 28,97" },

  /* 8 */
  { 8, "one stroke, crossing",        0.50, 0.50, 0.62,  0.00,
    "s 50,12 32,3 14,10 12,26 28,42 48,58 54,78 42,96 22,98 8,84 12,66 30,50 46,36 50,18 40,6" },
  { 8, "two stacked circles",         0.46, 0.52, 0.58,  0.00,
    "a 30,26,20,22,90,450 | a 30,72,25,26,90,450" },
  { 8, "one stroke, slanted, small",  0.58, 0.42, 0.40,  0.25,
    "s 50,12 32,3 14,10 12,26 28,42 48,58 54,78 42,96 22,98 8,84 12,66 30,50 46,36 50,18 40,6" },

  /* 9: the loop anticlockwise from its right side, then down. */
  { 9, "loop and straight stem",      0.50, 0.50, 0.60,  0.00, "a 30,26,22,24,20,375 l 50,97" },
  { 9, "loop and curved tail",        0.46, 0.52, 0.58,  0.05, "a 30,26,22,24,20,375 s 50,60 44,84 30,97 14,94" },
  { 9, "circle, then stem, slanted",  0.55, 0.45, 0.45,  0.20, "a 28,25,22,22,0,360 | l 50,8 46,97" },
};
