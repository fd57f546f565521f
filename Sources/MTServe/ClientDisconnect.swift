import Hummingbird

extension TranslationService {
    /// Runs `operation` on the request's body and cancels it when the client closes its side of
    /// the connection (Hummingbird's `consumeWithCancellationOnInboundClose`), so a request that
    /// is still queued is dropped (`DecodingWorker.cancel`). One already decoding finishes in its
    /// batch and its answer is discarded. Hummingbird closes the connection after such a
    /// response, so the answer says `Connection: close`. Off (`dropOnDisconnect` false): the
    /// body as it is, keep-alive kept.
    func cancellingOnDisconnect(_ request: Request, _ operation: (RequestBody) async throws -> Response) async throws -> Response {
        guard config.dropOnDisconnect else { return try await operation(request.body) }
        return try await request.body.consumeWithCancellationOnInboundClose { body in try await operation(body) }
    }

    /// Headers for answers of endpoints that watch for disconnects.
    var connectionHeaders: HTTPFields { config.dropOnDisconnect ? [.connection: "close"] : [:] }
}
