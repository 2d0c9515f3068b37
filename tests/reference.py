#!/usr/bin/env python3
"""reference.py: PyTorch reference values for tests/test_torch.c.

Reads the input files written by mm_dump_inputs (tests/dump_inputs.c: a model
configuration, the C core's initial parameters and four fixed batches), rebuilds
each model from the lecture's own layer classes (makemore part 5, copied below:
NOT torch.nn's), and writes tests/fixtures/<name>.bin with:

  - the inputs (config, lr, initial params/buffers, batches X0..X3, Y0..Y3),
  - ref.logits, ref.loss:       training-mode forward on batch 0,
  - grad.<param>:               gradients of that loss (lecture parameter order),
  - ref.step_losses (3,):       losses of 3 SGD steps (lr) on batches 1..3, or of
                                torch.optim.AdamW's when the input names it
                                (train.optimizer 1, train.beta1 ... train.weight_decay),
  - step<i>.<param>:            with AdamW, the parameters after step i = 1, 2,
  - final.<param>, final.<buf>: parameters and BatchNorm running stats after them,
  - adamw.exp_avg.<param>, adamw.exp_avg_sq.<param>: AdamW's moments after them,
  - ref.eval_logits:            eval-mode logits on batch 0 after the steps.

makemore.py's models (config.form 3, bigram) come from makemore.py itself
(../shared/reference/makemore.py, unmodified, or --makemore PATH): its own Bigram
class, our initial table loaded into it. Its MLP, BoW and RNN (cell rnn, gru) too
(config.form 4, 5, 6; an LSTM: MakemoreLSTM, torch.nn.LSTMCell in its RNN's frame):
our initial tensors loaded with load_state_dict(strict=True), each batch of our
whole words' examples turned into makemore.py's (words, block) x, y with -1 masking
(words_batch), its own forward and loss (run_makemore).

All in float32, as in the lecture. The same run is repeated in float64 and the
float32-vs-float64 differences are printed: they measure how far float32 rounding
alone moves each tensor, which is what justifies test_torch.c's tolerances.

The conv and gated forms (config.form 1, 2) have no lecture code: ConvModel and
GatedModel below build them from torch.nn.functional.conv1d (dilation d, no
padding) over each word of the batch, with the lecture's Linear, BatchNorm1d (over
all positions of all words) and Tanh; --self-check checks them (float64) against
the lecture's hierarchical model and finite differences.

Usage (torch needed; Debian's python3-torch):
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/reference.py -o tests/fixtures build/fixture-inputs/*.in
  /usr/bin/python3 tests/reference.py --self-check

File format (shared with dump_inputs.c and test_torch.c; little-endian):
  char magic[4] ("MMIN" input, "MMFX" fixture); u32 version (1); u32 n_records;
  n_records x { u32 name_len; char name[name_len];
                u32 dtype (0 float32, 1 int32); u32 ndim; u32 dims[ndim];
                data (prod(dims) values) }
"""
import argparse
import importlib.util
import os
import struct
import sys
import types

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
MAKEMORE_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "reference", "makemore.py")
FORM_BIGRAM = 3
OPTIMIZER_ADAMW = 1


def import_makemore(path=None):
    """makemore.py as a module, unmodified: its classes (Bigram, MLP, ..., Transformer). It imports
    torch.utils.tensorboard, which Debian's torch lacks: a stand-in module is given for it."""
    if "torch.utils.tensorboard" not in sys.modules:
        tb = types.ModuleType("torch.utils.tensorboard")
        tb.SummaryWriter = object
        sys.modules["torch.utils.tensorboard"] = tb
    spec = importlib.util.spec_from_file_location("makemore", path or MAKEMORE_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class MakemoreBigram:
    """makemore.py's Bigram on the lecture's examples (a context of one token): logits (B, V)."""

    def __init__(self, cfg):
        mm = import_makemore()
        self.m = mm.Bigram(mm.ModelConfig(vocab_size=cfg["vocab_size"], block_size=1))
        self.m.to(torch.get_default_dtype())
        self.layers = []

    def __call__(self, X):
        logits, _ = self.m(X)  # (B, 1, V)
        return logits[:, -1, :]

    def parameters(self):
        return list(self.m.parameters())

    def named(self):
        return [("logits", self.m, "logits", False)]

# ---------------------------------------------------------------- makemore.py's MLP, BoW, RNN, GRU (and an LSTM)
# config.form 4 (mlp), 5 (bow), 6 (rnn; config.cell_type 0 rnn, 1 gru, 2 lstm): makemore.py's own classes
# (an LSTM in its RNN's frame: MakemoreLSTM below), on makemore.py's batches of whole words (words_batch)
FORM_MLP, FORM_BOW, FORM_RNN = 4, 5, 6
CELL_TYPES = ["rnn", "gru", "lstm"]


class MakemoreLSTM(torch.nn.Module):
    """An LSTM in makemore.py's RNN frame (makemore.py has none; the core's cell_type lstm): wte, a learned
    start for h (`start`) and for c (`start_c`), torch.nn.LSTMCell(n_embd, n_embd2) over the positions as
    makemore.py's RNN.forward loops, lm_head, and its loss (cross_entropy with ignore_index=-1)."""

    def __init__(self, config):
        super().__init__()
        self.block_size = config.block_size
        self.vocab_size = config.vocab_size
        self.start = torch.nn.Parameter(torch.zeros(1, config.n_embd2))  # the starting hidden state
        self.start_c = torch.nn.Parameter(torch.zeros(1, config.n_embd2))  # the starting cell state
        self.wte = torch.nn.Embedding(config.vocab_size, config.n_embd)
        self.cell = torch.nn.LSTMCell(config.n_embd, config.n_embd2)
        self.lm_head = torch.nn.Linear(config.n_embd2, self.vocab_size)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        emb = self.wte(idx)  # (b, t, n_embd)
        hprev = self.start.expand((b, -1))
        cprev = self.start_c.expand((b, -1))
        hiddens = []
        for i in range(t):
            xt = emb[:, i, :]
            hprev, cprev = self.cell(xt, (hprev, cprev))
            hiddens.append(hprev)
        hidden = torch.stack(hiddens, 1)  # (b, t, n_embd2)
        logits = self.lm_head(hidden)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


def makemore_model(cfg):
    """makemore.py's model for a config of the mlp, bow or rnn family (n_hidden is makemore.py's n_embd2)."""
    mm = import_makemore(MAKEMORE_PY)
    config = mm.ModelConfig(vocab_size=cfg["vocab_size"], block_size=cfg["block_size"], n_embd=cfg["n_embd"],
                            n_embd2=cfg["n_hidden"])
    form = cfg["form"]
    if form == FORM_MLP:
        return mm.MLP(config)
    if form == FORM_BOW:
        return mm.BoW(config)
    cell = CELL_TYPES[cfg.get("cell_type", 0)]
    return MakemoreLSTM(config) if cell == "lstm" else mm.RNN(config, cell_type=cell)


def words_batch(X, Y):
    """Our batch of whole words' examples (contexts X (B, block), targets Y (B,)) as makemore.py's: x, y
    (words, block) with x = [0, w_1 .. w_L, 0 ...], y = [w_1 .. w_L, 0, -1 ...], and for each example the
    index of its position in the flattened (words * block) logits. Checks that the batch is whole words:
    an all-0 context starts a word, each later example's context is the one before shifted by its target,
    every word ends at a target 0 (and only there), and each context is what makemore.py's position sees."""
    B, T = X.shape
    words, where = [], []
    for i in range(B):
        if not X[i].any():
            assert not words or words[-1][-1] == 0, f"example {i}: a word starts before the last ended"
            words.append([])
        else:
            assert words and words[-1][-1] != 0 and np.array_equal(X[i, :-1], X[i - 1, 1:]) and X[i, -1] == Y[i - 1], \
                f"example {i} does not continue the word before it: not a batch of whole words"
        where.append((len(words) - 1) * T + len(words[-1]))
        words[-1].append(int(Y[i]))
    assert words[-1][-1] == 0, "the last word is cut"
    x = np.zeros((len(words), T), dtype=np.int64)
    y = np.full((len(words), T), -1, dtype=np.int64)
    for w, ys in enumerate(words):
        assert len(ys) <= T, f"word {w}: {len(ys) - 1} tokens do not fit block_size {T}"
        x[w, 1:len(ys)] = ys[:-1]
        y[w, :len(ys)] = ys
    for i, k in enumerate(where):  # the example's context = the block_size tokens up to its position
        w, t = divmod(k, T)
        assert np.array_equal(X[i], np.concatenate([np.zeros(T, dtype=np.int64), x[w, :t + 1]])[-T:])
    return torch.tensor(x), torch.tensor(y), torch.tensor(where), [len(ys) - 1 for ys in words]


def run_makemore(cfg, recs, dtype):
    """run() for makemore.py's classes (mlp, bow, rnn families): our initial tensors loaded with
    load_state_dict(strict=True) (the same names and shapes), each batch of our examples turned into
    makemore.py's (words, block) x, y with -1 masking (words_batch), its forward(idx, targets) for the logits
    (taken at our examples' positions, in their order) and its loss, then 3 steps of torch.optim.AdamW with
    the input's settings. The same records as run()."""
    torch.set_default_dtype(dtype)
    model = makemore_model(cfg)
    names_in = [k[len("init."):] for k in recs if k.startswith("init.")]
    state = {n: torch.tensor(recs["init." + n]) for n in names_in}
    try:
        model.load_state_dict(state, strict=True)  # copies (and casts) into the model's own dtype
    except RuntimeError as e:
        raise ValueError(f"our initial tensors do not load into makemore.py's {type(model).__name__}: {e}") from None
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    assert set(params) | set(buffers) == set(names_in) and not set(params) & set(buffers)
    V, lr = cfg["vocab_size"], float(recs["lr"][0])
    f32 = lambda t: t.detach().to(torch.float32).numpy().copy()

    def forward(i):
        x, y, where, lens = words_batch(recs[f"X{i}"], recs[f"Y{i}"])
        logits, loss = model(x, y)
        logits = logits.reshape(-1, V)[where]
        # makemore.py's loss over the unmasked positions = the mean over our examples
        same = F.cross_entropy(logits, torch.tensor(recs[f"Y{i}"], dtype=torch.long))
        assert abs(same.item() - loss.item()) <= 1e-5 * abs(loss.item()), (same.item(), loss.item())
        return logits, loss, lens

    out = {}
    logits, loss, lens = forward(0)
    if dtype == torch.float32:
        print(f"  batch 0: {len(lens)} words of lengths {lens}, {recs['X0'].shape[0]} examples, block_size {cfg['block_size']}")
    model.zero_grad(set_to_none=True)
    loss.backward()
    out["ref.logits"] = f32(logits)
    out["ref.loss"] = f32(loss).reshape(1)
    for name in names_in:
        if name in params:
            out["grad." + name] = f32(params[name].grad)

    setting = lambda k: float(recs["train." + k][0])
    assert int(recs["train.optimizer"][0]) == OPTIMIZER_ADAMW, "makemore.py's models train with AdamW"
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(setting("beta1"), setting("beta2")), eps=setting("eps"),
                            weight_decay=setting("weight_decay"))
    losses = []
    for i in range(1, N_STEPS + 1):
        _, loss, _ = forward(i)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if i < N_STEPS:
            for name in names_in:
                if name in params:
                    out[f"step{i}.{name}"] = f32(params[name])
    out["ref.step_losses"] = np.array(losses, dtype=np.float32)
    for name in names_in:
        out["final." + name] = f32(params[name] if name in params else buffers[name])
    for name in names_in:
        if name in params:
            st = opt.state[params[name]]
            assert int(st["step"]) == N_STEPS
            out["adamw.exp_avg." + name] = f32(st["exp_avg"])
            out["adamw.exp_avg_sq." + name] = f32(st["exp_avg_sq"])
    model.eval()
    with torch.no_grad():
        out["ref.eval_logits"] = f32(forward(0)[0])
    return out

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
    tensors (layers.<i>.weight|bias|gamma|beta|running_mean|running_var); a
    makemore.py model's as its state_dict names them."""
    if hasattr(model, "named"):
        return model.named()
    out, bufs = [], []
    for i, layer in enumerate(model.layers):
        if isinstance(layer, (Linear, Embedding, Conv1d)):
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


# ---------------------------------------------------------------- the sequence forms
# form conv and gated (docs: /work/notes/issue10-spec.md, README): the layers run
# over whole words as 1-D sequences with torch.nn.functional.conv1d (dilation d,
# no padding). Not the lecture's code (it ends before building them); written from
# the spec with the lecture's Linear, BatchNorm1d (2-D: over all positions), Tanh.
FORM_EXAMPLES, FORM_CONV, FORM_GATED = 0, 1, 2


class Conv1d:
    """Dilated causal convolution, valid (unpadded). weight (k*C_in, C_out): row
    j*C_in + c is tap j, channel c; tap j reads position t - (k-1-j)*d (the earliest
    first, FlattenConsecutive's order). Input (T, C_in), output (T - (k-1)*d, C_out)."""
    def __init__(self, k, dilation, c_in, c_out, bias):
        self.k, self.dilation, self.c_in = k, dilation, c_in
        self.weight = torch.randn((k * c_in, c_out)) / (k * c_in)**0.5
        self.bias = torch.zeros(c_out) if bias else None

    def __call__(self, x):
        # torch_w[o, c, j] = W[j*C_in + c, o]
        w = self.weight.view(self.k, self.c_in, -1).permute(2, 1, 0)
        y = F.conv1d(x.t().unsqueeze(0), w, self.bias, dilation=self.dilation)  # (1, C_out, T')
        self.out = y.squeeze(0).t()
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class Gate:
    """tanh(a[:, :C]) * sigmoid(a[:, C:]) over the channels of (T, 2C)."""
    def __call__(self, a):
        C = a.shape[1] // 2
        self.out = torch.tanh(a[:, :C]) * torch.sigmoid(a[:, C:])
        return self.out

    def parameters(self):
        return []


class ReLU:
    def __call__(self, x):
        self.out = torch.relu(x)
        return self.out

    def parameters(self):
        return []


class Slot:
    """A list entry without parameters that the forward does by hand (an Add, the
    place of a FlattenConsecutive): it only keeps the tensor names' indices."""
    def __init__(self, what):
        self.what = what

    def parameters(self):
        return []


def segments(X):
    """Cuts a batch of contexts X (B, block_size) into [(start, n, tokens)]: a
    segment starts at an all-0 context, and each following example whose context
    is the previous one's shifted by one belongs to it; its tokens are
    [0]*block_size + [y_0 .. y_{n-2}] (= X[start] then each later context's last
    token). Any other example is a segment of its own (its context, n = 1)."""
    segs = []
    for i in range(X.shape[0]):
        zero = not bool(X[i].any())
        if not zero and segs and segs[-1][2] and torch.equal(X[i, :-1], X[i - 1, 1:]):
            segs[-1][1] += 1
        else:
            segs.append([i, 1, zero])
    return [(s, n, torch.cat([X[s], X[s + 1:s + n, -1]])) for s, n, _ in segs]


def batchnorm_over(bn, xs):
    """The lecture's BatchNorm1d over all positions of all segments: (T_s, C) each."""
    y = bn(torch.cat(xs, 0))
    return list(torch.split(y, [x.shape[0] for x in xs], 0))


def receptive_field(k, dilations):
    return 1 + (k - 1) * sum(dilations)


class ConvModel:
    """form conv: the hierarchical model as dilated causal Conv1d, dilations
    1, k, .., k^(levels-1). The list mirrors the lecture's (Embedding, then per
    level FlattenConsecutive, Linear, BatchNorm1d, Tanh; the last Linear): Conv1d
    takes the place (and name index) of the Linear, a Slot that of the Flatten."""
    def __init__(self, cfg):
        V, T, E, H, k = cfg["vocab_size"], cfg["block_size"], cfg["n_embd"], cfg["n_hidden"], cfg["n_consec"]
        self.layers, self.levels, n_in, d = [Embedding(V, E)], [], E, 1
        while d < T:
            conv, bn = Conv1d(k, d, n_in, H, bias=False), BatchNorm1d(H)
            self.layers += [Slot("flatten"), conv, bn, Tanh()]
            self.levels.append((conv, bn))
            n_in, d = H, d * k
        if d != T:
            raise ValueError(f"conv form: block_size {T} is not a power of n_consec {k}")
        self.head = Linear(H, V)
        self.layers.append(self.head)

    def __call__(self, X):
        segs = segments(X)
        xs = [self.layers[0](tok) for _, _, tok in segs]
        for conv, bn in self.levels:
            xs = [torch.tanh(h) for h in batchnorm_over(bn, [conv(x) for x in xs])]
        assert all(x.shape[0] == n for x, (_, n, _) in zip(xs, segs))
        self.out = torch.cat([self.head(x) for x in xs], 0)
        return self.out

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


class GatedModel:
    """form gated: Embedding(V, R); per block b (dilation k^(b mod cycle)):
    Conv1d(R -> 2C) [BatchNorm1d(2C)], Gate, [Linear(C -> R), Add(block input)]
    (not in the last block), Linear(C -> S) skip, [Add(skip sum)] (b > 0); then
    ReLU, Linear(S, S), ReLU, Linear(S, V). Names: the index in this list."""
    def __init__(self, cfg):
        V, T, R, C, S, k = (cfg["vocab_size"], cfg["block_size"], cfg["n_embd"], cfg["n_hidden"],
                            cfg["n_skip"], cfg["n_consec"])
        nb, cycle = cfg["n_blocks"], cfg.get("dilation_cycle", 0)
        use_bn = cfg["gated_norm"] == 0 if "gated_norm" in cfg else cfg.get("gated_bn", 1) == 1
        if nb < 1 or S < 1:
            raise ValueError("gated form: n_blocks and n_skip must be >= 1")
        self.layers, self.blocks = [Embedding(V, R)], []
        for b in range(nb):
            d = k ** (b % cycle if cycle else b)
            blk = {"d": d, "conv": Conv1d(k, d, R, 2 * C, bias=not use_bn),
                   "bn": BatchNorm1d(2 * C) if use_bn else None, "res": None, "skip": None}
            self.layers += [blk["conv"]] + ([blk["bn"]] if use_bn else []) + [Gate()]
            if b < nb - 1:
                blk["res"] = Linear(C, R)
                self.layers += [blk["res"], Slot("add residual")]
            blk["skip"] = Linear(C, S)
            self.layers += [blk["skip"]] + ([Slot("add skip")] if b > 0 else [])
            self.blocks.append(blk)
        if receptive_field(k, [b["d"] for b in self.blocks]) != T:
            raise ValueError(f"gated form: receptive field {receptive_field(k, [b['d'] for b in self.blocks])} != block_size {T}")
        self.k, self.head1, self.head2 = k, Linear(S, S), Linear(S, V)
        self.layers += [ReLU(), self.head1, ReLU(), self.head2]

    def __call__(self, X):
        segs = segments(X)
        ns = [n for _, n, _ in segs]
        xs = [self.layers[0](tok) for _, _, tok in segs]
        skip = None
        for blk in self.blocks:
            a = [blk["conv"](x) for x in xs]
            if blk["bn"] is not None:
                a = batchnorm_over(blk["bn"], a)
            g = [Gate()(t) for t in a]
            if blk["res"] is not None:  # the block input's last positions + the residual 1x1
                cut = (self.k - 1) * blk["d"]
                xs = [x[cut:] + blk["res"](h) for x, h in zip(xs, g)]
            s = [blk["skip"](h)[-n:] for h, n in zip(g, ns)]
            skip = s if skip is None else [p + q for p, q in zip(skip, s)]
        assert all(h.shape[0] == n for h, n in zip(g, ns))
        self.out = torch.cat([self.head2(torch.relu(self.head1(torch.relu(s)))) for s in skip], 0)
        return self.out

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def build_any(cfg):
    """build_model for form examples (an old input without the field too), else
    the sequence forms."""
    form = cfg.get("form", FORM_EXAMPLES)
    if form == FORM_EXAMPLES:
        return build_model(cfg)
    if form == FORM_BIGRAM:
        return MakemoreBigram(cfg)
    if cfg.get("bn_mode", MM_BN_FIXED) != MM_BN_FIXED:
        raise ValueError("the conv and gated forms have no per-position BatchNorm in this reference")
    if cfg["n_consec"] < 2:
        raise ValueError("the conv and gated forms need n_consec (the kernel size) >= 2")
    return {FORM_CONV: ConvModel, FORM_GATED: GatedModel}[form](cfg)


def run(cfg, recs, dtype):
    """One reference run; returns an ordered dict of output records (numpy float32)."""
    torch.set_default_dtype(dtype)
    model = build_any(cfg)
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
            t = torch.tensor(arr, dtype=dtype)
            setattr(layer, attr, torch.nn.Parameter(t) if isinstance(layer, torch.nn.Module) else t)
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

    # 3 steps on batches 1..3: the lecture's SGD (its training loop body), or torch's AdamW
    adamw = int(recs.get("train.optimizer", [0])[0]) == OPTIMIZER_ADAMW
    if adamw:  # the settings as the core holds them (float32), each as a Python float
        setting = lambda k: float(recs["train." + k][0])
        opt = torch.optim.AdamW(parameters, lr=lr, betas=(setting("beta1"), setting("beta2")), eps=setting("eps"),
                                weight_decay=setting("weight_decay"))
    losses = []
    for i in range(1, N_STEPS + 1):
        Xb, Yb = batch(i)
        logits = model(Xb)
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        if adamw:
            opt.step()
        else:
            for p in parameters:
                p.data += -lr * p.grad
        losses.append(loss.item())
        if adamw and i < N_STEPS:
            for name, layer, attr, is_buf in tensors:
                if not is_buf:
                    out[f"step{i}.{name}"] = f32(getattr(layer, attr))
    out["ref.step_losses"] = np.array(losses, dtype=np.float32)
    for name, layer, attr, is_buf in tensors:
        out["final." + name] = f32(getattr(layer, attr))
    if adamw:
        for name, layer, attr, is_buf in tensors:
            if not is_buf:
                st = opt.state[getattr(layer, attr)]
                assert int(st["step"]) == N_STEPS
                out["adamw.exp_avg." + name] = f32(st["exp_avg"])
                out["adamw.exp_avg_sq." + name] = f32(st["exp_avg_sq"])

    # eval-mode logits on batch 0 (running statistics)
    for l in model.layers:
        l.training = False
    with torch.no_grad():
        out["ref.eval_logits"] = f32(model(batch(0)[0]))
    return out


# ---------------------------------------------------------------- self-check (--self-check)

def word_examples(words, block):
    """The lecture's build_dataset: contexts padded with 0 at the start, targets
    the next token, 0 after the last character."""
    X, Y = [], []
    for w in words:
        ctx = [0] * block
        for ix in list(w) + [0]:
            X.append(ctx)
            Y.append(ix)
            ctx = ctx[1:] + [ix]
    return torch.tensor(X, dtype=torch.long), torch.tensor(Y, dtype=torch.long)


def random_words(gen, count, V=27):
    lens = torch.randint(1, 11, (count,), generator=gen)
    return [torch.randint(1, V, (int(n),), generator=gen).tolist() for n in lens]


def randomize(model, gen):
    """Every parameter and buffer random (positive running variances)."""
    for name, layer, attr, is_buf in named_tensors(model):
        t = getattr(layer, attr)
        r = torch.randn(t.shape, generator=gen, dtype=t.dtype)
        if attr == "running_var":
            r = r.abs() + 0.5
        elif attr in ("weight", "bias", "beta", "running_mean"):
            r = r * 0.5
        setattr(layer, attr, r.requires_grad_(not is_buf))


def set_training(model, on):
    for layer in model.layers:
        layer.training = on


def check_conv_vs_hier(gen):
    """Eval mode: the conv form's logits at every position of whole words equal the
    lecture's hierarchical model (build_model) on the same contexts, same weights."""
    worst = 0.0
    for block, k, E, H in [(2, 2, 3, 5), (4, 2, 4, 6), (8, 2, 5, 7), (16, 2, 3, 4), (9, 3, 4, 6)]:
        cfg = {"vocab_size": 27, "block_size": block, "n_embd": E, "n_hidden": H, "n_consec": k,
               "n_flat_layers": 1, "bn_mode": MM_BN_FIXED, "form": FORM_CONV}
        conv, hier = build_any(cfg), build_model({**cfg, "form": FORM_EXAMPLES})
        randomize(conv, gen)
        ours = {n: getattr(l, a) for n, l, a, _ in named_tensors(conv)}
        theirs = named_tensors(hier)
        assert sorted(ours) == sorted(n for n, _, _, _ in theirs), "tensor names differ"
        for n, l, a, _ in theirs:
            assert getattr(l, a).shape == ours[n].shape, n
            setattr(l, a, ours[n].detach().clone())
        set_training(conv, False)
        set_training(hier, False)
        X, _ = word_examples(random_words(gen, 6), block)
        with torch.no_grad():
            err = (conv(X) - hier(X)).abs().max().item()
        print(f"  conv form vs hierarchical, eval, block {block:2d} k {k}: {X.shape[0]:3d} examples, max|diff| {err:.1e}")
        worst = max(worst, err)
    return worst < 1e-12


def gated_cfgs():
    base = {"vocab_size": 27, "n_flat_layers": 1, "bn_mode": MM_BN_FIXED, "form": FORM_GATED}
    return [{**base, "block_size": 8, "n_consec": 2, "n_blocks": 3, "dilation_cycle": 0, "n_embd": 5, "n_hidden": 4,
             "n_skip": 6, "gated_norm": 0},
            {**base, "block_size": 7, "n_consec": 2, "n_blocks": 4, "dilation_cycle": 2, "n_embd": 4, "n_hidden": 3,
             "n_skip": 5, "gated_norm": 1},
            {**base, "block_size": 9, "n_consec": 3, "n_blocks": 2, "dilation_cycle": 0, "n_embd": 4, "n_hidden": 3,
             "n_skip": 5, "gated_bn": 1}]


def check_alone(gen):
    """Eval mode: each example's logits from its whole word's segment equal those of
    the example run alone on its own context (a segment of one: the residual and skip
    cuts must keep the last positions)."""
    worst = 0.0
    conv = {"vocab_size": 27, "block_size": 9, "n_embd": 4, "n_hidden": 5, "n_consec": 3, "n_flat_layers": 1,
            "bn_mode": MM_BN_FIXED, "form": FORM_CONV}
    for cfg in gated_cfgs() + [conv]:
        model = build_any(cfg)
        randomize(model, gen)
        set_training(model, False)
        X, _ = word_examples(random_words(gen, 5), cfg["block_size"])
        with torch.no_grad():
            whole = model(X)
            alone = torch.cat([model(X[i:i + 1]) for i in range(X.shape[0])], 0)
        err = (whole - alone).abs().max().item()
        print(f"  {['', 'conv', 'gated'][cfg['form']]:5s} block {cfg['block_size']}: whole words vs each example alone, "
              f"eval, max|diff| {err:.1e}")
        worst = max(worst, err)
    return worst < 1e-12


def naive_gated_logits(model, ctx):
    """One example of a GatedModel in eval mode, written position by position from
    the spec (no conv1d, no segments, no cuts): x[t] for t = 0..T-1 of its context,
    each block's output at t from its taps t - (k-1-j)*d, the residual added at the
    same t, the skip outputs taken at the last position T-1."""
    k, T = model.k, len(ctx)
    x = {t: model.layers[0].weight[ctx[t]] for t in range(T)}
    skip = 0.0
    for blk in model.blocks:
        conv, bn, d = blk["conv"], blk["bn"], blk["d"]
        g = {}
        for t in x:
            taps = [t - (k - 1 - j) * d for j in range(k)]
            if taps[0] not in x:
                continue
            a = sum(x[u] @ conv.weight[j * conv.c_in:(j + 1) * conv.c_in] for j, u in enumerate(taps))
            if conv.bias is not None:
                a = a + conv.bias
            if bn is not None:
                a = bn.gamma * (a - bn.running_mean.reshape(-1)) / torch.sqrt(bn.running_var.reshape(-1) + bn.eps) + bn.beta
            C = a.shape[0] // 2
            g[t] = torch.tanh(a[:C]) * torch.sigmoid(a[C:])
        if blk["res"] is not None:
            x = {t: x[t] + g[t] @ blk["res"].weight + blk["res"].bias for t in g}
        skip = skip + g[T - 1] @ blk["skip"].weight + blk["skip"].bias
    h = torch.relu(torch.relu(skip) @ model.head1.weight + model.head1.bias)
    return h @ model.head2.weight + model.head2.bias


def check_gated_naive(gen):
    """Eval mode: the gated form over whole words against naive_gated_logits per example."""
    worst = 0.0
    for cfg in gated_cfgs():
        model = build_any(cfg)
        randomize(model, gen)
        set_training(model, False)
        X, _ = word_examples(random_words(gen, 5), cfg["block_size"])
        with torch.no_grad():
            err = (model(X) - torch.stack([naive_gated_logits(model, X[i].tolist()) for i in range(X.shape[0])])).abs().max().item()
        print(f"  gated block {cfg['block_size']}: whole words vs position-by-position per example, eval, max|diff| {err:.1e}")
        worst = max(worst, err)
    return worst < 1e-12


def check_finite_differences(gen):
    """Training mode: autograd's gradient of the mean cross-entropy against central
    finite differences, 4 elements of every parameter tensor."""
    worst, h = 0.0, 1e-6
    conv = {"vocab_size": 27, "block_size": 8, "n_embd": 4, "n_hidden": 5, "n_consec": 2, "n_flat_layers": 1,
            "bn_mode": MM_BN_FIXED, "form": FORM_CONV}
    for cfg in [conv] + gated_cfgs():
        model = build_any(cfg)
        randomize(model, gen)
        X, Y = word_examples(random_words(gen, 4), cfg["block_size"])
        loss = F.cross_entropy(model(X), Y)
        grads = torch.autograd.grad(loss, model.parameters())
        n, err = 0, 0.0
        for p, g in zip(model.parameters(), grads):
            flat, gflat = p.data.view(-1), g.view(-1)
            for i in torch.randint(0, flat.numel(), (4,), generator=gen).tolist():
                old = flat[i].item()
                with torch.no_grad():
                    flat[i] = old + h
                    up = F.cross_entropy(model(X), Y).item()
                    flat[i] = old - h
                    down = F.cross_entropy(model(X), Y).item()
                    flat[i] = old
                err = max(err, abs((up - down) / (2 * h) - gflat[i].item()) / max(1.0, abs(gflat[i].item())))
                n += 1
        print(f"  {['', 'conv', 'gated'][cfg['form']]:5s} block {cfg['block_size']}: autograd vs central differences, "
              f"training, {n} elements, max err {err:.1e}")
        worst = max(worst, err)
    return worst < 1e-7


def self_check():
    """Checks the sequence forms of this file against the lecture's model and against
    finite differences, in float64. Returns 0 when all pass."""
    torch.set_default_dtype(torch.float64)
    gen = torch.Generator().manual_seed(10)
    results = [check_conv_vs_hier(gen), check_gated_naive(gen), check_alone(gen), check_finite_differences(gen)]
    torch.set_default_dtype(torch.float32)
    print("self-check:", "PASS" if all(results) else "FAIL")
    return 0 if all(results) else 1



def main():
    global MAKEMORE_PY
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", nargs="*", help="input files written by mm_dump_inputs (<name>.in)")
    ap.add_argument("-o", "--outdir", default=os.path.join(os.path.dirname(__file__), "fixtures"))
    ap.add_argument("--makemore", default=MAKEMORE_PY, help="makemore.py (unmodified), for its models' classes")
    ap.add_argument("--self-check", action="store_true",
                    help="check the conv and gated forms (float64) against the lecture's model and finite differences")
    args = ap.parse_args()
    torch.set_num_threads(1)
    MAKEMORE_PY = args.makemore
    if args.self_check:
        return self_check()
    if not args.inputs:
        ap.error("no input files")
    os.makedirs(args.outdir, exist_ok=True)
    for path in args.inputs:
        name = os.path.splitext(os.path.basename(path))[0]
        recs = read_records(path, b"MMIN")
        cfg = {k[len(CONFIG_PREFIX):]: int(v[0]) for k, v in recs.items() if k.startswith(CONFIG_PREFIX)}
        runner = run_makemore if cfg.get("form") in (FORM_MLP, FORM_BOW, FORM_RNN) else run
        out32 = runner(cfg, recs, torch.float32)
        out64 = runner(cfg, recs, torch.float64)
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
