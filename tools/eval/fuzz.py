"""Differential test: random corpora scored by sacreBLEU (Python API) and by mt-bleu (CLI).

Usage:  .venv-eval/bin/python tools/eval/fuzz.py --bin .build-eval/release/mt-bleu --cases 300
Every case writes hypothesis/reference files, reads them back as sacreBLEU's CLI does
(split on \\n, rstrip), and compares sacreBLEU's text line at -w 17 (so even a last-ulp
difference in the score shows) with mt-bleu's. Prints mismatches and a summary; exit 1 on any.
"""
import argparse, os, random, subprocess, sys, tempfile

from sacrebleu.metrics import BLEU, CHRF

sys.path.insert(0, os.path.dirname(__file__))
import textgen


def read_lines(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip() for line in f]


def expected(metric, hyps, refs, width, sentence):
    if sentence:
        out = []
        for h, *rs in zip(hyps, *refs):
            s = metric.sentence_score(h, rs)
            out.append(s.format(width, False, metric.get_signature().format()))
        return "\n".join(out)
    s = metric.corpus_score(hyps, refs)
    return s.format(width, False, metric.get_signature().format())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--width", type=int, default=17)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(args.cases):
            n_refs = rng.choice([1, 1, 2, 3, 4])
            n_lines = rng.choice([1, 1, 2, 3, 5, 10, 30])
            if rng.random() < 0.3:
                hyps, refs = textgen.soup_corpus(rng, n_lines, n_refs)
            else:
                hyps, refs = textgen.corpus(rng, n_lines, n_refs)
            paths = []
            for k, lines in enumerate([hyps] + refs):
                p = os.path.join(tmp, f"f{k}.txt")
                with open(p, "w", encoding="utf-8", newline="\n") as f:
                    f.write("\n".join(lines) + "\n")
                paths.append(p)
            H = read_lines(paths[0])
            R = [read_lines(p) for p in paths[1:]]
            sentence = rng.random() < 0.15
            if rng.random() < 0.6:
                tok = rng.choice(["13a", "intl", "zh", "char", "none"])
                smooth = rng.choice(["exp", "floor", "add-k", "none"])
                sv = rng.choice([None, None, 0.5, 2.0, 0.01])
                lc = rng.random() < 0.3
                m = BLEU(tokenize=tok, smooth_method=smooth, smooth_value=sv if smooth in ("floor", "add-k") else None,
                         lowercase=lc, effective_order=sentence)
                flags = ["-m", "bleu", "-tok", tok, "-s", smooth]
                if sv is not None and smooth in ("floor", "add-k"):
                    flags += ["-sv", repr(sv)]
                if lc:
                    flags.append("-lc")
            else:
                nw = rng.choice([0, 2, 1])
                eps = rng.random() < 0.2
                lc = rng.random() < 0.2
                ws = rng.random() < 0.15
                m = CHRF(word_order=nw, eps_smoothing=eps, lowercase=lc, whitespace=ws)
                flags = ["-m", "chrf", "-cw", str(nw)]
                if eps: flags.append("--chrf-eps-smoothing")
                if lc: flags.append("--chrf-lowercase")
                if ws: flags.append("--chrf-whitespace")
            if sentence:
                flags.append("-sl")
            want = expected(m, H, R, args.width, sentence)
            cmd = [args.bin] + paths[1:] + ["-i", paths[0], "-f", "text", "-w", str(args.width), "-q"] + flags
            got = subprocess.run(cmd, capture_output=True, text=True)
            if got.returncode != 0 or got.stdout.rstrip("\n") != want:
                bad += 1
                print(f"MISMATCH case {case}: {' '.join(flags)}\n  want: {want!r}\n  got:  {got.stdout!r} {got.stderr!r}")
                if bad <= 3:
                    for k, p in enumerate(paths):
                        print(f"  file {k}: {open(p, encoding='utf-8').read()!r}")
    print(f"{args.cases - bad} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
