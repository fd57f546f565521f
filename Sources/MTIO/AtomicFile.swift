#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic file replacement: the bytes go to a hidden temporary file beside the target, which is
/// fsynced, renamed over the target, and then the folder is fsynced, so a crash or a full disk
/// leaves either the old file or the new one, never a torn one.
///
/// The one writer for checkpoints, caches, configs and copied vocabularies. Errors are
/// `IOError.replaceFailed` with the target path and the failing step. It does not create folders.
public enum AtomicFile {
    /// Replaces `path` with `bytes`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { try $0.bytes(bytes) }
    }

    /// Replaces `path` with what `body` writes (streamed through a 4 MiB buffer, so large files
    /// need not sit in memory twice). If `body` throws, the temporary file is removed, the error
    /// is rethrown and the target is untouched.
    public static func write(to path: String, _ body: (inout Writer) throws -> Void) throws {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let tmp = (dir.isEmpty ? "" : dir) + "/." + name + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw IOError.replaceFailed(path: path, reason: errnoText()) }
        var writer = Writer(fd: fd, path: path)
        do {
            try body(&writer)
            try writer.flush()
            guard fsync(fd) == 0 else {
                throw IOError.replaceFailed(path: path, reason: "fsync: " + errnoText())
            }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        guard close(fd) == 0 else {
            let reason = "close: " + errnoText()
            unlink(tmp)
            throw IOError.replaceFailed(path: path, reason: reason)
        }
        guard rename(tmp, path) == 0 else {
            let reason = "rename: " + errnoText()
            unlink(tmp)
            throw IOError.replaceFailed(path: path, reason: reason)
        }
        syncDirectory(dir.isEmpty ? "/" : dir)
    }

    /// fsyncs a folder so a rename in it is durable (best effort).
    private static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// The buffered sink `write(to:_:)` hands to its body.
    public struct Writer {
        private let fd: Int32
        private let path: String
        private var buffer: [UInt8] = []
        private static let flushSize = 4 << 20

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
            buffer.reserveCapacity(Self.flushSize + 4096)
        }

        /// Appends bytes.
        public mutating func bytes(_ b: some Collection<UInt8>) throws {
            buffer.append(contentsOf: b)
            if buffer.count >= Self.flushSize { try flush() }
        }

        /// Appends the in-memory bytes of a trivial value (e.g. a little-endian integer).
        public mutating func raw<T: BitwiseCopyable>(_ x: T) throws {
            withUnsafeBytes(of: x) { buffer.append(contentsOf: $0) }
            if buffer.count >= Self.flushSize { try flush() }
        }

        mutating func flush() throws {
            do {
                try buffer.withUnsafeBytes { try writeFully(fd, $0, name: path) }
            } catch let e as IOError {
                throw IOError.replaceFailed(path: path, reason: e.reason)
            }
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
