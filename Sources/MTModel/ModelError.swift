/// Errors of the model layer: a config that cannot build a model, a checkpoint that does not
/// fit the model it is loaded into, and a file that is not valid safetensors. Each names the
/// file and lists every problem with its numbers.
public enum ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `ModelConfig.validate()`: every problem found.
    case invalidConfig(problems: [String])
    /// Tensors, shapes or metadata of `path` that do not fit the model (or the swap).
    case checkpointMismatch(path: String, problems: [String])
    /// `path` is not a readable safetensors file.
    case format(path: String, reason: String)

    /// The problems listed (empty for a format error).
    public var problems: [String] {
        switch self {
        case .invalidConfig(let p), .checkpointMismatch(_, let p): return p
        case .format: return []
        }
    }

    public var description: String {
        switch self {
        case .invalidConfig(let p): return "invalid model config:\n  - " + p.joined(separator: "\n  - ")
        case .checkpointMismatch(let path, let p):
            return "\(path) does not fit this model:\n  - " + p.prefix(20).joined(separator: "\n  - ")
                + (p.count > 20 ? "\n  - … and \(p.count - 20) more" : "")
        case .format(let path, let reason): return "\(path): not a valid safetensors file: \(reason)"
        }
    }
}
