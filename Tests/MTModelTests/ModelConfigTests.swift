import Foundation
import XCTest
@testable import MTModel
import MTTensor

final class ModelConfigTests: XCTestCase {
    func testPresetsValidateAndRoundTripThroughJSON() throws {
        for p in ModelConfig.Preset.allCases {
            let c = ModelConfig.preset(p, sourceVocabSize: 8000, targetVocabSize: 8000, decoderAttention: .t2r)
            XCTAssertNoThrow(try c.validate(), "\(p)")
            let back = try JSONDecoder().decode(ModelConfig.self, from: try JSONEncoder().encode(c))
            XCTAssertEqual(back, c)
        }
        let small = ModelConfig.preset(.small, sourceVocabSize: 100, targetVocabSize: 100)
        XCTAssertEqual([small.modelDim, small.ffnDim, small.heads, small.encoderLayers, small.decoderLayers], [256, 1024, 4, 3, 3])
        let big = ModelConfig.preset(.big, sourceVocabSize: 100, targetVocabSize: 100)
        XCTAssertEqual([big.modelDim, big.ffnDim, big.heads, big.headDim], [1024, 4096, 16, 64])
    }

    /// A config stored before the typed variation fields existed loads with today's defaults,
    /// and the new fields round-trip.
    func testConfigsWithoutTheNewFieldsDecodeWithDefaults() throws {
        let old = #"{"activationDropout":0,"attentionDropout":0,"decoderAttention":"t2r","decoderLayers":1,"dropout":0.1,"encoderLayers":1,"featureSizeCross":4,"featureSizeSelf":4,"ffnDim":32,"heads":2,"maxPositions":1024,"modelDim":16,"preNorm":false,"sourceVocabSize":40,"targetVocabSize":40,"tying":"decoder-input-output"}"#
        let c = try JSONDecoder().decode(ModelConfig.self, from: Data(old.utf8))
        XCTAssertEqual(c, ModelConfig.preset(.tiny, sourceVocabSize: 40, targetVocabSize: 40, decoderAttention: .t2r))
        XCTAssertEqual([c.featureMap.rawValue, c.ffnActivation.rawValue, "\(c.outputBias)"], ["t2r", "relu", "false"])
        var biased = c
        biased.outputBias = true
        XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: try JSONEncoder().encode(biased)), biased)
        XCTAssertThrowsError(try JSONDecoder().decode(ModelConfig.self, from: Data(old.replacingOccurrences(of: #""heads":2,"#, with: "").utf8)))
    }

    func testValidateReportsEveryProblemWithNumbers() {
        var c = ModelConfig.preset(.small, sourceVocabSize: 100, targetVocabSize: 90)
        c.heads = 3
        c.tying = .all
        c.dropout = 1.5
        XCTAssertThrowsError(try c.validate()) { e in
            let problems = (e as! ModelError).problems
            XCTAssertEqual(problems.count, 3, "\(problems)")
            XCTAssert(problems.contains("modelDim 256 is not divisible by heads 3"))
            XCTAssert(problems.contains { $0.contains("source has 100 and target 90") })
            XCTAssert(problems.contains("dropout 1.5 not in [0, 1)"))
        }
    }
}

final class SwapTests: XCTestCase {
    func testSwapCopiesEveryTensorBitForBitAndInitialisesFeatureMaps() throws {
        var soft = ParameterLayout()
        soft.declare("decoder.layers.0.self_attn.q_proj.weight", [4, 4])
        soft.declare("decoder.layers.0.self_attn.q_proj.bias", [4])
        var t2r = soft
        t2r.declare("decoder.layers.0.self_attn.phi.weight", [2 * 3, 2])  // H 2, R 3, Dh 2
        t2r.declare("decoder.layers.0.self_attn.phi.bias", [2 * 3])
        let a = ParameterStore(layout: soft, training: false)
        var rng = RNG(seed: 4)
        rng.fillNormal(Tensor(storage: a.weights, offset: 0, shape: [a.totalCount]))
        let b = ParameterStore(layout: t2r, training: false)
        let report = try Swap.copy(from: a, into: b, featureMaps: [2, 3], headDim: 2, rng: &rng)
        XCTAssertEqual(report, Swap.Report(copiedTensors: 2, copiedParameters: 20, freshTensors: 2, freshParameters: 18))
        for (id, e) in soft.entries.enumerated() {
            XCTAssertEqual(b.weight(named: e.name)!.array.map(\.bitPattern), a.weight(id).array.map(\.bitPattern), e.name)
        }
        let phi = b.weight(named: "decoder.layers.0.self_attn.phi.weight")!.array
        let bound = 1 / Float(2).squareRoot()
        XCTAssert(phi.allSatisfy { abs($0) <= bound } && Set(phi).count == phi.count, "fresh U(−1/√Dh, 1/√Dh) values")

        XCTAssertThrowsError(try Swap.copy(from: a, into: ParameterStore(layout: t2r, training: false), featureMaps: [2],
                                           headDim: 2, rng: &rng)) {
            XCTAssert("\($0)".contains("T2R tensor decoder.layers.0.self_attn.phi.bias is neither in the softmax model nor a feature map"), "\($0)")
        }
        var wrong = ParameterLayout()
        wrong.declare("decoder.layers.0.self_attn.q_proj.weight", [4, 5])
        XCTAssertThrowsError(try Swap.copy(from: a, into: ParameterStore(layout: wrong, training: false), featureMaps: [], headDim: 2, rng: &rng)) {
            XCTAssert("\($0)".contains("shape [4, 4] in the softmax model, [4, 5] in the T2R model"), "\($0)")
        }
    }
}
