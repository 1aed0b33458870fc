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

        /// What the loop calls per payload: the number of readings, nil if rejected. A closure made once, so that
        /// the plan it holds is not retained and released per payload (as binding an optional plan in the loop did:
        /// 16 % of the decode + validate time).
        func decoder(_ channel: Channel) throws -> (UnsafeRawBufferPointer, inout [Reading]) -> Int? {
            let receiveTime = Timestamp.now
            guard let profile else {
                switch channel {
                case .gatt(let c):
                    return { payload, out in
                        GattDecoder.decode(c, payload, options: GattOptions(), into: &out) == nil ? out.count : nil
                    }
                case .senmlJSON: return { payload, _ in try? SenMLPack.decodeJSON(payload).get().count }
                default: return { payload, _ in try? SenMLPack.decodeCBOR(payload).get().count }
                }
            }
            let plan: DecodePlan
            do {
                plan = try config.loadRegistry().plan(profile: profile, firmware: firmware)
            } catch {
                throw ValidationError(error.description)
            }
            guard let index = plan.channelIndex(channel) else {
                throw ValidationError("profile '\(profile)' does not list \(channel.name)")
            }
            return { payload, out in
                var ignored = 0
                let rejection = plan.process(
                    channelIndex: index, payload: payload, receiveTime: receiveTime, into: &out, ignored: &ignored)
                return rejection == nil ? out.count : nil
            }
        }

        func run() throws {
            let channel = Channel(channel)!
            let data = try PayloadInput.file(frames)
            let ranges = try PayloadInput.frames(data)
            guard !ranges.isEmpty else { throw CLIError("\(frames) holds no payloads") }
            let decodeOne = try decoder(channel)
            var readings: [Reading] = []
            readings.reserveCapacity(256)
            var decoded = 0
            var rejected = 0
            var readingCount = 0
            let clock = ContinuousClock()
            let elapsed = data.withUnsafeBytes { all in
                clock.measure {
                    for _ in 0..<passes {
                        for r in ranges {
                            readings.removeAll(keepingCapacity: true)
                            if let n = decodeOne(UnsafeRawBufferPointer(rebasing: all[r]), &readings) {
                                decoded += 1
                                readingCount += n
                            } else {
                                rejected += 1
                            }
                        }
                    }
                }
            }
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
