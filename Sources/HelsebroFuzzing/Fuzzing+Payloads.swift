import HelsebroCore

extension Fuzzing {
    static let gattChannels = channels { if case .gatt = $0 { true } else { false } }
    static let senmlJSONChannels = channels { $0 == .senmlJSON }
    static let senmlCBORChannels = channels { $0 == .senmlCBOR }
    static let hl7Channels = channels { $0 == .hl7v2 }
    static let frameChannels = channels { $0 == .frame }

    /// Every GATT characteristic with default options, then every shipped plan's GATT channel (firmware quirks:
    /// vendor bytes, a forced unit flag, CGM E2E-CRC, local clocks) on the same bytes.
    static func gatt(_ bytes: UnsafeRawBufferPointer) throws(Finding) {
        var out: [Reading] = []
        for c in GattCharacteristic.allCases {
            out.removeAll(keepingCapacity: true)
            let r = GattDecoder.decode(c, bytes, options: GattOptions(), into: &out)
            try check(r, out)
        }
        for (plan, index) in gattChannels { try process(plan, index, bytes) }
    }

    /// The SenML reader alone, then every shipped plan that takes SenML in that encoding.
    static func senml(_ bytes: UnsafeRawBufferPointer, json: Bool) throws(Finding) {
        if case .success(let records) = json ? SenMLPack.decodeJSON(bytes) : SenMLPack.decodeCBOR(bytes) {
            try expect(records.count <= bytes.count, "more records than bytes")
        }
        for (plan, index) in json ? senmlJSONChannels : senmlCBORChannels { try process(plan, index, bytes) }
    }

    /// The HL7 v2 parser, the ORU^R01 reader (UTC and Oslo clocks), the header scan the ingest loop uses for message
    /// identity, and every shipped plan that takes HL7 v2.
    static func hl7(_ bytes: UnsafeRawBufferPointer) throws(Finding) {
        let array = Array(bytes)
        _ = HL7Header.scan(array)
        if case .success(let message) = HL7Message.parse(array) {
            _ = HL7Result.read(message, clock: .utc)
            _ = HL7Result.read(message, clock: .oslo)
        }
        for (plan, index) in hl7Channels { try process(plan, index, bytes) }
    }

    /// `process` on an array's bytes (`Array.withUnsafeBytes` rethrows untyped).
    static func processCopy(_ plan: DecodePlan, _ index: Int, _ bytes: [UInt8]) throws(Finding) {
        let finding = bytes.withUnsafeBytes { b -> Finding? in
            do throws(Finding) { try process(plan, index, b) } catch { return error }
            return nil
        }
        if let finding { throw finding }
    }

    /// Every shipped vendor-frame layout on the bytes as they are, and again with the CRC recomputed, so that the
    /// fuzzer gets past the CRC into the layout (counts, conditions, groups, number formats).
    static func frames(_ bytes: UnsafeRawBufferPointer) throws(Finding) {
        for (plan, index) in frameChannels {
            try process(plan, index, bytes)
            guard let frame = plan.firmware?.frame, let crc = frame.crc, bytes.count > crc.size else { continue }
            var fixed = Array(bytes)
            let end = fixed.count - crc.size
            let sum = fixed.withUnsafeBytes { crc.compute(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
            for k in 0..<crc.size {
                let shift = frame.byteOrder == .big ? (crc.size - 1 - k) * 8 : k * 8
                fixed[end + k] = UInt8(truncatingIfNeeded: sum >> UInt64(shift))
            }
            try processCopy(plan, index, fixed)
        }
    }
}
