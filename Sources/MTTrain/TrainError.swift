/// Errors of training: bad options, unreadable config or metrics files, a run that cannot start
/// as configured, and a run that had to stop. Each names the file or option and its values.
public enum TrainError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `TrainConfig.validate()`: every problem found, each with its values.
    case invalidConfig(problems: [String])
    /// A YAML config (or metrics) file that cannot be read or does not parse as one.
    case file(path: String, reason: String)
    /// An input the run cannot start from (unreadable file, incompatible init_from checkpoint).
    case setup(String)
    /// `count` non-finite losses or gradients in a row up to `update` (the limit
    /// `max_non_finite`): training stopped; the last checkpoint is intact.
    case nonFinite(count: Int, update: Int)
    /// Data-parallel training (MPI): ranks that disagree (config, data, binary, weights, a
    /// checkpoint saved with another split) or a failed collective; `rank` is the rank at fault
    /// (-1: MPI itself).
    case distributed(rank: Int, String)

    public var description: String {
        switch self {
        case .invalidConfig(let p): return "invalid training config:\n  - " + p.joined(separator: "\n  - ")
        case .file(let path, let reason): return "\(path): \(reason)"
        case .setup(let m): return m
        case .nonFinite(let n, let u):
            return "\(n) non-finite updates in a row (up to update \(u)): stopping; the last checkpoint is intact"
        case .distributed(let r, let m): return r < 0 ? "MPI: \(m)" : "MPI (rank \(r)): \(m)"
        }
    }
}
