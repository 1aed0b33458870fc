import Testing

@testable import HelsebroCore

/// `Reading` stores its small fields packed into words (the decode loop is bound by its stores): each field reads
/// back what was written, whatever the others hold, and setting one leaves the others as they were.
@Suite("Reading, packed")
struct ReadingTests {
    @Test("every field, unit and absent reason reads back as written; one field's change leaves the rest")
    func roundTrip() {
        for field in Field.allCases {
            for unit in UCUMUnit.allCases {
                let r = Reading(field: field, value: .exact(-2048, -8), unit: unit)
                #expect(r.field == field && r.unit == unit)
                #expect(r.value == .exact(-2048, -8))
                #expect(r.mdc == (field.defaultCodes.mdc ?? 0))
                #expect(r.metric == -1 && r.time == nil && r.record == 0)
                #expect(r.sequence == nil && r.userID == nil && r.timeOffsetMinutes == nil)
            }
        }
        for reason in AbsentReason.allCases {
            var r = Reading(field: .spo2, value: .exact(97), unit: .percent)
            r.value = .absent(reason)
            #expect(r.value == .absent(reason))
            #expect(r == Reading(field: .spo2, value: .absent(reason), unit: .percent))
        }
    }

    @Test("each field at its extremes, set in turn over the others at theirs")
    func extremes() {
        var r = Reading(field: .cgmGlucose, value: .exact(Int64.min, Int8.min), unit: .millimolePerLitre)
        r.metric = Int16.min
        r.mdc = UInt32.max
        r.time = Timestamp(microseconds: Int64.max)
        r.record = UInt16.max
        r.sequence = UInt16.max
        r.timeOffsetMinutes = UInt16.max
        r.userID = UInt8.max
        r.status.insert(.userUnknown)
        r.vendorStatus = UInt64.max
        let all = r
        #expect(r.field == .cgmGlucose && r.unit == .millimolePerLitre)
        #expect(r.value == .exact(Int64.min, Int8.min))
        #expect(r.metric == Int16.min && r.mdc == UInt32.max && r.time == Timestamp(microseconds: Int64.max))
        #expect(r.record == UInt16.max && r.sequence == UInt16.max && r.timeOffsetMinutes == UInt16.max)
        #expect(r.userID == UInt8.max && r.status.contains(.userUnknown) && r.vendorStatus == UInt64.max)
        // Zero, nil and back, one at a time: nothing else moves, and the reading equals the one it was.
        r.metric = 0
        #expect(r.mdc == UInt32.max && r.value == .exact(Int64.min, Int8.min) && r.metric == 0)
        r.metric = Int16.min
        r.mdc = 0
        #expect(r.metric == Int16.min && r.mdc == 0 && r.value == .exact(Int64.min, Int8.min))
        r.mdc = UInt32.max
        r.value = .absent(.nres)
        #expect(r.metric == Int16.min && r.mdc == UInt32.max)
        r.value = .exact(Int64.min, Int8.min)
        r.time = nil
        #expect(r.time == nil && r.record == UInt16.max && r.userID == UInt8.max)
        r.time = Timestamp(microseconds: Int64.max)
        r.sequence = nil
        #expect(r.sequence == nil && r.record == UInt16.max && r.userID == UInt8.max && r.time != nil)
        r.sequence = UInt16.max
        r.userID = nil
        #expect(r.userID == nil && r.sequence == UInt16.max && r.unit == .millimolePerLitre)
        r.userID = UInt8.max
        r.timeOffsetMinutes = nil
        #expect(r.timeOffsetMinutes == nil && r.sequence == UInt16.max)
        r.timeOffsetMinutes = UInt16.max
        r.record = 0
        #expect(r.record == 0 && r.sequence == UInt16.max && r.field == .cgmGlucose)
        r.record = UInt16.max
        r.field = .systolic
        r.unit = .none
        #expect(r.field == .systolic && r.unit == .none && r.userID == UInt8.max)
        r.field = .cgmGlucose
        r.unit = .millimolePerLitre
        #expect(r == all && r.hashValue == all.hashValue)
    }

    @Test("a field set to nil or absent equals one never set: no bits left behind")
    func cleared() {
        let plain = Reading(field: .weight, value: .absent(.nan), unit: .kilogram)
        var r = Reading(field: .weight, value: .exact(123, -1), unit: .kilogram, time: Timestamp(seconds: 1))
        r.userID = 3
        r.sequence = 7
        r.timeOffsetMinutes = 9
        r.value = .absent(.nan)
        r.time = nil
        r.userID = nil
        r.sequence = nil
        r.timeOffsetMinutes = nil
        #expect(r == plain)
        #expect(r.hashValue == plain.hashValue)
    }
}
