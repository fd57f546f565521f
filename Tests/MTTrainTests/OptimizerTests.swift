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

    func testInverseSqrtSchedule() {
        let s = LRSchedule(peak: 5e-4, warmupUpdates: 4000, warmupInitLR: 1e-7)
        XCTAssertEqual(s.rate(at: 4000), 5e-4, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 2000), 1e-7 + (5e-4 - 1e-7) / 2, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 16000), 2.5e-4, accuracy: 1e-9)
        XCTAssertLessThan(s.rate(at: 1), 1e-6)
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
}
