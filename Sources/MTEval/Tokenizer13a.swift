/// sacreBLEU's `13a` tokenizer (mteval-v13a, the default) and the four regex rules it shares
/// with the `zh` tokenizer (sacreBLEU's `TokenizerRegexp`), written as byte scans.
///
/// The Python original:
/// ```
/// line = line.replace('<skipped>', '').replace('-\n', '').replace('\n', ' ')
/// if '&' in line: unescape &quot; &amp; &lt; &gt; (in that order, each over the whole line)
/// line = f' {line} '
/// re.sub(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])', r' \1 ')   # rule 1
/// re.sub(r'([^0-9])([\.,])', r'\1 \2 ')                 # rule 2
/// re.sub(r'([\.,])([^0-9])', r' \1 \2')                 # rule 3
/// re.sub(r'([0-9])(-)', r'\1 \2 ')                      # rule 4
/// ' '.join(line.split())
/// ```
/// Each `re.sub` is one left-to-right scan with non-overlapping matches, and the rules run in
/// sequence on each other's output; both facts change results (`5.-6` → `5 . -6`), so each
/// rule here is its own pass. Every character the rules test is ASCII and `[^0-9]` accepts
/// any other code point, so a scan over UTF-8 bytes gives exactly the code-point result: a
/// multi-byte character is never a digit, `.`, `,` or `-`, and a match never ends inside one.
/// This file does not collapse whitespace; `Tokenizer.swift` splits the result.
enum Tokenizer13a {
    /// Runs the 13a preprocessing and rules on `p[start..<end]`; the result is in `out`.
    static func apply(
        _ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
        out: inout [UInt8], tmp: inout [UInt8]
    ) {
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: p[start..<end])
        var hasAmp = false, hasLT = false, hasNL = false
        for i in start..<end {
            switch p[i] {
            case UInt8(ascii: "&"): hasAmp = true
            case UInt8(ascii: "<"): hasLT = true
            case 0x0A: hasNL = true
            default: break
            }
        }
        if hasLT { replace(&out, Array("<skipped>".utf8), with: [], tmp: &tmp) }
        if hasNL {
            replace(&out, [UInt8(ascii: "-"), 0x0A], with: [], tmp: &tmp)
            replace(&out, [0x0A], with: [0x20], tmp: &tmp)
        }
        if hasAmp {
            replace(&out, Array("&quot;".utf8), with: [UInt8(ascii: "\"")], tmp: &tmp)
            replace(&out, Array("&amp;".utf8), with: [UInt8(ascii: "&")], tmp: &tmp)
            replace(&out, Array("&lt;".utf8), with: [UInt8(ascii: "<")], tmp: &tmp)
            replace(&out, Array("&gt;".utf8), with: [UInt8(ascii: ">")], tmp: &tmp)
        }
        out.insert(0x20, at: 0)
        out.append(0x20)
        RegexpRules.apply(&out, tmp: &tmp)
    }

    /// Python `s.replace(pattern, replacement)`: one left-to-right pass, non-overlapping.
    /// `pattern` must start with an ASCII byte (so it never matches inside a character).
    static func replace(
        _ s: inout [UInt8], _ pattern: [UInt8], with replacement: [UInt8], tmp: inout [UInt8]
    ) {
        let m = pattern.count
        let n = s.count
        guard n >= m else { return }
        tmp.removeAll(keepingCapacity: true)
        var i = 0
        var changed = false
        let first = pattern[0]
        while i < n {
            if s[i] == first && i + m <= n {
                var k = 1
                while k < m && s[i + k] == pattern[k] { k += 1 }
                if k == m {
                    tmp.append(contentsOf: replacement)
                    i += m
                    changed = true
                    continue
                }
            }
            tmp.append(s[i])
            i += 1
        }
        if changed { swap(&s, &tmp) }
    }
}

/// The four regex substitutions of sacreBLEU's `TokenizerRegexp` (used by `13a` and `zh`).
enum RegexpRules {
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isPeriodComma(_ b: UInt8) -> Bool { b == 0x2E || b == 0x2C }

    /// Rule 1's class: `{|}~`, ``[\]^_` ``, space to `&`, `(` to `+`, `:` to `@`, and `/`.
    @inline(__always) static func isRule1(_ b: UInt8) -> Bool {
        switch b {
        case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: return true
        default: return false
        }
    }

    /// Applies rules 1 to 4 in order to `s` (in place, using `tmp` as the second buffer).
    static func apply(_ s: inout [UInt8], tmp: inout [UInt8]) {
        rule1(s, into: &tmp); swap(&s, &tmp)
        rule2(s, into: &tmp); swap(&s, &tmp)
        rule3(s, into: &tmp); swap(&s, &tmp)
        rule4(s, into: &tmp); swap(&s, &tmp)
    }

    /// `([\{-\~\[-\` -\&\(-\+\:-\@\/])` → ` \1 `.
    static func rule1(_ s: [UInt8], into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        for b in s {
            if isRule1(b) {
                out.append(0x20); out.append(b); out.append(0x20)
            } else {
                out.append(b)
            }
        }
    }

    /// `([^0-9])([\.,])` → `\1 \2 `: split `.`/`,` off a preceding non-digit.
    static func rule2(_ s: [UInt8], into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let n = s.count
        var i = 0
        while i < n {
            let b = s[i]
            if i + 1 < n && !isDigit(b) && isPeriodComma(s[i + 1]) {
                out.append(b); out.append(0x20); out.append(s[i + 1]); out.append(0x20)
                i += 2
            } else {
                out.append(b)
                i += 1
            }
        }
    }

    /// `([\.,])([^0-9])` → ` \1 \2`: split `.`/`,` off a following non-digit.
    static func rule3(_ s: [UInt8], into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let n = s.count
        var i = 0
        while i < n {
            let b = s[i]
            if i + 1 < n && isPeriodComma(b) && !isDigit(s[i + 1]) {
                out.append(0x20); out.append(b); out.append(0x20); out.append(s[i + 1])
                i += 2
            } else {
                out.append(b)
                i += 1
            }
        }
    }

    /// `([0-9])(-)` → `\1 \2 `: split a dash off a preceding digit.
    static func rule4(_ s: [UInt8], into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let n = s.count
        var i = 0
        while i < n {
            let b = s[i]
            if i + 1 < n && isDigit(b) && s[i + 1] == 0x2D {
                out.append(b); out.append(0x20); out.append(0x2D); out.append(0x20)
                i += 2
            } else {
                out.append(b)
                i += 1
            }
        }
    }
}
