import ArgumentParser
import Foundation
import HelsebroConfig
import HelsebroCore

/// `helsebro decode`: one payload in, one JSON object out.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode one payload and print its readings as JSON.",
        discussion: """
            Without --profile, values are reported in the units the device sent, named by the characteristic's \
            fields (or SenML resolved names). With --profile, they are validated and converted to the profile's \
            metrics. Exit status: 0 decoded, 3 rejected, 2 usage error.
            """
    )

    @Option(help: "Channel: gatt/<uuid> (gatt/2a35, ...), senml+json, senml+cbor.")
    var channel: String

    @Option(help: "Device profile id: validate against it.")
    var profile: String?

    @Option(help: "Firmware spec id: apply its quirks.")
    var firmware: String?

    @Option(help: "Payload as hex digits.")
    var hex: String?

    @Option(help: "Read the payload from a file.")
    var file: String?

    @Argument(help: "'-' to read the payload from standard input.")
    var stdin: String?

    @Option(help: "Receive time (RFC 3339); default now. Fills missing times and anchors relative SenML times.")
    var received: String?

    @Option(help: "CGM Session Start Time (RFC 3339), to place CGM time offsets.")
    var sessionStart: String?

    @OptionGroup var config: ConfigOptions

    func validate() throws {
        let sources = [hex != nil, file != nil, stdin != nil].filter { $0 }.count
        guard sources == 1 else { throw ValidationError("give exactly one of --hex, --file or -") }
        if let stdin, stdin != "-" { throw ValidationError("unexpected argument '\(stdin)'; use - for standard input") }
        guard let c = Channel(channel), c.isSupported else {
            throw ValidationError("unknown or unsupported channel '\(channel)'")
        }
        if let received, Timestamp(rfc3339: received) == nil {
            throw ValidationError("--received is not an RFC 3339 date-time")
        }
        if let sessionStart, Timestamp(rfc3339: sessionStart) == nil {
            throw ValidationError("--session-start is not an RFC 3339 date-time")
        }
    }

    func run() throws {
        let channel = Channel(channel)!
        let payload: [UInt8]
        if let hex {
            guard let b = PayloadInput.bytes(hex: hex) else {
                throw ValidationError("--hex is not an even number of hex digits")
            }
            payload = b
        } else if let file {
            payload = try PayloadInput.file(file)
        } else {
            payload = PayloadInput.standardInput()
        }
        let receiveTime = received.flatMap(Timestamp.init(rfc3339:)) ?? Timestamp.now
        var report = DecodeReport()
        if profile != nil || firmware != nil {
            let registry = config.loadRegistry()
            let plan = try resolvePlan(registry)
            if let plan, let profileID = profile {
                guard let index = plan.channelIndex(channel) else {
                    throw ValidationError("profile '\(profileID)' does not list channel \(channel.name)")
                }
                var readings: [Reading] = []
                var ignored = 0
                var p: DecodePlan = plan
                if let s = sessionStart.flatMap(Timestamp.init(rfc3339:)) { p = p.withCGMSessionStart(s) }
                var partial: [Rejection] = []
                let rejection = payload.withUnsafeBytes {
                    p.process(
                        channelIndex: index, payload: $0, receiveTime: receiveTime, into: &readings, ignored: &ignored,
                        partial: &partial)
                }
                if let rejection {
                    report.rejection = rejection.description(plan: plan)
                } else {
                    report.rows = DecodeReport.rows(validated: readings, plan: plan)
                    // HL7: observations refused one by one, beside the accepted ones.
                    if !partial.isEmpty {
                        report.rejection = partial.map { $0.description(plan: plan) }.joined(separator: "; ")
                    }
                }
            } else {
                let spec = try firmwareOnly(registry)
                decodeRaw(
                    channel, payload, options: options(spec?.quirks), frame: spec?.frame, receiveTime: receiveTime,
                    &report)
            }
        } else {
            decodeRaw(channel, payload, options: options(nil), frame: nil, receiveTime: receiveTime, &report)
        }
        print(report.json)
        if report.rejection != nil { throw ExitCode(3) }
    }

    func options(_ quirks: FirmwareQuirks?) -> GattOptions {
        var o = GattOptions(quirks: quirks, channel: Channel(channel)!)
        o.cgmSessionStart = sessionStart.flatMap(Timestamp.init(rfc3339:))
        return o
    }

    func resolvePlan(_ registry: Registry) throws -> DecodePlan? {
        guard let profile else { return nil }
        do {
            return try registry.plan(profile: profile, firmware: firmware)
        } catch {
            let hint =
                registry.issues.isEmpty ? "" : " (run 'helsebro profile lint': \(registry.issues.count) issue(s))"
            throw ValidationError(error.description + hint)
        }
    }

    func firmwareOnly(_ registry: Registry) throws -> FirmwareSpec? {
        guard let firmware else { return nil }
        guard let spec = registry.firmware[firmware] else {
            throw ValidationError("no usable firmware spec '\(firmware)'")
        }
        return spec
    }

    func decodeRaw(
        _ channel: Channel, _ payload: [UInt8], options: GattOptions, frame: FrameLayout?, receiveTime: Timestamp,
        _ report: inout DecodeReport
    ) {
        switch channel {
        case .gatt(let c):
            var readings: [Reading] = []
            if let r = GattDecoder.decode(c, payload, options: options, into: &readings) {
                report.rejection = r.description()
            } else {
                report.rows = DecodeReport.rows(unvalidated: readings)
            }
        case .senmlJSON, .senmlCBOR:
            let result = channel == .senmlJSON ? SenMLPack.decodeJSON(payload) : SenMLPack.decodeCBOR(payload)
            switch result {
            case .success(let records): report.rows = DecodeReport.rows(senml: records, receiveTime: receiveTime)
            case .failure(let p): report.rejection = p.description
            }
        case .hl7v2:
            switch HL7Message.parse(payload).flatMap({ HL7Result.read($0, clock: options.clock) }) {
            case .success(let result):
                report.rows = result.observations.map { o in
                    DecodeReport.Row(
                        metric: o.label.isEmpty ? (o.mdc.map { "mdc:\($0)" } ?? "loinc:\(o.loinc ?? "")") : o.label,
                        loinc: o.loinc, mdc: o.mdc, value: .number(o.value), unit: o.unit.code, time: o.time,
                        status: o.statusNames)
                }
                if !result.problems.isEmpty {
                    report.rejection = result.problems.map(\.description).joined(separator: "; ")
                }
            case .failure(let p):
                report.rejection = p.description
            }
        case .frame:
            guard let layout = frame else {
                report.rejection = "a frame is decoded with its firmware spec: pass --firmware"
                return
            }
            var readings: [Reading] = []
            let rejection = payload.withUnsafeBytes {
                FrameDecoder.decode(
                    layout, $0, metricOf: { layout.fields[$0].isMeasurement ? Int16($0) : -1 }, into: &readings)
            }
            if let rejection {
                report.rejection = rejection.description()
                return
            }
            report.rows = readings.map { r in
                let status = layout.statusNames.enumerated().filter { r.vendorStatus & (1 << UInt64($0.offset)) != 0 }
                    .map(\.element)
                return DecodeReport.Row(
                    metric: layout.fields[Int(r.metric)].name, loinc: nil, mdc: nil, value: r.value, unit: r.unit.code,
                    time: r.time, status: status)
            }
        }
    }
}
