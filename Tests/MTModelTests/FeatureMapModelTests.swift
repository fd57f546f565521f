import XCTest
@testable import MTModel
import MTOps
import MTTensor

/// Whole models with the ELU and RFA feature maps (T2R.md §1): the swap copies every tensor,
/// decoding steps reproduce the parallel form, and RFA's per-update Ω draw is a function of
/// (seed, update) that training uses and evaluation does not.
final class FeatureMapModelTests: XCTestCase {
    static func config(_ phi: ModelConfig.FeatureMapKind) -> ModelConfig {
        var c = ModelConfig.preset(.tiny, sourceVocabSize: 19, targetVocabSize: 23, decoderAttention: .t2r)
        c.decoderLayers = 2
        c.dropout = 0
        c.featureMap = phi
        return c
    }

    static let sources: [[Int32]] = [[5, 6, 7, 8, 9, 10], [11, 4, 12]]
    static let targets: [[Int32]] = [[7, 8, 9, 10, 11, 12, 13, 14], [15, 16, 4, 17, 18, 19, 20, 21]]

    func batch() -> TokenBatch {
        let b = Self.sources.count, s = Self.sources.map(\.count).max()! + 1, t = Self.targets[0].count + 1
        var src = [Int32](repeating: Vocab.pad, count: b * s)
        var tin: [Int32] = [], tout: [Int32] = []
        for i in 0..<b {
            for (j, id) in Self.sources[i].enumerated() { src[i * s + j] = id }
            src[i * s + Self.sources[i].count] = Vocab.eos
            tin += [Vocab.bos] + Self.targets[i]
            tout += Self.targets[i] + [Vocab.eos]
        }
        return TokenBatch(batch: b, sourceLength: s, targetLength: t, source: src, targetIn: tin, targetOut: tout)
    }

    func logits(_ m: Seq2Seq, _ p: ParameterStore, training: Bool) -> Tensor {
        var rng = RNG(seed: 1)
        return m.forward(batch(), smoothing: 0, training: training, rng: &rng, params: p, arena: Arena(capacity: 0)).logits.copy()
    }

    func testSwapCopiesEveryTensorAndConfigRoundTrips() throws {
        var soft = Self.config(.t2r)
        soft.decoderAttention = .softmax
        let ms = try Seq2Seq(config: soft)
        let ps = ParameterStore(layout: ms.layout, training: false)
        ms.initialize(ps, seed: 3)
        for phi in [ModelConfig.FeatureMapKind.elu, .rfa] {
            let c = Self.config(phi)
            let data = try JSONEncoder().encode(c)
            XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: data), c)
            let mt = try Seq2Seq(config: c)
            XCTAssertEqual(mt.layout.parameterCount, ms.layout.parameterCount, "\(phi) adds no parameters")
            XCTAssertTrue(mt.featureMapParameters.isEmpty)
            XCTAssertEqual(mt.usesRandomFeatures, phi == .rfa)
            let pt = ParameterStore(layout: mt.layout, training: false)
            var rng = RNG(seed: 8)
            let r = try Swap.copy(from: ps, into: pt, featureMaps: mt.featureMapParameters, headDim: c.headDim, rng: &rng)
            XCTAssertEqual(r.copiedTensors, ms.layout.entries.count)
            XCTAssertEqual(r.freshTensors, 0)
            XCTAssertEqual(UnsafeBufferPointer(start: pt.weights.base, count: pt.totalCount).map(\.bitPattern),
                           UnsafeBufferPointer(start: ps.weights.base, count: ps.totalCount).map(\.bitPattern))
        }
        var big = Self.config(.rfa)
        big.heads = 8; big.modelDim = 64; big.decoderLayers = 51
        XCTAssertThrowsError(try big.validate()) { XCTAssert("\($0)".contains("408 distinct matrices"), "\($0)") }
    }

    func checkRecurrentEqualsParallel(_ phi: ModelConfig.FeatureMapKind, beam: Int) throws {
        let c = Self.config(phi)
        let m = try Seq2Seq(config: c)
        let p = ParameterStore(layout: m.layout, training: false)
        m.initialize(p, seed: 11)
        m.drawRandomFeatures(update: 5, seed: 1)  // a training draw must not leak into evaluation
        let par = logits(m, p, training: false)
        let v = c.targetVocabSize, t = Self.targets[0].count + 1
        let arena = Arena(capacity: 0)
        let enc = m.encodeForDecoding(Self.sources, params: p, arena: arena)
        let state = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: beam, maxPositions: t,
                                    params: p, arena: arena)
        XCTAssertNil(state.layers[0].fused, "\(phi) does not fold")
        var maxAbs: Float = 0, maxRef: Float = 0
        for pos in 0..<t {
            arena.reset()
            let tokens = (0..<(Self.sources.count * beam)).map { n in pos == 0 ? Vocab.bos : Self.targets[n / beam][pos - 1] }
            let l = m.step(tokens: tokens, state: state, params: p, arena: arena)
            for n in 0..<tokens.count {
                for i in 0..<v {
                    let ref = par.pointer[((n / beam) * t + pos) * v + i]
                    maxAbs = max(maxAbs, abs(ref - l.pointer[n * v + i])); maxRef = max(maxRef, abs(ref))
                }
            }
        }
        XCTAssertGreaterThan(maxRef, 0.1)
        XCTAssertLessThanOrEqual(maxAbs, 1e-5 * max(1, maxRef), "\(phi): max |Δ| \(maxAbs), max |logit| \(maxRef)")
    }

    func testRecurrentEqualsParallelElu() throws { try checkRecurrentEqualsParallel(.elu, beam: 2) }
    func testRecurrentEqualsParallelRfa() throws { try checkRecurrentEqualsParallel(.rfa, beam: 3) }

    /// The draw depends on (seed, update) only; training forwards use it, evaluation does not;
    /// layers and the two attention types get distinct bank matrices.
    func testRandomFeatureDraw() throws {
        let m = try Seq2Seq(config: Self.config(.rfa))
        let p = ParameterStore(layout: m.layout, training: false)
        m.initialize(p, seed: 2)
        func selections() -> [[Int]] {
            m.decoderLayers.flatMap { l -> [[Int]] in
                guard case .t2r(let s) = l.selfAttention, case .t2r(let x) = l.crossAttention else { return [] }
                return [s.phi.randomFeatures!.selected, x.phi.randomFeatures!.selected]
            }
        }
        let evalBefore = logits(m, p, training: false)
        let trainEval = logits(m, p, training: true)
        XCTAssertEqual(trainEval.array, evalBefore.array, "before any draw, training Ω is the evaluation Ω")
        m.drawRandomFeatures(update: 7, seed: 3)
        let a = selections(), trainA = logits(m, p, training: true)
        XCTAssertEqual(Set(a[0] + a[2]).count, 2 * m.config.heads, "self-attention layers draw distinct matrices")
        XCTAssertEqual(logits(m, p, training: false).array, evalBefore.array, "evaluation ignores the draw")
        XCTAssertNotEqual(trainA.array, evalBefore.array)
        m.drawRandomFeatures(update: 8, seed: 3)
        XCTAssertNotEqual(selections(), a)
        m.drawRandomFeatures(update: 7, seed: 3)
        XCTAssertEqual(selections(), a)
        XCTAssertEqual(logits(m, p, training: true).array, trainA.array)
        m.drawRandomFeatures(update: 7, seed: 4)
        XCTAssertNotEqual(selections(), a)
    }
}
