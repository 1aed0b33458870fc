import Foundation
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import HelsebroTestSupport
import Testing

/// `helsebro serve` against a real mosquitto broker and a real SQLite journal, both in a temporary folder.
@Suite("Ingest against a real broker", .serialized)
struct IngestIntegrationTests {
    static let devices = [
        (id: "cuff-1", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-a"),
        (id: "thermo-1", profile: "thermometer-th10", firmware: "thermometer-th10-fw1", patient: "patient-b"),
        (id: "gw-1", profile: "gateway-senml-vitals", firmware: "gateway-senml-vitals-fw1", patient: "patient-b"),
    ]

    @Test("good messages reach the right journals; each bad one is quarantined with its own reason")
    func mixedTraffic() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        // A device registered but never paired.
        try journal.addDevice(
            DeviceRecord(id: "cuff-unpaired", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2"))
        let serve = try ServeProcess(broker: broker, journal: path)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        let pub = try broker.publisher()
        defer { pub.close() }
        let t = Timestamp(seconds: now().seconds - 120)
        let p = "helsebro/v1/devices/"
        try pub.publish(topic: p + "cuff-1/gatt/2a35", payload: bloodPressure(138, 90, 107, at: t))
        try pub.publish(topic: p + "thermo-1/gatt/2a1c", payload: [0x00, 0x72, 0x01, 0x00, 0xFF])  // 37.0 Cel, no time
        let senml =
            #"[{"bn":"urn:dev:gw-1:","bt":\#(t.seconds),"n":"spo2","u":"%","v":96},{"n":"pulse","u":"beat/min","v":64}]"#
        try pub.publish(topic: p + "gw-1/senml-json", payload: Array(senml.utf8))
        // Bad ones.
        try pub.publish(topic: p + "cuff-1/gatt/2a35", payload: [0x1E, 0x8A, 0x00])  // truncated
        try pub.publish(topic: p + "nobody/gatt/2a35", payload: bloodPressure(120, 80, 93, at: t))  // unregistered
        // A channel the cuff's profile does not list.
        try pub.publish(topic: p + "cuff-1/gatt/2a1c", payload: [0x00, 0x72, 0x01, 0x00, 0xFF])
        try pub.publish(topic: p + "cuff-1/modbus", payload: [1, 2, 3])  // unknown channel
        try pub.publish(topic: p + "cuff-1/gatt/2a35", payload: bloodPressure(350, 90, 107, at: t))  // implausible
        try pub.publish(topic: p + "cuff-unpaired/gatt/2a35", payload: bloodPressure(121, 81, 94, at: t))  // unpaired
        try pub.publish(topic: "helsebro/v1/devices/cuff-1", payload: [0])  // no channel
        // A must-understand label (RFC 8428 §4.4).
        try pub.publish(topic: p + "gw-1/senml/json", payload: Array(#"[{"n":"spo2","v":1,"x_":1}]"#.utf8))
        #expect(pub.flush())
        try waitUntil(30, "11 messages in the journal") { try journal.statistics().messages == 11 }

        let a = try journal.readings(patient: "patient-a", since: nil)
        #expect(a.map(\.reading.metric) == ["systolic", "diastolic", "mean-arterial-pressure"])
        #expect(a.map { $0.reading.value.number?.description } == ["138", "90", "107"])
        #expect(a.allSatisfy { $0.reading.unit == "mm[Hg]" && $0.reading.time == t && $0.reading.device == "cuff-1" })
        let b = try journal.readings(patient: "patient-b", since: nil)
        #expect(Set(b.map(\.reading.metric)) == ["body-temperature", "spo2", "pulse-rate"])
        let temperature = try #require(b.first { $0.reading.metric == "body-temperature" })
        #expect(temperature.reading.value.number?.description == "37.0" && temperature.reading.unit == "Cel")
        #expect(temperature.reading.status.contains("time-from-receive-time"))
        #expect(b.first { $0.reading.metric == "spo2" }?.reading.value.number?.description == "96")
        let q = try journal.quarantine(since: nil)
        #expect(
            q.map(\.code).sorted()
                == [
                    "decode", "decode", "unknown-channel", "unknown-channel", "unpaired-device", "unregistered-device",
                    "unroutable-topic", "validation",
                ].sorted())
        #expect(q.allSatisfy { !$0.reason.isEmpty && !$0.payload.isEmpty })
        #expect(q.first { $0.code == "validation" }?.reason.contains("plausible range 0–300 mm[Hg]") == true)
        #expect(try journal.statistics().readings == 6)
    }

    @Test("the gateway's receive time (ts) places a reading without device time; a ts ahead of Helsebro's clock is not")
    func gatewayTime() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let serve = try ServeProcess(broker: broker, journal: path)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        let pub = try broker.publisher()
        defer { pub.close() }
        let start = now()
        let anHourAgo = Timestamp(seconds: start.seconds - 3600)
        let nextYear = Timestamp(seconds: start.seconds + 365 * 86_400)
        let thermometer = "helsebro/v1/devices/thermo-1/gatt/2a1c"
        let noTime: [UInt8] = [0x00, 0x72, 0x01, 0x00, 0xFF]  // 37.0 Cel, no time stamp
        // Buffered by the gateway for an hour: the reading is placed at the gateway's time.
        try pub.publish(topic: thermometer, payload: noTime, userProperties: [("seq", "1"), ("ts", anHourAgo.rfc3339)])
        // A gateway clock a year ahead: not believed, Helsebro's own receive time is used.
        try pub.publish(topic: thermometer, payload: noTime, userProperties: [("seq", "2"), ("ts", nextYear.rfc3339)])
        // A cuff whose clock and gateway are both a year ahead: the reading is in the future, so quarantined.
        try pub.publish(
            topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: bloodPressure(120, 80, 93, at: nextYear),
            userProperties: [("seq", "3"), ("ts", nextYear.rfc3339)])
        #expect(pub.flush())
        try waitUntil(30, "3 messages") { try journal.statistics().messages == 3 }
        let times = try journal.readings(patient: "patient-b", since: nil).map(\.reading.time).sorted()
        #expect(times.count == 2)
        #expect(times.first == anHourAgo)
        #expect(times.last.map { $0 >= start && $0 < Timestamp(seconds: start.seconds + 300) } == true)
        #expect(try journal.readings(patient: "patient-a", since: nil).isEmpty)
        #expect(try journal.quarantine(since: nil).map(\.code) == ["validation"])
    }

    @Test("the same message twice, and a redelivered seq, give one set of readings; a reused seq does not")
    func duplicates() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let serve = try ServeProcess(broker: broker, journal: path)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        let pub = try broker.publisher()
        defer { pub.close() }
        let frame = bloodPressure(128, 84, 99, at: Timestamp(seconds: now().seconds - 60))
        try pub.publish(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: frame)
        try pub.publish(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: frame)
        let other = bloodPressure(129, 85, 100, at: Timestamp(seconds: now().seconds - 50))
        try pub.publish(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: other, userProperties: [("seq", "41")])
        try pub.publish(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: other, userProperties: [("seq", "41")])
        // A device that reset its counter reuses seq 41 for a new measurement: not a duplicate.
        let afterReset = bloodPressure(131, 86, 101, at: Timestamp(seconds: now().seconds - 40))
        try pub.publish(
            topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: afterReset, userProperties: [("seq", "41")])
        #expect(pub.flush())
        try waitUntil(30, "5 messages seen") {
            let s = try journal.statistics()
            return s.messages + s.duplicates == 5
        }
        let s = try journal.statistics()
        #expect(s.messages == 3 && s.duplicates == 2 && s.readings == 9)
    }

    /// reference/libmosquitto.md §1.3: libmosquitto queues the PUBACK before `on_message`; only with
    /// `mosquitto_threaded_set(true)` does it wait for `mosquitto_loop_write`. Helsebro exits after receiving a batch
    /// and before committing it; the message must come back after a restart, exactly once.
    @Test("a message received but not committed is redelivered: the PUBACK waits for the commit")
    func acknowledgementAfterCommit() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let crashing = try ServeProcess(
            broker: broker, journal: path, environment: ["HELSEBRO_FAULT_INJECTION": "exit-before-commit"])
        let pub = try broker.publisher()
        defer { pub.close() }
        // Wait for the subscription, then publish; the service exits on receipt.
        try crashing.waitUntilSubscribed()
        try pub.publish(
            topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
            payload: bloodPressure(131, 86, 101, at: Timestamp(seconds: now().seconds - 30)))
        #expect(pub.flush())
        crashing.process.waitUntilExit()
        #expect(crashing.process.terminationStatus == 70)
        #expect(try journal.statistics().messages == 0)
        let serve = try ServeProcess(broker: broker, journal: path)
        defer { serve.stop() }
        try waitUntil(30, "the redelivered message") { try journal.statistics().messages == 1 }
        #expect(
            try journal.readings(patient: "patient-a", since: nil).map { $0.reading.value.number?.description } == [
                "131", "86", "101",
            ])
    }

    @Test("SIGKILL mid-stream and restart: every message exactly once")
    func killMidStream() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        var serve = try ServeProcess(broker: broker, journal: path, maxBatch: 50)
        try serve.waitUntilSubscribed()
        let total = 3000
        let base = now().seconds - 3600
        let port = broker.port
        let publishing = Thread {
            guard let pub = try? MQTTPublisher(host: "127.0.0.1", port: port, clientID: "killtest-pub") else { return }
            for i in 0..<total {
                let frame = bloodPressure(
                    100 + i % 80, 60 + i % 30, 80 + i % 40, at: Timestamp(seconds: base + Int64(i)))
                try? pub.publish(
                    topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: frame, userProperties: [("seq", String(i))])
            }
            pub.close()
        }
        publishing.start()
        for round in 1...3 {
            try waitUntil(60, "progress before kill \(round)") {
                try journal.statistics().messages >= round * total / 5
            }
            serve.kill9()
            serve = try ServeProcess(broker: broker, journal: path, maxBatch: 50)
        }
        defer { serve.stop() }
        try waitUntil(120, "all \(total) messages") { try journal.statistics().messages == total }
        let s = try journal.statistics()
        #expect(s.messages == total && s.readings == 3 * total)
        let readings = try journal.readings(patient: "patient-a", since: nil)
        let systolic = readings.filter { $0.reading.metric == "systolic" }
        #expect(Set(systolic.map(\.reading.time)).count == total)
        #expect(systolic.count == total)
    }

    @Test("messages published while Helsebro is down arrive when it comes back (persistent session)")
    func offlineQueue() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let first = try ServeProcess(broker: broker, journal: path)
        try first.waitUntilSubscribed()
        first.stop()
        #expect(first.process.terminationStatus == 0)
        let pub = try broker.publisher()
        let base = now().seconds - 600
        for i in 0..<20 {
            try pub.publish(
                topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
                payload: bloodPressure(110 + i, 70, 83, at: Timestamp(seconds: base + Int64(i))))
        }
        #expect(pub.flush())
        pub.close()
        let second = try ServeProcess(broker: broker, journal: path)
        defer { second.stop() }
        try waitUntil(30, "the 20 messages queued while Helsebro was down") { try journal.statistics().messages == 20 }
        #expect(try journal.statistics().readings == 60)
    }

    @Test("HL7 from a bedside-monitor gateway: MSH-10 identity, PID-3 checked, a bad OBX quarantined on its own")
    func hl7() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(
            broker.directory,
            devices: [
                (id: "bm-1", profile: "bedside-monitor-bm8", firmware: "bedside-monitor-bm8-gw1", patient: "789567")
            ])
        let serve = try ServeProcess(broker: broker, journal: path)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        let pub = try broker.publisher()
        defer { pub.close() }
        func message(_ id: String, pid: String, obx: [String]) -> [UInt8] {
            Array(
                ([
                    #"MSH|^~\&|GW^ACDE48234567ABCD^EUI-64||||20240313090030+0100||ORU^R01^ORU_R01|\#(id)|P|2.6|||NE|AL"#,
                    "PID|||\(pid)^^^Ward^PI",
                    "OBR|1|A^GW|B^GW|528391^MDC_DEV_SPEC_PROFILE_BP^MDC|||20240313095715+0100",
                ] + obx).joined(separator: "\r").utf8)
        }
        let bp = [
            "OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|120|266016^MDC_DIM_MMHG^MDC|||||R",
            "OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|80|266016^MDC_DIM_MMHG^MDC|||||R",
        ]
        let topic = "helsebro/v1/devices/bm-1/hl7v2"
        try pub.publish(topic: topic, payload: message("M-1", pid: "789567", obx: bp))
        try pub.publish(topic: topic, payload: message("M-1", pid: "789567", obx: bp))  // the gateway resends
        try pub.publish(
            topic: topic,
            payload: message(
                "M-2", pid: "789567",
                obx: [
                    "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.6.1.1|72|/min^/min^UCUM|||||R",
                    "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.7.1.1||262688^MDC_DIM_PERCENT^MDC|||||X",
                ]))
        try pub.publish(topic: topic, payload: message("M-3", pid: "111111", obx: bp))
        #expect(pub.flush())
        try waitUntil(30, "4 HL7 messages") {
            let s = try journal.statistics()
            return s.messages + s.duplicates == 4
        }
        let readings = try journal.readings(patient: "789567", since: nil)
        #expect(readings.map(\.reading.metric).sorted() == ["diastolic", "heart-rate", "systolic"])
        #expect(
            readings.first { $0.reading.metric == "systolic" }?.reading.time
                == Timestamp(year: 2024, month: 3, day: 13, hour: 8, minute: 57, second: 15))
        let q = try journal.quarantine(since: nil)
        #expect(q.map(\.code).sorted() == ["decode", "patient-mismatch"])
        #expect(q.first { $0.code == "decode" }?.reason.contains("OBX 2") == true)
        #expect(try journal.statistics().duplicates == 1)
    }

    @Test("vendor frames through the service: a good ECG-patch frame journalled, a corrupted one quarantined")
    func vendorFrames() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(
            broker.directory,
            devices: [(id: "patch-1", profile: "ecg-patch-ep1", firmware: "ecg-patch-ep1-fw1", patient: "p-9")])
        let serve = try ServeProcess(broker: broker, journal: path)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        let pub = try broker.publisher()
        defer { pub.close() }
        // status rr-present, window end, 72/min, battery low, 33.12 Cel, RR 833 and 845 ms, CRC-16/CCITT.
        let t = UInt32(now().seconds - 30)
        var frame: [UInt8] = [
            0x05, UInt8(t & 0xFF), UInt8(t >> 8 & 0xFF), UInt8(t >> 16 & 0xFF), UInt8(t >> 24), 72, 1, 0xF0, 0x0C, 0x41,
            0x03, 0x4D, 0x03,
        ]
        let crc = frame.withUnsafeBytes { CRC16.ccittFalse($0) }
        frame += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        try pub.publish(topic: "helsebro/v1/devices/patch-1/frame", payload: frame)
        var corrupted = frame
        corrupted[5] = 73
        try pub.publish(topic: "helsebro/v1/devices/patch-1/frame", payload: corrupted)
        #expect(pub.flush())
        try waitUntil(30, "2 frames") { try journal.statistics().messages == 2 }
        let readings = try journal.readings(patient: "p-9", since: nil)
        #expect(readings.map(\.reading.metric) == ["heart-rate", "skin-temperature", "rr-interval", "rr-interval"])
        #expect(readings.map { $0.reading.value.number?.description } == ["72", "33.12", "833", "845"])
        #expect(
            readings.allSatisfy {
                $0.reading.time == Timestamp(seconds: Int64(t)) && $0.reading.status.contains("battery:low")
            })
        #expect(try journal.quarantine(since: nil).map(\.code) == ["decode"])
    }

    /// `helsebro serve` on a new broker and journal with `Self.devices`, an independent listener on the alerts topic
    /// for `count` messages, and a publisher; all stopped once `body` returns.
    func withAlertsService(
        count: Int, extraArguments: [String] = [],
        _ body: (SQLJournal, AlertListener, MQTTPublisher) throws -> Void
    ) throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let serve = try ServeProcess(broker: broker, journal: path, extraArguments: extraArguments)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        let listener = try AlertListener(broker: broker, count: count)
        defer { listener.stop() }
        let pub = try broker.publisher()
        defer { pub.close() }
        try body(journal, listener, pub)
    }

    @Test("an abnormal reading raises an alert on the alerts topic; readings back in range resolve it")
    func alerts() throws {
        try withAlertsService(count: 2) { journal, listener, pub in
            let base = now().seconds - 300
            try pub.publish(
                topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
                payload: bloodPressure(232, 95, 140, at: Timestamp(seconds: base)))
            try pub.publish(
                topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
                payload: bloodPressure(130, 85, 100, at: Timestamp(seconds: base + 60)))
            try pub.publish(
                topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
                payload: bloodPressure(128, 84, 99, at: Timestamp(seconds: base + 120)))
            #expect(pub.flush())
            let messages = listener.waitForAll()
            #expect(messages.count == 2 && messages.allSatisfy { $0.topic == "helsebro/v1/alerts/patient-a" })
            let raised = try #require(messages.first?.json)
            #expect(raised["metric"] as? String == "systolic" && raised["kind"] as? String == "threshold-high")
            #expect(raised["severity"] as? String == "critical" && raised["transition"] as? String == "raised")
            #expect(
                raised["value"] as? Int == 232 && raised["threshold"] as? Int == 220
                    && raised["state"] as? String == "open"
            )
            let resolved = try #require(messages.last?.json)
            #expect(resolved["transition"] as? String == "resolved" && resolved["state"] as? String == "resolved")
            #expect(
                try journal.alertEvents(afterID: 0, patient: "patient-a", limit: 10).map(\.event.transition) == [
                    "raised", "resolved",
                ])
        }
    }

    @Test("escalation when unacknowledged, and a clinician's acknowledgement, reach the alerts topic")
    func escalationAndAcknowledgement() throws {
        try withAlertsService(count: 3, extraArguments: ["--escalate-after", "3s"]) { journal, listener, pub in
            // 185 mmHg systolic: a warning (high 180).
            try pub.publish(
                topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
                payload: bloodPressure(185, 85, 118, at: Timestamp(seconds: now().seconds - 60)))
            #expect(pub.flush())
            try waitUntil(30, "the alert to escalate") { listener.messages().count >= 2 }
            let id = try #require(listener.messages().first?.json?["id"] as? Int)
            // What `helsebro alerts ack` does: the journal records it, the running service applies and publishes it.
            _ = try journal.acknowledgeAlert(id: Int64(id), by: "dr-ack", at: now())
            let messages = listener.waitForAll()
            #expect(
                messages.compactMap { $0.json?["transition"] as? String } == ["raised", "escalated", "acknowledged"])
            #expect(messages.compactMap { $0.json?["severity"] as? String } == ["warning", "urgent", "urgent"])
            #expect(messages.last?.json?["by"] as? String == "dr-ack" && messages.last?.json?["id"] as? Int == id)
            let alert = try #require(try journal.alerts(patient: "patient-a", states: nil, limit: 10).first)
            #expect(alert.state == "acknowledged" && alert.escalated && alert.acknowledgedBy == "dr-ack")
            // Acknowledged: no further escalation while the service keeps running.
            Thread.sleep(forTimeInterval: 4)
            #expect(try journal.alertEvents(afterID: 0, patient: "patient-a", limit: 10).count == 3)
        }
    }

    @Test("a device unpaired while its device alert is open: the alert ends as 'unpaired' on the alerts topic")
    func unpairedDeviceAlert() throws {
        try withAlertsService(count: 2) { journal, listener, pub in
            // Time stamp and Measurement Status (flags 0x12), status bit 1: cuff too loose.
            let loose: [UInt8] =
                [0x12, 128, 0, 84, 0, 99, 0] + gattDateTime(Timestamp(seconds: now().seconds - 60)) + [0x02, 0x00]
            try pub.publish(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: loose)
            #expect(pub.flush())
            try waitUntil(30, "the device alert") { listener.messages().count >= 1 }
            // What `helsebro device unpair` does; the running service reads it within its refresh and ends the alert.
            _ = try journal.endPairing(device: "cuff-1", at: now())
            let messages = listener.waitForAll()
            #expect(messages.allSatisfy { $0.topic == "helsebro/v1/alerts/patient-a" })
            #expect(messages.compactMap { $0.json?["kind"] as? String } == ["device-status", "device-status"])
            #expect(messages.compactMap { $0.json?["transition"] as? String } == ["raised", "unpaired"])
            #expect(messages.last?.json?["state"] as? String == "resolved")
            #expect(
                try journal.alerts(patient: "patient-a", states: ["open", "acknowledged", "snoozed"], limit: 10).isEmpty
            )
        }
    }

    @Test("MQTT 3.1.1: the same service without user properties")
    func mqtt311() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let serve = try ServeProcess(broker: broker, journal: path, extraArguments: ["--mqtt311"])
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        let pub = try broker.publisher()
        defer { pub.close() }
        let frame = bloodPressure(133, 88, 103, at: Timestamp(seconds: now().seconds - 60))
        // The seq property cannot reach a 3.1.1 subscriber; the payload hash recognises the repeat instead.
        try pub.publish(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: frame, userProperties: [("seq", "1")])
        try pub.publish(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: frame, userProperties: [("seq", "1")])
        #expect(pub.flush())
        try waitUntil(30, "both messages seen") {
            let s = try journal.statistics()
            return s.messages + s.duplicates == 2
        }
        #expect(try journal.statistics().readings == 3)
        let log = String(decoding: FileManager.default.contents(atPath: serve.log) ?? Data(), as: UTF8.self)
        #expect(log.contains("protocol=3.1.1"))
    }

    @Test("a broker restart: Helsebro reconnects with backoff, resubscribes and goes on")
    func brokerRestart() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let serve = try ServeProcess(broker: broker, journal: path)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        let base = now().seconds - 600
        var pub = try broker.publisher()
        try pub.publish(
            topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
            payload: bloodPressure(120, 80, 93, at: Timestamp(seconds: base)))
        #expect(pub.flush())
        pub.close()
        try waitUntil(30, "the first message") { try journal.statistics().messages == 1 }
        broker.stop()
        try broker.start()
        pub = try broker.publisher()
        defer { pub.close() }
        try pub.publish(
            topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
            payload: bloodPressure(121, 81, 94, at: Timestamp(seconds: base + 1)))
        #expect(pub.flush())
        try waitUntil(60, "the message after the broker restart") { try journal.statistics().messages == 2 }
        let log = String(decoding: FileManager.default.contents(atPath: serve.log) ?? Data(), as: UTF8.self)
        #expect(log.components(separatedBy: "connected to the MQTT broker").count - 1 >= 2)
    }

    @Test("the ingest client commits a batch before acknowledging; a failed commit is redelivered")
    func failedCommitRedelivers() throws {
        let broker = try TestBroker()
        var configuration = MQTTConfiguration()
        configuration.port = broker.port
        configuration.clientID = "it-failing-commit"
        let seen = LockedBox<[UInt64]>([])
        let client = IngestClient(configuration: configuration, maxBatch: 10, logger: .init(label: "test")) { batch in
            let first = seen.withLock { list -> Bool in
                let isFirst = list.isEmpty
                list += batch.compactMap(\.sequence)
                return isFirst
            }
            if first { throw TestFailure("simulated commit failure") }
        }
        let thread = Thread { try? client.run() }
        thread.start()
        defer { client.stop() }
        try waitUntil(20, "the client to subscribe") { client.statistics.subscriptions >= 1 }
        let pub = try broker.publisher()
        try pub.publish(topic: "helsebro/v1/devices/x/gatt/2a35", payload: [0], userProperties: [("seq", "5")])
        #expect(pub.flush())
        pub.close()
        try waitUntil(30, "redelivery after the failed commit") { seen.withLock { $0.filter { $0 == 5 }.count } >= 2 }
        #expect(client.statistics.handlerFailures == 1)
    }
}

/// A value behind a lock, for test threads.
final class LockedBox<T>: @unchecked Sendable {
    // @unchecked Sendable: every access goes through `lock`.
    private var value: T
    private let lock = NSLock()
    init(_ v: T) { value = v }
    func withLock<R>(_ body: (inout T) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
