"""Records the golden cases in Tests/MTEvalTests/Fixtures/ from sacreBLEU 2.x.

Rerun (from the repository root):
    python3 -m venv .venv-eval && .venv-eval/bin/pip install 'sacrebleu==2.*'
    .venv-eval/bin/python tools/eval/make_fixtures.py
The output is deterministic for a given sacreBLEU version (fixed seeds). It writes
  golden.json      corpus/sentence BLEU and chrF cases: lines as sacreBLEU's CLI reads them
                   (rstripped), options, and sacreBLEU's printed text line at -w 1 (the CLI
                   default), at -w 2, at -w 17 (to catch last-ulp differences), and for some
                   cases the full CLI JSON object.
  cli.json         command lines run through the real `sacrebleu` CLI: files, stdin, args,
                   stdout and exit code, for end-to-end tests of the mt-bleu executable.
  unicode.json     the `regex` module's \\p{N}/\\p{P}/\\p{S} ranges and Python's str.lower()
                   table for every code point, to check the Swift tables against.
"""
import json, os, random, subprocess, sys, tempfile

import regex
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF

sys.path.insert(0, os.path.dirname(__file__))
import textgen

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "MTEvalTests", "Fixtures")
TOKS = ["none", "13a", "intl", "zh", "char"]
SMOOTHS = ["exp", "floor", "add-k", "none"]


def clean(lines):
    """Lines as sacreBLEU's CLI hands them over: no newline inside, rstripped."""
    out = []
    for l in lines:
        out.append(l.replace("\n", " ").rstrip())
    return out


def record(cases, cid, metric, hyps, refs, sentence=False, json_too=False, **opt):
    hyps = clean(hyps)
    refs = [clean(r) for r in refs]
    if metric == "bleu":
        m = BLEU(tokenize=opt.get("tok", "13a"), smooth_method=opt.get("smooth", "exp"),
                 smooth_value=opt.get("smooth_value"), lowercase=opt.get("lc", False),
                 effective_order=sentence)
    else:
        m = CHRF(char_order=opt.get("nc", 6), word_order=opt.get("nw", 0), beta=opt.get("beta", 2),
                 lowercase=opt.get("lc", False), whitespace=opt.get("ws", False),
                 eps_smoothing=opt.get("eps", False))
    case = {"id": cid, "metric": metric, "sentence": sentence, "options": opt,
            "hyp": hyps, "refs": refs}
    if sentence:
        lines = {1: [], 2: [], 17: []}
        for h, *rs in zip(hyps, *refs):
            s = m.sentence_score(h, rs)
            sig = m.get_signature().format()
            for w in lines:
                lines[w].append(s.format(w, False, sig))
        case["text"] = lines[1]
        case["text2"] = lines[2]
        case["text17"] = lines[17]
    else:
        s = m.corpus_score(hyps, refs)
        sig = m.get_signature().format()
        case["text"] = s.format(1, False, sig)
        case["text2"] = s.format(2, False, sig)
        case["text17"] = s.format(17, False, sig)
        if json_too:
            case["json"] = s.format(1, False, sig, is_json=True)
    cases.append(case)


def edge_cases(cases):
    """Hand-written cases for each trap in TEXT-REFERENCE.md."""
    E = [
        ("empty-hyp-all", [""], ["The cat sat on the mat ."]),
        ("empty-hyp-some", ["", "a b c d e", ""], ["x y z", "a b c d e", "q"]),
        ("empty-ref-line", ["a b c d", "e f"], ["a b c d", ""]),
        ("hyp-longer", ["the the the cat sat on the mat and then some more words here"], ["the cat sat on the mat"]),
        ("single-line", ["Hello world, this is a test."], ["Hello world, this is the test."]),
        ("identical-short", ["a b", "c d e"], ["a b", "c d e"]),
        ("identical-1tok", ["a"], ["a"]),
        ("no-match", ["x y z w v"], ["a b c d e"]),
        ("13a-dash-dot", ["5.-6 and 5-6 , a-b -5 1,000.5 3.14 2019."], ["5 . -6 and 5 - 6 , a-b -5 1,000.5 3.14 2019 ."]),
        ("13a-entities", ["&amp;lt; &amp;quot; &quot;hi&quot; AT&amp;T &apos; &#39; <skipped> x<skipped>y"], ["< &quot; \"hi\" AT&T ' ' x y"]),
        ("13a-nonascii-punct", ["“Hello” — he said… «oui» ¿qué? it’s"], ["\"Hello\" - he said... oui qué? it's"]),
        ("zh-range-bug", ["价格是 10€ — 很好 “好” 𠀀𠀁 鿋 カタカナ 한국"], ["价格是10 € —很好“好”𠀀 𠀁鿋カタカナ한국"]),
        ("zh-numbers", ["我在2019年。测试1,000元,5.5%"], ["我 在 2019 年 。 测试 1,000 元 , 5.5 %"]),
        ("intl-apostrophe", ["don't stop-believing 3.14 ٣٤.٥ 2019. $5+3=8 ©2020"], ["do n't stop believing 3.14 ٣٤.٥ 2019 . $ 5 + 3 = 8 © 2020"]),
        ("nfc-vs-nfd", ["caf\u00e9 na\u00efve"], ["cafe\u0301 nai\u0308ve"]),
        ("bom", ["\ufeffThe cat sat on the mat"], ["The cat sat on the mat"]),
        ("zero-width", ["a\u200bb c\u2060d e"], ["a b c d e"]),
        ("python-whitespace", ["a\x1cb\x1dc\x1ed\x1fe\x85f\u00a0g\u3000h\u2028i"], ["a b c d e f g h i"]),
        ("final-sigma", ["ΟΔΟΣ ΣΟΦΙΑΣ Σ ΑΣ. Σ_Σ"], ["οδος σοφιας σ ας. σ_σ"]),
        ("turkish-i", ["İSTANBUL İzmir IŞIK"], ["i̇stanbul i̇zmir işik"]),
        ("emoji-mod", ["👍🏽 ❤️ 🇩🇪 👨‍👩‍👧 ok"], ["👍 ❤ 🇩 👨 ok"]),
        ("combining", ["o\u0302\u0323 a\u0308 e\u0301\u0301"], ["\u1ed9 \u00e4 \u00e9"]),
        ("urls", ["See http://example.com/a?b=c&d=e or mail user@mail.com."], ["See http://example.com/a?b=c&amp;d=e or mail user@mail.com ."]),
        ("numbers-sep", ["1,000,000.50 1.000.000,50 12:30 50% 10.000,- 3,14€"], ["1,000,000.50 1.000.000,50 12:30 50 % 10.000,- 3,14 €"]),
        ("leading-space", ["   a b c d e"], ["a b c d e   "]),
        ("chrf-punct-words", ["(hi) ... \"a\" x. .y a.b ,"], ["( hi ) .. . \"a \" x . . y a.b ,"]),
    ]
    for name, h, r in E:
        for tok in ["13a", "intl", "zh", "char", "none"]:
            for smooth in (["exp", "floor", "add-k", "none"] if name in ("identical-short", "identical-1tok", "empty-hyp-some", "no-match") else ["exp"]):
                record(cases, f"edge-{name}-{tok}-{smooth}", "bleu", h, [r], tok=tok, smooth=smooth)
        record(cases, f"edge-{name}-lc", "bleu", h, [r], tok="13a", lc=True)
        record(cases, f"edge-{name}-chrf", "chrf", h, [r])
        record(cases, f"edge-{name}-chrf++", "chrf", h, [r], nw=2)
        record(cases, f"edge-{name}-chrf-lc", "chrf", h, [r], nw=2, lc=True)
        record(cases, f"edge-{name}-sent", "bleu", h, [r], sentence=True)
    # Many distinct characters in one segment (n-gram keys overflow 64 bits and get ranked),
    # and high character orders.
    rng = random.Random(3)
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    ref = "".join(rng.choice(pool) for _ in range(4000))
    hyp = "".join(c if rng.random() > 0.1 else rng.choice(pool) for c in ref)
    record(cases, "edge-many-distinct-chrf", "chrf", [hyp, "短"], [[ref, "短句"]])
    record(cases, "edge-many-distinct-chrf++", "chrf", [hyp[:3000] + " a b", "x"], [[ref[:2800] + " a", "x y"]], nw=2)
    record(cases, "edge-many-distinct-bleu-char", "bleu", [hyp[:1500]], [[ref[:1500]]], tok="char")
    h, r = textgen.corpus(rng, 4, 2, ["de"])
    record(cases, "edge-high-order-chrf-nc12", "chrf", h, r, nc=12)
    record(cases, "edge-high-order-chrf-nc14-nw5", "chrf", h, r, nc=14, nw=5)
    # Smoothing values given explicitly.
    rng = random.Random(7)
    h, r = textgen.corpus(rng, 3, 2, ["en"])
    for smooth, sv in [("floor", 0.5), ("floor", 0.01), ("add-k", 0.5), ("add-k", 2.0), ("add-k", 1.0), ("exp", 0.3)]:
        record(cases, f"smooth-value-{smooth}-{sv}", "bleu", h, r, json_too=True, tok="13a", smooth=smooth, smooth_value=sv)


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    rng = random.Random(12345)
    # 1. Every tokenizer x smoothing x 1-4 references, cycling through languages.
    i = 0
    for tok in TOKS:
        for smooth in SMOOTHS:
            for nrefs in (1, 2, 3, 4):
                langs = textgen.LANG_SETS[i % len(textgen.LANG_SETS)]
                n = rng.choice([1, 2, 5, 12])
                h, r = textgen.corpus(rng, n, nrefs, langs)
                record(cases, f"grid-{tok}-{smooth}-{nrefs}ref-{'+'.join(langs)}", "bleu", h, r,
                       json_too=(nrefs == 1), tok=tok, smooth=smooth)
                i += 1
    # 2. Languages and text categories x tokenizers (+ lowercase).
    cats = ["de", "fr", "cs", "zh", "ja", "ko", "el", "tr", "ar", "emoji", "marks", "num", "url", "ent", "punct"]
    for cat in cats:
        langs = [cat] if cat in ("de", "fr", "cs", "zh", "ja", "ko", "el", "tr", "ar") else ["en", cat]
        h, r = textgen.corpus(rng, 6, rng.choice([1, 2]), langs)
        for tok in TOKS:
            record(cases, f"lang-{cat}-{tok}", "bleu", h, r, tok=tok)
        record(cases, f"lang-{cat}-13a-lc", "bleu", h, r, tok="13a", lc=True)
        record(cases, f"lang-{cat}-intl-lc", "bleu", h, r, tok="intl", lc=True)
        record(cases, f"lang-{cat}-chrf", "chrf", h, r, json_too=True)
        record(cases, f"lang-{cat}-chrf++", "chrf", h, r, nw=2, json_too=True)
    # 3. chrF variants with 1-4 references.
    for k in range(24):
        nrefs = 1 + k % 4
        h, r = textgen.corpus(rng, rng.choice([1, 3, 8]), nrefs)
        opt = {"nw": [0, 2, 1][k % 3]}
        if k % 5 == 1: opt["eps"] = True
        if k % 7 == 2: opt["ws"] = True
        if k % 4 == 3: opt["lc"] = True
        if k % 11 == 4: opt["beta"] = 1
        if k % 13 == 5: opt["nc"] = 4
        record(cases, f"chrf-{k}-{nrefs}ref", "chrf", h, r, **opt)
    # 4. Sentence level.
    for k in range(12):
        nrefs = 1 + k % 3
        h, r = textgen.corpus(rng, 4, nrefs)
        record(cases, f"sent-bleu-{k}", "bleu", h, r, sentence=True, tok=TOKS[k % 5], smooth=SMOOTHS[k % 4])
    for k in range(3):
        h, r = textgen.corpus(rng, 3, 1 + k)
        record(cases, f"sent-chrf-{k}", "chrf", h, r, sentence=True, nw=2 * (k % 2))
    edge_cases(cases)
    # 5. Larger corpora, so the multi-threaded path (chunks of 256+ lines) is compared too.
    h, r = textgen.corpus(random.Random(99), 600, 2)
    record(cases, "big-bleu-13a-2ref", "bleu", h, r, tok="13a")
    record(cases, "big-chrf++-2ref", "chrf", h, r, nw=2)
    text = json.dumps({"sacrebleu": sacrebleu.__version__, "cases": cases}, ensure_ascii=False, indent=0)
    # Foundation's JSON reader drops a raw U+FEFF inside strings; write it as an escape.
    text = text.replace("\ufeff", "\\ufeff")
    with open(os.path.join(OUT, "golden.json"), "w", encoding="utf-8") as f:
        f.write(text)
    print(f"golden.json: {len(cases)} cases")
    cli_cases()
    unicode_tables()


def run_cli(tmp, args, stdin=None):
    exe = os.path.join(os.path.dirname(sys.executable), "sacrebleu")
    p = subprocess.run([exe] + args, cwd=tmp, input=stdin, capture_output=True,
                       env=dict(os.environ, NO_COLOR="1"))
    return p.stdout.decode("utf-8"), p.returncode


def cli_cases():
    files = {
        "ref.en": "The cat sat on the mat.\nHello world, 2019.\nIt's a test &amp; more.\n",
        "ref2.en": "A cat was sitting on the mat.\nHello, world 2019.\nIt is a test and more.\n",
        "hyp.en": "The cat sat on a mat.\nHello world 2019.\nIt's a test & more .\n",
        "crlf.en": "The cat sat on a mat.\r\nHello world 2019.\r\nIt's a test & more .\r\n",
        "short.en": "The cat sat on a mat.\nHello world 2019.\n",
        "zh.ref": "我们今天去公园。\n你好，世界！\n",
        "zh.hyp": "我们 今天去 公园 。\n你好世界！\n",
        "empty.txt": "",
        "one.ref": "just one line\n",
        "bad.utf8": "ok line\nbad \udcff line\n",
        "nonl.ref": "The cat sat on the mat.\nHello world, 2019.\nIt's a test &amp; more.",
        "tabref.en": "The cat sat on the mat.\tA cat was sitting on the mat.\nHello world, 2019.\tHello, world 2019.\nIt's a test &amp; more.\tIt is a test and more.\n",
    }
    H = files["hyp.en"]
    TABS = "".join(f"{a}\t{b}\n" for a, b in zip(H.splitlines(), files["ref2.en"].splitlines()))
    C = [
        (["ref.en"], H), (["ref.en", "-i", "hyp.en"], None), (["ref.en", "-f", "text"], H),
        (["ref.en", "ref2.en", "-i", "hyp.en", "-f", "text"], None),
        (["ref.en", "-m", "bleu", "chrf"], H), (["ref.en", "-m", "bleu", "chrf", "-f", "text"], H),
        (["ref.en", "-m", "chrf", "bleu", "-b"], H), (["ref.en", "-m", "bleu", "chrf", "-b", "-f", "text"], H),
        (["ref.en", "-b"], H), (["ref.en", "-b", "-w", "4"], H), (["ref.en", "-w", "3", "-f", "text", "-sh"], H),
        (["ref.en", "-m", "chrf", "--chrf-word-order", "2"], H), (["ref.en", "-m", "chrf", "-cw", "2", "-f", "text"], H),
        (["ref.en", "-sl"], H), (["ref.en", "-sl", "-b", "-w", "2"], H), (["ref.en", "-sl", "-m", "chrf"], H),
        (["ref.en", "-tok", "intl", "-s", "floor", "-sv", "0.2", "-lc", "-f", "text"], H),
        (["ref.en", "-s", "add-k", "-f", "text"], H), (["ref.en", "-s", "none"], H),
        (["ref.en", "-tok", "char", "-f", "text"], H), (["ref.en", "-tok", "none", "-f", "text"], H),
        (["zh.ref", "-l", "en-zh", "-f", "text"], files["zh.hyp"]), (["zh.ref", "-l", "en-zh"], files["zh.hyp"]),
        (["zh.ref", "-l", "zh-en", "-f", "text"], files["zh.hyp"]),
        (["ref.en", "-l", "en-de", "-f", "text"], H),
        (["ref.en", "-i", "crlf.en", "-f", "text"], None), (["ref.en", "-f", "text"], files["crlf.en"]),
        (["nonl.ref", "-f", "text"], H),
        (["ref.en", "-nr", "1", "-f", "text"], H), (["tabref.en", "-nr", "2", "-f", "text"], H),
        (["one.ref", "-f", "text"], ""),
        (["ref.en", "-i", "short.en"], None), (["ref.en"], files["short.en"]),
        (["ref.en", "-i", "empty.txt"], None), (["ref.en"], ""),
        (["ref.en", "-i", "bad.utf8"], None),
        (["ref.en", "-f", "text", "--chrf-lowercase", "-m", "chrf"], H),
        # Several systems: tab-separated stdin or several -i files.
        (["ref.en"], TABS), (["ref.en", "-f", "text", "-m", "bleu", "chrf"], TABS),
        (["ref.en", "ref2.en", "-f", "text", "-w", "2", "-sh"], TABS),
        (["ref.en", "-i", "hyp.en", "short.en"], None), (["ref.en", "-i", "hyp.en", "crlf.en", "-f", "text"], None),
    ]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(text.encode("utf-8", "surrogateescape"))
        for args, stdin in C:
            stdout, code = run_cli(tmp, args, stdin.encode("utf-8") if stdin is not None else None)
            out.append({"args": args, "stdin": stdin, "stdout": stdout, "exit": code})
    with open(os.path.join(OUT, "cli.json"), "w", encoding="utf-8") as f:
        json.dump({"sacrebleu": sacrebleu.__version__,
                   "files": {k: list(v.encode("utf-8", "surrogateescape")) for k, v in files.items()},
                   "cases": out}, f, ensure_ascii=False, indent=0)
    print(f"cli.json: {len(out)} cases")


def ranges(cps):
    r = []
    for c in cps:
        if r and r[-1][1] == c - 1:
            r[-1][1] = c
        else:
            r.append([c, c])
    return r


def unicode_tables():
    pats = {"N": regex.compile(r"\p{N}"), "P": regex.compile(r"\p{P}"), "S": regex.compile(r"\p{S}")}
    cls = {k: [] for k in pats}
    lower = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        for k, p in pats.items():
            if p.match(c):
                cls[k].append(cp)
        l = c.lower()
        if l != c:
            lower.append([cp] + [ord(x) for x in l])
    ws = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF and chr(cp).isspace()]
    with open(os.path.join(OUT, "unicode.json"), "w", encoding="utf-8") as f:
        json.dump({"regex": regex.__version__, "python_unicode": __import__("unicodedata").unidata_version,
                   "N": ranges(cls["N"]), "P": ranges(cls["P"]), "S": ranges(cls["S"]),
                   "whitespace": ws, "lower": lower}, f, separators=(",", ":"))
    print("unicode.json written")


if __name__ == "__main__":
    main()
