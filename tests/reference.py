#!/usr/bin/env python3
"""reference.py: PyTorch reference values for tests/test_torch.c.

Reads the input files written by mm_dump_inputs (tests/dump_inputs.c: a model
configuration, the C core's initial parameters and four fixed batches), rebuilds
each model from the lecture's own layer classes (makemore part 5, copied below:
NOT torch.nn's), and writes tests/fixtures/<name>.bin with:

  - the inputs (config, lr, initial params/buffers, batches X0..X3, Y0..Y3),
  - ref.logits, ref.loss:       training-mode forward on batch 0,
  - grad.<param>:               gradients of that loss (lecture parameter order),
  - ref.step_losses (3,):       losses of 3 SGD steps (lr) on batches 1..3,
  - final.<param>, final.<buf>: parameters and BatchNorm running stats after them,
  - ref.eval_logits:            eval-mode logits on batch 0 after the steps.

All in float32, as in the lecture. The same run is repeated in float64 and the
float32-vs-float64 differences are printed: they measure how far float32 rounding
alone moves each tensor, which is what justifies test_torch.c's tolerances.

Usage (torch needed; Debian's python3-torch):
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/reference.py -o tests/fixtures build/fixture-inputs/*.in

File format (shared with dump_inputs.c and test_torch.c; little-endian):
  char magic[4] ("MMIN" input, "MMFX" fixture); u32 version (1); u32 n_records;
  n_records x { u32 name_len; char name[name_len];
                u32 dtype (0 float32, 1 int32); u32 ndim; u32 dims[ndim];
                data (prod(dims) values) }
"""
import argparse
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

VERSION = 1
DTYPES = {0: np.float32, 1: np.int32}
# the configuration: one int32 record "config.<name>" per model field of the
# core's schema (src/config.c); an enum holds its value's index
CONFIG_PREFIX = "config."
MM_BN_FIXED, MM_BN_PER_POSITION = 0, 1
N_STEPS = 3

# ---------------------------------------------------------------- file format

def read_records(path, magic):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] != magic:
        raise ValueError(f"{path}: bad magic {buf[:4]!r}, want {magic!r}")
    version, n = struct.unpack_from("<II", buf, 4)
    if version != VERSION:
        raise ValueError(f"{path}: version {version}, want {VERSION}")
    pos, recs = 12, {}
    for _ in range(n):
        (nl,) = struct.unpack_from("<I", buf, pos); pos += 4
        name = buf[pos:pos + nl].decode(); pos += nl
        dtype, ndim = struct.unpack_from("<II", buf, pos); pos += 8
        dims = struct.unpack_from(f"<{ndim}I", buf, pos); pos += 4 * ndim
        count = int(np.prod(dims, dtype=np.int64))
        arr = np.frombuffer(buf, dtype=np.dtype(DTYPES[dtype]).newbyteorder("<"),
                            count=count, offset=pos).reshape(dims)
        pos += 4 * count
        recs[name] = arr.copy()
    if pos != len(buf):
        raise ValueError(f"{path}: {len(buf) - pos} trailing bytes")
    return recs


def write_records(path, magic, recs):
    with open(path, "wb") as f:
        f.write(magic + struct.pack("<II", VERSION, len(recs)))
        for name, arr in recs.items():
            arr = np.asarray(arr)
            code = {np.dtype(np.float32): 0, np.dtype(np.int32): 1}[arr.dtype]
            nb = name.encode()
            f.write(struct.pack("<I", len(nb)) + nb)
            f.write(struct.pack(f"<II{arr.ndim}I", code, arr.ndim, *arr.shape))
            f.write(arr.astype(arr.dtype.newbyteorder("<")).tobytes())

# ---------------------------------------------------------------- the lecture's classes
# Copied from the lecture text; only the constructors' random init is irrelevant
# here, since every parameter is overwritten with the C core's initial values.

class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = torch.randn((fan_in, fan_out)) / fan_in**0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    """The lecture's fixed BatchNorm1d: reduces over (0,) for 2-D, (0, 1) for 3-D input."""
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        # parameters (trained with backprop)
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        # buffers (trained with a running 'momentum update')
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        # calculate the forward pass
        if self.training:
            if x.ndim == 2:
                dim = 0
            elif x.ndim == 3:
                dim = (0, 1)
            xmean = x.mean(dim, keepdim=True)  # batch mean
            xvar = x.var(dim, keepdim=True)  # batch variance
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)  # normalize to unit variance
        self.out = self.gamma * xhat + self.beta
        # update the buffers
        if self.training:
            with torch.no_grad():
                self.running_mean = (
                    1 - self.momentum
                ) * self.running_mean + self.momentum * xmean
                self.running_var = (
                    1 - self.momentum
                ) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class BatchNorm1dBug:
    """The lecture's pre-fix BatchNorm1d: always reduces over dim 0, so a 3-D input
    (B, T, C) gets per-position statistics and running stats of shape (1, T, C)."""
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        # parameters (trained with backprop)
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        # buffers (trained with a running 'momentum update')
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        # calculate the forward pass
        if self.training:
            xmean = x.mean(0, keepdim=True) # batch mean
            xvar = x.var(0, keepdim=True) # batch variance
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps) # normalize to unit variance
        self.out = self.gamma * xhat + self.beta
        # update the buffers
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


class Embedding:
    def __init__(self, num_embeddings, embedding_dim):
        self.weight = torch.randn((num_embeddings, embedding_dim))

    def __call__(self, IX):
        self.out = self.weight[IX]
        return self.out

    def parameters(self):
        return [self.weight]


class FlattenConsecutive:
    def __init__(self, n):
        self.n = n

    def __call__(self, x):
        B, T, C = x.shape
        x = x.view(B, T // self.n, C * self.n)
        if x.shape[1] == 1:
            x = x.squeeze(1)
        self.out = x
        return self.out

    def parameters(self):
        return []


class Add:
    """A residual connection: the previous layer's output plus layer `skip`'s
    (not one of the lecture's classes; the core's Add layer)."""
    def __init__(self, skip):
        self.skip = skip

    def __call__(self, x, outputs):
        self.out = x + outputs[self.skip]
        return self.out

    def parameters(self):
        return []


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        outputs = []
        for layer in self.layers:
            x = layer(x, outputs) if isinstance(layer, Add) else layer(x)
            outputs.append(x)
        self.out = x
        return self.out

    def parameters(self):
        # get parameters of all layers and stretch them out into one list
        return [p for layer in self.layers for p in layer.parameters()]

# ---------------------------------------------------------------- model

def build_model(cfg):
    """The lecture's layer stack for a config (see mm_config in src/makemore.h)."""
    V, T, E, H = cfg["vocab_size"], cfg["block_size"], cfg["n_embd"], cfg["n_hidden"]
    BN = BatchNorm1d if cfg["bn_mode"] == MM_BN_FIXED else BatchNorm1dBug
    layers = [Embedding(V, E)]
    if cfg["n_consec"] == 0:  # flat: one FlattenConsecutive(block_size), then n_flat_layers blocks
        layers.append(FlattenConsecutive(T))
        n_in = E * T
        for b in range(max(cfg["n_flat_layers"], 1)):
            block_in = len(layers) - 1  # the index of the block's input
            layers += [Linear(n_in, H, bias=False), BN(H), Tanh()]
            if cfg.get("residual") and b > 0:  # h + tanh(bn(linear(h)))
                layers.append(Add(block_in))
            n_in = H
    else:  # hierarchical: FlattenConsecutive(k) until the time axis is gone
        k, t, n_in = cfg["n_consec"], T, E
        while t > 1:
            assert t % k == 0, "block_size must be a power of n_consec"
            layers += [FlattenConsecutive(k), Linear(n_in * k, H, bias=False), BN(H), Tanh()]
            t //= k
            n_in = H
    layers.append(Linear(H, V))
    return Sequential(layers)


def named_tensors(model):
    """[(name, layer, attr, is_buffer)]: the parameters in the lecture's
    model.parameters() order, then the BatchNorm buffers; named like the C core's
    tensors (layers.<i>.weight|bias|gamma|beta|running_mean|running_var)."""
    out, bufs = [], []
    for i, layer in enumerate(model.layers):
        if isinstance(layer, (Linear, Embedding)):
            out.append((f"layers.{i}.weight", layer, "weight", False))
            if getattr(layer, "bias", None) is not None:
                out.append((f"layers.{i}.bias", layer, "bias", False))
        elif isinstance(layer, (BatchNorm1d, BatchNorm1dBug)):
            out.append((f"layers.{i}.gamma", layer, "gamma", False))
            out.append((f"layers.{i}.beta", layer, "beta", False))
            bufs.append((f"layers.{i}.running_mean", layer, "running_mean", True))
            bufs.append((f"layers.{i}.running_var", layer, "running_var", True))
    params = model.parameters()
    assert len(out) == len(params) and all(getattr(l, a) is p for (_, l, a, _), p in zip(out, params))
    return out + bufs


def load_buffer(layer, attr, arr, dtype):
    """Initial running stats from the input file. The C core may store the pre-fix
    per-position stats as (T, C); torch's lecture layer starts from (C,) and becomes
    (1, T, C) after the first update. A per-position initial value (T*C numbers) is
    loaded as (1, T, C), which broadcasts exactly like the lecture's (C,) start."""
    C = getattr(layer, attr).shape[-1]
    t = torch.tensor(arr, dtype=dtype).reshape(-1)
    t = t.view(C) if t.numel() == C else t.view(1, -1, C)
    setattr(layer, attr, t)


def run(cfg, recs, dtype):
    """One reference run; returns an ordered dict of output records (numpy float32)."""
    torch.set_default_dtype(dtype)
    model = build_model(cfg)
    tensors = named_tensors(model)
    # the parameters must come in the lecture's order; the buffers may be interleaved
    names_in = [k[len("init."):] for k in recs if k.startswith("init.")]
    bufs_py = {n for n, _, _, b in tensors if b}
    params_in = [n for n in names_in if n not in bufs_py]
    params_py = [n for n, _, _, b in tensors if not b]
    if params_in != params_py or set(names_in) - set(params_in) != bufs_py:
        raise ValueError(f"tensor names differ:\n  input: {names_in}\n  torch: {[t[0] for t in tensors]}")
    for name, layer, attr, is_buf in tensors:
        arr = recs["init." + name]
        if is_buf:
            load_buffer(layer, attr, arr, dtype)
        else:
            ref = getattr(layer, attr)
            if tuple(arr.shape) != tuple(ref.shape):
                raise ValueError(f"{name}: input shape {arr.shape}, torch {tuple(ref.shape)}")
            setattr(layer, attr, torch.tensor(arr, dtype=dtype))
    parameters = model.parameters()
    for p in parameters:
        p.requires_grad = True
    lr = float(recs["lr"][0])
    batch = lambda i: (torch.tensor(recs[f"X{i}"], dtype=torch.long),
                       torch.tensor(recs[f"Y{i}"], dtype=torch.long))
    f32 = lambda t: t.detach().to(torch.float32).numpy().copy()
    out = {}

    # training-mode forward/backward on batch 0, no update. The lecture's BatchNorm
    # updates its running stats on every training forward, so save and restore them:
    # this call must leave the model as it was (like mm_model_forward_backward).
    bn = [l for l in model.layers if isinstance(l, (BatchNorm1d, BatchNorm1dBug))]
    saved = [(l.running_mean, l.running_var) for l in bn]
    Xb, Yb = batch(0)
    logits = model(Xb)
    loss = F.cross_entropy(logits, Yb)
    for p in parameters:
        p.grad = None
    loss.backward()
    out["ref.logits"] = f32(logits)
    out["ref.loss"] = f32(loss).reshape(1)
    for name, layer, attr, is_buf in tensors:
        if not is_buf:
            out["grad." + name] = f32(getattr(layer, attr).grad)
    for l, (m, v) in zip(bn, saved):
        l.running_mean, l.running_var = m, v

    # 3 SGD steps on batches 1..3, exactly the lecture's training loop body
    losses = []
    for i in range(1, N_STEPS + 1):
        Xb, Yb = batch(i)
        logits = model(Xb)
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())
    out["ref.step_losses"] = np.array(losses, dtype=np.float32)
    for name, layer, attr, is_buf in tensors:
        out["final." + name] = f32(getattr(layer, attr))

    # eval-mode logits on batch 0 (running statistics)
    for l in model.layers:
        l.training = False
    with torch.no_grad():
        out["ref.eval_logits"] = f32(model(batch(0)[0]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", nargs="+", help="input files written by mm_dump_inputs (<name>.in)")
    ap.add_argument("-o", "--outdir", default=os.path.join(os.path.dirname(__file__), "fixtures"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.outdir, exist_ok=True)
    for path in args.inputs:
        name = os.path.splitext(os.path.basename(path))[0]
        recs = read_records(path, b"MMIN")
        cfg = {k[len(CONFIG_PREFIX):]: int(v[0]) for k, v in recs.items() if k.startswith(CONFIG_PREFIX)}
        out32 = run(cfg, recs, torch.float32)
        out64 = run(cfg, recs, torch.float64)
        torch.set_default_dtype(torch.float32)
        dst = os.path.join(args.outdir, name + ".bin")
        write_records(dst, b"MMFX", {**recs, **out32})
        print(f"{dst}: {cfg}")
        # float32 rounding noise of the reference itself, per group of tensors
        groups = {}
        for k in out32:
            g = k.split(".")[0] if not k.startswith("ref.") else k
            a, b = out32[k].astype(np.float64), out64[k].astype(np.float64)
            err = np.abs(a - b)
            rel = err / np.maximum(np.abs(b), 1e-30)
            big = np.abs(b) > 1e-2 * max(np.abs(b).max(), 1e-30)
            ga = groups.setdefault(g, [0.0, 0.0, 0.0, ""])
            if err.max() > ga[0]:
                ga[0], ga[3] = err.max(), k
            ga[1] = max(ga[1], np.abs(b).max())
            ga[2] = max(ga[2], rel[big].max() if big.any() else 0.0)
        for g, (e, m, r, k) in groups.items():
            print(f"  f32 vs f64 {g:17s} max|err| {e:.2e} (max|ref| {m:.2e}; "
                  f"max rel err where |ref|>1% of max {r:.2e}) worst {k}")


if __name__ == "__main__":
    sys.exit(main())
