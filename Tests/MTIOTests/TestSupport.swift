// Shared helpers of the MTIO tests: a scratch directory and gzip files made by /bin/gzip (the
// reference the zlib decoder must agree with).
import Foundation
import XCTest

/// A scratch directory removed when the test ends.
final class TempDir {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "mtio-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` as they are.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Writes `bytes` compressed by `/bin/gzip -c` to `name`.
    @discardableResult
    func gzip(_ name: String, bytes: [UInt8]) throws -> String {
        let raw = try write(name + ".raw", bytes: bytes)
        let file = path + "/" + name
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "/bin/gzip -c '\(raw)' > '\(file)' && rm '\(raw)'"]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "gzip failed")
        return file
    }

    /// The bytes of file `name`.
    func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/" + name)))
    }
}

