/// sacreBLEU's `zh` tokenizer: isolate every "Chinese" character, then apply the 13a regex
/// rules (without 13a's padding, `<skipped>` removal or entity unescaping).
///
/// The Python original `strip()`s the line, puts a space on each side of each character for
/// which `_is_chinese_char` holds, and hands the result to `TokenizerRegexp`. The test
/// compares the character against a list of `(start, end)` *strings* with `<=`. Four entries
/// meant as astral ranges are written `'\u20000'`, `'\u2a6d6'`, `'\u2f800'` and `'\u2fa1d'`,
/// which Python reads as a BMP character followed by one more character, so they cover
/// U+2000..U+2A6D and U+2F80..U+2FA1 instead. Testing every code point, the set that is
/// split off is exactly `chineseRanges` below: all of General Punctuation, currency, arrows,
/// math and dingbats (from U+2001) are split, CJK Extension B and later (U+20000+) are not,
/// nor are U+9FBC..U+9FFF, kana or Hangul. We copy that set, bug included, because sacreBLEU
/// scores depend on it. This file does not segment words and does not use `\p{Han}`.
enum TokenizerZh {
    /// The code points sacreBLEU 2.x's `_is_chinese_char` accepts (computed by brute force).
    static let chineseRanges: [ClosedRange<UInt32>] = [
        0x2001...0x2A6D, 0x2E80...0x2FDF, 0x2FF0...0x303F, 0x3100...0x312F, 0x31A0...0x31EF,
        0x3200...0x4DB5, 0x4E00...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A, 0xFA70...0xFAD9,
        0xFE10...0xFE1F, 0xFE30...0xFE4F, 0xFF00...0xFFEF,
    ]

    /// Whether sacreBLEU's zh tokenizer isolates code point `c`.
    @inline(__always)
    static func isChinese(_ c: UInt32) -> Bool {
        if c < 0x2001 || c > 0xFFEF { return false }
        if c >= 0x4E00 && c <= 0x9FBB { return true }
        for r in chineseRanges where r.contains(c) { return true }
        return false
    }

    /// Runs the zh tokenizer on `p[start..<end]`; the result (before whitespace collapse) is
    /// left in `out`.
    static func apply(
        _ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
        out: inout ByteBuffer, tmp: inout ByteBuffer
    ) {
        let e = PythonText.rstripEnd(p, start: start, end: end)
        let s = PythonText.lstripStart(p, start: start, end: e)
        out.count = 0
        var i = s
        while i < e {
            let b = p[i]
            if b < 0xE2 {  // every range starts at U+2001 or later (3-byte UTF-8, lead >= E2)
                out.append(b)
                i += 1
                continue
            }
            let (c, n) = PythonText.decode(p, at: i)
            if isChinese(c) {
                out.append(0x20)
                out.append(p, i, i + n)
                out.append(0x20)
            } else {
                out.append(p, i, i + n)
            }
            i += n
        }
        RegexpRules.apply(&out, tmp: &tmp)
    }
}
