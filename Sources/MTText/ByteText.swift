// UTF-8 byte helpers shared by the BPE code: Python's whitespace set, strip/split on bytes,
// scalar decoding (validation is MTIO's `UTF8Validation`). Hot loops in this module work on [UInt8], never String.

/// Errors raised by the text module. Each says what went wrong and where.
public enum TextError: Error, CustomStringConvertible, Equatable {
    case invalidUTF8(source: String, line: Int)
    case invalidCodes(source: String, line: Int, text: String)
    case invalidVocabulary(source: String, line: Int, text: String)
    case invalidArgument(String)
    /// A SentencePiece model or Marian vocabulary that cannot be loaded.
    case sentencePiece(path: String, reason: String)

    public var description: String {
        switch self {
        case .sentencePiece(let path, let reason):
            return "\(path): \(reason)"
        case .invalidUTF8(let source, let line):
            return "\(source):\(line): invalid UTF-8 (use --skip-invalid to drop such lines)"
        case .invalidCodes(let source, let line, let text):
            return "\(source):\(line): invalid line in BPE codes file: '\(text)' (expected two subword units separated by a space)"
        case .invalidVocabulary(let source, let line, let text):
            return "\(source):\(line): invalid vocabulary line: '\(text)' (expected 'token count')"
        case .invalidArgument(let message):
            return message
        }
    }
}

public enum ByteText {
    /// Python's `str.isspace()` set (also `\s` in `re` for str patterns): includes \x1c-\x1f and
    /// \x85, excludes U+200B and U+FEFF.
    @inline(__always)
    public static func isPythonSpace(_ c: UInt32) -> Bool {
        if c < 0x80 { return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) }
        switch c {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// True if the UTF-8 bytes contain a character for which Python's `isspace()` holds,
    /// other than the ASCII space itself.
    public static func containsPythonSpaceOtherThanSpace(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = p.count
        while i < n {
            let b = p[i]
            if b < 0x80 {
                if (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F) { return true }
                i += 1
            } else {
                let (c, len) = decodeScalar(p, i)
                if c != 0x20 && isPythonSpace(c) { return true }
                i += len
            }
        }
        return false
    }

    /// Decodes the scalar starting at `i` of valid UTF-8; returns the scalar and its byte length.
    @inline(__always)
    public static func decodeScalar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return (((b0 & 0x1F) << 6) | (UInt32(p[i + 1]) & 0x3F), 2) }
        if b0 < 0xF0 {
            return (((b0 & 0x0F) << 12) | ((UInt32(p[i + 1]) & 0x3F) << 6) | (UInt32(p[i + 2]) & 0x3F), 3)
        }
        return (((b0 & 0x07) << 18) | ((UInt32(p[i + 1]) & 0x3F) << 12) | ((UInt32(p[i + 2]) & 0x3F) << 6)
                | (UInt32(p[i + 3]) & 0x3F), 4)
    }

    /// Byte length of the UTF-8 sequence whose lead byte is `b`.
    @inline(__always)
    public static func sequenceLength(_ b: UInt8) -> Int {
        if b < 0x80 { return 1 }
        if b < 0xE0 { return 2 }
        if b < 0xF0 { return 3 }
        return 4
    }

    /// Appends the UTF-8 encoding of scalar `c`.
    @inline(__always)
    public static func appendScalar(_ c: UInt32, to out: inout [UInt8]) {
        if c < 0x80 {
            out.append(UInt8(c))
        } else if c < 0x800 {
            out.append(UInt8(0xC0 | (c >> 6))); out.append(UInt8(0x80 | (c & 0x3F)))
        } else if c < 0x10000 {
            out.append(UInt8(0xE0 | (c >> 12))); out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (c >> 18))); out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((c >> 6) & 0x3F))); out.append(UInt8(0x80 | (c & 0x3F)))
        }
    }

    /// Number of scalars in valid UTF-8.
    @inline(__always)
    public static func scalarCount(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        for b in p where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// Python `line.strip('\r\n ')` on a byte range: returns the trimmed range.
    @inline(__always)
    public static func stripCRLFSpace(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int) {
        var s = start, e = end
        while s < e, p[s] == 0x20 || p[s] == 0x0A || p[s] == 0x0D { s += 1 }
        while e > s, p[e - 1] == 0x20 || p[e - 1] == 0x0A || p[e - 1] == 0x0D { e -= 1 }
        return (s, e)
    }

    /// Calls `body(start, end)` for every non-empty word of `line.strip('\r\n ').split(' ')`.
    @inline(__always)
    public static func forEachWord(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                   _ body: (Int, Int) -> Void) {
        let (s, e) = stripCRLFSpace(p, start, end)
        var i = s
        while i < e {
            while i < e && p[i] == 0x20 { i += 1 }
            if i >= e { break }
            var j = i
            while j < e && p[j] != 0x20 { j += 1 }
            body(i, j)
            i = j
        }
    }

    /// Byte-wise lexicographic comparison (equals code-point order for valid UTF-8).
    @inline(__always)
    public static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(a.count, b.count)
        var i = 0
        while i < n {
            let x = a[i], y = b[i]
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// The end-of-word marker of subword-nmt codes ("</w>").
    public static let endOfWord: [UInt8] = Array("</w>".utf8)
}
