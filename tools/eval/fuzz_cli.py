"""Differential test of whole command lines: the real `sacrebleu` CLI against `mt-bleu`.

Usage:  .venv-eval/bin/python tools/eval/fuzz_cli.py --bin .build-eval/release/mt-bleu --cases 100
Random files (CRLF, lone CR, tabs, BOM, empty lines, missing final newline, odd whitespace)
are scored through stdin or -i with random options and output formats; stdout and success
must agree. Slow (one sacrebleu process per case).
"""
import argparse, os, random, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(__file__))
import textgen


def make_file(rng, lines, crlf, final_nl):
    sep = "\r\n" if crlf else "\n"
    text = sep.join(lines)
    if final_nl and lines:
        text += sep
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    exe = os.path.join(os.path.dirname(sys.executable), "sacrebleu")
    args.bin = os.path.abspath(args.bin)
    rng = random.Random(args.seed)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(args.cases):
            n_refs = rng.choice([1, 1, 2, 3])
            n = rng.choice([1, 2, 3, 6])
            hyps, refs = textgen.corpus(rng, n, n_refs)
            hyps = [h.replace("\t", " ").replace("\r", " ") for h in hyps]
            if rng.random() < 0.1:
                hyps = [h + "\t" + h[::-1] for h in hyps]  # two systems on stdin
            if rng.random() < 0.05:
                hyps = hyps[:-1]  # line count mismatch
            files = []
            for k, lines in enumerate(refs):
                p = os.path.join(tmp, f"ref{k}")
                with open(p, "w", encoding="utf-8", newline="") as f:
                    f.write(make_file(rng, lines, rng.random() < 0.2, rng.random() < 0.8))
                files.append(f"ref{k}")
            hyp_text = make_file(rng, hyps, rng.random() < 0.2, rng.random() < 0.8)
            with open(os.path.join(tmp, "hyp"), "w", encoding="utf-8", newline="") as f:
                f.write(hyp_text)
            opts = []
            if rng.random() < 0.5:
                opts += ["-m"] + rng.sample(["bleu", "chrf"], rng.choice([1, 2]))
            if rng.random() < 0.4:
                opts += ["-tok", rng.choice(["13a", "intl", "zh", "char", "none"])]
            if rng.random() < 0.3:
                opts += ["-s", rng.choice(["exp", "floor", "add-k", "none"])]
            if rng.random() < 0.2:
                opts += ["-lc"]
            if rng.random() < 0.2:
                opts += ["--chrf-word-order", "2"]
            if rng.random() < 0.3:
                opts += ["-f", rng.choice(["text", "json"])]
            if rng.random() < 0.2:
                opts += ["-b"]
            if rng.random() < 0.2:
                opts += ["-w", str(rng.choice([0, 2, 3]))]
            if rng.random() < 0.1:
                opts += ["-l", rng.choice(["en-de", "en-zh", "de-en"])]
            if rng.random() < 0.1 and opts.count("bleu") + opts.count("chrf") <= 1:
                opts += ["-sl"]
            use_stdin = rng.random() < 0.6
            argv = files + ([] if use_stdin else ["-i", "hyp"]) + opts
            stdin = hyp_text.encode("utf-8") if use_stdin else b""
            want = subprocess.run([exe] + argv, cwd=tmp, input=stdin, capture_output=True,
                                  env=dict(os.environ, NO_COLOR="1"))
            got = subprocess.run([args.bin] + argv, cwd=tmp, input=stdin, capture_output=True)
            ok = (want.returncode == 0) == (got.returncode == 0)
            if want.returncode == 0:
                ok = ok and want.stdout == got.stdout
            if not ok:
                bad += 1
                print(f"MISMATCH case {case}: {' '.join(argv)} stdin={use_stdin}\n  want({want.returncode}): {want.stdout[:600]!r}\n  got({got.returncode}):  {got.stdout[:600]!r} {got.stderr[:300]!r}")
    print(f"{args.cases - bad} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
