import Hummingbird

/// Every way a request or the server's configuration can fail, each with the HTTP status a
/// client sees and a message that names the field, value or limit involved. Answered as
/// LibreTranslate does: `{"error": "<message>"}` with the status code (503 adds `Retry-After`).
public enum ServeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The command line or a configuration value cannot run (each problem listed).
    case invalidConfig(problems: [String])
    /// A model directory or key file that could not be read.
    case startup(String)
    /// The body is not the JSON the endpoint expects (the decoder's reason).
    case badJSON(String)
    /// The body (or a form value) is not valid UTF-8: the byte offset of the first bad byte.
    case invalidUTF8(field: String, offset: Int)
    /// A required field is missing or empty.
    case missingField(String)
    /// A field has a value of the wrong kind or out of range.
    case invalidField(name: String, reason: String)
    /// A body with a content type the endpoint cannot read (the types it reads).
    case unsupportedContentType(String, accepted: String)
    /// No model serves this language pair (the pairs that are served).
    case unknownPair(source: String, target: String, served: [String])
    /// A language code no model has on that side.
    case unsupportedLanguage(String)
    /// /detect cannot answer: no language detection, and the configured sources are ambiguous.
    case detectionUnavailable(sources: [String])
    /// A request over a per-request limit: what, how much, the limit.
    case tooLarge(what: String, count: Int, limit: Int)
    /// The decoding queue holds `queued` lines of `limit`: retry after `retryAfter` seconds.
    case queueFull(queued: Int, limit: Int, retryAfter: Int)
    /// The server is draining (SIGTERM): no new work is accepted.
    case shuttingDown
    /// No API key, or one that is not in the key file.
    case forbidden(String)
    /// The key made `count` requests in the last minute, over its `limit`.
    case rateLimited(count: Int, limit: Int)
    /// Search options the request asked for that cannot run.
    case invalidOptions(String)
    /// Decoding failed inside the server.
    case internalError(String)
    /// A LibreTranslate feature this server does not offer (suggestions, file translation).
    case disabled(String)
    /// No endpoint at this path (the endpoints there are).
    case notFound(path: String, endpoints: [String])
    /// The path is an endpoint, but not for this method (the methods it takes).
    case methodNotAllowed(method: String, path: String, allowed: [String])

    public var description: String {
        switch self {
        case .invalidConfig(let p): return "invalid configuration: " + p.joined(separator: "; ")
        case .startup(let why): return why
        case .badJSON(let why): return "Invalid request: malformed JSON: \(why)"
        case .invalidUTF8(let field, let offset):
            return "Invalid request: \(field) is not valid UTF-8 (first bad byte at offset \(offset))"
        case .missingField(let name): return "Invalid request: missing \(name) parameter"
        case .invalidField(let name, let reason): return "Invalid request: \(name) \(reason)"
        case .unsupportedContentType(let type, let accepted):
            return "Invalid request: content type \(type) is not supported (send \(accepted))"
        case .unknownPair(let s, let t, let served):
            return "Invalid request: no model translates \(s) to \(t) (served pairs: \(served.joined(separator: ", ")))"
        case .unsupportedLanguage(let code): return "\(code) is not supported"
        case .detectionUnavailable(let sources):
            return "language detection is not available: this server has no detector, and its models have \(sources.count) source languages (\(sources.joined(separator: ", "))); pass source explicitly"
        case .tooLarge(let what, let count, let limit):
            return "Invalid request: request has \(count) \(what), the limit is \(limit)"
        case .queueFull(let queued, let limit, let retryAfter):
            return "server busy: the decoding queue holds \(queued) of \(limit) lines; retry after \(retryAfter) s"
        case .shuttingDown: return "server is shutting down; not accepting new requests"
        case .forbidden(let why): return why
        case .rateLimited(let count, let limit):
            return "Too many requests: \(count) requests in the last 60 s with this key, the limit is \(limit) per minute"
        case .invalidOptions(let why): return "Invalid request: \(why)"
        case .internalError(let why): return "internal error: \(why)"
        case .disabled(let what): return what
        case .notFound(let path, let endpoints):
            return "Not found: no endpoint \(path) (endpoints: \(endpoints.joined(separator: ", ")))"
        case .methodNotAllowed(let method, let path, let allowed):
            return "Method not allowed: \(path) takes \(allowed.joined(separator: " or ")), not \(method)"
        }
    }

    /// The status a client sees.
    public var status: HTTPResponse.Status {
        switch self {
        case .invalidConfig, .startup, .internalError: return .internalServerError
        case .badJSON, .invalidUTF8, .missingField, .invalidField, .unsupportedContentType, .unknownPair,
             .unsupportedLanguage, .invalidOptions, .detectionUnavailable:
            return .badRequest
        case .tooLarge: return .contentTooLarge
        case .queueFull, .shuttingDown: return .serviceUnavailable
        case .forbidden, .disabled: return .forbidden
        case .rateLimited: return .tooManyRequests
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        }
    }
}

extension ServeError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        switch self {
        case .queueFull(_, _, let after): headers[.retryAfter] = "\(after)"
        case .shuttingDown: headers[.retryAfter] = "5"; headers[.connection] = "close"
        case .rateLimited: headers[.retryAfter] = "60"
        case .methodNotAllowed(_, _, let allowed): headers[.allow] = allowed.joined(separator: ", ")
        default: break
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Self.errorBody(description))))
    }

    /// `{"error": message}` as JSON bytes (the answers' writer, JSONValue).
    static func errorBody(_ message: String) -> [UInt8] { JSONValue.object(["error": .string(message)]).bytes }
}
