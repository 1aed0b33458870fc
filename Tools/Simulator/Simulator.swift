import ArgumentParser
import Foundation
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import HelsebroPostgres

/// `helsebro-sim`: simulated home and bedside devices publishing over MQTT.
@main
struct Simulator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "helsebro-sim",
        abstract: "Publish realistic streams from simulated home and bedside devices.",
        discussion: """
            Each simulated patient has drifting physiology with occasional episodes (hypertension, hypoxia, fever, \
            hypoglycaemia, tachycardia). Devices also misbehave: special values, status bits, truncated frames, CRC \
            errors, an unregistered device and implausible values, so the quarantine has something to show.
            """)

    @Option(help: "Broker URL.") var broker = "mqtt://127.0.0.1:1883"
    @Option(help: "Simulated patients; each has a set of devices.") var patients = 6
    @Option(help: "Messages per second, all devices together.") var rate = 20.0
    @Option(help: "Messages to send; 0 = until interrupted.") var count = 0
    @Option(help: "Share of messages made faulty on purpose (0…1).") var faults = 0.03
    @Option(help: "Register and pair the devices in this journal first (sqlite:PATH or postgres://...).") var register:
        String?
    @Option(help: "Topic prefix.") var topicPrefix = "helsebro/v1"
    @Option(help: "Random seed.") var seed: UInt64 = 2026
    @Flag(help: "Flood mode for benchmarks: one blood-pressure cuff, as fast as the broker takes it.") var flood = false
    @Flag(help: "No progress line.") var quiet = false
    @Flag(
        help:
            "Benchmarks: make all --count messages first, then publish them as fast as the broker takes them, so that making them costs the measured run nothing."
    )
    var pregenerate = false
    @Flag(help: "Only register and pair the devices (with --register), publish nothing.") var registerOnly = false
    @Flag(
        help: "Benchmark baseline: subscribe with a bare libmosquitto client, count --count messages, print the time.")
    var bareSubscriber = false
    @Option(
        help: """
            Alert-latency probe for this many seconds: a steady load of normal readings at --rate messages/s, and every \
            100 ms a probe cuff whose readings go abnormal and back; prints the time from each probe publish to its \
            alert on the alerts topic (percentiles). Register with --flood first.
            """)
    var latencyProbe: Double?
    @Option(
        help: """
            Only these device kinds, comma-separated (cuff, thermo, gluco, cgm, scale, spot, bedside-ox, hr, gateway, \
            monitor, ecg-patch); all by default.
            """)
    var kinds: String?

    /// The kit of each patient, as `--kinds` narrows it.
    var devices: [(kind: String, profile: String, firmware: String)] {
        guard let kinds else { return Self.kit }
        let wanted = Set(kinds.split(separator: ",").map(String.init))
        return Self.kit.filter { wanted.contains($0.kind) }
    }

    func validate() throws {
        if let kinds {
            let known = Set(Self.kit.map(\.kind))
            for k in kinds.split(separator: ",") where !known.contains(String(k)) {
                throw ValidationError("unknown device kind '\(k)'")
            }
        }
    }

    /// The device kinds of one patient: (id suffix, profile, firmware).
    static let kit: [(kind: String, profile: String, firmware: String)] = [
        ("cuff", "bp-cuff-ua200", "bp-cuff-ua200-fw2"),
        ("thermo", "thermometer-th10", "thermometer-th10-fw1"),
        ("gluco", "glucometer-gm50", "glucometer-gm50-fw1"),
        ("cgm", "cgm-cg14", "cgm-cg14-fw1"),
        ("scale", "scale-ws80", "scale-ws80-fw3"),
        ("spot", "oximeter-spot-ox20", "oximeter-spot-ox20-fw1"),
        ("bedside-ox", "oximeter-cont-ox30", "oximeter-cont-ox30-fw1"),
        ("hr", "hr-strap-hr5", "hr-strap-hr5-fw1"),
        ("gateway", "gateway-senml-vitals", "gateway-senml-vitals-fw1"),
        ("monitor", "bedside-monitor-bm8", "bedside-monitor-bm8-gw1"),
        ("ecg-patch", "ecg-patch-ep1", "ecg-patch-ep1-fw1"),
    ]

    func run() throws {
        var mqtt = MQTTConfiguration()
        try mqtt.apply(url: broker)
        if bareSubscriber {
            try BareSubscriber.receive(
                host: mqtt.host, port: mqtt.port, filter: topicPrefix + "/devices/+/#", count: max(count, 1)
            ) {
                print("subscribed")
                fflush(nil)
            }
            print(String(format: "received %d at %.6f", count, Date().timeIntervalSince1970))
            return
        }
        if let register { try registerDevices(register) }
        if registerOnly { return }
        let publisher = try MQTTPublisher(
            host: mqtt.host, port: mqtt.port, clientID: "helsebro-sim-\(getpid())",
            window: flood || rate > 10_000 ? 1000 : 100)
        if let latencyProbe {
            try runLatencyProbe(publisher, mqtt: mqtt, seconds: latencyProbe)
            return
        }
        if flood {
            try runFlood(publisher)
            return
        }
        var people = (0..<patients).map { SimulatedPatient(seed: seed &+ UInt64($0) &* 7919) }
        var rng = SplitMix(state: seed)
        var sequence: [String: UInt64] = [:]
        var cgmStart: [Int: Timestamp] = [:]
        let started = Date()
        var sent = 0
        var faulty = 0
        let interval = 1 / max(rate, 0.1)
        var prepared: [(topic: String, payload: [UInt8], properties: [(String, String)])] = []
        if pregenerate { prepared.reserveCapacity(count) }
        while count == 0 || sent < count || (pregenerate && prepared.count < count) {
            if pregenerate && prepared.count >= max(count, 1) { break }
            let p = Int(rng.next() % UInt64(patients))
            people[p].step()
            let kit = devices[Int(rng.next() % UInt64(devices.count))]
            let device = "sim-\(kit.kind)-\(p + 1)"
            let now = Timestamp.now
            let start = cgmStart[p, default: Timestamp(seconds: now.seconds - 600)]
            cgmStart[p] = start
            var (channel, payload) = Self.message(
                kit.kind, people[p], now: now, sessionStart: start,
                seq: UInt16(truncatingIfNeeded: sequence[device, default: 0]), patientID: "sim-patient-\(p + 1)")
            var topicDevice = device
            if Double(rng.next() % 10_000) / 10_000 < faults {
                faulty += 1
                switch rng.next() % 4 {
                case 0: payload = Array(payload.prefix(max(1, payload.count / 2)))  // cut short in transit
                case 1: topicDevice = "sim-unregistered-\(p + 1)"  // a device nobody registered
                case 2 where channel.hasPrefix("gatt/2a35"):  // a cuff that reads nonsense
                    payload = Encode.bloodPressure(sys: 410, dia: 90, pulse: 70, at: now)
                default: payload.append(0xEE)  // a byte the flags do not announce
                }
            }
            let seq = sequence[device, default: 0]
            sequence[device] = seq + 1
            let topic = "\(topicPrefix)/devices/\(topicDevice)/\(channel)"
            let properties = [("seq", String(seq)), ("ts", now.rfc3339)]
            if pregenerate {
                prepared.append((topic, payload, properties))
                continue
            }
            try publisher.publish(topic: topic, payload: payload, userProperties: properties)
            sent += 1
            if !quiet && (sent % 10 == 0 || sent == count) {
                let elapsed = Date().timeIntervalSince(started)
                FileHandle.standardError.write(
                    Data(
                        String(
                            format: "\rhelsebro-sim: %d messages (%d faulty on purpose), %.1f/s   ", sent, faulty,
                            Double(sent) / max(elapsed, 0.001)
                        ).utf8))
            }
            let due = started.addingTimeInterval(Double(sent) * interval)
            let wait = due.timeIntervalSinceNow
            if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
        }
        if pregenerate {
            // The benchmark's start: the time the first prepared message goes out.
            print(String(format: "publishing from %.6f", Date().timeIntervalSince1970))
            fflush(nil)
        }
        for m in prepared { try publisher.publish(topic: m.topic, payload: m.payload, userProperties: m.properties) }
        publisher.close()
        if pregenerate { print("acknowledged \(publisher.acknowledged)") }
        if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// One message from a device of `kind`, following the patient's state.
    static func message(
        _ kind: String, _ p: SimulatedPatient, now: Timestamp, sessionStart: Timestamp, seq: UInt16, patientID: String
    ) -> (String, [UInt8]) {
        var p = p
        let noise = p.uniform()
        switch kind {
        case "cuff":
            // Now and then the cuff is too loose (status bit 1) or cannot compute MAP (NaN).
            let status: UInt16 = noise < 0.05 ? 0x0002 : 0
            return (
                "gatt/2a35",
                Encode.bloodPressure(
                    sys: p.systolic, dia: p.diastolic, pulse: p.pulse, at: now, status: status, nanMAP: noise > 0.97)
            )
        case "thermo": return ("gatt/2a1c", Encode.temperature(p.temperature, at: now))
        case "gluco": return ("gatt/2a18", Encode.glucose(mgdL: p.glucose, sequence: seq, at: now))
        case "cgm":
            let minutes = UInt16(clamping: max(0, (now.seconds - sessionStart.seconds) / 60))
            return (
                "gatt/2aa7",
                Encode.cgm(
                    mgdL: p.glucose + (noise - 0.5) * 6, trend: (noise - 0.5) * 2, offsetMinutes: minutes,
                    annunciation: noise > 0.98 ? 0x02 : 0)
            )
        case "scale": return ("gatt/2a9d", Encode.weight(kg: p.weight + (noise - 0.5), at: now) + [0x01])
        case "spot": return ("gatt/2a5e", Encode.spotCheck(spo2: p.spo2, pulse: p.pulse, at: now))
        case "bedside-ox":
            return (
                "gatt/2a5f", Encode.continuous(spo2: p.spo2, pulse: p.pulse, deviceStatus: noise > 0.95 ? 0x0020 : 0)
            )
        case "hr":
            let rr = 60 / max(p.pulse, 30)
            return ("gatt/2a37", Encode.heartRate(Int(p.pulse.rounded()), rrSeconds: [rr, rr * (0.95 + noise / 10)]))
        case "ecg-patch":
            let rr = 60 / max(p.pulse, 30)
            return (
                "frame",
                Encode.ecgPatch(
                    at: now, heartRate: Int(p.pulse.rounded()), rr: [rr, rr * (0.96 + noise / 12)],
                    leadOff: noise > 0.97)
            )
        case "monitor":
            return ("hl7v2", Encode.oru(patient: patientID, control: "\(kind)-\(now.microseconds)", at: now, p))
        default:
            return (
                "senml-json", Encode.senml(device: kind, at: now, spo2: p.spo2, pulse: p.pulse, temp: p.temperature)
            )
        }
    }

    /// Registers and pairs every patient's devices in one transaction (100,000 devices take seconds, not hours).
    func registerDevices(_ journal: String) throws {
        guard let store = try SQLJournal.open(location: journal) else {
            throw ValidationError("--register takes sqlite:PATH or postgres://...")
        }
        let known = Set(try store.devices().map(\.id))
        var people: [(id: String, name: String?)] = []
        var records: [DeviceRecord] = []
        var pairings: [Pairing] = []
        func add(_ device: String, _ profile: String, _ firmware: String, _ patient: String) {
            guard !known.contains(device) else { return }
            records.append(DeviceRecord(id: device, profile: profile, firmware: firmware))
            pairings.append(Pairing(device: device, patient: patient, from: .year2000, to: nil))
        }
        for p in 1...max(patients, 1) {
            let patient = "sim-patient-\(p)"
            people.append((patient, "Simulated patient \(p)"))
            for kit in Self.kit { add("sim-\(kit.kind)-\(p)", kit.profile, kit.firmware, patient) }
        }
        if flood {
            for (device, patient) in [("bench-cuff", "bench-patient"), ("probe-cuff", "probe-patient")] {
                people.append((patient, "Benchmark"))
                add(device, "bp-cuff-ua200", "bp-cuff-ua200-fw2", patient)
            }
        }
        try store.register(patients: people, devices: records, pairings: pairings)
        if !quiet {
            print("helsebro-sim: \(patients) patients with \(Self.kit.count) devices each registered and paired")
        }
    }

    /// Flood: `count` blood-pressure messages as fast as the broker acknowledges them, each with its own seq.
    func runFlood(_ publisher: MQTTPublisher) throws {
        let total = count == 0 ? 100_000 : count
        let base = Timestamp.now.seconds - Int64(total) - 60
        let started = Date()
        for i in 0..<total {
            let frame = Encode.bloodPressure(
                sys: Double(100 + i % 80), dia: Double(60 + i % 30), pulse: Double(60 + i % 40),
                at: Timestamp(seconds: base + Int64(i)))
            try publisher.publish(
                topic: "\(topicPrefix)/devices/bench-cuff/gatt/2a35", payload: frame,
                userProperties: [("seq", String(i))])
        }
        publisher.close()
        let elapsed = Date().timeIntervalSince(started)
        print(
            String(
                format: "helsebro-sim: published %d messages in %.2f s (%.0f/s, all acknowledged by the broker)", total,
                elapsed, Double(total) / elapsed))
    }
}
