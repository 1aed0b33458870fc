import HelsebroCore
import Yams

/// Reads one device profile (`DeviceProfiles/*.yaml`) and checks everything that can be checked within the file.
enum ProfileLoader {
    static let topFields: Set<String> = [
        "id", "model", "manufacturer", "version", "setting", "channels", "firmware", "metrics", "ignore", "notes",
        "expect-every", "status-alerts",
    ]
    static let metricFields: Set<String> = [
        "key", "source", "loinc", "mdc", "unit", "decimals", "plausible", "alerts", "notes",
    ]
    static let alertFields: Set<String> = [
        "low", "high", "critical-low", "critical-high", "duration", "repeat", "rise", "fall",
    ]
    static let rateFields: Set<String> = ["by", "within"]

    struct Loaded {
        var profile: DeviceProfile?
        var document: YAMLDocument
    }

    static func load(text: String, file: String, expectedID: String?) -> Loaded {
        var doc = YAMLDocument(file: file)
        guard let root = doc.parse(text), let top = doc.mapping(root, "", allowed: topFields) else {
            return Loaded(profile: nil, document: doc)
        }
        let id = doc.identifier(top, expectedID: expectedID)
        let model = doc.string(top, "model", "")
        let manufacturer = doc.string(top, "manufacturer", "")
        let version = doc.integer(top, "version", "", range: 1...1_000_000)
        var setting: CareSetting?
        if let s = doc.string(top, "setting", "") {
            setting = CareSetting(rawValue: s)
            if setting == nil { doc.issue("setting", top["setting"], "expected home or hospital, got '\(s)'") }
        }
        var channels: [Channel] = []
        for (i, node) in (doc.list(top, "channels", "") ?? []).enumerated() {
            let path = "channels[\(i)]"
            guard let text = node.string, let channel = Channel(text) else {
                doc.issue(
                    path, node,
                    "unknown channel '\(node.string ?? "")'; expected gatt/<uuid> of a supported characteristic, senml+json, senml+cbor, hl7v2 or frame"
                )
                continue
            }
            if !channel.isSupported { doc.issue(path, node, "channel \(channel.name) is not decoded by this version") }
            if channels.contains(channel) { doc.issue(path, node, "channel listed twice") }
            channels.append(channel)
        }
        if top["channels"] != nil && channels.isEmpty && doc.issues.isEmpty {
            doc.issue("channels", top["channels"], "list at least one channel")
        }
        var firmware: [String] = []
        for (i, node) in (doc.list(top, "firmware", "") ?? []).enumerated() {
            guard let text = node.string, isIdentifier(text) else {
                doc.issue("firmware[\(i)]", node, "expected a firmware spec id")
                continue
            }
            firmware.append(text)
        }
        var ignored: [String] = []
        for (i, node) in (doc.list(top, "ignore", "", required: false) ?? []).enumerated() {
            guard let text = node.string else {
                doc.issue("ignore[\(i)]", node, "expected a field name")
                continue
            }
            ignored.append(text.hasPrefix("senml:") ? String(text.dropFirst(6)) : text)
        }
        let expectEvery = doc.duration(top, "expect-every", "")
        var statusAlerts: [StatusFlag] = []
        for (i, node) in (doc.list(top, "status-alerts", "", required: false) ?? []).enumerated() {
            guard let text = node.string, let flag = StatusFlag.allCases.first(where: { $0.name == text }) else {
                doc.issue(
                    "status-alerts[\(i)]", node,
                    "unknown status flag '\(node.string ?? "")'; use a name 'helsebro decode' prints, such as device-battery-low or cuff-too-loose"
                )
                continue
            }
            statusAlerts.append(flag)
        }
        var metrics: [MetricDefinition] = []
        let metricNodes = doc.list(top, "metrics", "") ?? []
        if top["metrics"] != nil && metricNodes.isEmpty {
            doc.issue("metrics", top["metrics"], "list at least one metric")
        }
        for (i, node) in metricNodes.enumerated() {
            if let m = metric(node, path: "metrics[\(i)]", channels: channels, &doc) {
                if metrics.contains(where: { $0.key == m.key }) {
                    doc.issue(at: "metrics[\(i)].key", "key '\(m.key)' used by another metric")
                }
                if metrics.contains(where: { $0.source == m.source }) {
                    doc.issue(at: "metrics[\(i)].source", "source '\(m.source.text)' feeds another metric")
                }
                metrics.append(m)
            }
        }
        guard doc.issues.isEmpty, let id, let model, let manufacturer, let version, let setting else {
            return Loaded(profile: nil, document: doc)
        }
        let profile = DeviceProfile(
            id: id, model: model, manufacturer: manufacturer, version: version, setting: setting, channels: channels,
            firmware: firmware, metrics: metrics, ignoredSources: ignored, expectEverySeconds: expectEvery,
            statusAlerts: statusAlerts)
        return Loaded(profile: profile, document: doc)
    }

    static func metric(_ node: Node, path: String, channels: [Channel], _ doc: inout YAMLDocument) -> MetricDefinition?
    {
        guard let m = doc.mapping(node, path, allowed: metricFields) else { return nil }
        let before = doc.issues.count
        let key = doc.string(m, "key", path)
        if let key, !isIdentifier(key) {
            doc.issue(path + ".key", m["key"], "use lower-case letters, digits and hyphens, starting with a letter")
        }
        var source: MetricSource?
        if let s = doc.string(m, "source", path) {
            source = metricSource(s, node: m["source"], path: path + ".source", channels: channels, &doc)
        }
        let loinc = doc.string(m, "loinc", path, required: false)
        if let loinc, !LOINC.isWellFormed(loinc) {
            doc.issue(path + ".loinc", m["loinc"], "'\(loinc)' is not a LOINC code with a valid check digit")
        }
        var mdc: UInt32 = 0
        if let text = doc.string(m, "mdc", path, required: false) {
            if let v = UInt32(text), v >> 16 == 2 {
                mdc = v
            } else {
                doc.issue(
                    path + ".mdc", m["mdc"],
                    "expected an IEEE 11073-10101 code in partition 2 (SCADA): 131072–196607, got '\(text)'")
            }
        }
        var unit: UCUMUnit?
        if let text = doc.string(m, "unit", path) {
            unit = UCUMUnit(code: text)
            if unit == nil {
                doc.issue(
                    path + ".unit", m["unit"],
                    "'\(text)' is not a UCUM unit Helsebro knows; expected one of: \(UCUMUnit.allCases.dropFirst().map(\.code).joined(separator: " "))"
                )
            }
        }
        if let unit, case .field(let f)? = source {
            for from in f.possibleUnits where from.conversion(to: unit) == nil {
                doc.issue(
                    path + ".unit", m["unit"],
                    "'\(unit.code)' cannot hold '\(f.name)', which devices send in '\(from.code)'")
            }
        }
        let decimals = doc.integer(m, "decimals", path, range: 0...6)
        var plausible: PlausibleRange?
        if let pnode = m["plausible"] {
            if let p = doc.mapping(pnode, path + ".plausible", allowed: ["low", "high"]),
                let low = doc.decimal(p, "low", path + ".plausible"),
                let high = doc.decimal(p, "high", path + ".plausible")
            {
                if DecimalValue.compare(low.value, high.value) >= 0 {
                    doc.issue(path + ".plausible.high", p["high"], "must be above low")
                } else {
                    plausible = PlausibleRange(low: low.value, high: high.value)
                }
            }
        } else {
            doc.issue(at: path + ".plausible", fallback: path, "required field is missing")
        }
        var alerts = AlertThresholds()
        if let anode = m["alerts"] {
            if let a = doc.mapping(anode, path + ".alerts", allowed: alertFields) {
                let ap = path + ".alerts"
                alerts.low = doc.decimal(a, "low", ap, required: false)?.value
                alerts.high = doc.decimal(a, "high", ap, required: false)?.value
                alerts.criticalLow = doc.decimal(a, "critical-low", ap, required: false)?.value
                alerts.criticalHigh = doc.decimal(a, "critical-high", ap, required: false)?.value
                alerts.durationSeconds = doc.duration(a, "duration", ap)
                alerts.repeatCount = doc.integer(a, "repeat", ap, required: false, range: 2...100)
                alerts.rise = rate(a, "rise", ap, &doc)
                alerts.fall = rate(a, "fall", ap, &doc)
                checkThresholds(alerts, a, ap, plausible, &doc)
            }
        }
        guard doc.issues.count == before, let key, let source, let unit, let decimals, let plausible
        else { return nil }
        return MetricDefinition(
            key: key, source: source, loinc: loinc, mdc: mdc, unit: unit, decimals: decimals, plausible: plausible,
            alerts: alerts)
    }

    /// `rise: {by: 2, within: 3d}`: a change of at least `by` (positive) within a duration.
    static func rate(_ m: [String: Node], _ key: String, _ path: String, _ doc: inout YAMLDocument) -> RateRule? {
        guard let node = m[key], let r = doc.mapping(node, path + "." + key, allowed: rateFields) else { return nil }
        let p = path + "." + key
        let by = doc.decimal(r, "by", p)
        let within = doc.duration(r, "within", p)
        if r["within"] == nil { doc.issue(at: p + ".within", fallback: p, "required field is missing") }
        guard let by, let within else { return nil }
        guard by.value.double > 0 else {
            doc.issue(p + ".by", r["by"], "must be above 0 (the size of the change, whichever way)")
            return nil
        }
        return RateRule(by: by.value, withinSeconds: Int64(within))
    }

    /// Thresholds must be ordered critical-low ≤ low < high ≤ critical-high and lie within the plausible range,
    /// where an alert can actually fire.
    static func checkThresholds(
        _ a: AlertThresholds, _ nodes: [String: Node], _ path: String, _ plausible: PlausibleRange?,
        _ doc: inout YAMLDocument
    ) {
        let ordered: [(String, DecimalValue?)] = [
            ("critical-low", a.criticalLow), ("low", a.low), ("high", a.high), ("critical-high", a.criticalHigh),
        ]
        let present = ordered.compactMap { name, v in v.map { (name, $0) } }
        if present.isEmpty && a.rise == nil && a.fall == nil {
            doc.issue(path, nodes.values.first, "give at least one threshold (low, high, critical-low, critical-high)")
        }
        for (i, (name, v)) in present.enumerated() where i > 0 {
            let (prevName, prev) = present[i - 1]
            let c = DecimalValue.compare(prev, v)
            let strict = prevName == "low" && name == "high"
            if c > 0 || (strict && c == 0) {
                doc.issue(path + "." + name, nodes[name], "must not be below \(prevName)")
            }
        }
        if let plausible {
            for (name, v) in present where !plausible.contains(v.double) {
                doc.issue(
                    path + "." + name, nodes[name],
                    "lies outside the plausible range \(plausible.low)–\(plausible.high): it could never fire")
            }
        }
    }

    static func metricSource(
        _ text: String, node: Node?, path: String, channels: [Channel], _ doc: inout YAMLDocument
    ) -> MetricSource? {
        if text.hasPrefix("senml:") {
            let name = String(text.dropFirst(6))
            guard !name.isEmpty, SenMLPack.isValidNameFragment(name) else {
                doc.issue(path, node, "a SenML name uses only A-Z a-z 0-9 - : . / _")
                return nil
            }
            if !channels.contains(.senmlJSON) && !channels.contains(.senmlCBOR) {
                doc.issue(path, node, "a SenML source needs a senml+json or senml+cbor channel")
            }
            return .senml(name)
        }
        if text.hasPrefix("frame:") {
            if !channels.contains(.frame) { doc.issue(path, node, "a frame: source needs the frame channel") }
            let name = String(text.dropFirst(6))
            guard isIdentifier(name) else {
                doc.issue(path, node, "expected frame:<field name>")
                return nil
            }
            return .frame(name)
        }
        if text.hasPrefix("mdc:") || text.hasPrefix("loinc:") {
            if !channels.contains(.hl7v2) { doc.issue(path, node, "an mdc: or loinc: source needs the hl7v2 channel") }
            if text.hasPrefix("mdc:") {
                guard let code = UInt32(text.dropFirst(4)), code >> 16 == 2 else {
                    doc.issue(path, node, "expected mdc:<code in partition 2 (SCADA), 131072–196607>")
                    return nil
                }
                return .mdc(code)
            }
            let code = String(text.dropFirst(6))
            guard LOINC.isWellFormed(code) else {
                doc.issue(path, node, "'\(code)' is not a LOINC code with a valid check digit")
                return nil
            }
            return .loinc(code)
        }
        guard let field = Field(name: text), field != .senmlRecord, field != .hl7Observation, field != .frameField
        else {
            doc.issue(
                path, node,
                "unknown source '\(text)'; expected a GATT field name, senml:<name>, mdc:<code> or loinc:<code>")
            return nil
        }
        let gatt = channels.compactMap { c -> GattCharacteristic? in
            if case .gatt(let g) = c { return g } else { return nil }
        }
        let fieldsOffered = gatt.flatMap(\.fields).map(\.name)
        if !fieldsOffered.contains(field.name) {
            doc.issue(
                path, node,
                "no channel of this profile carries '\(text)' (channels offer: \(Set(fieldsOffered).sorted().joined(separator: ", ")))"
            )
        }
        return .field(field)
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, first >= 0x61 && first <= 0x7A else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
    }
}
