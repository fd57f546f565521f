import Foundation
import Hummingbird

/// One line per request on stderr (`[serve] 127.0.0.1 POST /translate 200 12.3 ms`), and the
/// request's metrics: endpoint, status (errors by status), latency. A request whose client went
/// away (its task cancelled) is logged as 499, nginx's "client closed request".
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    let metrics: ServeMetrics
    let enabled: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        let endpoint = Endpoints.paths.contains(path) ? path : "other"
        do {
            let response = try await next(request, context)
            record(request, endpoint: endpoint, status: response.status.code, start: start, note: "")
            return response
        } catch {
            let status: Int
            var note = ""
            if let e = error as? any HTTPResponseError {
                status = e.status.code
                if let s = error as? ServeError { note = " " + s.description }
            } else if error is CancellationError {
                status = 499
                note = " client disconnected; its queued work was dropped"
            } else {
                status = 500
                note = " \(error)"
            }
            record(request, endpoint: endpoint, status: status, start: start, note: note)
            throw error
        }
    }

    func record(_ request: Request, endpoint: String, status: Int, start: ContinuousClock.Instant, note: String) {
        let d = start.duration(to: .now)
        metrics.recordRequest(endpoint: endpoint, status: status, duration: d)
        guard enabled else { return }
        let ms = DecodingWorker.seconds(d) * 1000
        let line = String(format: "[serve] %@ %@ %d %.1f ms", request.method.rawValue, request.uri.path, status, ms) + note + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
