#!/usr/bin/env python3
"""check-lsan-supp.py FILE — the LeakSanitizer suppressions may name system libraries only.

Issue 16, defect 12: the ASan+UBSan suite failed on exit with leak reports from fontconfig and cairo,
which allocate caches for the life of the process. Suppressing them by library keeps every real leak of
Digit Lab visible; a suppression by function name, or of Digit Lab's own code, would hide them."""
import re
import sys

# A shared library by its file name (libfoo.so, libfoo-1.0.so.0, swrast_dri.so, or a prefix such as
# libgallium), and none of Digit Lab's own (libdlcore, libdlworker, libdlwidgets, digitlab*, the tests).
LIBRARY = re.compile(r"^leak:(lib[A-Za-z0-9_.+-]+|[A-Za-z0-9_+-]+\.so[.\d]*)$")
OURS = re.compile(r"^leak:(lib)?(dl|digitlab|test-)")


def main():
    bad = []
    with open(sys.argv[1]) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line and not line.startswith("#") and (not LIBRARY.match(line) or OURS.match(line)):
                bad.append("%s:%d: %s" % (sys.argv[1], n, line))
    for b in bad:
        print("not a system library:", b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
