@testable import MTServe
import XCTest

/// Command-line values: model specs, pairs, and every configuration problem reported at once.
final class ServeConfigTests: XCTestCase {
    func testModelSpecsAndPairs() throws {
        let spec = try ModelSpec(parsing: "en-de=work/model=x")
        XCTAssertEqual(spec.pair, LanguagePair(source: "en", target: "de"))
        XCTAssertEqual(spec.directory, "work/model=x")
        for bad in ["en-de", "ende=dir", "en-=dir", "en-de=", "-de=dir", "e n-de=dir"] {
            XCTAssertThrowsError(try ModelSpec(parsing: bad), bad) {
                XCTAssertTrue("\($0)".contains("expected SOURCE-TARGET=DIR"), "\($0)")
            }
        }
        XCTAssertNil(LanguagePair("en-de-fr"))
        XCTAssertEqual(LanguagePair("zh-en")?.description, "zh-en")
    }

    func testValidateListsEveryProblem() throws {
        var c = ServeConfig()
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("no --model given"), "\($0)") }
        c.models = [try ModelSpec(parsing: "en-de=a"), try ModelSpec(parsing: "en-de=b")]
        c.port = 70000
        c.batching.maxQueueLines = 0
        c.limits.maxLines = 0
        c.search.beam = 20
        XCTAssertThrowsError(try c.validate()) {
            guard case ServeError.invalidConfig(let p) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(p.count, 5, "\(p)")
            for needle in ["--model en-de given twice", "--port 70000", "--max-queue-lines 0", "--max-lines 0", "--beam 20 > --max-beam 16"] {
                XCTAssertTrue(p.contains { $0.contains(needle) }, "\(p) lacks \(needle)")
            }
        }
        c = ServeConfig()
        c.models = [try ModelSpec(parsing: "en-de=a")]
        XCTAssertNoThrow(try c.validate())
        XCTAssertEqual(c.host, "127.0.0.1")
    }

    func testStatusesOfErrors() {
        XCTAssertEqual(ServeError.queueFull(queued: 5, limit: 5, retryAfter: 1).status.code, 503)
        XCTAssertEqual(ServeError.tooLarge(what: "lines", count: 9, limit: 8).status.code, 413)
        XCTAssertEqual(ServeError.rateLimited(count: 2, limit: 2).status.code, 429)
        XCTAssertEqual(ServeError.forbidden("x").status.code, 403)
        XCTAssertEqual(ServeError.unknownPair(source: "en", target: "fr", served: ["en-de"]).status.code, 400)
    }
}
