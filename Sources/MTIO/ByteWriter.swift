#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writer to standard output or a file (created or truncated), flushed every MiB and
/// when it goes away. Large blocks go straight to the descriptor. Not atomic: `AtomicFile` is
/// the writer for files that must never be seen half written.
public final class ByteWriter {
    private let fd: Int32
    private let ownsFD: Bool
    private var buffer: [UInt8] = []
    public let sinkName: String

    public init(standardOutput: Void = ()) { fd = 1; ownsFD = false; sinkName = "<stdout>" }

    /// Opens `path` for writing. Throws `IOError.cannotOpen`.
    public init(path: String) throws {
        let f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if f < 0 { throw IOError.cannotOpen(path: path, forWriting: true, reason: errnoText()) }
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
        try writeFully(fd, UnsafeRawBufferPointer(p), name: sinkName)
    }
}

/// Writes all of `p` to `fd`, retrying short writes and EINTR. Throws `IOError.writeFailed`.
func writeFully(_ fd: Int32, _ p: UnsafeRawBufferPointer, name: String) throws {
    var off = 0
    while off < p.count {
        let w = write(fd, p.baseAddress! + off, p.count - off)
        if w < 0 {
            if errno == EINTR { continue }
            throw IOError.writeFailed(path: name, reason: errnoText())
        }
        off += w
    }
}
