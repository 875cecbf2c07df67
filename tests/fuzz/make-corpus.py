#!/usr/bin/env python3
"""make-corpus.py OUTDIR — seed corpora for the fuzz targets, one folder per target under OUTDIR.

Small, valid and nearly valid inputs of each format (no data set is committed or read): the fuzzers
start from structure instead of random bytes. Deterministic, so reruns give the same files."""
import gzip
import os
import struct
import sys
import zlib


def idx_images(n, rows, cols, fill=lambda i: (i * 37) % 256):
    return struct.pack(">IIII", 0x803, n, rows, cols) + bytes(fill(i) for i in range(n * rows * cols))


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


def gz(data):
    return gzip.compress(data, 6, mtime=0)


def model(arch, n_params, params=None, version=2, seed=1, state=None):
    a = arch.encode()
    body = b"DLMODEL\0" + struct.pack("<II", version, len(a)) + a + struct.pack("<QQ", seed, n_params)
    body += b"".join(struct.pack("<f", v) for v in (params or [0.01 * (i % 13) for i in range(n_params)]))
    return body + (state or b"") + struct.pack("<I", zlib.crc32(body + (state or b"")))


def state_section(n_params, trainer=b"", optimizer=1, version=3):
    """A checkpoint's training-state section (dl-model.h): its fields, the optimiser's floats (3 a parameter
    before version 6; 4 with the weight average and its step count from 6) and the trainer's opaque record."""
    blocks = 4 if version >= 6 else 3
    fixed = struct.pack("<IIq4Q", 1, optimizer, 5, 1, 2, 3, 4) + (struct.pack("<q", 12) if version >= 6 else b"")
    body = fixed + struct.pack("<Q", blocks * n_params) + b"\0\0\0\0" * (blocks * n_params) + struct.pack("<Q", len(trainer)) + trainer
    return b"DLSTATE\0" + struct.pack("<Q", len(body)) + body


def csv_rows(rows, header=False):
    lines = ["label," + ",".join("%dx%d" % (r, c) for r in range(1, 29) for c in range(1, 29))] if header else []
    for label, px in rows:
        lines.append(",".join([str(label)] + [str(v) for v in px]))
    return ("\n".join(lines) + "\n").encode()


def csv_images(images, header=True):
    """Kaggle's Digit Recognizer test.csv: a header "pixel0,…,pixel783", then 784 pixels a row."""
    lines = [",".join("pixel%d" % i for i in range(784))] if header else []
    lines += [",".join(str(v) for v in px) for px in images]
    return ("\n".join(lines) + "\n").encode()


def personal(images, labels):
    return struct.pack(">H", len(images)) + images + labels


def strokes(pen, strokes_):
    out = bytes([len(strokes_) - 1]) + struct.pack("<f", pen)
    for s in strokes_:
        out += bytes([len(s)]) + b"".join(struct.pack("<fff", *p) for p in s)
    return out


def image(w, h, pixels, min_extent):
    return bytes([0x80 | (w - 1), h - 1]) + b"".join(struct.pack("<f", v) for v in pixels) + struct.pack("<f", min_extent)


def seeds():
    arch = [
        "fc256-relu,fc128-relu,fc10,softmax", "fc30-tanh,fc10-tanh,mse",
        "conv6x5p2-relu,pool2,conv16x5-relu,pool2,fc120-relu,fc84-relu,fc10,softmax",
        "conv16x3p1-relu,pool2,conv32x3p1-relu,pool2,conv64x3p1-relu,pool2,dropout0.25,fc256-relu,dropout0.5,fc10,softmax",
        "fc10,softmax", "dropout0.99999994,fc10-sigmoid,mse", "fc65536-relu,fc10,softmax", "conv2x3,pool2,fc10,softmax",
        "fc65536-relu,fc65536-relu,fc10,softmax", "dropout0.99999999,fc10,softmax", " fc10 , softmax ",
        "std,fc256-relu,fc128-relu,fc10,softmax", "std,conv6x5p2-relu,pool2,fc10,softmax", "fc10,std,softmax",
    ]
    digit = [((r * 28 + c) * 7) % 256 if 6 <= r < 22 and 9 <= c < 19 else 0 for r in range(28) for c in range(28)]
    small_images = idx_images(3, 28, 28)
    small_labels = idx_labels([1, 2, 3])
    idx = [small_images, small_labels, idx_images(2, 4, 3), idx_labels([9]), idx_images(1, 1, 1),
           struct.pack(">IIII", 0x803, 0xFFFFFFFF, 28, 28), struct.pack(">IIII", 0x803, 1 << 20, 64, 64),
           struct.pack(">II", 0x801, 1 << 30), small_images[:100], gz(small_images), gz(small_labels),
           gz(struct.pack(">IIII", 0x803, 1 << 20, 64, 64) + bytes(4096))]
    idx_gz = [small_images, small_labels, idx_images(2, 4, 3), struct.pack(">IIII", 0x803, 1 << 20, 64, 64) + bytes(256),
              struct.pack(">II", 0x801, 100000) + bytes(64)]
    rows = [(7, digit), (0, [0] * 784), (9, [255] * 784)]
    csv = [csv_rows(rows), csv_rows(rows[:1], header=True), csv_rows(rows[:1]).rstrip(b"\n"),
           b"\xef\xbb\xbf" + csv_rows(rows[:1]), b"\n\n \r\n", b"", csv_rows([(0.0274, [0] * 784)]),
           csv_rows(rows[:1]).replace(b",0,", b", 0.0 ,", 5),
           csv_images([digit, [0] * 784]), csv_images([digit], header=False).rstrip(b"\n"),
           b"\xef\xbb\xbf" + csv_images([[255] * 784]).replace(b"\n", b"\r\n")]
    dense = "fc10,softmax"
    models = [model(dense, 7850), model("fc16-relu,fc10,softmax", 12730), model(dense, 7850, version=1),
              model("conv2x3,pool2,fc10,softmax", 3410), model("dropout0.5,fc10,softmax", 7850),
              model("fc65536,fc65536,fc10,softmax", 0), model(dense, 0), model(dense, 7850)[:60],
              model(dense, 7850, version=3, state=state_section(7850, b"record")),
              model(dense, 7850, version=6, state=state_section(7850, b"record", version=6)),
              model(dense, 7850, version=3, state=state_section(7850)[:40]),
              model("std,fc10,softmax", 7850, version=4), model("std,fc10,softmax", 7850, version=3)]
    personal_ = [personal(idx_images(2, 28, 28), idx_labels([3, 4])), personal(b"", b""),
                 personal(idx_images(1, 32, 32), idx_labels([5])), personal(idx_images(2, 28, 28), idx_labels([3]))]
    one = [(10, 10, 1), (12, 40, 1), (14, 70, 1.2)]
    seven = [(0, 0, 1), (50, 0, 1), (25, 80, 1)]
    pre = [strokes(12, [one]), strokes(12, [seven, [(10, 40, 1), (40, 40, 1)]]), strokes(12, [[(5, 5, 1)]]),
           strokes(12, [[(0, 0, float("nan")), (1e30, 5, 1), (float("inf"), 0, 1), (3, 3, 100)]]),
           strokes(0, [[(0, 0, 1e-30), (1e-30, 0, 1e-30)]]),
           image(4, 4, [0, 1, 0, 0] * 4, 1), image(28, 28, [v / 255 for v in digit], 2),
           image(3, 2, [float("nan"), float("inf"), -1, 2, 0.5, 0], 0)]
    classes = ["\n".join(str(i) for i in range(10)).encode(),
               "# Fashion\nT-shirt/top\nTrouser\nPullover\nDress\nCoat\nSandal\nShirt\nSneaker\nBag\nAnkle boot\n".encode(),
               b"a\n\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n", b"\xff\xfe\n" * 10, b"", b" \t \n" * 12]
    # Edit lists (see the targets): a few byte flips of a valid checkpoint's fixed fields and record; store
    # edits of every kind (update with each storage class, delete, pragma) on each of the first tables.
    checkpoint = [b"", bytes([1, 0, 0xff, 3, 0, 0x80, 5, 1, 1]), bytes([0, 0, 1, 64, 0, 7]), bytes(range(0, 90, 1))]
    store = [b""] + [bytes([op, t, 0, 1, kind, 5]) + b"12345678" for op in (0, 6, 7) for t in range(8) for kind in (0, 1, 4, 5)]
    return {"fuzz-checkpoint": checkpoint, "fuzz-run-store": store, "fuzz-classes": classes, "fuzz-arch": [a.encode() for a in arch], "fuzz-idx": idx, "fuzz-idx-gz": idx_gz, "fuzz-csv": csv,
            "fuzz-model": models, "fuzz-personal": personal_, "fuzz-preprocess": pre}


def main():
    # An option (-h, --help) is not a folder to fill.
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    for target, items in seeds().items():
        folder = os.path.join(sys.argv[1], target)
        os.makedirs(folder, exist_ok=True)
        for i, data in enumerate(items):
            with open(os.path.join(folder, "seed-%02d" % i), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
