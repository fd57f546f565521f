/// A restricted unpickler for PyTorch state dicts: it interprets the opcodes `torch.save`
/// emits for a dict of tensors (protocols 2–4) and builds values, never calling anything. The
/// only globals it accepts are the ones that rebuild tensors (`allowedGlobals`); any other
/// global — `os.system`, `builtins.eval`, a model class — is refused with its name, as is any
/// opcode outside the list below. Every read is bounds-checked (a truncated file is an error
/// with its byte offset).
final class PickleList { var items: [PickleValue] = [] }
final class PickleDict { var pairs: [(PickleValue, PickleValue)] = [] }

indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// module.name of an allowed global (a callable or a storage type).
    case global(String)
    /// A tensor's storage, from a persistent id ('storage', type, key, location, numel).
    case storage(type: String, key: String, numel: Int)
    case tensor(TorchTensorRef)
    case mark
}

/// A tensor as the pickle describes it: a view into a storage.
struct TorchTensorRef {
    let storageType: String
    let key: String
    let offset: Int
    let size: [Int]
    let stride: [Int]
}

struct TorchUnpickler {
    static let allowedGlobals: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
        "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage",
        "torch.LongStorage", "torch.IntStorage", "torch.BoolStorage", "torch.ByteStorage",
    ]

    let path: String
    let bytes: [UInt8]
    var pos = 0
    var stack: [PickleValue] = []
    var memo: [Int: PickleValue] = [:]

    init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    func fail(_ reason: String, at: Int? = nil) -> ImportError { .pickle(path: path, offset: at ?? pos, reason: reason) }

    mutating func byte() throws -> UInt8 {
        guard pos < bytes.count else { throw fail("unexpected end of data (truncated pickle)") }
        defer { pos += 1 }
        return bytes[pos]
    }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, pos + n <= bytes.count else { throw fail("needs \(n) bytes, \(bytes.count - pos) left (truncated pickle)") }
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }

    mutating func uint(_ n: Int) throws -> Int {
        var v = 0
        for (i, b) in try take(n).enumerated() { v |= Int(b) << (8 * i) }
        return v
    }

    mutating func line() throws -> String {
        guard let end = bytes[pos...].firstIndex(of: 0x0A) else { throw fail("unterminated text line (truncated pickle)") }
        defer { pos = end + 1 }
        return String(decoding: bytes[pos..<end], as: UTF8.self)
    }

    mutating func pop() throws -> PickleValue {
        guard let v = stack.popLast() else { throw fail("stack underflow") }
        return v
    }

    /// Items above the topmost mark (the mark removed).
    mutating func popToMark() throws -> [PickleValue] {
        guard let m = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else {
            throw fail("no mark on the stack")
        }
        let items = Array(stack[(m + 1)...])
        stack.removeSubrange(m...)
        return items
    }

    mutating func global(_ module: String, _ name: String) throws -> PickleValue {
        let full = module + "." + name
        guard TorchUnpickler.allowedGlobals.contains(full) else {
            throw fail("refusing global \(full): only tensor-rebuilding globals are allowed (the file may execute code when loaded by torch)")
        }
        return .global(full)
    }

    /// Runs to STOP and returns the top value.
    mutating func run() throws -> PickleValue {
        while true {
            let at = pos
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                       // PROTO
            case 0x95: _ = try take(8)                      // FRAME
            case 0x2E: return try pop()                     // STOP
            case 0x28: stack.append(.mark)                  // MARK
            case 0x7D: stack.append(.dict(PickleDict()))    // EMPTY_DICT
            case 0x5D: stack.append(.list(PickleList()))    // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))             // EMPTY_TUPLE
            case 0x4E: stack.append(.none)                  // NONE
            case 0x88: stack.append(.bool(true))            // NEWTRUE
            case 0x89: stack.append(.bool(false))           // NEWFALSE
            case 0x4B: stack.append(.int(try uint(1)))      // BININT1
            case 0x4D: stack.append(.int(try uint(2)))      // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))  // BININT
            case 0x8A:                                      // LONG1
                let n = try uint(1)
                guard n <= 8 else { throw fail("LONG1 of \(n) bytes", at: at) }
                let b = try take(n)
                var v: UInt64 = 0
                for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
                if n > 0 && n < 8 && b.last! & 0x80 != 0 { v |= ~0 << (8 * UInt64(n)) }
                stack.append(.int(Int(Int64(bitPattern: v))))
            case 0x47:                                      // BINFLOAT (big-endian)
                var v: UInt64 = 0
                for x in try take(8) { v = v << 8 | UInt64(x) }
                stack.append(.float(Double(bitPattern: v)))
            case 0x58: stack.append(.string(String(decoding: try take(try uint(4)), as: UTF8.self)))   // BINUNICODE
            case 0x8C: stack.append(.string(String(decoding: try take(try uint(1)), as: UTF8.self)))   // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(String(decoding: try take(try uint(8)), as: UTF8.self)))   // BINUNICODE8
            case 0x55: stack.append(.string(String(decoding: try take(try uint(1)), as: UTF8.self)))   // SHORT_BINSTRING
            case 0x54: stack.append(.string(String(decoding: try take(try uint(4)), as: UTF8.self)))   // BINSTRING
            case 0x42: stack.append(.bytes(Array(try take(try uint(4)))))   // BINBYTES
            case 0x43: stack.append(.bytes(Array(try take(try uint(1)))))   // SHORT_BINBYTES
            case 0x85: stack.append(.tuple([try pop()]))                    // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))          // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x74: stack.append(.tuple(try popToMark()))                // TUPLE
            case 0x71: memo[try uint(1)] = try top()                        // BINPUT
            case 0x72: memo[try uint(4)] = try top()                        // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()                         // MEMOIZE
            case 0x68, 0x6A:                                                // BINGET, LONG_BINGET
                let k = try uint(op == 0x68 ? 1 : 4)
                guard let v = memo[k] else { throw fail("memo \(k) is not set", at: at) }
                stack.append(v)
            case 0x63:                                                      // GLOBAL
                let module = try line(), name = try line()
                stack.append(try global(module, name))
            case 0x93:                                                      // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw fail("STACK_GLOBAL without two strings", at: at)
                }
                stack.append(try global(module, name))
            case 0x61:                                                      // APPEND
                let v = try pop()
                guard case .list(let l) = try top() else { throw fail("APPEND to a non-list", at: at) }
                l.items.append(v)
            case 0x65:                                                      // APPENDS
                let items = try popToMark()
                guard case .list(let l) = try top() else { throw fail("APPENDS to a non-list", at: at) }
                l.items += items
            case 0x73:                                                      // SETITEM
                let v = try pop(), k = try pop()
                guard case .dict(let d) = try top() else { throw fail("SETITEM on a non-dict", at: at) }
                d.pairs.append((k, v))
            case 0x75:                                                      // SETITEMS
                let items = try popToMark()
                guard items.count % 2 == 0, case .dict(let d) = try top() else { throw fail("SETITEMS on a non-dict or odd items", at: at) }
                for i in stride(from: 0, to: items.count, by: 2) { d.pairs.append((items[i], items[i + 1])) }
            case 0x51:                                                      // BINPERSID
                stack.append(try persistent(try pop(), at: at))
            case 0x52:                                                      // REDUCE
                let args = try pop(), callable = try pop()
                stack.append(try reduce(callable, args, at: at))
            case 0x62:                                                      // BUILD: state of an OrderedDict (_metadata) is dropped
                _ = try pop()
                guard case .dict = try top() else { throw fail("BUILD on something other than a dict", at: at) }
            default:
                throw fail("opcode 0x\(String(op, radix: 16)) is not allowed in a tensor checkpoint", at: at)
            }
        }
    }

    func top() throws -> PickleValue {
        guard let v = stack.last else { throw fail("stack underflow") }
        return v
    }

    func persistent(_ pid: PickleValue, at: Int) throws -> PickleValue {
        guard case .tuple(let t) = pid, t.count >= 5, case .string("storage") = t[0], case .global(let type) = t[1],
              case .string(let key) = t[2], case .int(let numel) = t[4] else {
            throw fail("persistent id is not ('storage', type, key, location, numel)", at: at)
        }
        return .storage(type: type, key: key, numel: numel)
    }

    func ints(_ v: PickleValue, _ what: String, at: Int) throws -> [Int] {
        guard case .tuple(let t) = v else { throw fail("\(what) is not a tuple", at: at) }
        return try t.map { x in
            guard case .int(let i) = x else { throw fail("\(what) holds a non-integer", at: at) }
            return i
        }
    }

    func reduce(_ callable: PickleValue, _ args: PickleValue, at: Int) throws -> PickleValue {
        guard case .global(let name) = callable, case .tuple(let a) = args else { throw fail("REDUCE without a global and a tuple", at: at) }
        switch name {
        case "collections.OrderedDict":
            return .dict(PickleDict())
        case "torch._utils._rebuild_tensor_v2":
            guard a.count >= 4, case .storage(let type, let key, _) = a[0], case .int(let offset) = a[1] else {
                throw fail("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, …)", at: at)
            }
            return .tensor(TorchTensorRef(storageType: type, key: key, offset: offset,
                                          size: try ints(a[2], "tensor size", at: at), stride: try ints(a[3], "tensor stride", at: at)))
        case "torch._utils._rebuild_parameter":
            guard let first = a.first, case .tensor = first else { throw fail("_rebuild_parameter without a tensor", at: at) }
            return first
        default:
            throw fail("\(name) cannot be called", at: at)
        }
    }
}
