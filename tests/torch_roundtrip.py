#!/usr/bin/env python3
"""torch_roundtrip.py: makemore-wasm model files (safetensors) and the lecture's PyTorch classes.

Both directions, with the lecture's own layer classes (tests/reference.py, copied
from "makemore part 5"), and a safetensors reader/writer written here from the
format's description (u64 LE header length, JSON header, little-endian data),
independent of the C core's:

  C -> torch: the native CLI trains small models and saves them
      (tests/fixtures/st_c_<name>.safetensors); this script loads each into the
      lecture's Sequential and writes torch's eval-mode logits on fixed contexts.
  torch -> C: this script builds models with torch's own init (torch.manual_seed),
      trains them a few SGD steps the lecture's way on names.txt, saves them
      (tests/fixtures/st_torch_<name>.safetensors) and writes their eval logits.

<name>.ref holds the contexts and torch's logits:
  b"MMSR", u32 version 1, u32 B, u32 block_size, u32 vocab_size,
  int32 X[B * block_size], float32 logits[B * vocab_size]      (little-endian)
tests/test_safetensors.c loads every fixture with the C core and compares its
eval logits with torch's (|a - r| <= 1e-5 + 1e-4 |r|); CI needs no torch.

Running statistics: the lecture's BatchNorm1d keeps them with keepdim shapes
after the first update ((1, C) or (1, 1, C), and (1, T, C) in the pre-fix layer);
the core's tensors are (C,) and, for the pre-fix layer's per-position statistics,
(1, T, C). Saving reshapes to the core's shapes; loading needs nothing (both
broadcast alike).

makemore.py's Bigram (its own class, makemore.py imported unmodified: reference.py's
import_makemore), both ways too: st_c_bigram (the CLI's --preset bigram, 300 AdamW steps)
loads into Bigram with load_state_dict(strict=True), whose val loss on our split is the
CLI's; st_torch_bigram is a Bigram trained by torch's AdamW, saved with our metadata.

makemore.py's MLP, BoW, RNN (rnn, gru) and the LSTM in its frame (families mlp, bow, rnn), both ways too:
st_c_<preset> loads strictly into makemore.py's class with our val loss; st_torch_<preset> is that class
trained by torch's AdamW on batches of 32 words, saved with our metadata (c_to_torch_zoo, torch_to_c_zoo).

Usage (Debian's python3-torch):
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/torch_roundtrip.py [--cli build/makemore]
"""
import argparse
import json
import os
import random
import struct
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import (BatchNorm1d, BatchNorm1dBug, Embedding, Linear, build_model,  # noqa: E402
                       import_makemore, named_tensors, MM_BN_FIXED, MM_BN_PER_POSITION,
                       makemore_model, words_batch, FORM_MLP, FORM_BOW, FORM_RNN, CELL_TYPES)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FORMAT = "makemore-wasm/1"
CONFIG_KEYS = ["vocab_size", "block_size", "n_embd", "n_hidden", "n_consec", "n_flat_layers", "split_shuffles"]
B_REF = 64

# C -> torch: (name, CLI model options); trained 300 steps, seed 7
C_CASES = [
    ("st_c_hier_bnbug", ["--block", "8", "--embd", "6", "--hidden", "24", "--consec", "2", "--bn", "per-position", "--shuffles", "2"]),
    ("st_c_flat2", ["--block", "3", "--embd", "5", "--hidden", "16", "--consec", "0", "--flat-layers", "2", "--bn", "fixed"]),
]
# torch -> C: (name, config without vocab_size)
TORCH_CASES = [
    ("st_torch_hier", dict(block_size=8, n_embd=6, n_hidden=24, n_consec=2, n_flat_layers=1, bn_mode=MM_BN_FIXED, split_shuffles=2)),
    ("st_torch_hier_bnbug", dict(block_size=4, n_embd=5, n_hidden=12, n_consec=2, n_flat_layers=1, bn_mode=MM_BN_PER_POSITION, split_shuffles=2)),
    ("st_torch_flat2", dict(block_size=3, n_embd=5, n_hidden=16, n_consec=0, n_flat_layers=2, bn_mode=MM_BN_FIXED, split_shuffles=1)),
]

# ---------------------------------------------------------------- safetensors

def read_safetensors(path):
    """-> (metadata dict, {name: np.float32 array}); checks what the format requires."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack_from("<Q", buf, 0)
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    data = buf[8 + n:]
    meta = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()), "metadata must map strings to strings"
    tensors, spans = {}, []
    for name, e in header.items():
        assert e["dtype"] == "F32", (name, e["dtype"])
        b, end = e["data_offsets"]
        count = int(np.prod(e["shape"], dtype=np.int64))
        assert end - b == 4 * count, name
        tensors[name] = np.frombuffer(data, dtype="<f4", count=count, offset=b).reshape(e["shape"]).copy()
        spans.append((b, end))
    at = 0
    for b, end in sorted(spans):
        assert b == at, "tensors must tile the data"
        at = end
    assert at == len(data), "tensors must cover the data"
    return meta, tensors


def write_safetensors(path, meta, tensors):
    """Writes tensors (name -> np array) sorted by name, the header space-padded to 8 bytes."""
    header, blobs, at = {"__metadata__": meta}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [at, at + a.nbytes]}
        blobs.append(a.tobytes())
        at += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()  # ensure_ascii: any non-ASCII goes as \\u escapes
    h += b" " * (-(8 + len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def write_ref(path, X, logits):
    B, T = X.shape
    V = logits.shape[1]
    with open(path, "wb") as f:
        f.write(b"MMSR" + struct.pack("<IIII", 1, B, T, V))
        f.write(np.ascontiguousarray(X, dtype="<i4").tobytes())
        f.write(np.ascontiguousarray(logits, dtype="<f4").tobytes())

# ---------------------------------------------------------------- models

def config_from_meta(meta):
    assert meta["format"] == FORMAT, meta.get("format")
    cfg = {k: int(meta[k]) for k in CONFIG_KEYS}
    cfg["bn_mode"] = {"fixed": MM_BN_FIXED, "per-position": MM_BN_PER_POSITION}[meta["bn_mode"]]
    vocab = json.loads(meta["vocab"])
    assert len(vocab) == cfg["vocab_size"] and vocab[0] == "."
    return cfg, vocab


def eval_logits(model, X):
    for layer in model.layers:
        layer.training = False
    with torch.no_grad():
        return model(torch.tensor(X, dtype=torch.long)).numpy().astype(np.float32)


def ref_contexts(V, T, seed):
    """Fixed contexts: random tokens, with some leading end tokens like real contexts."""
    rng = np.random.RandomState(seed)
    X = rng.randint(0, V, size=(B_REF, T)).astype(np.int32)
    for b in range(B_REF):
        X[b, : rng.randint(0, T)] = 0
    return X


def core_shape(arr, layer_stat_positions):
    """A BatchNorm running statistic in the core's shape: (C,), or (1, T, C) per position."""
    C = arr.shape[-1]
    return arr.reshape(C) if arr.size == C else arr.reshape(1, -1, C)


def c_to_torch(cli, outdir, names_path):
    for name, opts in C_CASES:
        path = os.path.join(outdir, name + ".safetensors")
        if cli:
            subprocess.run([cli, "train", *opts, "--steps", "300", "--seed", "7", "--data", names_path, "--samples", "0",
                            "--no-eval", "--save", path], check=True, stdout=subprocess.DEVNULL)
        meta, tensors = read_safetensors(path)
        cfg, vocab = config_from_meta(meta)
        torch.set_default_dtype(torch.float32)
        model = build_model(cfg)
        want = {n for n, _, _, _ in named_tensors(model)}
        assert want == set(tensors), f"{name}: tensor names differ: {sorted(want ^ set(tensors))}"
        for tname, layer, attr, is_buf in named_tensors(model):
            t = torch.tensor(tensors[tname])
            if not is_buf:
                assert tuple(t.shape) == tuple(getattr(layer, attr).shape), (tname, t.shape)
            setattr(layer, attr, t)
        X = ref_contexts(cfg["vocab_size"], cfg["block_size"], 1)
        logits = eval_logits(model, X)
        write_ref(os.path.join(outdir, name + ".ref"), X, logits)
        print(f"{name}: C-trained model ({sum(a.size for a in tensors.values())} values) -> torch eval logits written")


def build_dataset(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def torch_to_c(outdir, names_path):
    words = open(names_path, encoding="utf-8").read().splitlines()
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    vocab = ["."] + chars
    for k, (name, cfg) in enumerate(TORCH_CASES):
        cfg = dict(cfg, vocab_size=len(vocab))
        random.seed(42)
        ws = list(words)
        random.shuffle(ws)
        Xtr, Ytr = build_dataset(ws[: int(0.8 * len(ws))], stoi, cfg["block_size"])
        torch.manual_seed(42 + k)
        torch.set_default_dtype(torch.float32)
        model = build_model(cfg)  # the lecture's init: randn / fan_in**0.5, BatchNorm ones/zeros
        with torch.no_grad():
            model.layers[-1].weight *= 0.1  # last layer made less confident
        parameters = model.parameters()
        for p in parameters:
            p.requires_grad = True
        for i in range(200):  # the lecture's loop
            ix = torch.randint(0, Xtr.shape[0], (32,))
            logits = model(Xtr[ix])
            loss = F.cross_entropy(logits, Ytr[ix])
            for p in parameters:
                p.grad = None
            loss.backward()
            for p in parameters:
                p.data += -0.1 * p.grad
        tensors = {}
        for tname, layer, attr, is_buf in named_tensors(model):
            a = getattr(layer, attr).detach().numpy().astype(np.float32)
            tensors[tname] = core_shape(a, None) if is_buf else a
        meta = {"format": FORMAT, "vocab": json.dumps(vocab),
                **{key: str(cfg[key]) for key in CONFIG_KEYS},
                "bn_mode": "fixed" if cfg["bn_mode"] == MM_BN_FIXED else "per-position",
                "made_by": "tests/torch_roundtrip.py (torch init, 200 SGD steps)"}
        write_safetensors(os.path.join(outdir, name + ".safetensors"), meta, tensors)
        X = ref_contexts(cfg["vocab_size"], cfg["block_size"], 2)
        write_ref(os.path.join(outdir, name + ".ref"), X, eval_logits(model, X))
        print(f"{name}: torch-made model (loss {loss.item():.4f} at step 200) -> safetensors + eval logits written")


def split_words(names_path, shuffles=1):
    """Our split (the lecture's): random.seed(42), `shuffles` random.shuffle calls, 80/10/10 by words; and the vocabulary."""
    words = open(names_path, encoding="utf-8").read().splitlines()
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    random.seed(42)
    ws = list(words)
    for _ in range(shuffles):
        random.shuffle(ws)
    n1, n2 = int(0.8 * len(ws)), int(0.9 * len(ws))
    return {"train": ws[:n1], "val": ws[n1:n2], "test": ws[n2:]}, stoi, ["."] + chars


def bigram_logits(model, X):
    with torch.no_grad():
        logits, _ = model(torch.tensor(X, dtype=torch.long))
    return logits[:, -1, :].numpy().astype(np.float32)


def c_to_torch_bigram(cli, outdir, names_path):
    """The CLI's bigram into makemore.py's Bigram, strictly; its val loss there is the CLI's."""
    mm = import_makemore()
    name = "st_c_bigram"
    path = os.path.join(outdir, name + ".safetensors")
    if cli:
        out = subprocess.run([cli, "train", "--preset", "bigram", "--steps", "300", "--seed", "7", "--data", names_path,
                              "--samples", "0", "--json", "--save", path], check=True, capture_output=True, text=True).stdout
        val_c = json.loads(out.strip().splitlines()[-1])["val_loss"]
    meta, tensors = read_safetensors(path)
    assert meta["form"] == "bigram" and meta["block_size"] == "1", meta
    vocab = json.loads(meta["vocab"])
    model = mm.Bigram(mm.ModelConfig(vocab_size=len(vocab), block_size=1))
    model.load_state_dict({k: torch.tensor(v) for k, v in tensors.items()}, strict=True)  # the same names and shapes
    splits, stoi, _ = split_words(names_path)
    Xv, Yv = build_dataset(splits["val"], stoi, 1)
    with torch.no_grad():
        _, loss = model(Xv, Yv.view(-1, 1))
    if cli:
        print(f"{name}: makemore.py's Bigram, load_state_dict(strict=True): val loss {loss.item():.6f}; the CLI's {val_c}")
        assert abs(loss.item() - float(val_c)) < 1e-5, "the val loss of our file in makemore.py's class is not ours"
    X = ref_contexts(len(vocab), 1, 1)
    write_ref(os.path.join(outdir, name + ".ref"), X, bigram_logits(model, X))


def torch_to_c_bigram(outdir, names_path):
    """makemore.py's Bigram trained by torch's AdamW (makemore.py's settings), saved as our model file."""
    mm = import_makemore()
    name = "st_torch_bigram"
    splits, stoi, vocab = split_words(names_path)
    Xtr, Ytr = build_dataset(splits["train"], stoi, 1)
    torch.manual_seed(3407)
    model = mm.Bigram(mm.ModelConfig(vocab_size=len(vocab), block_size=1))
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
    for i in range(300):
        ix = torch.randint(0, Xtr.shape[0], (32,))
        _, loss = model(Xtr[ix], Ytr[ix].view(-1, 1))
        model.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    tensors = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "vocab": json.dumps(vocab), "vocab_size": str(len(vocab)), "block_size": "1", "form": "bigram",
            "split_shuffles": "1", "made_by": "tests/torch_roundtrip.py (makemore.py's Bigram, 300 AdamW steps)"}
    write_safetensors(os.path.join(outdir, name + ".safetensors"), meta, tensors)
    X = ref_contexts(len(vocab), 1, 2)
    write_ref(os.path.join(outdir, name + ".ref"), X, bigram_logits(model, X))
    print(f"{name}: makemore.py's Bigram (loss {loss.item():.4f} at step 300) -> safetensors + logits written")


# makemore.py's models (families mlp, bow, rnn): small sizes, our presets' split (2 shuffles) and block (16)
ZOO = [("mlp", None), ("bow", None), ("rnn", "rnn"), ("gru", "gru"), ("lstm", "lstm")]
ZOO_SIZES = {"block_size": 16, "n_embd": 8, "n_hidden": 12}
FORMS = {"mlp": FORM_MLP, "bow": FORM_BOW, "rnn": FORM_RNN}


def zoo_cfg(meta, V):
    cfg = {k: int(meta[k]) for k in ("block_size", "n_embd", "n_hidden")}
    cfg.update(vocab_size=V, form=FORMS[meta["form"]])
    if "cell_type" in meta:
        cfg["cell_type"] = CELL_TYPES.index(meta["cell_type"])
    return cfg


def makemore_words(words, stoi, T):
    """makemore.py's CharDataset tensors of whole words: x = [0, w...], y = [w..., 0, -1 ...] (words, T)."""
    x = torch.zeros((len(words), T), dtype=torch.long)
    y = torch.full((len(words), T), -1, dtype=torch.long)
    for i, w in enumerate(words):
        ix = [stoi[c] for c in w]
        x[i, 1:1 + len(ix)] = torch.tensor(ix, dtype=torch.long)
        y[i, :len(ix)] = torch.tensor(ix, dtype=torch.long)
        y[i, len(ix)] = 0
    return x, y


def zoo_ref(model, words, stoi, T):
    """Our contexts (the examples of whole words) and makemore.py's logits at their positions."""
    X, Y = build_dataset(words, stoi, T)
    x, _, where, _ = words_batch(X.numpy(), Y.numpy())
    with torch.no_grad():
        logits, _ = model(x)
    return X.numpy().astype(np.int32), logits.reshape(-1, logits.shape[-1])[where].numpy().astype(np.float32)


def c_to_torch_zoo(cli, outdir, names_path):
    """The CLI's models of makemore.py's families into makemore.py's classes, strictly; their val loss there is the CLI's."""
    for preset, _ in ZOO:
        name = f"st_c_{preset}"
        path = os.path.join(outdir, name + ".safetensors")
        if cli:
            out = subprocess.run([cli, "train", "--preset", preset, "--embd", str(ZOO_SIZES["n_embd"]), "--hidden",
                                  str(ZOO_SIZES["n_hidden"]), "--steps", "300", "--lr", "0.005", "--lr2", "0.005", "--seed", "7",
                                  "--data", names_path, "--samples", "0", "--json", "--save", path],
                                 check=True, capture_output=True, text=True).stdout
            val_c = json.loads(out.strip().splitlines()[-1])["val_loss"]
        meta, tensors = read_safetensors(path)
        vocab = json.loads(meta["vocab"])
        cfg = zoo_cfg(meta, len(vocab))
        model = makemore_model(cfg)
        model.load_state_dict({k: torch.tensor(v) for k, v in tensors.items()}, strict=True)  # the same names and shapes
        splits, stoi, _ = split_words(names_path, int(meta["split_shuffles"]))
        xv, yv = makemore_words(splits["val"], stoi, cfg["block_size"])
        with torch.no_grad():
            _, loss = model(xv, yv)  # makemore.py's masked mean: per character over the val words
        if cli:
            print(f"{name}: makemore.py's {type(model).__name__}, load_state_dict(strict=True): val loss {loss.item():.6f}; "
                  f"the CLI's {val_c}")
            assert abs(loss.item() - float(val_c)) < 2e-5, "the val loss of our file in makemore.py's class is not ours"
        X, logits = zoo_ref(model, splits["val"][:12], stoi, cfg["block_size"])
        write_ref(os.path.join(outdir, name + ".ref"), X, logits)


def torch_to_c_zoo(outdir, names_path):
    """makemore.py's classes (torch's init), trained by torch's AdamW on batches of 32 words, saved as our model files."""
    for preset, cell in ZOO:
        name = f"st_torch_{preset}"
        splits, stoi, vocab = split_words(names_path, 2)
        form = preset if cell is None else "rnn"
        meta = {"format": FORMAT, "vocab": json.dumps(vocab), "vocab_size": str(len(vocab)), "form": form, "split_shuffles": "2",
                **{k: str(v) for k, v in ZOO_SIZES.items()}}
        if cell:
            meta["cell_type"] = cell
        cfg = zoo_cfg(meta, len(vocab))
        torch.manual_seed(3407)
        model = makemore_model(cfg)
        opt = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
        xt, yt = makemore_words(splits["train"], stoi, cfg["block_size"])
        for i in range(200):
            ix = torch.randint(0, xt.shape[0], (32,))
            _, loss = model(xt[ix], yt[ix])
            model.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        meta["made_by"] = f"tests/torch_roundtrip.py (makemore.py's {type(model).__name__}, 200 AdamW steps)"
        tensors = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
        write_safetensors(os.path.join(outdir, name + ".safetensors"), meta, tensors)
        X, logits = zoo_ref(model, splits["val"][:12], stoi, cfg["block_size"])
        write_ref(os.path.join(outdir, name + ".ref"), X, logits)
        print(f"{name}: makemore.py's {type(model).__name__} (loss {loss.item():.4f} at step 200) -> safetensors + logits written")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "makemore"),
                    help="native CLI that trains the C-side models ('' to reuse the committed files)")
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "names.txt"))
    ap.add_argument("-o", "--outdir", default=os.path.join(HERE, "fixtures"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    c_to_torch(args.cli, args.outdir, args.data)
    torch_to_c(args.outdir, args.data)
    c_to_torch_bigram(args.cli, args.outdir, args.data)
    torch_to_c_bigram(args.outdir, args.data)
    c_to_torch_zoo(args.cli, args.outdir, args.data)
    torch_to_c_zoo(args.outdir, args.data)


if __name__ == "__main__":
    sys.exit(main())
