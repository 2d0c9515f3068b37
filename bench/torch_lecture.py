"""The lecture's own PyTorch training step, timed: the speed baseline for bench/speed.mjs.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_lecture.py --preset wavenet76k --batch 32 --steps 2000

Builds the model with the lecture's classes (Embedding, FlattenConsecutive, Linear,
BatchNorm1d with the 3-D fix, Tanh, Sequential; from tests/reference.py) on random contexts of names.txt's
27 symbols, and runs the lecture's train() loop body: a random batch, forward,
F.cross_entropy, zeroed grads, backward, SGD update. One thread, like our core.
Prints one JSON line: {"batch", "steps", "seconds", "steps_per_sec", "torch"}.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

# the lecture's classes, shared with the reference fixtures
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from reference import build_model  # noqa: E402

PRESETS = {  # block, n_embd, n_hidden, n_consec
    "mlp3": (3, 10, 200, 0),
    "mlp8": (8, 10, 200, 0),
    "wavenet22k": (8, 10, 68, 2),
    "wavenet76k": (8, 24, 128, 2),
}


def define_nn(vocab_size, block_size, n_embd, n_hidden, n_consec):
    model = build_model({"vocab_size": vocab_size, "block_size": block_size, "n_embd": n_embd, "n_hidden": n_hidden,
                         "n_consec": n_consec, "n_flat_layers": 1, "bn_mode": 0})
    with torch.no_grad():
        model.layers[-1].weight *= 0.1  # last layer made less confident, as the lecture
    parameters = model.parameters()
    for p in parameters:
        p.requires_grad = True
    return model, parameters


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="wavenet76k", choices=sorted(PRESETS))
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--examples", type=int, default=182473)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(42)
    block, n_embd, n_hidden, n_consec = PRESETS[args.preset]
    vocab = 27
    x = torch.randint(0, vocab, (args.examples, block))
    y = torch.randint(0, vocab, (args.examples,))
    model, parameters = define_nn(vocab, block, n_embd, n_hidden, n_consec)
    n_params = sum(p.nelement() for p in parameters)

    def step(lr):
        bix = torch.randint(0, x.shape[0], (args.batch,))
        xb, yb = x[bix], y[bix]
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -lr * p.grad
        return loss

    for _ in range(max(20, args.steps // 20)):  # warm-up
        step(0.1)
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step(0.1)
    secs = time.perf_counter() - t0
    print(json.dumps({"preset": args.preset, "params": n_params, "batch": args.batch, "steps": args.steps,
                      "seconds": secs, "steps_per_sec": args.steps / secs, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
