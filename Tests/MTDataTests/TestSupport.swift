import Foundation
import MTIO
import XCTest

@testable import MTData

/// Splits on spaces; each word gets a stable id in 4 ..< 4 + buckets (FNV-1a of the word).
struct WordHashEncoder: SentenceEncoder {
    var buckets: Int32 = 30_000
    var fingerprint: String { "word-hash buckets=\(buckets)" }

    func encode(_ line: String) throws -> [Int32] {
        line.split(separator: " ").map {
            4 + Int32(truncatingIfNeeded: FNV1a.hash(String($0)) % UInt64(buckets))
        }
    }
}

/// A scratch directory removed when the test ends.
final class TempDir {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "mtdata-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` (gzip-compressed through /bin/gzip when the name ends in .gz).
    @discardableResult
    func write(_ name: String, bytes: [UInt8], compress: Bool = true) throws -> String {
        let file = path + "/" + name
        if compress && name.hasSuffix(".gz") {
            let raw = file + ".raw"
            try Data(bytes).write(to: URL(fileURLWithPath: raw))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "/bin/gzip -c '\(raw)' > '\(file)' && rm '\(raw)'"]
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, "gzip failed")
        } else {
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        }
        return file
    }

    /// Writes `lines`, each followed by "\n".
    @discardableResult
    func write(_ name: String, lines: [String]) throws -> String {
        try write(name, bytes: Array(lines.map { $0 + "\n" }.joined().utf8))
    }
}

/// Asserts that `body` throws exactly `expected`.
func assertThrows<T>(
    _ expected: DataError, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        XCTFail("expected \(expected), nothing thrown", file: file, line: line)
    } catch let error as DataError {
        XCTAssertEqual(error, expected, file: file, line: line)
    } catch {
        XCTFail("expected \(expected), got \(error)", file: file, line: line)
    }
}

/// A synthetic corpus of `n` pairs with lengths drawn from a seeded generator; with `correlated`,
/// the target length is the source length ± 3 (as in real parallel text), else independent.
func syntheticCorpus(_ n: Int, maxLength: Int = 40, seed: UInt64 = 7, correlated: Bool = false)
    -> EncodedCorpus
{
    var rng = ShuffleRNG(seed: seed)
    var c = EncodedCorpus()
    for i in 0..<n {
        let s = 1 + rng.below(maxLength)
        let t = correlated ? max(1, s - 3 + rng.below(7)) : 1 + rng.below(maxLength)
        c.append(
            source: (0..<s).map { _ in Int32(4 + rng.below(1000)) },
            target: (0..<t).map { _ in Int32(4 + rng.below(1000)) }, line: i + 1)
    }
    return c
}
