/// Errors of importing another toolkit's model: each names the file and what was expected.
public enum ImportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file the import needs is missing or unreadable.
    case missingFile(path: String, reason: String)
    /// A config field has a value our model cannot represent.
    case unsupported(path: String, problems: [String])
    /// Tensors missing, unexpected or of the wrong shape.
    case tensors(path: String, problems: [String])
    /// A PyTorch zip or pickle that is malformed or holds something other than tensors.
    case pickle(path: String, offset: Int, reason: String)
    case zip(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let p, let r): return "\(p): \(r)"
        case .unsupported(let p, let probs): return "\(p): cannot import:\n  - " + probs.joined(separator: "\n  - ")
        case .tensors(let p, let probs):
            return "\(p): tensors do not fit the model:\n  - " + probs.prefix(20).joined(separator: "\n  - ")
                + (probs.count > 20 ? "\n  - … and \(probs.count - 20) more" : "")
        case .pickle(let p, let o, let r): return "\(p): pickle byte \(o): \(r)"
        case .zip(let p, let r): return "\(p): not a readable PyTorch zip: \(r)"
        }
    }
}
