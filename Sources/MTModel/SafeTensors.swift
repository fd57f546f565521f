import Foundation
import MTIO

/// Reads and writes the `.safetensors` format: an 8-byte little-endian header length, a JSON
/// header mapping each tensor name to `{dtype, shape, data_offsets}` plus a `__metadata__`
/// string map, then the raw little-endian data. Only F32 tensors are written; F32, F16 and BF16
/// are read (converted to Float32), so checkpoints from numpy/PyTorch tools load.
public enum SafeTensors {
    public struct Entry: Sendable {
        public let name: String
        public let shape: [Int]
        public let values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name; self.shape = shape; self.values = values
        }
    }

    /// Writes atomically (MTIO's `AtomicFile`: a temporary file beside `path`, fsync, rename).
    /// A crash or a full disk mid-write leaves any previous file at `path` intact; a failure
    /// throws `IOError.replaceFailed`.
    public static func write(_ entries: [Entry], metadata: [String: String], to path: String) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for e in entries {
            precondition(e.values.count == e.shape.reduce(1, *), "\(e.name): \(e.values.count) values for shape \(e.shape)")
            let bytes = e.values.count * 4
            header[e.name] = ["dtype": "F32", "shape": e.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }  // pad with spaces so data is 8-byte aligned
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count + offset)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for e in entries {
            e.values.withUnsafeBufferPointer { buf in
                buf.withMemoryRebound(to: UInt8.self) { out.append(contentsOf: $0) }  // x86/ARM: little-endian
            }
        }
        try AtomicFile.write(out, to: path)
    }

    /// Reads every tensor and the metadata.
    public static func read(_ path: String) throws -> (entries: [Entry], metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.format(path: path, reason: "cannot read the file (missing or unreadable)")
        }
        guard data.count >= 8 else { throw ModelError.format(path: path, reason: "\(data.count) bytes, shorter than the 8-byte header length") }
        let n = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n <= UInt64(data.count - 8) else {
            throw ModelError.format(path: path, reason: "header length \(n) exceeds the file's \(data.count - 8) remaining bytes")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(n)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw ModelError.format(path: path, reason: "header is not a JSON object")
        }
        let body = data.subdata(in: (8 + Int(n))..<data.count)
        let metadata = (header["__metadata__"] as? [String: String]) ?? [:]
        var entries: [Entry] = []
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offs = info["data_offsets"] as? [Int], offs.count == 2
            else { throw ModelError.format(path: path, reason: "tensor \(name): missing dtype, shape or data_offsets") }
            let count = shape.reduce(1, *)
            let width = dtype == "F32" ? 4 : (dtype == "F16" || dtype == "BF16") ? 2 : 0
            guard width > 0 else { throw ModelError.format(path: path, reason: "tensor \(name): dtype \(dtype) not supported (F32, F16, BF16)") }
            guard offs[0] >= 0, offs[1] <= body.count, offs[1] - offs[0] == count * width else {
                throw ModelError.format(path: path, reason: "tensor \(name): data_offsets \(offs) do not hold \(count) \(dtype) values in \(body.count) data bytes")
            }
            var values = [Float](repeating: 0, count: count)
            body.withUnsafeBytes { raw in
                let base = raw.baseAddress! + offs[0]
                for i in 0..<count {
                    switch dtype {
                    case "F32": values[i] = Float(bitPattern: UInt32(littleEndian: (base + 4 * i).loadUnaligned(as: UInt32.self)))
                    case "F16": values[i] = Float(Float16(bitPattern: UInt16(littleEndian: (base + 2 * i).loadUnaligned(as: UInt16.self))))
                    default: values[i] = Float(bitPattern: UInt32(UInt16(littleEndian: (base + 2 * i).loadUnaligned(as: UInt16.self))) << 16)
                    }
                }
            }
            entries.append(Entry(name: name, shape: shape, values: values))
        }
        entries.sort { $0.name < $1.name }
        return (entries, metadata)
    }
}
