/// sacreBLEU's reproducibility signature (`nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|
/// version:2.6.0`) and the text/JSON score reports that carry it.
///
/// Keys come in sacreBLEU's order: `nrefs`, then the metric's own keys, then `version` last.
/// The short form uses sacreBLEU's abbreviations (`#:1|c:mixed|e:no|tok:13a|s:exp|v:2.6.0`).
/// `version` is the sacreBLEU version whose behaviour MTEval reproduces, so a signature
/// printed by `mt-bleu` can be compared with one printed by sacreBLEU.
/// The reports reproduce `Score.format`: the text line `NAME|SIG = SCORE VERBOSE` and
/// `json.dumps(d, indent=1, ensure_ascii=False)` with the signature fields as strings.
public struct Signature: Sendable, Equatable {
    /// The sacreBLEU version reproduced (printed as `version:`).
    public static let sacreBLEUVersion = "2.6.0"

    /// `(key, short key, value)` in print order, `version` excluded.
    public var fields: [(key: String, short: String, value: String)]

    public static func == (a: Signature, b: Signature) -> Bool {
        a.fields.elementsEqual(b.fields) { $0 == $1 }
    }

    /// The BLEU signature: `nrefs|case|eff|tok|smooth|version`.
    public static func bleu(_ o: BLEUOptions, nrefs: Int, tokenizerName: String? = nil) -> Signature {
        var smooth = o.smoothing.rawValue
        if let def = o.smoothing.defaultValue {
            smooth += "[\(PyFormat.fixed(o.smoothValue ?? def, 2))]"
        }
        return Signature(fields: [
            ("nrefs", "#", "\(nrefs)"),
            ("case", "c", o.lowercase ? "lc" : "mixed"),
            ("eff", "e", o.effectiveOrder ? "yes" : "no"),
            ("tok", "tok", tokenizerName ?? o.tokenizer.signature),
            ("smooth", "s", smooth),
        ])
    }

    /// The chrF signature: `nrefs|case|eff|nc|nw|space|version`.
    public static func chrf(_ o: CHRFOptions, nrefs: Int) -> Signature {
        Signature(fields: [
            ("nrefs", "#", "\(nrefs)"),
            ("case", "c", o.lowercase ? "lc" : "mixed"),
            ("eff", "e", o.epsSmoothing ? "no" : "yes"),
            ("nc", "nc", "\(o.charOrder)"),
            ("nw", "nw", "\(o.wordOrder)"),
            ("space", "s", o.whitespace ? "yes" : "no"),
        ])
    }

    /// All fields including `version`, in print order.
    var allFields: [(key: String, short: String, value: String)] {
        fields + [("version", "v", Self.sacreBLEUVersion)]
    }

    /// `key:value|...`, or the abbreviated form when `short`.
    public func format(short: Bool = false) -> String {
        allFields.map { "\(short ? $0.short : $0.key):\($0.value)" }.joined(separator: "|")
    }
}

/// One metric's result ready to print the way sacreBLEU's `Score.format` prints it.
public struct ScoreReport: Sendable {
    /// Metric name (`BLEU`, `chrF2`, `chrF2++`).
    public var name: String
    /// The unrounded score.
    public var score: Double
    /// The verbose part (BLEU's precisions and BP), empty for chrF.
    public var verbose: String
    /// The signature.
    public var signature: Signature

    /// A report for a BLEU score.
    public init(_ s: BLEUScore, signature: Signature) {
        self.init(name: "BLEU", score: s.score, verbose: s.verbose, signature: signature)
    }

    /// A report for a chrF score.
    public init(_ s: CHRFScore, signature: Signature) {
        self.init(name: s.name, score: s.score, verbose: "", signature: signature)
    }

    /// A report with the given parts.
    public init(name: String, score: Double, verbose: String, signature: Signature) {
        self.name = name
        self.score = score
        self.verbose = verbose
        self.signature = signature
    }

    /// The score alone with `width` decimals (`-b`).
    public func scoreOnly(width: Int) -> String { PyFormat.fixed(score, width) }

    /// `NAME|SIG = SCORE VERBOSE` (sacreBLEU's text format).
    public func text(width: Int, short: Bool = false) -> String {
        var line = "\(name)|\(signature.format(short: short)) = \(PyFormat.fixed(score, width))"
        if !verbose.isEmpty { line += " " + verbose }
        return line
    }

    /// The JSON object sacreBLEU prints (`indent=1`, keys in its order, fields as strings).
    /// `extra` entries (already JSON-encoded values) are appended before the signature fields.
    public func json(width: Int, extra: [(String, String)] = []) -> String {
        var entries: [(String, String)] = [
            ("name", JSON.string(name)),
            ("score", PyFormat.roundedRepr(score, width)),
            ("signature", JSON.string(signature.format())),
        ]
        if !verbose.isEmpty { entries.append(("verbose_score", JSON.string(verbose))) }
        entries += extra
        for f in signature.allFields { entries.append((f.key, JSON.string(f.value))) }
        return "{\n" + entries.map { " \(JSON.string($0.0)): \($0.1)" }.joined(separator: ",\n")
            + "\n}"
    }
}

/// Minimal JSON encoding matching Python's `json.dumps(..., ensure_ascii=False)`.
public enum JSON {
    /// A JSON string literal: `"` and `\` escaped, control characters as `\n`, `\uXXXX`, ...
    public static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// A JSON array of counts: integral values as integers (add-k can make them fractional).
    public static func counts(_ xs: [Double]) -> String {
        "[" + xs.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : PyFormat.repr($0) }
            .joined(separator: ", ") + "]"
    }

    /// A JSON array of numbers printed as Python's `repr`.
    public static func numbers(_ xs: [Double]) -> String {
        "[" + xs.map { PyFormat.repr($0) }.joined(separator: ", ") + "]"
    }
}
