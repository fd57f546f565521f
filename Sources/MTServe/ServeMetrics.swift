import Prometheus

/// The server's Prometheus metrics (swift-prometheus), served as text by GET /metrics:
/// requests by endpoint, responses by status (errors are the ≥ 400 ones), queue depth and
/// batch sizes per model, request latency, and decoding throughput (tokens and seconds, whose
/// ratio is tokens/s; the last batch's rate is a gauge).
public final class ServeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let droppedRequests: Counter
    let rejectedRequests: Counter
    let latency: DurationHistogram

    public init() {
        droppedRequests = registry.makeCounter(
            name: "mt_serve_dropped_requests_total", help: "Requests removed from the queue because their client disconnected.")
        rejectedRequests = registry.makeCounter(
            name: "mt_serve_rejected_requests_total", help: "Requests refused with 503 because the queue was full or the server draining.")
        latency = registry.makeDurationHistogram(
            name: "mt_serve_request_duration_seconds",
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30].map { .milliseconds(Int64($0 * 1000)) },
            help: "Time from a request's arrival to its answer.")
    }

    /// One answered request: by endpoint and status, and its latency.
    public func recordRequest(endpoint: String, status: Int, duration: Duration) {
        registry.makeCounter(name: "mt_serve_requests_total", labels: [("endpoint", endpoint)],
                             help: "Requests received, by endpoint.").increment()
        registry.makeCounter(name: "mt_serve_responses_total", labels: [("status", "\(status)")],
                             help: "Responses sent, by HTTP status.").increment()
        if status >= 400 {
            registry.makeCounter(name: "mt_serve_errors_total", labels: [("status", "\(status)")],
                                 help: "Error responses, by HTTP status.").increment()
        }
        if status == 503 { rejectedRequests.increment() }
        latency.record(duration)
    }

    /// Lines waiting for `pair`'s decoder.
    func queueDepth(_ pair: LanguagePair) -> Gauge {
        registry.makeGauge(name: "mt_serve_queue_lines", labels: [("model", pair.description)],
                           help: "Input lines waiting in the decoding queue.")
    }

    /// One decoded batch.
    func recordBatch(pair: LanguagePair, requests: Int, lines: Int, sourceTokens: Int, targetTokens: Int, seconds: Double) {
        let model = [("model", pair.description)]
        registry.makeValueHistogram(name: "mt_serve_batch_requests", labels: model, buckets: [1, 2, 4, 8, 16, 32, 64, 128],
                                    help: "Requests decoded together in one batch.").record(Double(requests))
        registry.makeValueHistogram(name: "mt_serve_batch_lines", labels: model, buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
                                    help: "Lines decoded together in one batch.").record(Double(lines))
        registry.makeValueHistogram(name: "mt_serve_batch_source_tokens", labels: model,
                                    buckets: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192],
                                    help: "Source subword tokens in one batch.").record(Double(sourceTokens))
        registry.makeCounter(name: "mt_serve_target_tokens_total", labels: model,
                             help: "Target subword tokens produced (best hypotheses).").increment(by: Int64(targetTokens))
        registry.makeCounter(name: "mt_serve_decode_seconds_total", labels: model,
                             help: "Seconds spent decoding (target_tokens_total / this = tokens/s).").increment(by: seconds)
        if seconds > 0 {
            registry.makeGauge(name: "mt_serve_tokens_per_second", labels: model,
                               help: "Target tokens per second of the last batch.").set(to: Double(targetTokens) / seconds)
        }
    }

    /// The Prometheus text exposition.
    public func text() -> String { registry.emitToString() }
}
