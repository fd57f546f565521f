import Foundation
import XCTest

/// End-to-end runs of the built `mt-bleu` executable against command lines recorded from the
/// real `sacrebleu` CLI (`Fixtures/cli.json`): stdout must be identical and the exit status
/// must agree on success or failure. Error messages are checked for naming files and lines.
final class CLITests: XCTestCase {
    /// The `mt-bleu` executable beside the test bundle.
    static var executable: URL {
        #if os(macOS)
            let dir = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL
                .deletingLastPathComponent()
        #else
            let dir = Bundle.main.bundleURL
        #endif
        return dir.appendingPathComponent("mt-bleu")
    }

    struct Output { var stdout: String; var stderr: String; var status: Int32 }

    func run(_ args: [String], stdin: String?, in dir: URL) throws -> Output {
        let p = Process()
        p.executableURL = Self.executable
        p.arguments = args
        p.currentDirectoryURL = dir
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = errPipe
        try p.run()
        inPipe.fileHandleForWriting.write(Data((stdin ?? "").utf8))
        try inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(
            stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self),
            status: p.terminationStatus)
    }

    func makeDirectory(_ files: [String: [Int]]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mt-bleu-cli-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, bytes) in files {
            try Data(bytes.map { UInt8($0) }).write(to: dir.appendingPathComponent(name))
        }
        return dir
    }

    func testExecutableExists() {
        XCTAssertTrue(
            FileManager.default.isExecutableFile(atPath: Self.executable.path),
            "build mt-bleu first (swift build --build-tests builds it): \(Self.executable.path)")
    }

    func testRecordedCommandLines() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let d = try Fixtures.load("cli")
        let dir = try makeDirectory(d["files"] as! [String: [Int]])
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = d["cases"] as! [[String: Any]]
        XCTAssertGreaterThan(cases.count, 30)
        for c in cases {
            let args = c["args"] as! [String]
            let out = try run(args, stdin: c["stdin"] as? String, in: dir)
            let want = (c["exit"] as! NSNumber).int32Value
            let label = args.joined(separator: " ")
            XCTAssertEqual(out.status == 0, want == 0, "\(label): \(out.stderr)")
            if want == 0 { XCTAssertEqual(out.stdout, c["stdout"] as! String, label) }
        }
    }

    func testErrorMessagesNameFilesCountsAndLines() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let dir = try makeDirectory([
            "ref.txt": Array("a\nb\nc\n".utf8).map(Int.init),
            "hyp.txt": Array("a\nb\n".utf8).map(Int.init),
            "bad.txt": (Array("a\nb\n".utf8) + [0xC3, 0x28, 0x0A]).map(Int.init),
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        var out = try run(["ref.txt", "-i", "hyp.txt"], stdin: nil, in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("hyp.txt has 2 lines") && out.stderr.contains("ref.txt has 3 lines"), out.stderr)
        out = try run(["ref.txt", "-i", "bad.txt"], stdin: nil, in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("bad.txt: line 3: invalid UTF-8"), out.stderr)
        out = try run(["ref.txt"], stdin: "a\nb\n", in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("<stdin> has 2 lines"), out.stderr)
    }
}
