import HelsebroCore
import Yams

/// Reads the `frame:` section of a firmware spec into a `FrameLayout`, naming file, line and field for each error.
///
/// ```yaml
/// frame:
///   byte-order: little            # or big (default little); a field may override it
///   crc: crc16-ccitt              # or crc32; a trailer over everything before it
///   fields:
///     - {name: flags, type: u8, flags: {0: rr-present, 1: lead-off}}
///     - {name: heart-rate, type: u8, unit: /min}
///     - {name: skin-temperature, type: i16, scale: 0.01, unit: Cel}
///     - group: rr                  # present when a flag bit of an earlier field is set
///       when: {field: flags, bit: 0}
///       fields:
///         - repeat: rr             # `count: <earlier integer field>` or `count: to-end`
///           count: to-end
///           fields: [{name: rr-interval, type: u16, scale: 0.001, unit: s}]
/// ```
struct FrameLayoutLoader {
    static let layoutKeys: Set<String> = ["byte-order", "crc", "fields"]
    static let fieldKeys: Set<String> = [
        "name", "type", "byte-order", "scale", "offset", "unit", "enum", "flags", "time",
    ]
    static let groupKeys: Set<String> = ["group", "when", "fields"]
    static let repeatKeys: Set<String> = ["repeat", "count", "fields"]

    var fields: [FrameField] = []
    var statusNames: [String] = []
    var names: Set<String> = []

    static func load(_ node: Node, _ doc: inout YAMLDocument) -> FrameLayout? {
        guard let top = doc.mapping(node, "frame", allowed: layoutKeys) else { return nil }
        let before = doc.issues.count
        var order = FrameLayout.ByteOrder.little
        if let text = doc.string(top, "byte-order", "frame", required: false) {
            if let o = FrameLayout.ByteOrder(rawValue: text) {
                order = o
            } else {
                doc.issue("frame.byte-order", top["byte-order"], "expected little or big, got '\(text)'")
            }
        }
        var crc: FrameLayout.CRC?
        if let text = doc.string(top, "crc", "frame", required: false) {
            crc = FrameLayout.CRC(rawValue: text)
            if crc == nil { doc.issue("frame.crc", top["crc"], "expected crc16-ccitt or crc32, got '\(text)'") }
        }
        var loader = FrameLayoutLoader()
        let items = loader.items(top, "frame", depth: 0, &doc)
        if loader.statusNames.count > 64 {
            doc.issue("frame", node, "more than 64 enumeration values and flag bits in one frame")
        }
        guard doc.issues.count == before, let items else { return nil }
        return FrameLayout(
            byteOrder: order, crc: crc, items: items, fields: loader.fields, statusNames: loader.statusNames)
    }

    mutating func items(_ parent: [String: Node], _ path: String, depth: Int, _ doc: inout YAMLDocument) -> [FrameItem]?
    {
        guard depth < 8 else {
            doc.issue(path, parent["fields"], "groups nest deeper than 8 levels")
            return nil
        }
        guard let list = doc.list(parent, "fields", path) else { return nil }
        if list.isEmpty { doc.issue(path + ".fields", parent["fields"], "list at least one field") }
        var out: [FrameItem] = []
        for (i, node) in list.enumerated() {
            let p = "\(path).fields[\(i)]"
            guard case .mapping(let m) = node else {
                doc.issue(p, node, "expected a field, group or repeat")
                continue
            }
            let keys = Set(m.keys.compactMap(\.string))
            if keys.contains("group") {
                if let item = group(node, p, depth: depth, &doc) { out.append(item) }
            } else if keys.contains("repeat") {
                if let item = repeated(node, p, depth: depth, &doc) { out.append(item) }
            } else if let f = field(node, p, &doc) {
                out.append(.field(f))
            }
        }
        return out
    }

    func integerField(_ name: String) -> Int? {
        fields.first { $0.name == name && $0.type.isInteger }?.index
    }

    mutating func group(_ node: Node, _ p: String, depth: Int, _ doc: inout YAMLDocument) -> FrameItem? {
        guard let m = doc.mapping(node, p, allowed: Self.groupKeys) else { return nil }
        _ = doc.string(m, "group", p)
        guard let whenNode = m["when"] else {
            doc.issue(at: p + ".when", fallback: p, "required field is missing: {field: <flag field>, bit: <0–63>}")
            return nil
        }
        guard let w = doc.mapping(whenNode, p + ".when", allowed: ["field", "bit"]),
            let name = doc.string(w, "field", p + ".when"), let bit = doc.integer(w, "bit", p + ".when", range: 0...63)
        else { return nil }
        guard let flagField = integerField(name) else {
            doc.issue(p + ".when.field", w["field"], "'\(name)' is not an earlier integer field")
            return nil
        }
        guard let inner = items(m, p, depth: depth + 1, &doc) else { return nil }
        return .group(flagField: flagField, bit: bit, items: inner)
    }

    mutating func repeated(_ node: Node, _ p: String, depth: Int, _ doc: inout YAMLDocument) -> FrameItem? {
        guard let m = doc.mapping(node, p, allowed: Self.repeatKeys) else { return nil }
        _ = doc.string(m, "repeat", p)
        guard let countText = doc.string(m, "count", p) else { return nil }
        let count: FrameCount
        if countText == "to-end" {
            count = .toEnd
        } else if let c = integerField(countText) {
            count = .field(c)
        } else {
            doc.issue(p + ".count", m["count"], "expected to-end or an earlier integer field, got '\(countText)'")
            return nil
        }
        guard let inner = items(m, p, depth: depth + 1, &doc) else { return nil }
        return .repeated(count: count, items: inner)
    }

    mutating func field(_ node: Node, _ p: String, _ doc: inout YAMLDocument) -> Int? {
        guard let m = doc.mapping(node, p, allowed: Self.fieldKeys) else { return nil }
        let before = doc.issues.count
        let name = doc.string(m, "name", p)
        if let name {
            if !ProfileLoader.isIdentifier(name) {
                doc.issue(p + ".name", m["name"], "use lower-case letters, digits and hyphens, starting with a letter")
            } else if !names.insert(name).inserted {
                doc.issue(p + ".name", m["name"], "field '\(name)' is defined twice")
            }
        }
        var type: FrameType?
        if let text = doc.string(m, "type", p) {
            type = FrameType(rawValue: text)
            if type == nil {
                doc.issue(
                    p + ".type", m["type"],
                    "unknown type '\(text)'; expected one of \(FrameType.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        var order: FrameLayout.ByteOrder?
        if let text = doc.string(m, "byte-order", p, required: false) {
            order = FrameLayout.ByteOrder(rawValue: text)
            if order == nil { doc.issue(p + ".byte-order", m["byte-order"], "expected little or big") }
        }
        let scale = doc.decimal(m, "scale", p, required: false)?.value
        let offset = doc.decimal(m, "offset", p, required: false)?.value
        var unit = UCUMUnit.none
        if let text = doc.string(m, "unit", p, required: false) {
            if let u = UCUMUnit(code: text) {
                unit = u
            } else {
                doc.issue(p + ".unit", m["unit"], "'\(text)' is not a UCUM unit Helsebro knows")
            }
        }
        let isTime = doc.bool(m, "time", p) ?? false
        var enumeration: [Int64: Int] = [:]
        var flags: [Int: Int] = [:]
        for (key, isFlags) in [("enum", false), ("flags", true)] {
            guard let node = m[key] else { continue }
            guard case .mapping(let entries) = node else {
                doc.issue(p + "." + key, node, "expected a mapping of values to names")
                continue
            }
            for (k, v) in entries {
                guard let n = k.string.flatMap({ Int64($0) }), !isFlags || (0...63).contains(n) else {
                    doc.issue(
                        p + "." + key, k, isFlags ? "flag keys are bit numbers 0–63" : "enumeration keys are integers")
                    continue
                }
                guard let label = v.string, ProfileLoader.isIdentifier(label), let name else {
                    doc.issue(p + "." + key, v, "names use lower-case letters, digits and hyphens")
                    continue
                }
                statusNames.append(isFlags ? label : "\(name):\(label)")
                if isFlags { flags[Int(n)] = statusNames.count - 1 } else { enumeration[n] = statusNames.count - 1 }
            }
        }
        if let type, !type.isInteger {
            if !enumeration.isEmpty || !flags.isEmpty || isTime {
                doc.issue(p + ".type", m["type"], "enum, flags and time need an integer type")
            }
        }
        guard doc.issues.count == before, let name, let type else { return nil }
        let f = FrameField(
            index: fields.count, name: name, type: type, byteOrder: order, scale: scale, offset: offset, unit: unit,
            enumeration: enumeration, flags: flags, isTime: isTime)
        fields.append(f)
        return f.index
    }
}
