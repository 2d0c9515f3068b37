#!/usr/bin/env python3
"""reference_stats.py: PyTorch reference values of the training diagnostics, for tests/test_stats.c.

Reads a fixture of tests/reference.py (its inputs: config, lr, the C core's initial
parameters, batch X0/Y0), rebuilds the model from the lecture's own classes
(reference.py's copies of makemore part 5's Embedding, FlattenConsecutive, Linear,
BatchNorm1d, Tanh, Sequential), runs one training step on batch 0 exactly as the
lecture's loop (forward, layer.out.retain_grad(), loss.backward(), p.data += -lr *
p.grad) and computes makemore part 3's statistics:

  per layer i, t = layer.out (and then t = layer.out.grad):
    t.mean(), t.std() (torch's unbiased std), for Tanh (t.abs() > 0.97).float().mean(),
    torch.histogram(t, bins=100) (counts over [t.min(), t.max()]);
  per parameter p, right after the update (as part 3's `ud`):
    p.mean(), p.std(), p.grad.mean(), p.grad.std(), p.grad.std() / p.std(),
    ((lr * p.grad).std() / p.data.std()).log10().

Writes tests/fixtures/stats-<name>.bin (reference.py's record format, magic MMFX):
the inputs it used (config.*, lr, init.*, X0, Y0) and
  stats.loss (1,)
  stats.layer.<i>.kind (1,) int32: the layer's class (0 Embedding, 1 FlattenConsecutive,
      2 Linear, 3 BatchNorm1d, 4 Tanh: the core's enum order)
  stats.layer.<i>.shape (ndim,) int32
  stats.layer.<i>.out, .grad (5,) float32: mean, std, saturated (NaN: not Tanh), min, max
  stats.layer.<i>.out_hist, .grad_hist (100,) int32
  stats.param.<name> (6,) float32: dataMean, dataStd, gradMean, gradStd, gradToData, updateToData
The statistics are computed in float64 from float32 tensors (as the core sums in
double); the same step is repeated with every tensor in float64 and the largest
relative float32-vs-float64 differences are printed: they justify test_stats.c's tolerances.

Usage (torch: Debian's python3-torch):
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/reference_stats.py -o tests/fixtures tests/fixtures/wavenet22k.bin tests/fixtures/mlp3.bin
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as R  # noqa: E402

KINDS = {R.Embedding: 0, R.FlattenConsecutive: 1, R.Linear: 2, R.BatchNorm1d: 3, R.BatchNorm1dBug: 3, R.Tanh: 4}
BINS = 100


def load(cfg, recs, dtype):
    """The lecture's model with the fixture's initial tensors, in dtype."""
    torch.set_default_dtype(dtype)
    model = R.build_model(cfg)
    for name, layer, attr, is_buf in R.named_tensors(model):
        arr = recs["init." + name]
        if is_buf:
            R.load_buffer(layer, attr, arr, dtype)
        else:
            setattr(layer, attr, torch.tensor(arr, dtype=dtype))
    for p in model.parameters():
        p.requires_grad = True
    return model


def values(t):
    """[mean, std, saturated (NaN), min, max] in float64, and torch.histogram's counts (float32 as the tensor)."""
    t = t.detach()
    d = t.double()
    hist = torch.histogram(t.float().cpu(), bins=BINS).hist.to(torch.int64).numpy().astype(np.int32)
    return [d.mean().item(), d.std().item(), math.nan, d.min().item(), d.max().item()], hist


def step_stats(cfg, recs, dtype):
    model = load(cfg, recs, dtype)
    X = torch.tensor(recs["X0"], dtype=torch.long)
    Y = torch.tensor(recs["Y0"], dtype=torch.long)
    lr = float(recs["lr"][0])
    # the lecture's loop body (part 3), with layer.out.retain_grad() before backward
    logits = model(X)
    loss = F.cross_entropy(logits, Y)
    for layer in model.layers:
        layer.out.retain_grad()
    parameters = model.parameters()
    for p in parameters:
        p.grad = None
    loss.backward()
    out = {"stats.loss": np.array([loss.item()], dtype=np.float32)}
    for i, layer in enumerate(model.layers):
        t = layer.out
        v, h = values(t)
        if isinstance(layer, R.Tanh):
            v[2] = (t.abs() > 0.97).double().mean().item()
        g, gh = values(t.grad)
        out[f"stats.layer.{i}.kind"] = np.array([KINDS[type(layer)]], dtype=np.int32)
        out[f"stats.layer.{i}.shape"] = np.array(tuple(t.shape), dtype=np.int32)
        out[f"stats.layer.{i}.out"] = np.array(v, dtype=np.float32)
        out[f"stats.layer.{i}.out_hist"] = h
        out[f"stats.layer.{i}.grad"] = np.array(g, dtype=np.float32)
        out[f"stats.layer.{i}.grad_hist"] = gh
    with torch.no_grad():
        for p in parameters:
            p.data += -lr * p.grad
    for name, layer, attr, is_buf in R.named_tensors(model):
        if is_buf:
            continue
        p = getattr(layer, attr)
        d, g = p.detach().double(), p.grad.double()
        ud = ((lr * p.grad).double().std() / p.data.double().std()).log10().item()
        row = [d.mean().item(), d.std().item(), g.mean().item(), g.std().item(), (g.std() / d.std()).item(), ud]
        out[f"stats.param.{name}"] = np.array(row, dtype=np.float32)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--out-dir", default="tests/fixtures")
    ap.add_argument("fixtures", nargs="+")
    args = ap.parse_args()
    for path in args.fixtures:
        recs = R.read_records(path, b"MMFX")
        cfg = {k[len(R.CONFIG_PREFIX):]: int(v[0]) for k, v in recs.items() if k.startswith(R.CONFIG_PREFIX)}
        if cfg.get("form", 0) != 0:
            raise SystemExit(f"{path}: the lecture's classes build the examples form only")
        keep = {k: v for k, v in recs.items() if k.startswith(R.CONFIG_PREFIX) or k.startswith("init.") or k in ("lr", "X0", "Y0")}
        ref = step_stats(cfg, recs, torch.float32)
        f64 = step_stats(cfg, recs, torch.float64)
        worst = {}
        for k, v in ref.items():
            if v.dtype != np.float32 or "hist" in k:
                continue
            w = f64[k].astype(np.float64)
            ok = np.isfinite(w)
            scale = np.abs(w[ok]) + 1e-30
            # means are compared relative to the std beside them (a mean near 0 has no relative precision)
            if k.endswith(".out") or k.endswith(".grad"):
                scale = np.array([abs(w[1]), abs(w[1]), 1.0, abs(w[1]), abs(w[1])])[ok]
            elif k.startswith("stats.param."):
                scale = np.array([w[1], w[1], w[3], w[3], w[4], 1.0])[ok]
            rel = np.abs(v.astype(np.float64)[ok] - w[ok]) / scale
            worst[k] = float(rel.max()) if rel.size else 0.0
            if k == "stats.loss":
                continue
        top = sorted(worst.items(), key=lambda kv: -kv[1])[:5]
        hist_moves = sum(int(np.abs(ref[k].astype(np.int64) - f64[k].astype(np.int64)).sum()) for k in ref if "hist" in k)
        name = os.path.splitext(os.path.basename(path))[0]
        print(f"{name}: float32 vs float64, worst (relative to the std): " + ", ".join(f"{k} {r:.2e}" for k, r in top)
              + f"; histogram counts moved: {hist_moves}")
        outp = os.path.join(args.out_dir, f"stats-{name}.bin")
        R.write_records(outp, b"MMFX", {**keep, **ref})
        print(f"wrote {outp}")


if __name__ == "__main__":
    main()
