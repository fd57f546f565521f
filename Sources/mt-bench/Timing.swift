import Foundation

/// Times `body` repeatedly: warms up once, then runs batches until `minSeconds` has passed,
/// `trials` times, and returns the best seconds per call (the least disturbed trial).
func bestSecondsPerCall(trials: Int = 5, minSeconds: Double = 0.2, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<trials {
        var calls = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            body()
            calls += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < minSeconds
        best = min(best, elapsed / Double(calls))
    }
    return best
}

/// One JSON result line on stdout (keys in the given order), flushed at once; `extra` holds
/// pre-formatted `"key":value` pairs appended before the closing brace (NaN values in it print
/// as null).
func emit(_ fields: KeyValuePairs<String, Any>, extra: String = "") {
    var parts: [String] = []
    for (k, v) in fields {
        let value: String
        switch v {
        case let s as String: value = "\"\(s)\""
        case let d as Double: value = d.isFinite ? String(format: "%.4g", d) : "null"
        case let f as Float: value = f.isFinite ? String(format: "%.4g", Double(f)) : "null"
        case let b as Bool: value = b ? "true" : "false"
        default: value = "\(v)"
        }
        parts.append("\"\(k)\":\(value)")
    }
    if !extra.isEmpty { parts.append(extra.replacingOccurrences(of: ":nan", with: ":null")) }
    print("{" + parts.joined(separator: ",") + "}")
    fflush(nil)  // flush stdout (all streams) so pipes see each line at once
}
