/// Lines as byte ranges of one buffer, and the three line-break rules the toolkit reads text with:
/// those of the Python readers subword-nmt uses (`.python`), Python's universal newlines
/// (`.universal`) and "\n" only (`.newline`). Lines keep their terminators; callers apply their
/// own strip rules. This file splits bytes that are already in memory; `LineReader` streams.

/// Which characters end a line.
public enum LineBreakMode: Sendable {
    /// `codecs` readers (subword-nmt's CLI): \n, \r\n, \r, \v, \f, \x1c, \x1d, \x1e, \x85,
    /// U+2028 and U+2029.
    case python
    /// Python's `open()` universal newlines: \n, \r\n, \r; all are translated to "\n".
    case universal
    /// Only \n.
    case newline
}

/// Lead bytes that may start a line break in `.python` mode.
private let pythonBreakLead: [Bool] = (0..<256).map { [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0xC2, 0xE2].contains($0) }

/// A block of complete lines: line `i` is `bytes[lineStarts[i]..<lineStarts[i + 1]]`,
/// terminator included.
public struct LineChunk: Sendable {
    public var bytes: [UInt8]
    public var lineStarts: [Int]
    /// 1-based number of the first line of this chunk in the stream.
    public var firstLineNumber: Int
    public var lineCount: Int { lineStarts.count - 1 }

    public init(bytes: [UInt8], lineStarts: [Int], firstLineNumber: Int) {
        self.bytes = bytes
        self.lineStarts = lineStarts
        self.firstLineNumber = firstLineNumber
    }

    /// Splits `bytes` into lines (the whole buffer; the last line may lack a terminator).
    public init(splitting bytes: [UInt8], mode: LineBreakMode, firstLineNumber: Int = 1) {
        var b = bytes
        var starts = [0]
        _ = LineChunk.split(&b, mode: mode, atEOF: true, starts: &starts)
        if starts.last != b.count { starts.append(b.count) }
        self.init(bytes: b, lineStarts: starts, firstLineNumber: firstLineNumber)
    }

    /// Finds line ends in `b`, appending each end offset to `starts`. Returns the offset where
    /// the unfinished tail begins. In universal mode, "\r\n" and "\r" are rewritten to "\n".
    static func split(_ b: inout [UInt8], mode: LineBreakMode, atEOF: Bool, starts: inout [Int]) -> Int {
        let n = b.count
        var lastEnd = starts.last ?? 0
        switch mode {
        case .newline:
            var i = lastEnd
            b.withUnsafeBufferPointer { p in
                while i < n {
                    if p[i] == 0x0A { starts.append(i + 1); lastEnd = i + 1 }
                    i += 1
                }
            }
        case .universal:
            var out = lastEnd, i = lastEnd
            var pendingCR = false
            while i < n {
                let c = b[i]
                if c == 0x0D {
                    if i + 1 < n {
                        b[out] = 0x0A; out += 1
                        i += b[i + 1] == 0x0A ? 2 : 1
                        starts.append(out); lastEnd = out
                        continue
                    } else if atEOF {
                        b[out] = 0x0A; out += 1; i += 1
                        starts.append(out); lastEnd = out
                        continue
                    } else {
                        pendingCR = true
                        break
                    }
                }
                b[out] = c; out += 1; i += 1
                if c == 0x0A { starts.append(out); lastEnd = out }
            }
            // Keep the unfinished tail (including a pending "\r") after the compacted lines.
            let tail = Array(b[(pendingCR ? i : n)..<n])
            let rest = Array(b[lastEnd..<out])
            b.removeSubrange(lastEnd..<n)
            b.append(contentsOf: rest)
            b.append(contentsOf: tail)
            return lastEnd
        case .python:
            var i = lastEnd
            b.withUnsafeBufferPointer { p in
                while i < n {
                    let c = p[i]
                    if !pythonBreakLead[Int(c)] { i += 1; continue }
                    switch c {
                    case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E:
                        i += 1; starts.append(i); lastEnd = i
                    case 0x0D:
                        if i + 1 < n {
                            i += p[i + 1] == 0x0A ? 2 : 1
                            starts.append(i); lastEnd = i
                        } else if atEOF {
                            i += 1; starts.append(i); lastEnd = i
                        } else {
                            i = n
                        }
                    case 0xC2:
                        if i + 1 < n && p[i + 1] == 0x85 { i += 2; starts.append(i); lastEnd = i } else { i += 1 }
                    case 0xE2:
                        if i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9) {
                            i += 3; starts.append(i); lastEnd = i
                        } else { i += 1 }
                    default:
                        i += 1
                    }
                }
            }
        }
        return lastEnd
    }
}

extension LineChunk {
    /// Indices (within the chunk) of lines that are not valid UTF-8.
    public func invalidLines() -> [Int] {
        bytes.withUnsafeBufferPointer { p in
            (0..<lineCount).filter { l in
                !UTF8Validation.isValid(UnsafeBufferPointer(rebasing: p[lineStarts[l]..<lineStarts[l + 1]]))
            }
        }
    }
}
