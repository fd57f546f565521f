import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the lines of one text file, plain or gzip-compressed, with UTF-8 checking.
///
/// A file whose name ends in `.gz` is piped through `/bin/gzip -dc` (spawned with
/// `Foundation.Process`, reading the file on its stdin), so it is never held in memory whole.
/// Lines end at "\n" only, as `wc -l` counts them; a trailing "\r" is removed; a last line without
/// a terminator still counts; a UTF-8 byte-order mark at the start is dropped. This reader does not normalise or tokenise text: that is the
/// injected encoder's job.
public final class TextLineReader {
    /// The path as given.
    public let path: String
    /// Lines returned so far: after `nextLine()` returns a line, its 1-based number.
    public private(set) var lineNumber = 0

    private let fd: Int32
    private var gzip: Process?
    private var gzipStdout: Pipe?
    private var gzipStderr: Pipe?
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEOF = false
    private var closed = false

    /// Whether `path` is read through gzip.
    public static func isCompressed(_ path: String) -> Bool { path.hasSuffix(".gz") }

    /// Opens `path`. Throws `DataError.unreadable` if it cannot be opened or gzip cannot start.
    public init(path: String, bufferSize: Int = 1 << 20) throws {
        self.path = path
        buffer = [UInt8](repeating: 0, count: max(bufferSize, 64))
        let file = open(path, O_RDONLY)
        guard file >= 0 else {
            throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        if fstat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            posixClose(file)
            throw DataError.unreadable(path: path, reason: "is a directory")
        }
        guard Self.isCompressed(path) else {
            fd = file
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc"]
        let out = Pipe()
        let err = Pipe()
        process.standardInput = FileHandle(fileDescriptor: file, closeOnDealloc: true)
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw DataError.unreadable(path: path, reason: "cannot start /bin/gzip: \(error)")
        }
        gzip = process
        gzipStdout = out
        gzipStderr = err
        fd = out.fileHandleForReading.fileDescriptor
    }

    deinit { finish(checkStatus: false) }

    /// The next line, without its terminator; nil at the end of the file.
    /// Throws `DataError.invalidUTF8` naming the file and the 1-based line number.
    public func nextLine() throws -> String? {
        guard var range = try nextLineRange() else { return nil }
        if lineNumber == 1 && range.count >= 3 && buffer[range.prefix(3)] == [0xEF, 0xBB, 0xBF] {
            range = range.dropFirst(3)  // a UTF-8 byte-order mark is not text
        }
        let text = buffer.withUnsafeBufferPointer { all in
            String(validating: UnsafeBufferPointer(rebasing: all[range]), as: UTF8.self)
        }
        guard let text else { throw DataError.invalidUTF8(path: path, line: lineNumber) }
        return text
    }

    /// Reads to the end without decoding and returns the total number of lines in the file.
    public func countToEnd() throws -> Int {
        while try nextLineRange() != nil {}
        return lineNumber
    }

    /// Closes the file (and waits for gzip). Reading after `close()` returns nil.
    public func close() { finish(checkStatus: false) }

    /// The byte range of the next line inside `buffer` (valid until the next call).
    private func nextLineRange() throws -> Range<Int>? {
        while true {
            if closed { return nil }
            let found: Int? = buffer.withUnsafeBytes { raw in
                guard end > start, let p = memchr(raw.baseAddress! + start, 0x0A, end - start)
                else {
                    return nil
                }
                return raw.baseAddress!.distance(to: UnsafeRawPointer(p))
            }
            if let nl = found {
                let range = start..<(nl > start && buffer[nl - 1] == 0x0D ? nl - 1 : nl)
                start = nl + 1
                lineNumber += 1
                return range
            }
            if atEOF {
                guard end > start else {
                    try finishAtEOF()
                    return nil
                }
                let range = start..<(buffer[end - 1] == 0x0D ? end - 1 : end)
                start = end
                lineNumber += 1
                return range
            }
            try refill()
        }
    }

    /// Moves the unread tail to the front (growing the buffer for very long lines) and reads.
    private func refill() throws {
        if start > 0 {
            let tail = end - start
            if tail > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + start, tail)
                }
            }
            start = 0
            end = tail
        }
        if end == buffer.count {
            buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count))
        }
        let n = buffer.withUnsafeMutableBytes { raw in
            read(fd, raw.baseAddress! + end, raw.count - end)
        }
        if n < 0 {
            if errno == EINTR { return }
            throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if n == 0 { atEOF = true } else { end += n }
    }

    private func finishAtEOF() throws {
        guard !closed else { return }
        if let error = finish(checkStatus: true) { throw error }
    }

    /// Releases the file descriptor and reaps gzip; with `checkStatus`, returns its failure.
    @discardableResult
    private func finish(checkStatus: Bool) -> DataError? {
        guard !closed else { return nil }
        closed = true
        guard let process = gzip else {
            posixClose(fd)
            return nil
        }
        // Closing our end first makes a still-running gzip stop with SIGPIPE.
        try? gzipStdout?.fileHandleForReading.close()
        process.waitUntilExit()
        let message =
            (try? gzipStderr?.fileHandleForReading.readToEnd()).flatMap { $0 }
            .map {
                String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } ?? ""
        try? gzipStderr?.fileHandleForReading.close()
        gzip = nil
        guard checkStatus, process.terminationReason != .exit || process.terminationStatus != 0
        else {
            return nil
        }
        return .gzipFailed(path: path, status: process.terminationStatus, message: message)
    }
}

/// `close(2)`, out of reach of `TextLineReader.close()`'s name.
private func posixClose(_ fd: Int32) { _ = close(fd) }
