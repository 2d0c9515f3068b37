#!/usr/bin/python3
# split_reference.py: the lecture's split of a word list, by Python's own random
# module (the independent reference for the core's split; standard library only).
#
#   words = open('names.txt').read().splitlines()
#   random.seed(42); random.shuffle(words)          (makemore part 5; part 3 shuffles again)
#   n1 = int(0.8*len(words)); n2 = int(0.9*len(words))
#   train, val, test = words[:n1], words[n1:n2], words[n2:]
#
# Writes, for 1 and 2 shuffles, each split's word count, example count (one per
# character plus the end token), first and last 3 words and the SHA-256 of its
# words (UTF-8, each followed by a newline), as JSON:
#   /usr/bin/python3 tests/split_reference.py data/names.txt > tests/fixtures/split_names.json
# The parse is the core's (mm_words_parse) for this file: lines trimmed of
# spaces, tabs, CR, VT and FF, blank lines skipped.
import hashlib
import json
import random
import sys


def split(words, shuffles, seed=42):
    w = list(words)
    random.seed(seed)
    for _ in range(shuffles):
        random.shuffle(w)
    n1, n2 = int(0.8 * len(w)), int(0.9 * len(w))
    return w[:n1], w[n1:n2], w[n2:]


def main(path):
    with open(path, encoding='utf-8') as f:
        words = [line.strip(' \t\r\v\f') for line in f.read().split('\n')]
    words = [w for w in words if w]
    out = {'source': path, 'seed': 42, 'words': len(words), 'splits': []}
    for shuffles in (1, 2):
        parts = split(words, shuffles)
        out['splits'].append({
            'shuffles': shuffles,
            **{name: {'words': len(p), 'examples': sum(len(w) + 1 for w in p), 'first': p[:3], 'last': p[-3:],
                      'sha256': hashlib.sha256(''.join(w + '\n' for w in p).encode()).hexdigest()}
               for name, p in zip(('train', 'val', 'test'), parts)},
        })
    # one split per line: small, and diffs read well
    lines = [json.dumps(s, ensure_ascii=False) for s in out.pop('splits')]
    head = json.dumps(out, ensure_ascii=False)[:-1]
    sys.stdout.write(head + ', "splits": [\n ' + ',\n '.join(lines) + '\n]}\n')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'data/names.txt')
