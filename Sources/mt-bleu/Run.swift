import ArgumentParser
import MTEval

/// What `mt-bleu` does once the options are parsed: read the references and the
/// hypotheses (sacreBLEU's reading rules), score, and print in sacreBLEU's formats.
extension MTBleu {
    /// Prints to stderr unless `--quiet`.
    func log(_ message: String) {
        if !quiet { SystemIO.writeStandardError("mt-bleu: " + message + "\n") }
    }

    /// One system: its name (file name or `System N`) and lines.
    struct System {
        var name: String
        var lines: TextLines
    }

    mutating func run() throws {
        let references = try readReferences()
        let systems = try readSystems()
        for s in systems {
            if s.lines.count == 0 { throw MTEvalError.emptyHypothesis(file: s.name) }
            try CorpusScorer.checkLineCounts(
                hypothesis: s.lines, hypothesisName: s.name, references: references.map(\.lines),
                referenceNames: references.map(\.name))
        }
        let scorer = CorpusScorer(threads: threads)
        let (bleu, bleuTok) = try bleuOptions()
        let chrf = chrfOptions()
        let refLines = references.map(\.lines)
        if sentenceLevel {
            guard systems.count == 1 else {
                throw ValidationError("Only one system can be evaluated in sentence-level mode.")
            }
            try printSentences(systems[0].lines, refLines, scorer, bleu, bleuTok, chrf)
            return
        }
        if systems.count > 1 {
            log("Found \(systems.count) systems.")
            try printSystems(systems, refLines, scorer, bleu, bleuTok, chrf)
            return
        }
        warnTokenized(systems[0].lines)
        let reports = try corpusReports(systems[0].lines, refLines, scorer, bleu, bleuTok, chrf)
        printSingle(reports)
    }

    /// Reference files, or the `--num-refs` tab-separated fields of the single file.
    func readReferences() throws -> [System] {
        var result: [System] = []
        for path in refs {
            result.append(System(name: path, lines: try TextLines(contentsOf: path)))
        }
        guard numRefs > 1 else { return result }
        let file = result[0]
        for k in 0..<file.lines.count where file.lines.fieldCount(k) < numRefs {
            log("FATAL: line \(k + 1): expected \(numRefs) fields, but found \(file.lines.fieldCount(k)).")
            throw ExitCode(17)
        }
        return (0..<numRefs).map {
            System(name: "\(file.name) (field \($0 + 1))",
                   lines: file.lines.field($0, rest: $0 == numRefs - 1, strip: false))
        }
    }

    /// Hypotheses: `-i` files (one system each) or stdin split on tabs into systems.
    func readSystems() throws -> [System] {
        if !input.isEmpty {
            var seen = Set<String>()
            return try input.map { path in
                guard seen.insert(path).inserted else {
                    throw ValidationError("'\(path)' already used to name a system.")
                }
                return System(name: path, lines: try TextLines(contentsOf: path))
            }
        }
        let data = try SystemIO.readStandardInput()
        var lines = try TextLines(data: data, name: "<stdin>", endings: .universal)
        if lines.count == 0 { lines = try TextLines(data: [0x0A], name: "<stdin>") }
        let fields = lines.fieldCount(0)
        for k in 1..<max(1, lines.count) where lines.fieldCount(k) != fields {
            log("FATAL: the number of tab-delimited fields in the input stream differ across lines.")
            throw ExitCode(17)
        }
        if fields == 1 { return [System(name: "<stdin>", lines: lines)] }
        return (0..<fields).map { System(name: "System \($0 + 1)", lines: lines.field($0)) }
    }

    /// BLEU options and the tokenizer name for the signature (`-tok`, else from `-l`).
    func bleuOptions() throws -> (BLEUOptions, String) {
        var o = BLEUOptions()
        o.lowercase = lowercase
        o.smoothing = BLEUSmoothing(rawValue: smoothMethod)!
        o.smoothValue = smoothValue
        o.effectiveOrder = sentenceLevel
        let target = languagePair.map { String($0.split(separator: "-", omittingEmptySubsequences: false)[1]) }
        let name: String
        if let t = tokenize {
            name = t
            if target == "zh" && t != "zh" { log("Consider using the 'zh' or 'spm' tokenizer for Chinese.") }
            if target == "ja" && t != "ja-mecab" { log("Consider using the 'ja-mecab' or 'spm' tokenizer for Japanese.") }
            if target == "ko" && t != "ko-mecab" { log("Consider using the 'ko-mecab' or 'spm' tokenizer for Korean.") }
        } else {
            name = BLEUTokenizer.defaultFor(targetLanguage: target).1
        }
        if metrics.contains("bleu") {
            guard let tok = BLEUTokenizer(rawValue: name) else {
                throw MTEvalError.unsupportedTokenizer(name)
            }
            o.tokenizer = tok
        }
        return (o, name)
    }

    func chrfOptions() -> CHRFOptions {
        CHRFOptions(
            charOrder: chrfCharOrder, wordOrder: chrfWordOrder, beta: chrfBeta,
            lowercase: chrfLowercase, whitespace: chrfWhitespace, epsSmoothing: chrfEpsSmoothing)
    }

    /// sacreBLEU's warning when 100 or more hypotheses end in a tokenized period.
    func warnTokenized(_ hyp: TextLines) {
        guard metrics.contains("bleu") && !force else { return }
        var n = 0
        for k in 0..<hyp.count {
            let e = hyp.ends[k]
            if e - hyp.starts[k] >= 2 && hyp.bytes[e - 1] == 0x2E && hyp.bytes[e - 2] == 0x20 { n += 1 }
        }
        if n >= 100 {
            log("That's 100 lines that end in a tokenized period ('.')")
            log("It looks like you forgot to detokenize your test data, which may hurt your score.")
            log("If you insist your data is detokenized, or don't care, you can suppress this message with the `force` parameter.")
        }
    }
}
