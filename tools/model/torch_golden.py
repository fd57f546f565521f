#!/usr/bin/env python3
"""Golden forward/backward of a tiny t2r-mt model, computed by PyTorch autograd.

    .venv-torch/bin/python tools/model/torch_golden.py     (needs: pip install torch numpy safetensors)

Writes Tests/MTModelTests/Fixtures/golden_{softmax,t2r}.safetensors. Each file holds the model's
weights under t2r-mt's (fairseq-style) names, the batch (as float tensors batch.*), the logits,
and the gradient of the summed label-smoothed loss for every weight (grad.<name>); the loss is
in the metadata. GoldenTests.swift loads the weights into Seq2Seq, runs forward and backward, and
compares — without Python. The model below is written independently from the formulas
(ARCHITECTURE.md, T2R.md §2–§3, fairseq's layers), not translated from the Swift code.
"""
import json, math, os
import numpy as np
import torch
from safetensors.numpy import save_file

torch.set_default_dtype(torch.float64)  # the reference runs in float64; Swift runs in float32
FIX = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "MTModelTests", "Fixtures")
V, D, H, F, R = 13, 16, 2, 32, 4
DH = D // H
EPS_LS, T2R_EPS = 0.1, 0.01
ENC_LAYERS, DEC_LAYERS = 1, 2
src = [[5, 6, 7, 8, 2], [9, 4, 2, 0, 0]]
tgt_in = [[1, 5, 6, 7], [1, 8, 0, 0]]
tgt_out = [[5, 6, 7, 2], [8, 2, 0, 0]]


def sinusoids(n, d):
    half = d // 2
    step = math.log(10000) / (half - 1)
    freq = torch.exp(torch.arange(half, dtype=torch.float64) * -step)
    ang = torch.arange(n, dtype=torch.float64)[:, None] * freq[None, :]
    t = torch.cat([torch.sin(ang), torch.cos(ang)], dim=1)
    t[0] = 0  # the padding position
    return t


def positions(tokens):
    mask = (tokens != 0).long()
    return torch.cumsum(mask, dim=1) * mask  # pad → 0, first real token → 1


def make_weights(decoder, rng):
    w = {}
    def lin(name, o, i, bias=True):
        w[name + ".weight"] = rng.uniform(-0.5, 0.5, (o, i))
        if bias:
            w[name + ".bias"] = rng.uniform(-0.2, 0.2, (o,))
    def ln(name):
        w[name + ".weight"] = 1 + rng.uniform(-0.2, 0.2, (D,))
        w[name + ".bias"] = rng.uniform(-0.2, 0.2, (D,))
    def attn(p, t2r):
        for n in ["q_proj", "k_proj", "v_proj", "out_proj"]:
            lin(f"{p}.{n}", D, D)
        if t2r:
            lin(f"{p}.phi", H * R, DH)
            w[f"{p}.phi.bias"] = rng.uniform(0.05, 0.4, (H * R,))  # keep most features alive
    w["encoder.embed_tokens.weight"] = rng.normal(0, D ** -0.5, (V, D)); w["encoder.embed_tokens.weight"][0] = 0
    w["decoder.embed_tokens.weight"] = rng.normal(0, D ** -0.5, (V, D)); w["decoder.embed_tokens.weight"][0] = 0
    for l in range(ENC_LAYERS):
        p = f"encoder.layers.{l}"
        attn(p + ".self_attn", False); ln(p + ".self_attn_layer_norm")
        lin(p + ".fc1", F, D); lin(p + ".fc2", D, F); ln(p + ".final_layer_norm")
    for l in range(DEC_LAYERS):
        p = f"decoder.layers.{l}"
        attn(p + ".self_attn", decoder == "t2r"); ln(p + ".self_attn_layer_norm")
        attn(p + ".encoder_attn", decoder == "t2r"); ln(p + ".encoder_attn_layer_norm")
        lin(p + ".fc1", F, D); lin(p + ".fc2", D, F); ln(p + ".final_layer_norm")
    return w


def forward(P, decoder):
    s = torch.tensor(src); ti = torch.tensor(tgt_in); to = torch.tensor(tgt_out)
    B, S = s.shape; T = ti.shape[1]
    pos = sinusoids(64, D)
    def linear(x, n): return x @ P[n + ".weight"].T + (P[n + ".bias"] if n + ".bias" in P else 0)
    def layer_norm(x, n):
        mu = x.mean(-1, keepdim=True); var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + 1e-5) * P[n + ".weight"] + P[n + ".bias"]
    def heads(x): return x.view(x.shape[0], x.shape[1], H, DH).transpose(1, 2)  # [B, H, L, Dh]
    def merge(x): return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], D)
    def softmax_attn(x, mem, key_pad, causal, n):
        q = heads(linear(x, n + ".q_proj")) / math.sqrt(DH)
        k = heads(linear(mem, n + ".k_proj")); v = heads(linear(mem, n + ".v_proj"))
        sc = q @ k.transpose(-1, -2)
        mask = key_pad[:, None, None, :].expand_as(sc).clone()
        if causal:
            mask = mask | torch.triu(torch.ones(sc.shape[-2], sc.shape[-1], dtype=torch.bool), 1)
        sc = sc.masked_fill(mask, float("-inf"))
        return linear(merge(torch.softmax(sc, -1) @ v), n + ".out_proj")
    def phi(u, n):  # u [B, H, L, Dh] → [B, H, L, R]; head h uses rows h·R..(h+1)·R of W
        W = P[n + ".phi.weight"].view(H, R, DH); b = P[n + ".phi.bias"].view(H, R)
        return torch.relu(torch.einsum("bhld,hrd->bhlr", u, W) + b[None, :, None, :])
    def t2r_causal(x, key_pad, n):
        q = heads(linear(x, n + ".q_proj")); k = heads(linear(x, n + ".k_proj")); v = heads(linear(x, n + ".v_proj"))
        fq = phi(q / math.sqrt(DH), n); fk = phi(k, n) * (~key_pad)[:, None, :, None]
        A = (fq @ fk.transpose(-1, -2)) * torch.tril(torch.ones(T, T))
        delta = torch.clamp(A.sum(-1, keepdim=True), min=T2R_EPS)
        return linear(merge((A / delta) @ v), n + ".out_proj")
    def t2r_cross(x, mem, key_pad, n):
        q = heads(linear(x, n + ".q_proj")); k = heads(linear(mem, n + ".k_proj")); v = heads(linear(mem, n + ".v_proj"))
        fq = phi(q / math.sqrt(DH), n); fk = phi(k, n) * (~key_pad)[:, None, :, None]
        Sx = fk.transpose(-1, -2) @ v          # [B, H, R, Dh]
        z = fk.sum(2)                           # [B, H, R]
        den = torch.clamp(torch.abs((fq * z[:, :, None, :]).sum(-1, keepdim=True)), min=T2R_EPS)
        return linear(merge((fq @ Sx) / den), n + ".out_proj")
    src_pad = s == 0; tgt_pad = ti == 0
    x = math.sqrt(D) * P["encoder.embed_tokens.weight"][s] + pos[positions(s)]
    for l in range(ENC_LAYERS):
        p = f"encoder.layers.{l}"
        x = layer_norm(x + softmax_attn(x, x, src_pad, False, p + ".self_attn"), p + ".self_attn_layer_norm")
        x = layer_norm(x + linear(torch.relu(linear(x, p + ".fc1")), p + ".fc2"), p + ".final_layer_norm")
    enc = x
    y = math.sqrt(D) * P["decoder.embed_tokens.weight"][ti] + pos[positions(ti)]
    for l in range(DEC_LAYERS):
        p = f"decoder.layers.{l}"
        sa = t2r_causal(y, tgt_pad, p + ".self_attn") if decoder == "t2r" else softmax_attn(y, y, tgt_pad, True, p + ".self_attn")
        y = layer_norm(y + sa, p + ".self_attn_layer_norm")
        ca = t2r_cross(y, enc, src_pad, p + ".encoder_attn") if decoder == "t2r" else softmax_attn(y, enc, src_pad, False, p + ".encoder_attn")
        y = layer_norm(y + ca, p + ".encoder_attn_layer_norm")
        y = layer_norm(y + linear(torch.relu(linear(y, p + ".fc1")), p + ".fc2"), p + ".final_layer_norm")
    logits = y.reshape(B * T, D) @ P["decoder.embed_tokens.weight"].T   # tied output projection
    lp = torch.log_softmax(logits, -1)
    tgt = to.reshape(-1); keep = tgt != 0
    nll = -lp[torch.arange(B * T), tgt]
    smooth = -lp.sum(-1)
    eps_i = EPS_LS / (V - 1)
    loss = (((1 - EPS_LS - eps_i) * nll + eps_i * smooth) * keep).sum()
    return logits, loss


def main():
    for decoder, seed in [("softmax", 11), ("t2r", 12)]:
        rng = np.random.default_rng(seed)
        w = make_weights(decoder, rng)
        w32 = {k: v.astype(np.float32) for k, v in w.items()}   # what Swift will load
        P = {k: torch.tensor(v.astype(np.float64), requires_grad=True) for k, v in w32.items()}
        logits, loss = forward(P, decoder)
        loss.backward()
        out = dict(w32)
        out["expected.logits"] = logits.detach().numpy().astype(np.float32)
        for k, p in P.items():
            out["grad." + k] = p.grad.numpy().astype(np.float32)
        meta = {"loss": repr(loss.item()), "decoder": decoder,
                "config": json.dumps({"V": V, "D": D, "H": H, "F": F, "R": R, "enc": ENC_LAYERS, "dec": DEC_LAYERS}),
                "src": json.dumps(src), "tgt_in": json.dumps(tgt_in), "tgt_out": json.dumps(tgt_out)}
        save_file(out, os.path.join(FIX, f"golden_{decoder}.safetensors"), metadata=meta)
        print(decoder, "loss", loss.item())


if __name__ == "__main__":
    main()
