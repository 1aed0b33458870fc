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
