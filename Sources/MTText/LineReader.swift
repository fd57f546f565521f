// Streaming line reader over a file descriptor, with the line-break rules of the Python readers
// that subword-nmt uses. Lines keep their terminators; callers apply Python's strip rules.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// Reads a file descriptor in blocks and hands out chunks of complete lines.
public final class LineReader {
    private let fd: Int32
    private let ownsFD: Bool
    private let mode: LineBreakMode
    private let blockSize: Int
    private var pending: [UInt8] = []
    private var eof = false
    private var nextLine = 1
    public let sourceName: String

    /// Reads standard input.
    public init(standardInputWith mode: LineBreakMode, blockSize: Int = 1 << 22) {
        fd = 0; ownsFD = false; self.mode = mode; self.blockSize = blockSize; sourceName = "<stdin>"
    }

    /// Opens `path` for reading.
    public init(path: String, mode: LineBreakMode, blockSize: Int = 1 << 22) throws {
        fd = try Self.openForReading(path); ownsFD = true; self.mode = mode; self.blockSize = blockSize; sourceName = path
    }

    deinit { if ownsFD { close(fd) } }

    /// `open(path, O_RDONLY)`, or an error naming the file.
    static func openForReading(_ path: String) throws -> Int32 {
        let f = open(path, O_RDONLY)
        if f < 0 { throw TextError.io("cannot open \(path) for reading: \(String(cString: strerror(errno)))") }
        return f
    }

    /// One `read` of up to `capacity` bytes from `fd` (retried on EINTR); empty at the end.
    static func readBlock(_ fd: Int32, capacity: Int, source: String) throws -> [UInt8] {
        var failure: Int32 = 0
        let block = [UInt8](unsafeUninitializedCapacity: capacity) { buf, n in
            var r = 0
            repeat {
                r = read(fd, buf.baseAddress!, capacity)
            } while r < 0 && errno == EINTR
            if r < 0 { failure = errno; r = 0 }
            n = r
        }
        if failure != 0 { throw TextError.io("\(source): read error: \(String(cString: strerror(failure)))") }
        return block
    }

    private func fill() throws {
        let block = try Self.readBlock(fd, capacity: blockSize, source: sourceName)
        if block.isEmpty { eof = true } else { pending.append(contentsOf: block) }
    }

    /// The next chunk of about `blockSize` bytes of complete lines, or nil at the end.
    public func nextChunk() throws -> LineChunk? {
        while true {
            if !eof && pending.count < blockSize { try fill(); continue }
            var starts = [0]
            var buf = pending
            pending = []
            let tailStart = LineChunk.split(&buf, mode: mode, atEOF: eof, starts: &starts)
            if eof {
                if starts.last != buf.count { starts.append(buf.count) }
                if starts.count == 1 { return nil }
                let chunk = LineChunk(bytes: buf, lineStarts: starts, firstLineNumber: nextLine)
                nextLine += chunk.lineCount
                return chunk
            }
            if starts.count == 1 {
                // No complete line yet: read more (a very long line).
                pending = buf
                try fill()
                continue
            }
            pending = Array(buf[tailStart...])
            buf.removeSubrange(tailStart...)
            let chunk = LineChunk(bytes: buf, lineStarts: starts, firstLineNumber: nextLine)
            nextLine += chunk.lineCount
            return chunk
        }
    }
}

/// Buffered writer to a file descriptor.
public final class ByteWriter {
    private let fd: Int32
    private let ownsFD: Bool
    private var buffer: [UInt8] = []
    public let sinkName: String

    public init(standardOutput: Void = ()) { fd = 1; ownsFD = false; sinkName = "<stdout>" }

    public init(path: String) throws {
        let f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if f < 0 { throw TextError.io("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        fd = f; ownsFD = true; sinkName = path
    }

    deinit {
        try? flush()
        if ownsFD { close(fd) }
    }

    public func write(_ bytes: [UInt8]) throws {
        if bytes.count >= 1 << 16 {
            // Large blocks go straight to the descriptor (after what is buffered): no copy.
            try flush()
            try bytes.withUnsafeBufferPointer { try writeAll($0) }
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public func write(_ s: String) throws { try write(Array(s.utf8)) }

    public func flush() throws {
        try buffer.withUnsafeBufferPointer { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ p: UnsafeBufferPointer<UInt8>) throws {
        var off = 0
        while off < p.count {
            let w = Glibc.write(fd, p.baseAddress! + off, p.count - off)
            if w < 0 {
                if errno == EINTR { continue }
                throw TextError.io("\(sinkName): write error: \(String(cString: strerror(errno)))")
            }
            off += w
        }
    }
}

extension LineChunk {
    /// Indices (within the chunk) of lines that are not valid UTF-8.
    public func invalidLines() -> [Int] {
        bytes.withUnsafeBufferPointer { p in
            (0..<lineCount).filter { l in
                !ByteText.isValidUTF8(UnsafeBufferPointer(rebasing: p[lineStarts[l]..<lineStarts[l + 1]]))
            }
        }
    }
}
