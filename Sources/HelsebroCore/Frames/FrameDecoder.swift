/// Runs a compiled `FrameLayout` over a payload.
///
/// Allocation-free: integer values needed by conditions and counts live in a stack buffer; readings go into the
/// caller's reused array. A frame that ends early is `truncated`; bytes after the layout (before the CRC) are
/// `unannouncedBytes`; a CRC that does not match is `frameCRCMismatch`.
public enum FrameDecoder {
    /// The most repetitions a count field may announce, against hostile frames.
    public static let maxRepetitions = 4096

    public static func decode(
        _ layout: FrameLayout, _ bytes: UnsafeRawBufferPointer, metricOf: (Int) -> Int16, into out: inout [Reading]
    ) -> Rejection? {
        let crcSize = layout.crc?.size ?? 0
        guard bytes.count >= crcSize, !bytes.isEmpty else { return .empty }
        let end = bytes.count - crcSize
        if let crc = layout.crc {
            let body = UnsafeRawBufferPointer(rebasing: bytes[0..<end])
            let sent = readUnsigned(bytes, at: end, size: crc.size, order: layout.byteOrder)
            let computed = crc.compute(body)
            if sent != computed { return .frameCRCMismatch(sent: sent, computed: computed) }
        }
        let start = out.count
        return withUnsafeTemporaryAllocation(of: Int64.self, capacity: max(layout.fields.count, 1)) { registers in
            var state = State(offset: 0, end: end, status: 0, time: nil)
            if let r = run(layout.items, layout, bytes, registers, &state, metricOf, &out) {
                out.removeSubrange(start...)
                return r
            }
            if state.offset != end {
                out.removeSubrange(start...)
                return .unannouncedBytes(expected: state.offset + crcSize, actual: bytes.count, flags: 0)
            }
            for i in start..<out.count {
                out[i].vendorStatus = state.status
                if let t = state.time { out[i].time = t }
            }
            return nil
        }
    }

    struct State {
        var offset: Int
        var end: Int
        var status: UInt64
        var time: Timestamp?
    }

    static func run(
        _ items: [FrameItem], _ layout: FrameLayout, _ bytes: UnsafeRawBufferPointer,
        _ registers: UnsafeMutableBufferPointer<Int64>, _ state: inout State, _ metricOf: (Int) -> Int16,
        _ out: inout [Reading]
    ) -> Rejection? {
        for item in items {
            switch item {
            case .field(let i):
                let f = layout.fields[i]
                guard state.offset + f.type.size <= state.end else {
                    return .truncated(needed: state.offset + f.type.size, actual: state.end, flags: 0)
                }
                let order = f.byteOrder ?? layout.byteOrder
                var value: MeasuredValue
                switch f.type {
                case .sfloat:
                    value = SFloat(raw: UInt16(readUnsigned(bytes, at: state.offset, size: 2, order: order))).value
                case .float:
                    value = MedFloat32(raw: UInt32(readUnsigned(bytes, at: state.offset, size: 4, order: order))).value
                case .f32:
                    let x = Float(bitPattern: UInt32(readUnsigned(bytes, at: state.offset, size: 4, order: order)))
                    value =
                        x.isFinite ? DecimalValue(float: x).map(MeasuredValue.number) ?? .absent(.nan) : .absent(.nan)
                case .f64:
                    let x = Double(bitPattern: readUnsigned(bytes, at: state.offset, size: 8, order: order))
                    value = DecimalValue(shortestFinite: x).map(MeasuredValue.number) ?? .absent(.nan)
                default:
                    let raw = readUnsigned(bytes, at: state.offset, size: f.type.size, order: order)
                    let bits = UInt64(f.type.size * 8)
                    let signed: Int64 =
                        f.type.isSigned && bits < 64 && raw & (1 << (bits - 1)) != 0
                        ? Int64(bitPattern: raw | ~((1 << bits) - 1)) : Int64(bitPattern: raw)
                    registers[i] = signed
                    value = .exact(signed)
                    if let e = f.enumeration[signed] { state.status |= 1 << UInt64(e) }
                    for (bit, name) in f.flags where raw & (1 << UInt64(bit)) != 0 { state.status |= 1 << UInt64(name) }
                    if f.isTime { state.time = Timestamp(seconds: signed) }
                }
                state.offset += f.type.size
                if case .number(let n) = value, f.scale != nil || f.offset != nil {
                    value = .number(scaled(n, f.scale, f.offset))
                }
                let metric = metricOf(i)
                if metric >= 0 && f.isMeasurement {
                    var r = Reading(field: .frameField, value: value, unit: f.unit)
                    r.metric = metric
                    r.mdc = 0
                    r.record = UInt16(truncatingIfNeeded: i)
                    out.append(r)
                }
            case .group(let flagField, let bit, let inner):
                if UInt64(bitPattern: registers[flagField]) & (1 << UInt64(bit)) != 0 {
                    if let r = run(inner, layout, bytes, registers, &state, metricOf, &out) { return r }
                }
            case .repeated(let count, let inner):
                switch count {
                case .field(let c):
                    let n = registers[c]
                    guard n >= 0, n <= Int64(maxRepetitions) else { return .frameCountOutOfRange(count: n) }
                    for _ in 0..<Int(n) {
                        if let r = run(inner, layout, bytes, registers, &state, metricOf, &out) { return r }
                    }
                case .toEnd:
                    var n = 0
                    while state.offset < state.end && n < maxRepetitions {
                        if let r = run(inner, layout, bytes, registers, &state, metricOf, &out) { return r }
                        n += 1
                    }
                }
            }
        }
        return nil
    }

    /// raw × scale + offset, exact in decimal when the mantissas allow it.
    static func scaled(_ n: DecimalValue, _ scale: DecimalValue?, _ offset: DecimalValue?) -> DecimalValue {
        var v = n
        if let scale {
            let (m, overflow) = n.mantissa.multipliedReportingOverflow(by: scale.mantissa)
            let e = Int(n.exponent) + Int(scale.exponent)
            if !overflow, (-127...127).contains(e) {
                v = DecimalValue(mantissa: m, exponent: Int8(e))
            } else {
                v = DecimalValue(shortestFinite: n.double * scale.double) ?? n
            }
        }
        if let offset { v = v.adding(offset) }
        return v
    }

    @inline(__always)
    static func readUnsigned(_ b: UnsafeRawBufferPointer, at o: Int, size: Int, order: FrameLayout.ByteOrder) -> UInt64
    {
        var v: UInt64 = 0
        if order == .little {
            for k in stride(from: size - 1, through: 0, by: -1) { v = v << 8 | UInt64(b[o + k]) }
        } else {
            for k in 0..<size { v = v << 8 | UInt64(b[o + k]) }
        }
        return v
    }
}

extension DecimalValue {
    /// A finite double as its shortest decimal, or nil.
    public init?(shortestFinite x: Double) {
        guard x.isFinite else { return nil }
        self.init(shortest: x)
    }

    /// A binary32 float as its shortest decimal at float precision.
    init?(float x: Float) {
        guard x.isFinite else { return nil }
        self.init(text: Array(x.description.utf8))
    }
}

extension CRC16 {
    /// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, not reflected, no final XOR. Check value 0x29B1.
    public static func ccittFalse(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }
}

/// CRC-32 (ISO-HDLC, as zlib and Ethernet): reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF.
/// Check value 0xCBF43926.
public enum CRC32 {
    public static func iso(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
