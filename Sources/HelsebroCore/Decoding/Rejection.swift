/// Why a payload was not accepted: what goes into a quarantine row for a technician.
///
/// A value, not an error: the hot path returns it. `description(plan:)` never contains measured values, patient or
/// device identifiers, only the structure that was wrong and the rule that was broken.
public enum Rejection: Error, Hashable, Sendable {
    case empty
    /// The flags announce `needed` bytes; the payload has fewer.
    case truncated(needed: Int, actual: Int, flags: UInt8)
    /// The payload has bytes its flags do not announce.
    case unannouncedBytes(expected: Int, actual: Int, flags: UInt8)
    /// Heart Rate Measurement announces RR-intervals but carries none, or an odd number of bytes for them.
    case rrIntervalsMalformed(bytes: Int)
    /// A Date Time field out of its range (Bluetooth Date Time 0x2A08); only the faulty part is kept.
    case invalidDateTime(DateTimePart, value: Int)
    /// A CGM record's Size field is below 6 or beyond the payload.
    case cgmRecordSize(record: Int, size: Int, remaining: Int)
    /// A CGM record's Size disagrees with its flags (with or without E2E-CRC).
    case cgmRecordLength(record: Int, size: Int, expected: Int, crc: Bool)
    /// E2E-CRC did not match (CRC-16/MCRF4XX).
    case crcMismatch(record: Int, sent: UInt16, computed: UInt16)
    /// A firmware quirk expects `count` vendor bytes after the standard fields.
    case vendorBytesMissing(count: Int)
    case senml(SenMLProblem)
    case hl7(HL7Problem)
    /// A vendor frame's CRC trailer does not match.
    case frameCRCMismatch(sent: UInt64, computed: UInt64)
    /// A vendor frame's count field announces more repetitions than allowed, or a negative number.
    case frameCountOutOfRange(count: Int64)
    /// The device's profile has no metric for this field.
    case fieldNotInProfile(Field)
    /// The device's profile has no metric for a SenML record's name.
    case senmlNameNotInProfile(record: Int)
    /// A unit that cannot be converted to the metric's unit.
    case unitNotConvertible(metric: Int, from: UCUMUnit)
    /// A SenML unit that is not in the SenML units registry or has no UCUM equivalent.
    case unknownSenMLUnit(record: Int, unit: String)
    /// Outside the profile's plausible range.
    case implausible(metric: Int)
    /// The measurement time is before 2000-01-01: a device clock that was never set.
    case timeBefore2000(metric: Int)
    /// The measurement time is later than the receive time by more than the allowed clock skew.
    case timeInFuture(metric: Int, skewSeconds: Int64)
    /// The channel is not one the profile lists, or not known.
    case channelNotAccepted
    /// The payload marks the value as not a measurement of the patient (control solution, demonstration, testing).
    case notPatientMeasurement(StatusFlag)

    /// A reason a technician can act on; `plan` supplies metric keys and ranges.
    public func description(plan: DecodePlan? = nil) -> String {
        func metric(_ i: Int) -> String {
            guard let plan, i >= 0, i < plan.metrics.count else { return "metric #\(i)" }
            return "metric '\(plan.metrics[i].key)'"
        }
        switch self {
        case .empty:
            return "empty payload"
        case .truncated(let needed, let actual, let flags):
            return "frame too short: flags 0x\(hex(flags)) announce \(needed) bytes, got \(actual)"
        case .unannouncedBytes(let expected, let actual, let flags):
            return
                "frame has \(actual - expected) byte(s) its flags 0x\(hex(flags)) do not announce (\(expected) expected, got \(actual))"
        case .rrIntervalsMalformed(let bytes):
            return
                "RR-interval flag set but \(bytes) byte(s) follow; RR-intervals need a positive, even number of bytes"
        case .invalidDateTime(let part, let value):
            return "time stamp field '\(part.rawValue)' is \(value), outside \(part.range) (Date Time 0x2A08)"
        case .cgmRecordSize(let record, let size, let remaining):
            return "CGM record \(record): Size \(size) is below 6 or beyond the \(remaining) byte(s) left"
        case .cgmRecordLength(let record, let size, let expected, let crc):
            return
                "CGM record \(record): Size \(size) disagrees with its flags (\(expected) bytes\(crc ? " with E2E-CRC" : ""))"
        case .crcMismatch(let record, let sent, let computed):
            return "CGM record \(record): E2E-CRC 0x\(hex(sent)) sent, 0x\(hex(computed)) computed (CRC-16/MCRF4XX)"
        case .vendorBytesMissing(let count):
            return "firmware spec expects \(count) vendor byte(s) after the standard fields"
        case .senml(let problem):
            return problem.description
        case .hl7(let problem):
            return problem.description
        case .frameCRCMismatch(let sent, let computed):
            return
                "frame CRC 0x\(String(sent, radix: 16, uppercase: true)) sent, 0x\(String(computed, radix: 16, uppercase: true)) computed"
        case .frameCountOutOfRange(let n):
            return "frame count field announces \(n) repetitions; allowed 0–\(FrameDecoder.maxRepetitions)"
        case .fieldNotInProfile(let field):
            return "the device profile has no metric for field '\(field.name)'"
        case .senmlNameNotInProfile(let record):
            return "SenML record \(record): the device profile has no metric for its name"
        case .unitNotConvertible(let m, let from):
            let to = plan.flatMap { m < $0.metrics.count ? $0.metrics[m].unit.code : nil } ?? "the profile's unit"
            return "\(metric(m)): unit '\(from.code)' cannot be converted to '\(to)'"
        case .unknownSenMLUnit(let record, let unit):
            return "SenML record \(record): unit '\(unit)' is not a SenML unit Helsebro maps to UCUM"
        case .implausible(let m):
            if let plan, m >= 0, m < plan.metrics.count {
                let d = plan.metrics[m]
                return "metric '\(d.key)' outside plausible range \(d.plausible.low)–\(d.plausible.high) \(d.unit.code)"
            }
            return "\(metric(m)) outside plausible range"
        case .timeBefore2000(let m):
            return "\(metric(m)): measurement time before 2000-01-01; the device clock is probably not set"
        case .timeInFuture(let m, let skew):
            return "\(metric(m)): measurement time more than \(skew) s after the receive time"
        case .channelNotAccepted:
            return "channel not accepted by the device profile"
        case .notPatientMeasurement(let flag):
            return "payload marks the value '\(flag.name)': not a measurement of the patient, kept out of the journal"
        }
    }

    private func hex<T: BinaryInteger>(_ v: T) -> String {
        let s = String(v, radix: 16, uppercase: true)
        let width = MemoryLayout<T>.size * 2
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// The parts of a Bluetooth Date Time (0x2A08), with their valid ranges (0 = "not known" for year, month, day).
public enum DateTimePart: String, Sendable {
    case year, month, day, hours, minutes, seconds

    var range: String {
        switch self {
        case .year: "1582–9999 or 0"
        case .month: "1–12 or 0"
        case .day: "1–31 (and within the month) or 0"
        case .hours: "0–23"
        case .minutes, .seconds: "0–59"
        }
    }
}

extension Rejection {
    /// The quarantine group of a rejection, for statistics: the payload could not be decoded, or it decoded but
    /// failed the profile's checks, or it was not for the journal.
    public var category: String {
        switch self {
        case .empty, .truncated, .unannouncedBytes, .rrIntervalsMalformed, .invalidDateTime, .cgmRecordSize,
            .cgmRecordLength, .crcMismatch, .vendorBytesMissing, .senml, .frameCRCMismatch, .frameCountOutOfRange:
            "decode"
        case .hl7(.observationNotInProfile): "validation"
        case .hl7: "decode"
        case .fieldNotInProfile, .senmlNameNotInProfile, .unitNotConvertible, .unknownSenMLUnit, .implausible,
            .timeBefore2000, .timeInFuture:
            "validation"
        case .channelNotAccepted: "unknown-channel"
        case .notPatientMeasurement: "not-patient-data"
        }
    }
}
