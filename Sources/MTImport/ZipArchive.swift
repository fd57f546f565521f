import CZlib
import Foundation

/// The entries of a zip file (what `torch.save` writes: stored entries, optionally zip64), read
/// through the central directory. Deflated entries are inflated with zlib; other methods,
/// encryption and out-of-range offsets are errors naming the entry.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let compressedSize: Int
        let size: Int
        let localHeader: Int
    }

    let path: String
    let data: [UInt8]
    private(set) var entries: [String: Entry] = [:]

    init(path: String, data: [UInt8]) throws {
        self.path = path
        self.data = data
        func fail(_ r: String) -> ImportError { .zip(path: path, reason: r) }
        guard data.count >= 22 else { throw fail("\(data.count) bytes, shorter than a zip end record (22)") }
        // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
        var eocd = -1
        var i = data.count - 22
        while i >= max(0, data.count - 65_557) {
            if u32(i) == 0x0605_4b50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record (truncated or not a zip)") }
        var count = Int(u16(eocd + 10)), cdSize = Int(u32(eocd + 12)), cdOffset = Int(u32(eocd + 16))
        if count == 0xFFFF || cdOffset == 0xFFFF_FFFF || cdSize == 0xFFFF_FFFF {
            // zip64: locator just before the end record points to the zip64 end record.
            let loc = eocd - 20
            guard loc >= 0, u32(loc) == 0x0706_4b50 else { throw fail("zip64 sizes without a zip64 locator") }
            let rec = Int(u64(loc + 8))
            guard rec >= 0, rec + 56 <= data.count, u32(rec) == 0x0606_4b50 else { throw fail("zip64 end record at \(rec) is invalid") }
            count = Int(u64(rec + 32)); cdSize = Int(u64(rec + 40)); cdOffset = Int(u64(rec + 48))
        }
        guard cdOffset >= 0, cdSize >= 0, cdOffset + cdSize <= data.count else {
            throw fail("central directory [\(cdOffset), \(cdOffset + cdSize)) lies outside the file's \(data.count) bytes (truncated?)")
        }
        var p = cdOffset
        for n in 0..<count {
            guard p + 46 <= data.count, u32(p) == 0x0201_4b50 else { throw fail("central directory entry \(n) at \(p) is invalid") }
            let flags = u16(p + 8), method = u16(p + 10)
            var csize = Int(u32(p + 20)), size = Int(u32(p + 24))
            let nameLen = Int(u16(p + 28)), extraLen = Int(u16(p + 30)), commentLen = Int(u16(p + 32))
            var local = Int(u32(p + 42))
            guard p + 46 + nameLen + extraLen + commentLen <= data.count else { throw fail("central directory entry \(n) is truncated") }
            let name = String(decoding: data[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
            // zip64 extra field (id 1): the 0xFFFFFFFF fields in order size, compressed size, offset.
            var e = p + 46 + nameLen
            let extraEnd = e + extraLen
            while e + 4 <= extraEnd {
                let id = u16(e), len = Int(u16(e + 2))
                if id == 1 {
                    var q = e + 4
                    if size == 0xFFFF_FFFF, q + 8 <= e + 4 + len { size = Int(u64(q)); q += 8 }
                    if csize == 0xFFFF_FFFF, q + 8 <= e + 4 + len { csize = Int(u64(q)); q += 8 }
                    if local == 0xFFFF_FFFF, q + 8 <= e + 4 + len { local = Int(u64(q)) }
                }
                e += 4 + len
            }
            if flags & 1 != 0 { throw fail("entry \(name) is encrypted") }
            entries[name] = Entry(name: name, method: method, compressedSize: csize, size: size, localHeader: local)
            p += 46 + nameLen + extraLen + commentLen
        }
    }

    /// The bytes of entry `name`.
    func contents(_ name: String) throws -> [UInt8] {
        func fail(_ r: String) -> ImportError { .zip(path: path, reason: "entry \(name): \(r)") }
        guard let e = entries[name] else { throw fail("not in the archive") }
        let h = e.localHeader
        guard h >= 0, h + 30 <= data.count, u32(h) == 0x0403_4b50 else { throw fail("local header at \(h) is invalid") }
        let start = h + 30 + Int(u16(h + 26)) + Int(u16(h + 28))
        guard start + e.compressedSize <= data.count else {
            throw fail("data [\(start), \(start + e.compressedSize)) beyond the file's \(data.count) bytes (truncated)")
        }
        let raw = data[start..<(start + e.compressedSize)]
        switch e.method {
        case 0:
            guard e.size == e.compressedSize else { throw fail("stored entry with sizes \(e.compressedSize) ≠ \(e.size)") }
            return Array(raw)
        case 8: return try inflate(Array(raw), size: e.size, fail: fail)
        default: throw fail("compression method \(e.method) (supported: 0 stored, 8 deflate)")
        }
    }

    private func inflate(_ input: [UInt8], size: Int, fail: (String) -> ImportError) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw fail("zlib init failed") }
        defer { inflateEnd(&stream) }
        var input = input
        let rc: Int32 = input.withUnsafeMutableBufferPointer { inb in
            out.withUnsafeMutableBufferPointer { ob in
                stream.next_in = inb.baseAddress
                stream.avail_in = UInt32(inb.count)
                stream.next_out = ob.baseAddress
                stream.avail_out = UInt32(ob.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard rc == Z_STREAM_END, Int(stream.total_out) == size else { throw fail("deflate data is corrupt (zlib \(rc))") }
        return out
    }

    func u16(_ i: Int) -> UInt16 { UInt16(data[i]) | UInt16(data[i + 1]) << 8 }
    func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
    func u64(_ i: Int) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }
}
