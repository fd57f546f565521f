#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a reader's bytes come from: a file descriptor read as it is, or a gzip file decoded with
/// zlib on the way (`GzipDecoder`), never held in memory whole.
///
/// It knows nothing of lines; `LineReader` and `InputFile` sit on top. A descriptor it did not
/// open (standard input) is not closed.
final class ByteSource {
    /// The path as given, or `<stdin>`.
    let name: String
    private let fd: Int32
    private let ownsFD: Bool
    private let gzip: GzipDecoder?

    /// Opens `path` for reading; with `gunzip`, its content is decoded as gzip.
    init(path: String, gunzip: Bool) throws {
        fd = try Self.openForReading(path)
        ownsFD = true
        name = path
        do {
            gzip = gunzip ? try GzipDecoder(fd: fd, name: path) : nil
        } catch {
            close(fd)
            throw error
        }
    }

    /// Reads an open descriptor (not closed at the end), e.g. 0 for standard input.
    init(fileDescriptor: Int32, name: String) {
        fd = fileDescriptor
        ownsFD = false
        self.name = name
        gzip = nil
    }

    deinit { if ownsFD { close(fd) } }

    /// The size of a plain file in bytes (a capacity hint); 0 for gzip input and descriptors.
    var sizeHint: Int {
        var info = stat()
        guard ownsFD, gzip == nil, fstat(fd, &info) == 0 else { return 0 }
        return max(0, Int(info.st_size))
    }

    /// Reads up to `buffer.count` bytes into `buffer` (one `read`, or one zlib step); 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let gzip { return try gzip.read(into: buffer) }
        return try Self.readOnce(fd, into: buffer, name: name)
    }

    /// True when a `read` would not block now (data, end of file or an error are waiting):
    /// `poll` with a zero timeout. Decoded gzip input is judged by its compressed descriptor.
    func isReadableNow() -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var r: Int32
        repeat { r = poll(&p, 1, 0) } while r < 0 && errno == EINTR
        return r > 0
    }

    /// `open(path, O_RDONLY)` refusing directories, or `IOError.cannotOpen` naming the file.
    static func openForReading(_ path: String) throws -> Int32 {
        let f = open(path, O_RDONLY)
        guard f >= 0 else {
            throw IOError.cannotOpen(path: path, forWriting: false, reason: errnoText())
        }
        var info = stat()
        if fstat(f, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(f)
            throw IOError.cannotOpen(path: path, forWriting: false, reason: "is a directory")
        }
        return f
    }

    /// One `read(2)` into `buffer`, retried on EINTR; 0 at the end; `IOError.readFailed` on error.
    static func readOnce(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, name: String)
        throws -> Int
    {
        while true {
            let r = systemRead(fd, buffer.baseAddress!, buffer.count)
            if r >= 0 { return r }
            if errno != EINTR { throw IOError.readFailed(path: name, reason: errnoText()) }
        }
    }
}

/// `read(2)`, out of reach of `ByteSource.read(into:)`'s name.
private func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, p, n) }

/// `strerror(errno)` as a string.
func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
