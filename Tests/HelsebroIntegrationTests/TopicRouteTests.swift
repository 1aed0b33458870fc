import HelsebroCore
import Testing

@testable import HelsebroIngest

/// The topic parser's byte path (ASCII topics) against the Character path it shortcuts.
@Suite("Topic routes")
struct TopicRouteTests {
    /// The parser as it was before the byte path: by Characters throughout.
    static func byCharacters(_ topic: String, _ prefix: String) -> [String]? {
        let head = prefix + "/devices/"
        guard topic.hasPrefix(head) else { return nil }
        let rest = topic.dropFirst(head.count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let device = rest[..<slash]
        let channel = rest[rest.index(after: slash)...]
        guard !device.isEmpty, !channel.isEmpty else { return nil }
        return [String(device), String(channel)]
    }

    @Test("parses as the Character parser does, on 20,000 topics made of the pieces topics have")
    func sameAsCharacters() {
        let pieces = [
            "helsebro", "v1", "devices", "/", "/", "/", "cuff-1", "gatt", "2a35", "senml-json", "hl7v2", "+", "#", "",
            "a", "\r\n", "\r", "x/y", "devices/", "helsebro/v1", "é", "e\u{301}",
        ]
        var rng = SplitMix(state: 42)
        var routed = 0
        for n in 0..<20_000 {
            let prefix = n % 3 == 0 ? "helsebro/v1" : n % 3 == 1 ? "site" : "a\r"
            var topic = rng.next() % 2 == 0 ? prefix + "/devices/" : ""
            for _ in 0..<(Int(rng.next() % 6)) { topic += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let expected = Self.byCharacters(topic, prefix)
            let actual = TopicRoute(topic: topic, prefix: prefix).map { [$0.device, $0.channelText] }
            #expect(actual == expected, "\(topic.debugDescription)")
            if expected != nil { routed += 1 }
        }
        #expect(routed > 2_000, "\(routed)")
        let route = TopicRoute(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", prefix: "helsebro/v1")
        #expect(route?.device == "cuff-1" && route?.channelText == "gatt/2a35")
    }
}

/// Message identities are stored in journals: a new build must make exactly the identities an older one made, or a
/// redelivered message would be journalled twice.
@Suite("Message identities")
struct MessageIdentityTests {
    /// The identity as it was made before it was built in one String.
    static func before(_ device: String, _ channel: String, _ sequence: UInt64?, _ payload: [UInt8], _ r: Timestamp?)
        -> String
    {
        func hash128(_ bytes: [UInt8]) -> String {
            var a: UInt64 = 0xcbf2_9ce4_8422_2325
            var b: UInt64 = 0x84222325_cbf29ce4
            for byte in bytes {
                a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                b = (b ^ UInt64(byte ^ 0x5A)) &* 0x0000_0100_0000_01B3
            }
            b ^= UInt64(bytes.count)
            func hex(_ v: UInt64) -> String {
                let s = String(v, radix: 16)
                return String(repeating: "0", count: 16 - s.count) + s
            }
            return hex(a) + hex(b)
        }
        if let sequence { return "seq:\(device)/\(channel)/\(sequence)/\(hash128(payload))" }
        var text = "hash:\(device)/\(channel)/\(hash128(payload))"
        if let r { text += "@\(r.microseconds)" }
        return text
    }

    @Test("the same identities as before, for 5,000 messages with and without sequence and receive time")
    func sameAsBefore() {
        var rng = SplitMix(state: 9)
        let devices = ["cuff-1", "sim-bedside-ox-12", "å", ""]
        for _ in 0..<5_000 {
            let payload = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let device = devices[Int(rng.next() % 4)]
            let sequence = rng.next() % 3 == 0 ? rng.next() >> (rng.next() % 64) : nil
            let received =
                rng.next() % 2 == 0
                ? Timestamp(microseconds: Int64(truncatingIfNeeded: rng.next() >> (rng.next() % 64))) : nil
            #expect(
                MessageIdentity.of(
                    device: device, channel: "gatt/2a35", sequence: sequence, payload: payload,
                    receivedIfNoDeviceTime: received) == Self.before(device, "gatt/2a35", sequence, payload, received))
        }
        #expect(MessageIdentity.hash128([]) == "cbf29ce484222325" + "84222325cbf29ce4")
        for (sequence, received) in [(UInt64(0), Int64(0)), (UInt64.max, Int64.min), (7, -1), (10, Int64.max)] {
            #expect(
                MessageIdentity.of(
                    device: "d", channel: "c", sequence: sequence, payload: [1], receivedIfNoDeviceTime: nil)
                    == Self.before("d", "c", sequence, [1], nil))
            let r = Timestamp(microseconds: received)
            #expect(
                MessageIdentity.of(device: "d", channel: "c", sequence: nil, payload: [1], receivedIfNoDeviceTime: r)
                    == Self.before("d", "c", nil, [1], r))
        }
    }

    @Test("an identity with the stated time: 't', 12 digits, '/', the identity; in the order of the times")
    func stated() {
        let times = [
            Timestamp(year: 1582, month: 10, day: 15, hour: 0, minute: 0, second: 0), Timestamp(seconds: -1),
            Timestamp(seconds: 0), Timestamp(seconds: 1_764_900_000), Timestamp(seconds: 1_764_900_001),
            Timestamp(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59),
        ]
        let identities = times.map { MessageIdentity.stated($0, "seq:d/c/1/x") }
        #expect(identities[0] == "t087780707200/seq:d/c/1/x")
        #expect(identities[3] == "t101764900000/seq:d/c/1/x")
        #expect(identities.allSatisfy { $0.utf8.count == 1 + 12 + 1 + 11 })
        #expect(identities == identities.sorted() && Set(identities).count == identities.count)
        // Times outside Date Time's range: before the offset's zero, clamped; 13 digits once past 12.
        #expect(MessageIdentity.stated(Timestamp(seconds: -200_000_000_000), "x") == "t000000000000/x")
        #expect(MessageIdentity.stated(Timestamp(seconds: 1_000_000_000_000), "x") == "t1100000000000/x")
        #expect(MessageIdentity.stated(Timestamp(seconds: 0), "hash:måler-ø/gatt") == "t100000000000/hash:måler-ø/gatt")
    }
}
