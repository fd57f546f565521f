import Foundation
import MTModel
import MTSearch

/// What a Hugging Face Marian directory's `config.json` and `generation_config.json` say, turned
/// into our `ModelConfig` and search defaults — or refused, naming every field we cannot
/// represent.
public struct MarianConfig: Sendable {
    public let model: ModelConfig
    /// The decoding defaults `generate` would use (num_beams, length_penalty, max_length,
    /// early_stopping), as our options with `HuggingFaceRules`.
    public let search: SearchOptions
    /// The HF names of the embedding tensors: one shared matrix, or separate encoder/decoder.
    public let shared: Bool
    public let tiedOutput: Bool

    /// Reads `dir/config.json` (and `dir/generation_config.json` when present).
    public init(directory dir: String) throws {
        let path = dir + "/config.json"
        let c = try MarianConfig.json(path)
        var gen: [String: Any] = [:]
        let genPath = dir + "/generation_config.json"
        if FileManager.default.fileExists(atPath: genPath) { gen = try MarianConfig.json(genPath) }
        var problems: [String] = []
        func int(_ key: String, _ def: Int? = nil) -> Int {
            if let v = c[key] as? Int { return v }
            if let d = def { return d }
            problems.append("\(key) is missing or not an integer"); return 0
        }
        func bool(_ key: String, _ def: Bool) -> Bool { (c[key] as? Bool) ?? def }
        func float(_ key: String, _ def: Float) -> Float { (c[key] as? NSNumber)?.floatValue ?? def }
        if let t = c["model_type"] as? String, t != "marian" { problems.append("model_type \"\(t)\": only \"marian\" is supported") }
        let d = int("d_model"), vocab = int("vocab_size")
        let shared = bool("share_encoder_decoder_embeddings", true)
        let decoderVocab = (c["decoder_vocab_size"] as? Int) ?? vocab
        let tie = bool("tie_word_embeddings", true)
        if shared && decoderVocab != vocab { problems.append("share_encoder_decoder_embeddings with decoder_vocab_size \(decoderVocab) ≠ vocab_size \(vocab)") }
        if shared && !tie { problems.append("share_encoder_decoder_embeddings true with tie_word_embeddings false (a shared input embedding and a separate output projection) is not supported") }
        for (a, b) in [("encoder_attention_heads", "decoder_attention_heads"), ("encoder_ffn_dim", "decoder_ffn_dim")] {
            let x = int(a), y = int(b)
            if x != y { problems.append("\(a) \(x) ≠ \(b) \(y): our model has one value for both") }
        }
        let act = (c["activation_function"] as? String) ?? "gelu"
        let activation: ModelConfig.Activation
        switch act {
        case "swish", "silu": activation = .swish
        case "gelu": activation = .gelu
        case "relu": activation = .relu
        default: activation = .relu; problems.append("activation_function \"\(act)\": supported are swish/silu, gelu, relu")
        }
        if bool("normalize_before", false) { problems.append("normalize_before true: Marian is post-norm") }
        if bool("add_final_layer_norm", false) { problems.append("add_final_layer_norm true is not supported") }
        if bool("normalize_embedding", false) || bool("layernorm_embedding", false) { problems.append("an embedding LayerNorm is not supported") }
        if (c["static_position_embeddings"] as? Bool) == false { problems.append("static_position_embeddings false (learned positions) is not supported") }
        for key in ["encoder_layerdrop", "decoder_layerdrop"] where float(key, 0) != 0 {
            problems.append("\(key) \(float(key, 0)): layer drop is not supported")
        }
        let pad = int("pad_token_id"), eos = (c["eos_token_id"] as? Int) ?? 0
        let start = int("decoder_start_token_id", pad)
        if start != pad { problems.append("decoder_start_token_id \(start) ≠ pad_token_id \(pad): the decoder must start from <pad> as Marian's does") }
        if let f = c["forced_eos_token_id"] as? Int, f != eos { problems.append("forced_eos_token_id \(f) ≠ eos_token_id \(eos)") }
        if !problems.isEmpty { throw ImportError.unsupported(path: path, problems: problems) }
        var m = ModelConfig(sourceVocabSize: vocab, targetVocabSize: decoderVocab, modelDim: d, ffnDim: int("encoder_ffn_dim"),
                            heads: int("encoder_attention_heads"), encoderLayers: int("encoder_layers"),
                            decoderLayers: int("decoder_layers"), preNorm: false,
                            tying: shared ? .all : (tie ? .decoderInputOutput : .none),
                            dropout: float("dropout", 0.1), attentionDropout: float("attention_dropout", 0),
                            activationDropout: float("activation_dropout", 0),
                            maxPositions: int("max_position_embeddings", 512), ffnActivation: activation, outputBias: true)
        m.embeddingLayout = .marian
        m.scaleEmbedding = bool("scale_embedding", false)
        // HF Marian: unk is the vocabulary's <unk> (id 1 in every converted OPUS-MT model).
        m.specialIDs = .init(pad: Int32(pad), bos: Int32(start), eos: Int32(eos), unk: 1)
        do { try m.validate() } catch let e as ModelError { throw ImportError.unsupported(path: path, problems: e.problems) }
        model = m
        self.shared = shared
        tiedOutput = tie

        // generate's defaults: generation_config.json over config.json over transformers' own.
        func g<T>(_ key: String, _ def: T) -> T { (gen[key] as? T) ?? (c[key] as? T) ?? def }
        let beams = g("num_beams", 1)
        let maxLength = g("max_length", 20)
        let lp = (gen["length_penalty"] as? NSNumber ?? c["length_penalty"] as? NSNumber)?.floatValue ?? 1
        let early = (gen["early_stopping"] as? Bool) ?? (c["early_stopping"] as? Bool) ?? false
        let minLength = g("min_length", 0)
        var genProblems: [String] = []
        if let bad = (gen["bad_words_ids"] ?? c["bad_words_ids"]) as? [[Int]], bad != [[pad]] && !bad.isEmpty {
            genProblems.append("bad_words_ids \(bad): only [[pad]] (never generate <pad>) is supported")
        }
        if g("do_sample", false) { genProblems.append("do_sample true: sampling is not supported") }
        if let rp = (gen["repetition_penalty"] as? NSNumber)?.floatValue, rp != 1 { genProblems.append("repetition_penalty \(rp) is not supported") }
        if let n = gen["no_repeat_ngram_size"] as? Int, n != 0 { genProblems.append("no_repeat_ngram_size \(n) is not supported") }
        if maxLength < 2 { genProblems.append("max_length \(maxLength) < 2") }
        if !genProblems.isEmpty { throw ImportError.unsupported(path: genPath, problems: genProblems) }
        // HF's max_length counts the start token and </s>: at most max_length − 2 tokens, then </s> is forced.
        var s = SearchOptions(beam: max(beams, 1), lengthPenalty: lp, maxLenA: 0, maxLenB: maxLength - 2,
                              minLength: max(minLength - 1, 0))
        s.huggingFace = HuggingFaceRules(earlyStopping: early)
        search = s
    }

    static func json(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImportError.missingFile(path: path, reason: "missing or unreadable")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ImportError.unsupported(path: path, problems: ["not a JSON object"])
        }
        return obj
    }
}
