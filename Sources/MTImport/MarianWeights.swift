import MTModel
import MTOps

/// Hugging Face Marian tensor names → ours (`Seq2Seq`'s fairseq names), with the checks that
/// make an import exact: every tensor our model needs is present with its shape, tied copies
/// agree, and a stored sinusoid table equals the one we compute.
///
/// HF                                               ours
/// model.shared.weight (or model.{en,de}coder.embed_tokens.weight, lm_head.weight)
///                                                  encoder.embed_tokens.weight [, decoder.…, decoder.output_projection.weight]
/// model.{en,de}coder.layers.i.<sublayer>.<p>       {en,de}coder.layers.i.<sublayer>.<p>
/// final_logits_bias [1, V]                         decoder.output_projection.bias [V]
/// model.{en,de}coder.embed_positions.weight        (computed; checked when stored)
public enum MarianWeights {
    /// Our tensors for `model`, built from the HF tensors `hf` (by name) of file `path`.
    public static func convert(_ hf: [String: SafeTensors.Entry], config: MarianConfig, model: Seq2Seq,
                               path: String) throws -> [SafeTensors.Entry] {
        var problems: [String] = []
        var used = Set<String>()
        func take(_ names: [String], as ours: String) -> SafeTensors.Entry? {
            let present = names.filter { hf[$0] != nil }
            guard let first = present.first, let e = hf[first] else {
                problems.append("missing tensor \(names.joined(separator: " or ")) (for \(ours))"); return nil
            }
            for n in present {
                used.insert(n)
                if n != first, hf[n]!.values != e.values { problems.append("tied tensors \(first) and \(n) differ") }
            }
            return SafeTensors.Entry(name: ours, shape: e.shape, values: e.values)
        }
        var out: [SafeTensors.Entry] = []
        for p in model.layout.entries {
            let name = p.name
            var entry: SafeTensors.Entry?
            switch name {
            case "encoder.embed_tokens.weight":
                entry = config.shared
                    ? take(["model.shared.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight"]
                           + (config.tiedOutput ? ["lm_head.weight"] : []), as: name)
                    : take(["model.encoder.embed_tokens.weight"], as: name)
            case "decoder.embed_tokens.weight":
                entry = take(["model.decoder.embed_tokens.weight"] + (config.tiedOutput ? ["lm_head.weight"] : []), as: name)
            case "decoder.output_projection.weight":
                entry = take(["lm_head.weight"], as: name)
            case "decoder.output_projection.bias":
                // [1, V] in the file, [V] here
                if let e = take(["final_logits_bias"], as: name) {
                    entry = e.shape.count == 2 && e.shape[0] == 1 ? SafeTensors.Entry(name: name, shape: [e.shape[1]], values: e.values) : e
                }
            default:
                entry = take(["model." + name], as: name)
            }
            guard let e = entry else { continue }
            if e.shape != p.shape {
                problems.append("tensor \(name): shape \(e.shape) in the file, \(p.shape) in the model"); continue
            }
            out.append(e)
        }
        // Stored sinusoid tables (older transformers save them) must be Marian's.
        for side in ["encoder", "decoder"] {
            let key = "model.\(side).embed_positions.weight"
            guard let e = hf[key] else { continue }
            used.insert(key)
            let d = model.config.modelDim
            guard e.shape.count == 2, e.shape[1] == d else { problems.append("\(key): shape \(e.shape), expected [N, \(d)]"); continue }
            let table = Embedding.marianSinusoids(count: e.shape[0], dim: d)
            var worst: Float = 0
            for i in 0..<e.values.count { worst = max(worst, abs(table.pointer[i] - e.values[i])) }
            if worst > 1e-5 { problems.append("\(key) differs from Marian's sinusoids by up to \(worst): learned or other positions are not supported") }
        }
        let unknown = hf.keys.filter { !used.contains($0) }.sorted()
        for n in unknown { problems.append("unexpected tensor \(n) \(hf[n]!.shape)") }
        if !problems.isEmpty { throw ImportError.tensors(path: path, problems: problems) }
        return out
    }
}
