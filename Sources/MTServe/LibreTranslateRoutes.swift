import Foundation
import Hummingbird
import MTRuntime
import MTSearch

/// LibreTranslate's API, so its clients work unchanged: POST /translate (`q` a string or an
/// array; JSON or form body), GET|POST /languages, POST /detect (honest: only the configured
/// source language when there is exactly one, else 400), GET /frontend/settings (what its web
/// frontend and apps read first), and POST /suggest and /translate_file answered 403 as a
/// LibreTranslate with those features off answers. Errors are `{"error": …}`.
struct LibreTranslateRoutes {
    let service: TranslationService

    /// The fields LibreTranslate reads, from a JSON object or a form.
    struct Fields: Decodable {
        var q: TextOrList?
        var source: String?
        var target: String?
        var format: String?
        var api_key: String?
        var alternatives: Int?
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("/translate") { request, _ in try await translate(request) }
        router.get("/languages") { _, _ in languages() }
        router.post("/languages") { _, _ in languages() }
        router.post("/detect") { request, _ in try await detect(request) }
        router.get("/frontend/settings") { _, _ in frontendSettings() }
        router.post("/suggest") { _, _ -> Response in throw ServeError.disabled("Suggestions are disabled on this server.") }
        router.post("/translate_file") { _, _ -> Response in throw ServeError.disabled("Files translation are disabled on this server.") }
    }

    /// Reads JSON or form fields (LibreTranslate: JSON when the content type says so, else a
    /// urlencoded or multipart form).
    func fields(_ request: Request, body: RequestBody) async throws -> Fields {
        let bytes = try await BodyReader(limits: service.config.limits).bytes(body)
        if BodyReader.isJSON(request) {
            if bytes.isEmpty { throw ServeError.badJSON("the body is empty") }
            return try BodyReader.decodeJSON(Fields.self, bytes)
        }
        let form: [String: [String]]
        if BodyReader.isForm(request) {
            form = try BodyReader.decodeForm(bytes)
        } else if let boundary = try MultipartForm.boundary(contentType: request.headers[.contentType] ?? "") {
            form = try MultipartForm.fields(bytes, boundary: boundary)  // a browser's FormData
        } else {
            throw ServeError.unsupportedContentType(request.headers[.contentType] ?? "",
                                                    accepted: "application/json, application/x-www-form-urlencoded or multipart/form-data")
        }
        var f = Fields()
        if let q = form["q"] { f.q = q.count == 1 ? .one(q[0]) : .many(q) }
        f.source = form["source"]?.first
        f.target = form["target"]?.first
        f.format = form["format"]?.first
        f.api_key = form["api_key"]?.first
        if let a = form["alternatives"]?.first {
            guard let n = Int(a) else { throw ServeError.invalidField(name: "alternatives", reason: "'\(a)' is not an integer") }
            f.alternatives = n
        }
        return f
    }

    func translate(_ request: Request) async throws -> Response {
        try await service.cancellingOnDisconnect(request) { body, headers in
            let f = try await fields(request, body: body)
            try service.keys.admit(f.api_key ?? Self.bearer(request))
            guard let q = f.q, !q.texts.isEmpty, q != .one("") else { throw ServeError.missingField("q") }
            guard let source = f.source, !source.isEmpty else { throw ServeError.missingField("source") }
            guard let target = f.target, !target.isEmpty else { throw ServeError.missingField("target") }
            let format = f.format ?? "text"
            guard format == "text" || format == "html" else {
                throw ServeError.invalidField(name: "format", reason: "'\(format)' is not supported (text or html)")
            }
            let pair = try service.pair(source: source, target: target)
            var options = service.config.search
            let alternatives = f.alternatives ?? 0
            if alternatives > 0 {
                guard alternatives < service.config.limits.maxBeam else {
                    throw ServeError.invalidField(name: "alternatives", reason: "\(alternatives) must be below --max-beam \(service.config.limits.maxBeam)")
                }
                options.nbest = alternatives + 1
                options.beam = max(options.beam, options.nbest)
            } else if alternatives < 0 {
                throw ServeError.invalidField(name: "alternatives", reason: "\(alternatives) < 0")
            }
            var out: [String: JSONValue] = [:]
            let best: [JSONValue], alts: [JSONValue]
            if format == "html" {
                guard alternatives == 0 else { throw ServeError.invalidField(name: "alternatives", reason: "are not available with format html") }
                best = try await translateHTML(q.texts, pair: pair, options: options).map { .string($0) }
                alts = []
            } else {
                let (texts, _) = try await service.translate(q.texts, pair: pair, options: options)
                best = texts.map { lines in JSONValue.string(lines.map { $0.hypotheses.first?.text ?? "" }.joined(separator: "\n")) }
                alts = texts.map { lines in
                    JSONValue.array((1..<max(1, options.nbest)).map { k in
                        .string(lines.map { $0.hypotheses.count > k ? $0.hypotheses[k].text : ($0.hypotheses.first?.text ?? "") }.joined(separator: "\n"))
                    })
                }
            }
            switch q {
            case .one: out["translatedText"] = best[0]; if alternatives > 0 { out["alternatives"] = alts[0] }
            case .many: out["translatedText"] = .array(best); if alternatives > 0 { out["alternatives"] = .array(alts) }
            }
            if source.lowercased() == "auto" {
                let detected = JSONValue.object(["language": .string(pair.source), "confidence": .number(100)])
                if case .many = q { out["detectedLanguage"] = .array(best.map { _ in detected }) } else { out["detectedLanguage"] = detected }
            }
            return JSONValue.object(out).response(headers: headers)
        }
    }

    /// `format: html`: each text's text nodes translated in one batch, its markup kept
    /// (HTMLText). The character limit counts the HTML as sent, as LibreTranslate does; the line
    /// limit counts text nodes.
    func translateHTML(_ htmls: [String], pair: LanguagePair, options: SearchOptions) async throws -> [String] {
        try service.checkCharacters(htmls)
        let docs = htmls.map(HTMLText.init)
        let perDoc = docs.map(\.segments)
        let segments = perDoc.flatMap { $0 }
        let maxLines = service.config.limits.maxLines
        if segments.count > maxLines {
            throw ServeError.tooLarge(what: "HTML text segments (each text node is one line)", count: segments.count, limit: maxLines)
        }
        var translated: [String] = []
        if !segments.isEmpty {
            translated = try await service.translate(segments, pair: pair, options: options, splitNewlines: false)
                .texts.map { $0[0].hypotheses.first?.text ?? "" }
        }
        var k = 0
        return zip(docs, perDoc).map { doc, own in
            defer { k += own.count }
            return doc.render(Array(translated[k..<k + own.count]))
        }
    }

    /// Every language a model reads or writes: its code, name and the targets it translates to.
    func languages() -> Response {
        let pairs = service.pairs
        let codes = Set(pairs.flatMap { [$0.source, $0.target] }).sorted()
        return JSONValue.array(codes.map { code in
            .object(["code": .string(code), "name": .string(LanguageNames.name(code)),
                     "targets": .array(pairs.filter { $0.source == code }.map { .string($0.target) })])
        }).response()
    }

    /// LibreTranslate's frontend settings: the character limit, whether keys are required (a key
    /// file makes every request need one), no suggestions, no file translation, and the first
    /// served pair as the default languages. `frontendTimeout` is LibreTranslate's default (ms).
    func frontendSettings() -> Response {
        let keys = service.keys.required
        let language: JSONValue = service.pairs.first.map { pair in
            .object(["source": .object(["code": .string(pair.source), "name": .string(LanguageNames.name(pair.source))]),
                     "target": .object(["code": .string(pair.target), "name": .string(LanguageNames.name(pair.target))])])
        } ?? .object([:])
        return JSONValue.object([
            "charLimit": .int(service.config.limits.maxCharacters), "frontendTimeout": .int(500),
            "apiKeys": .bool(keys), "keyRequired": .bool(keys), "suggestions": .bool(false),
            "filesTranslation": .bool(false), "supportedFilesFormat": .array([]),
            "language": language,
        ]).response()
    }

    /// No detector: the one configured source language when there is exactly one, else 400.
    func detect(_ request: Request) async throws -> Response {
        let f = try await fields(request, body: request.body)
        try service.keys.admit(f.api_key ?? Self.bearer(request))
        guard let q = f.q, q != .one("") else { throw ServeError.missingField("q") }
        let sources = service.sourceLanguages
        guard sources.count == 1 else { throw ServeError.detectionUnavailable(sources: sources) }
        return JSONValue.array([.object(["language": .string(sources[0]), "confidence": .number(100)])]).response()
    }

    /// `Authorization: Bearer KEY`, the native API's way to pass a key.
    static func bearer(_ request: Request) -> String? {
        guard let v = request.headers[.authorization], v.lowercased().hasPrefix("bearer ") else { return nil }
        return String(v.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

/// English names of the ISO 639-1 codes the toolkit's recipes use (others: the code itself).
enum LanguageNames {
    static let table = ["en": "English", "de": "German", "fr": "French", "zh": "Chinese", "cs": "Czech", "ro": "Romanian",
                        "ru": "Russian", "es": "Spanish", "it": "Italian", "ja": "Japanese", "pt": "Portuguese", "nl": "Dutch",
                        "tr": "Turkish", "fi": "Finnish", "et": "Estonian", "lv": "Latvian", "hi": "Hindi", "ar": "Arabic"]
    static func name(_ code: String) -> String { table[code] ?? code }
}
