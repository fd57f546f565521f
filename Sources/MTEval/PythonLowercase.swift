/// Python's `str.lower()` on UTF-8 bytes, as sacreBLEU's `-lc` and `--chrf-lowercase` apply it.
///
/// CPython lowercases each code point with its *full* lowercase mapping (SpecialCasing
/// included, so `İ` becomes `i̇`, two code points) and treats capital sigma `Σ` by the
/// Final_Sigma rule: it becomes `ς` when preceded by a cased letter (skipping
/// case-ignorable ones) and not followed by one, else `σ`. No other context rule applies.
///
/// The mappings come from Swift's `Unicode.Scalar.Properties.lowercaseMapping`. Python 3.11
/// uses Unicode 14.0, while Swift 6.3's case tables are newer, so code points that gained a
/// lowercase mapping after Unicode 14 are listed in `newerThanPython` and left unchanged, as
/// Python leaves them. `Tests/MTEvalTests` compares every code point against a table dumped
/// from Python, so a Swift or Python upgrade that changes this shows up as a test failure.
/// This file does not do case folding, title case or upper case.
public enum PythonLowercase {
    /// Code point ranges whose lowercase mapping Swift knows but Python 3.11 (Unicode 14) does
    /// not: Unicode 16 and 17 additions (Latin letters, Garay, Beria Erfe).
    static let newerThanPython: [ClosedRange<UInt32>] = [
        0x1C89...0x1C89, 0xA7CB...0xA7CC, 0xA7CE...0xA7CE, 0xA7D2...0xA7D2, 0xA7D4...0xA7D4,
        0xA7DA...0xA7DA, 0xA7DC...0xA7DC, 0x10D50...0x10D65, 0x16EA0...0x16EB8,
    ]

    /// Appends the lowercase form of `p[start..<end]` to `out`.
    public static func lowercase(
        _ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int, into out: inout [UInt8]
    ) {
        // ASCII fast path: nothing but A-Z changes.
        var allASCII = true
        for i in start..<end where p[i] >= 0x80 { allASCII = false; break }
        if allASCII {
            for i in start..<end {
                let b = p[i]
                out.append((b >= 0x41 && b <= 0x5A) ? b | 0x20 : b)
            }
            return
        }
        var scalars: [UInt32] = []
        scalars.reserveCapacity(end - start)
        var i = start
        while i < end {
            let (c, n) = PythonText.decode(p, at: i)
            scalars.append(c)
            i += n
        }
        for k in 0..<scalars.count {
            let c = scalars[k]
            if c < 0x80 {
                out.append((c >= 0x41 && c <= 0x5A) ? UInt8(c | 0x20) : UInt8(c))
            } else if c == 0x3A3 {
                PythonText.encode(isFinalSigma(scalars, at: k) ? 0x3C2 : 0x3C3, into: &out)
            } else {
                appendLowercase(of: c, into: &out)
            }
        }
    }

    /// Convenience: Python `s.lower()` for a Swift string (by code points, never by
    /// `Character`).
    public static func lowercase(_ s: String) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        bytes.withUnsafeBufferPointer { lowercase($0, start: 0, end: $0.count, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends Python's full lowercase mapping of the non-ASCII code point `c` (not `Σ`).
    static func appendLowercase(of c: UInt32, into out: inout [UInt8]) {
        guard let scalar = Unicode.Scalar(c) else { return }
        let props = scalar.properties
        if !props.changesWhenLowercased || isNewerThanPython(c) {
            PythonText.encode(c, into: &out)
            return
        }
        for s in props.lowercaseMapping.unicodeScalars {
            PythonText.encode(s.value, into: &out)
        }
    }

    /// Whether `c` got its lowercase mapping after Unicode 14 (Python 3.11 keeps it as is).
    static func isNewerThanPython(_ c: UInt32) -> Bool {
        if c < 0x1C89 { return false }
        for r in newerThanPython where r.contains(c) { return true }
        return false
    }

    /// CPython's `handle_capital_sigma`: `Σ` at `k` is final when a cased code point precedes
    /// it (skipping case-ignorable ones) and no cased code point follows (same skipping).
    static func isFinalSigma(_ s: [UInt32], at k: Int) -> Bool {
        var j = k - 1
        while j >= 0 && isCaseIgnorable(s[j]) { j -= 1 }
        guard j >= 0 && isCased(s[j]) else { return false }
        j = k + 1
        while j < s.count && isCaseIgnorable(s[j]) { j += 1 }
        return j == s.count || !isCased(s[j])
    }

    static func isCased(_ c: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(c) else { return false }
        return scalar.properties.isCased
    }

    static func isCaseIgnorable(_ c: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(c) else { return false }
        return scalar.properties.isCaseIgnorable
    }
}
