/// sacreBLEU's `intl` tokenizer (mteval-v14 "international"), written as code-point scans.
///
/// The Python original (with the `regex` module's Unicode classes):
/// ```
/// regex.sub(r'(\P{N})(\p{P})', r'\1 \2 ')   # punctuation after a non-number
/// regex.sub(r'(\p{P})(\P{N})', r' \1 \2')   # punctuation before a non-number
/// regex.sub(r'(\p{S})', r' \1 ')            # every symbol
/// ' '.join(line.split())
/// ```
/// Each substitution is one left-to-right, non-overlapping scan over the previous one's
/// output, exactly as `regex.sub` does. There is no padding, no entity unescaping and no
/// `<skipped>` removal, so `2019.` at the end of a line stays one token (mteval-v14 does the
/// same). Classes come from `UnicodeClass`. Whitespace collapse happens in `Tokenizer.swift`.
enum TokenizerIntl {
    /// Scratch buffers of code points and their classes, reused across lines.
    struct Scratch {
        var cps: [UInt32] = []
        var cls: [UInt8] = []
        var cps2: [UInt32] = []
        var cls2: [UInt8] = []
        var bytes: [UInt8] = []
    }

    static let space = UInt32(0x20)
    static let number = UnicodeClass.number.rawValue
    static let punct = UnicodeClass.punctuation.rawValue
    static let symbol = UnicodeClass.symbol.rawValue

    /// Runs the intl rules on `p[start..<end]`; the UTF-8 result is left in `out`.
    static func apply(
        _ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
        out: ByteBuffer, scratch: inout Scratch
    ) {
        scratch.cps.removeAll(keepingCapacity: true)
        scratch.cls.removeAll(keepingCapacity: true)
        var anyPS = false
        var i = start
        while i < end {
            let (c, n) = PythonText.decode(p, at: i)
            let k = UnicodeClass.of(c).rawValue
            anyPS = anyPS || k >= punct
            scratch.cps.append(c)
            scratch.cls.append(k)
            i += n
        }
        out.count = 0
        if !anyPS {  // no punctuation or symbol: the rules change nothing
            out.append(p, start, end)
            return
        }
        rule1(&scratch)
        rule2(&scratch)
        rule3(&scratch)
        var bytes = scratch.bytes
        bytes.removeAll(keepingCapacity: true)
        for c in scratch.cps { PythonText.encode(c, into: &bytes) }
        bytes.withUnsafeBufferPointer { out.append($0, 0, $0.count) }
        scratch.bytes = bytes
    }

    /// `(\P{N})(\p{P})` → `\1 \2 `.
    static func rule1(_ s: inout Scratch) {
        s.cps2.removeAll(keepingCapacity: true)
        s.cls2.removeAll(keepingCapacity: true)
        let n = s.cps.count
        var i = 0
        while i < n {
            if i + 1 < n && s.cls[i] != number && s.cls[i + 1] == punct {
                s.cps2.append(s.cps[i]); s.cls2.append(s.cls[i])
                s.cps2.append(space); s.cls2.append(0)
                s.cps2.append(s.cps[i + 1]); s.cls2.append(punct)
                s.cps2.append(space); s.cls2.append(0)
                i += 2
            } else {
                s.cps2.append(s.cps[i]); s.cls2.append(s.cls[i])
                i += 1
            }
        }
        swap(&s.cps, &s.cps2)
        swap(&s.cls, &s.cls2)
    }

    /// `(\p{P})(\P{N})` → ` \1 \2`.
    static func rule2(_ s: inout Scratch) {
        s.cps2.removeAll(keepingCapacity: true)
        s.cls2.removeAll(keepingCapacity: true)
        let n = s.cps.count
        var i = 0
        while i < n {
            if i + 1 < n && s.cls[i] == punct && s.cls[i + 1] != number {
                s.cps2.append(space); s.cls2.append(0)
                s.cps2.append(s.cps[i]); s.cls2.append(punct)
                s.cps2.append(space); s.cls2.append(0)
                s.cps2.append(s.cps[i + 1]); s.cls2.append(s.cls[i + 1])
                i += 2
            } else {
                s.cps2.append(s.cps[i]); s.cls2.append(s.cls[i])
                i += 1
            }
        }
        swap(&s.cps, &s.cps2)
        swap(&s.cls, &s.cls2)
    }

    /// `(\p{S})` → ` \1 ` (classes are not needed after the last rule).
    static func rule3(_ s: inout Scratch) {
        s.cps2.removeAll(keepingCapacity: true)
        for i in 0..<s.cps.count {
            if s.cls[i] == symbol {
                s.cps2.append(space); s.cps2.append(s.cps[i]); s.cps2.append(space)
            } else {
                s.cps2.append(s.cps[i])
            }
        }
        swap(&s.cps, &s.cps2)
    }
}
