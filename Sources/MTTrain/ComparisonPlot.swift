import Foundation

/// `mt-train plot --run NAME=PATH[@OFFSET] …`: validation BLEU of several runs against training
/// wall-clock seconds (the `train_seconds` of each `"kind":"valid"` line of metrics.jsonl), one
/// SVG panel: the training-cost figure of a comparison (recipes/multi30k-en-de/compare.sh).
/// OFFSET seconds are added to a run's times, e.g. a finetune's teacher time, so that every
/// curve shows the total compute spent to reach it.
public enum ComparisonPlot {
    public struct Run: Sendable, Equatable {
        public var name: String
        public var path: String
        public var offsetSeconds: Double

        /// Parses NAME=PATH or NAME=PATH@OFFSET.
        public init?(spec: String) {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex else { return nil }
            name = String(spec[..<eq])
            var rest = String(spec[spec.index(after: eq)...])
            offsetSeconds = 0
            if let at = rest.lastIndex(of: "@"), let o = Double(rest[rest.index(after: at)...]) {
                offsetSeconds = o
                rest = String(rest[..<at])
            }
            guard !rest.isEmpty else { return nil }
            path = rest
        }
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// (train_seconds + offset, BLEU) of every validation with a BLEU score, in file order.
    public static func points(metricsPath: String, offset: Double) throws -> [(Double, Double)] {
        guard let data = FileManager.default.contents(atPath: metricsPath) else {
            throw TrainError.file(path: metricsPath, reason: "cannot read the metrics file")
        }
        var out: [(Double, Double)] = []
        for (k, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let kind = obj["kind"] as? String else {
                throw TrainError.file(path: "\(metricsPath):\(k + 1)", reason: "not a metrics line")
            }
            guard kind == "valid", let b = (obj["bleu"] as? NSNumber)?.doubleValue, b >= 0,
                  let t = (obj["train_seconds"] as? NSNumber)?.doubleValue else { continue }
            out.append((t + offset, b))
        }
        return out
    }

    public static func svg(runs: [Run], title: String = "validation BLEU against training time") throws -> String {
        let w = 760.0, h = 420.0
        var series: [CurvePlot.Series] = []
        for (i, r) in runs.enumerated() {
            series.append(CurvePlot.Series(name: r.name, color: colors[i % colors.count],
                                           points: try points(metricsPath: r.path, offset: r.offsetSeconds)))
        }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += CurvePlot.panel(title: title, series: series, y0: 0, width: w, height: h, xLabel: "training seconds")
        return out + "</svg>\n"
    }
}
