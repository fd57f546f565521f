#!/usr/bin/env python3
"""CTranslate2 baseline for `mt-bench decode`: a random-weight softmax Transformer of the `small`
shape (D 256, F 1024, 4 heads, 3+3 layers, V 8000, post-norm, ReLU, sinusoidal positions), float32,
2 threads, beam 4, batch 32, 25-token sources, outputs forced to --len tokens (min = max length).
Prints one JSON line per length. Run by bench/ctranslate2.sh inside an ignored virtualenv.
"""
import json, sys, time, tempfile, os
import numpy as np
import ctranslate2
from ctranslate2.specs import transformer_spec, common_spec

D, F, H, L, V = 256, 1024, 4, 3, 8000
rng = np.random.default_rng(1)

def fill(spec):
    """Gives every unset variable of the spec random values of the right shape."""
    for name, value in list(spec.variables(ordered=True).items()) if False else []:
        pass

def build(path):
    spec = transformer_spec.TransformerSpec.from_config(
        (L, L), H, pre_norm=False, activation=common_spec.Activation.RELU)
    def r(*shape): return (rng.standard_normal(shape) * 0.05).astype(np.float32)
    def linear(l, o, i):
        l.weight = r(o, i); l.bias = np.zeros((o,), np.float32)
    def norm(n):
        n.gamma = np.ones((D,), np.float32); n.beta = np.zeros((D,), np.float32)
    def pos(p):
        p.encodings = r(1024, D)
    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = r(V, D); enc.scale_embeddings = True; pos(enc.position_encodings)
    for layer in enc.layer:
        linear(layer.self_attention.linear[0], 3 * D, D); linear(layer.self_attention.linear[1], D, D)
        norm(layer.self_attention.layer_norm)
        linear(layer.ffn.linear_0, F, D); linear(layer.ffn.linear_1, D, F); norm(layer.ffn.layer_norm)
    dec.embeddings.weight = r(V, D); dec.scale_embeddings = True; pos(dec.position_encodings)
    for layer in dec.layer:
        linear(layer.self_attention.linear[0], 3 * D, D); linear(layer.self_attention.linear[1], D, D)
        norm(layer.self_attention.layer_norm)
        linear(layer.attention.linear[0], D, D); linear(layer.attention.linear[1], 2 * D, D)
        linear(layer.attention.linear[2], D, D); norm(layer.attention.layer_norm)
        linear(layer.ffn.linear_0, F, D); linear(layer.ffn.linear_1, D, F); norm(layer.ffn.layer_norm)
    dec.projection.weight = r(V, D); dec.projection.bias = np.zeros((V,), np.float32)
    vocab = ["<blank>", "<s>", "</s>", "<unk>"] + [f"w{i}" for i in range(V - 4)]
    spec.register_source_vocabulary(vocab); spec.register_target_vocabulary(vocab)
    spec.validate(); spec.optimize(quantization=None); spec.save(path)

def main():
    lens = [int(x) for x in (sys.argv[1] if len(sys.argv) > 1 else "25,100,400").split(",")]
    with tempfile.TemporaryDirectory() as d:
        build(d)
        tr = ctranslate2.Translator(d, device="cpu", compute_type="float32", inter_threads=1, intra_threads=2)
        src = [[f"w{(i * 7 + j) % 7990}" for j in range(24)] + ["</s>"] for i in range(32)]
        for n in lens:
            tr.translate_batch(src[:2], beam_size=4, max_decoding_length=n, min_decoding_length=n)
            t0 = time.perf_counter()
            out = tr.translate_batch(src, beam_size=4, max_batch_size=32, max_decoding_length=n, min_decoding_length=n)
            dt = time.perf_counter() - t0
            toks = sum(len(o.hypotheses[0]) for o in out)
            print(json.dumps({"bench": "decode", "tool": "ctranslate2", "version": ctranslate2.__version__,
                              "config": "small", "decoder": "softmax", "beam": 4, "batch": 32, "len": n,
                              "tokens": toks, "seconds": round(dt, 3), "tok_per_s": round(toks / dt, 1),
                              "load_avg_1m": os.getloadavg()[0]}), flush=True)

if __name__ == "__main__":
    main()
