import Foundation
import Synchronization

/// Optional API keys with a per-key request rate limit. The key file has one key a line,
/// optionally followed by whitespace and that key's limit in requests per minute (0: none);
/// blank lines and lines starting with `#` are skipped. Without a file every request is allowed.
public final class APIKeys: Sendable {
    /// Requests per minute per key; nil: keys are not required.
    let limits: [String: Int]?
    private let recent = Mutex<[String: [ContinuousClock.Instant]]>([:])
    public let window: Duration = .seconds(60)

    /// No keys required.
    public init() { limits = nil }

    /// Keys and their limits (0: unlimited).
    public init(limits: [String: Int]) { self.limits = limits }

    /// Reads a key file; `defaultLimit` applies to keys without their own. Throws
    /// `ServeError.startup` naming the file and line.
    public convenience init(file: String, defaultLimit: Int) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ServeError.startup("--api-keys \(file): cannot read the file (or it is not UTF-8)")
        }
        var limits: [String: Int] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count <= 2, let limit = fields.count == 2 ? Int(fields[1]) : defaultLimit, limit >= 0 else {
                throw ServeError.startup("--api-keys \(file):\(n + 1): expected KEY [REQUESTS_PER_MINUTE], got '\(line)'")
            }
            limits[String(fields[0])] = limit
        }
        guard !limits.isEmpty else { throw ServeError.startup("--api-keys \(file): no keys in the file") }
        self.init(limits: limits)
    }

    public var required: Bool { limits != nil }

    /// Admits one request with `key`: throws `ServeError.forbidden` (403) for a missing or unknown
    /// key, `.rateLimited` (429) when the key has used its limit in the last minute.
    public func admit(_ key: String?, now: ContinuousClock.Instant = .now) throws {
        guard let limits else { return }
        guard let key, !key.isEmpty else {
            throw ServeError.forbidden("Invalid API key: this server requires an api_key (form or JSON field, or Authorization: Bearer KEY)")
        }
        guard let limit = limits[key] else { throw ServeError.forbidden("Invalid API key") }
        guard limit > 0 else { return }
        let count: Int? = recent.withLock { recent in
            var times = recent[key, default: []]
            times.removeAll { $0.duration(to: now) >= window }
            if times.count >= limit { recent[key] = times; return times.count }
            times.append(now)
            recent[key] = times
            return nil
        }
        if let count { throw ServeError.rateLimited(count: count, limit: limit) }
    }
}
