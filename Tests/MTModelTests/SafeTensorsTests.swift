import Foundation
import XCTest
@testable import MTModel
@testable import MTTensor

func pattern(_ n: Int, _ offset: Float) -> [Float] { (0..<n).map { Float($0 % 7 - 3) * 0.25 + offset } }

func fixturePath(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!.path
}

func temporaryDirectory() -> String {
    let d = NSTemporaryDirectory() + "mt-tests-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

final class SafeTensorsTests: XCTestCase {
    /// A file written by the reference Python library (tools/model/safetensors_fixtures.py write).
    func testReadsFileWrittenByPython() throws {
        let (entries, meta) = try SafeTensors.read(fixturePath("numpy_written.safetensors"))
        XCTAssertEqual(meta["note"], "written by numpy")
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
        XCTAssertEqual(byName["encoder.layers.0.fc1.weight"]?.shape, [3, 4])
        XCTAssertEqual(byName["encoder.layers.0.fc1.weight"]?.values, pattern(12, 0))
        XCTAssertEqual(byName["encoder.layers.0.fc1.bias"]?.values, pattern(3, 1))
        XCTAssertEqual(byName["decoder.embed_tokens.weight"]?.shape, [5, 2])
        XCTAssertEqual(byName["decoder.embed_tokens.weight"]?.values, pattern(10, -1))
        XCTAssertEqual(byName["half.weight"]?.values, pattern(6, 0.5), "F16 converted exactly (values are representable)")
    }

    /// Our writer's bytes equal the committed file that the Python library was checked to read
    /// (tools/model/safetensors_fixtures.py check).
    func testWriterOutputMatchesCommittedFile() throws {
        let dir = temporaryDirectory()
        let path = dir + "/w.safetensors"
        try SafeTensors.write([SafeTensors.Entry(name: "a.weight", shape: [2, 3], values: pattern(6, 0)),
                               SafeTensors.Entry(name: "b.bias", shape: [4], values: pattern(4, 2))],
                              metadata: ["note": "written by mt"], to: path)
        let ours = try Data(contentsOf: URL(fileURLWithPath: path))
        if let dest = ProcessInfo.processInfo.environment["MT_WRITE_SAFETENSORS_FIXTURE"] {  // regenerate: see the script
            try ours.write(to: URL(fileURLWithPath: dest))
        }
        let committed = try Data(contentsOf: URL(fileURLWithPath: fixturePath("swift_written.safetensors")))
        XCTAssertEqual(ours, committed)
        let (back, meta) = try SafeTensors.read(path)
        XCTAssertEqual(meta["note"], "written by mt")
        XCTAssertEqual(back.map(\.name), ["a.weight", "b.bias"])
        XCTAssertEqual(back[0].values, pattern(6, 0))
    }

    func testCheckpointRoundTripAndMismatchErrors() throws {
        var layout = ParameterLayout()
        layout.declare("encoder.layers.0.fc1.weight", [3, 4])
        layout.declare("encoder.layers.0.fc1.bias", [3])
        let store = ParameterStore(layout: layout, training: false)
        var rng = RNG(seed: 1)
        rng.fillNormal(Tensor(storage: store.weights, offset: 0, shape: [store.totalCount]))
        let config = ModelConfig.preset(.tiny, sourceVocabSize: 10, targetVocabSize: 10)
        let path = temporaryDirectory() + "/m.safetensors"
        try Checkpoint.save(store, config: config, extra: ["vocab_sha256": "abc"], to: path)
        let (entries, meta) = try SafeTensors.read(path)
        XCTAssertEqual(try Checkpoint.config(in: meta, path: path), config)
        XCTAssertEqual(meta["vocab_sha256"], "abc")
        let other = ParameterStore(layout: layout, training: false)
        try Checkpoint.copy(entries, into: other, path: path)
        XCTAssertEqual(other.weight(0).array, store.weight(0).array, "bit-identical round trip")
        XCTAssertEqual(other.weight(1).array, store.weight(1).array)

        var bigger = ParameterLayout()
        bigger.declare("encoder.layers.0.fc1.weight", [3, 5])
        bigger.declare("decoder.layers.0.self_attn.phi.weight", [8, 2])
        XCTAssertThrowsError(try Checkpoint.copy(entries, into: ParameterStore(layout: bigger, training: false), path: path)) { e in
            let text = "\(e)"
            XCTAssert(text.contains("shape [3, 4] in the file, [3, 5] in the model"), text)
            XCTAssert(text.contains("missing tensor decoder.layers.0.self_attn.phi.weight"), text)
            XCTAssert(text.contains("unexpected tensor encoder.layers.0.fc1.bias"), text)
        }
    }

    func testCorruptFilesGiveClearErrors() throws {
        let dir = temporaryDirectory()
        let short = dir + "/short.safetensors"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: short))
        XCTAssertThrowsError(try SafeTensors.read(short)) { XCTAssert("\($0)".contains("shorter than the 8-byte header")) }
        let lying = dir + "/lying.safetensors"
        var d = Data()
        var n = UInt64(1000).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array("{}".utf8))
        try d.write(to: URL(fileURLWithPath: lying))
        XCTAssertThrowsError(try SafeTensors.read(lying)) { XCTAssert("\($0)".contains("header length 1000")) }
        XCTAssertThrowsError(try SafeTensors.read(dir + "/absent.safetensors")) { XCTAssert("\($0)".contains("cannot read")) }
    }
}
