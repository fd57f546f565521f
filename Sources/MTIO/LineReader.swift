/// Streams a file, a gzip file or a descriptor in blocks and hands out chunks of complete lines,
/// split by a `LineBreakMode`.
///
/// Two ways to read: `nextChunk()` fills about `blockSize` bytes before splitting (batch work:
/// BPE, corpus reading); `availableChunk()` is for interactive input such as a terminal or a pipe
/// fed line by line: it waits for one complete line, then returns every complete line that is
/// already read or readable without blocking, never waiting for more. This type does not decode
/// or validate text.
public final class LineReader {
    private let source: ByteSource
    private let mode: LineBreakMode
    private let blockSize: Int
    private var pending: [UInt8] = []
    private var eof = false
    private var nextLine = 1

    /// The path as given, or `<stdin>`.
    public var sourceName: String { source.name }

    /// Reads standard input.
    public convenience init(standardInputWith mode: LineBreakMode, blockSize: Int = 1 << 22) {
        self.init(fileDescriptor: 0, name: "<stdin>", mode: mode, blockSize: blockSize)
    }

    /// Reads an open descriptor (a pipe, a terminal); it is not closed at the end.
    public init(fileDescriptor: Int32, name: String, mode: LineBreakMode, blockSize: Int = 1 << 22) {
        source = ByteSource(fileDescriptor: fileDescriptor, name: name)
        self.mode = mode
        self.blockSize = blockSize
    }

    /// Opens `path` for reading; with `gunzip`, its content is decoded as gzip while it is read
    /// (`InputFile.isGzipName` is the toolkit's rule for when). Throws `IOError`.
    public init(path: String, mode: LineBreakMode, blockSize: Int = 1 << 22, gunzip: Bool = false)
        throws
    {
        source = try ByteSource(path: path, gunzip: gunzip)
        self.mode = mode
        self.blockSize = blockSize
    }

    /// The next chunk of about `blockSize` bytes of complete lines, or nil at the end.
    public func nextChunk() throws -> LineChunk? {
        while true {
            if !eof && pending.count < blockSize {
                try fill()
                continue
            }
            if let chunk = takeCompleteLines() { return chunk }
            if eof { return nil }
            try fill()  // no complete line yet: a very long line
        }
    }

    /// The lines available now: with `wait`, blocks until at least one complete line (or the
    /// end of input) is there; then reads on only while `poll` says a read will not block, and
    /// returns every complete line it has. Without `wait`, the chunk may hold no line. Returns
    /// nil at the end of input. A final line without a terminator counts once input has ended.
    public func availableChunk(wait: Bool = true) throws -> LineChunk? {
        if wait {
            while !eof && !hasCompleteLine() { try fill() }
        }
        while !eof && pending.count < blockSize && source.isReadableNow() { try fill() }
        if let chunk = takeCompleteLines() { return chunk }
        return eof ? nil : LineChunk(bytes: [], lineStarts: [0], firstLineNumber: nextLine)
    }

    /// Appends one read of up to `blockSize` bytes to `pending`; sets `eof` on an empty read.
    private func fill() throws {
        let block = try [UInt8](unsafeUninitializedCapacity: blockSize) { buf, n in
            n = try source.read(into: UnsafeMutableRawBufferPointer(buf))
        }
        if block.isEmpty { eof = true } else { pending.append(contentsOf: block) }
    }

    /// Whether `pending` holds a complete line (at the end of input, any byte makes one).
    private func hasCompleteLine() -> Bool {
        var b = pending
        var starts = [0]
        _ = LineChunk.split(&b, mode: mode, atEOF: eof, starts: &starts)
        return starts.count > 1
    }

    /// Removes the complete lines from `pending` and returns them; nil when there are none.
    private func takeCompleteLines() -> LineChunk? {
        var starts = [0]
        var buf = pending
        pending = []
        let tailStart = LineChunk.split(&buf, mode: mode, atEOF: eof, starts: &starts)
        if eof {
            if starts.last != buf.count { starts.append(buf.count) }
            if starts.count == 1 { return nil }
        } else {
            if starts.count == 1 {
                pending = buf
                return nil
            }
            pending = Array(buf[tailStart...])
            buf.removeSubrange(tailStart...)
        }
        let chunk = LineChunk(bytes: buf, lineStarts: starts, firstLineNumber: nextLine)
        nextLine += chunk.lineCount
        return chunk
    }
}
