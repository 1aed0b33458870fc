import Testing

@testable import HelsebroCore

/// The vendor frame layout language: every construct, decoded from hand-built frames.
@Suite("Vendor binary frames")
struct FrameTests {
    /// Builds a layout from fields; every measurement field feeds "metric" = its index.
    func decode(_ layout: FrameLayout, _ bytes: [UInt8]) -> Result<[Reading], Rejection> {
        var out: [Reading] = []
        let r = bytes.withUnsafeBytes {
            FrameDecoder.decode(layout, $0, metricOf: { layout.fields[$0].isMeasurement ? Int16($0) : -1 }, into: &out)
        }
        if let r { return .failure(r) }
        return .success(out)
    }

    func layout(
        _ fields: [FrameField], items: [FrameItem]? = nil, order: FrameLayout.ByteOrder = .little,
        crc: FrameLayout.CRC? = nil, statusNames: [String] = []
    ) -> FrameLayout {
        FrameLayout(
            byteOrder: order, crc: crc, items: items ?? fields.map { .field($0.index) }, fields: fields,
            statusNames: statusNames)
    }

    @Test(
        "integers of every width, signed and unsigned, both byte orders",
        arguments: [
            (FrameType.u8, [UInt8(0xFE)], FrameLayout.ByteOrder.little, "254"),
            (.i8, [0xFE], .little, "-2"),
            (.u16, [0x34, 0x12], .little, "4660"),
            (.u16, [0x12, 0x34], .big, "4660"),
            (.i16, [0xFF, 0x7F], .big, "-129"),
            (.u24, [0x01, 0x00, 0x80], .little, "8388609"),
            (.i24, [0xFF, 0xFF, 0xFF], .little, "-1"),
            (.u32, [0xDE, 0xAD, 0xBE, 0xEF], .big, "3735928559"),
            (.i32, [0x00, 0x00, 0x00, 0x80], .little, "-2147483648"),
            (.u64, [1, 0, 0, 0, 0, 0, 0, 0], .little, "1"),
            (.i64, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE], .big, "-2"),
        ])
    func integers(type: FrameType, bytes: [UInt8], order: FrameLayout.ByteOrder, text: String) throws {
        let l = layout([FrameField(index: 0, name: "x", type: type)], order: order)
        #expect(try decode(l, bytes).get().map(\.value.text) == [text])
    }

    @Test("SFLOAT, FLOAT, binary32 and binary64; scale and offset")
    func numbers() throws {
        let fields = [
            FrameField(index: 0, name: "a", type: .sfloat), FrameField(index: 1, name: "b", type: .float),
            FrameField(index: 2, name: "c", type: .f32), FrameField(index: 3, name: "d", type: .f64),
            FrameField(index: 4, name: "e", type: .i16, scale: DecimalValue(mantissa: 1, exponent: -2)),
            FrameField(
                index: 5, name: "f", type: .u8, scale: DecimalValue(mantissa: 5, exponent: -1),
                offset: DecimalValue(mantissa: -40, exponent: 0)),
            FrameField(index: 6, name: "g", type: .sfloat),
        ]
        let f32: [UInt8] = [0x00, 0x00, 0xA3, 0x42]  // 81.5
        let f64: [UInt8] = [0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F]  // 0.1
        let bytes: [UInt8] = [0x14, 0xF0, 0x6C, 0x01, 0x00, 0xFF] + f32 + f64 + [0xF0, 0x0C, 200, 0xFF, 0x07]
        let r = try decode(layout(fields), bytes).get()
        #expect(r.map(\.value.text) == ["2.0", "36.4", "81.5", "0.1", "33.12", "60.0", "nan"])
    }

    @Test("enumerations and flags become status, not readings")
    func enumsAndFlags() throws {
        let fields = [
            FrameField(index: 0, name: "s", type: .u8, flags: [0: 0, 2: 1]),
            FrameField(index: 1, name: "battery", type: .u8, enumeration: [0: 2, 1: 3]),
            FrameField(index: 2, name: "hr", type: .u8),
        ]
        let l = layout(fields, statusNames: ["lead-off", "motion", "battery:ok", "battery:low"])
        let r = try decode(l, [0x05, 0x01, 72]).get()
        #expect(r.count == 1 && r[0].value.text == "72")
        #expect(r[0].vendorStatus == 0b1011)
    }

    @Test("a group is read only when its flag bit is set")
    func groups() throws {
        let fields = [
            FrameField(index: 0, name: "flags", type: .u8), FrameField(index: 1, name: "x", type: .u8),
            FrameField(index: 2, name: "y", type: .u8),
        ]
        let l = layout(fields, items: [.field(0), .group(flagField: 0, bit: 1, items: [.field(1)]), .field(2)])
        #expect(try decode(l, [0x02, 10, 20]).get().map(\.value.text) == ["2", "10", "20"])
        #expect(try decode(l, [0x00, 20]).get().map(\.value.text) == ["0", "20"])
        #expect(decode(l, [0x02, 20]) == .failure(.truncated(needed: 3, actual: 2, flags: 0)))
    }

    @Test("repeated groups: by count field, and to the end")
    func repeats() throws {
        let fields = [FrameField(index: 0, name: "n", type: .u8), FrameField(index: 1, name: "v", type: .u16)]
        let counted = layout(fields, items: [.field(0), .repeated(count: .field(0), items: [.field(1)])])
        #expect(try decode(counted, [3, 1, 0, 2, 0, 3, 0]).get().map(\.value.text) == ["3", "1", "2", "3"])
        #expect(try decode(counted, [0]).get().map(\.value.text) == ["0"])
        #expect(decode(counted, [2, 1, 0]) == .failure(.truncated(needed: 5, actual: 3, flags: 0)))
        let toEnd = layout(
            [FrameField(index: 0, name: "v", type: .u16)], items: [.repeated(count: .toEnd, items: [.field(0)])])
        #expect(try decode(toEnd, [1, 0, 2, 0]).get().count == 2)
        #expect(decode(toEnd, [1, 0, 2]) == .failure(.truncated(needed: 4, actual: 3, flags: 0)))
        let huge = layout(
            [FrameField(index: 0, name: "n", type: .u16), FrameField(index: 1, name: "v", type: .u8)],
            items: [.field(0), .repeated(count: .field(0), items: [.field(1)])])
        #expect(decode(huge, [0xFF, 0xFF]) == .failure(.frameCountOutOfRange(count: 65535)))
    }

    @Test("CRC-16/CCITT and CRC-32 trailers, check values and mismatches")
    func crc() throws {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC16.ccittFalse($0) } == 0x29B1)
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.iso($0) } == 0xCBF4_3926)
        let f = [FrameField(index: 0, name: "x", type: .u8)]
        let l16 = layout(f, crc: .crc16CCITT)
        let body: [UInt8] = [42]
        let c16 = body.withUnsafeBytes { CRC16.ccittFalse($0) }
        #expect(try decode(l16, body + [UInt8(c16 & 0xFF), UInt8(c16 >> 8)]).get().map(\.value.text) == ["42"])
        let flipped = UInt64(c16 ^ 1)
        #expect(
            decode(l16, body + [UInt8(c16 & 0xFF) ^ 1, UInt8(c16 >> 8)])
                == .failure(.frameCRCMismatch(sent: flipped, computed: UInt64(c16))))
        guard case .failure(.frameCRCMismatch) = decode(l16, body + [0, 0]) else {
            Issue.record("bad CRC accepted")
            return
        }
        let l32 = layout(f, order: .big, crc: .crc32)
        let c32 = body.withUnsafeBytes { CRC32.iso($0) }
        #expect(
            try decode(
                l32, body + [UInt8(c32 >> 24), UInt8(c32 >> 16 & 0xFF), UInt8(c32 >> 8 & 0xFF), UInt8(c32 & 0xFF)]
            ).get().count == 1)
    }

    @Test("bytes the layout does not describe are rejected; a time field sets the time")
    func extraAndTime() throws {
        let f = [FrameField(index: 0, name: "t", type: .u32, isTime: true), FrameField(index: 1, name: "x", type: .u8)]
        let l = layout(f)
        let r = try decode(l, [0x28, 0xF0, 0x03, 0x6B, 7]).get()
        #expect(r.count == 1 && r[0].time == Timestamp(seconds: 1_795_420_200))
        #expect(
            decode(l, [0x28, 0xF0, 0x03, 0x6B, 7, 0]) == .failure(.unannouncedBytes(expected: 5, actual: 6, flags: 0)))
        #expect(decode(l, []) == .failure(.empty))
    }

    @Test("random bytes never crash a frame layout")
    func fuzz() {
        let fields = [
            FrameField(index: 0, name: "n", type: .u8), FrameField(index: 1, name: "f", type: .u8),
            FrameField(index: 2, name: "v", type: .sfloat), FrameField(index: 3, name: "w", type: .f64),
        ]
        let l = layout(
            fields,
            items: [
                .field(0), .field(1),
                .group(flagField: 1, bit: 0, items: [.repeated(count: .field(0), items: [.field(2)])]),
                .repeated(count: .toEnd, items: [.field(3)]),
            ], crc: .crc16CCITT)
        var rng = SplitMix(state: 77)
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = decode(l, bytes)
        }
    }
}
