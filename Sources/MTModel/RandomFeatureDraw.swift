import MTOps

/// The per-update redraw of RFA's Ω (T2R.md §1, the reference's `sample_random_matrices`).
///
/// For each attention type (causal self, cross) separately, L·H distinct indices of the fixed
/// bank are drawn and layer ℓ gets the H matrices [ℓ·H, (ℓ+1)·H). The draw is a pure function of
/// (seed, update, attention type): RNG(seed: seed ^ 0x52464121, stream: 2·update + type), so a
/// resumed run redraws exactly what an uninterrupted one does and needs no saved state, and
/// every data-parallel process draws the same Ω. Evaluation never sees these draws: it uses
/// the first H bank matrices in every layer (`RandomFeatures.evalOmega`).
extension Seq2Seq {
    /// Whether any decoder attention uses random features (so the trainer redraws Ω).
    public var usesRandomFeatures: Bool {
        decoderLayers.contains { l in
            if case .t2r(let a) = l.selfAttention, a.phi.randomFeatures != nil { return true }
            if case .t2r(let a) = l.crossAttention, a.phi.randomFeatures != nil { return true }
            return false
        }
    }

    /// Sets every RFA layer's training Ω for `update` (1-based, the update about to be taken).
    /// A no-op for other feature maps.
    public func drawRandomFeatures(update: Int, seed: UInt64) {
        let selfMaps = decoderLayers.compactMap { l -> RandomFeatures? in
            if case .t2r(let a) = l.selfAttention { return a.phi.randomFeatures }
            return nil
        }
        let crossMaps = decoderLayers.compactMap { l -> RandomFeatures? in
            if case .t2r(let a) = l.crossAttention { return a.phi.randomFeatures }
            return nil
        }
        for (type, maps) in [selfMaps, crossMaps].enumerated() where !maps.isEmpty {
            var rng = RNG(seed: seed ^ 0x5246_4121, stream: UInt64(2 * update + type))
            let h = maps[0].heads
            let idx = RandomFeatures.drawIndices(maps.count * h, rng: &rng)
            for (l, m) in maps.enumerated() { m.select(idx[(l * h)..<((l + 1) * h)]) }
        }
    }
}
