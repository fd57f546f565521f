import Hummingbird

extension TranslationService {
    /// Runs `operation` on the request's body and cancels it when the client closes its side of
    /// the connection (Hummingbird's `consumeWithCancellationOnInboundClose`), so a request that
    /// is still queued is dropped (`DecodingWorker.cancel`). One already decoding finishes in its
    /// batch and its answer is discarded. Hummingbird closes the connection after such a
    /// response, so `operation` is given `Connection: close` to answer with.
    ///
    /// The watch runs a task group of three tasks and relays the body through a stream, hand-offs
    /// between threads that a lone request pays in latency, so it is kept for requests that can
    /// wait: when the worker is idle the request starts decoding at once, like a request already
    /// decoding, and keeps its connection.
    /// Off (`dropOnDisconnect` false): never watched.
    func cancellingOnDisconnect(_ request: Request, _ operation: (RequestBody, HTTPFields) async throws -> Response) async throws -> Response {
        guard config.dropOnDisconnect, !worker.isIdle else { return try await operation(request.body, [:]) }
        return try await request.body.consumeWithCancellationOnInboundClose { body in
            try await operation(body, [.connection: "close"])
        }
    }
}
