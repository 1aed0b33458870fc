import Foundation
import Testing

@testable import HelsebroCore

/// The in-place SenML reader (`SenMLTape`, which the decode loop and `SenMLPack` use) against the tree-building
/// readers it replaced (`SenMLReference.swift`), on example packs and on many mutations of them.
@Suite("SenML in-place reader")
struct SenMLReaderTests {
    static let jsonSeeds: [[UInt8]] = {
        let packs = [
            #"[{"bn":"urn:dev:mac:0024befffe804ff1:","bt":1795420200,"n":"spo2","u":"%","v":97},{"n":"pulse","u":"beat/min","v":68},{"n":"temp","u":"Cel","v":36.8},{"n":"battery","u":"%","v":81}]"#,
            #"[{"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,"bu":"%RH","v":21.2},{"t":10,"v":21.3},{"t":92,"v":21.5}]"#,
            #"[{"bn":"d:","bv":10,"bs":100,"n":"a","v":1.5},{"n":"b","vs":"on"},{"n":"c","vb":true},{"n":"d","vd":"AQID"},{"n":"e","s":5},{"n":"f"}]"#,
            #"[{"bn":"a:","bt":1.3e9,"n":"x","v":1},{"bn":"b:","n":"y","v":2},{"bt":1.4e9,"n":"z","v":3},{"n":"w","v":4}]"#,
            #"[{"n":"a","v":1,"t":-60},{"n":"b","v":-0,"t":268435456,"ut":5},{"n":"c","v":1e20,"t":-1e-3}]"#,
            #"[{"bver":10,"n":"a\/b","v":1,"x":2,"k":{"y":[1,null,false]}},{"bver":10,"n":"\u0062","vs":"\u00e6\ud83d\ude00\n"}]"#,
            #" [ {"n" : "q" , "u":"Pa" , "v":12345678901234567890 , "s":0.000001 } ] "#,
            #"[{"n":"e","v":1,"é":"é"},{"n":"x","vd":"A-_z"},{"n":"y","v":1,"é":1,"ü":2}]"#,
        ]
        return packs.map { Array($0.utf8) }
    }()

    static let cborSeeds: [[UInt8]] = [
        // The gateway sample (tag-4 decimal fraction), and packs of floats, negative integers, text and byte
        // values, unknown integer and text labels, a nested value, and a non-4 tag.
        hex(
            "81 a5 21 78 1d 75726e3a6465763a6d61633a303032346265666666653830346666313a 22 1a 6b03f028 00 64 74656d70 01 63 43656c 02 c4 82 21 19 0e8d"
        ),
        hex("83 a2 00 61 74 02 c4 82 20 19 0267 a2 00 61 68 02 f9 3e00 a2 00 61 6e 02 22"),
        hex(
            "84 a3 21 62 643a 00 61 61 02 fa 40490fdb a2 00 61 62 03 62 6f6e a2 00 61 63 04 f5 a3 00 61 64 08 43 010203 0a 20"
        ),
        hex(
            "82 a4 00 61 61 02 fb 400921fb54442d18 06 3b 0000000000000010 62 7879 01 a3 00 61 62 02 01 63 7a7a7a 82 01 f6"
        ),
        hex("81 a3 00 61 78 02 d8 20 01 18 64 a1 01 f4"),
    ]

    static let jsonAlphabet = Array(#"{}[]",:0123456789.eE+-\ untfalsebvdn_"#.utf8) + [0xC3, 0xA6, 0xFF, 0x00, 0x0A]
    static let jsonSnippets = [
        #""bn":"x:","#, #""v":1,"#, #""n":"a","#, #""vs":"s","#, #""vb":true,"#, #""vd":"AQ","#, #""bver":10,"#,
        #""t":1e9,"#, #""s":2,"#, #""u":"%","#, #""bu":"Cel","#, #",{"n":"z","v":2}"#, #""\u00e9""#, #""a\"b""#,
        #""ut":1,"#, "[", "]", "{", "}", #""bv":1,"#, #""bs":1,"#, #""x_":1,"#,
    ].map { Array($0.utf8) }

    static func mutate(_ seed: [UInt8], cbor: Bool, _ rng: inout SplitMix) -> [UInt8] {
        var b = seed
        for _ in 0..<(1 + Int(rng.next() % 2)) {
            let at = Int(rng.next() % UInt64(b.count + 1))
            switch rng.next() % 4 {
            case 0 where at < b.count:
                b[at] =
                    cbor
                    ? UInt8(truncatingIfNeeded: rng.next())
                    : jsonAlphabet[Int(rng.next() % UInt64(jsonAlphabet.count))]
            case 1 where at < b.count: b.removeSubrange(at..<min(b.count, at + 1 + Int(rng.next() % 4)))
            case 2 where !cbor:
                // A member put at the start of a record: the pack stays well-formed JSON, and often valid SenML.
                let opens = b.indices.filter { b[$0] == UInt8(ascii: "{") }
                let member = jsonSnippets[Int(rng.next() % 12)]
                if let open = opens.randomElement(using: &rng) { b.insert(contentsOf: member, at: open + 1) }
            case 2 where cbor:
                // A copy of another stretch of the pack: whole items, often, since CBOR items sit end to end.
                let from = Int(rng.next() % UInt64(b.count))
                let chunk = Array(b[from..<min(b.count, from + 1 + Int(rng.next() % 12))])
                b.insert(contentsOf: chunk, at: at)
            case 3 where cbor && at < b.count:
                // Another small integer, length or label: the low bits of an initial byte.
                b[at] = (b[at] & 0xE0) | UInt8(rng.next() % 28)
            default:
                if cbor {
                    b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                } else {
                    b.insert(contentsOf: jsonSnippets[Int(rng.next() % UInt64(jsonSnippets.count))], at: at)
                }
            }
        }
        return b
    }

    @Test("reads what the tree-building readers read: every seed, and 20,000 mutations each of JSON and CBOR")
    func sameAsReference() {
        for cbor in [false, true] {
            var rng = SplitMix(state: cbor ? 0xCB02 : 0x5E71)
            let seeds = cbor ? Self.cborSeeds : Self.jsonSeeds
            var accepted = 0
            var differences = 0
            for n in 0..<(seeds.count + 20_000) {
                let bytes =
                    n < seeds.count
                    ? seeds[n] : Self.mutate(seeds[Int(rng.next() % UInt64(seeds.count))], cbor: cbor, &rng)
                let expected = cbor ? ReferenceSenML.decodeCBOR(bytes) : ReferenceSenML.decodeJSON(bytes)
                let actual = cbor ? SenMLPack.decodeCBOR(bytes) : SenMLPack.decodeJSON(bytes)
                if n < seeds.count { #expect((try? expected.get()) != nil, "seed \(n) is refused: \(expected)") }
                if case .success(let records) = expected, !records.isEmpty { accepted += 1 }
                if expected != actual {
                    differences += 1
                    if differences <= 3 {
                        Issue.record(
                            "\(cbor ? "CBOR" : "JSON") \(bytes.map { String(format: "%02x", $0) }.joined())\nreference: \(expected)\nreader: \(actual)"
                        )
                    }
                }
            }
            #expect(differences == 0)
            // The mutations must leave many packs readable, or the comparison says little.
            #expect(accepted > 1_500, "\(cbor ? "CBOR" : "JSON"): \(accepted)")
        }
    }

    @Test("a pack too large for the thread's kept memory, and a pack read while another is read, read the same")
    func largeAndNested() throws {
        let records = (0..<3_000).map { #"{"n":"r\#($0)","u":"Cel","v":3\#($0 % 10).5,"t":-\#($0)}"# }
        let large = Array(("[" + records.joined(separator: ",") + "]").utf8)
        #expect(large.count * MemoryLayout<SenMLItem>.stride > SenMLTapeMemory.keep)
        let expected = try ReferenceSenML.decodeJSON(large).get()
        #expect(expected.count == 3_000)
        #expect(try SenMLPack.decodeJSON(large).get() == expected)
        // While a pack is read, its records' bytes are on the thread's tape: a pack read from inside must not
        // overwrite it.
        let outer = Self.jsonSeeds[0]
        var inner: [Result<[SenMLRecord], SenMLProblem>] = []
        var seen: [SenMLRecord] = []
        let problem = outer.withUnsafeBytes { bytes in
            SenMLPack.read(bytes, cbor: false) { record in
                inner.append(SenMLPack.decodeJSON(Self.jsonSeeds[1]))
                seen.append(SenMLRecord(record))
            }
        }
        #expect(problem == nil)
        #expect(seen == (try ReferenceSenML.decodeJSON(outer).get()))
        #expect(inner.count == 4 && inner.allSatisfy { $0 == ReferenceSenML.decodeJSON(Self.jsonSeeds[1]) })
    }

    @Test("a pack of nothing but nested tags is refused, not read one stack frame per byte")
    func nestedTags() {
        let bytes = [UInt8](repeating: 0xC6, count: 200_000) + [0x00]
        #expect(SenMLPack.decodeCBOR(bytes) == .failure(.nestingTooDeep))
    }
}
