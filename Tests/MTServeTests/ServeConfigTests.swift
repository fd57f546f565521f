import Foundation
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

    /// Starting on a port another socket holds fails with a message naming the address and what
    /// to do, not NIO's bare `bind(descriptor:ptr:bytes:)` error.
    func testPortInUseIsNamed() async throws {
        // Hold a loopback port with a plain listening socket.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        XCTAssertTrue(bound)
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let service = try ServeTestSupport.service(ServeTestSupport.config { $0.port = port })
        do {
            try await ServeApplication.application(service).runService()
            XCTFail("the server started on a port in use")
        } catch {
            let message = ServeApplication.listenError(error, host: "127.0.0.1", port: port)
            XCTAssertEqual(message, "cannot listen on 127.0.0.1:\(port): the address is in use (another process listens there; choose another --port, or --port 0 for a free one)", "\(error)")
        }
        XCTAssertNil(ServeApplication.listenError(CancellationError(), host: "127.0.0.1", port: port))
    }
}
