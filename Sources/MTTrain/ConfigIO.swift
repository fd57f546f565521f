import Foundation
import Yams

/// YAML (and JSON) reading and writing of `TrainConfig` with snake_case keys. Unknown keys are
/// errors that name the key, so a typo never silently falls back to a default.
extension TrainConfig {
    /// Every key the config understands, snake_case.
    public static var knownKeys: [String] {
        let json = try! JSONSerialization.jsonObject(with: try! snakeEncoder.encode(TrainConfig())) as! [String: Any]
        return json.keys.sorted()
    }

    static var snakeEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys]
        return e
    }

    /// Applies the keys of a YAML mapping on top of `self`.
    public func merging(yaml text: String, source: String) throws -> TrainConfig {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch { throw TrainError.file(path: source, reason: "not valid YAML: \(error)") }
        guard let map = loaded as? [String: Any] else {
            if loaded == nil { return self }
            throw TrainError.file(path: source, reason: "expected a mapping of option: value at the top level")
        }
        let known = Set(TrainConfig.knownKeys)
        let unknown = map.keys.filter { !known.contains($0.replacingOccurrences(of: "-", with: "_")) }.sorted()
        if !unknown.isEmpty {
            throw TrainError.file(path: source, reason: "unknown option(s) \(unknown.joined(separator: ", ")); known: \(known.sorted().joined(separator: ", "))")
        }
        var base = try JSONSerialization.jsonObject(with: try TrainConfig.snakeEncoder.encode(self)) as! [String: Any]
        for (k, v) in map { base[k.replacingOccurrences(of: "-", with: "_")] = v }
        let data = try JSONSerialization.data(withJSONObject: base)
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        do { return try d.decode(TrainConfig.self, from: data) } catch let DecodingError.typeMismatch(_, ctx) {
            throw TrainError.file(path: source, reason: "option \(ctx.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type (\(ctx.debugDescription))")
        } catch {
            throw TrainError.file(path: source, reason: "\(error)")
        }
    }

    public static func load(path: String) throws -> TrainConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainError.file(path: path, reason: "cannot read the config file (missing or unreadable)")
        }
        return try TrainConfig().merging(yaml: String(decoding: data, as: UTF8.self), source: path)
    }

    /// The config as YAML, one `key: value` per line in declaration order, snake_case.
    public func yaml() -> String {
        var lines: [String] = []
        for child in Mirror(reflecting: self).children {
            guard let label = child.label else { continue }
            let value: String
            switch child.value {
            case let s as String: value = s.isEmpty ? "''" : TrainConfig.quoteIfNeeded(s)
            case let b as Bool: value = b ? "true" : "false"
            default: value = "\(child.value)"
            }
            lines.append("\(TrainConfig.snakeCase(label)): \(value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func snakeCase(_ s: String) -> String {
        var out = ""
        for c in s {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }

    static func quoteIfNeeded(_ s: String) -> String {
        let plain = s.unicodeScalars.allSatisfy { c in
            (c.properties.isAlphabetic || c.properties.numericType != nil || "/._-+".unicodeScalars.contains(c))
        }
        let ambiguous = ["true", "false", "yes", "no", "on", "off", "null", "~"].contains(s.lowercased()) || Double(s) != nil
        if plain && !ambiguous { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Compact JSON (for checkpoint metadata).
    public func json() -> String { String(decoding: try! TrainConfig.snakeEncoder.encode(self), as: UTF8.self) }
}
