import Hummingbird
import MTRuntime
import MTSearch

/// The native API: POST /v1/translate (a list of one-line texts with per-request search
/// options → texts, scores and token counts), GET /health, GET /metrics (Prometheus text).
struct NativeRoutes {
    let service: TranslationService

    /// POST /v1/translate body. `model` ("en-de") or `source` and `target` name the pair; the
    /// search options default to the server's (mt-translate's defaults unless changed).
    struct TranslateRequest: Decodable {
        var texts: [String]
        var model: String?
        var source: String?
        var target: String?
        var beam: Int?
        var lenpen: Float?
        var nbest: Int?
        var max_len_a: Float?
        var max_len_b: Int?
        /// Include each hypothesis's score (default true).
        var scores: Bool?
        var api_key: String?
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/translate") { request, _ in try await translate(request) }
        router.get("/health") { _, _ in health() }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: service.metrics.text())))
        }
    }

    func translate(_ request: Request) async throws -> Response {
        try await service.cancellingOnDisconnect(request) { body, headers in
            let bytes = try await BodyReader(limits: service.config.limits).bytes(body)
            if let type = request.headers[.contentType], !BodyReader.isJSON(request) {
                throw ServeError.unsupportedContentType(type, accepted: "application/json")
            }
            if bytes.isEmpty { throw ServeError.badJSON("the body is empty") }
            let req = try BodyReader.decodeJSON(TranslateRequest.self, bytes)
            try service.keys.admit(req.api_key ?? LibreTranslateRoutes.bearer(request))
            let pair = try resolvePair(req)
            let options = try searchOptions(req)
            guard !req.texts.isEmpty else { throw ServeError.missingField("texts") }
            if let k = req.texts.firstIndex(where: { $0.contains("\n") || $0.contains("\r") }) {
                throw ServeError.invalidField(name: "texts[\(k)]", reason: "contains a line break; send one line per text")
            }
            let (texts, batch) = try await service.translate(req.texts, pair: pair, options: options, splitNewlines: false)
            let withScores = req.scores ?? true
            let translations: [JSONValue] = texts.map { lines in
                let line = lines[0]
                let hyps: [JSONValue] = line.hypotheses.map { h in
                    var o: [String: JSONValue] = ["text": .string(h.text), "tokens": .int(h.tokens)]
                    if withScores { o["score"] = .number(Double(h.score)) }
                    if h.reachedMaxLength { o["reached_max_length"] = .bool(true) }
                    return .object(o)
                }
                return .object(["text": .string(line.hypotheses.first?.text ?? ""), "source_tokens": .int(line.sourceTokens),
                                "hypotheses": .array(hyps)])
            }
            return JSONValue.object([
                "model": .string(pair.description), "translations": .array(translations),
                "batch": .object(["requests": .int(batch.batchRequests), "lines": .int(batch.batchLines),
                                  "queue_ms": .number(batch.queueSeconds * 1000), "decode_ms": .number(batch.decodeSeconds * 1000)]),
            ]).response(headers: headers)
        }
    }

    func resolvePair(_ req: TranslateRequest) throws -> LanguagePair {
        if let model = req.model {
            guard let p = LanguagePair(model) else { throw ServeError.invalidField(name: "model", reason: "'\(model)' is not SOURCE-TARGET (e.g. en-de)") }
            return try service.pair(source: p.source, target: p.target)
        }
        guard let s = req.source, !s.isEmpty else { throw ServeError.missingField("model (or source and target)") }
        guard let t = req.target, !t.isEmpty else { throw ServeError.missingField("target") }
        return try service.pair(source: s, target: t)
    }

    /// The server's defaults with the request's overrides; 400 naming each bad value.
    func searchOptions(_ req: TranslateRequest) throws -> SearchOptions {
        var o = service.config.search
        if let b = req.beam { o.beam = b }
        if let l = req.lenpen { o.lengthPenalty = l }
        if let n = req.nbest { o.nbest = n }
        if let a = req.max_len_a { o.maxLenA = a }
        if let b = req.max_len_b { o.maxLenB = b }
        if o.beam > service.config.limits.maxBeam {
            throw ServeError.invalidOptions("beam \(o.beam) > the server's --max-beam \(service.config.limits.maxBeam)")
        }
        if o.maxLenB > 1024 || o.maxLenA > 8 {
            throw ServeError.invalidOptions("max_len_a \(o.maxLenA) / max_len_b \(o.maxLenB) over the server's 8 / 1024")
        }
        do { try o.validate() } catch { throw ServeError.invalidOptions("\(error)") }
        return o
    }

    func health() -> Response {
        let q = service.worker.snapshot
        return JSONValue.object([
            "status": .string(q.accepting ? "ok" : "draining"),
            "models": .array(service.pairs.map { .string($0.description) }),
            "queued_lines": .int(q.total), "queue_limit": .int(q.limit),
        ]).response(status: q.accepting ? .ok : .serviceUnavailable)
    }
}
