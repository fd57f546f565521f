"""Random multilingual test text for comparing mt-bleu with sacreBLEU.

Shared by make_fixtures.py (golden cases) and fuzz.py (differential testing). The pools
deliberately contain what sacreBLEU's tokenizers treat specially: ASCII and Unicode
punctuation, symbols, digits with separators, URLs, HTML entities, <skipped>, CJK (inside
and outside sacreBLEU's buggy zh ranges), kana, Hangul, emoji with modifiers, combining
marks, NFC vs NFD, Python-only whitespace (\\x1c-\\x1f, \\x85, NBSP, U+3000), zero-width
space, BOM, Greek capital sigma (final-sigma lowercasing) and Turkish dotted I.
"""
import random

WORDS = {
    "en": "the a cat sat on mat dog runs quickly over lazy fox man woman child street city red blue don't it's U.S. e.g. 2019. co-operate".split(),
    "de": "Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche Straße größer Mädchen Fußball über".split(),
    "fr": "L'homme est à côté de la fenêtre où s'il c'est été déjà garçon français « » aujourd'hui".split(),
    "cs": "Příliš žluťoučký kůň úpěl ďábelské ódy čeština řeka Šťastný".split(),
    "zh": "我们 今天 去 公园 。 你好 ， 世界 ！ 中华人民共和国 北京 上海 “ ” 《 》 𠀀𠀁 鿋鿿".split(),
    "ja": "私は 東京 に 住んで います 。 カタカナ ひらがな ｶﾀｶﾅ 漢字 「 」".split(),
    "ko": "안녕하세요 세계 한국어 문장 입니다 .".split(),
    "el": "ΟΔΟΣ ΣΟΦΙΑ Σ σ ς ΆΣΜΑ Ελληνικά ΚΑΛΗΜΕΡΑ ΣΑΣ".split(),
    "tr": "İstanbul İZMİR ıı IŞIK çalışıyor".split(),
    "ar": "مرحبا بالعالم ٣٤٫٥ ١٢٣".split(),
    "emoji": ["😀", "👍🏽", "❤️", "🇩🇪", "👨‍👩‍👧", "🤷‍♀️", "★", "→", "€", "©", "°C", "±"],
    "marks": ["e\u0301", "\u00e9", "n\u0303", "a\u0308", "\u00e4", "o\u0302\u0323", "\u1e9e"],
    "num": ["1,000", "3.14", "1.000.000,5", "5-6", "5.-6", "12:30", "50%", "$5", "€10", "-5", "2019.", "1/2", "٣٤.٥", "10.000,-", "3,14€"],
    "url": ["http://example.com/a?b=c&d=e", "https://www.test.org/path-to/page.html", "user@mail.com", "www.x.de/~home"],
    "ent": ["&quot;", "&amp;", "&lt;", "&gt;", "&apos;", "&amp;lt;", "&amp;quot;", "&#39;", "<skipped>", "&", "<b>", "AT&amp;T"],
    "punct": [".", ",", "!", "?", ";", ":", "...", "…", "—", "–", "-", "(", ")", "[", "]", "{", "}", "\"", "'", "’", "‘", "“", "”", "«", "»", "¿", "¡", "/", "\\", "|", "_", "~", "^", "`", "@", "#", "*", "+", "=", "<", ">", "%", "$", "&", "・", "、", "。", "·", "‰", "§"],
}
ODD_SPACE = ["\u00a0", "\u3000", "\x1c", "\x1f", "\x85", "\u2009", "\u200b", "\ufeff", "\t", "\u2028", "\x0b", "\x0c", "\r"]


def word(rng, langs):
    pool = rng.choice(langs)
    w = rng.choice(WORDS[pool])
    r = rng.random()
    if r < 0.08:
        w = w + rng.choice(WORDS["punct"])
    elif r < 0.12:
        w = rng.choice(WORDS["punct"]) + w
    elif r < 0.15:
        w = w.upper()
    elif r < 0.17:
        w = w.capitalize()
    return w


def sentence(rng, langs, n_min=0, n_max=25, odd_space=0.05):
    n = rng.randint(n_min, n_max)
    out = []
    for i in range(n):
        out.append(word(rng, langs))
        if i < n - 1:
            if rng.random() < odd_space:
                out.append(rng.choice(ODD_SPACE))
            elif rng.random() < 0.15 and langs == ["zh"] or langs == ["ja"]:
                out.append("")
            else:
                out.append(" " * (2 if rng.random() < 0.03 else 1))
    s = "".join(out)
    if rng.random() < 0.05:
        s = " " + s
    if rng.random() < 0.05:
        s = s + rng.choice([" ", "\t", "\u3000", "\x85"])
    return s


def perturb(rng, s, langs):
    """A hypothesis made from a reference: drop, swap, replace and case changes."""
    toks = s.split(" ")
    out = []
    for t in toks:
        r = rng.random()
        if r < 0.10:
            continue
        if r < 0.20:
            out.append(word(rng, langs))
        elif r < 0.25:
            out.append(t.lower())
        elif r < 0.28:
            out.append(t + rng.choice(WORDS["punct"]))
        else:
            out.append(t)
        if rng.random() < 0.05:
            out.append(word(rng, langs))
    if len(out) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


LANG_SETS = [["en"], ["de"], ["fr"], ["cs"], ["zh"], ["ja"], ["ko"], ["el"], ["tr"], ["ar"],
             ["en", "emoji"], ["en", "marks"], ["en", "num"], ["en", "url"], ["en", "ent"],
             ["de", "num", "punct"], ["zh", "en", "num"], ["en", "de", "fr", "cs", "zh", "ja", "emoji", "marks", "num", "url", "ent", "punct", "el", "tr"]]


def corpus(rng, n_lines, n_refs, langs=None):
    """Returns (hyps, refs) where refs[k][i] is reference k of line i."""
    langs = langs or rng.choice(LANG_SETS)
    refs = [[] for _ in range(n_refs)]
    hyps = []
    for _ in range(n_lines):
        base = sentence(rng, langs)
        for k in range(n_refs):
            refs[k].append(base if k == 0 or rng.random() < 0.2 else perturb(rng, base, langs))
        r = rng.random()
        if r < 0.04:
            hyps.append("")
        elif r < 0.08:
            hyps.append(base + " " + sentence(rng, langs, 3, 10))
        elif r < 0.10:
            hyps.append(base)
        else:
            hyps.append(perturb(rng, base, langs))
    return hyps, refs


# Code point soup: random characters from blocks where sacreBLEU's rules are subtle.
SOUP_RANGES = [
    (0x21, 0x7E), (0x21, 0x7E), (0xA1, 0x17F), (0x370, 0x3FF), (0x400, 0x4FF), (0x300, 0x36F),
    (0x2000, 0x206F), (0x20A0, 0x20C5), (0x2100, 0x21FF), (0x2200, 0x22FF), (0x2460, 0x24FF),
    (0x2600, 0x27BF), (0x2A60, 0x2A7F), (0x2E00, 0x2E7F), (0x2E80, 0x2FFF), (0x3000, 0x30FF),
    (0x3100, 0x31FF), (0x3200, 0x33FF), (0x4DB0, 0x4E10), (0x9FB0, 0x9FFF), (0xA700, 0xA7FF),
    (0xAC00, 0xAC40), (0xF900, 0xFAFF), (0xFE10, 0xFE6F), (0xFF00, 0xFFEF), (0x10D40, 0x10D8F),
    (0x12400, 0x12690), (0x16E40, 0x16EBF), (0x1CC00, 0x1CEFF), (0x1D100, 0x1D27F),
    (0x1D400, 0x1D7FF), (0x1F000, 0x1FAFF), (0x20000, 0x20010), (0x2A6D0, 0x2A6E0),
    (0x2F800, 0x2F810), (0xE000, 0xE010), (0x0E0000, 0x0E007F), (0x1C80, 0x1C8F),
]


def soup_word(rng):
    n = rng.randint(1, 4)
    out = []
    for _ in range(n):
        lo, hi = rng.choice(SOUP_RANGES)
        c = rng.randint(lo, hi)
        if 0xD800 <= c <= 0xDFFF or c in (0x0A,):
            c = 0x41
        out.append(chr(c))
    return "".join(out)


def soup_corpus(rng, n_lines, n_refs):
    refs = [[] for _ in range(n_refs)]
    hyps = []
    for _ in range(n_lines):
        words = [soup_word(rng) for _ in range(rng.randint(0, 15))]
        base = " ".join(words)
        for k in range(n_refs):
            ws = [w for w in words if rng.random() > 0.2]
            refs[k].append(" ".join(ws) if k or rng.random() < 0.5 else base)
        hw = [w if rng.random() > 0.2 else soup_word(rng) for w in words]
        if len(hw) > 2 and rng.random() < 0.3:
            hw[0], hw[1] = hw[1], hw[0]
        hyps.append(" ".join(hw))
    return hyps, refs
