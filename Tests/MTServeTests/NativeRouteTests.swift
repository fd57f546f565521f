import Foundation
import Hummingbird
import HummingbirdTesting
import MTRuntime
import MTSearch
@testable import MTServe
import XCTest

/// /v1/translate with per-request options, /health and /metrics, in process.
final class NativeRouteTests: XCTestCase {
    func app(_ edit: (inout ServeConfig) -> Void = { _ in }) throws -> (some ApplicationProtocol, TranslationService) {
        let s = try ServeTestSupport.service(ServeTestSupport.config(edit))
        return (ServeApplication.application(s), s)
    }

    func testPerRequestOptionsGiveTheLineTranslatorsNBest() async throws {
        let (app, service) = try self.app()
        var options = service.config.search
        options.beam = 3
        options.nbest = 2
        options.lengthPenalty = 0.5
        let e = try ServeTestSupport.expected("the dog runs on the mat", options: options)
        try await app.test(.router) { client in
            let r = try await client.post("/v1/translate", #"{"model": "en-de", "texts": ["the dog runs on the mat", ""], "beam": 3, "nbest": 2, "lenpen": 0.5}"#)
            XCTAssertEqual(r.status, .ok)
            let body = try XCTUnwrap(r.json as? [String: Any])
            XCTAssertEqual(body["model"] as? String, "en-de")
            let t = try XCTUnwrap(body["translations"] as? [[String: Any]])
            XCTAssertEqual(t.count, 2)
            let hyps = try XCTUnwrap(t[0]["hypotheses"] as? [[String: Any]])
            XCTAssertEqual(hyps.map { $0["text"] as? String }, e.hypotheses.map { Optional($0.text) })
            XCTAssertEqual(hyps.map { ($0["score"] as? Double).map(Float.init) }, e.hypotheses.map { Optional($0.score) })
            XCTAssertEqual(hyps.count, 2)
            XCTAssertEqual(hyps.map { $0["tokens"] as? Int }, e.hypotheses.map { Optional($0.tokens) })
            XCTAssertEqual(t[0]["text"] as? String, e.hypotheses[0].text)
            XCTAssertEqual(t[0]["source_tokens"] as? Int, e.sourceTokens)
            XCTAssertEqual(t[1]["text"] as? String, "")
            XCTAssertEqual((t[1]["hypotheses"] as? [Any])?.count, 0)
            // Without scores; source/target instead of model.
            let plain = try await client.post("/v1/translate", #"{"source": "en", "target": "de", "texts": ["red"], "scores": false}"#)
            let h = (((plain.json as? [String: Any])?["translations"] as? [[String: Any]])?.first?["hypotheses"] as? [[String: Any]])?.first
            XCTAssertNotNil(h?["text"])
            XCTAssertNil(h?["score"])
        }
    }

    /// A path no route serves: 404 listing the endpoints; an endpoint asked with another method:
    /// 405 naming its methods, with `Allow`. Both as `{"error": …}`, counted by status.
    func testUnknownPathsAndMethodsAnswerAsTheAPIDoes() async throws {
        let (app, _) = try self.app()
        try await app.test(.router) { client in
            let wrongMethod = try await client.execute(uri: "/translate", method: .get) { r in
                (r.status, r.headers[.allow], try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)))
            }
            XCTAssertEqual(wrongMethod.0, .methodNotAllowed)
            XCTAssertEqual(wrongMethod.1, "POST")
            XCTAssertEqual(errorMessage(wrongMethod.2), "Method not allowed: /translate takes POST, not GET")
            let health = try await client.execute(uri: "/health", method: .delete) { r in (r.status, r.headers[.allow]) }
            XCTAssertEqual(health.0, .methodNotAllowed)
            XCTAssertEqual(health.1, "GET")
            let missing = try await client.execute(uri: "/translat", method: .post) { r in
                (r.status, try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)))
            }
            XCTAssertEqual(missing.0, .notFound)
            XCTAssertEqual(errorMessage(missing.1),
                           "Not found: no endpoint /translat (endpoints: /detect, /frontend/settings, /health, /languages, /metrics, /suggest, /translate, /translate_file, /v1/translate)")
            // The real endpoints still answer.
            let ok = try await client.get("/health")
            XCTAssertEqual(ok.status, .ok)
            let metrics = try await client.get("/metrics")
            XCTAssertTrue(metrics.body.contains(#"mt_serve_errors_total{status="405"} 2"#), metrics.body)
            XCTAssertTrue(metrics.body.contains(#"mt_serve_errors_total{status="404"} 1"#), metrics.body)
        }
    }

    /// CORS as LibreTranslate answers it: a browser's preflight gets 204 with the allowed
    /// methods and headers; an answer to a request with an Origin carries
    /// Access-Control-Allow-Origin; none without an Origin, and none at all with corsOrigin nil.
    func testCORS() async throws {
        let (app, _) = try self.app()
        try await app.test(.router) { client in
            let pre = try await client.execute(uri: "/translate", method: .options,
                                               headers: [.origin: "https://page.example", .accessControlRequestMethod: "POST"]) { $0 }
            XCTAssertEqual(pre.status, .noContent)
            XCTAssertEqual(pre.headers[.accessControlAllowOrigin], "*")
            XCTAssertEqual(pre.headers[.accessControlAllowMethods], "GET, POST")
            XCTAssertEqual(pre.headers[.accessControlAllowHeaders]?.lowercased(), "authorization, content-type")
            XCTAssertEqual(pre.headers[.accessControlMaxAge], "1728000")
            let answer = try await client.post("/translate", #"{"q": "a dog", "source": "en", "target": "de"}"#,
                                               headers: [.origin: "https://page.example"])
            XCTAssertEqual(answer.status, .ok)
            XCTAssertEqual(answer.headers[.accessControlAllowOrigin], "*")
            let error = try await client.post("/translate", #"{"q": "a dog"}"#, headers: [.origin: "https://page.example"])
            XCTAssertEqual(error.status, .badRequest)
            XCTAssertEqual(error.headers[.accessControlAllowOrigin], "*", "errors are readable by the page too")
            let plain = try await client.post("/translate", #"{"q": "a dog", "source": "en", "target": "de"}"#)
            XCTAssertNil(plain.headers[.accessControlAllowOrigin])
            // Errors are counted by their status with CORS on.
            let metrics = try await client.get("/metrics")
            XCTAssertTrue(metrics.body.contains(#"mt_serve_errors_total{status="400"} 1"#), metrics.body)
        }
        let (one, _) = try self.app { $0.corsOrigin = "https://app.example" }
        try await one.test(.router) { client in
            let r = try await client.execute(uri: "/health", method: .get, headers: [.origin: "https://other.example"]) { $0 }
            XCTAssertEqual(r.headers[.accessControlAllowOrigin], "https://app.example")
        }
        let (off, _) = try self.app { $0.corsOrigin = nil }
        try await off.test(.router) { client in
            let r = try await client.execute(uri: "/health", method: .get, headers: [.origin: "https://page.example"]) { $0 }
            XCTAssertEqual(r.status, .ok)
            XCTAssertNil(r.headers[.accessControlAllowOrigin])
            let pre = try await client.execute(uri: "/translate", method: .options, headers: [.origin: "https://page.example"]) { $0 }
            XCTAssertEqual(pre.status, .methodNotAllowed)
        }
        var c = ServeConfig()
        c.models = [try ModelSpec(parsing: "en-de=a")]
        for bad in ["example.org", "https://a.example, https://b.example", "https://example.org/", "https://", "http://x/path"] {
            c.corsOrigin = bad
            XCTAssertThrowsError(try c.validate(), bad) { XCTAssertTrue("\($0)".contains("--cors-origin"), "\($0)") }
        }
    }

    func testNativeErrors() async throws {
        let (app, _) = try self.app()
        try await app.test(.router) { client in
            func check(_ body: String, _ status: HTTPResponse.Status, _ fragment: String, line: UInt = #line) async throws {
                let r = try await client.post("/v1/translate", body)
                XCTAssertEqual(r.status, status, body, line: line)
                XCTAssertTrue(errorMessage(r.json).contains(fragment), "\(errorMessage(r.json)) lacks '\(fragment)'", line: line)
            }
            try await check(#"{"model": "en-de", "texts": ["a"], "beam": 2, "nbest": 3}"#, .badRequest, "nbest 3 not in 1...beam (2)")
            try await check(#"{"model": "en-de", "texts": ["a"], "beam": 40}"#, .badRequest, "beam 40 > the server's --max-beam 16")
            try await check(#"{"model": "en-fr", "texts": ["a"]}"#, .badRequest, "no model translates en to fr")
            try await check(#"{"model": "english", "texts": ["a"]}"#, .badRequest, "'english' is not SOURCE-TARGET")
            try await check(#"{"model": "en-de"}"#, .badRequest, "missing texts parameter")
            try await check(#"{"model": "en-de", "texts": []}"#, .badRequest, "missing texts parameter")
            try await check(#"{"model": "en-de", "texts": ["a\nb"]}"#, .badRequest, "texts[0] contains a line break")
            try await check(#"{"model": "en-de", "texts": "a"}"#, .badRequest, "texts has the wrong type")
            try await check(#"{"texts": ["a"]}"#, .badRequest, "missing model (or source and target) parameter")
            try await check(#"{"model": "en-de", "texts": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}"#, .contentTooLarge, "9 lines, the limit is 8")
            try await check(#"{"model": "en-de", "texts": ["a"]"#, .badRequest, "malformed JSON")
        }
    }

    func testHealthAndMetrics() async throws {
        let (app, _) = try self.app()
        try await app.test(.router) { client in
            let h = try await client.get("/health")
            XCTAssertEqual(h.status, .ok)
            let health = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(h.body.utf8)) as? [String: Any])
            XCTAssertEqual(health["status"] as? String, "ok")
            XCTAssertEqual(health["models"] as? [String], ["en-de"])
            _ = try await client.post("/translate", #"{"q": "a man", "source": "en", "target": "de"}"#)
            _ = try await client.post("/translate", #"{"q": "a man", "source": "en", "target": "xx"}"#)
            _ = try await client.get("/nowhere")
            let m = try await client.get("/metrics")
            XCTAssertEqual(m.status, .ok)
            for needle in [#"mt_serve_requests_total{endpoint="/translate"} 2"#, #"mt_serve_errors_total{status="400"} 1"#,
                           #"mt_serve_errors_total{status="404"} 1"#, #"mt_serve_responses_total{status="200"}"#,
                           #"mt_serve_batch_lines_count{model="en-de"} 1"#, #"mt_serve_queue_lines{model="en-de"} 0"#,
                           "mt_serve_request_duration_seconds_bucket", #"mt_serve_tokens_per_second{model="en-de"}"#,
                           #"mt_serve_target_tokens_total{model="en-de"}"#] {
                XCTAssertTrue(m.body.contains(needle), "metrics lack \(needle):\n\(m.body)")
            }
        }
    }
}
