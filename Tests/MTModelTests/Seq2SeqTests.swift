import XCTest
@testable import MTModel
import MTOps
import MTTensor

/// Whole-model checks on the tiny preset: central-difference gradients for every tensor,
/// padding and batch invariance, and swap.
final class Seq2SeqTests: XCTestCase {
    static func config(_ attention: ModelConfig.DecoderAttention, preNorm: Bool = false,
                       tying: ModelConfig.Tying = .decoderInputOutput) -> ModelConfig {
        var c = ModelConfig.preset(.tiny, sourceVocabSize: 11, targetVocabSize: tying == .all ? 11 : 13, decoderAttention: attention)
        c.preNorm = preNorm
        c.tying = tying
        c.dropout = 0
        c.decoderLayers = 2
        return c
    }

    /// Two sentences, the second shorter (padded) on both sides.
    static let batch = TokenBatch(batch: 2, sourceLength: 5, targetLength: 4,
                                  source: [5, 6, 7, 8, 2, 9, 4, 2, 0, 0],
                                  targetIn: [1, 5, 6, 7, 1, 8, 0, 0],
                                  targetOut: [5, 6, 7, 2, 8, 2, 0, 0])

    /// Seed 7: no ReLU pre-activation (FFN or φ) or T2R denominator of the check batch sits within
    /// a step of its kink, which would bend central differences (T2R.md §8.3); seeds 3 and 5 do.
    func makeModel(_ c: ModelConfig, seed: UInt64 = 7) throws -> (Seq2Seq, ParameterStore) {
        let m = try Seq2Seq(config: c)
        let p = ParameterStore(layout: m.layout, training: true)
        m.initialize(p, seed: seed)
        return (m, p)
    }

    func loss(_ m: Seq2Seq, _ p: ParameterStore, _ b: TokenBatch = batch, smoothing: Float = 0.1) -> Double {
        var rng = RNG(seed: 1)
        let arena = Arena(capacity: 1 << 16)
        return m.forward(b, smoothing: smoothing, training: false, rng: &rng, params: p, arena: arena).result.loss
    }

    /// For each tensor: the directional derivative along a random unit direction by central
    /// differences equals ⟨gradient, direction⟩ within 2 % (relative to max(|value|, 0.02);
    /// Float32 forward, Double loss sums).
    func checkGradients(_ c: ModelConfig, file: StaticString = #filePath, line: UInt = #line) throws {
        let (m, p) = try makeModel(c)
        var rng = RNG(seed: 1)
        let arena = Arena(capacity: 1 << 16)
        p.zeroGrads()
        let cache = m.forward(Self.batch, smoothing: 0.1, training: false, rng: &rng, params: p, arena: arena)
        m.backward(cache, scale: 1, smoothing: 0.1, params: p, arena: arena)
        GradientCheck.directional(m, p, steps: [3e-3, 2e-3, 1e-3], loss: { loss(m, p) }, file: file, line: line)
    }

    func testGradientsSoftmaxPostNorm() throws { try checkGradients(Self.config(.softmax)) }
    func testGradientsT2RPostNorm() throws { try checkGradients(Self.config(.t2r)) }
    func testGradientsSoftmaxPreNormUntied() throws { try checkGradients(Self.config(.softmax, preNorm: true, tying: .none)) }
    func testGradientsT2RPreNormSharedAll() throws { try checkGradients(Self.config(.t2r, preNorm: true, tying: .all)) }
    func testGradientsOutputBias() throws {
        for (attention, tying) in [(ModelConfig.DecoderAttention.softmax, ModelConfig.Tying.none), (.t2r, .decoderInputOutput)] {
            var c = Self.config(attention, tying: tying)
            c.outputBias = true
            try checkGradients(c)
        }
    }

    /// The output bias is one [V] tensor, declared last (earlier layouts unchanged), zero at
    /// init, and added to every row of the logits.
    func testOutputBiasAddsToLogits() throws {
        let plain = Self.config(.t2r)
        var biased = plain
        biased.outputBias = true
        let (ma, pa) = try makeModel(plain)
        let (mb, pb) = try makeModel(biased)
        XCTAssertEqual(Array(mb.layout.entries.dropLast()), ma.layout.entries)
        XCTAssertEqual(mb.layout.entries.last?.name, "decoder.output_projection.bias")
        XCTAssertEqual(mb.layout.entries.last?.shape, [plain.targetVocabSize])
        let bias = pb.weight(mb.outputProjection.biasID!)
        XCTAssertEqual(bias.array, [Float](repeating: 0, count: plain.targetVocabSize))
        for id in ma.layout.entries.indices { pb.weight(id).assign(pa.weight(id)) }
        var rng = RNG(seed: 5)
        rng.fillNormal(bias)
        func logits(_ m: Seq2Seq, _ p: ParameterStore) -> [Float] {
            var r = RNG(seed: 1)
            return m.forward(Self.batch, smoothing: 0.1, training: false, rng: &r, params: p, arena: Arena(capacity: 0)).logits.array
        }
        let a = logits(ma, pa), b = logits(mb, pb), v = plain.targetVocabSize
        for i in 0..<a.count { XCTAssertEqual(b[i], a[i] + bias[i % v], accuracy: 1e-5, "logit \(i)") }
    }

    /// The feature-map ids the swap initialises are exactly the T2R decoder's φ tensors (4 per
    /// layer), and a softmax model has none.
    func testFeatureMapParametersFromTheLayout() throws {
        let (mt, _) = try makeModel(Self.config(.t2r))
        let names = Set(mt.featureMapParameters.map { mt.layout.entries[$0].name })
        XCTAssertEqual(names.count, 4 * mt.config.decoderLayers)
        XCTAssert(names.allSatisfy { $0.hasPrefix("decoder.layers.") && ($0.hasSuffix(".phi.weight") || $0.hasSuffix(".phi.bias")) }, "\(names)")
        XCTAssertEqual(try makeModel(Self.config(.softmax)).0.featureMapParameters, [])
    }

    /// A sentence's loss is the same alone and inside a padded batch.
    func testPaddingAndBatchInvariance() throws {
        for attention in ModelConfig.DecoderAttention.allCases {
            let (m, p) = try makeModel(Self.config(attention))
            let both = loss(m, p)
            let first = TokenBatch(batch: 1, sourceLength: 5, targetLength: 4, source: [5, 6, 7, 8, 2],
                                   targetIn: [1, 5, 6, 7], targetOut: [5, 6, 7, 2])
            let second = TokenBatch(batch: 1, sourceLength: 3, targetLength: 2, source: [9, 4, 2],
                                    targetIn: [1, 8], targetOut: [8, 2])
            let secondPadded = TokenBatch(batch: 1, sourceLength: 6, targetLength: 5, source: [9, 4, 2, 0, 0, 0],
                                          targetIn: [1, 8, 0, 0, 0], targetOut: [8, 2, 0, 0, 0])
            let sum = loss(m, p, first) + loss(m, p, second)
            XCTAssertEqual(both, sum, accuracy: 1e-5 * abs(sum), "\(attention)")
            XCTAssertEqual(loss(m, p, second), loss(m, p, secondPadded), accuracy: 1e-5 * abs(sum), "\(attention)")
        }
    }

    /// Swap: every softmax tensor copied bit for bit, φ added per layer, head and attention type.
    func testSwapOnTheModel() throws {
        let soft = Self.config(.softmax)
        let (ms, ps) = try makeModel(soft)
        var t2rConfig = soft
        t2rConfig.decoderAttention = .t2r
        let mt = try Seq2Seq(config: t2rConfig)
        let pt = ParameterStore(layout: mt.layout, training: false)
        var rng = RNG(seed: 8)
        let report = try Swap.copy(from: ps, into: pt, featureMaps: mt.featureMapParameters, headDim: soft.headDim, rng: &rng)
        XCTAssertEqual(report.copiedTensors, ms.layout.entries.count)
        let c = t2rConfig
        XCTAssertEqual(report.freshParameters, c.decoderLayers * c.heads * (c.featureSizeSelf + c.featureSizeCross) * (c.headDim + 1),
                       "T2R.md §6: L·r·(k_c + k_x)·(d + 1)")
        XCTAssertEqual(mt.layout.parameterCount - ms.layout.parameterCount, report.freshParameters)
        for (id, e) in ms.layout.entries.enumerated() {
            XCTAssertEqual(pt.weight(named: e.name)!.array.map(\.bitPattern), ps.weight(id).array.map(\.bitPattern), e.name)
        }
    }

    func testFairseqTensorNames() throws {
        let (m, _) = try makeModel(Self.config(.t2r, preNorm: true, tying: .none))
        let names = Set(m.layout.entries.map(\.name))
        for n in ["encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "decoder.output_projection.weight",
                  "encoder.layers.0.self_attn.q_proj.weight", "encoder.layers.0.self_attn_layer_norm.weight",
                  "encoder.layers.0.fc1.weight", "encoder.layers.0.final_layer_norm.bias",
                  "decoder.layers.1.self_attn.phi.weight", "decoder.layers.1.encoder_attn.phi.bias",
                  "decoder.layers.0.encoder_attn.k_proj.bias", "decoder.layers.0.encoder_attn_layer_norm.weight",
                  "encoder.layer_norm.weight", "decoder.layer_norm.bias"] {
            XCTAssert(names.contains(n), "missing \(n)")
        }
    }
}
