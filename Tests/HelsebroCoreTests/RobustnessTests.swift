import Testing

@testable import HelsebroCore

/// Bad input never crashes: every decoder takes random and mutated payloads and either decodes or rejects.
@Suite("Robustness against hostile payloads")
struct RobustnessTests {
    /// A valid payload per characteristic, to mutate from.
    static let seeds: [GattCharacteristic: [UInt8]] = [
        .bloodPressureMeasurement: hex("1E 8A00 5A00 6B00 EA070B17071000 4800 01 0200"),
        .intermediateCuffPressure: hex("04 5A00 0000 0000 4800"),
        .temperatureMeasurement: hex("06 72 01 00 FF DA 07 0C 12 0F 00 00 09"),
        .glucoseMeasurement: hex("0B 2A00 EA070B17073000 FBFF 5AB0 11 0000"),
        .weightMeasurement: hex("0E 5640 EA070B17062800 02 FE00 0807"),
        .plxSpotCheckMeasurement: hex("0F 6000 4000 EA070B17072D00 8000 200000 19F0"),
        .plxContinuousMeasurement: hex("1F 5900 5800 5A00 5900 5B00 5700 8000 200000 0200"),
        .heartRateMeasurement: hex("1F 8E00 D204 A901 B201"),
        .cgmMeasurement: GattCGMTests.record(flags: 0xE3, crc: true) + GattCGMTests.record(flags: 0, crc: false),
    ]

    @Test("random and mutated bytes into every GATT decoder", arguments: GattCharacteristic.allCases)
    func randomGatt(characteristic: GattCharacteristic) {
        var rng = SplitMix(state: UInt64(characteristic.rawValue))
        var out: [Reading] = []
        var decoded = 0
        let seed = Self.seeds[characteristic]!
        #expect(GattDecoder.decode(characteristic, seed, into: &out) == nil)
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = seed
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
                case 2: bytes.append(UInt8.random(in: 0...255, using: &rng))
                default: bytes[0] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                }
            }
            var options = GattOptions()
            options.vendorTrailingBytes = i % 7 == 0 ? 1 : 0
            out.removeAll(keepingCapacity: true)
            if GattDecoder.decode(characteristic, bytes, options: options, into: &out) == nil {
                decoded += 1
                #expect(!out.isEmpty || characteristic == .glucoseMeasurement)
            } else {
                #expect(out.isEmpty)
            }
        }
        #expect(decoded > 0)
    }

    @Test("mutated SenML JSON and CBOR never crash")
    func mutatedSenML() {
        var rng = SplitMix(state: 8428)
        let json = Array(
            #"[{"bn":"urn:dev:x:","bt":1.7e9,"bu":"Cel","n":"t","v":36.6,"s":1},{"n":"b","vb":true},{"n":"d","vd":"AQID"},{"n":"s","vs":"a\u00e9\"b"}]"#
                .utf8)
        let cbor: [UInt8] = [
            0x82, 0xA3, 0x00, 0x61, 0x74, 0x02, 0xC4, 0x82, 0x20, 0x19, 0x02, 0x67, 0x06, 0x22, 0xA2, 0x00, 0x61, 0x68,
            0x02, 0xF9, 0x3E, 0x00,
        ]
        var accepted = 0
        for _ in 0..<20_000 {
            for (seed, isJSON) in [(json, true), (cbor, false)] {
                var b = seed
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    case 1: b.remove(at: Int.random(in: 0..<b.count, using: &rng))
                    default:
                        b.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...b.count, using: &rng))
                    }
                    if b.isEmpty { b = [0] }
                }
                let r = isJSON ? SenMLPack.decodeJSON(b) : SenMLPack.decodeCBOR(b)
                if case .success = r { accepted += 1 }
            }
        }
        #expect(accepted > 0)
    }

    @Test("deeply nested input is refused, not recursed into")
    func nesting() {
        let deepJSON = Array(String(repeating: "[", count: 100_000).utf8)
        #expect(SenMLPack.decodeJSON(deepJSON) == .failure(.nestingTooDeep))
        let deepCBOR = [UInt8](repeating: 0x81, count: 100_000)
        #expect(SenMLPack.decodeCBOR(deepCBOR) == .failure(.nestingTooDeep))
        // A CBOR length larger than the payload is refused before any allocation.
        #expect(SenMLPack.decodeCBOR([0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) != .success([]))
    }
}

/// `HelsebroCore` stays pure: no Foundation, no C module (STYLE.md, package graph).
@Suite("Soundness")
struct SoundnessTests {
    @Test("HelsebroCore imports only the standard library")
    func noFoundation() throws {
        // …/Tests/HelsebroCoreTests/RobustnessTests.swift → …/Sources/HelsebroCore
        let parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        let sources = parts.dropLast(3).joined(separator: "/") + "/Sources/HelsebroCore"
        var checked = 0
        for path in try swiftFiles(sources) {
            let text = try readText(path)
            for line in text.split(separator: "\n")
            where line.hasPrefix("import ") || line.hasPrefix("@_exported import ")
                || line.hasPrefix("@testable import ")
            {
                Issue.record("\(path): \(line)")
            }
            checked += 1
        }
        #expect(checked > 10)
    }
}
