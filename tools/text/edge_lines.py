#!/usr/bin/env python3
"""Writes the hand-made edge-case lines of the MTText BPE fixture corpus (UTF-8, to stdout).

Each line exercises one trap of subword-nmt 0.3.8 (see ../shared/design/TEXT-REFERENCE.md §4):
whitespace other than the ASCII space inside words (tab, NBSP, \\x1c-\\x1f, \\x85, U+2028),
CRLF and lone CR, repeated/leading/trailing spaces, empty lines, combining marks, emoji,
one-character words, regex metacharacters and the literal text '</w>'.
"""
import sys

lines = [
    "",
    "a man in a blue shirt",
    "   leading spaces and trailing spaces   ",
    "double  spaces   inside    the line",
    "tab\tinside words and\ttabs\t here",
    "non\u00a0breaking\u00a0space in\u00a0the middle ,\u00a0: \u00a0",
    "la ville\u00a0: un homme\u00a0; deux femmes\u00a0!",
    "combining e\u0301te\u0301 cafe\u0301 na\u0308ive",
    "precomposed \u00e9t\u00e9 caf\u00e9 na\u00efve",
    "emoji \U0001F600 \U0001F44D\U0001F3FD family \U0001F468\u200d\U0001F469\u200d\U0001F467 flag \U0001F1E9\U0001F1EA",
    "a b c d e f g h i j k l m n o p",
    "aaaa aaa aa a aaaaa aaaaaa",
    "regex metacharacters a.b a*b (a) [b] {c} ^d$ a|b a+b a?b \\back\\slash",
    "literal </w> marker x</w> </w>y",
    "zero\u200bwidth space and bom \ufeffword",
    "ideographic\u3000space and en\u2002space and thin\u2009space",
    "file\x1cseparator group\x1dseparator record\x1eseparator unit\x1fseparator",
    "next\x85line and line\u2028separator and para\u2029separator",
    "crlf line ending\r",
    "lone\rcarriage return",
    "vertical\x0btab and form\x0cfeed",
    "chinese \u6211\u4eec\u4eca\u5929\u53bb\u5317\u4eac\u5927\u5b66 japanese \u3053\u308c\u306f\u30c6\u30b9\u30c8\u3067\u3059",
    "thai \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22\u0e07\u0e48\u0e32\u0e22",
    "digits 2019 3.14 1,000 42nd 7th",
    "hyphenated well-known state-of-the-art e-mail",
    "quotes \u201cdouble\u201d \u2018single\u2019 \u00abguillemets\u00bb",
    "astral \U00020000\U00020001 cjk ext b",
    "   ",
    "",
    "x",
    "word\u00a0\u00a0word word\u00a0",
]
out = sys.stdout.buffer
for line in lines:
    out.write(line.encode("utf-8") + b"\n")
