import ArgumentParser
import MTEval

/// Scoring and printing in sacreBLEU's formats: one system (JSON object, JSON list for
/// several metrics, or `=`-aligned text lines), sentence level (one text line per segment),
/// and several systems (sacreBLEU's JSON list of `{"system": ..., "BLEU": "..."}`).
extension MTBleu {
    /// The metrics in sacreBLEU's order (`sorted(metrics)` by upper-case name: BLEU, CHRF).
    var orderedMetrics: [String] {
        var seen = Set<String>()
        return metrics.map { $0.lowercased() }.filter { seen.insert($0).inserted }.sorted()
    }

    /// Corpus scores of one system, one report per metric, with the numbers `--stats` adds.
    func corpusReports(
        _ hyp: TextLines, _ refs: [TextLines], _ scorer: CorpusScorer,
        _ bleu: BLEUOptions, _ tokName: String, _ chrf: CHRFOptions
    ) throws -> [(ScoreReport, [(String, String)])] {
        var reports: [(ScoreReport, [(String, String)])] = []
        for m in orderedMetrics {
            if m == "bleu" {
                let s = try scorer.bleu(bleu, hypotheses: hyp, references: refs)
                let sig = Signature.bleu(bleu, nrefs: refs.count, tokenizerName: tokName)
                let extra: [(String, String)] = [
                    ("counts", JSON.counts(s.counts)), ("totals", JSON.counts(s.totals)),
                    ("precisions", JSON.numbers(s.precisions)), ("bp", PyFormat.repr(s.bp)),
                    ("sys_len", "\(s.sysLen)"), ("ref_len", "\(s.refLen)"),
                ]
                reports.append((ScoreReport(s, signature: sig), extra))
            } else {
                let s = try scorer.chrf(chrf, hypotheses: hyp, references: refs)
                let stats = "[" + s.statistics.map(String.init).joined(separator: ", ") + "]"
                reports.append(
                    (ScoreReport(s, signature: Signature.chrf(chrf, nrefs: refs.count)),
                     [("statistics", stats)]))
            }
        }
        return reports
    }

    /// sacreBLEU's `print_single_results`.
    func printSingle(_ reports: [(ScoreReport, [(String, String)])]) {
        let json = format == "json"
        let lines: [String] = reports.map { r, extra in
            if scoreOnly { return r.scoreOnly(width: width) }
            if json { return r.json(width: width, extra: stats ? extra : []) }
            return r.text(width: width, short: short)
        }
        if json {
            print(lines.count > 1 ? "[\n" + lines.joined(separator: ",\n") + "\n]" : lines[0])
            return
        }
        if lines.count == 1 {
            print(lines[0])
            return
        }
        // Right-align the part before the first '=' (by code points, as Python counts).
        var lens: [Int?] = []
        for line in lines {
            if let eq = line.unicodeScalars.firstIndex(of: "=") {
                lens.append(line.unicodeScalars.distance(from: line.unicodeScalars.startIndex, to: eq) - 1)
            } else {
                print(line)
                lens.append(nil)
            }
        }
        let w = lens.compactMap { $0 }.max() ?? 0
        for (len, line) in zip(lens, lines) {
            guard let len else { continue }
            let scalars = Array(line.unicodeScalars)
            var left = String(String.UnicodeScalarView(scalars[0..<len]))
            let right = String(String.UnicodeScalarView(scalars[len...]))
            if len < w { left = String(repeating: " ", count: w - len) + left }
            print(left + right)
        }
    }

    /// `-sl`: one line per segment (`score.format(width, score_only, signature)`).
    func printSentences(
        _ hyp: TextLines, _ refs: [TextLines], _ scorer: CorpusScorer,
        _ bleu: BLEUOptions, _ tokName: String, _ chrf: CHRFOptions
    ) throws {
        var out = ""
        if orderedMetrics[0] == "bleu" {
            let sig = Signature.bleu(bleu, nrefs: refs.count, tokenizerName: tokName)
            for st in try scorer.bleuStatistics(bleu, hypotheses: hyp, references: refs) {
                let r = ScoreReport(bleu.score(st), signature: sig)
                out += (scoreOnly ? r.scoreOnly(width: width) : r.text(width: width, short: short)) + "\n"
            }
        } else {
            let sig = Signature.chrf(chrf, nrefs: refs.count)
            for st in try scorer.chrfStatistics(chrf, hypotheses: hyp, references: refs) {
                let r = ScoreReport(chrf.score(st.values), signature: sig)
                out += (scoreOnly ? r.scoreOnly(width: width) : r.text(width: width, short: short)) + "\n"
            }
        }
        SystemIO.writeStandardOutput(out)
    }

    /// Several systems (tabs on stdin or several `-i` files): sacreBLEU's JSON list, or its
    /// `tabulate` "fancy_grid" table and signature list for `-f text`.
    func printSystems(
        _ systems: [System], _ refs: [TextLines], _ scorer: CorpusScorer,
        _ bleu: BLEUOptions, _ tokName: String, _ chrf: CHRFOptions
    ) throws {
        var names: [String] = []
        var signatures: [String] = []
        var scores: [[String]] = []  // [system][metric]
        for s in systems {
            let reports = try corpusReports(s.lines, refs, scorer, bleu, tokName, chrf)
            names = reports.map { $0.0.name }
            signatures = reports.map { $0.0.signature.format(short: short) }
            scores.append(reports.map { $0.0.scoreOnly(width: width) })
        }
        if format == "json" {
            let rows = zip(systems, scores).map { s, values in
                var entries = ["        \"system\": \(JSON.string(s.name))"]
                for (n, v) in zip(names, values) {
                    entries.append("        \(JSON.string(n)): \(JSON.string(v))")
                }
                return "    {\n" + entries.joined(separator: ",\n") + "\n    }"
            }
            print("[\n" + rows.joined(separator: ",\n") + "\n]")
            return
        }
        print(Self.fancyGrid(headers: ["System"] + names, rows: zip(systems, scores).map { [$0.name] + $1 }))
        print()
        print("-----------------\nMetric signatures\n-----------------")
        for (n, sig) in zip(names, signatures) {
            print(" - " + n + String(repeating: " ", count: max(0, 10 - n.unicodeScalars.count)) + " " + sig)
        }
    }

    /// `tabulate(..., tablefmt="fancy_grid", colalign=("right",), stralign="center",
    /// numalign="center")`: first column right-aligned, the others centred (Python's `^`
    /// puts the odd space on the right), each column at least its header plus 2 wide.
    static func fancyGrid(headers: [String], rows: [[String]]) -> String {
        let len = { (s: String) in s.unicodeScalars.count }
        let widths = headers.indices.map { c in
            max(len(headers[c]) + 2, rows.map { len($0[c]) }.max() ?? 0)
        }
        func cell(_ s: String, _ c: Int) -> String {
            let pad = widths[c] - len(s)
            if c == 0 { return String(repeating: " ", count: pad) + s }
            return String(repeating: " ", count: pad / 2) + s + String(repeating: " ", count: pad - pad / 2)
        }
        func line(_ l: String, _ fill: String, _ mid: String, _ r: String) -> String {
            l + widths.map { String(repeating: fill, count: $0 + 2) }.joined(separator: mid) + r
        }
        func row(_ cells: [String]) -> String {
            "│" + cells.enumerated().map { " " + cell($1, $0) + " " }.joined(separator: "│") + "│"
        }
        var out = [line("╒", "═", "╤", "╕"), row(headers), line("╞", "═", "╪", "╡")]
        for (k, r) in rows.enumerated() {
            if k > 0 { out.append(line("├", "─", "┼", "┤")) }
            out.append(row(r))
        }
        out.append(line("╘", "═", "╧", "╛"))
        return out.joined(separator: "\n")
    }
}
