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
    /// Runs the 13a preprocessing and rules on `p[start..<end]`; the result is in `out`
    /// (`tmp` is scratch; the two may be swapped).
    static func apply(
        _ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
        out: inout ByteBuffer, tmp: inout ByteBuffer
    ) {
        var hasAmp = false, hasLT = false, hasNL = false
        for i in start..<end {
            switch p[i] {
            case UInt8(ascii: "&"): hasAmp = true
            case UInt8(ascii: "<"): hasLT = true
            case 0x0A: hasNL = true
            default: break
            }
        }
        if !(hasAmp || hasLT || hasNL) {
            // Common case: pad and apply rule 1 in one pass straight from the input.
            RegexpRules.padAndRule1(p, start, end, into: tmp)
            swap(&out, &tmp)
            RegexpRules.apply(&out, tmp: &tmp, rule1Done: true)
            return
        }
        out.count = 0
        out.append(0x20)
        if hasAmp || hasLT || hasNL {
            var s = Array(p[start..<end])
            var t: [UInt8] = []
            if hasLT { replace(&s, Array("<skipped>".utf8), with: [], tmp: &t) }
            if hasNL {
                replace(&s, [UInt8(ascii: "-"), 0x0A], with: [], tmp: &t)
                replace(&s, [0x0A], with: [0x20], tmp: &t)
            }
            if hasAmp {
                replace(&s, Array("&quot;".utf8), with: [UInt8(ascii: "\"")], tmp: &t)
                replace(&s, Array("&amp;".utf8), with: [UInt8(ascii: "&")], tmp: &t)
                replace(&s, Array("&lt;".utf8), with: [UInt8(ascii: "<")], tmp: &t)
                replace(&s, Array("&gt;".utf8), with: [UInt8(ascii: ">")], tmp: &t)
            }
            s.withUnsafeBufferPointer { out.append($0, 0, $0.count) }
        } else {
            out.append(p, start, end)
        }
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
///
/// Each pass reads one buffer and writes the other through raw pointers (a pass at most
/// triples the length). A pass that cannot match is skipped: the rules only add spaces, so
/// whether a line contains `.`/`,` (rules 2 and 3) or `-` (rule 4) is known up front.
enum RegexpRules {
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inline(__always) static func isPeriodComma(_ b: UInt8) -> Bool { b == 0x2E || b == 0x2C }

    /// Rule 1's class: `{|}~`, ``[\]^_` ``, space to `&`, `(` to `+`, `:` to `@`, and `/`.
    @inline(__always) static func isRule1(_ b: UInt8) -> Bool {
        switch b {
        case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: return true
        default: return false
        }
    }

    /// `rule1(" " + p[start..<end] + " ")` written into `out` in one pass.
    static func padAndRule1(
        _ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: ByteBuffer
    ) {
        out.reserve(3 * (end - start) + 6)
        let o = out.base
        o[0] = 0x20; o[1] = 0x20; o[2] = 0x20  // the leading pad space is in rule 1's class
        var k = 3
        for i in start..<end {
            let b = p[i]
            if isRule1(b) {
                o[k] = 0x20; o[k + 1] = b; o[k + 2] = 0x20
                k += 3
            } else {
                o[k] = b
                k += 1
            }
        }
        o[k] = 0x20; o[k + 1] = 0x20; o[k + 2] = 0x20
        out.count = k + 3
    }

    /// Applies rules 1 to 4 in order; the result ends up in `s` (`tmp` is scratch). With
    /// `rule1Done`, `s` already went through rule 1.
    static func apply(_ s: inout ByteBuffer, tmp: inout ByteBuffer, rule1Done: Bool = false) {
        var r1 = false, pc = false, dash = false
        let b = s.base
        for i in 0..<s.count {
            let c = b[i]
            if c < 0x80 {
                r1 = r1 || isRule1(c)
                pc = pc || isPeriodComma(c)
                dash = dash || c == 0x2D
            }
        }
        if r1 && !rule1Done { rule1(s, into: tmp); swap(&s, &tmp) }
        if pc {
            rule2(s, into: tmp); swap(&s, &tmp)
            rule3(s, into: tmp); swap(&s, &tmp)
        }
        if dash { rule4(s, into: tmp); swap(&s, &tmp) }
    }

    /// `([\{-\~\[-\` -\&\(-\+\:-\@\/])` → ` \1 `.
    static func rule1(_ s: ByteBuffer, into out: ByteBuffer) {
        let n = s.count
        out.reserve(3 * n)
        let i0 = s.base, o = out.base
        var k = 0
        for i in 0..<n {
            let b = i0[i]
            if isRule1(b) {
                o[k] = 0x20; o[k + 1] = b; o[k + 2] = 0x20
                k += 3
            } else {
                o[k] = b
                k += 1
            }
        }
        out.count = k
    }

    /// `([^0-9])([\.,])` → `\1 \2 `: split `.`/`,` off a preceding non-digit.
    static func rule2(_ s: ByteBuffer, into out: ByteBuffer) {
        let n = s.count
        out.reserve(2 * n + 2)
        let i0 = s.base, o = out.base
        var k = 0, i = 0
        while i < n {
            let b = i0[i]
            if i + 1 < n && isPeriodComma(i0[i + 1]) && !isDigit(b) {
                o[k] = b; o[k + 1] = 0x20; o[k + 2] = i0[i + 1]; o[k + 3] = 0x20
                k += 4
                i += 2
            } else {
                o[k] = b
                k += 1
                i += 1
            }
        }
        out.count = k
    }

    /// `([\.,])([^0-9])` → ` \1 \2`: split `.`/`,` off a following non-digit.
    static func rule3(_ s: ByteBuffer, into out: ByteBuffer) {
        let n = s.count
        out.reserve(2 * n + 2)
        let i0 = s.base, o = out.base
        var k = 0, i = 0
        while i < n {
            let b = i0[i]
            if i + 1 < n && isPeriodComma(b) && !isDigit(i0[i + 1]) {
                o[k] = 0x20; o[k + 1] = b; o[k + 2] = 0x20; o[k + 3] = i0[i + 1]
                k += 4
                i += 2
            } else {
                o[k] = b
                k += 1
                i += 1
            }
        }
        out.count = k
    }

    /// `([0-9])(-)` → `\1 \2 `: split a dash off a preceding digit.
    static func rule4(_ s: ByteBuffer, into out: ByteBuffer) {
        let n = s.count
        out.reserve(2 * n + 2)
        let i0 = s.base, o = out.base
        var k = 0, i = 0
        while i < n {
            let b = i0[i]
            if i + 1 < n && i0[i + 1] == 0x2D && isDigit(b) {
                o[k] = b; o[k + 1] = 0x20; o[k + 2] = 0x2D; o[k + 3] = 0x20
                k += 4
                i += 2
            } else {
                o[k] = b
                k += 1
                i += 1
            }
        }
        out.count = k
    }
}
