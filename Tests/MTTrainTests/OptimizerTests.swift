import XCTest
@testable import MTTrain
import MTTensor

final class OptimizerTests: XCTestCase {
    /// Adam against a direct Double transcription of fairseq's update, over several steps.
    func testAdamMatchesFairseqFormula() {
        var layout = ParameterLayout()
        layout.declare("a", [5])
        layout.declare("b", [3, 2])
        let store = ParameterStore(layout: layout, training: true)
        var rng = RNG(seed: 2)
        let n = store.totalCount
        rng.fillNormal(Tensor(storage: store.weights, offset: 0, shape: [n]))
        var w = (0..<n).map { Double(store.weights.base[$0]) }
        var m = [Double](repeating: 0, count: n), v = m
        var adam = Adam(weightDecay: 0.01)
        let (b1, b2, eps, wd, lr) = (0.9, 0.98, 1e-8, 0.01, 1e-3)
        for t in 1...5 {
            rng.fillNormal(Tensor(storage: store.grads!, offset: 0, shape: [n]))
            let g = (0..<n).map { Double(store.grads!.base[$0]) * 0.5 }
            adam.update(store, learningRate: Float(lr), gradScale: 0.5)
            let stepSize = lr * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
            for i in 0..<n {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                w[i] -= lr * wd * w[i] + stepSize * m[i] / (v[i].squareRoot() + eps)
            }
        }
        XCTAssertEqual(adam.step, 5)
        for i in 0..<n { XCTAssertEqual(Double(store.weights.base[i]), w[i], accuracy: 1e-5 * max(1, abs(w[i]))) }
    }

    /// The eight-lane update and its scalar tail give the Float formula's results bit for bit
    /// (1,003 parameters: both paths, and a split over threads).
    func testAdamVectorLoopEqualsScalarFloatFormula() {
        var layout = ParameterLayout()
        layout.declare("a", [1003])
        let store = ParameterStore(layout: layout, training: true)
        var rng = RNG(seed: 4)
        let n = store.totalCount
        rng.fillNormal(Tensor(storage: store.weights, offset: 0, shape: [n]))
        var w = (0..<n).map { store.weights.base[$0] }
        var m = [Float](repeating: 0, count: n), v = m
        var adam = Adam(weightDecay: 0.01)
        let (b1, b2, eps, wd, lr, scale): (Float, Float, Float, Float, Float, Float) = (0.9, 0.98, 1e-8, 0.01, 1e-3, 0.5)
        XCTAssertEqual(adam.beta1, b1); XCTAssertEqual(adam.beta2, b2); XCTAssertEqual(adam.epsilon, eps)
        for t in 1...3 {
            rng.fillNormal(Tensor(storage: store.grads!, offset: 0, shape: [n]))
            let g = (0..<n).map { store.grads!.base[$0] }
            adam.update(store, learningRate: lr, gradScale: scale)
            let c1 = 1 - Float(pow1(Double(b1), t)), c2 = 1 - Float(pow1(Double(b2), t))
            let stepSize = lr * c2.squareRoot() / c1
            for i in 0..<n {
                let gi = g[i] * scale
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                w[i] -= stepSize * m[i] / (v[i].squareRoot() + eps) + lr * wd * w[i]
            }
        }
        XCTAssertEqual((0..<n).map { store.weights.base[$0] }, w)
    }

    func testInverseSqrtSchedule() {
        let s = LRSchedule(peak: 5e-4, warmupUpdates: 4000, warmupInitLR: 1e-7)
        XCTAssertEqual(s.rate(at: 4000), 5e-4, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 2000), 1e-7 + (5e-4 - 1e-7) / 2, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 16000), 2.5e-4, accuracy: 1e-9)
        XCTAssertLessThan(s.rate(at: 1), 1e-6)
    }

    func testPolynomialDecaySchedule() {
        // fairseq polynomial_decay, power 1: linear from the peak after warmup to end_lr at total.
        let s = LRSchedule(peak: 1e-3, warmupUpdates: 100, warmupInitLR: 0, kind: .polynomialDecay,
                           totalUpdates: 1100, end: 1e-5, power: 1)
        XCTAssertEqual(s.rate(at: 50), 5e-4, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 100), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 600), 1e-5 + (1e-3 - 1e-5) / 2, accuracy: 1e-8)
        XCTAssertEqual(s.rate(at: 1100), 1e-5, accuracy: 1e-12)
        XCTAssertEqual(s.rate(at: 5000), 1e-5, accuracy: 1e-12, "after total: end_lr")
        let sq = LRSchedule(peak: 1e-3, warmupUpdates: 0, kind: .polynomialDecay, totalUpdates: 1000, power: 2)
        XCTAssertEqual(sq.rate(at: 500), 1e-3 * 0.25, accuracy: 1e-9)
    }

    func testScheduleFromConfig() throws {
        var c = TrainConfig()
        c.trainSource = "a"; c.trainTarget = "b"; c.sourceVocab = "v"; c.targetVocab = "v"
        c.maxUpdates = 900; c.warmupUpdates = 200; c.lr = 7e-4
        c = try c.merging(yaml: "lr_scheduler: polynomial_decay\n", source: "test.yaml")
        try c.validate()
        XCTAssertEqual(c.schedule.kind, .polynomialDecay)
        XCTAssertEqual(c.schedule.totalUpdates, 900, "total_num_update 0 falls back to max_updates")
        XCTAssertEqual(c.schedule.rate(at: 900), 0, accuracy: 1e-12)
        c.totalNumUpdate = 150
        XCTAssertThrowsError(try c.validate()) { e in
            XCTAssert("\(e)".contains("total_num_update"), "\(e)")
        }
        c.totalNumUpdate = 0; c.lrScheduler = "cosine"
        XCTAssertThrowsError(try c.validate()) { e in XCTAssert("\(e)".contains("'cosine'"), "\(e)") }
    }

    func testGradClipScalesToMaxNorm() {
        var layout = ParameterLayout()
        layout.declare("a", [4])
        let store = ParameterStore(layout: layout, training: true)
        store.grad(0).assign(Tensor([3, 4, 0, 0], shape: [4]))
        XCTAssertEqual(GradClip.clip(store, maxNorm: 1), 5, accuracy: 1e-9)
        XCTAssertEqual(store.gradNorm(), 1, accuracy: 1e-5)
        XCTAssertEqual(GradClip.clip(store, maxNorm: 10), 1, accuracy: 1e-5, "below the limit: unchanged")
        XCTAssertEqual(store.grad(0).array[1], 0.8, accuracy: 1e-5)
    }

    /// Clipping folded into Adam (`GradClip.factor`, then `update(gradScale:)`) moves the weights
    /// exactly as `clip` then `update` do, over a slab long enough for the SIMD body, the tail and
    /// the parallel norm; within the limit the factor is 1.
    func testClipFactorInAdamEqualsClippingTheSlab() {
        var layout = ParameterLayout()
        layout.declare("w", [300_007])
        func store() -> ParameterStore {
            let s = ParameterStore(layout: layout, training: true)
            var rng = RNG(seed: 31)
            rng.fillUniform(s.weight(0), -1, 1)
            rng.fillUniform(s.grad(0), -0.5, 0.5)
            return s
        }
        let a = store(), b = store()
        var adamA = Adam(), adamB = Adam()
        let norm = GradClip.clip(a, maxNorm: 2)
        adamA.update(a, learningRate: 1e-3)
        let (normB, scale) = GradClip.factor(b, maxNorm: 2)
        XCTAssertEqual(norm, normB)
        XCTAssertLessThan(scale, 1)
        adamB.update(b, learningRate: 1e-3, gradScale: scale)
        XCTAssertEqual(a.weight(0).array, b.weight(0).array)
        XCTAssertEqual(GradClip.factor(b, maxNorm: Float(normB) * 2).scale, 1, "within the limit")
        XCTAssertEqual(GradClip.factor(b, maxNorm: 0).scale, 1, "0 disables")
    }
}
