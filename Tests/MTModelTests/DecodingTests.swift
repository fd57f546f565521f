import XCTest
@testable import MTModel
import MTOps
import MTTensor

/// The decoding side of Seq2Seq: recurrent (one step at a time) ≡ parallel (teacher-forced)
/// logits for both decoders and both norm placements; the state's reorder and compaction equal
/// a plain gather into new storage; T2R state memory does not grow with the decoded length.
final class DecodingTests: XCTestCase {
    static func model(_ attention: ModelConfig.DecoderAttention, preNorm: Bool, seed: UInt64 = 11) throws
        -> (Seq2Seq, ParameterStore) {
        var c = ModelConfig.preset(.tiny, sourceVocabSize: 19, targetVocabSize: 23, decoderAttention: attention)
        c.preNorm = preNorm
        c.decoderLayers = 2
        c.dropout = 0
        let m = try Seq2Seq(config: c)
        let p = ParameterStore(layout: m.layout, training: false)
        m.initialize(p, seed: seed)
        return (m, p)
    }

    static let sources: [[Int32]] = [[5, 6, 7, 8, 9, 10], [11, 4, 12]]
    static let targets: [[Int32]] = [[7, 8, 9, 10, 11, 12, 13, 14], [15, 16, 4, 17, 18, 19, 20, 21]]

    /// Teacher-forced logits of the parallel form: [B, T+1, V].
    func parallelLogits(_ m: Seq2Seq, _ p: ParameterStore) -> Tensor {
        let b = Self.sources.count, s = Self.sources.map(\.count).max()! + 1, t = Self.targets[0].count + 1
        var src = [Int32](repeating: Vocab.pad, count: b * s)
        var tin: [Int32] = [], tout: [Int32] = []
        for i in 0..<b {
            for (j, id) in Self.sources[i].enumerated() { src[i * s + j] = id }
            src[i * s + Self.sources[i].count] = Vocab.eos
            tin += [Vocab.bos] + Self.targets[i]
            tout += Self.targets[i] + [Vocab.eos]
        }
        let batch = TokenBatch(batch: b, sourceLength: s, targetLength: t, source: src, targetIn: tin, targetOut: tout)
        var rng = RNG(seed: 1)
        return m.forward(batch, smoothing: 0, training: false, rng: &rng, params: p, arena: Arena(capacity: 0)).logits.copy()
    }

    /// Steps every row of a `beam`-row decoding through the targets; row n follows sentence n / beam.
    func checkRecurrentEqualsParallel(_ attention: ModelConfig.DecoderAttention, preNorm: Bool, beam: Int,
                                      unfused: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let (m, p) = try Self.model(attention, preNorm: preNorm)
        let par = parallelLogits(m, p)
        let v = m.config.targetVocabSize, t = Self.targets[0].count + 1
        let arena = Arena(capacity: 0)
        let enc = m.encodeForDecoding(Self.sources, params: p, arena: arena)
        let state = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: beam, maxPositions: t,
                                    params: p, arena: arena)
        if attention == .t2r { XCTAssertNotNil(state.layers[0].fused, file: file, line: line) }
        if unfused { for i in state.layers.indices { state.layers[i].fused = nil } }
        var maxAbs: Float = 0, maxRef: Float = 0
        for pos in 0..<t {
            arena.reset()
            let tokens = (0..<(Self.sources.count * beam)).map { n in
                pos == 0 ? Vocab.bos : Self.targets[n / beam][pos - 1]
            }
            let logits = m.step(tokens: tokens, state: state, params: p, arena: arena)  // [N, V]
            for n in 0..<tokens.count {
                for i in 0..<v {
                    let ref = par.pointer[((n / beam) * t + pos) * v + i]
                    maxAbs = max(maxAbs, abs(ref - logits.pointer[n * v + i]))
                    maxRef = max(maxRef, abs(ref))
                }
            }
        }
        XCTAssertGreaterThan(maxRef, 0.1, file: file, line: line)
        XCTAssertLessThanOrEqual(maxAbs, 1e-5 * max(1, maxRef), "max |Δ| \(maxAbs), max |logit| \(maxRef)",
                                 file: file, line: line)
    }

    func testRecurrentEqualsParallelT2RPostNorm() throws { try checkRecurrentEqualsParallel(.t2r, preNorm: false, beam: 1) }
    /// The T2R step without the φ/projection fusion (q and k built, then φ) agrees too.
    func testRecurrentEqualsParallelT2RUnfused() throws {
        try checkRecurrentEqualsParallel(.t2r, preNorm: false, beam: 2, unfused: true)
    }
    func testRecurrentEqualsParallelT2RPreNorm() throws { try checkRecurrentEqualsParallel(.t2r, preNorm: true, beam: 3) }
    func testRecurrentEqualsParallelSoftmaxPostNorm() throws {
        try checkRecurrentEqualsParallel(.softmax, preNorm: false, beam: 3)
    }
    func testRecurrentEqualsParallelSoftmaxPreNorm() throws { try checkRecurrentEqualsParallel(.softmax, preNorm: true, beam: 1) }

    /// log-probabilities sum to one per row.
    /// `--compute-type int8`: every linear weight gets an int8 copy (not the embeddings' look-up
    /// or φ), and recurrent int8 decoding stays within a few percent of the float32 logits.
    func testInt8DecodingIsCloseToFloat32() throws {
        for attention in [ModelConfig.DecoderAttention.t2r, .softmax] {
            let (m, p) = try Self.model(attention, preNorm: false)
            let reference = parallelLogits(m, p)  // float32
            m.prepare(p, for: .int8)
            let ids = m.linearWeightIDs
            XCTAssertTrue(ids.contains(m.outputProjection.weightID))
            XCTAssertFalse(ids.contains { m.layout.entries[$0].name.contains(".phi.") })
            XCTAssertTrue(ids.allSatisfy { p.int8Weight($0) != nil })
            // 2 encoder/decoder self-attention q,k,v,o + cross q,k,v,o + fc1, fc2 per layer, + output
            let expected = m.config.encoderLayers * 6 + m.config.decoderLayers * 10 + 1
            XCTAssertEqual(ids.count, expected, "\(attention): \(ids.map { m.layout.entries[$0].name })")
            let v = m.config.targetVocabSize, t = Self.targets[0].count + 1
            let arena = Arena(capacity: 0)
            let enc = m.encodeForDecoding(Self.sources, params: p, arena: arena)
            let state = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: 1, maxPositions: t,
                                        params: p, arena: arena)
            var maxAbs: Float = 0, maxRef: Float = 0
            for pos in 0..<t {
                arena.reset()
                let tokens = (0..<Self.sources.count).map { n in pos == 0 ? Vocab.bos : Self.targets[n][pos - 1] }
                let logits = m.step(tokens: tokens, state: state, params: p, arena: arena)  // [N, V], int8
                for n in 0..<tokens.count {
                    for i in 0..<v {
                        let ref = reference.pointer[(n * t + pos) * v + i]
                        maxAbs = max(maxAbs, abs(ref - logits.pointer[n * v + i]))
                        maxRef = max(maxRef, abs(ref))
                    }
                }
            }
            XCTAssertGreaterThan(maxAbs, 0, "\(attention): int8 should not be float32 exactly")
            XCTAssertLessThan(maxAbs, 0.05 * maxRef, "\(attention): int8 max |Δ| \(maxAbs), max |logit| \(maxRef)")
        }
    }

    func testLogProbsOutput() throws {
        let (m, p) = try Self.model(.t2r, preNorm: false)
        let arena = Arena(capacity: 0)
        let enc = m.encodeForDecoding(Self.sources, params: p, arena: arena)
        let state = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: 2, maxPositions: 4, params: p, arena: arena)
        let lp = m.step(tokens: [1, 1, 1, 1], state: state, output: .logProbs, params: p, arena: arena)
        let v = lp.shape[1]
        for r in 0..<4 {
            var s = 0.0
            for i in 0..<v { s += exp(Double(lp.pointer[r * v + i])) }
            XCTAssertEqual(s, 1, accuracy: 1e-5)
        }
    }

    // MARK: reorder and compaction

    /// Every buffer of the state as arrays, per layer: (self rows, cross sentences).
    func snapshot(_ st: DecoderState) -> [([[Float]], [[Float]])] {
        st.layers.map { l in
            var selfRows: [[Float]] = [], crossRows: [[Float]] = []
            switch l.selfState {
            case .t2r(let t):
                for r in 0..<st.rows { selfRows.append(t.s.row(r).array + t.z.row(r).array) }
            case .softmax(let c):
                let d = c.k.shape[2], n = st.position * d
                for r in 0..<st.rows {
                    selfRows.append(Array(UnsafeBufferPointer(start: c.k.row(r).pointer, count: n))
                                    + Array(UnsafeBufferPointer(start: c.v.row(r).pointer, count: n)))
                }
            }
            switch l.cross {
            case .t2r(let t):
                for i in 0..<st.sentences { crossRows.append(t.s.row(i).array + t.z.row(i).array) }
            case .softmax(let mem):
                for i in 0..<st.sentences {
                    let sl = mem.sourceLength
                    crossRows.append(mem.k.row(i).array + mem.v.row(i).array + mem.isPad[(i * sl)..<((i + 1) * sl)].map(Float.init))
                }
            }
            return (selfRows, crossRows)
        }
    }

    func checkReorder(_ attention: ModelConfig.DecoderAttention) throws {
        let (m, p) = try Self.model(attention, preNorm: false)
        let sources: [[Int32]] = [[5, 6], [7, 8, 9], [10], [11, 12, 13, 14]]
        let beam = 3, arena = Arena(capacity: 0)
        let enc = m.encodeForDecoding(sources, params: p, arena: arena)
        let st = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: beam, maxPositions: 70,
                                 params: p, arena: arena)
        var rng = RNG(seed: 3)
        // Steps with different tokens per row, so rows differ, beyond the cache's first growth.
        for _ in 0..<40 {
            arena.reset()
            _ = m.step(tokens: (0..<st.rows).map { _ in Int32(4 + rng.below(19)) }, state: st, params: p, arena: arena)
            // A gather with shared parents and swaps inside each sentence.
            let before = snapshot(st)
            let parents = (0..<st.rows).map { j in (j / beam) * beam + rng.below(beam) }
            st.reorder(parents: parents)
            let after = snapshot(st)
            for (l, (selfRows, cross)) in after.enumerated() {
                for j in 0..<parents.count { XCTAssertEqual(selfRows[j], before[l].0[parents[j]], "layer \(l) row \(j)") }
                XCTAssertEqual(cross, before[l].1)
            }
        }
        // Drop sentences 0 and 2 and reorder in the same pass.
        let before = snapshot(st)
        let keep = [1, 3], parents = [5, 3, 3, 9, 11, 10]
        st.reorder(parents: parents, keepingSentences: keep)
        XCTAssertEqual(st.sentences, 2)
        let after = snapshot(st)
        for (l, (selfRows, cross)) in after.enumerated() {
            for j in 0..<parents.count { XCTAssertEqual(selfRows[j], before[l].0[parents[j]]) }
            XCTAssertEqual(cross, keep.map { before[l].1[$0] })
        }
        // keepSentences alone.
        let b2 = snapshot(st)
        st.keepSentences([1])
        let a2 = snapshot(st)
        for (l, (selfRows, cross)) in a2.enumerated() {
            XCTAssertEqual(selfRows, Array(b2[l].0[3..<6]))
            XCTAssertEqual(cross, [b2[l].1[1]])
        }
        arena.reset()
        _ = m.step(tokens: [4, 5, 6], state: st, params: p, arena: arena)  // still steps after compaction
    }

    func testReorderAndCompactionT2R() throws { try checkReorder(.t2r) }
    func testReorderAndCompactionSoftmax() throws { try checkReorder(.softmax) }

    /// The in-place gather equals a gather into new storage for random parents (blocks of 4).
    func testRowGatherMatchesCopy() {
        var rng = RNG(seed: 5)
        for _ in 0..<200 {
            let block = 4, blocks = 1 + rng.below(4), rowSize = 3
            let oldRows = blocks * block
            let data = (0..<(oldRows * rowSize)).map { _ in rng.uniform() }
            // keep an increasing subset of blocks; parents inside the kept old block
            var keep = (0..<blocks).filter { _ in rng.below(3) != 0 }
            if keep.isEmpty { keep = [blocks - 1] }
            var parents: [Int] = []
            for s in keep { for _ in 0..<block { parents.append(s * block + rng.below(block)) } }
            let buf = Tensor(data, shape: [oldRows, rowSize])
            let scratch = TensorStorage(count: block * rowSize)
            parents.withUnsafeBufferPointer {
                RowGather.inPlace(buf.pointer, rowStride: rowSize, copy: rowSize, parents: $0, block: block, scratch: scratch)
            }
            for (j, q) in parents.enumerated() {
                XCTAssertEqual(Array(buf.array[(j * rowSize)..<((j + 1) * rowSize)]),
                               Array(data[(q * rowSize)..<((q + 1) * rowSize)]), "parents \(parents)")
            }
        }
    }

    /// T2R state memory is fixed at start; the softmax cache grows with the decoded length.
    func testStateMemoryConstantForT2R() throws {
        for attention in [ModelConfig.DecoderAttention.t2r, .softmax] {
            let (m, p) = try Self.model(attention, preNorm: false)
            let arena = Arena(capacity: 0)
            let enc = m.encodeForDecoding(Self.sources, params: p, arena: arena)
            let st = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: 2, maxPositions: 300,
                                     params: p, arena: arena)
            arena.reset()
            _ = m.step(tokens: [1, 1, 1, 1], state: st, params: p, arena: arena)
            let early = st.allocatedFloats
            for _ in 1..<300 {
                arena.reset()
                _ = m.step(tokens: [5, 6, 7, 8], state: st, params: p, arena: arena)
            }
            if attention == .t2r {
                XCTAssertEqual(st.allocatedFloats, early, "T2R state grew")
            } else {
                XCTAssertGreaterThan(st.allocatedFloats, 4 * early, "softmax cache should grow with length")
            }
        }
    }

    func testWithPositionsKeepsLayout() throws {
        let (m, _) = try Self.model(.t2r, preNorm: false)
        let big = m.withPositions(atLeast: 3000)
        XCTAssertEqual(big.layout, m.layout)
        XCTAssertGreaterThanOrEqual(big.config.maxPositions, 3000)
        XCTAssertEqual(m.withPositions(atLeast: 10).config, m.config)
    }
}
