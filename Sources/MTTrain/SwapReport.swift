import Foundation

/// The before/after table that swap-then-finetune prints: the teacher (softmax) model against
/// the finetuned T2R model on the validation set.
public enum SwapReport {
    public static func table(teacher: Validator.Result, teacherParameters: Int, after: Validator.Result,
                             afterParameters: Int, decoder: String) -> String {
        func bleu(_ r: Validator.Result) -> String { r.bleu.map { String(format: "%.2f", $0.score) } ?? "-" }
        var lines = ["", "                     teacher (softmax)   after finetune (\(decoder))"]
        let b = bleu(teacher)
        lines.append("  valid BLEU         " + String(repeating: " ", count: max(0, 17 - b.count)) + b + "   " + bleu(after))
        lines.append(String(format: "  valid loss (bits)  %17.3f   %.3f", teacher.loss, after.loss))
        lines.append(String(format: "  valid ppl          %17.2f   %.2f", teacher.perplexity, after.perplexity))
        lines.append(String(format: "  parameters         %17d   %d", teacherParameters, afterParameters))
        if let s = after.signature ?? teacher.signature { lines.append("  BLEU signature: \(s)") }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func print(teacher: Validator.Result, teacherParameters: Int, after: Validator.Result,
                             afterParameters: Int, decoder: String) {
        Swift.print(table(teacher: teacher, teacherParameters: teacherParameters, after: after,
                          afterParameters: afterParameters, decoder: decoder), terminator: "")
    }
}
