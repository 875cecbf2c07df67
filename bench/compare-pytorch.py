#!/usr/bin/python3
"""compare-pytorch.py — Digit Lab's training speed and time to accuracy against PyTorch's best here.

Speed (the default): trains the same models (the presets' layers, loss, optimiser and batch size, read from
`digitlab-cli presets --json`) on the same real MNIST training images, held in memory, for one epoch (every
full batch of the 60,000 images), in Digit Lab (`digitlab-cli bench --preset NAME --json`) and in PyTorch
(Debian's python3-torch; run it with /usr/bin/python3). PyTorch gets to try its thread and kernel
configurations first — 1 or 2 threads, OpenBLAS's own kernel or a forced one, BLIS instead of OpenBLAS,
oneDNN convolutions on or off — each in a fresh process, since BLAS libraries read their environment when
they load, for --search-batches batches (or 8 s, whichever comes first); its fastest is kept.
Then Digit Lab (at its defaults: tuned for this CPU by dl-tune) and PyTorch's best run alternately,
--runs times each, and the table reports medians and the median of the paired ratios, with Digit Lab's
GFLOP/s against the measured sgemm peak (bench/sgemm-peak: the best of every BLAS kernel this CPU runs).

Time to accuracy (--to-accuracy): each side trains the preset's whole recipe from scratch — its learning-
rate schedule per batch, its augmentation (the same affine and elastic distortions, in PyTorch with
affine_grid/grid_sample), weight decay on weights only, shuffled epochs — evaluating the whole test set
after every quarter epoch until the accuracy reaches the target (mlp 98 %, cnn 99 %); PyTorch in the configuration
its speed search found best. Reported: epochs and seconds of training (evaluations not counted), medians
of alternating runs.

    /usr/bin/python3 bench/compare-pytorch.py [--build build] [--runs 5] [--presets mlp,seed,cnn]
    /usr/bin/python3 bench/compare-pytorch.py --to-accuracy [--presets mlp,cnn] [--runs 3]
    /usr/bin/python3 bench/compare-pytorch.py --no-digitlab     # PyTorch side only

Speed targets at Digit Lab's defaults: at least 1.5× PyTorch's best on every preset.
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

SPEED_TARGET = 1.5
ACCURACY_TARGETS = {"mlp": 0.98, "cnn": 0.99, "cnn-large": 0.996, "seed": 0.90}
ACCURACY_TIME_TARGETS = {"mlp": 3.0, "cnn": 20.0, "cnn-large": 600.0}


def recipes(build):
    """The presets' recipes as Digit Lab defines them (src/core/dl-arch.c), by name."""
    cli = os.path.join(build, "src", "cli", "digitlab-cli")
    out = subprocess.run([cli, "presets", "--json"], capture_output=True, text=True, check=True)
    return {r["name"]: r for r in json.loads(out.stdout)}


def parse_arch(arch):
    """Digit Lab's --arch syntax → [(kind, value, act)], the loss last: ("std", None, None), ("fc", units, act),
    ("conv", (filters, kernel, pad), act), ("pool", None, None), ("dropout", p, None), ("loss", name, None)."""
    layers = []
    for item in arch.split(","):
        name, _, act = item.strip().partition("-")
        if name == "std":
            layers.append(("std", None, None))
        elif name.startswith("fc"):
            layers.append(("fc", int(name[2:]), act or None))
        elif name.startswith("conv"):
            spec = name[4:]
            filters, _, rest = spec.partition("x")
            kernel, _, pad = rest.partition("p")
            layers.append(("conv", (int(filters), int(kernel), int(pad or 0)), act or None))
        elif name == "pool2":
            layers.append(("pool", None, None))
        elif name.startswith("dropout"):
            layers.append(("dropout", float(name[7:]), None))
        elif name in ("softmax", "mse"):
            layers.append(("loss", name, None))
        else:
            raise ValueError(f"unknown layer '{item}' in {arch}")
    return layers


def layer_macs(arch):
    """Multiply-adds per sample of each weight layer, in order (conv: outputs × C·k·k)."""
    c, h, w, macs = 1, 28, 28, []
    for kind, v, _ in parse_arch(arch):
        if kind == "fc":
            macs.append(c * h * w * v)
            c, h, w = v, 1, 1
        elif kind == "conv":
            k, ks, pad = v
            h, w = h + 2 * pad - ks + 1, w + 2 * pad - ks + 1
            macs.append(k * h * w * c * ks * ks)
            c = k
        elif kind == "pool":
            h, w = h // 2, w // 2
    return macs


def train_flops(arch):
    """FLOPs one training sample costs: forward, weight gradient, and the input gradient of every
    weight layer but the first (nobody computes a gradient for the image, or for std's output); 2 per
    multiply-add (std's few per pixel left out, as dl_net_train_flops does)."""
    macs = layer_macs(arch)
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


def load_mnist(part="train"):
    import numpy as np
    d = data_dir()
    prefix = "train" if part == "train" else "t10k"
    dims, images = read_idx(os.path.join(d, f"{prefix}-images-idx3-ubyte"), 0x00000803, 3)
    ldims, labels = read_idx(os.path.join(d, f"{prefix}-labels-idx1-ubyte"), 0x00000801, 1)
    if ldims[0] != dims[0]:
        sys.exit(f"{d}: {dims[0]} training images but {ldims[0]} labels")
    x = np.frombuffer(images, dtype=np.uint8).reshape(dims[0], 1, dims[1], dims[2]).astype(np.float32) / 255.0
    y = np.frombuffer(labels, dtype=np.uint8).astype(np.int64)
    return x, y


# ---- the PyTorch side: one configuration, one epoch, in its own process ----

def torch_model(torch, arch):
    """The network of an --arch spec, initialised as Digit Lab does (He for ReLU layers, Xavier otherwise)."""
    nn = torch.nn
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}

    class Std(nn.Module):
        """Digit Lab's std layer: (x − 0.1307) / 0.3081 (DL_STD_MEAN, DL_STD_DEV in dl-arch.h), no parameters."""

        def forward(self, x):
            return (x - 0.1307) * (1.0 / 0.3081)

    mods, c, flat = [], 1, False
    h = w = 28
    for kind, v, act in parse_arch(arch):
        if kind == "std":
            mods.append(Std())
        elif kind == "fc":
            if not flat:
                mods.append(nn.Flatten())
                flat, c = True, c * h * w
            lin = nn.Linear(c, v)
            mods.append(lin)
            c = v
        elif kind == "conv":
            k, ks, pad = v
            lin = nn.Conv2d(c, k, ks, padding=pad)
            mods.append(lin)
            c, h, w = k, h + 2 * pad - ks + 1, w + 2 * pad - ks + 1
        elif kind == "pool":
            mods.append(nn.MaxPool2d(2))
            h, w = h // 2, w // 2
        elif kind == "dropout":
            mods.append(nn.Dropout(v))
        if kind in ("fc", "conv"):
            if act == "relu":
                nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
            else:
                nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)
            if act:
                mods.append(acts[act]())
    return nn.Sequential(*mods)


def torch_loss(torch, recipe, y):
    """The loss function and the targets it takes: softmax cross-entropy on the labels, or MSE summed over
    the 10 outputs against one-hot targets (−1/+1 after tanh), mean over the batch, as Digit Lab's."""
    if parse_arch(recipe["arch"])[-1][1] == "mse":
        low = -1.0 if parse_arch(recipe["arch"])[-2][2] == "tanh" else 0.0
        target = torch.full((len(y), 10), low)
        target[torch.arange(len(y)), y] = 1.0
        return (lambda out, t: ((out - t) ** 2).sum(1).mean()), target
    return torch.nn.CrossEntropyLoss(), y


def torch_optimizer(torch, recipe, model):
    """The recipe's optimiser, weight decay on weights only (Digit Lab leaves biases undecayed)."""
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    groups = [{"params": weights, "weight_decay": recipe["weight_decay"]}, {"params": biases, "weight_decay": 0.0}]
    opt = recipe["optimizer"]
    if opt == "adam":
        return torch.optim.Adam(groups, lr=recipe["lr"], betas=(recipe["beta1"], recipe["beta2"]), eps=recipe["eps"])
    return torch.optim.SGD(groups, lr=recipe["lr"], momentum=0.0 if opt == "sgd" else recipe["momentum"],
                           nesterov=opt == "nesterov")


def torch_worker(args):
    import torch
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = not args.no_mkldnn
    p = json.loads(args.recipe)
    x_np, y_np = load_mnist("train")
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    model = torch_model(torch, p["arch"])
    # The speed runs take the recipe's optimiser at its base rate, no schedule, no augmentation.
    opt = torch_optimizer(torch, p, model)
    loss_fn, y_used = torch_loss(torch, p, y)
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


# ---- the PyTorch side of time to accuracy: the whole recipe ----

def torch_augment(torch, recipe, xb, gen):
    """Digit Lab's augmentation of a batch (dl-augment.c) in PyTorch: each output pixel samples the source
    bilinearly (zeros outside) at the inverse affine image of itself moved by an elastic displacement.
    Affine: shift ±2 px, rotation ±10°, scale 1 ± 0.1, uniform; elastic: a uniform [−1, 1] field per
    pixel and axis, smoothed by a Gaussian of σ = 4 px (3σ radius, zero outside) and scaled by α = 34."""
    import math
    F = torch.nn.functional
    n, _, h, w = xb.shape
    c = (w - 1) / 2.0  # the centre, and the scale of align_corners=True's normalised coordinates
    base = F.affine_grid(torch.eye(2, 3).unsqueeze(0).expand(n, 2, 3), xb.shape, align_corners=True)
    q = base
    if recipe["augment_elastic"]:
        sigma, alpha = 4.0, 34.0
        r = math.ceil(3 * sigma)
        k = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float32) ** 2 / (2 * sigma * sigma))
        k = k / k.sum()
        field = torch.rand((n * 2, 1, h, w), generator=gen) * 2 - 1
        field = F.conv2d(field, k.view(1, 1, 1, -1), padding=(0, r))
        field = F.conv2d(field, k.view(1, 1, -1, 1), padding=(r, 0)) * alpha
        q = q + field.view(n, 2, h, w).permute(0, 2, 3, 1) / c
    if recipe["augment_affine"]:
        u = torch.rand((n, 4), generator=gen) * 2 - 1
        dx, dy, angle, scale = u[:, 0] * 2.0, u[:, 1] * 2.0, u[:, 2] * 10.0 * math.pi / 180, 1 + u[:, 3] * 0.1
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        m = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1)  # n × 2 × 2
        d = torch.stack([dx, dy], 1) / c
        q = torch.einsum("nij,nhwj->nhwi", m, q - d.view(n, 1, 1, 2))
    return F.grid_sample(xb, q, mode="bilinear", padding_mode="zeros", align_corners=True)


def torch_schedule_lr(recipe, progress):
    """The learning rate after `progress` epochs (fractional), as dl_schedule_lr computes it."""
    import math
    base, epochs = recipe["lr"], recipe["epochs"]
    if recipe["schedule"] == "step":
        return base * recipe["schedule_gamma"] ** math.floor(progress / max(recipe["schedule_step"], 1))
    if recipe["schedule"] == "cosine":
        t = min(progress / epochs, 1.0) if epochs > 0 else 1.0
        return base * 0.5 * (1 + math.cos(math.pi * t))
    if recipe["schedule"] == "onecycle":
        warm = recipe.get("schedule_warmup", 0.0)
        if progress < warm:
            return base * (0.04 + 0.96 * progress / warm)
        t = min((progress - warm) / max(epochs - warm, 1e-9), 1.0)
        return base * 0.5 * (1 + math.cos(math.pi * t))
    return base


class TorchAverage:
    """The recipe's weight averaging as dl-net-opt.c does it: every 4th step (the u-th update) the average moves
    1 - min((1 - 1/N)^4, (1 + u)/(10 + u)) of the way to the parameters (and buffers); evaluations use it."""

    EVERY = 4

    def __init__(self, torch, model, steps):
        self.torch, self.model, self.steps, self.t = torch, model, steps, 0
        self.tensors = list(model.parameters()) + [b for b in model.buffers() if b.is_floating_point()]
        self.avg = [p.detach().clone() for p in self.tensors] if steps > 0 else None

    def step(self):
        if self.avg is None:
            return
        self.t += 1
        if self.t % self.EVERY:
            return
        u = self.t // self.EVERY
        rate = 1 - min((1 - 1 / max(self.steps, 1)) ** self.EVERY, (1 + u) / (10 + u))
        with self.torch.no_grad():
            for a, p in zip(self.avg, self.tensors):
                a.add_(p.detach() - a, alpha=rate)

    def swapped(self):
        average = self

        class Swap:
            def __enter__(self):
                if average.avg is not None:
                    self.kept = [p.detach().clone() for p in average.tensors]
                    for p, a in zip(average.tensors, average.avg):
                        p.data.copy_(a)

            def __exit__(self, *exc):
                if average.avg is not None:
                    for p, k in zip(average.tensors, self.kept):
                        p.data.copy_(k)
        return Swap()


def torch_accuracy_worker(args):
    """Trains the recipe until the test accuracy reaches args.target; prints one JSON line."""
    import torch
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = not args.no_mkldnn
    recipe = json.loads(args.recipe)
    xtr, ytr = (torch.from_numpy(a) for a in load_mnist("train"))
    xte, yte = (torch.from_numpy(a) for a in load_mnist("test"))
    model = torch_model(torch, recipe["arch"])
    opt = torch_optimizer(torch, recipe, model)
    loss_fn, targets = torch_loss(torch, recipe, ytr)
    gen = torch.Generator().manual_seed(args.seed)
    augment = recipe["augment_affine"] or recipe["augment_elastic"]
    n, B = len(xtr), recipe["batch"]
    train_seconds, accuracies, seconds, start = 0.0, [], [], time.perf_counter()
    epochs_done = 0.0
    average = TorchAverage(torch, model, recipe.get("average", 0.0))
    for epoch in range(recipe["epochs"]):
        order = torch.randperm(n, generator=gen)
        # Evaluated after every quarter epoch (whole batches), as digitlab-cli bench --to-accuracy does.
        ends = [n * q // 4 // B * B for q in (1, 2, 3)] + [n]
        pos = 0
        for end in ends:
            t0 = time.perf_counter()
            model.train()
            while pos < end:
                idx = order[pos:pos + B]
                xb = xtr[idx]
                if augment:
                    xb = torch_augment(torch, recipe, xb, gen)
                for group in opt.param_groups:
                    group["lr"] = torch_schedule_lr(recipe, epoch + pos / n)
                opt.zero_grad(set_to_none=True)
                loss_fn(model(xb), targets[idx]).backward()
                opt.step()
                average.step()
                pos += B
            train_seconds += time.perf_counter() - t0
            model.eval()
            with torch.no_grad(), average.swapped():
                correct = sum(int((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum())
                              for i in range(0, len(xte), 1000))
            accuracies.append(correct / len(xte))
            seconds.append(train_seconds)
            epochs_done = epoch + min(pos, n) / n
            if accuracies[-1] >= args.target:
                break
        if accuracies[-1] >= args.target:
            break
    print(json.dumps({"reached": accuracies[-1] >= args.target, "epochs": epochs_done,
                      "test_accuracy": accuracies[-1], "train_seconds": train_seconds,
                      "wall_seconds": time.perf_counter() - start, "accuracies": accuracies, "seconds": seconds}))


def check_peers():
    """PyTorch must be there; BLIS is worth a line when it is not (it was PyTorch's best on most CPUs)."""
    probe = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, text=True)
    if probe.returncode != 0:
        sys.exit(f"{sys.executable} cannot import torch: install Debian's python3-torch "
                 "(sudo apt-get install python3-torch) and run this with /usr/bin/python3")
    if not os.path.exists(os.path.join(BLIS_DIR, "libblas.so.3")):
        print(f"note: BLIS is not installed ({BLIS_DIR}): PyTorch's configurations with it are not tried "
              "(sudo apt-get install libblis4-openmp)", flush=True)


def torch_configs(recipe, quick):
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
            if "conv" in recipe["arch"]:
                configs.append((f"{threads} thread{'s' if threads > 1 else ''}, {label}, no oneDNN",
                                env, threads, True))
    return configs[:2] if quick else configs


def run_torch(recipe, config, batches, max_seconds=0.0, target=None, seed=1):
    label, env, threads, no_mkldnn = config
    cmd = [sys.executable, os.path.abspath(__file__), "--recipe", json.dumps(recipe), "--threads", str(threads),
           "--max-seconds", str(max_seconds), "--seed", str(seed)]
    cmd += ["--torch-accuracy", str(target)] if target else ["--torch-worker"]
    if no_mkldnn:
        cmd.append("--no-mkldnn")
    if batches:
        cmd += ["--batches", str(batches)]
    out = subprocess.run(cmd, env=dict(os.environ, **env), capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"PyTorch ({label}) failed:\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the Digit Lab side ----

def run_digitlab(build, recipe, batches, threads=0, target=None, seed=1):
    cli = os.path.join(build, "src", "cli", "digitlab-cli")
    preset = recipe["name"]
    if target:
        cmd = [cli, "bench", "--preset", preset, "--json", "--to-accuracy", "--target", str(target),
               "--seed", str(seed)]
    else:
        n = batches or TRAIN_SAMPLES // recipe["batch"]
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
    ap.add_argument("--presets", default="", help="comma-separated (default mlp,seed,cnn; mlp,cnn for --to-accuracy)")
    ap.add_argument("--batches", type=int, default=0, help="batches per run (default: one epoch)")
    ap.add_argument("--search-batches", type=int, default=200,
                    help="batches per PyTorch configuration tried (default 200; 0: one epoch)")
    ap.add_argument("--quick", action="store_true", help="try only two PyTorch configurations")
    ap.add_argument("--no-digitlab", action="store_true", help="measure the PyTorch side only")
    ap.add_argument("--digitlab-threads", type=int, default=0,
                    help="run Digit Lab with --threads N instead of its default")
    ap.add_argument("--json", metavar="FILE", help="also write every measurement to FILE")
    ap.add_argument("--to-accuracy", action="store_true",
                    help="time to accuracy instead of speed (presets default to mlp,cnn)")
    ap.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--torch-accuracy", type=float, metavar="TARGET", help=argparse.SUPPRESS)
    ap.add_argument("--recipe", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--no-mkldnn", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--max-seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        torch_worker(args)
        return
    if args.torch_accuracy:
        args.target = args.torch_accuracy
        torch_accuracy_worker(args)
        return

    build = os.path.abspath(args.build)
    known = recipes(build)
    presets = [p for p in (args.presets or ("mlp,cnn" if args.to_accuracy else "mlp,seed,cnn")).split(",") if p]
    for p in presets:
        if p not in known:
            sys.exit(f"--presets: unknown preset '{p}' (known: {', '.join(known)})")
    check_peers()
    record = {"presets": {}}
    if args.to_accuracy:
        accuracy_main(args, build, [known[p] for p in presets], record)
    else:
        speed_main(args, build, [known[p] for p in presets], record)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)


def search_torch(args, recipe):
    """PyTorch's configurations on --search-batches batches (8 s at most each); the fastest."""
    tried = []
    for config in torch_configs(recipe, args.quick):
        r = run_torch(recipe, config, args.search_batches or args.batches, max_seconds=8.0)
        tried.append((r["samples_per_second"], config, r))
        print(f"  {recipe['name']}: PyTorch {config[0]}: {r['samples_per_second']:.0f} samples/s", flush=True)
    return max(tried, key=lambda t: t[0])[1], tried


def speed_main(args, build, presets, record):
    peak = None if args.no_digitlab else sgemm_peak(build)
    if peak:
        print(f"sgemm peak ({peak['blas']}): {peak['peak_gflops_1_thread']:.1f} GFLOP/s at 1 thread, "
              f"{peak['peak_gflops_2_threads']:.1f} at 2 threads", flush=True)
    record["peak"] = peak
    rows = []
    for recipe in presets:
        preset, flops = recipe["name"], train_flops(recipe["arch"])
        best_config, tried = search_torch(args, recipe)
        dl_runs, pt_runs = [], []
        for i in range(args.runs):
            if not args.no_digitlab:
                dl_runs.append(run_digitlab(build, recipe, args.batches, args.digitlab_threads))
            pt_runs.append(run_torch(recipe, best_config, args.batches))
            print(f"  {preset} run {i + 1}/{args.runs}: "
                  + (f"Digit Lab {dl_runs[-1]['samples_per_second']:.0f}, " if dl_runs else "")
                  + f"PyTorch {pt_runs[-1]['samples_per_second']:.0f} samples/s", flush=True)
        pt = statistics.median(r["samples_per_second"] for r in pt_runs)
        row = {"model": preset, "pytorch": pt, "pytorch_config": best_config[0],
               "pytorch_gflops": pt * flops / 1e9,
               "pytorch_inference_us": statistics.median(r["inference_us"] for r in pt_runs),
               "pytorch_tried": {t[1][0]: t[0] for t in tried}, "pytorch_runs": [r["samples_per_second"] for r in pt_runs]}
        if dl_runs:
            row.update(digitlab=statistics.median(r["samples_per_second"] for r in dl_runs),
                       gflops=statistics.median(r["samples_per_second"] for r in dl_runs) * flops / 1e9,
                       digitlab_inference_us=statistics.median(r["inference_us"] for r in dl_runs),
                       digitlab_blas=dl_runs[-1].get("blas", ""),
                       digitlab_config=dl_runs[-1].get("config", ""),
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
    print(f"{'model':9} {'Digit Lab samples/s':>20} {'PyTorch best samples/s':>23}  {'ratio':>6} {'paired':>7} "
          f"{'best':>6} {'target':>6}  {'GFLOP/s':>8} {'% of peak':>9} {'PyTorch GFLOP/s':>16}  PyTorch config; "
          f"Digit Lab config")
    for r in rows:
        dl = r.get("digitlab")
        ratio = dl / r["pytorch"] if dl else nan
        # Against the sgemm peak at the thread count Digit Lab ran with.
        key = "peak_gflops_2_threads" if r.get("digitlab_threads", 1) >= 2 else "peak_gflops_1_thread"
        pct = (100 * r["gflops"] / peak[key]) if dl and peak else nan
        print(f"{r['model']:9} {dl or nan:20.0f} {r['pytorch']:23.0f}  {ratio:5.2f}× {r.get('paired_ratio', nan):6.2f}× "
              f"{r.get('best_ratio', nan):5.2f}× {SPEED_TARGET:5.1f}×  {r.get('gflops', nan):8.2f} {pct:8.0f}% "
              f"{r['pytorch_gflops']:16.2f}  {r['pytorch_config']}; {r.get('digitlab_config', '')}")
    print("\nratio: of the medians; paired: median of each Digit Lab run over the PyTorch run after it; "
          "best: fastest run over fastest run.")
    if peak:
        print(f"GFLOP/s: useful training FLOPs per sample × samples/s (forward, weight gradients, input "
              f"gradients but the first layer's). % of peak: Digit Lab's against the sgemm peak at the threads it "
              f"used ({peak['peak_gflops_1_thread']:.1f} GFLOP/s at 1, {peak['peak_gflops_2_threads']:.1f} at 2; "
              f"{peak['blas']}).")


def accuracy_main(args, build, presets, record):
    rows = []
    for recipe in presets:
        preset = recipe["name"]
        target = ACCURACY_TARGETS.get(preset, 0.98)
        best_config, _ = search_torch(args, recipe)
        dl_runs, pt_runs = [], []
        for i in range(args.runs):
            seed = i + 1
            if not args.no_digitlab:
                dl_runs.append(run_digitlab(build, recipe, 0, args.digitlab_threads, target=target, seed=seed))
            pt_runs.append(run_torch(recipe, best_config, 0, target=target, seed=seed))
            print(f"  {preset} run {i + 1}/{args.runs} (seed {seed}): "
                  + (f"Digit Lab {dl_runs[-1]['epochs']} epochs, {dl_runs[-1]['train_seconds']:.2f} s "
                     f"({100 * dl_runs[-1]['test_accuracy']:.2f} %); " if dl_runs else "")
                  + f"PyTorch {pt_runs[-1]['epochs']} epochs, {pt_runs[-1]['train_seconds']:.2f} s "
                  f"({100 * pt_runs[-1]['test_accuracy']:.2f} %)", flush=True)
        row = {"model": preset, "target": target, "pytorch_config": best_config[0], "pytorch_runs": pt_runs,
               "digitlab_runs": dl_runs}
        rows.append(row)
        record["presets"][preset] = row

    def summary(runs):
        reached = [r for r in runs if r["reached"]]
        if not reached:
            return "not reached", float("nan")
        t = statistics.median(r["train_seconds"] for r in reached)
        e = statistics.median(r["epochs"] for r in reached)
        return f"{t:6.2f} s, {e:g} epochs ({len(reached)}/{len(runs)} reached)", t

    print()
    print(f"{'model':9} {'target':>7}  {'Digit Lab':>36}  {'PyTorch':>36}  {'ratio':>6}  {'goal':>6}  PyTorch config")
    for r in rows:
        dl_text, dl_t = summary(r["digitlab_runs"]) if r["digitlab_runs"] else ("-", float("nan"))
        pt_text, pt_t = summary(r["pytorch_runs"])
        goal = ACCURACY_TIME_TARGETS.get(r["model"])
        print(f"{r['model']:9} {100 * r['target']:6.2f}%  {dl_text:>36}  {pt_text:>36}  {pt_t / dl_t:5.2f}×  "
              f"{(str(goal) + ' s') if goal else '':>6}  {r['pytorch_config']}")
    print("\nSeconds of training (gathering, augmenting, steps; the evaluations after each epoch not counted) until "
          "the whole test set's accuracy reached the target; medians over the runs that reached it (seeds 1, 2, …).")


if __name__ == "__main__":
    main()
