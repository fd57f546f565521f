#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Little-endian binary writing with atomic replacement, and a bounds-checked reader: the byte
/// plumbing under `CorpusCache`. It knows nothing of the cache layout.
///
/// `AtomicFile.write` writes a temporary file beside the target, fsyncs it, renames it over the
/// target and fsyncs the directory, so a crash or a full disk leaves either the old file or the
/// new one, never a torn one.
public enum AtomicFile {
    /// Writes `path` atomically; `body` appends bytes to the writer it is given.
    public static func write(_ path: String, _ body: (inout BinaryWriter) throws -> Void) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw DataError.writeFailed(path: path, reason: errorText()) }
        var writer = BinaryWriter(fd: fd, path: path)
        do {
            try body(&writer)
            try writer.flush()
            guard fsync(fd) == 0 else {
                throw DataError.writeFailed(path: path, reason: "fsync: " + errorText())
            }
            guard close(fd) == 0 else {
                unlink(tmp)
                throw DataError.writeFailed(path: path, reason: "close: " + errorText())
            }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        guard rename(tmp, path) == 0 else {
            let reason = "rename: " + errorText()
            unlink(tmp)
            throw DataError.writeFailed(path: path, reason: reason)
        }
        syncDirectory(of: path)
    }

    /// fsyncs the directory holding `path` so the rename itself is durable (best effort).
    static func syncDirectory(of path: String) {
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let fd = open(dir.isEmpty ? "/" : dir, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// Reads a whole file. Throws `DataError.unreadable`.
    public static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DataError.unreadable(path: path, reason: errorText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DataError.unreadable(path: path, reason: errorText())
        }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw DataError.unreadable(
                    path: path, reason: n == 0 ? "file shrank while reading" : errorText())
            }
            done += n
        }
        return bytes
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}

/// Buffered little-endian writer over a file descriptor (flushes every 4 MiB).
public struct BinaryWriter {
    private let fd: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private static let flushSize = 4 << 20

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    public mutating func bytes(_ b: some Collection<UInt8>) throws {
        buffer.append(contentsOf: b)
        if buffer.count >= Self.flushSize { try flush() }
    }

    public mutating func u16(_ x: UInt16) throws { try raw(x.littleEndian) }
    public mutating func u32(_ x: UInt32) throws { try raw(x.littleEndian) }
    public mutating func u64(_ x: UInt64) throws { try raw(x.littleEndian) }
    public mutating func f64(_ x: Double) throws { try u64(x.bitPattern) }

    /// A UTF-8 string with a UInt32 byte count in front.
    public mutating func string(_ s: String) throws {
        try u32(UInt32(s.utf8.count))
        try bytes(Array(s.utf8))
    }

    private mutating func raw<T>(_ x: T) throws {
        withUnsafeBytes(of: x) { buffer.append(contentsOf: $0) }
        if buffer.count >= Self.flushSize { try flush() }
    }

    mutating func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw DataError.writeFailed(path: path, reason: AtomicFile.errorText())
            }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Bounds-checked little-endian reader over bytes; running past the end throws `cacheCorrupt`.
public struct BinaryReader {
    public let bytes: [UInt8]
    public let path: String
    public private(set) var offset = 0

    public init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    public var remaining: Int { bytes.count - offset }

    public mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else {
            throw DataError.cacheCorrupt(
                path: path,
                reason: "truncated: needs \(n) bytes at offset \(offset), has \(remaining)")
        }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    public mutating func u16() throws -> UInt16 { UInt16(littleEndian: try raw()) }
    public mutating func u32() throws -> UInt32 { UInt32(littleEndian: try raw()) }
    public mutating func u64() throws -> UInt64 { UInt64(littleEndian: try raw()) }
    public mutating func f64() throws -> Double { Double(bitPattern: try u64()) }

    public mutating func string() throws -> String {
        let n = Int(try u32())
        let b = try take(n)
        guard let s = String(validating: b, as: UTF8.self) else {
            throw DataError.cacheCorrupt(
                path: path, reason: "string at offset \(offset - n) is not UTF-8")
        }
        return s
    }

    /// `count` little-endian values of `T`, widened by `convert`, e.g. UInt16 ids to Int32.
    public mutating func array<T: FixedWidthInteger, U>(
        of _: T.Type, count: Int,
        _ convert: (T) -> U
    ) throws -> [U] {
        let (size, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.size)
        guard !overflow else {
            throw DataError.cacheCorrupt(path: path, reason: "count \(count) overflows")
        }
        let slice = try take(size)
        return slice.withUnsafeBytes { raw in
            (0..<count).map {
                convert(
                    T(
                        littleEndian: raw.loadUnaligned(
                            fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)))
            }
        }
    }

    private mutating func raw<T: FixedWidthInteger>() throws -> T {
        let slice = try take(MemoryLayout<T>.size)
        return slice.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }
}
