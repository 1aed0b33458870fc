import Testing

@testable import HelsebroCore

/// The in-place reader (`HL7Text`, which the decode loop and `HL7Result` use) against the String-based parser it
/// replaced (`HL7Reference.swift`), on the example messages and on many mutations of them.
@Suite("HL7 in-place reader")
struct HL7ReaderTests {
    static let seeds: [[UInt8]] = {
        let bench = [
            #"MSH|^~\&|GW^0123456789ABCDEF^EUI-64|H|||20261123115900+0100||ORU^R01^ORU_R01|M-1|P|2.6|||NE|AL"#,
            "PID|||patient-1^^^W^PI~other-2^^^X^MR",
            "OBR|1|A^GW|B^GW|182777000^monitoring of patient^SCT|||20261123115900",
            "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||20261123115800+0100",
            "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120|H~HH||P",
            "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.0.1|97|262688^MDC_DIM_PERCENT^MDC|||||C",
            "OBX|4|NM|8867-4^Heart rate^LN|1.2.1.2| 72 |/min^/min^UCUM|||||R|||20261123115859.25",
            "OBX|5|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1..0|1.24e2|mm[Hg]^mm[Hg]^UCUM|||||R||||||||EQ-1^X",
            "OBX|6|NM|150364^MDC_TEMP_BODY^MDC|1.5.1.1|37.1|268192^MDC_DIM_DEGC^MDC|||||D",
            "OBX|7|ST|0^X^MDC|1.0.1.1|text",
        ]
        let latin1: [UInt8] =
            Array(#"MSH|^~\&|A|B|||20240101||ORU^R01|L-1|P|2.6|||||8859/1"#.utf8) + [0x0D]
            + Array("PID|||N".utf8) + [0xE6, 0x0D]
            + Array("OBX|1|NM|8310-5^Temp ".utf8) + [0xE9] + Array("^LN|1|37.5|Cel|||||F|||202401011159".utf8)
        let lines = [HL7Tests.ihe, HL7Tests.aware, bench]
        var seeds = lines.map { Array($0.joined(separator: "\r").utf8) }
        seeds.append(Array(HL7Tests.ihe.joined(separator: "\r\n").utf8))
        seeds.append([0x0B] + Array(HL7Tests.aware.joined(separator: "\n").utf8) + [0x1C, 0x0D])
        seeds.append(
            Array(
                [
                    "MSH#$%!@#X#Y#Z##20240101120000##ORU$R01#ID-9#P#2.6",
                    "OBX#1#NM#8310-5$Body temperature !F! oral$LN#1#37.5#Cel$Cel$UCUM#36!S!37#H%HH###F###20240101115900+0100",
                    "OBX#2#NM#150456$X$MDC#1#9!X37!#262688$X$MDC########20240101115900",
                ].joined(separator: "\r").utf8))
        seeds.append(latin1)
        return seeds
    }()

    /// Bytes a mutation writes: separators, digits, signs, status letters, MLLP framing and non-ASCII.
    static let alphabet: [UInt8] = Array("|^~\\&\r\n0123456789.+- XDNMCPHLA".utf8) + [0xE9, 0xC3, 0x0B, 0x1C, 0x80]
    static let snippets = [
        "\\F\\", "\\X41\\", "\\.br\\", "\\", "+0100", ".5", "~", "^^", "|||", "\rOBR|2||||||20240101", "\rOBX|9|NM|",
        "MDC", "LN", "|1.0|",
    ].map { Array($0.utf8) }

    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var b = seed
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            let at = Int(rng.next() % UInt64(b.count + 1))
            switch rng.next() % 4 {
            case 0 where at < b.count: b[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            case 1 where at < b.count: b.removeSubrange(at..<min(b.count, at + 1 + Int(rng.next() % 10)))
            case 2:
                let lines = b.split(whereSeparator: { $0 == 0x0D || $0 == 0x0A })
                if let line = lines.randomElement(using: &rng) { b.insert(contentsOf: [0x0D] + line, at: at) }
            default: b.insert(contentsOf: snippets[Int(rng.next() % UInt64(snippets.count))], at: at)
            }
        }
        return b
    }

    /// What a parse gave, in a form both parsers share.
    struct Outcome: Equatable {
        var failure: HL7Problem?
        var controlID = ""
        var patients: [String] = []
        var observations: [HL7Observation] = []
        var problems: [HL7Problem] = []

        init(_ r: Result<HL7Result, HL7Problem>) {
            switch r {
            case .failure(let p): failure = p
            case .success(let r):
                controlID = r.controlID
                patients = r.patientIdentifiers
                observations = r.observations
                problems = r.problems
            }
        }
    }

    @Test("reads what the String parser read: every seed, and 10,000 mutations of them, with two clocks")
    func sameAsReference() throws {
        var rng = SplitMix(state: 0x4C37)
        let oslo = try #require(DeviceClock.named("Europe/Oslo"))
        var accepted = 0
        var differences = 0
        for n in 0..<(Self.seeds.count + 10_000) {
            let bytes =
                n < Self.seeds.count
                ? Self.seeds[n] : Self.mutate(Self.seeds[Int(rng.next() % UInt64(Self.seeds.count))], &rng)
            for clock in [DeviceClock.utc, oslo] {
                let expected = Outcome(ReferenceHL7Message.parse(bytes).flatMap { ReferenceHL7.read($0, clock: clock) })
                let actual = Outcome(HL7Message.parse(bytes).flatMap { HL7Result.read($0, clock: clock) })
                if expected.failure == nil && !expected.observations.isEmpty { accepted += 1 }
                if expected != actual {
                    differences += 1
                    if differences <= 3 {
                        Issue.record(
                            "\(String(decoding: bytes, as: UTF8.self).debugDescription)\nreference: \(expected)\nreader: \(actual)"
                        )
                    }
                }
            }
        }
        #expect(differences == 0)
        // The mutations must leave many messages readable, or the comparison says little.
        #expect(accepted > 5_000, "\(accepted)")
    }

    @Test("the decode loop's readings are the observations HL7Result reads, bound and validated")
    func planMatchesResult() throws {
        func m(_ k: String, _ s: MetricSource, _ u: UCUMUnit, decimals: Int, _ lo: Int64, _ hi: Int64)
            -> MetricDefinition
        {
            DecodePlanTests.metric(k, s, u, decimals: decimals, lo, hi)
        }
        let profile = DeviceProfile(
            id: "bm", model: "m", manufacturer: "x", version: 1, setting: .hospital, channels: [.hl7v2], firmware: [],
            metrics: [
                m("heart-rate", .mdc(147_842), .perMinute, decimals: 0, 20, 300),
                m("spo2", .mdc(150_456), .percent, decimals: 0, 50, 100),
                m("pulse", .loinc("8867-4"), .perMinute, decimals: 0, 20, 300),
                m("systolic", .mdc(150_021), .mmHg, decimals: 0, 40, 300),
                m("diastolic", .mdc(150_022), .mmHg, decimals: 0, 20, 200),
                m("mean", .mdc(150_023), .mmHg, decimals: 0, 20, 250),
                m("temperature", .loinc("8310-5"), .celsius, decimals: 1, 25, 45),
                m("art-mean", .mdc(150_035), .mmHg, decimals: 0, 20, 250),
            ], ignoredSources: ["mdc:148065", "mdc:150033"])
        let plan = try DecodePlan.compile(profile: profile, firmware: nil).get()
        let channel = 0
        var rng = SplitMix(state: 7)
        var compared = 0
        for n in 0..<3_000 {
            let bytes =
                n < Self.seeds.count
                ? Self.seeds[n] : Self.mutate(Self.seeds[Int(rng.next() % UInt64(Self.seeds.count))], &rng)
            guard case .success(let result) = HL7Message.parse(bytes).flatMap({ HL7Result.read($0) }) else { continue }
            var out: [Reading] = []
            var ignored = 0
            var partial: [Rejection] = []
            _ = bytes.withUnsafeBytes {
                plan.process(
                    channelIndex: channel, payload: $0, receiveTime: nil, into: &out, ignored: &ignored,
                    partial: &partial)
            }
            // Every observation is a reading, ignored, or a rejection of its own.
            #expect(out.count + ignored + partial.count == result.observations.count + result.problems.count)
            for r in out {
                #expect(
                    result.observations.contains {
                        UInt16(truncatingIfNeeded: $0.index) == r.record
                            && plan.metrics[Int(r.metric)].source.matches($0)
                            && $0.time == r.time
                    })
            }
            compared += out.count
        }
        #expect(compared > 1_000)
    }
}
