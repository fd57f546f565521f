#!/usr/bin/env python3
"""Builds tiny random-weight Hugging Face Marian models and what `transformers` computes with them,
the golden files of Tests/MTImportTests (never a runtime dependency).

    python3 -m venv .venv-fixtures && .venv-fixtures/bin/pip install torch transformers sentencepiece safetensors
    MT_DATA_DIR=$(bash data/fetch.sh) .venv-fixtures/bin/python tools/marian/make_fixtures.py [OUT]

OUT defaults to Tests/MTImportTests/Fixtures. For each model NAME it writes OUT/NAME/hf (the
directory `save_pretrained` writes: config.json, generation_config.json, model.safetensors,
source.spm, target.spm, vocab.json [, target_vocab.json], tokenizer_config.json),
OUT/NAME/pytorch_model.bin (torch.save of the same state dict), OUT/evil.bin (a pickle that
would run a command), and OUT/NAME/golden.json: MarianTokenizer ids of 1,000 lines (Multi30k validation lines and odd
Unicode), logits of a padded batch (logits.safetensors), and greedy / beam-4 `generate` outputs
on 200 sentences with the generation config's length penalty and max length.
"""
import gzip, json, os, random, shutil, sys, tempfile

import sentencepiece as spm
import torch
from safetensors.torch import save_file
from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

DATA = os.environ.get("MT_DATA_DIR") or sys.exit("make_fixtures: set MT_DATA_DIR (MT_DATA_DIR=$(bash data/fetch.sh))")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "MTImportTests", "Fixtures")


def lines(name, n, skip=0):
    with gzip.open(os.path.join(DATA, "multi30k", name), "rt", encoding="utf-8") as f:
        out = [l.rstrip("\n") for l in f]
    return out[skip:skip + n]


ODD = [
    "", " ", "  two  spaces  and\ttab ", "Ünïcödé çàfé naïve", "ﬁnancial ﬂow (ligatures)", "ＦＵＬＬＷＩＤＴＨ １２３",
    "emoji 🐶🐱 and 👩‍👩‍👧 family", "combining e\u0301 a\u0300 o\u0308", "zero\u200bwidth\u200djoiner", "中文字符 和 日本語のかな",
    "Ελληνικά και Кириллица", "עברית ועربية", "math ∑∫√∞ ≤ ≥ ≠", "quotes “double” ‘single’ «guillemets»", "dash – — ‐ ‑",
    "ellipsis… and nbsp\u00a0here", "control\u0007bell", "ß ẞ ǅ ǈ İ ı", "trailing space ", "\u3000ideographic space",
    "numbers 1,234.56 and 3/4 ½ ⅓", "a", "A MAN IN A RED SHIRT.", "url http://example.com/a?b=c&d", "<html> & </html>",
]


def train_spm(text, prefix, vocab):
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt") as f:
        f.write("\n".join(text))
    spm.SentencePieceTrainer.train(input=f.name, model_prefix=prefix, vocab_size=vocab, model_type="unigram",
                                   character_coverage=1.0, bos_id=-1, eos_id=-1, unk_id=0, pad_id=-1,
                                   hard_vocab_limit=False, minloglevel=2)
    os.unlink(f.name)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def marian_vocab(pieces, extra=()):
    """Marian's vocab.json: </s> 0, <unk> 1, the pieces, then <pad> last."""
    v = {"</s>": 0, "<unk>": 1}
    for p in list(extra) + pieces:
        if p not in v and p not in ("<pad>",):
            v[p] = len(v)
    v["<pad>"] = len(v)
    return v


def train_briefly(model, tok, src, tgt, seed, steps=300):
    """A few hundred Adam steps on Multi30k pairs, so outputs depend on the input and end with </s>
    at varied lengths (untrained random weights repeat one token to the maximum length). Then
    LayerNorm parameters and final_logits_bias are perturbed so every tensor is exercised."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for step in range(steps):
        idx = torch.randint(len(src), (32,), generator=g).tolist()
        batch = tok([src[i] for i in idx], text_target=[tgt[i] for i in idx], padding=True, truncation=True,
                    max_length=48, return_tensors="pt")
        labels = batch["labels"].masked_fill(batch["labels"] == model.config.pad_token_id, -100)
        loss = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name:
                p.add_(0.1 * torch.randn(p.shape, generator=g))
        model.final_logits_bias.copy_(0.3 * torch.randn(model.final_logits_bias.shape, generator=g))
    print(f"  trained {steps} steps, last loss {loss.item():.3f}")


def build(name, seed, d, heads, enc, dec, ffn, act, shared, scale, lang_tokens, src_lang, tgt_lang, vocab_size, lp, max_len):
    random.seed(seed)
    out = os.path.join(OUT, name)
    shutil.rmtree(out, ignore_errors=True)
    hf = os.path.join(out, "hf")
    os.makedirs(hf)
    work = tempfile.mkdtemp()
    src_train, tgt_train = lines(f"train.{src_lang}.gz", 4000), lines(f"train.{tgt_lang}.gz", 4000)
    sp_src = train_spm(src_train, os.path.join(work, "source"), vocab_size)
    sp_tgt = train_spm(tgt_train, os.path.join(work, "target"), vocab_size)
    shutil.copy(os.path.join(work, "source.model"), os.path.join(hf, "source.spm"))
    shutil.copy(os.path.join(work, "target.model"), os.path.join(hf, "target.spm"))
    codes = [f">>{c}<<" for c in lang_tokens]
    if shared:
        vocab = marian_vocab(sp_src + sp_tgt, codes)
        json.dump(vocab, open(os.path.join(hf, "vocab.json"), "w"), ensure_ascii=False, indent=1)
        tok = MarianTokenizer(os.path.join(hf, "source.spm"), os.path.join(hf, "target.spm"), os.path.join(hf, "vocab.json"),
                              source_lang=src_lang, target_lang=tgt_lang)
        v_src = v_tgt = len(vocab)
    else:
        vs, vt = marian_vocab(sp_src, codes), marian_vocab(sp_tgt)
        json.dump(vs, open(os.path.join(hf, "vocab.json"), "w"), ensure_ascii=False, indent=1)
        json.dump(vt, open(os.path.join(hf, "target_vocab.json"), "w"), ensure_ascii=False, indent=1)
        tok = MarianTokenizer(os.path.join(hf, "source.spm"), os.path.join(hf, "target.spm"), os.path.join(hf, "vocab.json"),
                              target_vocab_file=os.path.join(hf, "target_vocab.json"), separate_vocabs=True,
                              source_lang=src_lang, target_lang=tgt_lang)
        v_src, v_tgt = len(vs), len(vt)
    pad = v_src - 1
    cfg = MarianConfig(vocab_size=v_src, decoder_vocab_size=v_tgt, d_model=d, encoder_layers=enc, decoder_layers=dec,
                       encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=ffn,
                       decoder_ffn_dim=ffn, activation_function=act, max_position_embeddings=256,
                       scale_embedding=scale, share_encoder_decoder_embeddings=shared, tie_word_embeddings=shared,
                       pad_token_id=pad, decoder_start_token_id=(v_tgt - 1 if not shared else pad), eos_token_id=0,
                       forced_eos_token_id=0, dropout=0.1)
    torch.manual_seed(seed)
    model = MarianMTModel(cfg)
    train_briefly(model, tok, src_train, tgt_train, seed)
    model.generation_config = GenerationConfig(
        bad_words_ids=[[cfg.decoder_start_token_id]], bos_token_id=0, decoder_start_token_id=cfg.decoder_start_token_id,
        eos_token_id=0, forced_eos_token_id=0, max_length=max_len, num_beams=4, pad_token_id=cfg.decoder_start_token_id,
        length_penalty=lp)
    model.save_pretrained(hf)
    tok.save_pretrained(hf)
    # The same model as PyTorch's pickle format (torch.save of the state dict, as older hub models
    # ship); the test puts it in a copy of hf/ without model.safetensors.
    torch.save(model.state_dict(), os.path.join(out, "pytorch_model.bin"))

    # Tokenizer ids: Multi30k validation lines, odd Unicode, and (multilingual) >>xx<< prefixes.
    val = lines(f"val.{src_lang}.gz", 1000)
    texts = ODD + val[: 1000 - len(ODD)]
    if codes:
        texts = [(random.choice(codes) + " " + t) if i % 3 == 0 else t for i, t in enumerate(texts)]
    ids = [tok(t)["input_ids"] for t in texts]
    tgt_texts = lines(f"val.{tgt_lang}.gz", 200, skip=100) + ODD
    tgt_ids = [tok(text_target=t)["input_ids"] for t in tgt_texts]
    decoded = [tok.decode(x, skip_special_tokens=True) for x in tgt_ids]

    # Logits of a padded batch (every position, teacher-forced).
    batch_src = texts[30:33]
    batch_tgt = lines(f"val.{tgt_lang}.gz", 3, skip=30)
    enc_in = tok(batch_src, text_target=batch_tgt, padding=True, return_tensors="pt")
    labels = enc_in["labels"]
    dec_in = torch.full_like(labels, cfg.decoder_start_token_id)
    dec_in[:, 1:] = labels[:, :-1]
    with torch.no_grad():
        logits = model(input_ids=enc_in["input_ids"], attention_mask=enc_in["attention_mask"], decoder_input_ids=dec_in).logits
    # ids as float32: our safetensors reader is float-only (ids < 2^24 are exact)
    save_file({"logits": logits.contiguous(), "input_ids": enc_in["input_ids"].to(torch.float32).contiguous(),
               "decoder_input_ids": dec_in.to(torch.float32).contiguous()}, os.path.join(out, "logits.safetensors"))

    # generate: greedy and beam 4 on 200 sentences, one at a time (no batch padding effects).
    sents = texts[40:240]
    greedy, beam = [], []
    with torch.no_grad():
        for s in sents:
            x = tok([s], return_tensors="pt")
            greedy.append(model.generate(**x, num_beams=1, do_sample=False)[0].tolist())
            beam.append(model.generate(**x, num_beams=4, do_sample=False)[0].tolist())
    strip = lambda seq: [t for t in seq[1:] if t != cfg.pad_token_id and t != 0]
    golden = {
        "texts": texts, "ids": ids, "target_texts": tgt_texts, "target_ids": tgt_ids, "target_decoded": decoded,
        "logit_source": batch_src, "logit_target": batch_tgt,
        "generate_sources": sents, "greedy": [strip(g) for g in greedy], "beam4": [strip(b) for b in beam],
        "beam4_text": [tok.decode(b, skip_special_tokens=True) for b in beam],
        "length_penalty": lp, "max_length": max_len,
    }
    json.dump(golden, open(os.path.join(out, "golden.json"), "w"), ensure_ascii=False)
    shutil.rmtree(work)
    print(f"{name}: vocab {v_src}/{v_tgt}, d {d}, {enc}+{dec} layers, {act}, shared {shared}")


def evil(out):
    """A pickle that would run a shell command when torch.load-ed (the reader must refuse it)."""
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    torch.save({"model.shared.weight": Evil()}, os.path.join(out, "evil.bin"))


torch.set_num_threads(1)
os.makedirs(OUT, exist_ok=True)
if os.environ.get("UNSEEN"):
    # A shape and vocabulary the tests never saw (tools/marian/check_unseen.sh): ReLU, 4 heads, 3+1 layers.
    build("unseen", seed=13, d=32, heads=4, enc=3, dec=1, ffn=48, act="relu", shared=True, scale=True,
          lang_tokens=[], src_lang="en", tgt_lang="fr", vocab_size=400, lp=1.3, max_len=35)
    sys.exit(0)
evil(OUT)
build("tied", seed=11, d=16, heads=2, enc=2, dec=2, ffn=32, act="swish", shared=True, scale=True,
      lang_tokens=["de", "fr"], src_lang="en", tgt_lang="de", vocab_size=300, lp=1.0, max_len=40)
build("untied", seed=12, d=24, heads=3, enc=1, dec=2, ffn=40, act="gelu", shared=False, scale=False,
      lang_tokens=[], src_lang="en", tgt_lang="fr", vocab_size=250, lp=0.6, max_len=30)
