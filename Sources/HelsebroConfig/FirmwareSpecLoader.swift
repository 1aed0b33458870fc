import HelsebroCore
import Yams

/// Reads one firmware spec (`Firmware-Specs/*.yaml`).
enum FirmwareSpecLoader {
    static let topFields: Set<String> = ["id", "profile", "versions", "payload", "quirks", "frame", "notes"]
    static let quirkFields: Set<String> = [
        "clock", "timezone", "unit-flag", "vendor-trailing-bytes", "cgm-e2e-crc", "senml-percent-is-percentage",
    ]

    struct Loaded {
        var spec: FirmwareSpec?
        var document: YAMLDocument
    }

    static func load(text: String, file: String, expectedID: String?) -> Loaded {
        var doc = YAMLDocument(file: file)
        guard let root = doc.parse(text), let top = doc.mapping(root, "", allowed: topFields) else {
            return Loaded(spec: nil, document: doc)
        }
        let id = doc.identifier(top, expectedID: expectedID)
        let profile = doc.string(top, "profile", "")
        let versions = doc.string(top, "versions", "")
        var family: PayloadFamily?
        if let p = doc.string(top, "payload", "") {
            family = PayloadFamily(rawValue: p)
            if family == nil {
                doc.issue(
                    "payload", top["payload"],
                    "expected one of \(PayloadFamily.allCases.map(\.rawValue).joined(separator: ", ")), got '\(p)'")
            }
        }
        var quirks = FirmwareQuirks()
        if let qnode = top["quirks"], let q = doc.mapping(qnode, "quirks", allowed: quirkFields) {
            if let clock = doc.string(q, "clock", "quirks", required: false) {
                switch clock {
                case "utc":
                    if q["timezone"] != nil {
                        doc.issue("quirks.timezone", q["timezone"], "a UTC clock takes no timezone")
                    }
                case "local":
                    if let zone = doc.string(q, "timezone", "quirks") {
                        if let c = DeviceClock.named(zone) {
                            quirks.clock = c
                        } else {
                            doc.issue(
                                "quirks.timezone", q["timezone"],
                                "unknown zone '\(zone)'; use an EU zone such as Europe/Oslo, UTC, or a fixed offset like +01:00"
                            )
                        }
                    }
                default:
                    doc.issue("quirks.clock", q["clock"], "expected utc or local, got '\(clock)'")
                }
            } else if q["timezone"] != nil {
                doc.issue("quirks.timezone", q["timezone"], "a timezone needs clock: local")
            }
            if let unode = q["unit-flag"],
                let u = doc.mapping(unode, "quirks.unit-flag", allowed: ["ignored", "actual-unit"])
            {
                if doc.bool(u, "ignored", "quirks.unit-flag") != true {
                    doc.issue(
                        "quirks.unit-flag.ignored", u["ignored"] ?? unode,
                        "state 'ignored: true' (the only quirk of the unit flag)")
                }
                if let text = doc.string(u, "actual-unit", "quirks.unit-flag") {
                    quirks.actualUnit = UCUMUnit(code: text)
                    if quirks.actualUnit == nil {
                        doc.issue(
                            "quirks.unit-flag.actual-unit", u["actual-unit"],
                            "'\(text)' is not a UCUM unit Helsebro knows")
                    }
                }
            }
            quirks.vendorTrailingBytes =
                doc.integer(q, "vendor-trailing-bytes", "quirks", required: false, range: 1...64) ?? 0
            quirks.cgmE2ECRC = doc.bool(q, "cgm-e2e-crc", "quirks")
            quirks.senmlPercentIsPercentage = doc.bool(q, "senml-percent-is-percentage", "quirks") ?? false
            if quirks.senmlPercentIsPercentage, family != nil, family != .senml {
                doc.issue(
                    "quirks.senml-percent-is-percentage", q["senml-percent-is-percentage"],
                    "applies only to payload: senml")
            }
        }
        var frame: FrameLayout?
        if let node = top["frame"] {
            if family != .frame { doc.issue("frame", node, "a frame layout needs payload: frame") }
            frame = FrameLayoutLoader.load(node, &doc)
        } else if family == .frame {
            doc.issue(at: "payload", "payload: frame needs a frame: section describing the layout")
        }
        guard doc.issues.isEmpty, let id, let profile, let versions, let family else {
            return Loaded(spec: nil, document: doc)
        }
        return Loaded(
            spec: FirmwareSpec(
                id: id, profile: profile, versions: versions, family: family, quirks: quirks, frame: frame),
            document: doc)
    }
}
