import Foundation

/// Token embedding scaled by √D plus fairseq's sinusoidal positions.
///
/// Parameter: `<prefix>.weight` [V, D] (e.g. `encoder.embed_tokens.weight`; tied embeddings
/// reuse one id through `init(vocab:dim:weightID:…)`).
///
/// forward: y[b, t] = √D · E[tok[b, t]] + P[pos[b, t]]                   tok [B, T] → y [B, T, D]
///
/// Positions follow fairseq's `make_positions`: pos = paddingIdx + (number of non-pad tokens in
/// the row up to and including t) for a real token, and pos = paddingIdx for a pad token. The
/// table row `paddingIdx` is all zeros, so pads get no position signal and a sentence gets the
/// same positions whether it is left- or right-padded. P follows fairseq's
/// `SinusoidalPositionalEmbedding.get_embedding`: with h = D/2 and f_i = exp(−i·ln(10000)/(h−1)),
/// P[pos, i] = sin(pos·f_i) and P[pos, h + i] = cos(pos·f_i) (half sin, then half cos; a zero
/// column last when D is odd).
///
/// Our vocabulary has `<pad>` = 0, so the default `paddingIdx` is 0 and the first real token
/// gets position 1. fairseq dictionaries have pad = 1 (first position 2); pass
/// `positionPaddingIdx: 1` to reproduce a fairseq model's positions exactly.
///
/// Pad tokens produce an all-zero row (fairseq's pad row of E is zero and never trained, and its
/// position row is zero, so this is the same output; it also makes the gradient exact).
/// backward: dE[tok] += √D · dy for every non-pad token (PyTorch's padding_idx: the pad row
/// gets no gradient). Positions have no parameters.
///
/// Marian layout (`marian: true`, Hugging Face's MarianSinusoidalPositionalEmbedding): position
/// = index t in the row (from 0, pads included), P[pos, i] = sin(pos / 10000^(2i/D)) and
/// P[pos, h + i] = cos(pos / 10000^(2i/D)) (computed in Float64 as numpy does), and every token —
/// pads too, since Marian's decoder starts with `<pad>` — is scale · E[tok] + P[pos]. The scale
/// is √D or 1 (`scale_embedding`). Backward still skips pad tokens (PyTorch's padding_idx).
public struct Embedding: Sendable {
    public let vocab: Int
    public let dim: Int
    public let weightID: Int
    public let padID: Int32
    public let positionPaddingIdx: Int
    public let maxPositions: Int
    public let scale: Float
    /// [paddingIdx + maxPositions + 1, D] (fairseq), [maxPositions + 1, D] (Marian)
    public let positions: Tensor
    /// Marian's positions (from 0, pads embedded too); see above.
    public let marian: Bool

    public init(vocab: Int, dim: Int, weightID: Int, padID: Int32 = 0, positionPaddingIdx: Int = 0,
                maxPositions: Int = 1024, marian: Bool = false, scaled: Bool = true) {
        self.vocab = vocab
        self.dim = dim
        self.weightID = weightID
        self.padID = padID
        self.positionPaddingIdx = marian ? 0 : positionPaddingIdx
        self.maxPositions = maxPositions
        self.scale = scaled ? Float(dim).squareRoot() : 1
        self.marian = marian
        self.positions = marian ? Embedding.marianSinusoids(count: maxPositions + 1, dim: dim)
            : Embedding.sinusoids(count: positionPaddingIdx + maxPositions + 1, dim: dim, paddingIdx: positionPaddingIdx)
    }

    public static func declare(_ layout: inout ParameterLayout, prefix: String, vocab: Int, dim: Int,
                               padID: Int32 = 0, positionPaddingIdx: Int = 0, maxPositions: Int = 1024,
                               marian: Bool = false, scaled: Bool = true) -> Embedding {
        let w = layout.declare("\(prefix).weight", [vocab, dim])
        return Embedding(vocab: vocab, dim: dim, weightID: w, padID: padID,
                         positionPaddingIdx: positionPaddingIdx, maxPositions: maxPositions, marian: marian, scaled: scaled)
    }

    /// Hugging Face's MarianSinusoidalPositionalEmbedding table [count, D]: row p, column j has
    /// angle p / 10000^(2⌊j/2⌋/D) (Float64); the sines of the even j fill the first ⌈D/2⌉
    /// columns, the cosines of the odd j the rest.
    public static func marianSinusoids(count: Int, dim: Int) -> Tensor {
        let t = Tensor(zeros: [count, dim])
        let sentinel = (dim + 1) / 2
        for p in 0..<count {
            let row = t.pointer + p * dim
            for j in 0..<dim {
                let angle = Double(p) / Foundation.pow(10000.0, Double(2 * (j / 2)) / Double(dim))
                if j % 2 == 0 { row[j / 2] = Float(Foundation.sin(angle)) } else { row[sentinel + j / 2] = Float(Foundation.cos(angle)) }
            }
        }
        return t
    }

    /// fairseq: E ~ N(0, D^-1/2), pad row zero.
    public func initialize(_ params: ParameterStore, rng: inout RNG) {
        let w = params.weight(weightID)
        rng.fillNormal(w, mean: 0, std: 1 / Float(dim).squareRoot())
        if padID >= 0 && Int(padID) < vocab { (w.pointer + Int(padID) * dim).update(repeating: 0, count: dim) }
    }

    /// fairseq's sinusoid table [count, D] with row `paddingIdx` zeroed.
    public static func sinusoids(count: Int, dim: Int, paddingIdx: Int) -> Tensor {
        let t = Tensor(zeros: [count, dim])
        let half = dim / 2
        let step = half > 1 ? Foundation.log(10000.0) / Double(half - 1) : 0
        for p in 0..<count where p != paddingIdx {
            let row = t.pointer + p * dim
            for i in 0..<half {
                // fairseq builds exp(i · −step) in fp32, then pos · freq in fp32, then sin/cos
                let freq = Float(Foundation.exp(Double(i) * -step))
                let a = Double(Float(p) * freq)
                row[i] = Float(Foundation.sin(a))
                row[half + i] = Float(Foundation.cos(a))
            }
        }
        return t
    }

    public struct Cache: Sendable {
        public let tokens: [Int32]  // [B, T]
        public let y: Tensor        // [B, T, D]
    }

    /// tokens [B, T] (row-major) → y [B, T, D].
    public func forward(tokens: [Int32], batch: Int, length: Int, params: ParameterStore, arena: Arena) -> Cache {
        let profiled = OpProfile.begin(.embeddingForward); defer { OpProfile.end(profiled) }
        precondition(tokens.count == batch * length, "Embedding: \(tokens.count) tokens for [\(batch), \(length)]")
        let y = arena.tensor([batch, length, dim])
        let e = params.weight(weightID).pointer, pt = positions.pointer, yp = y.pointer
        let d = dim, s = scale
        tokens.withUnsafeBufferPointer { tok in
            for b in 0..<batch {
                var count = 0
                for t in 0..<length {
                    let id = tok[b * length + t]
                    precondition(id >= 0 && Int(id) < vocab, "Embedding: token \(id) outside vocabulary \(vocab)")
                    var pos = positionPaddingIdx
                    if marian {
                        let er = e + Int(id) * d, pr = pt + t * d, yr = yp + (b * length + t) * d
                        precondition(t < positions.shape[0], "Embedding: position \(t) beyond table (maxPositions \(maxPositions))")
                        for c in 0..<d { yr[c] = s * er[c] + pr[c] }
                        continue
                    }
                    if id != padID {
                        count += 1
                        pos += count
                    }
                    precondition(pos < positions.shape[0], "Embedding: position \(pos) beyond table (maxPositions \(maxPositions))")
                    let er = e + Int(id) * d, pr = pt + pos * d, yr = yp + (b * length + t) * d
                    if id == padID { yr.update(repeating: 0, count: d); continue }
                    for c in 0..<d { yr[c] = s * er[c] + pr[c] }
                }
            }
        }
        return Cache(tokens: tokens, y: y)
    }

    /// One decoding step: tokens [N], all at 0-based non-pad index `step` (position
    /// paddingIdx + 1 + step; Marian: position `step`) → y [N, D]. Pad tokens get position paddingIdx.
    public func forwardStep(tokens: [Int32], step: Int, params: ParameterStore, arena: Arena) -> Tensor {
        let n = tokens.count
        let y = arena.tensor([n, dim])
        let e = params.weight(weightID).pointer, d = dim
        for r in 0..<n {
            let id = tokens[r]
            precondition(id >= 0 && Int(id) < vocab, "Embedding: token \(id) outside vocabulary \(vocab)")
            let pos = marian ? step : id == padID ? positionPaddingIdx : positionPaddingIdx + 1 + step
            precondition(pos < positions.shape[0], "Embedding: position \(pos) beyond table")
            let er = e + Int(id) * d, pr = positions.pointer + pos * d, yr = y.pointer + r * d
            if id == padID && !marian { yr.update(repeating: 0, count: d); continue }
            for c in 0..<d { yr[c] = scale * er[c] + pr[c] }
        }
        return y
    }

    /// dE[tok] += √D · dy[b, t] for non-pad tokens.
    public func backward(_ c: Cache, dy: Tensor, params: ParameterStore) {
        let profiled = OpProfile.begin(.embeddingBackward); defer { OpProfile.end(profiled) }
        precondition(dy.count == c.tokens.count * dim, "Embedding.backward: dy \(dy.shape)")
        let de = params.grad(weightID).pointer, g = dy.pointer, d = dim, s = scale
        for (i, id) in c.tokens.enumerated() where id != padID {
            let dr = de + Int(id) * d, gr = g + i * d
            for k in 0..<d { dr[k] += s * gr[k] }
        }
    }
}
