/// Whole inputs read into memory: small files (codes, vocabularies, caches, references) and
/// standard input, plain or gzip. `LineReader` is the streaming reader for large text.
public enum InputFile {
    /// The toolkit's rule for compressed input: a name ending in `.gz` is read through gzip.
    public static func isGzipName(_ path: String) -> Bool { path.hasSuffix(".gz") }

    /// Every byte of the file at `path`; with `gunzip`, its gzip content decoded.
    /// Throws `IOError` naming the file.
    public static func contents(of path: String, gunzip: Bool = false) throws -> [UInt8] {
        try readToEnd(try ByteSource(path: path, gunzip: gunzip))
    }

    /// Everything on standard input, up to its end.
    public static func standardInput() throws -> [UInt8] {
        try readToEnd(ByteSource(fileDescriptor: 0, name: "<stdin>"))
    }

    /// Reads `source` to its end, growing the buffer geometrically.
    private static func readToEnd(_ source: ByteSource) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max(source.sizeHint + 1, 1 << 16))
        var n = 0
        while true {
            if n == out.count { out.append(contentsOf: repeatElement(0, count: out.count)) }
            let got = try out.withUnsafeMutableBytes { b in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: b[n...]))
            }
            if got == 0 { break }
            n += got
        }
        out.removeLast(out.count - n)
        return out
    }
}
