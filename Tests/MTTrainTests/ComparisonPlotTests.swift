import Foundation
import XCTest
@testable import MTTrain

/// `mt-train plot --run`: validation BLEU of several runs against training seconds.
final class ComparisonPlotTests: XCTestCase {
    func testRunSpecs() {
        XCTAssertEqual(ComparisonPlot.Run(spec: "t2r + pretrain=/w/t2r@120.5")?.name, "t2r + pretrain")
        XCTAssertEqual(ComparisonPlot.Run(spec: "t2r + pretrain=/w/t2r@120.5")?.path, "/w/t2r")
        XCTAssertEqual(ComparisonPlot.Run(spec: "t2r + pretrain=/w/t2r@120.5")?.offsetSeconds, 120.5)
        XCTAssertEqual(ComparisonPlot.Run(spec: "a=/x@y/m.jsonl")?.path, "/x@y/m.jsonl", "a non-number after @ is part of the path")
        XCTAssertEqual(ComparisonPlot.Run(spec: "a=/x")?.offsetSeconds, 0)
        XCTAssertNil(ComparisonPlot.Run(spec: "=/x"))
        XCTAssertNil(ComparisonPlot.Run(spec: "a="))
        XCTAssertNil(ComparisonPlot.Run(spec: "no-equals"))
    }

    func testPointsAndSVG() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cmpplot-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.jsonl").path, b = dir.appendingPathComponent("b.jsonl").path
        try """
        {"kind":"train","update":1,"loss":5}
        {"kind":"valid","update":10,"loss":4,"bleu":3.5,"train_seconds":60}
        {"kind":"valid","update":20,"loss":3,"bleu":-1,"train_seconds":90}
        {"kind":"valid","update":30,"loss":3,"bleu":7.25,"train_seconds":120}
        {"kind":"done","update":30,"train_seconds":121}
        """.write(toFile: a, atomically: true, encoding: .utf8)
        try "{\"kind\":\"valid\",\"update\":5,\"loss\":4,\"bleu\":9,\"train_seconds\":30}\n".write(toFile: b, atomically: true, encoding: .utf8)
        let pa = try ComparisonPlot.points(metricsPath: a, offset: 0)
        XCTAssertEqual(pa.map(\.0), [60, 120], "validations without BLEU are left out")
        XCTAssertEqual(pa.map(\.1), [3.5, 7.25])
        XCTAssertEqual(try ComparisonPlot.points(metricsPath: b, offset: 100).map(\.0), [130])
        let svg = try ComparisonPlot.svg(runs: [ComparisonPlot.Run(spec: "softmax=\(a)")!, ComparisonPlot.Run(spec: "elu + pretrain=\(b)@100")!])
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2)
        XCTAssertTrue(svg.contains(">softmax</text>") && svg.contains(">elu + pretrain</text>") && svg.contains("training seconds"))
        try "not json\n".write(toFile: b, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ComparisonPlot.points(metricsPath: b, offset: 0)) { XCTAssert("\($0)".contains("b.jsonl:1"), "\($0)") }
    }
}
