import Benchmark
import Foundation
import HelsebroConfig
import HelsebroCore

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .path

/// 1024 Blood Pressure Measurement frames with the flag combinations a cuff sends (time stamp, pulse, user,
/// status), plausible values in mmHg and kPa, laid out back to back as in a frames file.
func bloodPressureFrames() -> (bytes: [UInt8], ranges: [Range<Int>]) {
    var bytes: [UInt8] = []
    var ranges: [Range<Int>] = []
    var seed: UInt32 = 12345
    func next() -> UInt32 {
        seed = seed &* 1_103_515_245 &+ 12345
        return seed >> 8
    }
    let flagChoices: [UInt8] = [0x00, 0x02, 0x04, 0x06, 0x0E, 0x1E, 0x1F, 0x16]
    for _ in 0..<1024 {
        let flags = flagChoices[Int(next() % 8)]
        let start = bytes.count
        func sfloat(_ m: Int, _ e: Int) {
            let raw = UInt16(e & 0xF) << 12 | UInt16(m & 0xFFF); bytes += [UInt8(raw & 0xFF), UInt8(raw >> 8)]
        }
        bytes.append(flags)
        if flags & 1 != 0 {
            sfloat(140 + Int(next() % 100), -1)  // 14.0–23.9 kPa
            sfloat(80 + Int(next() % 60), -1)
            sfloat(100 + Int(next() % 60), -1)
        } else {
            sfloat(100 + Int(next() % 80), 0)
            sfloat(60 + Int(next() % 40), 0)
            sfloat(75 + Int(next() % 50), 0)
        }
        if flags & 0x02 != 0 { bytes += [0xEA, 0x07, 11, 22, UInt8(next() % 24), UInt8(next() % 60), 0] }
        if flags & 0x04 != 0 { sfloat(50 + Int(next() % 70), 0) }
        if flags & 0x08 != 0 { bytes.append(UInt8(next() % 4)) }
        if flags & 0x10 != 0 { bytes += [UInt8(next() % 0x40), 0] }
        ranges.append(start..<bytes.count)
    }
    return (bytes, ranges)
}

/// Decodes and validates `payloads` (ranges of `bytes`) in turn with `plan`, once per scaled iteration; the readings
/// buffer is reused, so what remains to allocate is the decoder's own.
func decodeAndValidate(
    _ benchmark: Benchmark, _ plan: DecodePlan, channel: Int, bytes: [UInt8], payloads: [Range<Int>],
    receiveTime: Timestamp
) {
    var readings: [Reading] = []
    readings.reserveCapacity(16)
    var ignored = 0
    var total = 0
    let mask = payloads.count - 1  // a power of two
    bytes.withUnsafeBytes { all in
        for i in benchmark.scaledIterations {
            readings.removeAll(keepingCapacity: true)
            let payload = UnsafeRawBufferPointer(rebasing: all[payloads[i & mask]])
            if plan.process(
                channelIndex: channel, payload: payload, receiveTime: receiveTime, into: &readings, ignored: &ignored)
                == nil
            {
                total &+= readings.count
            }
        }
    }
    blackHole(total)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .mega,
        maxDuration: .seconds(10),
        maxIterations: 20
    )
    let registry = Registry.load(
        profilesDirectory: repositoryRoot + "/DeviceProfiles", firmwareDirectory: repositoryRoot + "/Firmware-Specs")
    guard let plan = try? registry.plan(profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2") else {
        fatalError("bp-cuff-ua200 did not load: \(registry.issues)")
    }
    let channel = plan.channelIndex(.gatt(.bloodPressureMeasurement))!
    let (bytes, ranges) = bloodPressureFrames()
    let receiveTime = Timestamp(year: 2026, month: 11, day: 23, hour: 12)

    // One iteration = 1,000,000 frames (scalingFactor .mega): throughput reads as frames/s in millions, and
    // mallocCountTotal per iteration divided by 10⁶ is allocations per frame.
    Benchmark("GATT 0x2A35 decode + validate (bp-cuff-ua200)") { benchmark in
        decodeAndValidate(benchmark, plan, channel: channel, bytes: bytes, payloads: ranges, receiveTime: receiveTime)
    }

    // HL7: an IHE PCD-01 message of 8 numeric observations from a bedside monitor, parsed and validated.
    // scalingFactor .kilo: one iteration = 1000 messages.
    guard let monitor = try? registry.plan(profile: "bedside-monitor-bm8", firmware: "bedside-monitor-bm8-gw1") else {
        fatalError("bedside-monitor-bm8 did not load")
    }
    let oru = Array(
        [
            #"MSH|^~\&|GW^0123456789ABCDEF^EUI-64|H|||20261123115900+0100||ORU^R01^ORU_R01|M-1|P|2.6|||NE|AL"#,
            "PID|||patient-1^^^W^PI", "OBR|1|A^GW|B^GW|182777000^monitoring of patient^SCT|||20261123115900+0100",
            "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X",
            "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
            "OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||R",
            "OBX|4|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.2|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
            "OBX|5|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.3.1.1|124|266016^MDC_DIM_MMHG^MDC|||||R",
            "OBX|6|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.3.1.2|82|266016^MDC_DIM_MMHG^MDC|||||R",
            "OBX|7|NM|151562^MDC_RESP_RATE^MDC|1.4.1.1|16|/min^/min^UCUM|||||R",
            "OBX|8|NM|150364^MDC_TEMP_BODY^MDC|1.5.1.1|37.1|268192^MDC_DIM_DEGC^MDC|||||R",
        ].joined(separator: "\r").utf8)
    let monitorChannel = monitor.channelIndex(.hl7v2)!
    Benchmark("HL7 ORU^R01 decode + validate (bedside-monitor-bm8)", configuration: .init(scalingFactor: .kilo)) {
        benchmark in
        decodeAndValidate(
            benchmark, monitor, channel: monitorChannel, bytes: oru, payloads: [0..<oru.count], receiveTime: receiveTime
        )
    }

    // SenML: a home gateway's vital-signs pack (SpO2, pulse, temperature, and battery, which the profile ignores),
    // as JSON and as CBOR, from Tools/samples. scalingFactor .kilo: one iteration = 1000 packs.
    guard let gateway = try? registry.plan(profile: "gateway-senml-vitals", firmware: "gateway-senml-vitals-fw1") else {
        fatalError("gateway-senml-vitals did not load")
    }
    for (name, file, channel) in [
        ("JSON", "vitals.json", Channel.senmlJSON), ("CBOR", "vitals.cbor", Channel.senmlCBOR),
    ] {
        guard
            let pack = FileManager.default.contents(atPath: repositoryRoot + "/Tools/samples/" + file).map(Array.init),
            let index = gateway.channelIndex(channel)
        else { fatalError("Tools/samples/\(file) or the \(name) channel is missing") }
        Benchmark("SenML \(name) decode + validate (gateway-senml-vitals)", configuration: .init(scalingFactor: .kilo))
        {
            benchmark in
            decodeAndValidate(
                benchmark, gateway, channel: index, bytes: pack, payloads: [0..<pack.count], receiveTime: receiveTime)
        }
    }

    // Vendor frame: the EP-1 ECG patch frame (flags, time, enum, scaled fields, conditional repeated RR group,
    // CRC-16/CCITT), decoded and validated against its profile.
    guard let patch = try? registry.plan(profile: "ecg-patch-ep1", firmware: "ecg-patch-ep1-fw1") else {
        fatalError("ecg-patch-ep1 did not load")
    }
    let patchFrame: [UInt8] = [
        0x05, 0x28, 0xF0, 0x03, 0x6B, 0x48, 0x01, 0xF0, 0x0C, 0x41, 0x03, 0x4D, 0x03, 0xD4, 0x22,
    ]
    let patchChannel = patch.channelIndex(.frame)!
    Benchmark("Vendor frame decode + validate (ecg-patch-ep1)") { benchmark in
        decodeAndValidate(
            benchmark, patch, channel: patchChannel, bytes: patchFrame, payloads: [0..<patchFrame.count],
            receiveTime: receiveTime)
    }

    // Decision support per reading, as the ingest loop runs it: 1000 patients' systolic readings against thresholds
    // (mostly in range, every 50th crossing the high bound and resolving), then the same with each patient's NEWS2
    // re-scored from their latest vital signs. One iteration = 1,000,000 readings.
    let systolic = plan.metrics.first { $0.key == "systolic" }!
    let patientIDs = (0..<1000).map { "patient-\($0)" }
    let values = (0..<1024).map { (i: Int) -> DecimalValue in
        let mmHg: Int64 = i % 50 == 0 ? 185 : 120 + Int64(i % 40)
        return DecimalValue(mantissa: mmHg, exponent: 0)
    }
    Benchmark("Rules: thresholds per reading (1000 patients)") { benchmark in
        var engine = AlertEngine()
        var events = 0
        for i in benchmark.scaledIterations {
            events &+=
                engine.evaluate(
                    patient: patientIDs[i % 1000], metric: systolic, thresholds: systolic.alerts,
                    value: values[i & 1023],
                    at: receiveTime.adding(seconds: Int64(i))
                ).count
        }
        blackHole(events)
    }
    Benchmark("Rules: thresholds + NEWS2 per reading (1000 patients)") { benchmark in
        var engine = AlertEngine()
        for p in patientIDs {
            for (param, v) in [(News2Parameter.respiration, 16.0), (.spo2, 97), (.pulse, 70), (.temperature, 37)] {
                engine.recordVital(param, patient: p, value: v, at: receiveTime)
            }
            engine.recordObservation(patient: p, consciousness: .alert, onOxygen: false, scale: nil, at: receiveTime)
        }
        var events = 0
        for i in benchmark.scaledIterations {
            let p = patientIDs[i % 1000]
            let t = receiveTime.adding(seconds: Int64(i % 600))
            let v = values[i & 1023]
            events &+= engine.evaluate(patient: p, metric: systolic, thresholds: systolic.alerts, value: v, at: t).count
            engine.recordVital(.systolic, patient: p, value: v.double, at: t)
            events &+= engine.evaluateNEWS2(patient: p, now: t).count
        }
        blackHole(events)
    }

    Benchmark("GATT 0x2A35 decode only") { benchmark in
        var readings: [Reading] = []
        readings.reserveCapacity(16)
        var total = 0
        let options = GattOptions()
        bytes.withUnsafeBytes { all in
            for i in benchmark.scaledIterations {
                readings.removeAll(keepingCapacity: true)
                let payload = UnsafeRawBufferPointer(rebasing: all[ranges[i & 1023]])
                _ = GattDecoder.decode(.bloodPressureMeasurement, payload, options: options, into: &readings)
                total &+= readings.count
            }
        }
        blackHole(total)
    }
}
