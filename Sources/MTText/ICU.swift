// Swift wrappers over the CICU shim (the only file that imports CICU). Strings cross as UTF-16.

import CICU

public enum ICU {
    /// The version of the system ICU library, e.g. "72.1".
    public static var version: String {
        var buf = [CChar](repeating: 0, count: 32)
        _ = cicu_version(&buf, 32)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Normalisation forms of `normalize`.
    public enum Form: Int32, Sendable {
        case nfc = 0, nfkc = 1, nfd = 2, nfkd = 3
    }

    /// `s` in normal form `form` (unorm2). ASCII strings are returned unchanged.
    public static func normalize(_ s: String, _ form: Form) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s }
        let src = Array(s.utf16)
        if cicu_is_normalized(form.rawValue, src, Int32(src.count)) == 1 { return s }
        var cap = src.count * 2 + 16
        while true {
            var dst = [UInt16](repeating: 0, count: cap)
            let n = Int(cicu_normalize(form.rawValue, src, Int32(src.count), &dst, Int32(cap)))
            if n < 0 { return s }
            if n <= cap { return String(decoding: dst[0..<n], as: UTF16.self) }
            cap = n
        }
    }

    /// Word-break boundaries of `scalars` (scalar offsets, including 0 and the end) for `locale`.
    public static func wordBoundaries(_ scalars: ArraySlice<Unicode.Scalar>, locale: String) -> [Int] {
        var utf16: [UInt16] = []
        var scalarAtUTF16: [Int] = []
        for (k, c) in scalars.enumerated() {
            for u in String(c).utf16 { utf16.append(u); scalarAtUTF16.append(k) }
        }
        scalarAtUTF16.append(scalars.count)
        var cap = utf16.count + 2
        while true {
            var bounds = [Int32](repeating: 0, count: cap)
            let n = Int(locale.withCString { cicu_word_breaks($0, utf16, Int32(utf16.count), &bounds, nil, Int32(cap)) })
            if n < 0 { return [0, scalars.count] }
            if n <= cap {
                var out: [Int] = []
                for b in bounds[0..<n] {
                    let k = scalarAtUTF16[Int(b)]
                    if out.last != k { out.append(k) }
                }
                if out.first != 0 { out.insert(0, at: 0) }
                if out.last != scalars.count { out.append(scalars.count) }
                return out
            }
            cap = n
        }
    }

    /// Scripts written without spaces between words (segmented by `Segmenter`).
    public static func isSpacelessScript(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x0E00 { return false }
        switch Int(cicu_script(v)) {
        case CICU_SCRIPT_HAN, CICU_SCRIPT_HIRAGANA, CICU_SCRIPT_KATAKANA, CICU_SCRIPT_THAI,
             CICU_SCRIPT_LAO, CICU_SCRIPT_KHMER, CICU_SCRIPT_MYANMAR:
            return true
        default:
            // The iteration mark and prolonged sound mark are "Common" but belong to the run.
            return v == 0x3005 || v == 0x30FC || v == 0x3006
        }
    }
}

extension ICU {
    /// A compiled ICU regular expression over UTF-16 text. Not thread-safe: callers serialise.
    final class Regex {
        private let re: OpaquePointer
        let groupCount: Int

        init(_ pattern: String) throws {
            let p = Array(pattern.utf16)
            var err = [CChar](repeating: 0, count: 64)
            guard let r = cicu_regex_open(p, Int32(p.count), &err, 64) else {
                let name = String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw TextError.invalidArgument("invalid regular expression '\(pattern)': \(name)")
            }
            re = r
            groupCount = Int(cicu_regex_group_count(r))
        }

        deinit { cicu_regex_close(re) }

        /// Whether `text` has a match (starting at 0 when `anchored`).
        func hasMatch(_ text: [UInt16], anchored: Bool) -> Bool {
            var spans = [Int32](repeating: -1, count: 2 * (groupCount + 1))
            return text.withUnsafeBufferPointer { t in
                _ = cicu_regex_set_text(re, t.baseAddress, Int32(t.count))
                return cicu_regex_next(re, anchored ? 1 : 0, &spans, Int32(groupCount + 1)) == 1
            }
        }

        /// Every match of `text`, left to right: group 0 and each capture group's UTF-16 range
        /// (nil when the group did not participate).
        func allMatches(_ text: [UInt16]) -> [[Range<Int>?]] {
            var spans = [Int32](repeating: -1, count: 2 * (groupCount + 1))
            var out: [[Range<Int>?]] = []
            text.withUnsafeBufferPointer { t in
                _ = cicu_regex_set_text(re, t.baseAddress, Int32(t.count))
                while cicu_regex_next(re, 0, &spans, Int32(groupCount + 1)) == 1 {
                    out.append((0...groupCount).map { g in
                        spans[2 * g] < 0 ? nil : Int(spans[2 * g])..<Int(spans[2 * g + 1])
                    })
                }
            }
            return out
        }
    }
}
