import Testing

@testable import HelsebroCore

func senml(_ json: String) -> Result<[SenMLRecord], SenMLProblem> { SenMLPack.decodeJSON(Array(json.utf8)) }

/// SenML (RFC 8428). Examples are §5.1's, as the SenML authors' repository generates them (core-wg/senml-spec
/// `ex*.gen.json`, `ex3.gen.cbor.hex`).
@Suite("SenML")
struct SenMLTests {
    /// §5.1.1 single data point.
    @Test("RFC 8428 §5.1.1")
    func singleDatapoint() throws {
        let r = try senml(#"[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]"#).get()
        #expect(r.count == 1 && r[0].name == "urn:dev:ow:10e2073a01080063" && r[0].unit == "Cel")
        #expect(r[0].value == .number(DecimalValue(mantissa: 231, exponent: -1)))
        #expect(r[0].time == 0 && r[0].version == 10)
    }

    /// §5.1.2 multiple data points: bn concatenated with n, units per record.
    @Test("RFC 8428 §5.1.2")
    func multipleDatapoints() throws {
        let r = try senml(
            #"[{"bn":"urn:dev:ow:10e2073a01080063","n":"voltage","u":"V","v":120.1},{"n":"current","u":"A","v":1.2}]"#
        ).get()
        #expect(r.map(\.name) == ["urn:dev:ow:10e2073a01080063voltage", "urn:dev:ow:10e2073a01080063current"])
        #expect(r.map(\.unit) == ["V", "A"])
    }

    /// §5.1.3 multiple measurements, with bt, bu and bver 5; resolved times as ex3.gen.resolved.json.
    @Test("RFC 8428 §5.1.3 JSON and its CBOR encoding resolve alike")
    func multipleMeasurements() throws {
        let json = #"""
            [{"bn":"urn:dev:ow:10e2073a01080063/","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},
             {"n":"current","t":-5,"v":1.2},{"n":"current","t":-4,"v":1.3},{"n":"current","t":-3,"v":1.4},
             {"n":"current","t":-2,"v":1.5},{"n":"current","t":-1,"v":1.6},{"n":"current","v":1.7}]
            """#
        let r = try senml(json).get()
        #expect(r.count == 7)
        #expect(r[1].unit == "A" && r[0].unit == "V")
        #expect(r.allSatisfy { $0.version == 5 })
        #expect(r[1].timestamp(receiveTime: nil).time == Timestamp(microseconds: 1_276_020_071_001_000))
        #expect(
            r.map { $0.value! }
                == ["120.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"].map {
                    .number(DecimalValue(text: Array($0.utf8))!)
                })
        let cbor = hex(
            """
            87 a7 21 78 1b 75 72 6e 3a 64 65 76 3a 6f 77 3a 31 30 65 32 30 37 33 61 30 31 30 38 30 30 36 3a
            22 fb 41 d3 03 a1 5b 00 10 62 23 61 41 20 05 00 67 76 6f 6c 74 61 67 65 01 61 56 02 fb 40 5e 06
            66 66 66 66 66 a3 00 67 63 75 72 72 65 6e 74 06 24 02 fb 3f f3 33 33 33 33 33 33 a3 00 67 63 75
            72 72 65 6e 74 06 23 02 fb 3f f4 cc cc cc cc cc cd a3 00 67 63 75 72 72 65 6e 74 06 22 02 fb 3f
            f6 66 66 66 66 66 66 a3 00 67 63 75 72 72 65 6e 74 06 21 02 f9 3e 00 a3 00 67 63 75 72 72 65 6e
            74 06 20 02 fb 3f f9 99 99 99 99 99 9a a3 00 67 63 75 72 72 65 6e 74 06 00 02 fb 3f fb 33 33 33
            33 33 33
            """)
        let c = try SenMLPack.decodeCBOR(cbor).get()
        #expect(c.count == 7)
        #expect(c[0].name == "urn:dev:ow:10e2073a0108006:voltage")
        #expect(c.map(\.value) == r.map(\.value))
        #expect(c.map(\.time) == r.map(\.time))
        #expect(c.map(\.unit) == r.map(\.unit))
    }

    /// §5.1.4 resolved data: base time plus relative t.
    @Test("RFC 8428 §5.1.4 base time and unit carry over")
    func baseFields() throws {
        let r = try senml(
            #"[{"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,"bu":"%RH","v":21.2},{"t":10,"v":21.3},{"t":92,"v":21.5}]"#
        ).get()
        #expect(r.map(\.name) == Array(repeating: "urn:dev:ow:10e2073a01080063", count: 3))
        #expect(r.map(\.time) == [1_320_067_464, 1_320_067_474, 1_320_067_556])
        #expect(r.allSatisfy { $0.unit == "%RH" })
    }

    /// §5.1.6: base fields are tracked independently; a new bn keeps the earlier bt.
    @Test("base fields hold until the next record that carries the same field")
    func independentBases() throws {
        let r = try senml(
            #"[{"bn":"a:","bt":1.3e9,"n":"x","v":1},{"bn":"b:","n":"y","v":2},{"bt":1.4e9,"n":"z","v":3},{"n":"w","v":4}]"#
        ).get()
        #expect(r.map(\.name) == ["a:x", "b:y", "b:z", "b:w"])
        #expect(r.map(\.time) == [1.3e9, 1.3e9, 1.4e9, 1.4e9])
    }

    /// §4.2 and §4.5.4: value kinds, base value and sum.
    @Test("value kinds, base value and sum")
    func valueKinds() throws {
        let r = try senml(
            #"[{"bn":"d:","bv":10,"bs":100,"n":"a","v":1.5},{"n":"b","vs":"on"},{"n":"c","vb":true},{"n":"d","vd":"AQID"},{"n":"e","s":5},{"n":"f"}]"#
        ).get()
        #expect(r[0].value == .number(DecimalValue(mantissa: 115, exponent: -1)))
        #expect(r[0].sum == DecimalValue(mantissa: 100, exponent: 0))
        #expect(r[1].value == .string("on") && r[2].value == .bool(true) && r[3].value == .data([1, 2, 3]))
        #expect(r[4].sum == DecimalValue(mantissa: 105, exponent: 0))
        #expect(r[5].value == .number(DecimalValue(mantissa: 10, exponent: 0)))
    }

    @Test("relative times anchor at the receive time; absolute times from 2^28 on")
    func times() throws {
        let now = Timestamp(year: 2026, month: 11, day: 23, hour: 4)
        let r = try senml(#"[{"n":"a","v":1,"t":-60},{"n":"b","v":1,"t":268435456}]"#).get()
        let (t0, relative) = r[0].timestamp(receiveTime: now)
        #expect(relative && t0 == now.adding(seconds: -60))
        #expect(r[1].timestamp(receiveTime: now).relative == false)
        #expect(r[1].timestamp(receiveTime: now).time == Timestamp(seconds: 268_435_456))
    }

    @Test(
        "a time beyond any clock saturates instead of trapping, and validation can reject it (found by fuzz-senml-json)"
    )
    func hugeTimes() throws {
        let now = Timestamp(year: 2026, month: 11, day: 23, hour: 4)
        let r = try senml(#"[{"n":"a","v":1,"t":1e300},{"n":"b","v":1,"t":-1e300},{"n":"c","v":1,"bt":1e18,"t":1e18}]"#)
            .get()
        #expect(
            r[0].timestamp(receiveTime: now).time!.microseconds > now.adding(seconds: 10 * 365 * 86_400).microseconds)
        #expect(r[1].timestamp(receiveTime: now).time!.microseconds < Timestamp.year2000.microseconds)
        #expect(r[2].timestamp(receiveTime: now).time!.microseconds > now.microseconds)
        _ = r.map { $0.timestamp(receiveTime: now).time!.seconds }
    }

    @Test(
        "packs the RFC says to reject",
        arguments: [
            (#"[{"n":"a","v":1,"x_":2}]"#, SenMLProblem.mustUnderstand(record: 0, label: "x_")),
            (#"[{"bver":11,"n":"a","v":1}]"#, .versionTooNew(record: 0, version: 11)),
            (#"[{"v":1}]"#, .missingName(record: 0)),
            (#"[{"n":"a b","v":1}]"#, .invalidName(record: 0)),
            (#"[{"n":"-a","v":1}]"#, .invalidName(record: 0)),
            (#"[{"n":"a","v":1,"vs":"x"}]"#, .multipleValues(record: 0)),
            (#"[{"n":"a"}]"#, .noValue(record: 0)),
            (#"[{"n":"a","v":"1"}]"#, .wrongType(record: 0, label: "v")),
            (#"[{"n":"a","vd":"A"}]"#, .invalidBase64(record: 0)),
            (#"[{"n":"a","v":1,"v":2}]"#, .duplicateLabel(record: 0, label: "v")),
            // More than 16 labels: the duplicate is found by the other path.
            (
                "[{" + (1...20).map { #""k\#($0)":0,"# }.joined() + #""n":"a","v":1,"k7":2}]"#,
                .duplicateLabel(record: 0, label: "k7")
            ),
            (#"[{"bver":5,"n":"a","v":1},{"bver":6,"n":"b","v":1}]"#, .versionMismatch(record: 1)),
            (#"{"n":"a","v":1}"#, .notAnArray),
            (#"[1]"#, .recordNotAMap(record: 0)),
            (#"[{"n":"a","v":1}] x"#, .trailingData(offset: 18)),
        ])
    func rejected(json: String, problem: SenMLProblem) {
        guard case .failure(let p) = senml(json) else {
            Issue.record("accepted \(json)")
            return
        }
        #expect(p == problem)
    }

    @Test("unknown labels without a trailing underscore are ignored")
    func unknownLabel() throws {
        #expect(try senml(#"[{"n":"a","v":1,"foo":{"bar":[1,2]}}]"#).get().count == 1)
    }

    @Test(
        "malformed JSON never crashes",
        arguments: [
            "", "[", "[{", #"[{"n":}]"#, #"[{"n":"a","v":01}]"#, #"[{"n":"\x"}]"#, String(repeating: "[", count: 100),
            #"[{"n":"\ud800","v":1}]"#, "[{\"n\":\"a\",\"v\":1e}]",
        ])
    func malformed(json: String) {
        if case .success = senml(json) { Issue.record("accepted \(json)") }
    }

    /// RIOT OS sends 61.5 as a tag-4 decimal fraction `c4 82 20 19 0267` (615 × 10⁻¹); half floats are allowed.
    @Test("CBOR decimal fractions, half floats, negative integers")
    func cborNumbers() throws {
        // [{0: "t", 2: 4([-1, 615])}, {0: "h", 2: 1.5 (half)}, {0: "n", 2: -3}]
        let r = try SenMLPack.decodeCBOR(
            hex("83 a2 00 61 74 02 c4 82 20 19 0267 a2 00 61 68 02 f9 3e00 a2 00 61 6e 02 22")
        ).get()
        #expect(r[0].value == .number(DecimalValue(mantissa: 615, exponent: -1)))
        #expect(r[1].value == .number(DecimalValue(mantissa: 15, exponent: -1)))
        #expect(r[2].value == .number(DecimalValue(mantissa: -3, exponent: 0)))
    }

    @Test(
        "CBOR that is not a definite-length SenML pack is rejected",
        arguments: [
            "9f a2 00 61 61 02 01 ff",  // indefinite-length array (SensML)
            "a1 00 61 61",  // a map, not an array
            "81 a2 00 61",  // truncated
            "81 a2 00 61 61 02 01 00",  // trailing byte
        ])
    func cborRejected(hexText: String) {
        if case .success = SenMLPack.decodeCBOR(hex(hexText)) { Issue.record("accepted \(hexText)") }
    }

    /// RFC 8428 §12.1 note 2: SenML `%` is a ratio.
    @Test("SenML units to UCUM")
    func units() {
        #expect(SenMLUnits.ucum("%") == .ratio)
        #expect(SenMLUnits.ucum("%", percentIsPercentage: true) == .percent)
        #expect(SenMLUnits.ucum("Pa") == .pascal)
        #expect(SenMLUnits.ucum("beat/min") == .perMinute)
        #expect(SenMLUnits.ucum("mmHg") == nil)
        #expect(UCUMUnit.pascal.conversion(to: .mmHg)!.apply(13332.2).rounded() == 100)
        #expect(UCUMUnit.ratio.conversion(to: .percent)!.apply(0.97) == 97)
    }

    @Test("a base name and a name are matched as if joined, without joining them")
    func nameMatchingAcrossTheBase() {
        // The rule on the joined name, as it was written before names were kept in two parts.
        func reference(_ name: String, _ suffix: String) -> Bool {
            if name == suffix { return true }
            guard name.hasSuffix(suffix) else { return false }
            let before = name.utf8[name.utf8.index(name.utf8.endIndex, offsetBy: -suffix.utf8.count - 1)]
            return before == UInt8(ascii: ":") || before == UInt8(ascii: "/") || before == UInt8(ascii: ".")
        }
        let pieces = ["", "spo2", "urn:dev:mac:0024be:", "dev/sp", "o2", ":", ".", "/", "x", "2", "pulse", "a.spo2"]
        var checked = 0
        var matched = 0
        for base in pieces {
            for name in pieces where !(base + name).isEmpty {
                for suffix in ["spo2", "o2", "2", "pulse", "sp", "dev/spo2", ""] {
                    let expected = reference(base + name, suffix)
                    #expect(
                        MetricSource.senml(suffix).matches(senmlBase: base, name: name) == expected,
                        "\(base) + \(name) against \(suffix)")
                    checked += 1
                    if expected { matched += 1 }
                }
            }
        }
        #expect(checked > 500 && matched > 20)
    }
}

@Suite("Channels")
struct ChannelTests {
    /// `+` cannot appear in an MQTT topic name, so topics use `senml-json` and the like.
    @Test(
        "channel spellings",
        arguments: [
            ("gatt/2a35", Channel.gatt(.bloodPressureMeasurement)), ("senml+json", .senmlJSON),
            ("senml-json", .senmlJSON),
            ("senml/json", .senmlJSON), ("senml_cbor", .senmlCBOR), ("senml+cbor", .senmlCBOR),
        ])
    func spellings(text: String, channel: Channel) {
        #expect(Channel(text) == channel)
    }

    @Test(
        "unknown spellings",
        arguments: [
            "gatt/2A35", "gatt/2a99", "gatt/2a3", "senml", "json", "", "gatt/+a35", "gatt/-a35", "gatt/2a3g",
            "gatx/2a35", "gatt/2a35 ", "gatt/2a3\u{301}", "gatt//2a3",
        ])
    func unknown(text: String) {
        #expect(Channel(text) == nil)
    }

    @Test("every GATT characteristic by its four lowercase hex digits, and no other number")
    func everyUUID() {
        for uuid in 0...0xFFFF {
            let hex = String(uuid, radix: 16)
            let text = "gatt/" + String(repeating: "0", count: 4 - hex.count) + hex
            #expect(Channel(text) == GattCharacteristic(rawValue: UInt16(uuid)).map { .gatt($0) }, "\(text)")
        }
    }
}
