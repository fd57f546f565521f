#!/usr/bin/env python3
"""Random Zipf-like corpus over a tiny alphabet (python3 random_corpus.py SEED > corpus.txt).

Used to fuzz MTText's BPE against subword-nmt 0.3.8. Some alphabets hold a tab or NBSP, which
subword-nmt keeps inside words; its regex-based merge then behaves differently from a plain
symbol merge, and the committed quirk_*.txt fixtures (seeds 3 and 18) are cases where a naive
learner and subword-nmt disagree.
"""
import random, sys
seed = int(sys.argv[1]); random.seed(seed)
alpha = random.choice([list("ab"), list("abc"), list("abcd\u00a0"), list("ab\tc"), list("aé\u0301b"), list("xyz\u3000"), list("ab</w>"), list("abcdefgh")])
words = []
for _ in range(random.randint(50, 400)):
    L = random.randint(1, 9)
    words.append("".join(random.choice(alpha) for _ in range(L)))
lines = []
for _ in range(random.randint(100, 2000)):
    n = random.randint(0, 12)
    # zipf-ish choice
    line = " ".join(words[min(int(random.paretovariate(1.1)) - 1, len(words) - 1)] for _ in range(n))
    lines.append(line)
sys.stdout.buffer.write(("\n".join(lines) + "\n").encode("utf-8"))
