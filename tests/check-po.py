#!/usr/bin/env python3
"""check-po.py SRCDIR — the translations in po/LINGUAS are complete for the sources as they are now.

A template is made afresh from po/POTFILES.in with xgettext (meson's 'glib' preset: the same keywords and
format flags as `meson compile digitlab-pot`), each language's .po is merged with it (msgmerge), and then:
msgfmt --check passes on the .po and on the merge (format directives, plural forms, headers); every
message of the template is translated and none is fuzzy; the Plural-Forms header is the language's; each
plural message has all its forms; a short label with one mnemonic underscore keeps one. Exits 1 naming
each problem and printing the statistics of each language.
"""
import os
import re
import subprocess
import sys
import tempfile

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
PO = os.path.join(SRC, 'po')
DOMAIN = 'digitlab'
PLURAL_FORMS = {
    'de': 'nplurals=2; plural=(n != 1);',
    'fr': 'nplurals=2; plural=(n > 1);',
}
# meson's i18n.gettext(preset: 'glib').
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2', '--keyword=g_dcgettext:2',
    '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format', '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format', '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]

problems = []


def run(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def unquote(lines):
    return ''.join(re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1), m.group(1)),
                          l[l.index('"') + 1:l.rindex('"')]) for l in lines)


def entries(path):
    """(msgctxt, msgid, msgid_plural, [msgstr…], fuzzy) of each live message, the header included."""
    out = []
    text = open(path, encoding='utf-8').read()
    for block in re.split(r'\n\s*\n', text):
        lines = [l for l in block.split('\n') if l.strip() and not l.startswith('#~')]
        if not any(l.startswith('msgid ') for l in lines):
            continue
        fuzzy = any(l.startswith('#,') and 'fuzzy' in l for l in lines)
        fields, key = {}, None
        for l in lines:
            m = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) ', l)
            if m:
                key = m.group(1)
                fields[key] = [l]
            elif l.startswith('"') and key:
                fields[key].append(l)
        strs = [unquote(v) for k, v in sorted(fields.items()) if k.startswith('msgstr')]
        out.append((unquote(fields['msgctxt']) if 'msgctxt' in fields else None, unquote(fields['msgid']),
                    unquote(fields['msgid_plural']) if 'msgid_plural' in fields else None, strs, fuzzy))
    return out


def mnemonics(s):
    return len(re.findall(r'_(?=\w)', s))


def check_language(lang, pot, tmp):
    po = os.path.join(PO, lang + '.po')
    if not os.path.isfile(po):
        problems.append('%s: po/%s.po does not exist' % (lang, lang))
        return
    rc, out = run(['msgfmt', '--check', '-o', os.devnull, po])
    if rc != 0:
        problems.append('%s: msgfmt --check po/%s.po failed:\n%s' % (lang, lang, out))
    merged = os.path.join(tmp, lang + '.po')
    rc, out = run(['msgmerge', '--quiet', '--output-file=' + merged, po, pot])
    if rc != 0:
        problems.append('%s: msgmerge failed:\n%s' % (lang, out))
        return
    rc, stats = run(['msgfmt', '--check', '--statistics', '-o', os.devnull, merged])
    print('%s: %s' % (lang, stats.strip()))
    if rc != 0:
        problems.append('%s: msgfmt --check failed on po/%s.po merged with the sources:\n%s' % (lang, lang, stats))

    msgs = entries(merged)
    header = next((m[3][0] for m in msgs if m[1] == '' and m[0] is None), '')
    forms = re.search(r'^Plural-Forms:\s*(.*?)\s*$', header, re.M)
    if forms is None or forms.group(1).replace(' ', '') != PLURAL_FORMS[lang].replace(' ', ''):
        problems.append('%s: Plural-Forms is "%s", expected "%s"' % (lang, forms.group(1) if forms else '',
                                                                   PLURAL_FORMS[lang]))
    nplurals = int(re.search(r'nplurals=(\d+)', PLURAL_FORMS[lang]).group(1))
    for ctxt, msgid, plural, strs, fuzzy in msgs:
        if msgid == '' and ctxt is None:
            continue
        what = '%s: "%s"%s' % (lang, msgid[:70].replace('\n', '\\n'), ' (%s)' % ctxt if ctxt else '')
        if fuzzy:
            problems.append(what + ' is fuzzy')
        if any(s == '' for s in strs):
            problems.append(what + ' is not translated')
        if plural is not None and len(strs) != nplurals:
            problems.append(what + ' has %d plural forms, expected %d' % (len(strs), nplurals))
        if len(msgid) < 40 and mnemonics(msgid) == 1 and any(mnemonics(s) != 1 for s in strs if s):
            problems.append(what + ' has one mnemonic (_), the translation has not')


def main():
    with open(os.path.join(PO, 'LINGUAS'), encoding='utf-8') as f:
        langs = [w for line in f for w in line.split('#')[0].split()]
    for lang in PLURAL_FORMS:
        if lang not in langs:
            problems.append('po/LINGUAS does not list %s' % lang)
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, DOMAIN + '.pot')
        rc, out = run(['xgettext', '--package-name=' + DOMAIN, '--directory=' + SRC,
                       '--files-from=' + os.path.join(PO, 'POTFILES.in'), '--output=' + pot] + XGETTEXT_ARGS)
        if rc != 0:
            problems.append('xgettext failed:\n' + out)
        else:
            n = sum(1 for m in entries(pot) if m[1] != '' or m[0] is not None)
            print('template: %d messages from po/POTFILES.in' % n)
            for lang in langs:
                if lang not in PLURAL_FORMS:
                    problems.append('%s: no Plural-Forms known to this check: add it to PLURAL_FORMS' % lang)
                    continue
                check_language(lang, pot, tmp)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
