import ArgumentParser
import Foundation
import HelsebroConfig
import HelsebroCore

/// `helsebro bench`: throughput of the decode loop on a file anyone can feed to another decoder too.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks.", subcommands: [DecodeBench.self])

    struct DecodeBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decode",
            abstract:
                "Decode (and with --profile, validate) every payload of a frames file; print payloads/s and ns/payload.",
            discussion: "A frames file holds payloads, each a 16-bit little-endian length and then that many bytes.")

        @Option(help: "Channel of every payload.") var channel: String
        @Option(help: "Frames file.") var frames: String
        @Option(help: "Device profile id: validate too.") var profile: String?
        @Option(help: "Firmware spec id.") var firmware: String?
        @Option(name: .customLong("repeat"), help: "Passes over the file.") var passes: Int = 10
        @OptionGroup var config: ConfigOptions

        func validate() throws {
            guard let c = Channel(channel), c.isSupported else {
                throw ValidationError("unknown or unsupported channel '\(channel)'")
            }
            guard passes >= 1 else { throw ValidationError("--repeat must be at least 1") }
        }

        /// Decodes every payload `passes` times through `decodeOne` (readings appended to `out`; returns how many
        /// readings, nil if rejected).
        /// The loop is inlined at each call, so each decoder's closure is inlined into a loop of its own: no closure
        /// call, no plan retained and released per payload (binding an optional plan in the loop once cost 16 % of the decode +
        /// validate time). Readings accumulate as in one of the service's batches and are cleared every 32 payloads,
        /// not after each (clearing per payload was 12 % of the decode-only time).
        @inline(__always)
        static func loop(
            _ all: UnsafeRawBufferPointer, _ ranges: [Range<Int>], passes: Int,
            _ decodeOne: (UnsafeRawBufferPointer, inout [Reading]) -> Int?
        ) -> (decoded: Int, rejected: Int, readings: Int) {
            // The payloads located once, as the C decoder holds its starts and lengths.
            let payloads = ranges.map { UnsafeRawBufferPointer(rebasing: all[$0]) }
            var out: [Reading] = []
            out.reserveCapacity(32 * 8)
            var decoded = 0
            var readings = 0
            for _ in 0..<passes {
                var sinceClear = 0
                for payload in payloads {
                    if sinceClear == 32 {
                        out.removeAll(keepingCapacity: true)
                        sinceClear = 0
                    }
                    sinceClear += 1
                    if let n = decodeOne(payload, &out) {
                        decoded += 1
                        readings += n
                    }
                }
            }
            return (decoded, ranges.count * passes - decoded, readings)
        }

        func run() throws {
            let channel = Channel(channel)!
            let data = try PayloadInput.file(frames)
            let ranges = try PayloadInput.frames(data)
            guard !ranges.isEmpty else { throw CLIError("\(frames) holds no payloads") }
            let receiveTime = Timestamp.now
            var plan: DecodePlan?
            var index = 0
            if let profile {
                do {
                    plan = try config.loadRegistry().plan(profile: profile, firmware: firmware)
                } catch {
                    throw ValidationError(error.description)
                }
                guard let i = plan?.channelIndex(channel) else {
                    throw ValidationError("profile '\(profile)' does not list \(channel.name)")
                }
                index = i
            }
            let passes = passes
            let clock = ContinuousClock()
            var counts = (decoded: 0, rejected: 0, readings: 0)
            let elapsed = data.withUnsafeBytes { all in
                clock.measure {
                    switch (plan, channel) {
                    case (let plan?, _):
                        counts = Self.loop(all, ranges, passes: passes) { payload, out in
                            var ignored = 0
                            let before = out.count
                            let rejection = plan.process(
                                channelIndex: index, payload: payload, receiveTime: receiveTime, into: &out,
                                ignored: &ignored)
                            return rejection == nil ? out.count - before : nil
                        }
                    case (nil, .gatt(let c)):
                        let options = GattOptions()
                        counts = Self.loop(all, ranges, passes: passes) { payload, out in
                            let before = out.count
                            guard case .none = GattDecoder.decode(c, payload, options: options, into: &out) else {
                                return nil
                            }
                            return out.count - before
                        }
                    case (nil, .senmlJSON):
                        counts = Self.loop(all, ranges, passes: passes) { payload, _ in
                            try? SenMLPack.decodeJSON(payload).get().count
                        }
                    default:
                        counts = Self.loop(all, ranges, passes: passes) { payload, _ in
                            try? SenMLPack.decodeCBOR(payload).get().count
                        }
                    }
                }
            }
            let (decoded, rejected, readingCount) = counts
            let total = ranges.count * passes
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let perSecond = Double(total) / seconds
            print(
                "payloads: \(total) (\(ranges.count) in file × \(passes)), decoded: \(decoded), rejected: \(rejected), readings: \(readingCount)"
            )
            print("elapsed: \(String(format: "%.3f", seconds)) s")
            print("payloads/s: \(String(format: "%.0f", perSecond))")
            print("ns/payload: \(String(format: "%.1f", seconds * 1e9 / Double(total)))")
        }
    }
}
