#!/usr/bin/env python3
"""check-sanitizer-log.py FILE… — the sanitizer run's reports (build-aux/test.sh), judged from its log.

The suite runs there with the sanitizers' exit code 0, and this decides instead: any AddressSanitizer or
UndefinedBehaviorSanitizer error fails, and so does any leak report but one kind.

LeakSanitizer takes an allocation's stack with the fast, frame-pointer unwinder. Debian's GLib and GTK are
built without frame pointers, so a leak inside them can come with no frame but the allocator's (seen on an
AMD EPYC, family 25 model 17, 2026-12-01: 128 bytes that GTK 4.8's gtk_init allocates in a GLib pool
thread, from a bare gtk_init under ASan, "#1 (<unknown module>)") and then no suppression by library can
match it. Such a report names nothing, so nothing can be done about it here: it is only counted. A
report that names any frame beyond the allocator was not suppressed by tests/lsan.supp and fails the run."""
import re
import sys

# "#1 0x… in FUNC FILE:LINE:COL", "#1 0x… in FUNC (MODULE+0x…)" or "#1 0x…  (<unknown module>)"
FRAME = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+\s+(?:in (\S+)\s*)?(.*)$")
ERROR = re.compile(r"ERROR: AddressSanitizer|:\d+:\d+: runtime error: |SUMMARY: UndefinedBehaviorSanitizer")
ALLOCATOR = re.compile(r"__interceptor_|^(malloc|calloc|realloc|free|operator new)")


def reports(text):
    """Each leak report ("Direct leak of…" / "Indirect leak of…") with its frames."""
    found, block = [], None
    for line in text.splitlines():
        if re.match(r"^(Direct|Indirect) leak of", line):
            block = {"head": line, "frames": []}
            found.append(block)
        elif block is not None:
            m = FRAME.match(line)
            if m:
                block["frames"].append((int(m.group(1)), m.group(2) or "", m.group(3)))
            elif line.strip() == "":
                block = None
    return found


def names_something(frames):
    return any(n > 0 and "<unknown module>" not in module and not ALLOCATOR.search(fn)
               for n, fn, module in frames)


# --self-test: what each kind of report is judged (meson's sanitizer-log test).
SAMPLES = [
    ("anonymous leak", False, "Direct leak of 128 byte(s) in 1 object(s) allocated from:\n"
     "    #0 0x56290506e2f6 in __interceptor_realloc (/b/tests/test-plot+0xdc2f6) (BuildId: fd)\n"
     "    #1 0x7f88aaabfed5  (<unknown module>)\n\n"),
    ("leak in our code", True, "Direct leak of 16 byte(s) in 1 object(s) allocated from:\n"
     "    #0 0x55 in __interceptor_malloc (/b/tests/test-net+0x1)\n"
     "    #1 0x56 in dl_net_new /src/core/dl-net.c:10:3\n    #2 0x57 in main (/b/tests/test-net+0x2)\n\n"),
    ("use after free", True, "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020\n"),
    ("undefined behaviour", True, "../src/core/dl-net.c:12:7: runtime error: signed integer overflow\n"),
    ("the CLI's help", False, "Exit status: 0 success, 1 bad data or a runtime error, 2 a usage error\n"),
]


def judge(named_texts):
    """(leaks naming code, anonymous leaks, errors) over (name, text) pairs."""
    bad, anonymous, errors = [], 0, []
    for path, text in named_texts:
        errors += [(path, line) for line in text.splitlines() if ERROR.search(line)]
        for r in reports(text):
            if names_something(r["frames"]):
                bad.append((path, r))
            else:
                anonymous += 1
    return bad, anonymous, errors


def self_test():
    wrong = [name for name, fails, text in SAMPLES if bool(judge([(name, text)])[0] or judge([(name, text)])[2]) != fails]
    for name in wrong:
        print("judged wrongly:", name)
    sys.exit(1 if wrong else 0)


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
    texts = []
    for path in sys.argv[1:]:
        with open(path, errors="replace") as f:
            texts.append((path, f.read()))
    bad, anonymous, errors = judge(texts)
    for path, line in errors:
        print("%s: %s" % (path, line.strip()))
    for path, r in bad:
        print("%s: %s" % (path, r["head"]))
        for n, fn, module in r["frames"]:
            print("    #%d %s (%s)" % (n, fn, module))
    if anonymous:
        print("%d leak report(s) with no frame beyond the allocator (a library without frame pointers): "
              "not counted" % anonymous)
    print("%d leak report(s) naming code that tests/lsan.supp does not suppress" % len(bad))
    print("%d sanitizer error(s)" % len(errors))
    sys.exit(1 if bad or errors else 0)


if __name__ == "__main__":
    main()
