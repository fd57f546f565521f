#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

import MTIO

/// The little operating-system access MTEval and `mt-bleu` need, through the C library only.
///
/// Whole-process speed matters for `mt-bleu` (it is compared with the `sacrebleu` command, start-up
/// included), and loading the full Foundation on Linux costs about 20 ms per process, a fifth
/// of a 29,000-line BLEU run. So standard input and output, the core count and the environment
/// go through libc; files (and `.gz` files, which sacreBLEU opens transparently) are read by
/// MTIO, which has no Foundation either. This file does no text processing.
public enum SystemIO {
    /// Everything on standard input.
    public static func readStandardInput() throws -> [UInt8] {
        do { return try InputFile.standardInput() } catch let error as IOError {
            throw MTEvalError(error)
        }
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
