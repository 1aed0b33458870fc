/// A payload channel of the MQTT topic contract (`DESIGN.md`): `helsebro/v1/devices/{deviceId}/{channel}`.
public enum Channel: Hashable, Sendable {
    case gatt(GattCharacteristic)
    case senmlJSON
    case senmlCBOR
    case hl7v2
    case frame

    /// Parses `gatt/2a35`, `senml+json`, `senml+cbor`, `hl7v2`, `frame`. GATT UUIDs are lower-case hex.
    ///
    /// `+` is a wildcard in MQTT and must not appear in a topic name (MQTT 3.1.1 §4.7.1.3, MQTT 5 §4.7.1.2):
    /// brokers and libmosquitto refuse to publish to `…/senml+json`. Topics therefore spell the SenML channels
    /// `senml-json`, `senml_json` or `senml/json` (and likewise `cbor`); all name the same channel.
    public init?(_ text: String) {
        switch text {
        case "senml+json", "senml-json", "senml_json", "senml/json": self = .senmlJSON
        case "senml+cbor", "senml-cbor", "senml_cbor", "senml/cbor": self = .senmlCBOR
        case "hl7v2": self = .hl7v2
        case "frame": self = .frame
        default:
            // `gatt/` and four lowercase hex digits, read as bytes.
            let bytes = text.utf8
            guard bytes.count == 9, bytes.starts(with: "gatt/".utf8) else { return nil }
            var uuid: UInt16 = 0
            for c in bytes.dropFirst(5) {
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): uuid = uuid << 4 | UInt16(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): uuid = uuid << 4 | UInt16(c - UInt8(ascii: "a") + 10)
                default: return nil
                }
            }
            guard let c = GattCharacteristic(rawValue: uuid) else { return nil }
            self = .gatt(c)
        }
    }

    /// The spelling devices use in topics: `senml-json` where the contract's name has a `+`.
    public var topicSegment: String {
        switch self {
        case .senmlJSON: "senml-json"
        case .senmlCBOR: "senml-cbor"
        default: name
        }
    }

    public var name: String {
        switch self {
        case .gatt(let c): "gatt/" + c.uuidHex
        case .senmlJSON: "senml+json"
        case .senmlCBOR: "senml+cbor"
        case .hl7v2: "hl7v2"
        case .frame: "frame"
        }
    }

    /// The payload family a firmware spec declares for this channel.
    public var family: PayloadFamily {
        switch self {
        case .gatt: .gatt
        case .senmlJSON, .senmlCBOR: .senml
        case .hl7v2: .hl7v2
        case .frame: .frame
        }
    }

    /// Channels this build decodes.
    public var isSupported: Bool {
        switch self {
        case .gatt, .senmlJSON, .senmlCBOR, .hl7v2, .frame: true
        }
    }
}

/// The payload families of `DESIGN.md`.
public enum PayloadFamily: String, Sendable, CaseIterable {
    case gatt
    case senml
    case hl7v2
    case frame
}
