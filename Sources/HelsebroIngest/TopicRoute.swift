import HelsebroCore

/// The parts of a device topic: `{prefix}/devices/{deviceId}/{channel}` (`DESIGN.md`, MQTT topics).
public struct TopicRoute: Sendable, Equatable {
    public var device: String
    /// The channel text after the device id: `gatt/2a35`, `senml+json`, …
    public var channelText: String

    /// Parses a topic; nil when it is not a device topic under `prefix`.
    public init?(topic: String, prefix: String) {
        // Topics are ASCII in practice, and then a Character is a byte: the topic is read as bytes, without building
        // the head or walking Characters (together 2 % of the ingest thread under the mix), and from contiguous
        // storage (walking `String.UTF8View` index by index cost 3,000 instructions per message; callgrind). Any
        // other topic is read by Characters, whose comparison (canonical equivalence, combining marks) can differ
        // from the bytes'.
        var topicText = topic
        var prefixText = prefix
        let ascii: (device: String, channel: String)?? = topicText.withUTF8 { t in
            prefixText.withUTF8 { p in
                guard t.allSatisfy({ $0 < 0x80 }), p.allSatisfy({ $0 < 0x80 }) else { return nil }
                guard let (device, channel) = Self.parseASCII(t, prefix: p) else { return .some(nil) }
                return (
                    String(decoding: UnsafeBufferPointer(rebasing: t[device]), as: UTF8.self),
                    String(decoding: UnsafeBufferPointer(rebasing: t[channel]), as: UTF8.self)
                )
            }
        }
        if let ascii {
            guard let ascii else { return nil }
            (device, channelText) = ascii
            return
        }
        let head = prefix + "/devices/"
        guard topic.hasPrefix(head) else { return nil }
        let rest = topic.dropFirst(head.count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let device = rest[..<slash]
        let channel = rest[rest.index(after: slash)...]
        guard !device.isEmpty, !channel.isEmpty else { return nil }
        self.device = String(device)
        self.channelText = String(channel)
    }
}

extension TopicRoute {
    /// `{prefix}/devices/{deviceId}/{channel}` on the bytes of an ASCII topic: the offsets of the device id and the
    /// channel, both non-empty; nil when the topic is not of that form.
    static func parseASCII(_ t: UnsafeBufferPointer<UInt8>, prefix: UnsafeBufferPointer<UInt8>)
        -> (device: Range<Int>, channel: Range<Int>)?
    {
        let middle: StaticString = "/devices/"
        let head = prefix.count + middle.utf8CodeUnitCount
        guard t.count > head, prefix.elementsEqual(t[..<prefix.count]),
            UnsafeBufferPointer(start: middle.utf8Start, count: middle.utf8CodeUnitCount).elementsEqual(
                t[prefix.count..<head])
        else { return nil }
        guard let slash = t[head...].firstIndex(of: UInt8(ascii: "/")), slash > head, slash + 1 < t.count else {
            return nil
        }
        return (head..<slash, (slash + 1)..<t.count)
    }
}

/// The stable identity of a message, which makes redelivery and repeated sends harmless.
///
/// With an MQTT 5 `seq` user property: device, channel, that sequence number and a 128-bit hash of the payload.
/// The hash stays in because devices reset their sequence numbers (a battery change, a firmware update): a new
/// measurement that reuses an old `seq` must not be taken for a duplicate and lost. Without `seq`: device, channel
/// and the payload hash, which carries the device's own time stamp for every characteristic that has one.
/// A payload without a device time (heart rate, PLX continuous) is identical whenever the values repeat, so for
/// those the identity also takes the receive time: a broker redelivery after a crash can then appear twice, which
/// is safer than dropping a genuinely repeated measurement.
public enum MessageIdentity {
    public static func of(
        device: String, channel: String, sequence: UInt64?, payload: [UInt8], receivedIfNoDeviceTime: Timestamp?
    ) -> String {
        // Written as bytes into a buffer on the stack and made a String once: interpolation and the hex pieces made
        // six or more allocations per message.
        let (a, b) = hash(payload)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: device.utf8.count + channel.utf8.count + 96) {
            buffer in
            var n = 0
            func put(_ text: String) {
                var text = text
                text.withUTF8 { bytes in
                    for byte in bytes {
                        buffer[n] = byte
                        n += 1
                    }
                }
            }
            // Decimal digits as `String(_:)` writes them (a String of more than 15 bytes would be allocated).
            func put(_ value: UInt64, negative: Bool = false) {
                if negative { put("-") }
                let start = n
                var rest = value
                repeat {
                    buffer[n] = UInt8(ascii: "0") + UInt8(rest % 10)
                    n += 1
                    rest /= 10
                } while rest > 0
                var digits = UnsafeMutableBufferPointer(rebasing: buffer[start..<n])
                digits.reverse()
            }
            put(sequence == nil ? "hash:" : "seq:")
            put(device)
            put("/")
            put(channel)
            put("/")
            if let sequence {
                put(sequence)
                put("/")
            }
            n = writeHex(a, b, into: buffer, at: n)
            if sequence == nil, let r = receivedIfNoDeviceTime {
                put("@")
                put(r.microseconds.magnitude, negative: r.microseconds < 0)
            }
            return String(decoding: UnsafeMutableBufferPointer(rebasing: buffer[..<n]), as: UTF8.self)
        }
    }

    /// The identity of a message whose readings carry the device's own time: `t`, that time (the first reading's)
    /// in whole seconds as 12 digits (offset so that every Date Time from 1582 on has them), `/`, then the identity
    /// `of` gives. The same payload states the same time, so a repeat still has the same identity; but the journal's
    /// index of identities (the message table's key) now takes each batch's messages near its end, among those of
    /// the same seconds, instead of one in every device's part of it: with 100,000 registered devices that index
    /// was written a page per message (`Tools/sustained-bench.sh 100000 60 28000 cuff`, alternated: 51.3 and 55.7 k
    /// readings/s before, 73.5 and 76.1 k with the time first).
    ///
    /// Written into the new String's storage: joined from pieces, it took about 2,400 instructions a message of the
    /// mix (callgrind), four Strings made and dropped.
    public static func stated(_ time: Timestamp, _ identity: String) -> String {
        let shifted = UInt64(clamping: max(0, time.seconds + statedOffset))
        // More than 12 digits from about the year 30,000 on, which no Date Time reaches: written as it comes.
        guard shifted < 1_000_000_000_000 else { return "t\(shifted)/" + identity }
        var identity = identity
        return identity.withUTF8 { rest in
            String(unsafeUninitializedCapacity: 14 + rest.count) { buffer in
                buffer[0] = UInt8(ascii: "t")
                var value = shifted
                for i in (1...12).reversed() {
                    buffer[i] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                buffer[13] = UInt8(ascii: "/")
                for (k, byte) in rest.enumerated() { buffer[14 + k] = byte }
                return 14 + rest.count
            }
        }
    }

    /// Added to a stated time's seconds: 1582-10-15 (the Gregorian calendar's first day, the earliest Date Time) is
    /// −12,219,292,800 s.
    static let statedOffset: Int64 = 100_000_000_000

    /// Two FNV-1a 64-bit hashes with different offsets, as 32 hex digits. Not cryptographic: identities only need
    /// to be stable and collision-unlikely for one device and channel.
    public static func hash128(_ bytes: [UInt8]) -> String {
        let (a, b) = hash(bytes)
        return String(unsafeUninitializedCapacity: 32) { writeHex(a, b, into: $0, at: 0) }
    }

    static func hash(_ bytes: [UInt8]) -> (UInt64, UInt64) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x84222325_cbf29ce4
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte ^ 0x5A)) &* 0x0000_0100_0000_01B3
        }
        b ^= UInt64(bytes.count)
        return (a, b)
    }

    /// Writes `a` and `b` as 16 lowercase hex digits each at `at`; returns the index after them.
    static func writeHex(_ a: UInt64, _ b: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at: Int) -> Int {
        let digits: StaticString = "0123456789abcdef"
        for k in 0..<16 {
            let shift = UInt64(60 - 4 * k)
            buffer[at + k] = digits.utf8Start[Int((a >> shift) & 0xF)]
            buffer[at + 16 + k] = digits.utf8Start[Int((b >> shift) & 0xF)]
        }
        return at + 32
    }
}
