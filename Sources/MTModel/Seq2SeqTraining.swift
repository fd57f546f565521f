import MTOps

extension Seq2Seq {
    /// Everything the backward pass needs from one training forward pass.
    public struct Cache: Sendable {
        let encoder: EncoderCache
        let embedding: Embedding.Cache
        let drop: Dropout.Cache
        let layers: [DecoderLayer.Cache]
        let norm: LayerNorm.Cache?
        let hidden: Tensor          // [B·T, D] decoder output
        let loss: CrossEntropy.Cache
        public var result: CrossEntropy.Result { loss.result }
        public var logits: Tensor { loss.logits }  // [B·T, V] (their gradient after a forward given a scale)
    }

    /// Teacher-forced forward over a batch: encoder, decoder (parallel form), logits, and the
    /// label-smoothed loss summed over real target tokens. Given `lossGradientScale` (the scale
    /// `backward` will be called with), the loss writes its gradient over the logits as it goes
    /// (`CrossEntropy.forward`): `logits` then holds that gradient.
    public func forward(_ b: TokenBatch, smoothing: Float, training: Bool, rng: inout RNG,
                        params: ParameterStore, arena: Arena, lossGradientScale: Float? = nil) -> Cache {
        let enc = encode(source: b.source, batch: b.batch, length: b.sourceLength, training: training,
                         rng: &rng, params: params, arena: arena)
        let ids = config.specialIDs
        // Marian starts the decoder with <pad>: the causal mask alone covers right padding then.
        let tgtPadding = ids.bos == ids.pad ? nil
            : PaddingMask(tokens: b.targetIn, batch: b.batch, length: b.targetLength, padID: ids.pad)
        let emb = targetEmbedding.forward(tokens: b.targetIn, batch: b.batch, length: b.targetLength, params: params, arena: arena)
        let drop = dropout.forward(emb.y, training: training, rng: &rng, arena: arena)
        var h = drop.y  // [B, T, D]
        var caches: [DecoderLayer.Cache] = []
        caches.reserveCapacity(decoderLayers.count)
        for l in decoderLayers {
            let c = l.forward(h, targetPadding: tgtPadding, memory: enc.output, memoryPadding: enc.padding,
                              training: training, rng: &rng, params: params, arena: arena)
            caches.append(c)
            h = c.y
        }
        let norm = decoderNorm?.forward(h, params: params, arena: arena)
        let hidden = (norm?.y ?? h).reshaped([b.batch * b.targetLength, config.modelDim])
        let logits = outputProjection.forward(hidden, params: params, arena: arena).y  // [B·T, V]
        let loss = CrossEntropy(smoothing: smoothing, padID: config.specialIDs.pad).forward(logits: logits, targets: b.targetOut, arena: arena,
                                                                                             gradientScale: lossGradientScale)
        return Cache(encoder: enc, embedding: emb, drop: drop, layers: caches, norm: norm, hidden: hidden, loss: loss)
    }

    /// Adds ∂(scale · loss)/∂θ into every parameter gradient: the forward's calls in reverse.
    /// The logits buffer is overwritten by its gradient.
    public func backward(_ c: Cache, scale: Float, smoothing: Float, params: ParameterStore, arena: Arena) {
        let dLogits = c.loss.logits
        CrossEntropy(smoothing: smoothing, padID: config.specialIDs.pad).backward(c.loss, scale: scale, into: dLogits)
        let dHidden = arena.tensor(c.hidden.shape)  // [B·T, D]
        outputProjection.backward(x: c.hidden, dy: dLogits, dx: dHidden, params: params, overwritingDX: true)
        let shape = c.embedding.y.shape  // [B, T, D]
        var g = dHidden.reshaped(shape)
        if let n = decoderNorm, let nc = c.norm {
            let dn = arena.tensor(shape, zeroed: true)
            n.backward(nc, dy: g, dx: dn, params: params, arena: arena)
            g = dn
        }
        let dMemory = arena.tensor(c.encoder.output.shape, zeroed: true)  // [B, S, D]
        for (l, lc) in zip(decoderLayers, c.layers).reversed() {
            let dx = arena.tensor(shape, zeroed: true)
            l.backward(lc, dy: g, dx: dx, dMemory: dMemory, params: params, arena: arena)
            g = dx
        }
        let de = arena.tensor(shape, zeroed: true)
        dropout.backward(c.drop, dy: g, dx: de)
        targetEmbedding.backward(c.embedding, dy: de, params: params)
        encoderBackward(c.encoder, dOutput: dMemory, params: params, arena: arena)
    }
}
