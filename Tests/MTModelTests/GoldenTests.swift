import Foundation
import XCTest
@testable import MTModel
import MTTensor

/// Forward and backward against PyTorch autograd on a tiny model (tools/model/torch_golden.py
/// wrote the weights, batch, logits and every gradient once; no Python is needed here).
final class GoldenTests: XCTestCase {
    func check(_ decoder: ModelConfig.DecoderAttention) throws {
        let path = fixturePath("golden_\(decoder.rawValue).safetensors")
        let (entries, meta) = try SafeTensors.read(path)
        func ints(_ key: String) -> [Int32] {
            (try! JSONSerialization.jsonObject(with: Data(meta[key]!.utf8)) as! [[Int]]).flatMap { $0.map(Int32.init) }
        }
        let config = ModelConfig(sourceVocabSize: 13, targetVocabSize: 13, modelDim: 16, ffnDim: 32, heads: 2,
                                 encoderLayers: 1, decoderLayers: 2, decoderAttention: decoder, featureSizeSelf: 4,
                                 featureSizeCross: 4, preNorm: false, tying: .decoderInputOutput, dropout: 0, maxPositions: 64)
        let model = try Seq2Seq(config: config)
        let store = ParameterStore(layout: model.layout, training: true)
        try Checkpoint.copy(entries, into: store, path: path, ignoreExtra: true)
        let batch = TokenBatch(batch: 2, sourceLength: 5, targetLength: 4, source: ints("src"), targetIn: ints("tgt_in"),
                               targetOut: ints("tgt_out"))
        var rng = RNG(seed: 0)
        let arena = Arena(capacity: 0)
        let cache = model.forward(batch, smoothing: 0.1, training: false, rng: &rng, params: store, arena: arena)
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.values) })
        let expectedLogits = byName["expected.logits"]!
        XCTAssertLessThan(maxRelativeError(cache.logits.array, expectedLogits), 1e-4, "\(decoder) logits")
        XCTAssertEqual(cache.result.loss, Double(meta["loss"]!)!, accuracy: 1e-4 * Double(meta["loss"]!)!, "\(decoder) loss")
        store.zeroGrads()
        model.backward(cache, scale: 1, smoothing: 0.1, params: store, arena: arena)
        for (id, e) in model.layout.entries.enumerated() {
            let expected = byName["grad." + e.name]!
            XCTAssertLessThan(maxRelativeError(store.grad(id).array, expected), 2e-3, "\(decoder) grad \(e.name)")
        }
    }

    /// max_i |a_i − b_i| / max(max_i |b_i|, 1e-4): errors relative to the tensor's scale. The
    /// floor covers gradients that are zero in exact arithmetic (softmax attention's key bias,
    /// by shift invariance), where both sides hold only rounding noise (~1e-8).
    func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        let scale = max(b.map(abs).max() ?? 0, 1e-4)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    func testSoftmaxModelMatchesPyTorch() throws { try check(.softmax) }
    func testT2RModelMatchesPyTorch() throws { try check(.t2r) }
}
