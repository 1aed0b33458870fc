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

        func run() throws {
            let channel = Channel(channel)!
            let data = try PayloadInput.file(frames)
            let ranges = try PayloadInput.frames(data)
            guard !ranges.isEmpty else { throw CLIError("\(frames) holds no payloads") }
            var plan: DecodePlan?
            var index = 0
            if let profile {
                let registry = config.loadRegistry()
                do {
                    plan = try registry.plan(profile: profile, firmware: firmware)
                } catch {
                    throw ValidationError(error.description)
                }
                guard let i = plan!.channelIndex(channel) else {
                    throw ValidationError("profile '\(profile)' does not list \(channel.name)")
                }
                index = i
            }
            let receiveTime = Timestamp.now
            var readings: [Reading] = []
            readings.reserveCapacity(256)
            var decoded = 0
            var rejected = 0
            var readingCount = 0
            var ignored = 0
            let clock = ContinuousClock()
            let elapsed = data.withUnsafeBytes { all in
                clock.measure {
                    for _ in 0..<passes {
                        for r in ranges {
                            let payload = UnsafeRawBufferPointer(rebasing: all[r])
                            readings.removeAll(keepingCapacity: true)
                            let rejection: Rejection?
                            if let plan {
                                rejection = plan.process(
                                    channelIndex: index, payload: payload, receiveTime: receiveTime, into: &readings,
                                    ignored: &ignored)
                            } else if case .gatt(let c) = channel {
                                rejection = GattDecoder.decode(c, payload, options: GattOptions(), into: &readings)
                            } else {
                                let result =
                                    channel == .senmlJSON
                                    ? SenMLPack.decodeJSON(payload) : SenMLPack.decodeCBOR(payload)
                                rejection =
                                    (try? result.get()).map {
                                        readingCount += $0.count; return nil
                                    } ?? .senml(.notAnArray)
                            }
                            if rejection == nil { decoded += 1 } else { rejected += 1 }
                            readingCount += readings.count
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
