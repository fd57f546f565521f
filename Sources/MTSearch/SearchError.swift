/// Errors of search: options that cannot run, each problem with its values.
public enum SearchError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `SearchOptions.validate()`: every problem found.
    case invalidOptions(problems: [String])

    public var problems: [String] {
        switch self { case .invalidOptions(let p): return p }
    }

    public var description: String {
        switch self { case .invalidOptions(let p): return "invalid search options:\n  - " + p.joined(separator: "\n  - ") }
    }
}
