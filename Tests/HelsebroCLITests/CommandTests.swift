import Foundation
import HelsebroMQTT
import HelsebroTestSupport
import Testing

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] }
    var readings: [[String: Any]] { json?["readings"] as? [[String: Any]] ?? [] }
}

/// Runs helsebro in the repository root, so the shipped profiles are found.
func helsebro(_ arguments: [String], stdin: Data? = nil) throws -> Run {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: helsebroExecutable())
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Run(
        status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
        stderr: String(decoding: e, as: UTF8.self))
}

@Suite("helsebro command line")
struct CommandTests {
    @Test("decode without a profile reports what the device sent")
    func decodeRaw() throws {
        let r = try helsebro([
            "decode", "--channel", "gatt/2a35", "--hex", "1F BDF0 6EF0 9CF0 E8070511081E00 4800 02 2700",
        ])
        #expect(r.status == 0)
        let rows = r.readings
        #expect(
            rows.map { $0["metric"] as? String } == ["systolic", "diastolic", "mean-arterial-pressure", "pulse-rate"])
        #expect(rows[0]["unit"] as? String == "kPa")
        #expect((rows[0]["value"] as? NSNumber)?.doubleValue == 18.9)
        #expect(rows[0]["precision"] as? Int == 1)
        #expect(rows[0]["loinc"] as? String == "8480-6" && rows[0]["mdc"] as? Int == 150021)
        #expect(rows[0]["time"] as? String == "2024-05-17T08:30:00Z")
        #expect((rows[0]["status"] as? [String])?.contains("irregular-pulse") == true)
        #expect(rows[0]["absent"] is NSNull)
        #expect(r.json?["rejected"] is NSNull)
        // The key order of the contract.
        #expect(
            r.stdout.hasPrefix(
                #"{"readings": [{"metric": "systolic", "loinc": "8480-6", "mdc": 150021, "value": 18.9, "absent": null, "unit": "kPa", "precision": 1, "time": "#
            ))
    }

    @Test("decode with a profile validates and converts")
    func decodeProfile() throws {
        let r = try helsebro([
            "decode", "--channel", "gatt/2a35", "--profile", "bp-cuff-ua200", "--firmware", "bp-cuff-ua200-fw2",
            "--received", "2026-11-23T04:00:00Z", "--hex", "01 BDF0 6EF0 9CF0",
        ])
        #expect(r.status == 0)
        #expect(r.readings.map { $0["value"] as? Int } == [142, 83, 117])
        #expect(
            r.readings.allSatisfy {
                $0["unit"] as? String == "mm[Hg]" && $0["time"] as? String == "2026-11-23T04:00:00Z"
            })
        #expect(r.readings.map { $0["metric"] as? String } == ["systolic", "diastolic", "mean-arterial-pressure"])
    }

    @Test("special values print as absent with their kind")
    func specials() throws {
        let r = try helsebro(["decode", "--channel", "gatt/2a35", "--hex", "00 FF07 0008 0208"])
        #expect(r.readings.map { $0["absent"] as? String } == ["nan", "nres", "-inf"])
        #expect(r.readings.allSatisfy { $0["value"] is NSNull && $0["precision"] is NSNull })
    }

    @Test("a rejected payload exits 3 with a reason")
    func rejected() throws {
        let r = try helsebro(["decode", "--channel", "gatt/2a35", "--hex", "1E 8A00"])
        #expect(r.status == 3)
        #expect(
            (r.json?["rejected"] as? [String: Any])?["reason"] as? String
                == "frame too short: flags 0x1E announce 19 bytes, got 3")
        #expect(r.readings.isEmpty)
        let implausible = try helsebro([
            "decode", "--channel", "gatt/2a1c", "--profile", "thermometer-th10", "--hex", "00 B4 01 00 FF",
        ])
        #expect(implausible.status == 3)
        #expect(
            ((implausible.json?["rejected"] as? [String: Any])?["reason"] as? String)?.contains("32–42 Cel") == true)
    }

    @Test(
        "usage errors exit 2",
        arguments: [
            ["decode", "--channel", "gatt/9999", "--hex", "00"],
            ["decode", "--channel", "gatt/2a35"],
            ["decode", "--channel", "gatt/2a35", "--hex", "00", "--file", "x"],
            ["decode", "--channel", "gatt/2a35", "--hex", "0"],
            ["decode", "--channel", "gatt/2a35", "--hex", "00", "--profile", "no-such-profile"],
            ["decode"],
        ])
    func usage(arguments: [String]) throws {
        #expect(try helsebro(arguments).status == 2)
    }

    @Test("SenML from standard input, JSON and CBOR")
    func senmlStdin() throws {
        let pack =
            #"[{"bn":"urn:dev:mac:0024befffe804ff1:","bt":1.7e9,"n":"spo2","u":"%","v":96},{"n":"temp","u":"Cel","v":37.25}]"#
        let raw = try helsebro(["decode", "--channel", "senml+json", "-"], stdin: Data(pack.utf8))
        #expect(raw.status == 0)
        #expect(
            raw.readings.map { $0["metric"] as? String } == [
                "urn:dev:mac:0024befffe804ff1:spo2", "urn:dev:mac:0024befffe804ff1:temp",
            ])
        #expect(raw.readings[0]["unit"] as? String == "1" && raw.readings[1]["precision"] as? Int == 2)
        let validated = try helsebro(
            [
                "decode", "--channel", "senml+json", "--profile", "gateway-senml-vitals", "--firmware",
                "gateway-senml-vitals-fw1", "-",
            ], stdin: Data(pack.utf8))
        #expect(validated.status == 0)
        #expect(validated.readings.map { $0["metric"] as? String } == ["spo2", "body-temperature"])
        #expect(
            validated.readings[0]["unit"] as? String == "%"
                && validated.readings[0]["time"] as? String == "2023-11-14T22:13:20Z")
        let strict = try helsebro(
            ["decode", "--channel", "senml+json", "--profile", "gateway-senml-vitals", "-"], stdin: Data(pack.utf8))
        #expect(strict.status == 3)
    }

    @Test("vendor frames and HL7 through decode, with and without a profile, with every option")
    func framesAndHL7() throws {
        let frame = "0528f0036b4801f00c41034d03d422"
        let common = ["--received", "2026-11-23T08:00:00Z", "--session-start", "2026-11-23T06:00:00Z"]
        let raw = try helsebro(
            ["decode", "--channel", "frame", "--firmware", "ecg-patch-ep1-fw1", "--hex", frame] + common)
        #expect(
            raw.status == 0
                && raw.readings.map { $0["metric"] as? String } == [
                    "heart-rate", "skin-temperature", "rr-interval", "rr-interval",
                ])
        let validated = try helsebro(
            [
                "decode", "--channel", "frame", "--profile", "ecg-patch-ep1", "--firmware", "ecg-patch-ep1-fw1",
                "--hex", frame,
            ] + common)
        #expect(
            validated.status == 0 && validated.readings.last?["unit"] as? String == "ms"
                && validated.readings.last?["value"] as? Int == 845)
        #expect((validated.readings.first?["status"] as? [String])?.contains("battery:low") == true)
        let noSpec = try helsebro(["decode", "--channel", "frame", "--hex", frame])
        #expect(noSpec.status == 3)
        let hl7 = try helsebro(
            [
                "decode", "--channel", "hl7v2", "--profile", "bedside-monitor-bm8", "--file",
                repositoryRoot + "/Tools/samples/ihe-pcd01-bp.hl7",
            ] + common)
        #expect(
            hl7.status == 0
                && hl7.readings.map { $0["metric"] as? String } == ["systolic", "diastolic", "mean-arterial-pressure"])
    }

    @Test("decode --file reads raw bytes")
    func fromFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("helsebro-\(UUID().uuidString).bin")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([0x00, 0x6C, 0x01, 0x00, 0xFF]).write(to: URL(fileURLWithPath: path))
        let r = try helsebro(["decode", "--channel", "gatt/2a1c", "--file", path])
        #expect(r.status == 0 && (r.readings.first?["value"] as? NSNumber)?.doubleValue == 36.4)
    }

    @Test("profile lint names file, line and field and fails")
    func lint() throws {
        let ok = try helsebro(["profile", "lint"])
        #expect(ok.status == 0)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("helsebro-lint-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let original = try String(
            contentsOfFile: repositoryRoot + "/DeviceProfiles/thermometer-th10.yaml", encoding: .utf8)
        let broken = original.replacingOccurrences(of: "loinc: 8310-5", with: "loinc: 8310-4")
        let path = dir + "/thermometer-th10.yaml"
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try helsebro(["profile", "lint", path])
        #expect(bad.status == 1)
        let line = broken.components(separatedBy: "\n").firstIndex { $0.contains("8310-4") }! + 1
        #expect(bad.stdout.contains("\(path):\(line):"), "\(bad.stdout)")
        #expect(bad.stdout.contains("metrics[0].loinc"))
    }

    @Test("profile list as JSON")
    func list() throws {
        let r = try helsebro(["profile", "list", "--format", "json"])
        #expect(r.status == 0)
        let profiles = try #require((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]])
        #expect(profiles.count >= 8)
        let bp = try #require(profiles.first { $0["id"] as? String == "bp-cuff-ua200" })
        #expect((bp["channels"] as? [String])?.contains("gatt/2a35") == true)
        #expect(((bp["metrics"] as? [[String: Any]])?.first?["loinc"] as? String) == "8480-6")
    }

    @Test("bench decode runs over a frames file")
    func bench() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("helsebro-\(UUID().uuidString).frames")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let frame: [UInt8] = [0x00, 0x8A, 0x00, 0x5A, 0x00, 0x6B, 0x00]
        let bad: [UInt8] = [0x1E, 0x8A]
        try Data([7, 0] + frame + [2, 0] + bad).write(to: URL(fileURLWithPath: path))
        let r = try helsebro([
            "bench", "decode", "--channel", "gatt/2a35", "--frames", path, "--profile", "bp-cuff-ua200", "--repeat",
            "3",
        ])
        #expect(r.status == 0)
        #expect(r.stdout.contains("payloads: 6 (2 in file × 3), decoded: 3, rejected: 3, readings: 9"))
        #expect(r.stdout.contains("ns/payload:"))
    }

    @Test("libmosquitto is linked")
    func mosquitto() {
        #expect(MosquittoLibrary.version.major >= 1)
    }
}
