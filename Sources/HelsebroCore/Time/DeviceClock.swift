/// How a device's clock relates to UTC, so that its wall-clock time stamps can be placed in time.
///
/// Bluetooth Date Time (0x2A08) carries no zone and no DST flag: it is whatever the device's clock shows. A firmware
/// spec says which clock a firmware line keeps. Time-zone rules are built in rather than read from a tz database so
/// the hot path stays free of I/O: UTC, a fixed offset, or a zone that follows the European Union's summer-time rule
/// (Directive 2000/84/EC: from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October).
public enum DeviceClock: Hashable, Sendable {
    /// The device clock shows UTC (set by a gateway that syncs it to UTC).
    case utc
    /// The device clock shows local time at a fixed offset from UTC, in minutes.
    case fixedOffset(minutes: Int)
    /// The device clock shows local time in a zone with EU summer time; `standardOffset` in minutes (60 for Oslo).
    case euSummerTime(standardOffsetMinutes: Int)

    /// Zones spelled in firmware specs, by IANA name, mapped to their rule.
    public static func named(_ name: String) -> DeviceClock? {
        switch name {
        case "UTC", "Etc/UTC", "Z": return .utc
        case "Europe/Oslo", "Europe/Stockholm", "Europe/Copenhagen", "Europe/Berlin", "Europe/Amsterdam",
            "Europe/Paris", "Europe/Brussels", "Europe/Vienna", "Europe/Madrid", "Europe/Rome", "Europe/Warsaw",
            "Europe/Prague", "Arctic/Longyearbyen":
            return .euSummerTime(standardOffsetMinutes: 60)
        case "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Atlantic/Faroe":
            return .euSummerTime(standardOffsetMinutes: 0)
        case "Europe/Helsinki", "Europe/Tallinn", "Europe/Riga", "Europe/Vilnius", "Europe/Athens":
            return .euSummerTime(standardOffsetMinutes: 120)
        default:
            return fixedOffset(text: name)
        }
    }

    /// `+01:00`, `-05:30`.
    static func fixedOffset(text: String) -> DeviceClock? {
        let b = Array(text.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":") else {
            return nil
        }
        let digits = [b[1], b[2], b[4], b[5]]
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let h = Int(b[1] - 0x30) * 10 + Int(b[2] - 0x30)
        let m = Int(b[4] - 0x30) * 10 + Int(b[5] - 0x30)
        guard h <= 14, m < 60 else { return nil }
        return .fixedOffset(minutes: (h * 60 + m) * (b[0] == UInt8(ascii: "-") ? -1 : 1))
    }

    /// The result of placing a wall-clock time.
    public struct Placement: Hashable, Sendable {
        public var time: Timestamp
        /// The wall-clock time occurs twice (the hour repeated when summer time ends); the earlier was taken.
        public var ambiguous: Bool
        /// The wall-clock time never occurs (the hour skipped when summer time starts); read with the standard offset.
        public var nonexistent: Bool
    }

    /// Places a wall-clock reading of this clock, given as if it were UTC, in time.
    public func place(wallClock: Timestamp) -> Placement {
        switch self {
        case .utc:
            return Placement(time: wallClock, ambiguous: false, nonexistent: false)
        case .fixedOffset(let minutes):
            return Placement(
                time: wallClock.adding(seconds: Int64(-minutes * 60)), ambiguous: false, nonexistent: false)
        case .euSummerTime(let standard):
            let std = Int64(standard * 60)
            let asStandard = wallClock.adding(seconds: -std)
            let asSummer = wallClock.adding(seconds: -std - 3600)
            let standardValid = !DeviceClock.isEUSummerTime(asStandard)
            let summerValid = DeviceClock.isEUSummerTime(asSummer)
            switch (summerValid, standardValid) {
            case (true, true): return Placement(time: asSummer, ambiguous: true, nonexistent: false)
            case (true, false): return Placement(time: asSummer, ambiguous: false, nonexistent: false)
            case (false, true): return Placement(time: asStandard, ambiguous: false, nonexistent: false)
            case (false, false): return Placement(time: asStandard, ambiguous: false, nonexistent: true)
            }
        }
    }

    /// Whether EU summer time is in force at `t` (Directive 2000/84/EC, articles 2 and 3).
    static func isEUSummerTime(_ t: Timestamp) -> Bool {
        let days = t.seconds >= 0 ? t.seconds / 86_400 : (t.seconds - 86_399) / 86_400
        let year = Timestamp.civil(days: days).year
        let start = lastSunday(year: year, month: 3).adding(seconds: 3600)
        let end = lastSunday(year: year, month: 10).adding(seconds: 3600)
        return t >= start && t < end
    }

    static func lastSunday(year: Int, month: Int) -> Timestamp {
        let last = Timestamp.days(year: year, month: month, day: 31)
        // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
        let weekday = ((last + 4) % 7 + 7) % 7
        return Timestamp(seconds: (last - weekday) * 86_400)
    }
}
