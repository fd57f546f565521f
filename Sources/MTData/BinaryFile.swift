import MTIO

/// Little-endian encoding onto MTIO's atomic file writer, and a bounds-checked reader: the byte
/// plumbing under `CorpusCache`. It knows nothing of the cache layout; `AtomicFile` (MTIO) does
/// the temporary file, fsync and rename.
extension AtomicFile.Writer {
    public mutating func u16(_ x: UInt16) throws { try raw(x.littleEndian) }
    public mutating func u32(_ x: UInt32) throws { try raw(x.littleEndian) }
    public mutating func u64(_ x: UInt64) throws { try raw(x.littleEndian) }
    public mutating func f64(_ x: Double) throws { try u64(x.bitPattern) }

    /// A UTF-8 string with a UInt32 byte count in front.
    public mutating func string(_ s: String) throws {
        try u32(UInt32(s.utf8.count))
        try bytes(Array(s.utf8))
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
