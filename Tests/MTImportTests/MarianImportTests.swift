import Foundation
import XCTest

@testable import MTImport
import MTData
import MTModel
import MTOps
import MTSearch
import MTText
import MTTrain

/// Golden files from tools/marian/make_fixtures.py (transformers + sentencepiece from PyPI): two
/// tiny trained Marian models ("tied": shared vocabulary with >>de<< >>fr<< codes, swish, scaled
/// embeddings; "untied": separate vocabularies and output projection, GELU, unscaled), each saved
/// as model.safetensors (hf/) and as pytorch_model.bin (bin/).
final class MarianImportTests: XCTestCase {
    static let fixtures = Bundle.module.resourcePath! + "/Fixtures"
    static let models = ["tied", "untied"]

    struct Golden: Decodable {
        let texts: [String]
        let ids: [[Int32]]
        let target_texts: [String]
        let target_ids: [[Int32]]
        let target_decoded: [String]
        let generate_sources: [String]
        let greedy: [[Int32]]
        let beam4: [[Int32]]
        let beam4_text: [String]
        let logit_source: [String]
        let logit_target: [String]
    }

    static func golden(_ name: String) throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(name)/golden.json")))
    }

    static func tempDir(_ tag: String) -> String {
        let d = NSTemporaryDirectory() + "mt-import-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// hf/ of fixture `name` with pytorch_model.bin instead of model.safetensors (a temp copy).
    static func binDirectory(_ name: String) throws -> String {
        let dir = tempDir(name + "-bin"), src = "\(fixtures)/\(name)/hf", fm = FileManager.default
        for f in try fm.contentsOfDirectory(atPath: src) where f != "model.safetensors" {
            try fm.copyItem(atPath: src + "/" + f, toPath: dir + "/" + f)
        }
        try fm.copyItem(atPath: "\(fixtures)/\(name)/pytorch_model.bin", toPath: dir + "/pytorch_model.bin")
        return dir
    }

    /// Imports fixture `name` (hf, or bin: its pytorch_model.bin) and loads the result: model,
    /// weights, search defaults.
    static func imported(_ name: String, from sub: String = "hf") throws -> (Seq2Seq, ParameterStore, SearchOptions, String) {
        let out = tempDir(name)
        try MarianImporter.run(hfDirectory: sub == "bin" ? try binDirectory(name) : "\(fixtures)/\(name)/hf", output: out)
        let (entries, meta) = try SafeTensors.read(out + "/" + Checkpoint.bestName)
        let config = try XCTUnwrap(try Checkpoint.config(in: meta, path: out))
        let model = try Seq2Seq(config: config)
        let store = ParameterStore(layout: model.layout, training: false)
        try Checkpoint.copy(entries, into: store, path: out)
        let search = try JSONDecoder().decode(SearchOptions.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/" + MarianImporter.searchName)))
        return (model, store, search, out)
    }

    static func sides(_ dir: String) throws -> (source: MarianTextSide, target: MarianTextSide, decoder: SentencePieceModel?) {
        let src = try SentencePieceModel(path: dir + "/source.spm"), tgt = try SentencePieceModel(path: dir + "/target.spm")
        let vocab = try MarianVocabulary(path: dir + "/vocab.json")
        let separate = FileManager.default.fileExists(atPath: dir + "/target_vocab.json")
        let tvocab = separate ? try MarianVocabulary(path: dir + "/target_vocab.json") : vocab
        // HF decodes with the source model when the vocabulary is shared.
        return (MarianTextSide(spm: src, vocabulary: vocab), MarianTextSide(spm: tgt, vocabulary: tvocab), separate ? nil : src)
    }

    func testTokenIDsMatchMarianTokenizer() throws {
        for name in Self.models {
            let g = try Self.golden(name)
            let (source, target, decoder) = try Self.sides("\(Self.fixtures)/\(name)/hf")
            XCTAssertGreaterThanOrEqual(g.texts.count, 1000)
            var bad = 0
            for (t, ids) in zip(g.texts, g.ids) where source.encode(t) + [0] != ids {
                if bad < 5 { XCTFail("\(name): \(t.debugDescription): ours \(source.encode(t) + [0]), HF \(ids)") }
                bad += 1
            }
            for (t, ids) in zip(g.target_texts, g.target_ids) where target.encode(t) + [0] != ids {
                if bad < 5 { XCTFail("\(name) target: \(t.debugDescription): ours \(target.encode(t) + [0]), HF \(ids)") }
                bad += 1
            }
            for (ids, text) in zip(g.target_ids, g.target_decoded) where target.decode(ids, with: decoder) != text {
                if bad < 5 { XCTFail("\(name) decode \(ids): ours \(target.decode(ids, with: decoder).debugDescription), HF \(text.debugDescription)") }
                bad += 1
            }
            XCTAssertEqual(bad, 0, "\(name): \(bad) lines differ")
        }
    }

    func testLogitsMatchHuggingFaceForward() throws {
        for name in Self.models {
            let (model, store, _, _) = try Self.imported(name)
            let (entries, _) = try SafeTensors.read("\(Self.fixtures)/\(name)/logits.safetensors")
            let by = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
            let src = try XCTUnwrap(by["input_ids"]), dec = try XCTUnwrap(by["decoder_input_ids"]), ref = try XCTUnwrap(by["logits"])
            let b = src.shape[0], s = src.shape[1], t = dec.shape[1], v = ref.shape[2]
            XCTAssertEqual(v, model.config.targetVocabSize)
            let batch = TokenBatch(batch: b, sourceLength: s, targetLength: t, source: src.values.map { Int32($0) },
                                   targetIn: dec.values.map { Int32($0) }, targetOut: dec.values.map { Int32($0) })
            var rng = RNG(seed: 0)
            let m = model.withPositions(atLeast: max(s, t) + 1)
            let cache = m.forward(batch, smoothing: 0, training: false, rng: &rng, params: store, arena: Arena(capacity: 0))
            XCTAssertEqual(cache.logits.count, ref.values.count)
            var worst: Float = 0
            for i in 0..<ref.values.count { worst = max(worst, abs(cache.logits.pointer[i] - ref.values[i])) }
            XCTAssertLessThan(worst, 1e-4, "\(name): max |ours − HF| over \(b)×\(t)×\(v) logits")
        }
    }

    /// The training path on an imported model: raw text → our SentencePiece sides → MTData batch
    /// with the model's special ids → TokenBatch gives the ids Hugging Face feeds
    /// (`tok(src, text_target=tgt, padding=True)`, labels shifted right after the decoder start)
    /// and, at every position the loss counts, its logits within 1e-4.
    func testTrainingBatchesOfImportedModelMatchHuggingFace() throws {
        for name in Self.models {
            let g = try Self.golden(name)
            let (model, store, _, _) = try Self.imported(name)
            let (source, target, _) = try Self.sides("\(Self.fixtures)/\(name)/hf")
            let corpus = EncodedCorpus(pairs: zip(g.logit_source, g.logit_target).map { (source.encode($0), target.encode($1)) })
            let specials = SpecialIds(model.config.specialIDs)
            let batch = Batch(corpus: corpus, indices: Array(0..<corpus.count), specials: specials)
            let (entries, _) = try SafeTensors.read("\(Self.fixtures)/\(name)/logits.safetensors")
            let by = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
            let src = try XCTUnwrap(by["input_ids"]), dec = try XCTUnwrap(by["decoder_input_ids"]), ref = try XCTUnwrap(by["logits"])
            XCTAssertEqual([batch.size, batch.sourceLength], src.shape, name)
            XCTAssertEqual(batch.source, src.values.map { Int32($0) }, "\(name): encoder ids")
            XCTAssertEqual([batch.size, batch.targetLength], Array(dec.shape), name)
            let t = batch.targetLength, v = ref.shape[2]
            var counted = 0
            for i in 0..<batch.size * t where batch.targetOut[i] != specials.pad {
                XCTAssertEqual(batch.targetIn[i], Int32(dec.values[i]), "\(name): decoder input at \(i)")
                counted += 1
            }
            XCTAssertEqual(counted, batch.targetTokens)
            var rng = RNG(seed: 0)
            let m = model.withPositions(atLeast: max(batch.sourceLength, t) + 1)
            let cache = m.forward(TokenBatch(batch), smoothing: 0, training: false, rng: &rng, params: store, arena: Arena(capacity: 0))
            var worst: Float = 0
            for i in 0..<batch.size * t where batch.targetOut[i] != specials.pad {
                for k in 0..<v { worst = max(worst, abs(cache.logits.pointer[i * v + k] - ref.values[i * v + k])) }
            }
            XCTAssertLessThan(worst, 1e-4, "\(name): max |ours − HF| over the \(counted) counted positions")
            XCTAssertEqual(cache.result.tokens, batch.targetTokens, "\(name): the loss counts <pad> positions")
        }
    }

    func testGreedyAndBeamMatchGenerate() throws {
        for name in Self.models {
            let g = try Self.golden(name)
            let (model, store, search, _) = try Self.imported(name)
            let (source, target, decoder) = try Self.sides("\(Self.fixtures)/\(name)/hf")
            XCTAssertEqual(search.beam, 4)
            XCTAssertNotNil(search.huggingFace)
            let sources = g.generate_sources.map { source.encode($0) }
            for (beam, expected) in [(1, g.greedy), (4, g.beam4)] {
                var opts = search
                opts.beam = beam
                let out = try Translator(model: model, params: store, options: opts).translate(sources)
                var diff = 0
                for (i, hyps) in out.enumerated() where hyps[0].tokens != expected[i] {
                    if diff < 3 { XCTFail("\(name) beam \(beam) sentence \(i): ours \(hyps[0].tokens), HF \(expected[i])") }
                    diff += 1
                }
                XCTAssertEqual(diff, 0, "\(name) beam \(beam): \(diff) of \(sources.count) outputs differ")
                if beam == 4 {
                    for (i, hyps) in out.enumerated() where diff == 0 {
                        XCTAssertEqual(target.decode(hyps[0].tokens, with: decoder), g.beam4_text[i])
                    }
                }
            }
        }
    }

    func testSafetensorsAndBinImportIdentically() throws {
        for name in Self.models {
            let (_, _, _, a) = try Self.imported(name, from: "hf")
            let (_, _, _, b) = try Self.imported(name, from: "bin")
            let x = try SafeTensors.read(a + "/" + Checkpoint.bestName), y = try SafeTensors.read(b + "/" + Checkpoint.bestName)
            XCTAssertEqual(x.entries.map(\.name), y.entries.map(\.name))
            for (p, q) in zip(x.entries, y.entries) {
                XCTAssertEqual(p.shape, q.shape, p.name)
                XCTAssertEqual(p.values, q.values, p.name)
            }
            XCTAssertEqual(x.metadata[Checkpoint.configKey], y.metadata[Checkpoint.configKey])
        }
    }

    func testMaliciousPickleIsRefusedNamingTheGlobal() throws {
        XCTAssertThrowsError(try TorchCheckpoint.read(Self.fixtures + "/evil.bin")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("posix.system") || text.contains("os.system"), text)
            XCTAssertTrue(text.contains("refusing global"), text)
        }
    }

    func testBrokenPicklesAndTruncatedFilesGiveClearErrors() throws {
        let bin = Self.fixtures + "/tied/pytorch_model.bin"
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: bin)))
        let dir = Self.tempDir("broken")
        for cut in [bytes.count / 2, bytes.count - 30, 10] {
            let p = dir + "/cut\(cut).bin"
            try Data(bytes[0..<cut]).write(to: URL(fileURLWithPath: p))
            XCTAssertThrowsError(try TorchCheckpoint.read(p)) { e in
                XCTAssertTrue("\(e)".contains(p), "\(e)")
            }
        }
        // Pickle bytes themselves: an unknown opcode, a truncated string, a call of a non-allowed global.
        let cases: [([UInt8], String)] = [
            ([0x80, 0x02, 0x7D, 0x01], "opcode 0x1"),
            ([0x80, 0x02, 0x58, 0xFF, 0x00, 0x00, 0x00, 0x41], "truncated"),
            (Array("cbuiltins\neval\n".utf8) + [0x2E], "refusing global builtins.eval"),
            ([0x80, 0x02, 0x2E], "stack underflow"),
        ]
        for (pkl, expected) in cases {
            var u = TorchUnpickler(path: "test.pkl", bytes: pkl)
            XCTAssertThrowsError(try u.run()) { e in XCTAssertTrue("\(e)".contains(expected), "\(e) lacks \(expected)") }
        }
    }

    func testUnsupportedConfigIsRefusedWithReasons() throws {
        let dir = Self.tempDir("cfg")
        let src = "\(Self.fixtures)/tied/hf"
        for f in try FileManager.default.contentsOfDirectory(atPath: src) {
            try FileManager.default.copyItem(atPath: src + "/" + f, toPath: dir + "/" + f)
        }
        var c = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as! [String: Any]
        c["activation_function"] = "tanh"
        c["normalize_before"] = true
        try JSONSerialization.data(withJSONObject: c).write(to: URL(fileURLWithPath: dir + "/config.json"))
        XCTAssertThrowsError(try MarianImporter.run(hfDirectory: dir, output: dir + "/out")) { e in
            XCTAssertTrue("\(e)".contains("activation_function \"tanh\""), "\(e)")
            XCTAssertTrue("\(e)".contains("normalize_before"), "\(e)")
        }
        c["activation_function"] = "swish"
        c["normalize_before"] = false
        c["d_model"] = 32
        try JSONSerialization.data(withJSONObject: c).write(to: URL(fileURLWithPath: dir + "/config.json"))
        XCTAssertThrowsError(try MarianImporter.run(hfDirectory: dir, output: dir + "/out")) { e in
            XCTAssertTrue("\(e)".contains("shape [515, 16] in the file, [515, 32] in the model"), "\(e)")
        }
    }
}
