import HelsebroCore
import Yams

/// Reads typed fields out of a YAML mapping while collecting issues with line and column.
///
/// Every key is checked against the fields the reader asked for, so a misspelt `critcal-high` is an error rather
/// than a silently missing threshold.
struct YAMLDocument {
    let file: String
    private(set) var issues: [ConfigIssue] = []
    /// Where each field path was found, for issues raised after parsing (cross-file checks, plan compilation).
    private(set) var marks: [String: (line: Int, column: Int)] = [:]

    init(file: String) { self.file = file }

    mutating func issue(_ path: String, _ node: Node?, _ message: String) {
        let mark = node?.mark
        issues.append(
            ConfigIssue(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, field: path, message: message))
    }

    mutating func issue(at path: String, fallback: String = "", _ message: String) {
        let m = marks[path] ?? marks[fallback] ?? (1, 1)
        issues.append(ConfigIssue(file: file, line: m.line, column: m.column, field: path, message: message))
    }

    mutating func parse(_ text: String) -> Node? {
        do {
            guard text.utf8.count <= Self.maxBytes else {
                issue(
                    "(document)", nil,
                    "the file is larger than \(Self.maxBytes / 1024) KiB; profiles and specs are small")
                return nil
            }
            guard !Self.nestsTooDeep(text) else {
                issue("(document)", nil, "the document nests deeper than \(Self.maxDepth) levels")
                return nil
            }
            guard let node = try Yams.compose(yaml: text) else {
                issue("(document)", nil, "the file is empty")
                return nil
            }
            var budget = Self.maxNodes
            guard Self.fits(node, &budget) else {
                issue(
                    "(document)", node,
                    "the document expands to more than \(Self.maxNodes) YAML nodes (aliases repeating aliases?)")
                return nil
            }
            return node
        } catch let error as YamlError {
            var line = 1
            var column = 1
            var problem = "not valid YAML"
            switch error {
            case .scanner(_, let p, let mark, _), .parser(_, let p, let mark, _), .composer(_, let p, let mark, _):
                line = mark.line
                column = mark.column
                problem = "not valid YAML: " + p
            default:
                break
            }
            issues.append(ConfigIssue(file: file, line: line, column: column, field: "(document)", message: problem))
            return nil
        } catch {
            issue("(document)", nil, "not valid YAML")
            return nil
        }
    }

    /// Larger texts are refused before parsing: the largest shipped file is under 10 KiB.
    static let maxBytes = 1 << 20
    /// Aliases let a small text stand for an exponentially large tree ("billion laughs"); such a tree is refused
    /// after counting at most this many nodes, before any reader walks it.
    static let maxNodes = 100_000

    static let maxDepth = 64

    /// Whether the text could nest deeper than `maxDepth` levels, checked on the bytes before parsing, because the
    /// parser recurses once per level and a hostile text could exhaust the stack.
    ///
    /// Conservative: flow collections (`[`, `{`) count even inside quotes, and a line's leading spaces and indicators
    /// (`- `, `? `, `: `) count as columns, at most four per level; the shipped files use under a tenth of either.
    static func nestsTooDeep(_ text: String) -> Bool {
        var flow = 0
        var columns = 0
        var atLineStart = true
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flow += 1
                if flow > maxDepth { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                flow = max(0, flow - 1)
            default:
                break
            }
            if b == UInt8(ascii: "\n") {
                atLineStart = true
                columns = 0
            } else if atLineStart {
                if b == UInt8(ascii: " ") || b == UInt8(ascii: "-") || b == UInt8(ascii: "?") || b == UInt8(ascii: ":")
                {
                    columns += 1
                    if columns > 4 * maxDepth { return true }
                } else {
                    atLineStart = false
                }
            }
        }
        return false
    }

    /// Whether `node` has at most `budget` nodes; stops counting as soon as it has not.
    static func fits(_ node: Node, _ budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias: return true
        case .sequence(let items):
            for item in items where !fits(item, &budget) { return false }
            return true
        case .mapping(let pairs):
            for (key, value) in pairs where !fits(key, &budget) || !fits(value, &budget) { return false }
            return true
        }
    }

    /// The mapping's entries by key; reports duplicate and unknown keys.
    mutating func mapping(_ node: Node, _ path: String, allowed: Set<String>) -> [String: Node]? {
        guard case .mapping(let m) = node else {
            issue(path.isEmpty ? "(document)" : path, node, "expected a mapping of fields")
            return nil
        }
        var out: [String: Node] = [:]
        for (k, v) in m {
            // A key that is a mapping or a list (`{a: b}: c`, `[x]: y`), or empty, names no field at all.
            guard let key = k.string, !key.isEmpty, case .scalar = k else {
                issue(path.isEmpty ? "(key)" : path + ".(key)", k, "a field name must be plain text")
                continue
            }
            let full = path.isEmpty ? key : path + "." + key
            if !allowed.contains(key) {
                issue(full, k, "unknown field '\(key)'; expected one of: \(allowed.sorted().joined(separator: ", "))")
                continue
            }
            if out[key] != nil {
                issue(full, k, "field given twice")
                continue
            }
            out[key] = v
            if let mark = v.mark { marks[full] = (mark.line, mark.column) }
        }
        if marks[path] == nil, let mark = node.mark { marks[path] = (mark.line, mark.column) }
        return out
    }

    mutating func string(_ m: [String: Node], _ key: String, _ path: String, required: Bool = true) -> String? {
        let full = path.isEmpty ? key : path + "." + key
        guard let node = m[key] else {
            if required { issue(at: full, fallback: path, "required field is missing") }
            return nil
        }
        guard case .scalar(let s) = node, !s.string.isEmpty else {
            issue(full, node, "expected a text value")
            return nil
        }
        return s.string
    }

    mutating func decimal(_ m: [String: Node], _ key: String, _ path: String, required: Bool = true)
        -> DecimalValueText?
    {
        guard let text = string(m, key, path, required: required) else { return nil }
        guard let d = DecimalValueText(text) else {
            issue(path + "." + key, m[key], "expected a number, got '\(text)'")
            return nil
        }
        return d
    }

    mutating func integer(
        _ m: [String: Node], _ key: String, _ path: String, required: Bool = true, range: ClosedRange<Int>
    )
        -> Int?
    {
        guard let text = string(m, key, path, required: required) else { return nil }
        let full = path.isEmpty ? key : path + "." + key
        guard let v = Int(text), range.contains(v) else {
            issue(
                full, m[key], "expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
            return nil
        }
        return v
    }

    mutating func bool(_ m: [String: Node], _ key: String, _ path: String) -> Bool? {
        guard let text = string(m, key, path, required: false) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            issue(path + "." + key, m[key], "expected true or false, got '\(text)'")
            return nil
        }
    }

    mutating func list(_ m: [String: Node], _ key: String, _ path: String, required: Bool = true) -> [Node]? {
        let full = path.isEmpty ? key : path + "." + key
        guard let node = m[key] else {
            if required { issue(at: full, fallback: path, "required field is missing") }
            return nil
        }
        guard case .sequence(let s) = node else {
            issue(full, node, "expected a list")
            return nil
        }
        for (i, item) in s.enumerated() {
            if let mark = item.mark { marks["\(full)[\(i)]"] = (mark.line, mark.column) }
        }
        return Array(s)
    }

    /// The document's `id`: lower-case letters, digits and hyphens, and the same as the file's name.
    mutating func identifier(_ top: [String: Node], expectedID: String?) -> String? {
        guard let id = string(top, "id", "") else { return nil }
        if !ProfileLoader.isIdentifier(id) {
            issue("id", top["id"], "use lower-case letters, digits and hyphens, starting with a letter")
        } else if let expectedID, id != expectedID {
            issue("id", top["id"], "'\(id)' differs from the file name '\(expectedID).yaml'")
        }
        return id
    }

    /// A duration such as `90s`, `15m`, `2h`, `3d`.
    mutating func duration(_ m: [String: Node], _ key: String, _ path: String) -> Int? {
        guard let text = string(m, key, path, required: false) else { return nil }
        let unit = text.last
        let factor: Int? = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86_400 : nil
        guard let factor, let n = Int(text.dropLast()), n > 0 else {
            issue(
                path.isEmpty ? key : path + "." + key, m[key],
                "expected a positive duration like 90s, 15m, 2h or 3d, got '\(text)'")
            return nil
        }
        return n * factor
    }
}

/// A number as written in YAML, kept exact.
struct DecimalValueText {
    let value: DecimalValue
    init?(_ text: String) {
        guard let d = DecimalValue(text: Array(text.utf8)) else { return nil }
        value = d
    }
}
