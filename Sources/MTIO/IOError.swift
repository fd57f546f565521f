/// The one error type of `MTIO`: which file, what failed, and the operating system's or zlib's
/// reason.
///
/// Modules above keep their own error enums and map these cases into them (`DataError`,
/// `MTEvalError`) or let them through as they are; every message names the file. This file holds
/// only the error enum, not the code that raises it.
public enum IOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `open` failed (or the path is a directory).
    case cannotOpen(path: String, forWriting: Bool, reason: String)
    /// `read` failed on an open file.
    case readFailed(path: String, reason: String)
    /// `write` failed on an open file or standard output.
    case writeFailed(path: String, reason: String)
    /// A `.gz` input is not gzip data, is corrupt, or ends before its gzip stream does.
    case corruptGzip(path: String, reason: String)
    /// An atomic replacement failed (temporary file, fsync or rename); any previous file at
    /// `path` is unchanged.
    case replaceFailed(path: String, reason: String)

    /// The file (or stream name such as `<stdin>`) the error is about.
    public var path: String {
        switch self {
        case .cannotOpen(let path, _, _), .readFailed(let path, _), .writeFailed(let path, _),
            .corruptGzip(let path, _), .replaceFailed(let path, _):
            return path
        }
    }

    /// What went wrong, without the path.
    public var reason: String {
        switch self {
        case .cannotOpen(_, _, let reason), .readFailed(_, let reason), .writeFailed(_, let reason),
            .corruptGzip(_, let reason), .replaceFailed(_, let reason):
            return reason
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let forWriting, let reason):
            return "cannot open \(path) for \(forWriting ? "writing" : "reading"): \(reason)"
        case .readFailed(let path, let reason):
            return "\(path): read error: \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): write error: \(reason)"
        case .corruptGzip(let path, let reason):
            return "cannot decompress \(path): \(reason)"
        case .replaceFailed(let path, let reason):
            return "cannot write \(path): \(reason) (any previous file at this path is unchanged)"
        }
    }
}
