import XCTest
@testable import MTOps

/// The per-(sentence, head) loops give bit-identical results on one thread and on several.
final class ParallelItemsTests: XCTestCase {
    func runBoth<R: Equatable>(_ body: () -> R) -> (R, R) {
        let saved = (OpConfig.parallelItems, GEMM.maxThreads)
        defer { OpConfig.parallelItems = saved.0; GEMM.setThreads(saved.1) }
        GEMM.setThreads(2)
        OpConfig.parallelItems = false
        let a = body()
        OpConfig.parallelItems = true
        let b = body()
        return (a, b)
    }

    func testAttentionOpsAreThreadCountIndependent() {
        let b = 8, t = 16, d = 16, h = 2
        var layout = ParameterLayout()
        let sa = SoftmaxAttention.declare(&layout, prefix: "s", dim: d, heads: h, attentionDropout: 0.2)
        let ca = CausalLinearAttention.declare(&layout, prefix: "c", dim: d, heads: h, features: 8, attentionDropout: 0.2)
        let xa = CrossLinearAttention.declare(&layout, prefix: "x", dim: d, heads: h, features: 8)
        let p = OpTest.randomParams(layout, seed: 1)
        var rng = RNG(seed: 2)
        let x = OpTest.randomTensor([b, t, d], &rng), mem = OpTest.randomTensor([b, t + 3, d], &rng)
        let dy = OpTest.randomTensor([b, t, d], &rng)
        let pads = PaddingMask(batch: b, length: t, isPad: (0..<(b * t)).map { UInt8(($0 % t) >= t - ($0 / t) % 3 ? 1 : 0) })
        let (serial, parallel) = runBoth { () -> [Float] in
            p.zeroGrads()
            let arena = Arena(capacity: 1 << 20)
            var r = RNG(seed: 3)
            let dx = Tensor(zeros: x.shape), dm = Tensor(zeros: mem.shape)
            let c1 = sa.forward(x, keyPadding: pads, causal: true, training: true, rng: &r, params: p, arena: arena)
            sa.backward(c1, dy: dy, dx: dx, dMemory: nil, params: p, arena: arena)
            let c2 = ca.forward(x, keyPadding: pads, training: true, rng: &r, params: p, arena: arena)
            ca.backward(c2, dy: dy, dx: dx, params: p, arena: arena)
            let c3 = xa.forward(x, memory: mem, padding: nil, params: p, arena: arena)
            xa.backward(c3, dy: dy, dx: dx, dMemory: dm, params: p, arena: arena)
            return c1.y.array + c2.y.array + c3.y.array + dx.array + dm.array
                + Array(UnsafeBufferPointer(start: p.grads!.base, count: p.totalCount))
        }
        XCTAssertEqual(serial, parallel)
        XCTAssertTrue(serial.contains { $0 != 0 })
    }
}
