import Prometheus
import Synchronization

/// The server's Prometheus metrics (swift-prometheus), served as text by GET /metrics:
/// requests by endpoint, responses by status (errors are the ≥ 400 ones), queue depth and
/// batch sizes per model, request latency, and decoding throughput (tokens and seconds, whose
/// ratio is tokens/s; the last batch's rate is a gauge).
///
/// The labelled series are looked up in the registry once and kept: a registry lookup (its lock,
/// the name and label comparison) cost tens of µs per series, paid several times per request.
public final class ServeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let droppedRequests: Counter
    let rejectedRequests: Counter
    let latency: DurationHistogram
    private let requestCounters = Mutex<[String: Counter]>([:])
    private let statusCounters = Mutex<[Int: (responses: Counter, errors: Counter?)]>([:])
    private let pairSeries = Mutex<[LanguagePair: PairSeries]>([:])

    /// One model's series.
    struct PairSeries: Sendable {
        let queueLines: Gauge
        let batchRequests: ValueHistogram
        let batchLines: ValueHistogram
        let batchSourceTokens: ValueHistogram
        let targetTokens: Counter
        let decodeSeconds: Counter
        let tokensPerSecond: Gauge
    }

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
        let requests = requestCounters.withLock { cache in
            if let c = cache[endpoint] { return c }
            let c = registry.makeCounter(name: "mt_serve_requests_total", labels: [("endpoint", endpoint)],
                                         help: "Requests received, by endpoint.")
            cache[endpoint] = c
            return c
        }
        requests.increment()
        let byStatus = statusCounters.withLock { cache in
            if let c = cache[status] { return c }
            let responses = registry.makeCounter(name: "mt_serve_responses_total", labels: [("status", "\(status)")],
                                                 help: "Responses sent, by HTTP status.")
            let errors = status >= 400 ? registry.makeCounter(name: "mt_serve_errors_total", labels: [("status", "\(status)")],
                                                              help: "Error responses, by HTTP status.") : nil
            cache[status] = (responses, errors)
            return (responses, errors)
        }
        byStatus.responses.increment()
        byStatus.errors?.increment()
        if status == 503 { rejectedRequests.increment() }
        latency.record(duration)
    }

    /// `pair`'s series, made on first use.
    func series(_ pair: LanguagePair) -> PairSeries {
        pairSeries.withLock { cache in
            if let s = cache[pair] { return s }
            let model = [("model", pair.description)]
            let s = PairSeries(
                queueLines: registry.makeGauge(name: "mt_serve_queue_lines", labels: model,
                                               help: "Input lines waiting in the decoding queue."),
                batchRequests: registry.makeValueHistogram(name: "mt_serve_batch_requests", labels: model,
                                                           buckets: [1, 2, 4, 8, 16, 32, 64, 128],
                                                           help: "Requests decoded together in one batch."),
                batchLines: registry.makeValueHistogram(name: "mt_serve_batch_lines", labels: model,
                                                        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
                                                        help: "Lines decoded together in one batch."),
                batchSourceTokens: registry.makeValueHistogram(name: "mt_serve_batch_source_tokens", labels: model,
                                                               buckets: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192],
                                                               help: "Source subword tokens in one batch."),
                targetTokens: registry.makeCounter(name: "mt_serve_target_tokens_total", labels: model,
                                                   help: "Target subword tokens produced (best hypotheses)."),
                decodeSeconds: registry.makeCounter(name: "mt_serve_decode_seconds_total", labels: model,
                                                    help: "Seconds spent decoding (target_tokens_total / this = tokens/s)."),
                tokensPerSecond: registry.makeGauge(name: "mt_serve_tokens_per_second", labels: model,
                                                    help: "Target tokens per second of the last batch."))
            cache[pair] = s
            return s
        }
    }

    /// Lines waiting for `pair`'s decoder.
    func queueDepth(_ pair: LanguagePair) -> Gauge { series(pair).queueLines }

    /// One decoded batch.
    func recordBatch(pair: LanguagePair, requests: Int, lines: Int, sourceTokens: Int, targetTokens: Int, seconds: Double) {
        let s = series(pair)
        s.batchRequests.record(Double(requests))
        s.batchLines.record(Double(lines))
        s.batchSourceTokens.record(Double(sourceTokens))
        s.targetTokens.increment(by: Int64(targetTokens))
        s.decodeSeconds.increment(by: seconds)
        if seconds > 0 { s.tokensPerSecond.set(to: Double(targetTokens) / seconds) }
    }

    /// The Prometheus text exposition.
    public func text() -> String { registry.emitToString() }
}
