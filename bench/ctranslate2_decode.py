#!/usr/bin/env python3
"""CTranslate2 baseline for `mt-bench decode`: a random-weight softmax Transformer of the `small`
shape (D 256, F 1024, 4 heads, 3+3 layers, V 8000) or `base` (D 512, F 2048, 8 heads, 6+6, V 32000),
post-norm, ReLU, sinusoidal positions, 2 threads, beam 4, 25-token sources, outputs forced to the
length (min = max length), for each batch size, length and compute type (float32, int8).
CTranslate2's timings vary from run to run (bimodal at batch 1), so each case reports the best of
--repeats runs. Prints one JSON line per case. Run by bench/ctranslate2.sh inside an ignored
virtualenv.

  ctranslate2_decode.py --configs small,base --batches 1,32 --lens 25,100,400 --compute float32,int8
"""
import json, sys, time, tempfile, os
import numpy as np
import ctranslate2
from ctranslate2.specs import transformer_spec, common_spec

SHAPES = {"small": (256, 1024, 4, 3, 8000), "base": (512, 2048, 8, 6, 32000)}
rng = np.random.default_rng(1)

def build(path, config):
    D, F, H, L, V = SHAPES[config]
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
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", default="small")
    ap.add_argument("--batches", default="32")
    ap.add_argument("--lens", default="25,100,400")
    ap.add_argument("--compute", default="float32")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    ints = lambda s: [int(x) for x in s.split(",")]
    for config in a.configs.split(","):
        V = SHAPES[config][4]
        with tempfile.TemporaryDirectory() as d:
            build(d, config)
            for compute in a.compute.split(","):
                tr = ctranslate2.Translator(d, device="cpu", compute_type=compute, inter_threads=1,
                                            intra_threads=a.threads)
                for batch in ints(a.batches):
                    src = [[f"w{(i * 7 + j) % (V - 10)}" for j in range(24)] + ["</s>"] for i in range(batch)]
                    for n in ints(a.lens):
                        tr.translate_batch(src[:2], beam_size=4, max_decoding_length=n, min_decoding_length=n)
                        best = None
                        for _ in range(a.repeats):
                            t0 = time.perf_counter()
                            out = tr.translate_batch(src, beam_size=4, max_batch_size=batch,
                                                     max_decoding_length=n, min_decoding_length=n)
                            dt = time.perf_counter() - t0
                            best = dt if best is None else min(best, dt)
                        toks = sum(len(o.hypotheses[0]) for o in out)
                        print(json.dumps({"bench": "decode", "tool": "ctranslate2", "version": ctranslate2.__version__,
                                          "config": config, "decoder": "softmax", "compute": compute, "beam": 4,
                                          "batch": batch, "len": n, "tokens": toks, "seconds": round(best, 4),
                                          "tok_per_s": round(toks / best, 1), "ms_per_sentence": round(1000 * best / batch, 2),
                                          "repeats": a.repeats, "load_avg_1m": os.getloadavg()[0]}), flush=True)

if __name__ == "__main__":
    main()
