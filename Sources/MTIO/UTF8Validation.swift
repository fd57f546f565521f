/// Strict UTF-8 validation, as Python's decoder does it: no overlong forms, no surrogates,
/// nothing above U+10FFFF.
///
/// The one validator of the toolkit: the BPE verbs (per line, `LineChunk.invalidLines`), MTEval's
/// text reader (first bad byte of a file) and the text pipeline all call it. It does not decode;
/// `String(validating:as:)` follows the same rules where a `String` is wanted anyway.
public enum UTF8Validation {
    /// Byte offset of the first invalid sequence, or `nil` when all of `p` is valid.
    public static func firstInvalid(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = p.count
        var i = 0
        while i < n {
            // ASCII fast path, 8 bytes at a time.
            if i + 8 <= n {
                let w = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let b0 = p[i]
            if b0 < 0x80 { i += 1; continue }
            func cont(_ k: Int) -> Bool { i + k < n && (p[i + k] & 0xC0) == 0x80 }
            if b0 >= 0xC2 && b0 <= 0xDF {
                guard cont(1) else { return i }
                i += 2
            } else if b0 >= 0xE0 && b0 <= 0xEF {
                guard cont(1), cont(2) else { return i }
                let b1 = p[i + 1]
                if b0 == 0xE0 && b1 < 0xA0 { return i }
                if b0 == 0xED && b1 >= 0xA0 { return i }
                i += 3
            } else if b0 >= 0xF0 && b0 <= 0xF4 {
                guard cont(1), cont(2), cont(3) else { return i }
                let b1 = p[i + 1]
                if b0 == 0xF0 && b1 < 0x90 { return i }
                if b0 == 0xF4 && b1 >= 0x90 { return i }
                i += 4
            } else {
                return i
            }
        }
        return nil
    }

    /// True when all of `p` is valid UTF-8.
    @inline(__always)
    public static func isValid(_ p: UnsafeBufferPointer<UInt8>) -> Bool { firstInvalid(p) == nil }
}
