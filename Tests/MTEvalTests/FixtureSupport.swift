import Foundation
import MTEval
import XCTest

/// Loading the golden fixtures recorded from sacreBLEU by `tools/eval/make_fixtures.py`, and
/// scoring one recorded case with MTEval the way `mt-bleu` would print it.
enum Fixtures {
    /// The parsed JSON of `Fixtures/<name>.json`.
    static func load(_ name: String) throws -> [String: Any] {
        let url = try XCTUnwrap(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            "missing fixture \(name).json")
        let data = try Data(contentsOf: url)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

/// One golden case: lines, options and sacreBLEU's printed results.
struct GoldenCase {
    let id: String
    let metric: String
    let sentence: Bool
    let options: [String: Any]
    let hyp: [String]
    let refs: [[String]]
    let raw: [String: Any]

    init(_ d: [String: Any]) {
        id = d["id"] as! String
        metric = d["metric"] as! String
        sentence = d["sentence"] as! Bool
        options = d["options"] as! [String: Any]
        hyp = d["hyp"] as! [String]
        refs = d["refs"] as! [[String]]
        raw = d
    }

    var bleuOptions: BLEUOptions {
        BLEUOptions(
            tokenizer: BLEUTokenizer(rawValue: options["tok"] as? String ?? "13a")!,
            lowercase: options["lc"] as? Bool ?? false,
            smoothing: BLEUSmoothing(rawValue: options["smooth"] as? String ?? "exp")!,
            smoothValue: (options["smooth_value"] as? NSNumber)?.doubleValue,
            effectiveOrder: sentence)
    }

    var chrfOptions: CHRFOptions {
        CHRFOptions(
            charOrder: options["nc"] as? Int ?? 6, wordOrder: options["nw"] as? Int ?? 0,
            beta: options["beta"] as? Int ?? 2, lowercase: options["lc"] as? Bool ?? false,
            whitespace: options["ws"] as? Bool ?? false, epsSmoothing: options["eps"] as? Bool ?? false)
    }

    /// MTEval's reports: one per segment at sentence level, else one for the corpus.
    func reports(threads: Int? = nil) throws -> [ScoreReport] {
        let scorer = CorpusScorer(threads: threads)
        let h = TextLines(hyp), r = refs.map(TextLines.init)
        if metric == "bleu" {
            let o = bleuOptions
            let sig = Signature.bleu(o, nrefs: refs.count)
            if sentence {
                return try scorer.bleuStatistics(o, hypotheses: h, references: r).map {
                    ScoreReport(o.score($0), signature: sig)
                }
            }
            return [ScoreReport(try scorer.bleu(o, hypotheses: h, references: r), signature: sig)]
        }
        let o = chrfOptions
        let sig = Signature.chrf(o, nrefs: refs.count)
        if sentence {
            return try scorer.chrfStatistics(o, hypotheses: h, references: r).map {
                ScoreReport(o.score($0.values), signature: sig)
            }
        }
        return [ScoreReport(try scorer.chrf(o, hypotheses: h, references: r), signature: sig)]
    }

    /// The recorded text line(s) for `key` (`text`, `text2`, `text17`).
    func expected(_ key: String) -> [String] {
        if let lines = raw[key] as? [String] { return lines }
        return [raw[key] as! String]
    }
}
