import Hummingbird

/// The server's endpoints and the methods each takes, as the routes register them
/// (LibreTranslateRoutes, NativeRoutes): built once, read by the request log and UnknownRoute.
enum Endpoints {
    static let methods: [String: [String]] = [
        "/translate": ["POST"], "/languages": ["GET", "POST"], "/detect": ["POST"], "/frontend/settings": ["GET"],
        "/suggest": ["POST"], "/translate_file": ["POST"], "/v1/translate": ["POST"], "/health": ["GET"], "/metrics": ["GET"],
    ]
    static let paths = Set(methods.keys)
    static let sorted = methods.keys.sorted()
}

/// The middleware that answers a request no route matched the way the rest of the API answers
/// errors: `{"error": …}` naming the path, 405 with `Allow` when the path is an endpoint but the
/// method is not one of its own (GET /translate), else 404 listing the endpoints. Hummingbird's
/// own answer is an empty 404.
struct UnknownRoute<Context: RequestContext>: RouterMiddleware {

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            throw Self.error(method: request.method.rawValue, path: request.uri.path)
        }
    }

    /// The error for `method path` with no route.
    static func error(method: String, path: String) -> ServeError {
        if let allowed = Endpoints.methods[path], !allowed.contains(method) {
            return .methodNotAllowed(method: method, path: path, allowed: allowed)
        }
        return .notFound(path: path, endpoints: Endpoints.sorted)
    }
}
