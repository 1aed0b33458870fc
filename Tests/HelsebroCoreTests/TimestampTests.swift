import Testing

@testable import HelsebroCore

@Suite("Timestamp from civil fields")
struct TimestampTests {
    @Test("known instants: the epoch, 2000, the Gregorian start, the last second of 9999")
    func knownInstants() {
        let cases: [(Int, Int, Int, Int, Int, Int, Int64)] = [
            (1970, 1, 1, 0, 0, 0, 0),
            (2000, 1, 1, 0, 0, 0, 946_684_800),
            (1582, 10, 15, 0, 0, 0, -12_219_292_800),
            (9999, 12, 31, 23, 59, 59, 253_402_300_799),
            (2024, 2, 29, 12, 0, 0, 1_709_208_000),
        ]
        for (y, mo, d, h, mi, s, seconds) in cases {
            #expect(
                Timestamp(year: y, month: mo, day: d, hour: h, minute: mi, second: s).microseconds == seconds
                    * 1_000_000)
        }
    }
}
