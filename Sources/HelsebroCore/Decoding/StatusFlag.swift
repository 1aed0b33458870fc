/// One fact a payload states about a reading, beyond its value: a status bit, a measurement site, a clock note.
///
/// The raw values index a 128-bit set so that a reading carries all of them without allocating. Names follow the
/// bit tables in `../shared/reference/payload-formats.md` §2 (Bluetooth SIG GATT XML and GSS).
public enum StatusFlag: UInt8, Sendable, CaseIterable {
    // Blood Pressure Measurement Status, 0x2A35/0x2A36 (SIG-XML blood_pressure_measurement.xml).
    case bodyMovement, cuffTooLoose, irregularPulse, pulseRateAboveUpperLimit, pulseRateBelowLowerLimit
    case pulseRateRangeReserved, improperMeasurementPosition
    // Temperature Type, 0x2A1D values 1–9 (SIG-XML temperature_type.xml).
    case siteArmpit, siteBody, siteEar, siteFinger, siteGastrointestinalTract, siteMouth, siteRectum, siteToe
    case siteTympanum, siteReserved
    // Glucose Measurement type nibble, 0x2A18.
    case glucoseCapillaryWholeBlood, glucoseCapillaryPlasma, glucoseVenousWholeBlood, glucoseVenousPlasma
    case glucoseArterialWholeBlood, glucoseArterialPlasma, glucoseUndeterminedWholeBlood, glucoseUndeterminedPlasma
    case glucoseInterstitialFluid, glucoseControlSolution, glucoseTypeReserved
    // Glucose Measurement sample-location nibble.
    case locationFinger, locationAlternateSite, locationEarlobe, locationControlSolution, locationNotAvailable
    case locationReserved
    // Glucose Sensor Status Annunciation (bits 0–11) and CGM annunciations shared with it.
    case deviceBatteryLow, sensorMalfunction, sampleSizeInsufficient, stripInsertionError, stripTypeIncorrect
    case resultTooHigh, resultTooLow, sensorTemperatureTooHigh, sensorTemperatureTooLow, stripPulledTooSoon
    case generalDeviceFault, timeFault, contextInformationFollows
    // PLX Measurement Status bits 5–15 (SIG-XML plx_spot_check_measurement.xml).
    case measurementOngoing, earlyEstimatedData, validatedData, fullyQualifiedData, dataFromStorage
    case demonstrationData, testingData, calibrationOngoing, measurementUnavailable, questionableMeasurement
    case invalidMeasurement
    // PLX Device and Sensor Status bits 0–15.
    case extendedDisplayUpdateOngoing, equipmentMalfunction, signalProcessingIrregularity, inadequateSignal
    case poorSignal, lowPerfusion, erraticSignal, nonpulsatileSignal, questionablePulse, signalAnalysisOngoing
    case sensorInterference, sensorUnconnected, unknownSensorConnected, sensorDisplaced, sensorMalfunctioning
    case sensorDisconnected, deviceClockNotSet
    // Heart Rate sensor contact, 0x2A37 flags b1–b2.
    case sensorContactDetected, sensorContactNotDetected
    // CGM Sensor Status Annunciation not shared with glucose (SIG-XML cgm_measurement.xml).
    case sessionStopped, sensorTypeIncorrect, deviceSpecificAlert, timeSynchronisationRequired
    case calibrationNotAllowed, calibrationRecommended, calibrationRequired, belowPatientLowLevel
    case abovePatientHighLevel, belowHypoLevel, aboveHyperLevel, rateOfDecreaseExceeded, rateOfIncreaseExceeded
    // Weight Scale: 0xFFFF "measurement unsuccessful" (Weight Scale Service; see `GattDecoder.weight`).
    case measurementUnsuccessful
    // Time notes from decoding and validation.
    case timeFromReceiveTime, timeConvertedFromLocalClock, timeAmbiguousLocal, timeNonexistentLocal
    case timeRelativeToReceive, unitFlagIgnored, userUnknown
    // HL7 OBX-8 abnormal flags (HL7 table 0078) and OBX-11 result status (table 0085) worth keeping.
    case abnormalLow, abnormalHigh, criticalLow, criticalHigh, abnormal, criticallyAbnormal, belowAbsoluteLow
    case aboveAbsoluteHigh, resultCorrected, resultPreliminary

    public var name: String {
        switch self {
        case .bodyMovement: "body-movement"
        case .cuffTooLoose: "cuff-too-loose"
        case .irregularPulse: "irregular-pulse"
        case .pulseRateAboveUpperLimit: "pulse-rate-above-upper-limit"
        case .pulseRateBelowLowerLimit: "pulse-rate-below-lower-limit"
        case .pulseRateRangeReserved: "pulse-rate-range-reserved"
        case .improperMeasurementPosition: "improper-measurement-position"
        case .siteArmpit: "site:armpit"
        case .siteBody: "site:body"
        case .siteEar: "site:ear"
        case .siteFinger: "site:finger"
        case .siteGastrointestinalTract: "site:gastrointestinal-tract"
        case .siteMouth: "site:mouth"
        case .siteRectum: "site:rectum"
        case .siteToe: "site:toe"
        case .siteTympanum: "site:tympanum"
        case .siteReserved: "site:reserved"
        case .glucoseCapillaryWholeBlood: "sample-type:capillary-whole-blood"
        case .glucoseCapillaryPlasma: "sample-type:capillary-plasma"
        case .glucoseVenousWholeBlood: "sample-type:venous-whole-blood"
        case .glucoseVenousPlasma: "sample-type:venous-plasma"
        case .glucoseArterialWholeBlood: "sample-type:arterial-whole-blood"
        case .glucoseArterialPlasma: "sample-type:arterial-plasma"
        case .glucoseUndeterminedWholeBlood: "sample-type:undetermined-whole-blood"
        case .glucoseUndeterminedPlasma: "sample-type:undetermined-plasma"
        case .glucoseInterstitialFluid: "sample-type:interstitial-fluid"
        case .glucoseControlSolution: "sample-type:control-solution"
        case .glucoseTypeReserved: "sample-type:reserved"
        case .locationFinger: "sample-location:finger"
        case .locationAlternateSite: "sample-location:alternate-site"
        case .locationEarlobe: "sample-location:earlobe"
        case .locationControlSolution: "sample-location:control-solution"
        case .locationNotAvailable: "sample-location:not-available"
        case .locationReserved: "sample-location:reserved"
        case .deviceBatteryLow: "device-battery-low"
        case .sensorMalfunction: "sensor-malfunction"
        case .sampleSizeInsufficient: "sample-size-insufficient"
        case .stripInsertionError: "strip-insertion-error"
        case .stripTypeIncorrect: "strip-type-incorrect"
        case .resultTooHigh: "result-above-device-range"
        case .resultTooLow: "result-below-device-range"
        case .sensorTemperatureTooHigh: "sensor-temperature-too-high"
        case .sensorTemperatureTooLow: "sensor-temperature-too-low"
        case .stripPulledTooSoon: "strip-pulled-too-soon"
        case .generalDeviceFault: "general-device-fault"
        case .timeFault: "time-fault"
        case .contextInformationFollows: "context-information-follows"
        case .measurementOngoing: "measurement-ongoing"
        case .earlyEstimatedData: "early-estimated-data"
        case .validatedData: "validated-data"
        case .fullyQualifiedData: "fully-qualified-data"
        case .dataFromStorage: "data-from-measurement-storage"
        case .demonstrationData: "data-for-demonstration"
        case .testingData: "data-for-testing"
        case .calibrationOngoing: "calibration-ongoing"
        case .measurementUnavailable: "measurement-unavailable"
        case .questionableMeasurement: "questionable-measurement"
        case .invalidMeasurement: "invalid-measurement"
        case .extendedDisplayUpdateOngoing: "extended-display-update-ongoing"
        case .equipmentMalfunction: "equipment-malfunction"
        case .signalProcessingIrregularity: "signal-processing-irregularity"
        case .inadequateSignal: "inadequate-signal"
        case .poorSignal: "poor-signal"
        case .lowPerfusion: "low-perfusion"
        case .erraticSignal: "erratic-signal"
        case .nonpulsatileSignal: "nonpulsatile-signal"
        case .questionablePulse: "questionable-pulse"
        case .signalAnalysisOngoing: "signal-analysis-ongoing"
        case .sensorInterference: "sensor-interference"
        case .sensorUnconnected: "sensor-unconnected-to-user"
        case .unknownSensorConnected: "unknown-sensor-connected"
        case .sensorDisplaced: "sensor-displaced"
        case .sensorMalfunctioning: "sensor-malfunctioning"
        case .sensorDisconnected: "sensor-disconnected"
        case .deviceClockNotSet: "device-clock-not-set"
        case .sensorContactDetected: "sensor-contact-detected"
        case .sensorContactNotDetected: "sensor-contact-not-detected"
        case .sessionStopped: "session-stopped"
        case .sensorTypeIncorrect: "sensor-type-incorrect"
        case .deviceSpecificAlert: "device-specific-alert"
        case .timeSynchronisationRequired: "time-synchronisation-required"
        case .calibrationNotAllowed: "calibration-not-allowed"
        case .calibrationRecommended: "calibration-recommended"
        case .calibrationRequired: "calibration-required"
        case .belowPatientLowLevel: "below-patient-low-level"
        case .abovePatientHighLevel: "above-patient-high-level"
        case .belowHypoLevel: "below-hypo-level"
        case .aboveHyperLevel: "above-hyper-level"
        case .rateOfDecreaseExceeded: "rate-of-decrease-exceeded"
        case .rateOfIncreaseExceeded: "rate-of-increase-exceeded"
        case .measurementUnsuccessful: "measurement-unsuccessful"
        case .timeFromReceiveTime: "time-from-receive-time"
        case .timeConvertedFromLocalClock: "time-from-local-clock"
        case .timeAmbiguousLocal: "time-ambiguous-local"
        case .timeNonexistentLocal: "time-nonexistent-local"
        case .timeRelativeToReceive: "time-relative-to-receive-time"
        case .unitFlagIgnored: "unit-flag-ignored"
        case .userUnknown: "user-unknown"
        case .abnormalLow: "abnormal:L"
        case .abnormalHigh: "abnormal:H"
        case .criticalLow: "abnormal:LL"
        case .criticalHigh: "abnormal:HH"
        case .abnormal: "abnormal:A"
        case .criticallyAbnormal: "abnormal:AA"
        case .belowAbsoluteLow: "abnormal:<"
        case .aboveAbsoluteHigh: "abnormal:>"
        case .resultCorrected: "result-status:C"
        case .resultPreliminary: "result-status:P"
        }
    }
}

extension StatusFlag {
    /// The flag for an HL7 OBX-8 abnormal flag, if it is one Helsebro keeps.
    static func hl7Abnormal(_ code: UnsafeRawBufferPointer) -> StatusFlag? {
        code.count <= 2 ? hl7Abnormal(String(decoding: code, as: UTF8.self)) : nil
    }

    public static func hl7Abnormal(_ code: String) -> StatusFlag? {
        switch code {
        case "L": .abnormalLow
        case "H": .abnormalHigh
        case "LL": .criticalLow
        case "HH": .criticalHigh
        case "A": .abnormal
        case "AA": .criticallyAbnormal
        case "<": .belowAbsoluteLow
        case ">": .aboveAbsoluteHigh
        default: nil
        }
    }
}

/// A set of `StatusFlag`s in two words: copying a reading never allocates.
public struct StatusSet: Hashable, Sendable {
    public var low: UInt64 = 0
    public var high: UInt64 = 0

    @inlinable
    public init() {}

    @inlinable
    public init(_ flags: StatusFlag...) { for f in flags { insert(f) } }

    @inlinable @inline(__always)
    public mutating func insert(_ flag: StatusFlag) {
        let bit = flag.rawValue
        if bit < 64 { low |= 1 << UInt64(bit) } else { high |= 1 << UInt64(bit - 64) }
    }

    @inlinable
    public func contains(_ flag: StatusFlag) -> Bool {
        let bit = flag.rawValue
        return bit < 64 ? low & (1 << UInt64(bit)) != 0 : high & (1 << UInt64(bit - 64)) != 0
    }

    @inlinable
    public mutating func formUnion(_ other: StatusSet) {
        low |= other.low
        high |= other.high
    }

    @inlinable
    public var isEmpty: Bool { low == 0 && high == 0 }

    /// Inserts `flags[i]` for every set bit `i` of `bits`.
    @inlinable
    public mutating func insert(bits: UInt32, _ flags: [StatusFlag?]) {
        var b = bits
        var i = 0
        while b != 0, i < flags.count {
            if b & 1 != 0, let f = flags[i] { insert(f) }
            b >>= 1
            i += 1
        }
    }

    /// How many flags are set.
    @inlinable
    public var count: Int { low.nonzeroBitCount + high.nonzeroBitCount }

    /// Visits the flags in declaration order (raw values ascend in it), read off the set bits.
    @inlinable
    public func forEach(_ body: (StatusFlag) -> Void) {
        Self.visit(low, from: 0, body)
        Self.visit(high, from: 64, body)
    }

    @inlinable
    static func visit(_ word: UInt64, from base: Int, _ body: (StatusFlag) -> Void) {
        var bits = word
        while bits != 0 {
            if let flag = StatusFlag(rawValue: UInt8(base + bits.trailingZeroBitCount)) { body(flag) }
            bits &= bits - 1
        }
    }

    /// The flags in declaration order: most readings have none, and then no array is made (`allCases.filter` made
    /// two per reading).
    public var flags: [StatusFlag] {
        guard !isEmpty else { return [] }
        var list: [StatusFlag] = []
        list.reserveCapacity(count)
        forEach { list.append($0) }
        return list
    }
}
