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
        var readings: [Reading] = []
        readings.reserveCapacity(16)
        var ignored = 0
        var accepted = 0
        bytes.withUnsafeBytes { all in
            for i in benchmark.scaledIterations {
                readings.removeAll(keepingCapacity: true)
                let payload = UnsafeRawBufferPointer(rebasing: all[ranges[i & 1023]])
                if plan.process(
                    channelIndex: channel, payload: payload, receiveTime: receiveTime, into: &readings,
                    ignored: &ignored) == nil
                {
                    accepted &+= readings.count
                }
            }
        }
        blackHole(accepted)
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
