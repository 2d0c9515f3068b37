"""makemore.py's models in PyTorch: the baseline of bench/zoo-speed.mjs and bench/zoo-fidelity.mjs.

    /usr/bin/python3 bench/zoo_torch.py speed --type gru --threads 1 [--steps 490] [--skip 50]
    /usr/bin/python3 bench/zoo_torch.py fidelity --type gru --seed 1 --split SPLIT.json [--steps 10000]

Karpathy's makemore.py (../shared/reference/makemore.py, or --makemore PATH) is used unmodified.
Debian's python3-torch has no tensorboard: torch.utils.tensorboard gets a stand-in (a SummaryWriter
whose methods do nothing) before makemore.py is imported or run.

speed: for mlp, bow, rnn and gru, runs makemore.py AS A SCRIPT (runpy, run_name '__main__': its own
argparse, create_datasets, InfiniteDataLoader, AdamW and training loop) with
`-i names.txt --type T --max-steps N -o TMPDIR --seed 3407 -n W` (W: --num-workers, makemore.py's default 4); it prints `step k | loss | step time X ms`
every 10 steps (the time of that one step: the batch from the loader, forward, zero_grad, backward,
AdamW step). The steps before --skip are dropped; the periodic eval (every 500 steps) and samples
(every 200) run outside its timed region, and N < 500 leaves the eval out altogether. makemore.py has
no LSTM: for lstm the same loop body (a copy of makemore.py's, timed the same way, every 10th step kept) runs
on the LSTM class below, with makemore.py's create_datasets and InfiniteDataLoader.
--threads 1: torch.set_num_threads(1) (and OPENBLAS_NUM_THREADS=1 from the caller); --threads N: N.
Prints one JSON line: type, params, threads, median_ms, mean_ms, samples, torch.

fidelity: trains makemore.py's class (MLP, BoW, RNN(cell_type rnn/gru); LSTM below) at makemore.py's
settings (n_embd 64, n_embd2 64, block 16, AdamW lr 5e-4, betas (0.9, 0.99), eps 1e-8, weight
decay 0.01, batches of 32 training words drawn with replacement by makemore.py's InfiniteDataLoader
(num_workers 0) from makemore.py's CharDataset) on the train words of SPLIT.json (our core's split,
written by bench/zoo-fidelity.mjs; checked here against Python's random.seed(42) + 2 shuffles), then
the val loss per character: the sum of the masked cross-entropy over all val words / the unmasked
positions. Prints one JSON line: type, seed, steps, params, val_loss, train_loss, seconds.
"""
import argparse
import contextlib
import importlib.util
import io
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import types

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
DEFAULT_MAKEMORE = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'reference', 'makemore.py'))


def stub_tensorboard():
    """torch.utils.tensorboard with a SummaryWriter that does nothing (python3-torch has none)."""
    class SummaryWriter:
        def __init__(self, *a, **k):
            pass

        def __getattr__(self, name):
            return lambda *a, **k: None
    m = types.ModuleType('torch.utils.tensorboard')
    m.SummaryWriter = SummaryWriter
    sys.modules['torch.utils.tensorboard'] = m


def import_makemore(path):
    stub_tensorboard()
    spec = importlib.util.spec_from_file_location('makemore', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # its __main__ block does not run
    return mod


class LSTM(nn.Module):
    """makemore.py has no LSTM: its RNN's frame (wte, a learned start state expanded over the batch, a loop
    over time, lm_head) with torch.nn.LSTMCell and a second learned start state for the cell state."""

    def __init__(self, config):
        super().__init__()
        self.block_size = config.block_size
        self.vocab_size = config.vocab_size
        self.start = nn.Parameter(torch.zeros(1, config.n_embd2))    # starting hidden state
        self.start_c = nn.Parameter(torch.zeros(1, config.n_embd2))  # starting cell state
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.cell = nn.LSTMCell(config.n_embd, config.n_embd2)
        self.lm_head = nn.Linear(config.n_embd2, self.vocab_size)

    def get_block_size(self):
        return self.block_size

    def forward(self, idx, targets=None):
        b, t = idx.size()
        emb = self.wte(idx)
        h = self.start.expand((b, -1))
        c = self.start_c.expand((b, -1))
        hiddens = []
        for i in range(t):
            h, c = self.cell(emb[:, i, :], (h, c))
            hiddens.append(h)
        logits = self.lm_head(torch.stack(hiddens, 1))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


def build_model(mm, kind, vocab_size, block_size):
    config = mm.ModelConfig(vocab_size=vocab_size, block_size=block_size, n_embd=64, n_embd2=64)
    if kind == 'mlp':
        return mm.MLP(config)
    if kind == 'bow':
        return mm.BoW(config)
    if kind in ('rnn', 'gru'):
        return mm.RNN(config, cell_type=kind)
    if kind == 'lstm':
        return LSTM(config)
    raise ValueError(kind)


def optimizer_of(model):  # makemore.py's
    return torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)


def speed(a):
    torch.set_num_threads(a.threads)
    data = os.path.abspath(a.data)
    with tempfile.TemporaryDirectory() as work:
        if a.type != 'lstm':
            stub_tensorboard()
            import runpy
            sys.argv = [a.makemore, '-i', data, '--type', a.type, '--max-steps', str(a.steps), '-o', work,
                        '--seed', str(a.seed), '--num-workers', str(a.num_workers)]
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                runpy.run_path(a.makemore, run_name='__main__')
            text = out.getvalue()
            params = int(re.search(r'model #params: (\d+)', text).group(1))
            times = [(int(k), float(ms)) for k, ms in re.findall(r'^step (\d+) \| loss \S+ \| step time ([\d.]+)ms', text, re.M)]
        else:  # makemore.py's loop, copied, on the LSTM class
            mm = import_makemore(a.makemore)
            torch.manual_seed(a.seed)
            with contextlib.redirect_stdout(io.StringIO()):
                train_dataset, _ = mm.create_datasets(data)
            model = build_model(mm, 'lstm', train_dataset.get_vocab_size(), train_dataset.get_output_length())
            params = sum(p.numel() for p in model.parameters())
            optimizer = optimizer_of(model)
            batch_loader = mm.InfiniteDataLoader(train_dataset, batch_size=32, pin_memory=True, num_workers=a.num_workers)
            times = []
            for step in range(a.steps):
                t0 = time.time()
                batch = batch_loader.next()
                batch = [t.to('cpu') for t in batch]
                X, Y = batch
                logits, loss = model(X, Y)
                model.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                t1 = time.time()
                if step % 10 == 0:  # sampled as makemore.py prints them
                    loss.item()
                    times.append((step, (t1 - t0) * 1000))
    kept = [ms for k, ms in times if k >= a.skip]
    print(json.dumps({'type': a.type, 'params': params, 'threads': torch.get_num_threads(), 'num_workers': a.num_workers,
                      'median_ms': statistics.median(kept), 'mean_ms': statistics.fmean(kept), 'samples': len(kept),
                      'torch': torch.__version__}))


def read_words(path):  # as our core parses the list (tests/split_reference.py)
    with open(path, encoding='utf-8') as f:
        words = [line.strip(' \t\r\v\f') for line in f.read().split('\n')]
    return [w for w in words if w]


def python_split(words, shuffles=2, seed=42):  # the lecture's, as tests/split_reference.py
    w = list(words)
    random.seed(seed)
    for _ in range(shuffles):
        random.shuffle(w)
    n1, n2 = int(0.8 * len(w)), int(0.9 * len(w))
    return {'train': w[:n1], 'val': w[n1:n2], 'test': w[n2:]}


def fidelity(a):
    torch.set_num_threads(a.threads)
    mm = import_makemore(a.makemore)
    with open(a.split, encoding='utf-8') as f:
        split = json.load(f)
    words = read_words(a.data)
    if python_split(words) != {k: split[k] for k in ('train', 'val', 'test')}:
        raise SystemExit('the split file differs from random.seed(42), 2 x random.shuffle, 80/10/10')
    chars = sorted(set(''.join(words)))
    max_len = max(len(w) for w in words)
    train = mm.CharDataset(split['train'], chars, max_len)
    val = mm.CharDataset(split['val'], chars, max_len)
    torch.manual_seed(a.seed)
    model = build_model(mm, a.type, train.get_vocab_size(), train.get_output_length())
    params = sum(p.numel() for p in model.parameters())
    optimizer = optimizer_of(model)
    loader = mm.InfiniteDataLoader(train, batch_size=32, num_workers=0)
    t0 = time.perf_counter()
    for _ in range(a.steps):
        X, Y = loader.next()
        _, loss = model(X, Y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    secs = time.perf_counter() - t0

    @torch.no_grad()
    def per_char(ds):
        model.eval()
        total, count = 0.0, 0
        for X, Y in torch.utils.data.DataLoader(ds, batch_size=1000, shuffle=False):
            logits, _ = model(X)
            total += F.cross_entropy(logits.view(-1, logits.size(-1)), Y.view(-1), ignore_index=-1, reduction='sum').item()
            count += (Y != -1).sum().item()
        model.train()
        return total / count
    print(json.dumps({'type': a.type, 'seed': a.seed, 'steps': a.steps, 'params': params, 'val_loss': per_char(val),
                      'train_loss': per_char(train), 'seconds': secs, 'torch': torch.__version__}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['speed', 'fidelity'])
    ap.add_argument('--type', choices=['mlp', 'bow', 'rnn', 'gru', 'lstm'], default='gru')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int)
    ap.add_argument('--skip', type=int, default=50, help='speed: steps left out of the timing at the start')
    ap.add_argument('--seed', type=int, default=3407)
    ap.add_argument('--num-workers', type=int, default=4, help="speed: makemore.py's -n, its DataLoader's worker processes (its default 4)")
    ap.add_argument('--data', default=os.path.join(ROOT, 'data', 'names.txt'))
    ap.add_argument('--split', help='fidelity: JSON {train, val, test} word lists (our core\'s split)')
    ap.add_argument('--makemore', default=DEFAULT_MAKEMORE)
    a = ap.parse_args()
    if a.mode == 'speed':
        a.steps = a.steps or 490
        speed(a)
    else:
        a.steps = 10000 if a.steps is None else a.steps
        fidelity(a)


if __name__ == '__main__':
    main()
