import MTOps

/// The decoder's recurrent state during search (T2R.md §4–§5), typed per layer.
///
/// Rows are grouped by sentence: N = B·K rows, row n belongs to active sentence n / K.
/// - Self state follows the beam (one per row): T2R's S [N, H, R, Dh] and z [N, H, R], or the
///   softmax decoder's key/value cache K, V [N, L, D] (L = capacity in positions, grown by
///   doubling up to the decoding limit, so its memory tracks the length actually decoded).
/// - Cross state follows the sentence (one per sentence, shared by its K beams): T2R's
///   S_x [B, H, R, Dh], z_x [B, H, R], or the softmax decoder's projected encoder memory
///   K_x, V_x [B, S, D] with its padding. It is built once after encoding and never indexed by row.
///
/// `reorder(parents:keepingSentences:)` gathers the self state by parent row and compacts both
/// states to the surviving sentences. It works inside the preallocated storage: rows whose
/// parent is themselves are not touched, and a row that is still needed by a later row of its
/// block after being overwritten is saved to a small per-block scratch first, so two children
/// of one parent and swapped parents are handled exactly as a gather into new storage would
/// (T2R.md §7.8). Nothing is allocated per step except when the softmax cache grows.
/// This file is not the step computation (see `Seq2SeqDecoding.swift` and the attentions' step
/// forms in MTOps).
public final class DecoderState: @unchecked Sendable {
    /// K: rows per sentence.
    public let beam: Int
    /// B: sentences still being decoded.
    public private(set) var sentences: Int
    /// Positions decoded so far (the next step's 0-based position t).
    public internal(set) var position: Int
    /// Most positions the state may hold (decoding stops before this).
    public let maxPositions: Int
    /// One entry per decoder layer.
    var layers: [Layer]
    /// Scratch for saving rows during an in-place gather: K rows of the largest row size.
    var scratch: TensorStorage

    /// N = B·K rows.
    public var rows: Int { sentences * beam }

    enum SelfState {
        case t2r(CausalLinearAttention.State)  // S [Ncap, H, R, Dh], z [Ncap, H, R]
        case softmax(SoftmaxAttention.KVCache)  // K, V [Ncap, capacity, D]
    }

    enum CrossState {
        case t2r(CrossLinearAttention.State)  // S_x [Bcap, H, R, Dh], z_x [Bcap, H, R]
        case softmax(SoftmaxAttention.CrossMemory)  // K_x, V_x [Bcap, S, D], padding [Bcap, S]
    }

    struct Layer {
        var selfState: SelfState
        var cross: CrossState
        /// T2R only: φ folded into the q/k projections (T2R.md §2 inference fusion), built once
        /// per decoding from the parameters; nil for softmax layers.
        var fused: FusedFeatures? = nil
    }

    /// φ(q/√Dh) and φ(k) of self-attention and φ(q/√Dh) of cross-attention as single affine maps
    /// of the layer input followed by ReLU: W_f [H·R, D], b_f [H·R] each.
    struct FusedFeatures {
        let selfAttention: CausalLinearAttention.Fused
        let crossQuery: FeatureMap.Fused
    }

    init(beam: Int, sentences: Int, maxPositions: Int, layers: [Layer], scratchFloats: Int) {
        self.beam = beam
        self.sentences = sentences
        self.position = 0
        self.maxPositions = maxPositions
        self.layers = layers
        self.scratch = TensorStorage(count: scratchFloats)
    }

    /// Floats held by the state (self and cross, all layers, allocated capacity).
    public var allocatedFloats: Int {
        var n = 0
        for l in layers {
            switch l.selfState {
            case .t2r(let st): n += st.s.count + st.z.count
            case .softmax(let c): n += c.k.count + c.v.count
            }
            switch l.cross {
            case .t2r(let st): n += st.s.count + st.z.count
            case .softmax(let m): n += m.k.count + m.v.count
            }
            if let f = l.fused {
                for m in [f.selfAttention.query, f.selfAttention.key, f.crossQuery] { n += m.weight.count + m.bias.count }
            }
        }
        return n + scratch.count
    }

    /// Gathers the self state by parent row: new row j holds old row parents[j]. Row count is
    /// unchanged (parents.count == rows); parents[j] must lie in row j's sentence.
    public func reorder(parents: [Int]) {
        precondition(parents.count == rows, "DecoderState.reorder: \(parents.count) parents for \(rows) rows")
        reorder(parents: parents, keepingSentences: Array(0..<sentences))
    }

    /// Keeps only sentences `keep` (increasing old sentence indices), compacting both the self
    /// state (their K rows each, in order) and the cross state.
    public func keepSentences(_ keep: [Int]) {
        var parents: [Int] = []
        parents.reserveCapacity(keep.count * beam)
        for s in keep { for k in 0..<beam { parents.append(s * beam + k) } }
        reorder(parents: parents, keepingSentences: keep)
    }

    /// Both at once: new sentence i is old sentence keep[i] (strictly increasing), and new row j
    /// (in sentence j / K) holds old row parents[j], which must be a row of old sentence keep[j / K].
    public func reorder(parents: [Int], keepingSentences keep: [Int]) {
        precondition(parents.count == keep.count * beam,
                     "DecoderState.reorder: \(parents.count) parents for \(keep.count) sentences × beam \(beam)")
        for (i, s) in keep.enumerated() {
            precondition(s >= i && s < sentences && (i == 0 || s > keep[i - 1]),
                         "DecoderState.reorder: kept sentences must be increasing indices below \(sentences): \(keep)")
            for j in (i * beam)..<((i + 1) * beam) {
                precondition(parents[j] / beam == s, "DecoderState.reorder: row \(j) of sentence \(s) has parent \(parents[j])")
            }
        }
        let identity = keep.count == sentences && parents.enumerated().allSatisfy { $0.offset == $0.element }
        if identity { return }
        parents.withUnsafeBufferPointer { p in
            for l in layers {
                switch l.selfState {
                case .t2r(let st):
                    let s = st.s, z = st.z
                    let rs = s.count / s.shape[0], rz = z.count / z.shape[0]
                    RowGather.inPlace(s.pointer, rowStride: rs, copy: rs, parents: p, block: beam, scratch: scratch)
                    RowGather.inPlace(z.pointer, rowStride: rz, copy: rz, parents: p, block: beam, scratch: scratch)
                case .softmax(let c):
                    let stride = c.capacity * c.k.shape[2], n = position * c.k.shape[2]
                    RowGather.inPlace(c.k.pointer, rowStride: stride, copy: n, parents: p, block: beam, scratch: scratch)
                    RowGather.inPlace(c.v.pointer, rowStride: stride, copy: n, parents: p, block: beam, scratch: scratch)
                }
            }
        }
        if keep.count != sentences { compactCross(keep) }
        sentences = keep.count
    }

    /// Cross state: sentence i ← sentence keep[i] (keep increasing, so a forward copy is safe).
    func compactCross(_ keep: [Int]) {
        for l in layers {
            switch l.cross {
            case .t2r(let st):
                RowGather.compact(st.s.pointer, rowSize: st.s.count / st.s.shape[0], keep: keep)
                RowGather.compact(st.z.pointer, rowSize: st.z.count / st.z.shape[0], keep: keep)
            case .softmax(let m):
                RowGather.compact(m.k.pointer, rowSize: m.k.count / m.k.shape[0], keep: keep)
                RowGather.compact(m.v.pointer, rowSize: m.v.count / m.v.shape[0], keep: keep)
                let sl = m.sourceLength
                for (i, s) in keep.enumerated() where i != s {
                    for t in 0..<sl { m.isPad[i * sl + t] = m.isPad[s * sl + t] }
                }
            }
        }
    }

    /// Makes room for one more position in every softmax cache (called before each step).
    func reserveNextPosition() {
        precondition(position < maxPositions, "DecoderState: position \(position) at the limit \(maxPositions)")
        for l in layers {
            if case .softmax(let c) = l.selfState, position + 1 > c.capacity {
                c.reserve(position + 1, valid: position, rows: rows, limit: maxPositions)
                let need = beam * c.capacity * c.k.shape[2]
                if scratch.count < need { scratch = TensorStorage(count: need) }
            }
        }
    }
}

/// Row moves inside one buffer of rows (`rowStride` floats apart, the first `copy` of each moved).
enum RowGather {
    /// New row j ← old row parents[j], processed in blocks of `block` rows. Block i's parents must
    /// lie at or after row i·block (true for beam search: sentences only move towards the front).
    /// Inside a block, an old row that is overwritten before a later row of the block reads it
    /// is saved to `scratch` first.
    static func inPlace(_ base: UnsafeMutablePointer<Float>, rowStride: Int, copy n: Int,
                        parents p: UnsafeBufferPointer<Int>, block: Int, scratch: TensorStorage) {
        precondition(scratch.count >= block * n, "RowGather: scratch \(scratch.count) < \(block) × \(n)")
        var start = 0
        while start < p.count {
            let end = Swift.min(start + block, p.count)
            // Save rows q of this block that move (p[q] != q) and are read by a later row j > q.
            var saved: UInt64 = 0  // bit q - start
            for q in start..<end where p[q] != q {
                for j in (q + 1)..<Swift.max(end, q + 1) where p[j] == q {
                    precondition(q - start < 64, "RowGather: block of \(block) rows > 64")
                    if saved & (1 << UInt64(q - start)) == 0 {
                        (scratch.base + (q - start) * n).update(from: base + q * rowStride, count: n)
                        saved |= 1 << UInt64(q - start)
                    }
                }
            }
            for j in start..<end where p[j] != j {
                let q = p[j]
                precondition(q >= start, "RowGather: row \(j) reads row \(q) of an earlier block")
                let inBlock = q < end && saved & (1 << UInt64(q - start)) != 0
                let src = inBlock ? UnsafePointer(scratch.base + (q - start) * n) : UnsafePointer(base + q * rowStride)
                (base + j * rowStride).update(from: src, count: n)
            }
            start = end
        }
    }

    /// Row i ← row keep[i] for increasing keep (keep[i] ≥ i), rows of `rowSize` floats.
    static func compact(_ base: UnsafeMutablePointer<Float>, rowSize: Int, keep: [Int]) {
        for (i, s) in keep.enumerated() where i != s {
            (base + i * rowSize).update(from: base + s * rowSize, count: rowSize)
        }
    }
}
