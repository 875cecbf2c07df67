#!/usr/bin/env python3
"""check-potfiles.py SRCDIR — po/POTFILES.in lists exactly the files with translatable text.

Translatable text: C sources calling _(), N_(), C_(), NC_() or ngettext() on a string literal; GtkBuilder
files with translatable="yes"; the desktop file, AppStream metainfo and GSettings schema when they hold
names, summaries or descriptions. Also checked: every listed file exists and is listed once; the XML and
desktop files come before the first C file (xgettext carries its C format-string guess over into files of
other languages that follow a C file, and "10 % each" in a .ui file becomes a bad "% e" directive); the
libraries (src/core, src/worker, src/runs) use <glib/gi18n-lib.h>, so that their messages are looked up in
the "digitlab" domain whichever domain the program set. Exits 1 naming each problem.
"""
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
SCAN = ['src', 'ui', 'data']
LIBRARIES = ('src/core/', 'src/worker/', 'src/runs/')

C_MARK = re.compile(r'(?<![\w])(?:_|N_|C_|NC_|ngettext)\s*\(\s*"', re.S)
C_COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
C_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')
DESKTOP_KEY = re.compile(r'^(?:Name|GenericName|Comment|Keywords)\s*=', re.M)
XML_TEXT = re.compile(r'<(?:name|summary|description|caption|developer_name)\b')


def c_code(text):
    """The code without its comments (string literals kept: a literal may hold "/*")."""
    out, pos = [], 0
    for m in re.finditer(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', text, re.S):
        out.append(text[pos:m.start()])
        out.append(m.group(0) if m.group(0)[0] in '"\'' else ' ')
        pos = m.end()
    out.append(text[pos:])
    return ''.join(out)


def translatable(path, text):
    if path.endswith(('.c', '.h')):
        return C_MARK.search(c_code(text)) is not None
    if path.endswith('.ui'):
        return 'translatable="yes"' in text
    if path.endswith('.desktop.in'):
        return DESKTOP_KEY.search(text) is not None
    if path.endswith(('.metainfo.xml.in', '.gschema.xml')):
        return XML_TEXT.search(text) is not None
    return False


def main():
    problems = []
    listed = []
    with open(os.path.join(SRC, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                listed.append(line)
    for p in sorted({p for p in listed if listed.count(p) > 1}):
        problems.append('%s is listed more than once in po/POTFILES.in' % p)

    marked = set()
    for top in SCAN:
        for root, dirs, files in os.walk(os.path.join(SRC, top)):
            dirs[:] = sorted(d for d in dirs if not d.startswith(('build', '.')))
            for name in sorted(files):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, SRC)
                try:
                    text = open(full, encoding='utf-8').read()
                except (UnicodeDecodeError, OSError):
                    continue
                if translatable(rel, text):
                    marked.add(rel)
                if rel.startswith(LIBRARIES) and re.search(r'#include\s*<glib/gi18n\.h>', text):
                    problems.append('%s is in a library but includes <glib/gi18n.h>: use <glib/gi18n-lib.h> '
                                    '(messages in the "digitlab" domain)' % rel)

    for p in sorted(marked - set(listed)):
        problems.append('%s has translatable strings but is not in po/POTFILES.in' % p)
    for p in listed:
        if not os.path.isfile(os.path.join(SRC, p)):
            problems.append('po/POTFILES.in lists %s, which does not exist' % p)
        elif p not in marked:
            problems.append('po/POTFILES.in lists %s, which has no translatable strings' % p)

    first_c = next((i for i, p in enumerate(listed) if p.endswith(('.c', '.h'))), len(listed))
    for p in listed[first_c:]:
        if not p.endswith(('.c', '.h')):
            problems.append('po/POTFILES.in lists %s after a C file: list the .ui, desktop, metainfo and '
                            'schema files first (xgettext would take "%%" in it for C format directives)' % p)

    for p in problems:
        print(p)
    print('%d files with translatable strings, %d listed, %d problems' % (len(marked), len(listed), len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
