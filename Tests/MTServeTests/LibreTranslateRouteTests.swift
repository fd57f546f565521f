import Foundation
import Hummingbird
import HummingbirdTesting
import MTRuntime
@testable import MTServe
import XCTest

/// LibreTranslate's endpoints in process: answers equal mt-translate's for the same lines, JSON
/// and form bodies agree, and every error has its status and a message naming the problem.
final class LibreTranslateRouteTests: XCTestCase {
    func app(_ edit: (inout ServeConfig) -> Void = { _ in }, pairs: [LanguagePair] = [LanguagePair(source: "en", target: "de")],
             keys: APIKeys = APIKeys()) throws -> (some ApplicationProtocol, TranslationService) {
        let s = try ServeTestSupport.service(ServeTestSupport.config(edit), pairs: pairs, keys: keys)
        return (ServeApplication.application(s), s)
    }

    func testTranslateJSONStringAndArrayMatchTheLineTranslator() async throws {
        let (app, service) = try self.app()
        let options = service.config.search
        let a = try ServeTestSupport.expected("a man is walking", options: options).hypotheses[0].text
        let b = try ServeTestSupport.expected("the dog runs on the mat", options: options).hypotheses[0].text
        try await app.test(.router) { client in
            let one = try await client.post("/translate", #"{"q": "a man is walking", "source": "en", "target": "de"}"#)
            XCTAssertEqual(one.status, .ok)
            XCTAssertEqual((one.json as? [String: Any])?["translatedText"] as? String, a)
            XCTAssertNil((one.json as? [String: Any])?["detectedLanguage"])
            let many = try await client.post("/translate", #"{"q": ["a man is walking", "the dog runs on the mat"], "source": "en", "target": "de", "format": "text"}"#)
            XCTAssertEqual(many.status, .ok)
            XCTAssertEqual((many.json as? [String: Any])?["translatedText"] as? [String], [a, b])
            // A text with a line break is translated line by line.
            let lines = try await client.post("/translate", #"{"q": "a man is walking\nthe dog runs on the mat", "source": "en", "target": "de"}"#)
            XCTAssertEqual((lines.json as? [String: Any])?["translatedText"] as? String, a + "\n" + b)
            // source auto: the one configured source language, reported as such.
            let auto = try await client.post("/translate", #"{"q": "a man is walking", "source": "auto", "target": "de"}"#)
            XCTAssertEqual((auto.json as? [String: Any])?["translatedText"] as? String, a)
            XCTAssertEqual(((auto.json as? [String: Any])?["detectedLanguage"] as? [String: Any])?["language"] as? String, "en")
        }
    }

    func testFormBodyEqualsJSONAndAlternatives() async throws {
        let (app, service) = try self.app()
        let expected = try ServeTestSupport.expected("a man is walking", options: service.config.search).hypotheses[0].text
        try await app.test(.router) { client in
            let form = try await client.post("/translate", "q=a+man%20is+walking&source=en&target=de&api_key=",
                                             type: "application/x-www-form-urlencoded")
            XCTAssertEqual(form.status, .ok)
            XCTAssertEqual((form.json as? [String: Any])?["translatedText"] as? String, expected)
            let noType = try await client.post("/translate", "q=a+man+is+walking&source=en&target=de", type: nil)
            XCTAssertEqual((noType.json as? [String: Any])?["translatedText"] as? String, expected)
            let alt = try await client.post("/translate", #"{"q": "a man is walking", "source": "en", "target": "de", "alternatives": 2}"#)
            XCTAssertEqual(alt.status, .ok)
            XCTAssertEqual(((alt.json as? [String: Any])?["alternatives"] as? [String])?.count, 2)
        }
    }

    /// A browser's FormData (multipart/form-data), as LibreTranslate's own page posts it, gets
    /// the same answer as the JSON body.
    func testMultipartFormEqualsJSON() async throws {
        let (app, _) = try self.app()
        try await app.test(.router) { client in
            let json = try await client.post("/translate", #"{"q": "the dog runs on the mat", "source": "en", "target": "de"}"#)
            let b = "----formdata-test-0123"
            let body = MultipartFormTests.body(b, [("Content-Disposition: form-data; name=\"q\"", "the dog runs on the mat"),
                                                   ("Content-Disposition: form-data; name=\"source\"", "en"),
                                                   ("Content-Disposition: form-data; name=\"target\"", "de"),
                                                   ("Content-Disposition: form-data; name=\"api_key\"", "")])
            let form = try await client.post("/translate", bytes: body, type: "multipart/form-data; boundary=\(b)")
            XCTAssertEqual(form.status, .ok)
            XCTAssertEqual((form.json as? [String: Any])?["translatedText"] as? String, (json.json as? [String: Any])?["translatedText"] as? String)
            let other = try await client.post("/translate", "x", type: "text/plain")
            XCTAssertEqual(other.status, .badRequest)
            XCTAssertEqual(errorMessage(other.json), "Invalid request: content type text/plain is not supported (send application/json, application/x-www-form-urlencoded or multipart/form-data)")
        }
    }

    /// format html: each text node translated as mt-translate translates that line alone, the
    /// markup kept; a fragment without text comes back unchanged; limits and alternatives.
    func testHTMLFormat() async throws {
        let (app, service) = try self.app()
        let options = service.config.search
        let a = try ServeTestSupport.expected("a man is walking", options: options).hypotheses[0].text
        let b = try ServeTestSupport.expected("the dog", options: options).hypotheses[0].text
        try await app.test(.router) { client in
            let r = try await client.post("/translate", #"{"q": ["<p>a man is walking</p>\n<b>the dog</b><code>cat</code>", "<br>"], "source": "en", "target": "de", "format": "html"}"#)
            XCTAssertEqual(r.status, .ok)
            XCTAssertEqual((r.json as? [String: Any])?["translatedText"] as? [String],
                           ["<p>\(HTMLText.escape(a))</p>\n<b>\(HTMLText.escape(b))</b><code>cat</code>", "<br>"])
            let alternatives = try await client.post("/translate", #"{"q": "<p>a</p>", "source": "en", "target": "de", "format": "html", "alternatives": 2}"#)
            XCTAssertEqual(alternatives.status, .badRequest)
            XCTAssertEqual(errorMessage(alternatives.json), "Invalid request: alternatives are not available with format html")
            let many = String(repeating: "<i>a</i>", count: 9)
            let tooMany = try await client.post("/translate", #"{"q": "\#(many)", "source": "en", "target": "de", "format": "html"}"#)
            XCTAssertEqual(tooMany.status, .contentTooLarge)
            XCTAssertTrue(errorMessage(tooMany.json).contains("9 HTML text segments"), errorMessage(tooMany.json))
            let xml = try await client.post("/translate", #"{"q": "a", "source": "en", "target": "de", "format": "xml"}"#)
            XCTAssertEqual(errorMessage(xml.json), "Invalid request: format 'xml' is not supported (text or html)")
        }
    }

    func testErrorsNameTheProblem() async throws {
        let (app, _) = try self.app()
        try await app.test(.router) { client in
            func check(_ body: String, type: String? = "application/json", _ status: HTTPResponse.Status, _ fragment: String,
                       line: UInt = #line) async throws {
                let r = try await client.post("/translate", body, type: type)
                XCTAssertEqual(r.status, status, body, line: line)
                XCTAssertTrue(errorMessage(r.json).contains(fragment), "\(errorMessage(r.json)) lacks '\(fragment)'", line: line)
            }
            try await check(#"{"q": "a man", "source": "en""#, .badRequest, "malformed JSON")
            try await check("", .badRequest, "malformed JSON: the body is empty")
            try await check(#"{"source": "en", "target": "de"}"#, .badRequest, "missing q parameter")
            try await check(#"{"q": "a", "target": "de"}"#, .badRequest, "missing source parameter")
            try await check(#"{"q": "a", "source": "en"}"#, .badRequest, "missing target parameter")
            try await check(#"{"q": 5, "source": "en", "target": "de"}"#, .badRequest, "q has the wrong type")
            try await check(#"{"q": "a", "source": "en", "target": "fr"}"#, .badRequest, "no model translates en to fr (served pairs: en-de)")
            try await check(#"{"q": "a", "source": "en", "target": "de", "format": "markdown"}"#, .badRequest, "'markdown' is not supported (text or html)")
            try await check(#"["a"]"#, .badRequest, "must be a JSON object")
            try await check("q=a&source=en&target=de", type: "text/plain", .badRequest, "content type text/plain is not supported")
            try await check("q=%E0%A4&source=en&target=de", type: "application/x-www-form-urlencoded", .badRequest, "form field q is not valid UTF-8")
            try await check("q=%zz&source=en&target=de", type: "application/x-www-form-urlencoded", .badRequest, "bad percent escape")
            let long = String(repeating: "a ", count: 150)
            try await check(#"{"q": "\#(long)", "source": "en", "target": "de"}"#, .contentTooLarge, "request has 300 characters, the limit is 200")
            // Code points, as LibreTranslate counts: 10 letters with 20 combining marks each are
            // 10 grapheme clusters but 210 characters.
            let marked = String(repeating: "e" + String(repeating: "\u{301}", count: 20), count: 10)
            try await check(#"{"q": "\#(marked)", "source": "en", "target": "de"}"#, .contentTooLarge, "request has 210 characters, the limit is 200")
            try await check(#"{"q": "<b>\#(marked)</b>", "source": "en", "target": "de", "format": "html"}"#, .contentTooLarge, "request has 217 characters, the limit is 200")
            let many = Array(repeating: "\"a\"", count: 9).joined(separator: ",")
            try await check(#"{"q": [\#(many)], "source": "en", "target": "de"}"#, .contentTooLarge, "request has 9 lines, the limit is 8")
            // Invalid UTF-8 in a JSON body: the offset of the first bad byte.
            let bad = Array(#"{"q": "a"#.utf8) + [0xFF, 0xFE] + Array(#"", "source": "en", "target": "de"}"#.utf8)
            let r = try await client.post("/translate", bytes: bad, type: "application/json")
            XCTAssertEqual(r.status, .badRequest)
            XCTAssertEqual(errorMessage(r.json), "Invalid request: request body is not valid UTF-8 (first bad byte at offset 8)")
        }
    }

    func testLanguagesAndDetect() async throws {
        let en = LanguagePair(source: "en", target: "de")
        let (app, _) = try self.app(pairs: [en])
        try await app.test(.router) { client in
            let r = try await client.get("/languages")
            XCTAssertEqual(r.status, .ok)
            let langs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [[String: Any]])
            XCTAssertEqual(langs.map { $0["code"] as? String }, ["de", "en"])
            XCTAssertEqual(langs[1]["name"] as? String, "English")
            XCTAssertEqual(langs[1]["targets"] as? [String], ["de"])
            XCTAssertEqual(langs[0]["targets"] as? [String], [])
            let d = try await client.post("/detect", #"{"q": "a man"}"#)
            XCTAssertEqual(d.status, .ok)
            XCTAssertEqual(((d.json as? [[String: Any]])?.first)?["language"] as? String, "en")
            let missing = try await client.post("/detect", "{}")
            XCTAssertEqual(missing.status, .badRequest)
        }
        // Two source languages: no honest answer, so 400 naming them.
        let (two, _) = try self.app(pairs: [en, LanguagePair(source: "de", target: "en")])
        try await two.test(.router) { client in
            let d = try await client.post("/detect", #"{"q": "a man"}"#)
            XCTAssertEqual(d.status, .badRequest)
            XCTAssertTrue(errorMessage(d.json).contains("2 source languages (de, en)"), errorMessage(d.json))
            let auto = try await client.post("/translate", #"{"q": "a", "source": "auto", "target": "de"}"#)
            XCTAssertEqual(auto.status, .badRequest)
            let back = try await client.post("/translate", #"{"q": "a man", "source": "de", "target": "en"}"#)
            XCTAssertEqual(back.status, .ok)
        }
    }

    /// /frontend/settings as LibreTranslate's frontend reads it (the limits and pair of this
    /// server; keys required once a key file is given); /suggest and /translate_file are off, 403.
    func testFrontendSettingsAndDisabledFeatures() async throws {
        let (app, _) = try self.app({ $0.limits.maxCharacters = 321 }, pairs: [LanguagePair(source: "en", target: "de"), LanguagePair(source: "en", target: "fr")])
        try await app.test(.router) { client in
            let r = try await client.get("/frontend/settings")
            XCTAssertEqual(r.status, .ok)
            let s = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])
            XCTAssertEqual(s["charLimit"] as? Int, 321)
            XCTAssertEqual(s["frontendTimeout"] as? Int, 500)
            XCTAssertEqual(s["apiKeys"] as? Bool, false)
            XCTAssertEqual(s["keyRequired"] as? Bool, false)
            XCTAssertEqual(s["suggestions"] as? Bool, false)
            XCTAssertEqual(s["filesTranslation"] as? Bool, false)
            XCTAssertEqual((s["supportedFilesFormat"] as? [Any])?.count, 0)
            let language = try XCTUnwrap(s["language"] as? [String: [String: String]])
            XCTAssertEqual(language["source"], ["code": "en", "name": "English"])
            XCTAssertEqual(language["target"], ["code": "de", "name": "German"])
            let suggest = try await client.post("/suggest", #"{"q": "a", "s": "b", "source": "en", "target": "de"}"#)
            XCTAssertEqual(suggest.status, .forbidden)
            XCTAssertEqual(errorMessage(suggest.json), "Suggestions are disabled on this server.")
            let file = try await client.post("/translate_file", "x", type: "multipart/form-data; boundary=b")
            XCTAssertEqual(file.status, .forbidden)
            XCTAssertEqual(errorMessage(file.json), "Files translation are disabled on this server.")
        }
        let (keyed, _) = try self.app(keys: APIKeys(limits: ["k1": 0]))
        try await keyed.test(.router) { client in
            let r = try await client.get("/frontend/settings")
            let s = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])
            XCTAssertEqual(s["apiKeys"] as? Bool, true)
            XCTAssertEqual(s["keyRequired"] as? Bool, true)
        }
    }

    func testAPIKeysAndRateLimit() async throws {
        let (app, _) = try self.app(keys: APIKeys(limits: ["k1": 2, "k2": 0]))
        try await app.test(.router) { client in
            let none = try await client.post("/translate", #"{"q": "a", "source": "en", "target": "de"}"#)
            XCTAssertEqual(none.status, .forbidden)
            XCTAssertTrue(errorMessage(none.json).contains("requires an api_key"))
            let wrong = try await client.post("/translate", #"{"q": "a", "source": "en", "target": "de", "api_key": "nope"}"#)
            XCTAssertEqual(wrong.status, .forbidden)
            XCTAssertEqual(errorMessage(wrong.json), "Invalid API key")
            for _ in 0..<2 {
                let ok = try await client.post("/translate", "q=a&source=en&target=de&api_key=k1", type: "application/x-www-form-urlencoded")
                XCTAssertEqual(ok.status, .ok)
            }
            let limited = try await client.post("/translate", #"{"q": "a", "source": "en", "target": "de", "api_key": "k1"}"#)
            XCTAssertEqual(limited.status, .tooManyRequests)
            XCTAssertTrue(errorMessage(limited.json).contains("2 requests in the last 60 s with this key, the limit is 2"))
            XCTAssertEqual(limited.headers[.retryAfter], "60")
            // An unlimited key, passed as a bearer token.
            for _ in 0..<3 {
                let ok = try await client.post("/translate", #"{"q": "a", "source": "en", "target": "de"}"#,
                                               headers: [.authorization: "Bearer k2"])
                XCTAssertEqual(ok.status, .ok)
            }
        }
    }

    func testKeyFileParsing() throws {
        let path = NSTemporaryDirectory() + "keys-\(UUID().uuidString)"
        try "# comment\nalpha 5\n\nbeta\n".write(toFile: path, atomically: true, encoding: .utf8)
        let keys = try APIKeys(file: path, defaultLimit: 7)
        XCTAssertEqual(keys.limits, ["alpha": 5, "beta": 7])
        try "alpha five\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try APIKeys(file: path, defaultLimit: 0)) {
            XCTAssertTrue("\($0)".contains("\(path):1: expected KEY [REQUESTS_PER_MINUTE]"), "\($0)")
        }
        XCTAssertThrowsError(try APIKeys(file: path + ".missing", defaultLimit: 0))
    }
}
