import MTIO

/// The one error type of `MTData`: what went wrong, where (file, 1-based line), and the numbers.
///
/// Every message is a complete sentence a person can act on without reading the code; where it
/// helps, a hint follows. This file holds only the error enum, not the checks that raise it.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The two sides of a parallel corpus have different numbers of lines.
    case lineCountMismatch(
        sourcePath: String, sourceLines: Int, targetPath: String, targetLines: Int)
    /// A line is not valid UTF-8 (`line` is 1-based).
    case invalidUTF8(path: String, line: Int)
    /// A `.gz` file is not gzip data, is corrupt or is truncated.
    case gzipFailed(path: String, reason: String)
    /// The injected encoder threw on a line.
    case encoderFailed(path: String, line: Int, message: String)
    /// The encoder returned an id that must never appear inside a sentence (negative, or one of
    /// the specials `<pad>`=0, `<s>`=1, `</s>`=2 that batching adds itself).
    case invalidTokenId(path: String, line: Int, id: Int32)
    /// A configuration failed `validate()`; every problem is listed.
    case invalidConfig(name: String, problems: [String])
    /// A cache file exists but cannot be decoded (it is rebuilt by `CorpusCache.loadOrBuild`).
    case cacheCorrupt(path: String, reason: String)
    /// Writing a file failed (disk full, permissions, …); the previous file, if any, is intact.
    case writeFailed(path: String, reason: String)
    /// A saved batch position does not fit the corpus and batching settings it is restored into.
    case invalidPosition(reason: String)
    /// Nothing is left to train on after filtering.
    case emptyCorpus(sourcePath: String, targetPath: String, summary: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .lineCountMismatch(let sp, let sn, let tp, let tn):
            return
                "parallel corpus sides differ in length:"
                + " \(sp) has \(sn) lines but \(tp) has \(tn) lines"
                + " (hint: the files must be line-aligned, one sentence pair per line)"
        case .invalidUTF8(let path, let line):
            return "\(path):\(line): line is not valid UTF-8"
                + " (hint: convert the file with iconv, or find the line with `sed -n '\(line)p'`)"
        case .gzipFailed(let path, let reason):
            return "cannot decompress \(path): \(reason)"
        case .encoderFailed(let path, let line, let message):
            return "\(path):\(line): encoding failed: \(message)"
        case .invalidTokenId(let path, let line, let id):
            return "\(path):\(line): encoder returned id \(id), which is negative or the vocabulary's <pad>, <s> or </s>"
                + " (batching adds those, never the encoder; with the toolkit's vocabularies ids must be ≥ 3)"
        case .invalidConfig(let name, let problems):
            return "invalid \(name):\n  - " + problems.joined(separator: "\n  - ")
        case .cacheCorrupt(let path, let reason):
            return "cache \(path) is unusable: \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason) (any previous file at this path is unchanged)"
        case .invalidPosition(let reason):
            return "cannot restore the data position: \(reason)"
        case .emptyCorpus(let sp, let tp, let summary):
            return "no sentence pairs left in \(sp) / \(tp) after filtering: \(summary)"
        }
    }
}

extension DataError {
    /// The `MTData` form of an `MTIO` error (same path and reason).
    public init(_ error: IOError) {
        switch error {
        case .cannotOpen(let path, _, let reason), .readFailed(let path, let reason):
            self = .unreadable(path: path, reason: reason)
        case .corruptGzip(let path, let reason):
            self = .gzipFailed(path: path, reason: reason)
        case .writeFailed(let path, let reason), .replaceFailed(let path, let reason):
            self = .writeFailed(path: path, reason: reason)
        }
    }
}
