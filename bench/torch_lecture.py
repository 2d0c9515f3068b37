"""The lecture's own PyTorch training step, timed: the speed baseline for bench/speed.mjs.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_lecture.py --preset wavenet76k --batch 32 --steps 2000

Builds the model with the lecture's classes (Embedding, FlattenConsecutive, Linear,
BatchNorm1d with the 3-D fix, Tanh, Sequential) on random contexts of names.txt's
27 symbols, and runs the lecture's train() loop body: a random batch, forward,
F.cross_entropy, zeroed grads, backward, SGD update. One thread, like our core.
Prints one JSON line: {"batch", "steps", "seconds", "steps_per_sec", "torch"}.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


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
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        if self.training:
            if x.ndim == 2:
                dim = 0
            elif x.ndim == 3:
                dim = (0, 1)
            xmean = x.mean(dim, keepdim=True)
            xvar = x.var(dim, keepdim=True)
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
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


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        self.out = x
        return self.out

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


PRESETS = {  # block, n_embd, n_hidden, hierarchical
    "mlp3": (3, 10, 200, False),
    "mlp8": (8, 10, 200, False),
    "wavenet22k": (8, 10, 68, True),
    "wavenet76k": (8, 24, 128, True),
}


def define_nn(vocab_size, block_size, n_embd, n_hidden, hierarchical):
    if hierarchical:
        layers = [Embedding(vocab_size, n_embd), FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False),
                  BatchNorm1d(n_hidden), Tanh()]
        t = block_size // 2
        while t > 1:
            layers += [FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh()]
            t //= 2
    else:
        layers = [Embedding(vocab_size, n_embd), FlattenConsecutive(block_size),
                  Linear(n_embd * block_size, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh()]
    layers.append(Linear(n_hidden, vocab_size))
    model = Sequential(layers)
    with torch.no_grad():
        model.layers[-1].weight *= 0.1
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
    block, n_embd, n_hidden, hier = PRESETS[args.preset]
    vocab = 27
    x = torch.randint(0, vocab, (args.examples, block))
    y = torch.randint(0, vocab, (args.examples,))
    model, parameters = define_nn(vocab, block, n_embd, n_hidden, hier)
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
