import Foundation

/// `mt-train plot`: training loss (bits per token) and validation BLEU against updates, as a
/// self-contained SVG (two panels, axes with ticks, no external assets).
public enum CurvePlot {
    struct Series { var name: String; var color: String; var points: [(Double, Double)] }

    public static func svg(metricsPath: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: metricsPath) else {
            throw TrainError.file(path: metricsPath, reason: "cannot read the metrics file")
        }
        var trainLoss: [(Double, Double)] = [], validLoss: [(Double, Double)] = [], bleu: [(Double, Double)] = []
        for (k, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let kind = obj["kind"] as? String, let up = (obj["update"] as? NSNumber)?.doubleValue else {
                throw TrainError.file(path: "\(metricsPath):\(k + 1)", reason: "not a metrics line")
            }
            let loss = (obj["loss"] as? NSNumber)?.doubleValue
            if kind == "train", let l = loss { trainLoss.append((up, l)) }
            if kind == "valid" {
                if let l = loss { validLoss.append((up, l)) }
                if let b = (obj["bleu"] as? NSNumber)?.doubleValue, b >= 0 { bleu.append((up, b)) }
            }
        }
        let w = 720.0, h = 300.0
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(2 * h + 20))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += panel(title: "loss (bits/token)", series: [Series(name: "train", color: "#1f77b4", points: trainLoss),
                                                          Series(name: "valid", color: "#d62728", points: validLoss)],
                     y0: 0, width: w, height: h)
        out += panel(title: "validation BLEU", series: [Series(name: "BLEU", color: "#2ca02c", points: bleu)],
                     y0: h + 20, width: w, height: h)
        return out + "</svg>\n"
    }

    static func panel(title: String, series: [Series], y0: Double, width: Double, height: Double,
                      xLabel: String = "updates") -> String {
        let left = 60.0, right = 20.0, top = 30.0, bottom = 40.0
        let all = series.flatMap(\.points)
        var s = "<text x=\"\(left)\" y=\"\(y0 + 18)\" font-weight=\"bold\">\(title)</text>\n"
        guard let xmin = all.map(\.0).min(), let xmax = all.map(\.0).max(),
              var ymin = all.map(\.1).min(), var ymax = all.map(\.1).max() else {
            return s + "<text x=\"\(left)\" y=\"\(y0 + height / 2)\">no data yet</text>\n"
        }
        if ymax - ymin < 1e-9 { ymin -= 1; ymax += 1 }
        let pw = width - left - right, ph = height - top - bottom
        func px(_ x: Double) -> Double { left + (xmax > xmin ? (x - xmin) / (xmax - xmin) : 0.5) * pw }
        func py(_ y: Double) -> Double { y0 + top + (1 - (y - ymin) / (ymax - ymin)) * ph }
        s += "<rect x=\"\(left)\" y=\"\(y0 + top)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#888\"/>\n"
        for i in 0...4 {
            let yv = ymin + (ymax - ymin) * Double(i) / 4, xv = xmin + (xmax - xmin) * Double(i) / 4
            s += "<text x=\"\(left - 6)\" y=\"\(py(yv) + 4)\" text-anchor=\"end\">\(String(format: "%.2f", yv))</text>\n"
            s += "<text x=\"\(px(xv))\" y=\"\(y0 + height - bottom + 16)\" text-anchor=\"middle\">\(Int(xv))</text>\n"
        }
        s += "<text x=\"\(left + pw / 2)\" y=\"\(y0 + height - 6)\" text-anchor=\"middle\">\(xLabel)</text>\n"
        for (k, ser) in series.enumerated() where !ser.points.isEmpty {
            let pts = ser.points.map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(ser.color)\" stroke-width=\"1.5\" points=\"\(pts)\"/>\n"
            if ser.points.count == 1 {
                s += "<circle cx=\"\(px(ser.points[0].0))\" cy=\"\(py(ser.points[0].1))\" r=\"3\" fill=\"\(ser.color)\"/>\n"
            }
            s += "<text x=\"\(left + pw - 8)\" y=\"\(y0 + top + 16 + Double(k) * 16)\" text-anchor=\"end\" fill=\"\(ser.color)\">\(ser.name)</text>\n"
        }
        return s
    }
}
