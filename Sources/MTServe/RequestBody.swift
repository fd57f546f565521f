import Foundation
import Hummingbird
import MTIO

/// `q` as LibreTranslate takes it: one text, or an array of texts (answered as an array).
public enum TextOrList: Decodable, Sendable, Equatable {
    case one(String)
    case many([String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .one(s); return }
        if let a = try? c.decode([String].self) { self = .many(a); return }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: c.codingPath, debugDescription: "expected a string or an array of strings"))
    }

    public var texts: [String] {
        switch self {
        case .one(let s): return [s]
        case .many(let a): return a
        }
    }
}

/// A request body read once: its bytes checked for UTF-8, then taken as JSON or as an
/// `application/x-www-form-urlencoded` form, by content type as LibreTranslate (Flask) does.
struct BodyReader {
    let limits: RequestLimits

    /// The whole body (413 over `maxBodyBytes`).
    func bytes(_ body: RequestBody) async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await chunk in body {
            out.append(contentsOf: chunk.readableBytesView)
            if out.count > limits.maxBodyBytes {
                throw ServeError.tooLarge(what: "body bytes (at least)", count: out.count, limit: limits.maxBodyBytes)
            }
        }
        return out
    }

    /// Whether the request says it carries JSON.
    static func isJSON(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType]?.lowercased() else { return false }
        return type.hasPrefix("application/json") || (type.hasPrefix("application/") && type.contains("+json"))
    }

    static func isForm(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType]?.lowercased() else { return true }
        return type.hasPrefix("application/x-www-form-urlencoded") || type.isEmpty
    }

    /// Throws `ServeError.invalidUTF8` at the first bad byte.
    static func checkUTF8(_ bytes: [UInt8], field: String) throws {
        if let at = bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalid($0) }) {
            throw ServeError.invalidUTF8(field: field, offset: at)
        }
    }

    /// Decodes JSON `bytes` as `T`; throws `ServeError.badJSON` or `.invalidField` naming the problem.
    static func decodeJSON<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        try checkUTF8(bytes, field: "request body")
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch let e as DecodingError {
            switch e {
            case .typeMismatch(_, let c), .valueNotFound(_, let c):
                let name = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                if name.isEmpty { throw ServeError.badJSON("the body must be a JSON object") }
                throw ServeError.invalidField(name: name, reason: "has the wrong type: \(c.debugDescription)")
            case .dataCorrupted(let c):
                let underlying = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                throw ServeError.badJSON(underlying ?? c.debugDescription)
            case .keyNotFound(let k, _):
                throw ServeError.missingField(k.stringValue)
            @unknown default:
                throw ServeError.badJSON("\(e)")
            }
        }
    }

    /// The fields of a form body: name → values in order (a name may repeat). Throws
    /// `ServeError.badJSON`-style errors for bad percent escapes and `.invalidUTF8` per field.
    static func decodeForm(_ bytes: [UInt8]) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try unescape(parts[0], field: "form field name")
            let nameText = String(decoding: name, as: UTF8.self)
            let value = parts.count > 1 ? try unescape(parts[1], field: nameText) : []
            try checkUTF8(name, field: "form field name")
            try checkUTF8(value, field: "form field \(nameText)")
            out[nameText, default: []].append(String(decoding: value, as: UTF8.self))
        }
        return out
    }

    /// `+` → space and `%XX` → byte.
    static func unescape(_ s: ArraySlice<UInt8>, field: String) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            let b = s[i]
            if b == UInt8(ascii: "+") { out.append(0x20) } else if b == UInt8(ascii: "%") {
                guard i + 2 < s.endIndex, let hi = hex(s[i + 1]), let lo = hex(s[i + 2]) else {
                    throw ServeError.invalidField(name: field, reason: "has a bad percent escape at byte \(i - s.startIndex)")
                }
                out.append(hi << 4 | lo)
                i += 2
            } else { out.append(b) }
            i += 1
        }
        return out
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
