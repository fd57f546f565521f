/// Python `str` semantics on UTF-8 bytes: the whitespace set of `str.split()`/`strip()`,
/// code-point decoding and encoding, and the splitting helpers sacreBLEU relies on.
///
/// sacreBLEU works on Python strings, so every "is this whitespace", "strip the line" and
/// "split into tokens" must follow CPython, not Swift's `Character` or the Unicode
/// White_Space property. CPython's `str.isspace()` set (Unicode 14 in Python 3.11) is:
/// `\t \n \v \f \r`, `\x1c`–`\x1f`, space, `\x85`, U+00A0, U+1680, U+2000–U+200A,
/// U+2028, U+2029, U+202F, U+205F and U+3000. It does not contain U+200B or U+FEFF.
///
/// Everything here assumes valid UTF-8 (the readers in `TextLines.swift` validate first).
/// This file is deliberately not a general Unicode library: it holds only what the
/// tokenizers and metrics need.
public enum PythonText {
    /// Whether the code point is whitespace for Python's `str.isspace()` / `str.split()`.
    @inlinable
    public static func isWhitespace(_ c: UInt32) -> Bool {
        if c < 0x80 {
            return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20)
        }
        switch c {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Byte length of the UTF-8 sequence that starts with `lead` (1 for ASCII and for
    /// stray continuation bytes, which valid input never starts a sequence with).
    @inlinable
    public static func sequenceLength(_ lead: UInt8) -> Int {
        if lead < 0xC0 { return 1 }
        if lead < 0xE0 { return 2 }
        if lead < 0xF0 { return 3 }
        return 4
    }

    /// Decodes the code point starting at `i`; returns it with its byte length.
    @inlinable
    public static func decode(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
        let b0 = p[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        if b0 < 0xE0 {
            return ((UInt32(b0 & 0x1F) << 6) | UInt32(p[i + 1] & 0x3F), 2)
        }
        if b0 < 0xF0 {
            let v = (UInt32(b0 & 0x0F) << 12) | (UInt32(p[i + 1] & 0x3F) << 6)
                | UInt32(p[i + 2] & 0x3F)
            return (v, 3)
        }
        let v = (UInt32(b0 & 0x07) << 18) | (UInt32(p[i + 1] & 0x3F) << 12)
            | (UInt32(p[i + 2] & 0x3F) << 6) | UInt32(p[i + 3] & 0x3F)
        return (v, 4)
    }

    /// Appends the UTF-8 encoding of code point `c` to `out`.
    @inlinable
    public static func encode(_ c: UInt32, into out: inout [UInt8]) {
        if c < 0x80 {
            out.append(UInt8(c))
        } else if c < 0x800 {
            out.append(UInt8(0xC0 | (c >> 6)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        } else if c < 0x10000 {
            out.append(UInt8(0xE0 | (c >> 12)))
            out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (c >> 18)))
            out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        }
    }

    /// Byte length of the Python whitespace character starting at `i`, or 0 if the
    /// character there is not whitespace. Works directly on the UTF-8 bytes.
    @inlinable
    public static func whitespaceLength(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let b = p[i]
        if b < 0x80 {
            return ((b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)) ? 1 : 0
        }
        switch b {
        case 0xC2:
            let b1 = p[i + 1]
            return (b1 == 0x85 || b1 == 0xA0) ? 2 : 0
        case 0xE1:
            return (p[i + 1] == 0x9A && p[i + 2] == 0x80) ? 3 : 0
        case 0xE2:
            let b1 = p[i + 1], b2 = p[i + 2]
            if b1 == 0x80 {
                return (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) ? 3 : 0
            }
            return (b1 == 0x81 && b2 == 0x9F) ? 3 : 0
        case 0xE3:
            return (p[i + 1] == 0x80 && p[i + 2] == 0x80) ? 3 : 0
        default:
            return 0
        }
    }

    /// End index of `p[start..<end]` after Python `rstrip()` (trailing whitespace removed).
    public static func rstripEnd(_ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Int {
        var e = end
        while e > start {
            // Step back to the start of the last code point.
            var s = e - 1
            while s > start && (p[s] & 0xC0) == 0x80 { s -= 1 }
            if whitespaceLength(p, at: s) == e - s && e - s > 0 {
                e = s
            } else {
                break
            }
        }
        return e
    }

    /// Start index of `p[start..<end]` after Python `lstrip()` (leading whitespace removed).
    public static func lstripStart(_ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Int {
        var s = start
        while s < end {
            let w = whitespaceLength(p, at: s)
            if w == 0 { break }
            s += w
        }
        return s
    }

    /// Python `str.split()` on `p[start..<end]`: appends the byte ranges of the
    /// whitespace-separated fields to `tokens` (empty fields never appear).
    public static func split(
        _ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int, into tokens: inout TokenRanges
    ) {
        var i = start
        var tokenStart = -1
        while i < end {
            let b = p[i]
            if b < 0x80 {
                if (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20) {
                    if tokenStart >= 0 { tokens.append(tokenStart, i); tokenStart = -1 }
                } else if tokenStart < 0 {
                    tokenStart = i
                }
                i += 1
                continue
            }
            let w = whitespaceLength(p, at: i)
            if w > 0 {
                if tokenStart >= 0 { tokens.append(tokenStart, i); tokenStart = -1 }
                i += w
            } else {
                if tokenStart < 0 { tokenStart = i }
                i += sequenceLength(b)
            }
        }
        if tokenStart >= 0 { tokens.append(tokenStart, end) }
    }

    /// The 32 ASCII punctuation characters of Python's `string.punctuation`.
    @inlinable
    public static func isASCIIPunctuation(_ c: UInt32) -> Bool {
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40)
            || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E)
    }
}

/// Byte ranges of tokens inside one buffer: token `k` is `starts[k]..<ends[k]`.
public struct TokenRanges: Sendable {
    /// Start offsets, one per token.
    public var starts: [Int] = []
    /// End offsets (exclusive), one per token.
    public var ends: [Int] = []

    /// Creates an empty list.
    public init() {}

    /// Number of tokens.
    @inlinable public var count: Int { starts.count }

    /// Adds the token `start..<end`.
    @inlinable
    public mutating func append(_ start: Int, _ end: Int) {
        starts.append(start)
        ends.append(end)
    }

    /// Removes every token, keeping the storage.
    public mutating func removeAll() {
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}
