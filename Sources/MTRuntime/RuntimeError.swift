/// Errors of the inference library: a model directory that cannot be loaded as it is, or a
/// request it cannot serve. Each names the file or value and what was expected.
public enum RuntimeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The model directory is missing, incomplete or inconsistent (files that do not match the
    /// checkpoint they sit beside).
    case modelDirectory(path: String, reason: String)
    /// Search options that cannot run (beam < 1, n-best > beam, …).
    case invalidOptions(String)

    public var description: String {
        switch self {
        case .modelDirectory(let path, let reason): return "\(path): \(reason)"
        case .invalidOptions(let why): return "invalid search options: \(why)"
        }
    }
}
