import XCTest
@testable import MTOps

final class SoftmaxAttentionTests: XCTestCase {
    func make(dim: Int = 8, heads: Int = 2, dropout: Float = 0, seed: UInt64 = 1) -> (SoftmaxAttention, ParameterStore) {
        var layout = ParameterLayout()
        let att = SoftmaxAttention.declare(&layout, prefix: "encoder.layers.0.self_attn", dim: dim, heads: heads,
                                           attentionDropout: dropout)
        return (att, OpTest.randomParams(layout, seed: seed))
    }

    func testParameterNames() {
        var layout = ParameterLayout()
        _ = SoftmaxAttention.declare(&layout, prefix: "a", dim: 8, heads: 2)
        XCTAssertEqual(layout.entries.map(\.name), ["a.q_proj.weight", "a.q_proj.bias", "a.k_proj.weight", "a.k_proj.bias",
                                                    "a.v_proj.weight", "a.v_proj.bias", "a.out_proj.weight", "a.out_proj.bias"])
    }

    func testSelfAttentionGradientsWithPadding() {
        let (att, p) = make()
        var rng = RNG(seed: 2)
        let x = OpTest.randomTensor([2, 4, 8], &rng)
        let mask = PaddingMask(batch: 2, length: 4, isPad: [0, 0, 0, 0, 1, 0, 0, 0])  // left-padded sentence
        OpTest.gradCheck(params: p, inputs: [x]) { arena in
            var r = RNG(seed: 3)
            let c = att.forward(x, keyPadding: mask, causal: false, training: true, rng: &r, params: p, arena: arena)
            return (c.y, { dy, dIn, a in att.backward(c, dy: dy, dx: dIn[0], dMemory: nil, params: p, arena: a) })
        }
    }

    func testCausalGradientsWithDropout() {
        let (att, p) = make(dropout: 0.3, seed: 4)
        var rng = RNG(seed: 5)
        let x = OpTest.randomTensor([2, 3, 8], &rng)
        let mask = PaddingMask(batch: 2, length: 3, isPad: [0, 0, 0, 0, 0, 1])  // right-padded target
        OpTest.gradCheck(params: p, inputs: [x]) { arena in
            var r = RNG(seed: 6)
            let c = att.forward(x, keyPadding: mask, causal: true, training: true, rng: &r, params: p, arena: arena)
            XCTAssertNotNil(c.dropMask)
            return (c.y, { dy, dIn, a in att.backward(c, dy: dy, dx: dIn[0], dMemory: nil, params: p, arena: a) })
        }
    }

    func testCrossAttentionGradients() {
        let (att, p) = make(seed: 7)
        var rng = RNG(seed: 8)
        let x = OpTest.randomTensor([2, 3, 8], &rng), mem = OpTest.randomTensor([2, 4, 8], &rng)
        let mask = PaddingMask(batch: 2, length: 4, isPad: [0, 0, 0, 0, 1, 1, 0, 0])
        OpTest.gradCheck(params: p, inputs: [x, mem]) { arena in
            var r = RNG(seed: 9)
            let c = att.forward(x, memory: mem, keyPadding: mask, causal: false, training: false, rng: &r, params: p, arena: arena)
            return (c.y, { dy, dIn, a in att.backward(c, dy: dy, dx: dIn[0], dMemory: dIn[1], params: p, arena: a) })
        }
    }

    func testCausalMaskAndPaddedKeysGetNoWeight() {
        let (att, p) = make()
        var rng = RNG(seed: 10)
        let x = OpTest.randomTensor([1, 4, 8], &rng)
        let mask = PaddingMask(batch: 1, length: 4, isPad: [0, 1, 0, 0])
        let c = att.forward(x, keyPadding: mask, causal: true, training: false, rng: &rng, params: p, arena: Arena(capacity: 1024))
        for h in 0..<2 {
            for t in 0..<4 {
                var sum: Float = 0
                for s in 0..<4 {
                    let w = c.probs[(h * 4 + t) * 4 + s]
                    if s > t || s == 1 { XCTAssertEqual(w, 0) }
                    sum += w
                }
                XCTAssertEqual(sum, t == 1 ? 1 : 1, accuracy: 1e-6)  // row 1 still sees key 0
            }
        }
    }

    func testIncrementalSelfAttentionMatchesParallel() {
        let (att, p) = make(seed: 11)
        var rng = RNG(seed: 12)
        let b = 2, t = 5, d = 8
        let x = OpTest.randomTensor([b, t, d], &rng)
        let par = att.forward(x, keyPadding: nil, causal: true, training: false, rng: &rng, params: p, arena: Arena(capacity: 4096)).y
        let cache = SoftmaxAttention.KVCache(rows: b, capacity: 2, dim: d)  // grows by doubling to 8
        let arena = Arena(capacity: 1024)
        var worst: Float = 0
        for s in 0..<t {
            arena.reset()
            let xs = Tensor(zeros: [b, d])
            for r in 0..<b { (xs.pointer + r * d).update(from: x.pointer + (r * t + s) * d, count: d) }
            cache.reserve(s + 1, valid: s, rows: b, limit: 8)
            let y = att.step(xs, cache: cache, position: s, params: p, arena: arena)
            for r in 0..<b {
                for i in 0..<d { worst = max(worst, abs(y[r * d + i] - par[(r * t + s) * d + i])) }
            }
        }
        XCTAssertEqual(cache.capacity, 8)
        XCTAssertLessThan(worst, 1e-5, "growing the cache kept every cached position")
    }

    func testIncrementalCrossAttentionMatchesParallelWithBeams() {
        let (att, p) = make(seed: 13)
        var rng = RNG(seed: 14)
        let b = 2, t = 3, s = 4, d = 8, beam = 2
        let x = OpTest.randomTensor([b, t, d], &rng), mem = OpTest.randomTensor([b, s, d], &rng)
        let mask = PaddingMask(batch: b, length: s, isPad: [0, 0, 0, 1, 1, 0, 0, 0])
        let par = att.forward(x, memory: mem, keyPadding: mask, causal: false, training: false, rng: &rng,
                              params: p, arena: Arena(capacity: 4096)).y
        let memory = att.crossMemory(mem, keyPadding: mask, params: p)
        var worst: Float = 0
        for pos in 0..<t {
            let xs = Tensor(zeros: [b * beam, d])
            for r in 0..<(b * beam) { (xs.pointer + r * d).update(from: x.pointer + ((r / beam) * t + pos) * d, count: d) }
            let y = att.crossStep(xs, memory: memory, beam: beam, params: p, arena: Arena(capacity: 1024))
            for r in 0..<(b * beam) {
                for i in 0..<d { worst = max(worst, abs(y[r * d + i] - par[((r / beam) * t + pos) * d + i])) }
            }
        }
        XCTAssertLessThan(worst, 1e-5)
        XCTAssertEqual(memory.isPad, mask.isPad)
        XCTAssertEqual(att.crossMemory(mem, keyPadding: nil, params: p).isPad, [UInt8](repeating: 0, count: b * s))
    }

    func testPaddingAndBatchInvariance() {
        let (att, p) = make(seed: 15)
        var rng = RNG(seed: 16)
        let d = 8
        let alone = OpTest.randomTensor([1, 3, d], &rng)
        let other = OpTest.randomTensor([1, 5, d], &rng)
        // batch: sentence 0 = `alone` left-padded to 5 (pads hold garbage), sentence 1 = `other`
        let batch = OpTest.randomTensor([2, 5, d], &rng, scale: 9)
        (batch.pointer + 2 * d).update(from: alone.pointer, count: 3 * d)
        (batch.pointer + 5 * d).update(from: other.pointer, count: 5 * d)
        let mask = PaddingMask(batch: 2, length: 5, isPad: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
        for causal in [false, true] {
            if causal {  // causal: right padding instead (pads after the sentence)
                let rb = OpTest.randomTensor([2, 5, d], &rng, scale: 9)
                rb.pointer.update(from: alone.pointer, count: 3 * d)
                (rb.pointer + 5 * d).update(from: other.pointer, count: 5 * d)
                let rm = PaddingMask(batch: 2, length: 5, isPad: [0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
                let yb = att.forward(rb, keyPadding: rm, causal: true, training: false, rng: &rng, params: p, arena: Arena(capacity: 4096)).y
                let ya = att.forward(alone, keyPadding: nil, causal: true, training: false, rng: &rng, params: p, arena: Arena(capacity: 4096)).y
                XCTAssertLessThan(OpTest.maxAbsDiff(Array(yb.array[0..<(3 * d)]), ya.array), 1e-5)
                let yo = att.forward(other, keyPadding: nil, causal: true, training: false, rng: &rng, params: p, arena: Arena(capacity: 4096)).y
                XCTAssertLessThan(OpTest.maxAbsDiff(Array(yb.array[(5 * d)...]), yo.array), 1e-5)
            } else {
                let yb = att.forward(batch, keyPadding: mask, causal: false, training: false, rng: &rng, params: p, arena: Arena(capacity: 4096)).y
                let ya = att.forward(alone, keyPadding: nil, causal: false, training: false, rng: &rng, params: p, arena: Arena(capacity: 4096)).y
                XCTAssertLessThan(OpTest.maxAbsDiff(Array(yb.array[(2 * d)..<(5 * d)]), ya.array), 1e-5)
            }
        }
    }
}
