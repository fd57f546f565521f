#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Python's number formatting, as sacreBLEU's output uses it.
///
/// - `fixed(x, d)` is `f"{x:.{d}f}"`: the correctly rounded decimal of the binary double
///   (round-half-even on exact ties), which C's `printf("%.*f")` also gives. Truncating or
///   rounding `x * 10^d` in floating point is *not* the same and disagrees often.
/// - `repr(x)` is Python's `repr(float)` (what `json.dumps` prints): the shortest digits that
///   round-trip, in positional notation when the decimal exponent is in [-4, 16), else
///   `1e-05`-style with at least two exponent digits; integral values get `.0`.
/// This file does not format anything else.
public enum PyFormat {
    /// `f"{x:.{decimals}f}"`.
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        let d = max(0, decimals)
        var buffer = [CChar](repeating: 0, count: 400 + d)
        let n = withVaList([x]) { args in
            buffer.withUnsafeMutableBufferPointer { bp in
                vsnprintf(bp.baseAddress, bp.count, "%.\(d)f", args)
            }
        }
        guard n >= 0 else { return String(x) }
        return buffer.withUnsafeBufferPointer { bp in
            String(decoding: bp[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// `float(f"{x:.{decimals}f}")` as `json.dumps` prints it (sacreBLEU's JSON `score`).
    public static func roundedRepr(_ x: Double, _ decimals: Int) -> String {
        repr(Double(fixed(x, decimals)) ?? x)
    }

    /// Python `repr(x)` for a finite double.
    public static func repr(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
        if x == 0 { return x.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent) = shortestDigits(x)
        // Value = 0.d1d2... × 10^exponent; Python's decpt is `exponent`.
        let sign = negative ? "-" : ""
        if exponent > -4 && exponent <= 16 {
            if exponent <= 0 {
                return sign + "0." + String(repeating: "0", count: -exponent) + digits
            }
            if digits.count <= exponent {
                return sign + digits + String(repeating: "0", count: exponent - digits.count) + ".0"
            }
            let cut = digits.index(digits.startIndex, offsetBy: exponent)
            return sign + digits[..<cut] + "." + digits[cut...]
        }
        let e = exponent - 1
        var mantissa = String(digits.first!)
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let eAbs = abs(e)
        let eStr = eAbs < 10 ? "0\(eAbs)" : "\(eAbs)"
        return sign + mantissa + "e" + (e < 0 ? "-" : "+") + eStr
    }

    /// The shortest round-trip digits of `x` (from Swift's `description`, which uses the same
    /// shortest-digits rule as Python's repr) and the decimal point position.
    static func shortestDigits(_ x: Double) -> (Bool, String, Int) {
        var s = Swift.abs(x).description
        var exp10 = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp10 = Int(s[s.index(after: e)...])!
            s = String(s[..<e])
        }
        var intPart = s
        var fracPart = ""
        if let dot = s.firstIndex(of: ".") {
            intPart = String(s[..<dot])
            fracPart = String(s[s.index(after: dot)...])
        }
        var digits = intPart + fracPart
        var point = intPart.count + exp10
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (x < 0, digits, point)
    }
}
