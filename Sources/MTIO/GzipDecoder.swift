import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes a gzip file with zlib while it is read, as `gzip -dc` would: one member after another
/// (concatenated `.gz` files decode to the concatenation), each checked against its CRC.
///
/// Errors name the file and say what is wrong: not gzip data at all, corrupt data (zlib's
/// message), or a file that ends inside a member (truncated). Bytes after the last member that
/// are not another member are an error too, as for `gzip -dc`. This type knows nothing of lines.
final class GzipDecoder {
    private let fd: Int32
    private let name: String
    /// zlib keeps a pointer back to its stream, so the stream lives at a fixed address.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCapacity = 1 << 16
    /// True between members: the last one ended and nothing of a next one has been decoded.
    private var atMemberBoundary = false
    private var finished = false

    /// Starts a decoder on `fd` (compressed bytes); `name` is used in errors.
    init(fd: Int32, name: String) throws {
        self.fd = fd
        self.name = name
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(capacity: inputCapacity)
        guard czlib_inflate_init_gzip(stream) == Z_OK else {
            input.deallocate()
            stream.deallocate()
            throw IOError.corruptGzip(path: name, reason: "zlib could not start a decoder")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// Decodes up to `buffer.count` bytes into `buffer`; 0 only at the end of the last member.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = UInt32(clamping: buffer.count)
        let capacity = Int(stream.pointee.avail_out)
        while Int(stream.pointee.avail_out) == capacity {
            if stream.pointee.avail_in == 0 {
                let n = try ByteSource.readOnce(
                    fd, into: UnsafeMutableRawBufferPointer(start: input, count: inputCapacity),
                    name: name)
                if n == 0 {
                    if atMemberBoundary {
                        finished = true
                        return 0
                    }
                    throw IOError.corruptGzip(
                        path: name, reason: "unexpected end of file: the gzip data is truncated")
                }
                stream.pointee.next_in = input
                stream.pointee.avail_in = UInt32(n)
            }
            atMemberBoundary = false
            switch inflate(stream, Z_NO_FLUSH) {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                // A member ended; another may follow (concatenated gzip files).
                inflateReset(stream)
                atMemberBoundary = true
            case Z_MEM_ERROR:
                throw IOError.corruptGzip(path: name, reason: "zlib ran out of memory")
            default:
                throw IOError.corruptGzip(path: name, reason: zlibMessage())
            }
        }
        return capacity - Int(stream.pointee.avail_out)
    }

    /// zlib's description of a data error, with what it means for the file.
    private func zlibMessage() -> String {
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
        if message == "incorrect header check" {
            return "not in gzip format (zlib: \(message))"
        }
        return "corrupt gzip data (zlib: \(message))"
    }
}
