import XCTest
@testable import MTModel
import MTOps
import MTTensor

/// The model with an imported Marian checkpoint's layout (swish or GELU FFN, Marian positions,
/// unscaled or scaled embeddings, output bias, </s> 0, <unk> 1, <pad> last = decoder start):
/// gradients of every tensor, and the one-step decoder equal to the parallel forward.
final class MarianLayoutTests: XCTestCase {
    static func config(_ attention: ModelConfig.DecoderAttention, activation: ModelConfig.Activation,
                       tying: ModelConfig.Tying, scaled: Bool) -> ModelConfig {
        var c = ModelConfig.preset(.tiny, sourceVocabSize: 11, targetVocabSize: 11, decoderAttention: attention)
        c.dropout = 0
        c.decoderLayers = 2
        c.tying = tying
        c.ffnActivation = activation
        c.outputBias = true
        c.embeddingLayout = .marian
        c.scaleEmbedding = scaled
        c.specialIDs = .init(pad: 10, bos: 10, eos: 0, unk: 1)
        return c
    }

    /// Marian ids: the decoder starts with <pad> (10); the second sentence is right-padded.
    static let batch = TokenBatch(batch: 2, sourceLength: 5, targetLength: 4,
                                  source: [5, 6, 7, 8, 0, 9, 4, 0, 10, 10],
                                  targetIn: [10, 5, 6, 7, 10, 8, 0, 10],
                                  targetOut: [5, 6, 7, 0, 8, 0, 10, 10])

    func loss(_ m: Seq2Seq, _ p: ParameterStore) -> Double {
        var rng = RNG(seed: 1)
        return m.forward(Self.batch, smoothing: 0.1, training: false, rng: &rng, params: p, arena: Arena(capacity: 1 << 16)).result.loss
    }

    /// Directional central differences per tensor (GradientCheck), the <pad> row masked.
    func checkGradients(_ c: ModelConfig, file: StaticString = #filePath, line: UInt = #line) throws {
        let m = try Seq2Seq(config: c)
        let p = ParameterStore(layout: m.layout, training: true)
        m.initialize(p, seed: 7)
        var rng = RNG(seed: 1)
        let arena = Arena(capacity: 1 << 16)
        p.zeroGrads()
        let cache = m.forward(Self.batch, smoothing: 0.1, training: false, rng: &rng, params: p, arena: arena)
        XCTAssertEqual(cache.result.tokens, 6, "4 + 2 targets (</s> included), pads not counted", file: file, line: line)
        m.backward(cache, scale: 1, smoothing: 0.1, params: p, arena: arena)
        GradientCheck.directional(m, p, steps: [3e-3, 1e-3], mask: { e, dir in
            if e.name.hasSuffix("embed_tokens.weight") {  // the <pad> row gets no gradient (PyTorch's padding_idx)
                for k in 0..<c.modelDim { dir[10 * c.modelDim + k] = 0 }
            }
        }, loss: { loss(m, p) }, file: file, line: line)
    }

    func testGradientsSoftmaxSwishSharedScaled() throws { try checkGradients(Self.config(.softmax, activation: .swish, tying: .all, scaled: true)) }
    func testGradientsSoftmaxGELUUntied() throws { try checkGradients(Self.config(.softmax, activation: .gelu, tying: .none, scaled: false)) }
    func testGradientsT2RSwish() throws { try checkGradients(Self.config(.t2r, activation: .swish, tying: .decoderInputOutput, scaled: true)) }

    /// Parallel (teacher-forced) logits ≡ step-by-step decoding from <pad> for both decoders.
    func testParallelEqualsRecurrent() throws {
        for attention in ModelConfig.DecoderAttention.allCases {
            let m = try Seq2Seq(config: Self.config(attention, activation: .swish, tying: .all, scaled: true))
            let p = ParameterStore(layout: m.layout, training: false)
            m.initialize(p, seed: 3)
            var rng = RNG(seed: 1)
            let b = TokenBatch(batch: 1, sourceLength: 4, targetLength: 4, source: [5, 6, 7, 0],
                               targetIn: [10, 4, 3, 2], targetOut: [4, 3, 2, 0])
            let arena = Arena(capacity: 0)
            let parallel = m.forward(b, smoothing: 0, training: false, rng: &rng, params: p, arena: arena).logits.copy()
            let enc = m.encodeForDecoding([[5, 6, 7]], params: p, arena: arena)
            let state = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: 1, maxPositions: 8, params: p, arena: arena)
            var worst: Float = 0
            for (t, tok) in [Int32(10), 4, 3, 2].enumerated() {
                let y = m.step(tokens: [tok], state: state, params: p, arena: arena)
                for v in 0..<11 { worst = max(worst, abs(y[v] - parallel[t * 11 + v])) }
            }
            XCTAssertLessThan(worst, 1e-4, "\(attention)")
        }
    }
}
