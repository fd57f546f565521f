import Foundation
import Hummingbird
import HummingbirdTesting
import MTRuntime
import MTSearch
@testable import MTServe
import XCTest

/// The decoding worker: concurrent requests share batches and still get mt-translate's answers;
/// a full queue answers 503 with Retry-After; a cancelled request leaves the queue; draining
/// answers what is queued and refuses the rest.
final class BatchingTests: XCTestCase {
    static let texts = ["a man is walking", "the dog runs on the mat", "red", "a big green tree", "the cat sits on the mat",
                        "a small blue car", "the man is walking", "big house"]

    func testConcurrentRequestsAreBatchedAndEqualSingleTranslations() async throws {
        let config = ServeTestSupport.config { $0.batching.batchWaitMilliseconds = 200; $0.batching.waitOnlyWhenConcurrent = false }
        let service = try ServeTestSupport.service(config)
        let expected = try Self.texts.map { try ServeTestSupport.expected($0, options: config.search).hypotheses[0].text }
        try await ServeApplication.application(service).test(.router) { client in
            let results = try await withThrowingTaskGroup(of: (Int, String?, Int?).self) { group in
                for (k, t) in Self.texts.enumerated() {
                    group.addTask {
                        let r = try await client.post("/v1/translate", #"{"model": "en-de", "texts": ["\#(t)"]}"#)
                        let body = r.json as? [String: Any]
                        let text = (body?["translations"] as? [[String: Any]])?.first?["text"] as? String
                        return (k, text, (body?["batch"] as? [String: Any])?["requests"] as? Int)
                    }
                }
                var out: [(Int, String?, Int?)] = []
                for try await r in group { out.append(r) }
                return out.sorted { $0.0 < $1.0 }
            }
            XCTAssertEqual(results.map(\.1), expected.map { Optional($0) })
            XCTAssertGreaterThan(results.compactMap(\.2).max() ?? 0, 1, "no two requests shared a batch")
        }
    }

    func testLoneRequestDoesNotWaitForABatch() async throws {
        // A 3 s batch window that only concurrent traffic pays: one client at a time is answered
        // at once, and its batches hold one request each.
        let config = ServeTestSupport.config { $0.batching.batchWaitMilliseconds = 3000 }
        let service = try ServeTestSupport.service(config)
        let pair = LanguagePair(source: "en", target: "de")
        service.worker.start()
        let start = ContinuousClock.now
        for t in Self.texts.prefix(3) {
            let r = try await service.worker.translate([.text(t)], pair: pair, options: config.search)
            XCTAssertEqual(r.batchRequests, 1)
            XCTAssertEqual(r.lines[0].hypotheses[0].text, try ServeTestSupport.expected(t, options: config.search).hypotheses[0].text)
        }
        XCTAssertLessThan(start.duration(to: .now), .seconds(2), "a lone request waited for the batch window")
        await service.worker.drain()
    }

    func testFullQueueAnswers503WithRetryAfter() async throws {
        // The worker waits 1.5 s for a batch to fill; the queue holds 2 lines.
        let config = ServeTestSupport.config {
            $0.batching.batchWaitMilliseconds = 1500
            $0.batching.waitOnlyWhenConcurrent = false
            $0.batching.maxQueueLines = 2
        }
        let service = try ServeTestSupport.service(config)
        try await ServeApplication.application(service).test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?, String).self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let r = try await client.post("/translate", #"{"q": "a man", "source": "en", "target": "de"}"#)
                        return (r.status, r.headers[.retryAfter], errorMessage(r.json))
                    }
                }
                var out: [(HTTPResponse.Status, String?, String)] = []
                for try await r in group { out.append(r) }
                return out
            }
            XCTAssertEqual(statuses.filter { $0.0 == .ok }.count, 2)
            let busy = statuses.filter { $0.0 == .serviceUnavailable }
            XCTAssertEqual(busy.count, 4)
            XCTAssertTrue(busy.allSatisfy { Int($0.1 ?? "") ?? 0 >= 1 })
            XCTAssertTrue(busy[0].2.contains("the decoding queue holds 2 of 2 lines"), busy[0].2)
            let m = try await client.get("/metrics")
            XCTAssertTrue(m.body.contains(#"mt_serve_errors_total{status="503"} 4"#), m.body)
        }
    }

    func testCancelledRequestLeavesTheQueue() async throws {
        let config = ServeTestSupport.config { $0.batching.batchWaitMilliseconds = 3000; $0.batching.waitOnlyWhenConcurrent = false }
        let service = try ServeTestSupport.service(config)
        service.worker.start()
        let task = Task { try await service.worker.translate([.text("a man")], pair: LanguagePair(source: "en", target: "de"), options: config.search) }
        for _ in 0..<100 where service.worker.snapshot.total == 0 { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertEqual(service.worker.snapshot.total, 1)
        let start = ContinuousClock.now
        task.cancel()
        do { _ = try await task.value; XCTFail("a cancelled request was answered") } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertLessThan(start.duration(to: .now), .seconds(1), "the cancelled request waited for its batch")
        XCTAssertEqual(service.worker.snapshot.total, 0)
        XCTAssertTrue(service.metrics.text().contains("mt_serve_dropped_requests_total 1"))
        await service.worker.drain()
    }

    func testDrainAnswersQueuedWorkAndRefusesNew() async throws {
        let config = ServeTestSupport.config { $0.batching.batchWaitMilliseconds = 5000; $0.batching.waitOnlyWhenConcurrent = false }
        let service = try ServeTestSupport.service(config)
        let pair = LanguagePair(source: "en", target: "de")
        service.worker.start()
        let queued = (0..<3).map { k in
            Task { try await service.worker.translate([.text(Self.texts[k])], pair: pair, options: config.search) }
        }
        for _ in 0..<200 where service.worker.snapshot.total < 3 { try await Task.sleep(for: .milliseconds(5)) }
        let start = ContinuousClock.now
        await service.worker.drain()
        XCTAssertLessThan(start.duration(to: .now), .seconds(4), "draining waited for the batch window")
        for (k, t) in queued.enumerated() {
            let r = try await t.value
            XCTAssertEqual(r.lines[0].hypotheses[0].text, try ServeTestSupport.expected(Self.texts[k], options: config.search).hypotheses[0].text)
        }
        do { _ = try await service.worker.translate([.text("a")], pair: pair, options: config.search); XCTFail("accepted after drain") } catch {
            XCTAssertEqual(error as? ServeError, .shuttingDown)
        }
    }
}
