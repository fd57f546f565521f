/// The three Unicode classes of sacreBLEU's `intl` tokenizer: `\p{N}`, `\p{P}` and `\p{S}`.
///
/// sacreBLEU evaluates them with the third-party `regex` module, whose tables follow the
/// latest Unicode (17.0 for regex 2026.x). The classes are general categories:
/// N = Nd Nl No, P = Pc Pd Ps Pe Pi Pf Po, S = Sm Sc Sk So.
///
/// We read the general category from Swift's `Unicode.Scalar.Properties.generalCategory`,
/// which needs no ICU. Swift 6.3's category table is Unicode 16.0, so the code points that
/// Unicode 17.0 assigned to N, P or S are added from `unicode17Additions`; nothing else
/// differs (checked over all code points against a table dumped from the `regex` module, see
/// `Tests/MTEvalTests/UnicodeClassesTests.swift`). ASCII is answered from a constant table.
/// This file does not know about letters, marks or scripts.
public enum UnicodeClass: UInt8, Sendable {
    /// Neither number, punctuation nor symbol (letters, marks, spaces, unassigned, ...).
    case other = 0
    /// `\p{N}`: Nd, Nl, No.
    case number = 1
    /// `\p{P}`: Pc, Pd, Ps, Pe, Pi, Pf, Po.
    case punctuation = 2
    /// `\p{S}`: Sm, Sc, Sk, So.
    case symbol = 4

    /// Unicode 17.0 code points in N, P or S that Swift 6.3 (Unicode 16.0) lists as unassigned.
    static let unicode17Additions: [(ClosedRange<UInt32>, UnicodeClass)] = [
        (0x20C2...0x20C4, .symbol), (0x2E60...0x2E63, .punctuation),
        (0x10EC9...0x10ECA, .symbol), (0x1246F...0x1246F, .number),
        (0x12475...0x1247F, .number), (0x12550...0x12686, .number),
        (0x1CED2...0x1CED4, .symbol), (0x1CEDD...0x1CEDF, .symbol),
        (0x1CEF1...0x1CEFD, .symbol), (0x1D1EB...0x1D1FF, .symbol),
        (0x1D253...0x1D25A, .symbol), (0x1D25D...0x1D25E, .symbol),
        (0x1D260...0x1D27F, .symbol), (0x1DB00...0x1DB1C, .symbol),
        (0x1F1AE...0x1F1AE, .symbol), (0x1F6D9...0x1F6D9, .symbol),
        (0x1F7DA...0x1F7DB, .symbol), (0x1F7F1...0x1F7FF, .symbol),
        (0x1FA8B...0x1FA8D, .symbol), (0x1FACC...0x1FACC, .symbol),
        (0x1FADD...0x1FADD, .symbol), (0x1FAEB...0x1FAEB, .symbol),
        (0x1FAF9...0x1FAFA, .symbol),
    ]

    /// Classes of the 128 ASCII characters (0 other, 1 number, 2 punctuation, 4 symbol).
    static let ascii: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 128)
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(c)] = 1 }
        for c in "!\"#%&'()*,-./:;?@[\\]_{}".utf8 { t[Int(c)] = 2 }
        for c in "$+<=>^`|~".utf8 { t[Int(c)] = 4 }
        return t
    }()

    /// The class of code point `c`, as the `regex` module's `\p{N}`, `\p{P}`, `\p{S}` see it.
    @inline(__always)
    public static func of(_ c: UInt32) -> UnicodeClass {
        if c < 0x80 { return UnicodeClass(rawValue: ascii[Int(c)])! }
        return nonASCII(c)
    }

    static func nonASCII(_ c: UInt32) -> UnicodeClass {
        guard let scalar = Unicode.Scalar(c) else { return .other }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return .punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return .symbol
        case .unassigned:
            if c >= 0x20C2 {
                for (range, cls) in unicode17Additions where range.contains(c) { return cls }
            }
            return .other
        default:
            return .other
        }
    }
}
