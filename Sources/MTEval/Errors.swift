import MTIO

/// The errors MTEval reports, each saying what went wrong and where.
///
/// The command line prints `description` and exits non-zero; the library never exits.
public enum MTEvalError: Error, CustomStringConvertible, Equatable {
    /// A file could not be opened or read (or a `.gz` file is not valid gzip data).
    case cannotRead(file: String, reason: String)
    /// A file is not valid UTF-8 (1-based line, byte offset in the file).
    case invalidUTF8(file: String, line: Int, byteOffset: Int)
    /// The hypothesis and a reference have different numbers of lines.
    case lineCountMismatch(hypothesis: String, hypothesisLines: Int, reference: String, referenceLines: Int)
    /// The hypothesis has no lines at all.
    case emptyHypothesis(file: String)
    /// No reference was given.
    case noReferences
    /// A tokenizer sacreBLEU has but this tool does not (it needs an external model).
    case unsupportedTokenizer(String)

    public var description: String {
        switch self {
        case .cannotRead(let file, let reason):
            return "cannot read \(file): \(reason)"
        case .invalidUTF8(let file, let line, let offset):
            return "\(file): line \(line): invalid UTF-8 (byte offset \(offset))"
        case .lineCountMismatch(let hyp, let hypLines, let ref, let refLines):
            return "line counts differ: hypothesis \(hyp) has \(hypLines) lines, "
                + "reference \(ref) has \(refLines) lines"
        case .emptyHypothesis(let file):
            return "\(file) contains no sentence"
        case .noReferences:
            return "no reference files given"
        case .unsupportedTokenizer(let name):
            return "tokenizer '\(name)' needs an external model (MeCab/SentencePiece) and is "
                + "not supported; pass -tok 13a, intl, zh, char or none"
        }
    }
}

extension MTEvalError {
    /// The `MTEval` form of an `MTIO` read error (same file and reason).
    init(_ error: IOError) {
        self = .cannotRead(file: error.path, reason: error.reason)
    }
}
