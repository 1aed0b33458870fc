/// A profile and firmware spec compiled for the hot loop.
///
/// Everything that can be decided once is decided here: which metric each field feeds, the unit conversion for
/// every (metric, unit) pair, the GATT options a firmware needs. `process` then runs without lookups by name.
/// A final class of constants: handing a plan around costs one reference count, where a struct copy retained every
/// array it holds (two thirds of the loop's time in `helsebro bench decode`).
public final class DecodePlan: Sendable {
    public let profile: DeviceProfile
    public let firmware: FirmwareSpec?
    public let metrics: [MetricDefinition]
    public let timePolicy: TimePolicy
    let channelPlans: [ChannelPlan]
    /// `fieldMetric[field.rawValue]`: the metric index, -1 if none, -2 if ignored.
    let fieldMetric: [Int16]
    /// `conversions[metric * UCUMUnit.allCases.count + unit.rawValue]`.
    let conversions: [UnitConversion?]
    /// Per metric, what validation reads for every reading, kept apart from `metrics` (whose Strings would be
    /// retained and released at each access).
    let limits: [Limits]
    /// `frameFieldMetric[field index]`: the metric a vendor frame field feeds, -1 if none.
    let frameFieldMetric: [Int16]
    /// HL7 observations by code: the metric each IEEE 11073 or LOINC code feeds (the first that names it), and the
    /// codes the profile ignores (`ignore: [mdc:…, loinc:…]`).
    let hl7Metrics: HL7Metrics

    init(
        profile: DeviceProfile, firmware: FirmwareSpec?, metrics: [MetricDefinition], timePolicy: TimePolicy,
        channelPlans: [ChannelPlan], fieldMetric: [Int16], conversions: [UnitConversion?], frameFieldMetric: [Int16]
    ) {
        self.frameFieldMetric = frameFieldMetric
        self.profile = profile
        self.firmware = firmware
        self.metrics = metrics
        self.timePolicy = timePolicy
        self.channelPlans = channelPlans
        self.fieldMetric = fieldMetric
        self.conversions = conversions
        self.hl7Metrics = HL7Metrics(metrics: metrics, ignoring: profile.ignoredSources)
        self.limits = metrics.map {
            Limits(
                low: $0.plausible.low.double, high: $0.plausible.high.double, unit: $0.unit, mdc: $0.mdc,
                decimals: $0.decimals)
        }
    }

    struct HL7Metrics: Sendable {
        var byMDC: [UInt32: Int] = [:]
        var byLOINC: [String: Int] = [:]
        var ignoredMDC: Set<UInt32> = []
        var ignoredLOINC: Set<String> = []

        init(metrics: [MetricDefinition], ignoring: [String]) {
            for (i, m) in metrics.enumerated() {
                switch m.source {
                case .mdc(let c) where byMDC[c] == nil: byMDC[c] = i
                case .loinc(let c) where byLOINC[c] == nil: byLOINC[c] = i
                default: break
                }
            }
            // An entry names a code as `mdc:` and its decimal digits, or `loinc:` and the code; an observation
            // without a code of that kind reads as `mdc:0` or `loinc:`.
            for entry in ignoring {
                if entry.hasPrefix("mdc:"), let c = UInt32(entry.dropFirst(4)), "mdc:\(c)" == entry {
                    ignoredMDC.insert(c)
                } else if entry.hasPrefix("loinc:") {
                    ignoredLOINC.insert(String(entry.dropFirst(6)))
                }
            }
        }

        func isIgnored(mdc: UInt32?, loinc: String?) -> Bool {
            (!ignoredMDC.isEmpty && ignoredMDC.contains(mdc ?? 0))
                || (!ignoredLOINC.isEmpty && ignoredLOINC.contains(loinc ?? ""))
        }

        /// The metric of an observation: by its MDC code, or else its LOINC code.
        func metric(mdc: UInt32?, loinc: String?) -> Int? {
            if let mdc, let i = byMDC[mdc] { return i }
            if let loinc, let i = byLOINC[loinc] { return i }
            return nil
        }
    }

    struct Limits: Sendable {
        let low: Double
        let high: Double
        let unit: UCUMUnit
        let mdc: UInt32
        let decimals: Int
    }

    struct ChannelPlan: Sendable {
        let channel: Channel
        let gatt: GattOptions
    }

    /// A problem found while compiling; `field` names the profile or spec field at fault.
    public struct Problem: Hashable, Sendable, CustomStringConvertible {
        public var inFirmwareSpec: Bool
        public var field: String
        public var message: String
        public var description: String { "\(field): \(message)" }
    }

    /// Every problem found while compiling one plan.
    public struct Problems: Error, Hashable, Sendable {
        public var list: [Problem]
    }

    /// Compiles a plan, or returns every problem found.
    public static func compile(
        profile: DeviceProfile, firmware: FirmwareSpec?, timePolicy: TimePolicy = TimePolicy()
    ) -> Result<DecodePlan, Problems> {
        var problems: [Problem] = []
        let unitCount = UCUMUnit.allCases.count
        var fieldMetric = [Int16](repeating: -1, count: Field.allCases.count)
        var conversions = [UnitConversion?](repeating: nil, count: profile.metrics.count * unitCount)
        for source in profile.ignoredSources {
            if let f = Field(name: source) {
                fieldMetric[Int(f.rawValue)] = -2
                if f == .glucose { fieldMetric[Int(Field.cgmGlucose.rawValue)] = -2 }
            }
        }
        for (i, m) in profile.metrics.enumerated() {
            if case .field(let f) = m.source {
                fieldMetric[Int(f.rawValue)] = Int16(i)
                if f == .glucose { fieldMetric[Int(Field.cgmGlucose.rawValue)] = Int16(i) }
            }
            for u in UCUMUnit.allCases {
                conversions[i * unitCount + Int(u.rawValue)] = u.conversion(to: m.unit)
            }
        }
        if let firmware, firmware.profile != profile.id {
            problems.append(
                Problem(
                    inFirmwareSpec: true, field: "profile", message: "names '\(firmware.profile)', not '\(profile.id)'")
            )
        }
        var plans: [ChannelPlan] = []
        for channel in profile.channels {
            let options = GattOptions(quirks: firmware?.quirks, channel: channel)
            if let firmware {
                if let actual = firmware.quirks.actualUnit, case .gatt(let c) = channel,
                    !(c.unitFlagUnits.map { actual == $0.clear || actual == $0.set } ?? false)
                {
                    problems.append(
                        Problem(
                            inFirmwareSpec: true, field: "quirks.unit-flag.actual-unit",
                            message: "'\(actual.code)' is not a unit \(channel.name) can announce"))
                }
                if firmware.family != channel.family {
                    problems.append(
                        Problem(
                            inFirmwareSpec: true, field: "payload",
                            message:
                                "'\(firmware.family.rawValue)' does not match the profile's channel \(channel.name)"))
                }
            }
            plans.append(ChannelPlan(channel: channel, gatt: options))
        }
        var frameFieldMetric: [Int16] = []
        if profile.channels.contains(.frame) {
            if let layout = firmware?.frame {
                frameFieldMetric = [Int16](repeating: -1, count: layout.fields.count)
                for (i, m) in profile.metrics.enumerated() {
                    guard case .frame(let name) = m.source else { continue }
                    if let f = layout.fields.first(where: { $0.name == name && $0.isMeasurement }) {
                        frameFieldMetric[f.index] = Int16(i)
                    } else {
                        problems.append(
                            Problem(
                                inFirmwareSpec: false, field: "metrics[\(i)].source",
                                message:
                                    "firmware spec '\(firmware!.id)' has no measurement field '\(name)' in its frame"))
                    }
                }
            } else if firmware != nil {
                problems.append(
                    Problem(
                        inFirmwareSpec: true, field: "frame",
                        message: "the profile has a frame channel; describe the frame"))
            }
        }
        guard problems.isEmpty else { return .failure(Problems(list: problems)) }
        return .success(
            DecodePlan(
                profile: profile, firmware: firmware, metrics: profile.metrics, timePolicy: timePolicy,
                channelPlans: plans, fieldMetric: fieldMetric, conversions: conversions,
                frameFieldMetric: frameFieldMetric))
    }

    /// The index of a channel in this plan, found once per subscription rather than per message.
    public func channelIndex(_ channel: Channel) -> Int? { channelPlans.firstIndex { $0.channel == channel } }

    public var channels: [Channel] { channelPlans.map(\.channel) }
}

extension DecodePlan {
    /// This plan with a CGM Session Start Time for every GATT channel (the ingest service learns it per device).
    public func withCGMSessionStart(_ start: Timestamp) -> DecodePlan {
        DecodePlan(
            profile: profile, firmware: firmware, metrics: metrics, timePolicy: timePolicy,
            channelPlans: channelPlans.map { p in
                var g = p.gatt
                g.cgmSessionStart = start
                return ChannelPlan(channel: p.channel, gatt: g)
            },
            fieldMetric: fieldMetric, conversions: conversions, frameFieldMetric: frameFieldMetric)
    }
}

extension DecodePlan {
    /// A reading's status names, with the vendor frame's enumeration and flag names.
    public func statusNames(of r: Reading) -> [String] {
        let layout = r.vendorStatus == 0 ? nil : firmware?.frame
        var names = r.statusNames(reserving: layout == nil ? 0 : r.vendorStatus.nonzeroBitCount)
        if let layout {
            for (i, name) in layout.statusNames.enumerated() where r.vendorStatus & (1 << UInt64(i)) != 0 {
                names.append(name)
            }
        }
        return names
    }
}
