import MTIO

/// Streams the lines of one text file, plain or gzip-compressed, with UTF-8 checking.
///
/// A file whose name ends in `.gz` is decoded with zlib while it is read (MTIO's `LineReader`),
/// so it is never held in memory whole. Lines end at "\n" only, as `wc -l` counts them; a
/// trailing "\r" is removed; a last line without a terminator still counts; a UTF-8 byte-order
/// mark at the start is dropped. This reader does not normalise or tokenise text: that is the
/// injected encoder's job.
public final class TextLineReader {
    /// The path as given.
    public let path: String
    /// Lines returned so far: after `nextLine()` returns a line, its 1-based number.
    public private(set) var lineNumber = 0

    /// nil once the end is reached or `close()` was called.
    private var reader: LineReader?
    private var chunk = LineChunk(bytes: [], lineStarts: [0], firstLineNumber: 1)
    private var index = 0

    /// Whether `path` is read through gzip.
    public static func isCompressed(_ path: String) -> Bool { InputFile.isGzipName(path) }

    /// Opens `path`. Throws `DataError.unreadable` if it cannot be opened (or is a directory).
    public init(path: String, bufferSize: Int = 1 << 20) throws {
        self.path = path
        do {
            reader = try LineReader(
                path: path, mode: .newline, blockSize: max(bufferSize, 64),
                gunzip: Self.isCompressed(path))
        } catch let error as IOError {
            throw DataError(error)
        }
    }

    /// The next line, without its terminator; nil at the end of the file.
    /// Throws `DataError.invalidUTF8` naming the file and the 1-based line number,
    /// `DataError.gzipFailed` for corrupt or truncated gzip input.
    public func nextLine() throws -> String? {
        guard var range = try nextLineRange() else { return nil }
        let bytes = chunk.bytes
        if lineNumber == 1 && range.count >= 3 && bytes[range.prefix(3)] == [0xEF, 0xBB, 0xBF] {
            range = range.dropFirst(3)  // a UTF-8 byte-order mark is not text
        }
        guard let text = String(validating: bytes[range], as: UTF8.self) else {
            throw DataError.invalidUTF8(path: path, line: lineNumber)
        }
        return text
    }

    /// Reads to the end without decoding and returns the total number of lines in the file.
    public func countToEnd() throws -> Int {
        while try nextChunkIfNeeded() {
            lineNumber += chunk.lineCount - index
            index = chunk.lineCount
        }
        return lineNumber
    }

    /// Closes the file. Reading after `close()` returns nil.
    public func close() {
        reader = nil
        chunk = LineChunk(bytes: [], lineStarts: [0], firstLineNumber: 1)
        index = 0
    }

    /// The byte range of the next line in `chunk.bytes`, terminator and a final "\r" removed.
    private func nextLineRange() throws -> Range<Int>? {
        guard try nextChunkIfNeeded() else { return nil }
        let start = chunk.lineStarts[index]
        var end = chunk.lineStarts[index + 1]
        if end > start && chunk.bytes[end - 1] == 0x0A { end -= 1 }
        if end > start && chunk.bytes[end - 1] == 0x0D { end -= 1 }
        index += 1
        lineNumber += 1
        return start..<end
    }

    /// Makes `chunk` hold an unread line; false at the end.
    private func nextChunkIfNeeded() throws -> Bool {
        while index == chunk.lineCount {
            guard let r = reader else { return false }
            do {
                guard let next = try r.nextChunk() else {
                    close()
                    return false
                }
                chunk = next
                index = 0
            } catch let error as IOError {
                throw DataError(error)
            }
        }
        return true
    }
}
