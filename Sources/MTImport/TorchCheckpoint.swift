import Foundation
import MTIO
import MTModel

/// `pytorch_model.bin`: PyTorch's zip format (`<prefix>/data.pkl` holds the pickled state dict,
/// `<prefix>/data/<key>` each storage's raw little-endian bytes). Read with `ZipArchive` and the
/// restricted `TorchUnpickler`; the tensors are gathered by their size/stride views into
/// Float32 entries (float32, float16, bfloat16 and float64 storages).
public enum TorchCheckpoint {
    public static func read(_ path: String) throws -> [SafeTensors.Entry] {
        let data: [UInt8]
        do { data = try InputFile.contents(of: path) } catch {
            throw ImportError.missingFile(path: path, reason: "cannot read: \(error)")
        }
        if data.count >= 2 && data[0] == 0x80 {
            throw ImportError.zip(path: path, reason: "a legacy (pre-1.6, non-zip) torch.save file: re-save it with a current torch")
        }
        let zip = try ZipArchive(path: path, data: data)
        guard let pkl = zip.entries.keys.filter({ $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }).min() else {
            throw ImportError.zip(path: path, reason: "no data.pkl entry")
        }
        let prefix = String(pkl.dropLast("data.pkl".count))
        if let order = zip.entries[prefix + "byteorder"], order.size > 0,
           String(decoding: try zip.contents(prefix + "byteorder"), as: UTF8.self) != "little" {
            throw ImportError.zip(path: path, reason: "big-endian storages are not supported")
        }
        var unpickler = TorchUnpickler(path: path + ":" + pkl, bytes: try zip.contents(pkl))
        let root = try unpickler.run()
        guard case .dict(let dict) = root else {
            throw ImportError.pickle(path: path, offset: 0, reason: "the pickle is not a dict of tensors (a whole pickled model is not supported)")
        }
        var storages: [String: [UInt8]] = [:]
        var out: [SafeTensors.Entry] = []
        for (k, v) in dict.pairs {
            guard case .string(let name) = k else { throw ImportError.pickle(path: path, offset: 0, reason: "a state dict key is not a string") }
            guard case .tensor(let t) = v else {
                throw ImportError.pickle(path: path, offset: 0, reason: "state dict entry \(name) is not a tensor")
            }
            if storages[t.key] == nil { storages[t.key] = try zip.contents(prefix + "data/" + t.key) }
            out.append(try gather(t, name: name, storage: storages[t.key]!, path: path))
        }
        return out
    }

    static func gather(_ t: TorchTensorRef, name: String, storage: [UInt8], path: String) throws -> SafeTensors.Entry {
        func fail(_ r: String) -> ImportError { .tensors(path: path, problems: ["tensor \(name): \(r)"]) }
        let width: Int
        switch t.storageType {
        case "torch.FloatStorage": width = 4
        case "torch.HalfStorage", "torch.BFloat16Storage": width = 2
        case "torch.DoubleStorage": width = 8
        default: throw fail("storage \(t.storageType) is not a floating-point type")
        }
        guard t.size.count == t.stride.count, t.size.allSatisfy({ $0 >= 0 }), t.stride.allSatisfy({ $0 >= 0 }), t.offset >= 0 else {
            throw fail("size \(t.size) / stride \(t.stride) / offset \(t.offset) are invalid")
        }
        let count = t.size.reduce(1, *)
        if count > 0 {
            let last = t.offset + zip(t.size, t.stride).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
            guard (last + 1) * width <= storage.count else {
                throw fail("view reaches element \(last) of a storage of \(storage.count / width) (truncated file?)")
            }
        }
        var values = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: t.size.count)
        storage.withUnsafeBytes { raw in
            for i in 0..<count {
                var e = t.offset
                for d in 0..<index.count { e += index[d] * t.stride[d] }
                let p = raw.baseAddress! + e * width
                switch t.storageType {
                case "torch.FloatStorage": values[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
                case "torch.HalfStorage": values[i] = Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(as: UInt16.self))))
                case "torch.BFloat16Storage": values[i] = Float(bitPattern: UInt32(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self))) << 16)
                default: values[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))))
                }
                var d = index.count - 1
                while d >= 0 {
                    index[d] += 1
                    if index[d] < t.size[d] { break }
                    index[d] = 0
                    d -= 1
                }
            }
        }
        return SafeTensors.Entry(name: name, shape: t.size, values: values)
    }
}
