#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The little operating-system access MTEval and `mt-bleu` need, through the C library only.
///
/// Whole-process speed matters for `mt-bleu` (it is compared with the `sacrebleu` command, start-up
/// included), and loading the full Foundation on Linux costs about 20 ms per process, a fifth
/// of a 29,000-line BLEU run. So files, standard input and output, `gzip -dc` for `.gz` files
/// (sacreBLEU opens those transparently), the core count and the environment go through libc.
/// This file does no text processing.
public enum SystemIO {
    /// The whole content of the file at `path`.
    public static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MTEvalError.cannotRead(file: path) }
        defer { close(fd) }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        guard let bytes = readAll(fd, sizeHint: size) else { throw MTEvalError.cannotRead(file: path) }
        return bytes
    }

    /// Everything on standard input.
    public static func readStandardInput() throws -> [UInt8] {
        guard let bytes = readAll(0, sizeHint: 0) else { throw MTEvalError.cannotRead(file: "<stdin>") }
        return bytes
    }

    /// Reads `fd` to its end; `nil` on a read error.
    static func readAll(_ fd: Int32, sizeHint: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: max(sizeHint, 1 << 16) + 1)
        var n = 0
        while true {
            if n == out.count { out.append(contentsOf: repeatElement(0, count: out.count)) }
            let got = out.withUnsafeMutableBytes { b in read(fd, b.baseAddress! + n, b.count - n) }
            if got < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if got == 0 { break }
            n += got
        }
        out.removeLast(out.count - n)
        return out
    }

    /// The output of `gzip -dc path` (sacreBLEU reads `.gz` references and inputs).
    public static func gunzip(_ path: String) throws -> [UInt8] {
        guard access(path, R_OK) == 0 else { throw MTEvalError.cannotRead(file: path) }
        let quoted = "'" + path.replacingAll("'", with: "'\\''") + "'"
        guard let pipe = popen("gzip -dc -- \(quoted)", "r") else {
            throw MTEvalError.cannotRead(file: path)
        }
        let bytes = readAll(fileno(pipe), sizeHint: 0)
        let status = pclose(pipe)
        guard let bytes, status == 0 else { throw MTEvalError.cannotRead(file: path) }
        return bytes
    }

    /// Writes `text` to standard output (file descriptor 1).
    public static func writeStandardOutput(_ text: String) { writeAll(text, to: 1) }

    /// Writes `text` to standard error (file descriptor 2).
    public static func writeStandardError(_ text: String) { writeAll(text, to: 2) }

    static func writeAll(_ text: String, to fd: Int32) {
        var s = text
        s.withUTF8 { b in
            var off = 0
            while off < b.count {
                let w = write(fd, b.baseAddress! + off, b.count - off)
                if w < 0 && errno == EINTR { continue }
                if w <= 0 { return }
                off += w
            }
        }
    }

    /// Number of online processors.
    public static var processorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The value of environment variable `name`, if set.
    public static func environment(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        return String(cString: v)
    }
}

extension String {
    /// Replaces every occurrence of `target` (non-empty) by `replacement`, without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
