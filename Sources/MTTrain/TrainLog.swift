import Foundation

/// Logging for training: tagged lines with fixed fields on stderr
/// (`[train] ep 3 up 1200 loss 4.213 ppl 67.6 lr 3.1e-4 gnorm 0.84 tok/s 5120 eta 12m`) and a
/// JSON-lines metrics file (one object per progress or validation line) for `mt-train plot`.
public final class TrainLog: @unchecked Sendable {
    let metricsPath: String?
    let quiet: Bool

    public init(metricsPath: String?, quiet: Bool = false) {
        self.metricsPath = metricsPath
        self.quiet = quiet
    }

    /// Statistics accumulated between two progress lines.
    struct Window {
        var loss = 0.0, nll = 0.0, tokens = 0, gnorm = 0.0, updates = 0, skipped = 0, seconds = 0.0
        mutating func add(_ s: Trainer.StepStats, seconds dt: Double) {
            seconds += dt
            if s.skipped { skipped += 1; return }
            loss += s.loss; nll += s.nll; tokens += s.tokens; gnorm += s.gnorm; updates += 1
        }
    }

    func write(_ line: String) {
        if quiet { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    public func info(_ m: String) { write("[train] " + m) }
    public func warn(_ m: String) { write("[train] warning: " + m) }
    public func error(_ m: String) { write("[train] error: " + m) }

    static func duration(_ s: Double) -> String {
        if s < 60 { return "\(Int(s))s" }
        if s < 3600 { return "\(Int(s / 60))m" }
        return String(format: "%dh%02dm", Int(s / 3600), Int(s.truncatingRemainder(dividingBy: 3600) / 60))
    }

    func progress(epoch: Int, update: Int, window w: Window, lr: Float, eta: Double?) {
        let ln2 = log(2.0)
        let t = Double(max(w.tokens, 1))
        let loss = w.loss / t / ln2, nll = w.nll / t / ln2
        let gnorm = w.gnorm / Double(max(w.updates, 1))
        let tps = Double(w.tokens) / max(w.seconds, 1e-9)
        var line = String(format: "ep %d up %d loss %.3f ppl %.1f lr %.2e gnorm %.2f tok/s %.0f", epoch, update, loss,
                          pow(2, nll), Double(lr), gnorm, tps)
        if let e = eta { line += " eta " + TrainLog.duration(e) }
        if w.skipped > 0 { line += " skipped \(w.skipped)" }
        write("[train] " + line)
        metrics(["kind": "train", "epoch": epoch, "update": update, "loss": loss, "ppl": pow(2, nll), "lr": Double(lr),
                 "gnorm": gnorm, "tok_per_s": tps])
    }

    func validation(update: Int, result r: Validator.Result, best: Double?, metric: String) {
        var line = String(format: "[valid] up %d loss %.3f ppl %.2f", update, r.loss, r.perplexity)
        if let b = r.bleu { line += String(format: " bleu %.2f", b.score) }
        if let s = r.signature { line += " (\(s))" }
        if let b = best { line += String(format: " best %@ %.3f", metric, metric == "bleu" ? b : -b) }
        write(line)
    }

    /// Appends one JSON object to the metrics file.
    public func metrics(_ fields: [String: Any]) {
        guard let path = metricsPath,
              let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return }
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { return }
        h.seekToEndOfFile()
        h.write(data + Data("\n".utf8))
        h.closeFile()
    }
}
