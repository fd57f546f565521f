import XCTest
@testable import MTSearch
import MTModel
import MTOps

final class SearchOptionsTests: XCTestCase {
    func testDefaultsValidate() throws {
        try SearchOptions().validate()
        try SearchOptions.forcedLength(400, beam: 4).validate()
    }

    func testValidateReportsEveryProblem() {
        let bad = SearchOptions(beam: 0, lengthPenalty: .nan, maxLenA: -1, maxLenB: -2, minLength: -1, nbest: 3,
                                batchTokens: 0, maxBatchSentences: 0)
        XCTAssertThrowsError(try bad.validate()) { e in
            let p = (e as! SearchError).problems
            XCTAssertEqual(p.count, 8, "\(p)")
        }
        XCTAssertThrowsError(try SearchOptions(beam: 2, nbest: 3).validate())
    }

    func testMaxLengthGrowsWithSource() {
        let o = SearchOptions(maxLenA: 1.5, maxLenB: 10, minLength: 1)
        XCTAssertEqual(o.maxLength(sourceLength: 1), 11)
        XCTAssertEqual(o.maxLength(sourceLength: 2001), 3011)
        XCTAssertEqual(SearchOptions(maxLenA: 0, maxLenB: 2, minLength: 5).maxLength(sourceLength: 9), 5)
    }

    func testTopKKeepsBestInOrderWithTies() {
        var v = [Float](repeating: 0, count: 3), r = [Int32](repeating: 0, count: 3), t = [Int32](repeating: 0, count: 3)
        v.withUnsafeMutableBufferPointer { vb in
            r.withUnsafeMutableBufferPointer { rb in
                t.withUnsafeMutableBufferPointer { tb in
                    var top = TopK(values: vb.baseAddress!, rows: rb.baseAddress!, tokens: tb.baseAddress!, capacity: 3)
                    for (i, x) in [Float(1), 5, 3, 5, 2, 7, 3].enumerated() { top.offer(x, row: 0, token: i) }
                }
            }
        }
        XCTAssertEqual(v, [7, 5, 5])
        XCTAssertEqual(t, [5, 1, 3])
    }
}
