import Foundation
import XCTest
@testable import MTTrain
import MTData
import MTModel
import MTRuntime
import MTTensor

/// End-to-end training on a synthetic copy task: learning, exact resume, averaging, swap.
final class TrainerTests: XCTestCase {
    static func copyPairs(_ n: Int, seed: UInt64, symbols: Int = 10) -> [(source: [Int32], target: [Int32])] {
        var rng = RNG(seed: seed)
        return (0..<n).map { _ in
            let len = 2 + rng.below(7)
            let s = (0..<len).map { _ in Int32(4 + rng.below(symbols)) }
            return (s, s)
        }
    }

    static func modelConfig(_ decoder: ModelConfig.DecoderAttention) -> ModelConfig {
        ModelConfig(sourceVocabSize: 14, targetVocabSize: 14, modelDim: 32, ffnDim: 128, heads: 4, encoderLayers: 1,
                    decoderLayers: 1, decoderAttention: decoder, featureSizeSelf: 16, featureSizeCross: 16,
                    tying: .all, dropout: 0, maxPositions: 64)
    }

    static func trainConfig(dir: String, updates: Int) -> TrainConfig {
        var c = TrainConfig()
        c.saveDir = dir
        c.maxUpdates = updates
        c.maxTokens = 1024
        c.lr = 3e-3
        c.warmupUpdates = 100
        c.labelSmoothing = 0.1
        c.logInterval = 1000
        c.keepLast = 2
        c.seed = 3
        c.bestMetric = "loss"
        return c
    }

    func temporaryDirectory() -> String {
        let d = NSTemporaryDirectory() + "mt-train-tests-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func makeTrainer(_ c: TrainConfig, model mc: ModelConfig, pairs: [(source: [Int32], target: [Int32])],
                     resume: Bool = false, store: ParameterStore? = nil) throws -> Trainer {
        let model = try Seq2Seq(config: mc)
        let s = store ?? ParameterStore(layout: model.layout, training: true)
        if store == nil { model.initialize(s, seed: 1) }
        return try Trainer(config: c, model: model, store: s, train: EncodedCorpus(pairs: pairs), validator: nil,
                           metadata: [:], resume: resume, log: TrainLog(metricsPath: c.saveDir + "/metrics.jsonl", quiet: true))
    }

    static func exactMatch(_ t: Trainer, _ test: [(source: [Int32], target: [Int32])]) -> Double {
        let out = try! ValidationDecoding.greedyOrBeam(beam: 1, lenpen: 1)(t.model, t.store, test.map(\.source))
        return Double(zip(out, test).filter { $0 == $1.target }.count) / Double(test.count)
    }

    /// Non-finite losses skip their updates; `max_non_finite` of them in a row stop the run with
    /// an error that says how many and where (a library throws; mt-train exits with status 3).
    func testNonFiniteLossesStopTheRunWithAnError() throws {
        var c = Self.trainConfig(dir: temporaryDirectory(), updates: 20)
        c.maxNonFinite = 3
        let t = try makeTrainer(c, model: Self.modelConfig(.softmax), pairs: Self.copyPairs(3000, seed: 5))  // no epoch end in 3 updates
        t.store.weight(0).fill(.nan)  // the (tied) embedding: every loss is NaN from here on
        XCTAssertThrowsError(try t.run()) { XCTAssertEqual($0 as? TrainError, .nonFinite(count: 3, update: 1)) }
        XCTAssertEqual(t.state.update, 0, "no update was applied")
        XCTAssertFalse(FileManager.default.fileExists(atPath: t.files.last), "nothing was saved")
    }

    /// A copy task reaches at least 95 % exact match (greedy) on held-out sequences.
    func testCopyTaskLearnsToNinetyFivePercent() throws {
        let t = try makeTrainer(Self.trainConfig(dir: temporaryDirectory(), updates: 600), model: Self.modelConfig(.softmax),
                                pairs: Self.copyPairs(4000, seed: 1))
        try t.run()
        let acc = Self.exactMatch(t, Self.copyPairs(200, seed: 99))
        XCTAssertGreaterThanOrEqual(acc, 0.95, "exact match \(acc)")
    }

    /// Interrupted at update 10 and resumed ≡ uninterrupted: same losses, bit-identical weights.
    func testResumeEqualsUninterrupted() throws {
        let pairs = Self.copyPairs(600, seed: 2)
        for decoder in ModelConfig.DecoderAttention.allCases {
            var mc = Self.modelConfig(decoder)
            mc.dropout = 0.1  // dropout makes the RNG state part of what must be restored
            let straightDir = temporaryDirectory()
            var c = Self.trainConfig(dir: straightDir, updates: 20)
            c.logInterval = 1
            c.saveInterval = 10
            let straight = try makeTrainer(c, model: mc, pairs: pairs)
            try straight.run()

            let splitDir = temporaryDirectory()
            c.saveDir = splitDir
            c.maxUpdates = 10
            try makeTrainer(c, model: mc, pairs: pairs).run()
            c.maxUpdates = 20
            let resumed = try makeTrainer(c, model: mc, pairs: pairs, resume: true)
            XCTAssertEqual(resumed.state.update, 10)
            try resumed.run()

            XCTAssertEqual(resumed.store.weights.count, straight.store.weights.count)
            let a = UnsafeBufferPointer(start: resumed.store.weights.base, count: resumed.store.totalCount).map(\.bitPattern)
            let b = UnsafeBufferPointer(start: straight.store.weights.base, count: straight.store.totalCount).map(\.bitPattern)
            XCTAssertTrue(a == b, "\(decoder): resumed weights differ from the uninterrupted run")
            XCTAssertEqual(try trainLosses(splitDir), try trainLosses(straightDir), "\(decoder): loss curves differ")
            // Each run ends with a "done" line whose train_seconds counts every run so far.
            let dones = try doneLines(splitDir)
            XCTAssertEqual(dones.map(\.update), [10, 20])
            XCTAssertGreaterThan(dones[1].seconds, dones[0].seconds, "train_seconds accumulates over resumed runs")
            XCTAssertEqual(dones[1].seconds, resumed.state.trainSeconds, accuracy: 1e-6)
        }
    }

    /// Resuming a polynomial_decay run whose end moved (max_updates raised) warns; the same
    /// schedule does not.
    func testResumeWarnsWhenTheScheduleChanges() throws {
        let pairs = Self.copyPairs(200, seed: 4)
        let mc = Self.modelConfig(.t2r)
        var c = Self.trainConfig(dir: temporaryDirectory(), updates: 6)
        c.lrScheduler = "polynomial_decay"; c.warmupUpdates = 2
        try makeTrainer(c, model: mc, pairs: pairs).run()
        let same = try makeTrainer(c, model: mc, pairs: pairs, resume: true)
        XCTAssertEqual(same.state.update, 6)
        XCTAssertEqual(same.resumeWarnings, [])
        c.maxUpdates = 12
        let moved = try makeTrainer(c, model: mc, pairs: pairs, resume: true)
        XCTAssertEqual(moved.resumeWarnings.count, 1)
        XCTAssert(moved.resumeWarnings.first?.contains("total 6") == true && moved.resumeWarnings.first?.contains("total 12") == true,
                  "\(moved.resumeWarnings)")
    }

    func doneLines(_ dir: String) throws -> [(update: Int, seconds: Double)] {
        let text = try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["kind"] as? String == "done", let u = (o["update"] as? NSNumber)?.intValue,
                  let s = (o["train_seconds"] as? NSNumber)?.doubleValue else { return nil }
            return (u, s)
        }
    }

    func trainLosses(_ dir: String) throws -> [Double] {
        let text = try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return o?["kind"] as? String == "train" ? (o?["loss"] as? NSNumber)?.doubleValue : nil
        }
    }

    func testAveragingIsTheElementwiseMean() throws {
        let dir = temporaryDirectory()
        let paths = (0..<3).map { dir + "/c\($0).safetensors" }
        for (k, p) in paths.enumerated() {
            try SafeTensors.write([SafeTensors.Entry(name: "w", shape: [2, 2], values: [1, 2, 3, Float(k * 3)]),
                                   SafeTensors.Entry(name: "b", shape: [1], values: [Float(k)])], metadata: ["k": "\(k)"], to: p)
        }
        try CheckpointAverage.average(paths, to: dir + "/avg.safetensors")
        let (entries, _) = try SafeTensors.read(dir + "/avg.safetensors")
        XCTAssertEqual(entries.first { $0.name == "w" }?.values, [1, 2, 3, 3])
        XCTAssertEqual(entries.first { $0.name == "b" }?.values, [1])
        try SafeTensors.write([SafeTensors.Entry(name: "w", shape: [4], values: [0, 0, 0, 0])], metadata: [:], to: dir + "/bad.safetensors")
        XCTAssertThrowsError(try CheckpointAverage.average([paths[0], dir + "/bad.safetensors"], to: dir + "/x.safetensors"))
    }

    /// Swap a trained softmax model to T2R and finetune for half the teacher's updates:
    /// the T2R training objective (label-smoothed loss, ε 0.1, on held-out pairs) comes back to
    /// within 10 % of the softmax model's.
    func testSwapThenFinetuneRecoversTheLoss() throws {
        let pairs = Self.copyPairs(4000, seed: 1)
        let teacher = try makeTrainer(Self.trainConfig(dir: temporaryDirectory(), updates: 600), model: Self.modelConfig(.softmax), pairs: pairs)
        try teacher.run()
        let valid = EncodedCorpus(pairs: Self.copyPairs(300, seed: 7))
        func loss(_ t: Trainer) throws -> Double {
            let v = Validator(corpus: valid, references: [String](repeating: "", count: valid.count), targetLang: "x",
                              maxTokens: 1024, bleuSentences: 0, detokenize: { _ in "" }, translate: nil)
            return try v.run(model: t.model, params: t.store, smoothing: 0.1).loss
        }
        let teacherLoss = try loss(teacher)
        let t2rModel = try Seq2Seq(config: Self.modelConfig(.t2r))
        let t2rStore = ParameterStore(layout: t2rModel.layout, training: true)
        var rng = RNG(seed: 4)
        _ = try Swap.copy(from: teacher.store, into: t2rStore, featureMaps: t2rModel.featureMapParameters, headDim: 8,
                           rng: &rng)
        var fc = Self.trainConfig(dir: temporaryDirectory(), updates: 300)  // half the teacher's 600
        fc.warmupUpdates = 30  // a fresh, short warmup (T2R.md §6: fresh optimiser and schedule)
        let finetune = try makeTrainer(fc, model: Self.modelConfig(.t2r), pairs: pairs, store: t2rStore)
        let swappedLoss = try loss(finetune)
        try finetune.run()
        let finetunedLoss = try loss(finetune)
        XCTAssertLessThan(finetunedLoss, swappedLoss, "finetuning lowers the loss of the swapped model")
        XCTAssertLessThanOrEqual(finetunedLoss, teacherLoss * 1.1,
                                 "T2R \(finetunedLoss) bits vs softmax \(teacherLoss) (swapped, before finetune: \(swappedLoss))")
    }
}
