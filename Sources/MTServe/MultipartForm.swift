import Foundation

/// `multipart/form-data` bodies (RFC 7578), the form a browser's `FormData` sends: what
/// LibreTranslate's own web page and pages written after it post to /translate. Only text fields
/// are read (name → values in order, as `BodyReader.decodeForm` gives them); parts with a
/// `filename` (file uploads) are skipped, as LibreTranslate's /translate reads only
/// `request.form`. Every malformed body is a 400 naming what was expected.
enum MultipartForm {
    /// The boundary of a `multipart/form-data` content type; nil for other types. Throws
    /// `ServeError.invalidField` when the type is multipart/form-data without a usable boundary.
    static func boundary(contentType: String) throws -> [UInt8]? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, first.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() {
            guard let eq = p.firstIndex(of: "="), p[..<eq].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = p[p.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard (1...70).contains(value.utf8.count) else {
                throw ServeError.invalidField(name: "Content-Type", reason: "has a multipart boundary of \(value.utf8.count) bytes (1 to 70 allowed)")
            }
            return Array(value.utf8)
        }
        throw ServeError.invalidField(name: "Content-Type", reason: "is multipart/form-data without a boundary parameter")
    }

    /// The text fields of `body`, split at `boundary`.
    static func fields(_ body: [UInt8], boundary: [UInt8]) throws -> [String: [String]] {
        let delimiter = Array("--".utf8) + boundary
        let crlf: [UInt8] = [13, 10]
        func bad(_ why: String) -> ServeError { .invalidField(name: "multipart body", reason: why) }
        // The first delimiter: at the start, or after a preamble ending in CRLF.
        var pos: Int
        if body.starts(with: delimiter) {
            pos = 0
        } else if let k = find(crlf + delimiter, in: body, from: 0) {
            pos = k + 2
        } else {
            throw bad("has no boundary line (--\(String(decoding: boundary, as: UTF8.self)))")
        }
        var out: [String: [String]] = [:]
        while true {
            pos += delimiter.count
            if body[pos...].starts(with: Array("--".utf8)) { return out }  // the close delimiter
            while pos < body.count, body[pos] == 0x20 || body[pos] == 0x09 { pos += 1 }  // transport padding
            guard body[pos...].starts(with: crlf) else { throw bad("has a boundary line not followed by CRLF at byte \(pos)") }
            pos += 2
            // The part ends at the next delimiter; its headers end at the first empty line
            // before that (a part may have none).
            guard let next = find(crlf + delimiter, in: body, from: pos) else {
                throw bad("ends without the closing boundary (--\(String(decoding: boundary, as: UTF8.self))--)")
            }
            let headerEnd: Int
            if body[pos...].starts(with: crlf) {
                headerEnd = pos
            } else {
                guard let k = find(crlf + crlf, in: body, from: pos), k + 4 <= next else {
                    throw bad("has a part without the blank line after its headers (byte \(pos))")
                }
                headerEnd = k + 2
            }
            let headers = String(decoding: body[pos..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 2
            guard contentStart <= next else { throw bad("has a part without the blank line after its headers (byte \(pos))") }
            let (name, isFile) = try disposition(headers)
            if !isFile {
                let value = Array(body[contentStart..<next])
                try BodyReader.checkUTF8(value, field: "form field \(name)")
                out[name, default: []].append(String(decoding: value, as: UTF8.self))
            }
            pos = next + 2
        }
    }

    /// The field name of a part's `Content-Disposition: form-data; name="…"`, and whether the
    /// part is a file (has a `filename`).
    static func disposition(_ headers: String) throws -> (name: String, isFile: Bool) {
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" else { continue }
            let params = parameters(String(line[line.index(after: colon)...]))
            guard let name = params["name"] else { break }
            return (name, params["filename"] != nil || params["filename*"] != nil)
        }
        throw ServeError.invalidField(name: "multipart body", reason: "has a part without Content-Disposition: form-data; name=\"…\"")
    }

    /// `form-data; name="q"; filename="a.txt"` → ["name": "q", "filename": "a.txt"] (lower-case
    /// keys; quoted values unescaped).
    static func parameters(_ value: String) -> [String: String] {
        var out: [String: String] = [:]
        var chars = Array(value)[...]
        func skipSpace() { while let c = chars.first, c == " " || c == "\t" { chars = chars.dropFirst() } }
        // Skip the disposition type.
        while let c = chars.first, c != ";" { chars = chars.dropFirst() }
        while !chars.isEmpty {
            chars = chars.dropFirst()  // ";"
            skipSpace()
            var key = ""
            while let c = chars.first, c != "=", c != ";" { key.append(c); chars = chars.dropFirst() }
            guard chars.first == "=" else { continue }
            chars = chars.dropFirst()
            skipSpace()
            var v = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                while let c = chars.first, c != "\"" {
                    if c == "\\", chars.count > 1 { chars = chars.dropFirst() }
                    v.append(chars.first!)
                    chars = chars.dropFirst()
                }
                chars = chars.dropFirst()
                while let c = chars.first, c != ";" { chars = chars.dropFirst() }
            } else {
                while let c = chars.first, c != ";" { v.append(c); chars = chars.dropFirst() }
                v = v.trimmingCharacters(in: .whitespaces)
            }
            out[key.trimmingCharacters(in: .whitespaces).lowercased()] = v
        }
        return out
    }

    /// The first index ≥ `from` where `needle` starts in `hay`.
    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        from > hay.count ? nil : hay[from...].firstRange(of: needle)?.lowerBound
    }
}
