import Foundation
import HelsebroCore
import HelsebroJournal
import HelsebroTestSupport
import Testing

/// Device identity by mutual TLS: a real mosquitto with the listener and ACL of `Tools/device-pki.sh`, devices
/// publishing with `mosquitto_pub` and their certificates, and `helsebro serve` connected over TLS.
@Suite("Device identity by mutual TLS against a real broker", .serialized)
struct DeviceTLSIntegrationTests {
    /// `mosquitto_pub` of one QoS 1 message; its exit status and what it printed.
    static func publish(
        _ broker: TestBroker, as device: String?, topic: String, payload: [UInt8]
    ) throws -> (status: Int32, output: String) {
        let pki = try #require(broker.tlsFolder)
        let file = broker.directory + "/payload-\(UUID().uuidString.prefix(6))"
        FileManager.default.createFile(atPath: file, contents: Data(payload))
        var args = ["-h", "127.0.0.1", "-p", String(broker.port), "--cafile", pki + "/ca.crt", "-q", "1", "-t", topic]
        args += ["-f", file, "-D", "publish", "user-property", "seq", "\(UUID().uuidString.prefix(8))"]
        if let device { args += ["--cert", pki + "/\(device).crt", "--key", pki + "/\(device).key"] }
        return try runStatus("/usr/bin/mosquitto_pub", args)
    }

    @Test("each device writes only its own topic, a client without a certificate is refused, Helsebro reads over TLS")
    func deviceIdentity() throws {
        let broker = try TestBroker(deviceTLS: ["cuff-1", "cuff-2"])
        let (path, journal) = try makeJournal(
            broker.directory,
            devices: [
                (id: "cuff-1", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-a"),
                (id: "cuff-2", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-b"),
            ])
        let serve = try ServeProcess(broker: broker, journal: path)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()  // over TLS, with Helsebro's certificate

        // cuff-2 subscribing to every device's topic: the ACL lets devices write only, so it must receive nothing.
        // Ended with SIGKILL: a child of the test process inherits its blocked signals, so neither `timeout`, nor
        // mosquitto_sub's own -W (both SIGALRM), nor SIGTERM would reach it.
        let eavesdrop = broker.directory + "/eavesdrop.out"
        FileManager.default.createFile(atPath: eavesdrop, contents: nil)
        let sub = Process()
        sub.executableURL = URL(fileURLWithPath: "/usr/bin/stdbuf")
        sub.arguments = [
            "-oL", "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", String(broker.port),
            "--cafile", broker.tlsFolder! + "/ca.crt", "--cert", broker.tlsFolder! + "/cuff-2.crt", "--key",
            broker.tlsFolder! + "/cuff-2.key", "-i", "eavesdropper", "-q", "1", "-t", "helsebro/v1/devices/#", "-d",
            "-v",
        ]
        sub.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: eavesdrop))
        sub.standardError = FileHandle.nullDevice
        sub.standardInput = FileHandle.nullDevice
        try sub.run()
        defer { if sub.isRunning { kill(sub.processIdentifier, SIGKILL) } }
        func heard() -> String {
            FileManager.default.contents(atPath: eavesdrop).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        try waitUntil(15, "the eavesdropper's SUBACK") { heard().contains("SUBACK") }

        let t = now()
        // cuff-1 on its own topic: journalled for patient-a.
        #expect(
            try Self.publish(
                broker, as: "cuff-1", topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
                payload: bloodPressure(121, 79, 93, at: t)
            ).status == 0)
        // cuff-1 pretending to be cuff-2: the broker's ACL drops it, so patient-b gets nothing.
        _ = try Self.publish(
            broker, as: "cuff-1", topic: "helsebro/v1/devices/cuff-2/gatt/2a35",
            payload: bloodPressure(199, 99, 132, at: t))
        // No certificate, and a certificate from another CA: no connection at all.
        #expect(
            try Self.publish(
                broker, as: nil, topic: "helsebro/v1/devices/cuff-2/gatt/2a35",
                payload: bloodPressure(188, 98, 128, at: t)
            ).status != 0)
        let stranger = broker.directory + "/stranger"
        try FileManager.default.createDirectory(atPath: stranger, withIntermediateDirectories: true)
        let pki = Process()
        pki.executableURL = URL(fileURLWithPath: "/bin/bash")
        pki.arguments = [repositoryRoot + "/Tools/device-pki.sh", stranger, "1", "cuff-2"]
        pki.standardOutput = FileHandle.nullDevice
        try pki.run()
        pki.waitUntilExit()
        let foreign = try runStatus(
            "/usr/bin/mosquitto_pub",
            [
                "-h", "127.0.0.1", "-p", String(broker.port), "--cafile", broker.tlsFolder! + "/ca.crt", "--cert",
                stranger + "/cuff-2.crt", "--key", stranger + "/cuff-2.key", "-q", "1", "-t",
                "helsebro/v1/devices/cuff-2/gatt/2a35", "-m", "x",
            ])
        #expect(foreign.status != 0)
        // cuff-2 on its own topic, last: once it is in, everything before it has been through the broker.
        #expect(
            try Self.publish(
                broker, as: "cuff-2", topic: "helsebro/v1/devices/cuff-2/gatt/2a35",
                payload: bloodPressure(117, 77, 90, at: t)
            ).status == 0)
        try waitUntil(30, "both devices' own messages") { try journal.statistics().messages == 2 }
        usleep(500_000)
        #expect(try journal.statistics().messages == 2)
        let a = try journal.readings(patient: "patient-a", since: nil).filter { $0.reading.metric == "systolic" }
        let b = try journal.readings(patient: "patient-b", since: nil).filter { $0.reading.metric == "systolic" }
        #expect(a.map { $0.reading.value.number?.description } == ["121"])
        #expect(b.map { $0.reading.value.number?.description } == ["117"])
        #expect(try journal.quarantine(since: nil).isEmpty)
        // Helsebro has both messages (and the half second above has passed); the eavesdropper, subscribed all
        // along, was given none of them.
        kill(sub.processIdentifier, SIGKILL)
        sub.waitUntilExit()
        #expect(heard().contains("SUBACK") && !heard().contains("received PUBLISH"), "\(heard())")
    }
}
