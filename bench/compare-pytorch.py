#!/usr/bin/python3
"""compare-pytorch.py — Digit Lab's training speed against PyTorch's best on this machine.

Trains the same models (the mlp, seed and cnn presets: same layers, loss, optimiser, batch size) on the
same real MNIST training images, held in memory, for one epoch (every full batch of the 60,000 images),
in Digit Lab (`digitlab-cli bench --preset NAME --json`) and in PyTorch (Debian's python3-torch; run it
with /usr/bin/python3). PyTorch gets to try its thread and kernel configurations first — 1 or 2 threads,
OpenBLAS's own kernel or a forced one, BLIS instead of OpenBLAS, oneDNN convolutions on or off — each
in a fresh process, since BLAS libraries read their environment when they load, for --search-batches
batches (or 8 s, whichever comes first); its fastest is kept.
Then Digit Lab (at its defaults: whatever dl_blas_init chooses) and PyTorch's best run alternately,
--runs times each, and the table reports medians, with Digit Lab's GFLOP/s against the measured sgemm
peak (bench/sgemm-peak).

    /usr/bin/python3 bench/compare-pytorch.py [--build build] [--runs 5] [--presets mlp,seed,cnn]
    /usr/bin/python3 bench/compare-pytorch.py --no-digitlab     # PyTorch side only

Speed targets at Digit Lab's defaults: at least 2× PyTorch's best for mlp and seed, 1.5× for cnn.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BLIS_DIR = "/usr/lib/x86_64-linux-gnu/blis-openmp"  # Debian's BLIS: a libblas.so.3 to put first
TRAIN_SAMPLES = 60000

# The presets, as src/core/dl-arch.c defines them (speed only needs the shapes and the optimiser).
PRESETS = {
    "mlp": dict(batch=64, lr=0.05, momentum=0.9, weight_decay=0.0, loss="softmax"),
    "seed": dict(batch=100, lr=0.1, momentum=0.0, weight_decay=0.0, loss="mse"),
    "cnn": dict(batch=64, lr=0.05, momentum=0.9, weight_decay=5e-4, loss="softmax"),
}
TARGETS = {"mlp": 2.0, "seed": 2.0, "cnn": 1.5}
# Multiply-adds per sample of each weight layer, in order (conv: outputs × C·k·k).
LAYER_MACS = {
    "mlp": [784 * 256, 256 * 128, 128 * 10],
    "seed": [784 * 30, 30 * 10],
    "cnn": [6 * 28 * 28 * 25, 16 * 10 * 10 * 150, 400 * 120, 120 * 84, 84 * 10],
}


def train_flops(preset):
    """FLOPs one training sample costs: forward, weight gradient, and the input gradient of every
    weight layer but the first (nobody computes a gradient for the image); 2 per multiply-add."""
    macs = LAYER_MACS[preset]
    return 2.0 * (2 * sum(macs) + sum(macs[1:]))


def data_dir():
    """Where the MNIST IDX files are: $DIGITLAB_DATA, else the cache fetch-mnist.sh fills."""
    if os.environ.get("DIGITLAB_DATA"):
        return os.environ["DIGITLAB_DATA"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(cache, "digitlab", "mnist")


def read_idx(path, magic, header_ints):
    """An IDX file's payload as bytes, after checking its magic number; clear errors for bad files."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 * (1 + header_ints):
        sys.exit(f"{path}: {len(raw)} bytes, too short for an IDX header")
    got = int.from_bytes(raw[0:4], "big")
    if got != magic:
        sys.exit(f"{path}: byte 0: magic number {got:#010x}, expected {magic:#010x}")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(header_ints)]
    payload = raw[4 * (1 + header_ints):]
    size = 1
    for d in dims:
        size *= d
    if len(payload) != size:
        sys.exit(f"{path}: {len(payload)} bytes of data after the header, expected {size} for {dims}")
    return dims, payload


def load_mnist_train():
    import numpy as np
    d = data_dir()
    dims, images = read_idx(os.path.join(d, "train-images-idx3-ubyte"), 0x00000803, 3)
    ldims, labels = read_idx(os.path.join(d, "train-labels-idx1-ubyte"), 0x00000801, 1)
    if ldims[0] != dims[0]:
        sys.exit(f"{d}: {dims[0]} training images but {ldims[0]} labels")
    x = np.frombuffer(images, dtype=np.uint8).reshape(dims[0], 1, dims[1], dims[2]).astype(np.float32) / 255.0
    y = np.frombuffer(labels, dtype=np.uint8).astype(np.int64)
    return x, y


# ---- the PyTorch side: one configuration, one epoch, in its own process ----

def torch_model(torch, name):
    nn = torch.nn
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    if name == "seed":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 30), nn.Tanh(), nn.Linear(30, 10), nn.Tanh())
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    raise ValueError(name)


def torch_worker(args):
    import torch
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = not args.no_mkldnn
    p = PRESETS[args.preset]
    x_np, y_np = load_mnist_train()
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    model = torch_model(torch, args.preset)
    opt = torch.optim.SGD(model.parameters(), lr=p["lr"], momentum=p["momentum"], weight_decay=p["weight_decay"])
    if p["loss"] == "mse":
        # One-hot targets at −1/+1 for the tanh output, as Digit Lab's MSE nets use.
        target = torch.full((len(y), 10), -1.0)
        target[torch.arange(len(y)), y] = 1.0
        loss_fn, y_used = torch.nn.MSELoss(), target
    else:
        loss_fn, y_used = torch.nn.CrossEntropyLoss(), y
    B = p["batch"]
    n_batches = min(args.batches, len(x) // B) if args.batches else len(x) // B

    def step(b):
        xb, yb = x[b * B:(b + 1) * B], y_used[b * B:(b + 1) * B]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    # Warm-up as digitlab-cli bench does it: 10 batches and at least half a second.
    t0, b = time.perf_counter(), 0
    while b < 10 or time.perf_counter() - t0 < 0.5:
        step(b % n_batches)
        b += 1
    t0 = time.perf_counter()
    done = 0
    for b in range(n_batches):
        step(b)
        done += 1
        # While searching, a configuration that is clearly slow need not finish its batches.
        if args.max_seconds and time.perf_counter() - t0 > args.max_seconds:
            break
    seconds = time.perf_counter() - t0
    n_batches = done

    model.eval()
    lat = []
    with torch.no_grad():
        for i in range(201):
            t = time.perf_counter()
            model(x[i:i + 1])
            lat.append((time.perf_counter() - t) * 1e6)
    print(json.dumps({"samples_per_second": n_batches * B / seconds, "inference_us": statistics.median(lat),
                      "batches": n_batches, "torch": torch.__version__}))


def torch_configs(preset, quick):
    """(label, environment changes, threads, oneDNN off) for every configuration worth trying."""
    configs = []
    blas = [("OpenBLAS own kernel", {}), ("OpenBLAS Haswell kernel", {"OPENBLAS_CORETYPE": "Haswell"})]
    if os.path.exists(os.path.join(BLIS_DIR, "libblas.so.3")):
        blas.append(("BLIS", {"LD_LIBRARY_PATH": BLIS_DIR}))
    for threads in (1, 2):
        for label, env in blas:
            env = dict(env, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                       BLIS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
            configs.append((f"{threads} thread{'s' if threads > 1 else ''}, {label}", env, threads, False))
            if preset == "cnn":
                configs.append((f"{threads} thread{'s' if threads > 1 else ''}, {label}, no oneDNN",
                                env, threads, True))
    return configs[:2] if quick else configs


def run_torch(preset, config, batches, max_seconds=0.0):
    label, env, threads, no_mkldnn = config
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", preset, "--threads", str(threads),
           "--max-seconds", str(max_seconds)]
    if no_mkldnn:
        cmd.append("--no-mkldnn")
    if batches:
        cmd += ["--batches", str(batches)]
    out = subprocess.run(cmd, env=dict(os.environ, **env), capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"PyTorch ({label}) failed:\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the Digit Lab side ----

def run_digitlab(build, preset, batches, threads=0):
    cli = os.path.join(build, "src", "cli", "digitlab-cli")
    n = batches or TRAIN_SAMPLES // PRESETS[preset]["batch"]
    cmd = [cli, "bench", "--preset", preset, "--json", "--batches", str(n)]
    if threads:
        cmd += ["--threads", str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{cli} bench --preset {preset} failed ({out.returncode}):\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def sgemm_peak(build):
    exe = os.path.join(build, "bench", "sgemm-peak")
    if not os.path.exists(exe):
        return None
    out = subprocess.run([exe, "--json", "--runs", "5"], capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="Digit Lab build directory")
    ap.add_argument("--runs", type=int, default=5, help="alternating runs of each side; medians reported")
    ap.add_argument("--presets", default="mlp,seed,cnn")
    ap.add_argument("--batches", type=int, default=0, help="batches per run (default: one epoch)")
    ap.add_argument("--search-batches", type=int, default=200,
                    help="batches per PyTorch configuration tried (default 200; 0: one epoch)")
    ap.add_argument("--quick", action="store_true", help="try only two PyTorch configurations")
    ap.add_argument("--no-digitlab", action="store_true", help="measure the PyTorch side only")
    ap.add_argument("--digitlab-threads", type=int, default=0,
                    help="run Digit Lab with --threads N instead of its default")
    ap.add_argument("--json", metavar="FILE", help="also write every measurement to FILE")
    ap.add_argument("--torch-worker", metavar="PRESET", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--no-mkldnn", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--max-seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        args.preset = args.torch_worker
        torch_worker(args)
        return

    build = os.path.abspath(args.build)
    presets = [p for p in args.presets.split(",") if p]
    for p in presets:
        if p not in PRESETS:
            sys.exit(f"--presets: unknown preset '{p}' (known: {', '.join(PRESETS)})")
    peak = None if args.no_digitlab else sgemm_peak(build)
    if peak:
        print(f"sgemm peak ({peak['blas']}): {peak['peak_gflops_1_thread']:.1f} GFLOP/s at 1 thread, "
              f"{peak['peak_gflops_2_threads']:.1f} at 2 threads", flush=True)
    record = {"peak": peak, "presets": {}}
    rows = []
    for preset in presets:
        # PyTorch's configurations, one epoch each, best kept.
        tried = []
        for config in torch_configs(preset, args.quick):
            r = run_torch(preset, config, args.search_batches or args.batches, max_seconds=8.0)
            tried.append((r["samples_per_second"], config, r))
            print(f"  {preset}: PyTorch {config[0]}: {r['samples_per_second']:.0f} samples/s", flush=True)
        best_config = max(tried, key=lambda t: t[0])[1]

        dl_runs, pt_runs = [], []
        for i in range(args.runs):
            if not args.no_digitlab:
                dl_runs.append(run_digitlab(build, preset, args.batches, args.digitlab_threads))
            pt_runs.append(run_torch(preset, best_config, args.batches))
            print(f"  {preset} run {i + 1}/{args.runs}: "
                  + (f"Digit Lab {dl_runs[-1]['samples_per_second']:.0f}, " if dl_runs else "")
                  + f"PyTorch {pt_runs[-1]['samples_per_second']:.0f} samples/s", flush=True)
        pt = statistics.median(r["samples_per_second"] for r in pt_runs)
        row = {"model": preset, "pytorch": pt, "pytorch_config": best_config[0],
               "pytorch_gflops": pt * train_flops(preset) / 1e9,
               "pytorch_inference_us": statistics.median(r["inference_us"] for r in pt_runs),
               "pytorch_tried": {t[1][0]: t[0] for t in tried}, "pytorch_runs": [r["samples_per_second"] for r in pt_runs]}
        if dl_runs:
            row.update(digitlab=statistics.median(r["samples_per_second"] for r in dl_runs),
                       gflops=statistics.median(r["samples_per_second"] for r in dl_runs) * train_flops(preset) / 1e9,
                       digitlab_inference_us=statistics.median(r["inference_us"] for r in dl_runs),
                       digitlab_blas=dl_runs[-1].get("blas", ""),
                       digitlab_threads=dl_runs[-1].get("threads", 1),
                       digitlab_runs=[r["samples_per_second"] for r in dl_runs],
                       # Each Digit Lab run against the PyTorch run right after it: on a shared machine
                       # load drifts, and a pair sees about the same load.
                       paired_ratio=statistics.median(d["samples_per_second"] / t["samples_per_second"]
                                                      for d, t in zip(dl_runs, pt_runs)),
                       best_ratio=max(r["samples_per_second"] for r in dl_runs)
                       / max(r["samples_per_second"] for r in pt_runs))
        rows.append(row)
        record["presets"][preset] = row

    print()
    nan = float("nan")
    print(f"{'model':6} {'Digit Lab samples/s':>20} {'PyTorch best samples/s':>23}  {'ratio':>6} {'paired':>7} "
          f"{'best':>6} {'target':>6}  {'GFLOP/s':>8} {'% of peak':>9} {'PyTorch GFLOP/s':>16}  PyTorch config")
    for r in rows:
        dl = r.get("digitlab")
        ratio = dl / r["pytorch"] if dl else nan
        # Against the sgemm peak at the thread count Digit Lab ran with.
        key = "peak_gflops_2_threads" if r.get("digitlab_threads", 1) >= 2 else "peak_gflops_1_thread"
        pct = (100 * r["gflops"] / peak[key]) if dl and peak else nan
        print(f"{r['model']:6} {dl or nan:20.0f} {r['pytorch']:23.0f}  {ratio:5.2f}× {r.get('paired_ratio', nan):6.2f}× "
              f"{r.get('best_ratio', nan):5.2f}× {TARGETS[r['model']]:5.1f}×  {r.get('gflops', nan):8.2f} {pct:8.0f}% "
              f"{r['pytorch_gflops']:16.2f}  {r['pytorch_config']}")
    print("\nratio: of the medians; paired: median of each Digit Lab run over the PyTorch run after it; "
          "best: fastest run over fastest run.")
    if peak:
        print(f"GFLOP/s: useful training FLOPs per sample × samples/s (forward, weight gradients, input "
              f"gradients but the first layer's). % of peak: Digit Lab's against the sgemm peak at the threads it "
              f"used ({peak['peak_gflops_1_thread']:.1f} GFLOP/s at 1, {peak['peak_gflops_2_threads']:.1f} at 2; "
              f"{peak['blas']}).")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)


if __name__ == "__main__":
    main()
