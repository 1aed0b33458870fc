import Foundation
import HelsebroCore
import Testing

@testable import HelsebroConfig

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Writes profiles and specs into a fresh temporary `DeviceProfiles/` and `Firmware-Specs/`, loads them, and removes
/// the folder afterwards.
func withTemporaryConfig(
    profiles: [String: String], firmware: [String: String] = [:], _ body: (Registry, String) throws -> Void
) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("helsebro-lint-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/DeviceProfiles", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: dir + "/Firmware-Specs", withIntermediateDirectories: true)
    for (name, text) in profiles {
        try text.write(toFile: dir + "/DeviceProfiles/" + name, atomically: true, encoding: .utf8)
    }
    for (name, text) in firmware {
        try text.write(toFile: dir + "/Firmware-Specs/" + name, atomically: true, encoding: .utf8)
    }
    try body(Registry.load(profilesDirectory: dir + "/DeviceProfiles", firmwareDirectory: dir + "/Firmware-Specs"), dir)
}

let goodProfile = """
    id: cuff
    model: Test cuff
    manufacturer: Test
    version: 1
    setting: home
    channels: [gatt/2a35]
    firmware: [cuff-fw1]
    metrics:
      - key: systolic
        source: systolic
        loinc: 8480-6
        mdc: 150021
        unit: mm[Hg]
        decimals: 0
        plausible: {low: 0, high: 300}
        alerts: {critical-low: 90, low: 100, high: 180, critical-high: 220}
      - key: diastolic
        source: diastolic
        unit: mm[Hg]
        decimals: 0
        plausible: {low: 0, high: 200}
      - key: mean
        source: mean-arterial-pressure
        unit: mm[Hg]
        decimals: 0
        plausible: {low: 0, high: 250}
    """

let goodFirmware = """
    id: cuff-fw1
    profile: cuff
    versions: "1.x"
    payload: gatt
    quirks:
      clock: local
      timezone: Europe/Oslo
    """

@Suite("Profile and firmware-spec lint")
struct LintTests {
    @Test("the profiles and specs shipped in the repository lint clean and compile")
    func shipped() {
        let r = Registry.load(
            profilesDirectory: repositoryRoot + "/DeviceProfiles", firmwareDirectory: repositoryRoot + "/Firmware-Specs"
        )
        #expect(r.issues.map(\.description) == [])
        #expect(r.profiles.count >= 8)
        #expect(r.firmware.values.filter { $0.quirks != FirmwareQuirks() }.count >= 2)
        for kind in [
            "gatt/2a35", "gatt/2a18", "gatt/2aa7", "gatt/2a1c", "gatt/2a9d", "gatt/2a5e", "gatt/2a5f", "gatt/2a37",
        ] {
            #expect(r.profiles.values.contains { $0.channels.contains(Channel(kind)!) }, "no profile for \(kind)")
        }
        for p in r.profiles.values {
            for m in p.metrics where m.loinc != nil { #expect(LOINC.isWellFormed(m.loinc!)) }
            #expect(r.plans[p.id]?.count == p.firmware.count + 1)
        }
    }

    @Test("a valid pair loads and compiles")
    func valid() throws {
        try withTemporaryConfig(profiles: ["cuff.yaml": goodProfile], firmware: ["cuff-fw1.yaml": goodFirmware]) {
            r, _ in
            #expect(r.issues == [])
            let plan = try r.plan(profile: "cuff", firmware: "cuff-fw1")
            #expect(plan.firmware?.quirks.clock == DeviceClock.named("Europe/Oslo"))
        }
    }

    /// Each broken profile names file, line and field.
    @Test(
        "errors name file, line and field",
        arguments: [
            ("  - key: systolic\n", "  - key: Systolic\n", 9, "metrics[0].key"),
            ("loinc: 8480-6", "loinc: 8480-5", 11, "metrics[0].loinc"),
            ("mdc: 150021", "mdc: 266016", 12, "metrics[0].mdc"),
            (
                "unit: mm[Hg]\n    decimals: 0\n    plausible: {low: 0, high: 300}",
                "unit: mmHg\n    decimals: 0\n    plausible: {low: 0, high: 300}", 13, "metrics[0].unit"
            ),
            ("plausible: {low: 0, high: 300}", "plausible: {low: 300, high: 0}", 15, "metrics[0].plausible.high"),
            ("critical-high: 220}", "critical-high: 170}", 16, "metrics[0].alerts.critical-high"),
            ("critical-high: 220}", "critical-high: 320}", 16, "metrics[0].alerts.critical-high"),
            ("setting: home", "setting: clinic", 5, "setting"),
            ("channels: [gatt/2a35]", "channels: [gatt/2A35]", 6, "channels[0]"),
            ("    source: diastolic", "    source: diastolik", 18, "metrics[1].source"),
            ("    source: diastolic", "    source: glucose", 18, "metrics[1].source"),
            (
                "    decimals: 0\n    plausible: {low: 0, high: 200}",
                "    decimals: 0\n    plausable: {low: 0, high: 200}", 21, "metrics[1].plausable"
            ),
            ("version: 1", "version: one", 4, "version"),
            ("id: cuff", "id: other", 1, "id"),
            ("firmware: [cuff-fw1]", "firmware: [cuff-fw9]", 7, "firmware[0]"),
        ])
    func profileErrors(find: String, replace: String, line: Int, field: String) throws {
        let text = goodProfile.replacingOccurrences(of: find, with: replace)
        #expect(text != goodProfile, "test edit did not apply")
        try withTemporaryConfig(profiles: ["cuff.yaml": text], firmware: ["cuff-fw1.yaml": goodFirmware]) { r, dir in
            let issue = r.issues.first { $0.field == field }
            #expect(issue != nil, "no issue for \(field) in \(r.issues.map(\.description))")
            #expect(issue?.line == line)
            #expect(issue?.file == dir + "/DeviceProfiles/cuff.yaml")
            #expect(r.profiles["cuff"] == nil || field.hasPrefix("firmware"))
        }
    }

    @Test(
        "firmware-spec errors name file, line and field",
        arguments: [
            ("timezone: Europe/Oslo", "timezone: Europe/Atlantis", 7, "quirks.timezone"),
            ("clock: local", "clock: lokal", 6, "quirks.clock"),
            ("payload: gatt", "payload: modbus", 4, "payload"),
            ("profile: cuff", "profile: nothing", 2, "profile"),
            (
                "  timezone: Europe/Oslo", "  timezone: Europe/Oslo\n  unit-flag: {ignored: true, actual-unit: Cel}", 8,
                "quirks.unit-flag.actual-unit"
            ),
        ])
    func firmwareErrors(find: String, replace: String, line: Int, field: String) throws {
        let text = goodFirmware.replacingOccurrences(of: find, with: replace)
        #expect(text != goodFirmware)
        try withTemporaryConfig(profiles: ["cuff.yaml": goodProfile], firmware: ["cuff-fw1.yaml": text]) { r, dir in
            let issue = r.issues.first { $0.field == field && $0.file.hasSuffix("cuff-fw1.yaml") }
            #expect(issue != nil, "no issue for \(field) in \(r.issues.map(\.description))")
            #expect(issue?.line == line)
        }
    }

    @Test("YAML syntax errors carry their position")
    func syntax() throws {
        try withTemporaryConfig(profiles: ["cuff.yaml": "id: cuff\nmodel: [unclosed\n"]) { r, _ in
            #expect(r.issues.first?.field == "(document)")
            #expect((r.issues.first?.line ?? 0) >= 2)
        }
    }

    /// Hostile texts and what the refusal says: aliases that each repeat the one before ten times (10^9 nodes from a
    /// few hundred bytes), flow and block nesting far past the limit, and a text over 1 MiB.
    static let hostileTexts: [(String, String)] = {
        var laughs = "id: cuff\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            let previous = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
            laughs += "l\(level): &l\(level) [\(previous)]\n"
        }
        laughs += "metrics: [*l8]\n"
        let flow = "id: cuff\nmetrics: " + String(repeating: "[", count: 100_000)
        let block = "id: cuff\nmetrics:\n" + String(repeating: "- ", count: 50_000) + "x\n"
        let large = "id: cuff\nnotes: '" + String(repeating: "a", count: 2 << 20) + "'\n"
        return [(laughs, "YAML nodes"), (flow, "nests deeper"), (block, "nests deeper"), (large, "larger than")]
    }()

    @Test(
        "a field name that is a mapping, a list or empty is an issue with a place (found by fuzz-profile)",
        arguments: ["id: cuff\n{a: b}: c\n", "id: cuff\n? [x]\n: y\n", "id: cuff\n\"\": 1\n", "id: cuff\n&k [x]: 1\n"])
    func keyNotText(text: String) throws {
        try withTemporaryConfig(profiles: ["cuff.yaml": text]) { r, _ in
            let issue = r.issues.first { $0.field == "(key)" }
            #expect(issue?.line == 2 && issue?.message == "a field name must be plain text", "\(r.issues)")
            #expect(r.issues.allSatisfy { !$0.field.isEmpty && $0.line >= 1 })
        }
    }

    @Test("hostile YAML is refused cheaply, with the file and the field", arguments: hostileTexts)
    func hostile(text: String, problem: String) throws {
        try withTemporaryConfig(profiles: ["cuff.yaml": text]) { r, _ in
            #expect(r.issues.count == 1)
            #expect(r.issues.first?.file.hasSuffix("cuff.yaml") == true && r.issues.first?.field == "(document)")
            #expect(r.issues.first?.message.contains(problem) == true, "\(r.issues.map(\.message))")
            #expect(r.profiles["cuff"] == nil)
        }
    }

    @Test(
        "LOINC check digits",
        arguments: [
            ("8480-6", true), ("8867-4", true), ("2708-6", true), ("29463-7", true), ("8480-7", false),
            ("84806", false), ("x480-6", false),
        ])
    func loinc(code: String, valid: Bool) {
        #expect(LOINC.isWellFormed(code) == valid)
    }
}

@Suite("Frame layouts in firmware specs")
struct FrameLintTests {
    static let spec = """
        id: patch-fw1
        profile: patch
        versions: "1"
        payload: frame
        frame:
          crc: crc16-ccitt
          fields:
            - {name: status, type: u8, flags: {0: rr-present}}
            - {name: heart-rate, type: u8, unit: /min}
            - group: beats
              when: {field: status, bit: 0}
              fields:
                - repeat: rr
                  count: to-end
                  fields:
                    - {name: rr-interval, type: u16, scale: 0.001, unit: s}
        """
    static let profile = """
        id: patch
        model: Patch
        manufacturer: Test
        version: 1
        setting: home
        channels: [frame]
        firmware: [patch-fw1]
        metrics:
          - key: heart-rate
            source: frame:heart-rate
            unit: /min
            decimals: 0
            plausible: {low: 0, high: 300}
        """

    @Test("a valid layout compiles into the plan")
    func valid() throws {
        try withTemporaryConfig(profiles: ["patch.yaml": Self.profile], firmware: ["patch-fw1.yaml": Self.spec]) {
            r, _ in
            #expect(r.issues == [])
            let plan = try r.plan(profile: "patch", firmware: "patch-fw1")
            #expect(plan.firmware?.frame?.fields.map(\.name) == ["status", "heart-rate", "rr-interval"])
            #expect(plan.firmware?.frame?.crc == .crc16CCITT)
        }
    }

    /// An invalid spec is refused with its file, line and field.
    @Test(
        "invalid layouts are refused with their line",
        arguments: [
            (
                "{name: heart-rate, type: u8, unit: /min}", "{name: heart-rate, type: u9, unit: /min}", 9,
                "frame.fields[1].type"
            ),
            ("when: {field: status, bit: 0}", "when: {field: heart, bit: 0}", 11, "frame.fields[2].when.field"),
            ("count: to-end", "count: nothing", 14, "frame.fields[2].fields[0].count"),
            ("crc: crc16-ccitt", "crc: md5", 6, "frame.crc"),
            (
                "{name: status, type: u8, flags: {0: rr-present}}", "{name: status, type: f32, flags: {0: rr-present}}",
                8, "frame.fields[0].type"
            ),
            (
                "{name: heart-rate, type: u8, unit: /min}", "{name: status, type: u8, unit: /min}", 9,
                "frame.fields[1].name"
            ),
        ])
    func invalid(find: String, replace: String, line: Int, field: String) throws {
        let text = Self.spec.replacingOccurrences(of: find, with: replace)
        #expect(text != Self.spec)
        try withTemporaryConfig(profiles: ["patch.yaml": Self.profile], firmware: ["patch-fw1.yaml": text]) { r, _ in
            let issue = r.issues.first { $0.file.hasSuffix("patch-fw1.yaml") && $0.line == line }
            #expect(issue != nil, "no issue at line \(line): \(r.issues.map(\.description))")
            #expect(issue?.field == field)
            #expect(r.firmware["patch-fw1"] == nil)
        }
    }

    @Test("a profile source naming a field the frame lacks is refused")
    func missingField() throws {
        let profile = Self.profile.replacingOccurrences(of: "frame:heart-rate", with: "frame:pulse")
        try withTemporaryConfig(profiles: ["patch.yaml": profile], firmware: ["patch-fw1.yaml": Self.spec]) { r, _ in
            #expect(r.issues.contains { $0.field == "metrics[0].source" && $0.message.contains("'pulse'") })
        }
    }
}
