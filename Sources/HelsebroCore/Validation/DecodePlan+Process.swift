extension DecodePlan {
    /// Decodes and validates one payload on channel `channelIndex`, appending validated readings to `out`.
    ///
    /// On rejection `out` is as it was. Readings of ignored fields are dropped; `ignored` counts them.
    public func process(
        channelIndex: Int, payload: UnsafeRawBufferPointer, receiveTime: Timestamp?, into out: inout [Reading],
        ignored: inout Int
    ) -> Rejection? {
        guard channelPlans[channelIndex].channel == .hl7v2 else {
            // No list of partial rejections on this path: even an empty one cost a retain and a release per payload.
            return decodeAndValidate(
                channelIndex: channelIndex, payload: payload, receiveTime: receiveTime, into: &out, ignored: &ignored)
        }
        var partial: [Rejection] = []
        let r = hl7Readings(payload, receiveTime: receiveTime, into: &out, ignored: &ignored, partial: &partial)
        return r ?? partial.first
    }

    /// As `process`, but a message of independent observations (HL7 v2) keeps its good observations: each bad one is
    /// reported in `partial` and only a message-level problem is returned.
    public func process(
        channelIndex: Int, payload: UnsafeRawBufferPointer, receiveTime: Timestamp?, into out: inout [Reading],
        ignored: inout Int, partial: inout [Rejection]
    ) -> Rejection? {
        guard channelPlans[channelIndex].channel == .hl7v2 else {
            return decodeAndValidate(
                channelIndex: channelIndex, payload: payload, receiveTime: receiveTime, into: &out, ignored: &ignored)
        }
        return hl7Readings(payload, receiveTime: receiveTime, into: &out, ignored: &ignored, partial: &partial)
    }

    /// A payload of one measurement (GATT, SenML, vendor frame): decoded whole and validated whole.
    func decodeAndValidate(
        channelIndex: Int, payload: UnsafeRawBufferPointer, receiveTime: Timestamp?, into out: inout [Reading],
        ignored: inout Int
    ) -> Rejection? {
        let start = out.count
        let plan = channelPlans[channelIndex]
        let rejection: Rejection?
        switch plan.channel {
        case .gatt(let c):
            rejection = GattDecoder.decode(c, payload, options: plan.gatt, into: &out)
        case .senmlJSON, .senmlCBOR:
            // A problem of the pack itself, found in a later record, outranks one the profile finds in an earlier.
            let percentIsPercentage = firmware?.quirks.senmlPercentIsPercentage ?? false
            var first: Rejection?
            let problem = SenMLPack.read(payload, cbor: plan.channel == .senmlCBOR) { record in
                if first == nil {
                    first = senmlReading(
                        record, receiveTime: receiveTime, percentIsPercentage: percentIsPercentage, into: &out)
                }
            }
            rejection = problem.map { .senml($0) } ?? first
        case .hl7v2:
            rejection = .channelNotAccepted  // `process` reads HL7 v2 itself
        case .frame:
            if let layout = firmware?.frame {
                let table = frameFieldMetric
                rejection = FrameDecoder.decode(
                    layout, payload, metricOf: { $0 < table.count ? table[$0] : -1 }, into: &out)
            } else {
                rejection = .channelNotAccepted
            }
        }
        if let rejection {
            out.removeSubrange(start...)
            return rejection
        }
        if let r = validate(&out, from: start, receiveTime: receiveTime, ignored: &ignored) {
            out.removeSubrange(start...)
            return r
        }
        return nil
    }

    /// Maps decoded readings to metrics, converts units, checks plausibility and time. Pure and allocation-free.
    func validate(_ out: inout [Reading], from start: Int, receiveTime: Timestamp?, ignored: inout Int) -> Rejection? {
        var i = start
        while i < out.count {
            var metric = Int(out[i].metric)
            if metric < 0 {
                metric = Int(fieldMetric[Int(out[i].field.rawValue)])
                if metric == -2 {
                    out.remove(at: i)
                    ignored += 1
                    continue
                }
                if metric < 0 { return .fieldNotInProfile(out[i].field) }
            }
            // Checked in place: copying each 64-byte reading out and back was a third of validation's instructions.
            if let problem = check(&out[i], metric: metric, receiveTime: receiveTime) { return problem }
            i += 1
        }
        return nil
    }

    /// Validates one reading bound to `metric`: not control or test data, unit convertible, plausible, time sane (or
    /// taken from the receive time); converts it to the metric's unit.
    @inline(__always)
    private func check(_ r: inout Reading, metric: Int, receiveTime: Timestamp?) -> Rejection? {
        if let flag = DecodePlan.notPatientData(r.status) { return .notPatientMeasurement(flag) }
        let limits = limits[metric]
        if case .number(let n) = r.value {
            guard let conversion = conversions[metric * UCUMUnit.allCases.count + Int(r.unit.rawValue)] else {
                return .unitNotConvertible(metric: metric, from: r.unit)
            }
            var x = n.double
            if !conversion.isIdentity {
                x = conversion.apply(x)
                guard let d = DecimalValue(rounding: x, places: limits.decimals) else {
                    return .implausible(metric: metric)
                }
                r.value = .number(d)
            }
            if !(x >= limits.low && x <= limits.high) { return .implausible(metric: metric) }
        }
        r.unit = limits.unit
        r.metric = Int16(metric)
        r.mdc = limits.mdc
        if let t = r.time {
            if t < timePolicy.earliest { return .timeBefore2000(metric: metric) }
            if let receiveTime, t.microseconds > receiveTime.microseconds + timePolicy.futureSkewSeconds * 1_000_000 {
                return .timeInFuture(metric: metric, skewSeconds: timePolicy.futureSkewSeconds)
            }
        } else if let receiveTime {
            r.time = receiveTime
            r.status.insert(.timeFromReceiveTime)
        }
        return nil
    }

    /// Reads an ORU^R01 in place and validates each observation on its own. Problems of reading come first in
    /// `partial`, then those of binding and validation, each in message order.
    func hl7Readings(
        _ payload: UnsafeRawBufferPointer, receiveTime: Timestamp?, into out: inout [Reading], ignored: inout Int,
        partial: inout [Rejection]
    ) -> Rejection? {
        let begin = out.count
        let clock = firmware?.quirks.clock ?? .utc
        var rejected: [Rejection] = []
        let read = HL7Text.open(payload) { text -> Result<Void, HL7Problem> in
            let failure = text.observations(clock: clock) { read in
                switch read {
                case .failure(let p): partial.append(.hl7(p))
                case .success(let o):
                    if let r = hl7Reading(o, in: text, receiveTime: receiveTime, into: &out, ignored: &ignored) {
                        rejected.append(r)
                    }
                }
            }
            return failure.map { .failure($0) } ?? .success(())
        }
        if case .failure(let p) = read { return .hl7(p) }
        partial += rejected
        if out.count == begin, let first = partial.first { return first }
        return nil
    }

    /// Binds one observation to its metric and validates it: appends the reading, or returns why not.
    private func hl7Reading(
        _ o: HL7Text.NumericObservation, in text: HL7Text, receiveTime: Timestamp?, into out: inout [Reading],
        ignored: inout Int
    ) -> Rejection? {
        let loinc = o.loinc(in: text)
        if hl7Metrics.isIgnored(mdc: o.mdc, loinc: loinc) {
            ignored += 1
            return nil
        }
        guard let metric = hl7Metrics.metric(mdc: o.mdc, loinc: loinc) else {
            return .hl7(.observationNotInProfile(obx: o.index))
        }
        var reading = Reading(field: .hl7Observation, value: .number(o.value), unit: o.unit, time: o.time)
        reading.metric = Int16(metric)
        reading.record = UInt16(truncatingIfNeeded: o.index)
        text.forEachPart(of: o.fields[8], by: text.separators.repetition) { flag in
            if let f = StatusFlag.hl7Abnormal(text.slice(flag)) { reading.status.insert(f) }
        }
        if text.equals(o.fields[11], "C") { reading.status.insert(.resultCorrected) }
        if text.equals(o.fields[11], "P") { reading.status.insert(.resultPreliminary) }
        let start = out.count
        out.append(reading)
        var unused = 0
        if let r = validate(&out, from: start, receiveTime: receiveTime, ignored: &unused) {
            out.removeSubrange(start...)
            return r
        }
        return nil
    }

    /// Statuses that mark a value as not a measurement of the patient: a glucose control-solution test, or PLX
    /// data flagged for demonstration or testing. They must not enter a journal as observations.
    static func notPatientData(_ s: StatusSet) -> StatusFlag? {
        if s.contains(.glucoseControlSolution) { return .glucoseControlSolution }
        if s.contains(.locationControlSolution) { return .locationControlSolution }
        if s.contains(.demonstrationData) { return .demonstrationData }
        if s.contains(.testingData) { return .testingData }
        return nil
    }

    /// Turns a resolved SenML record into a reading bound to a metric, with its unit mapped from SenML to UCUM.
    func senmlReading(
        _ record: SenMLRecordView, receiveTime: Timestamp?, percentIsPercentage: Bool, into out: inout [Reading]
    ) -> Rejection? {
        let (base, name) = (record.baseName, record.localName)
        if profile.ignoredSources.contains(where: { MetricSource.senml($0).matches(senmlBase: base, name: name) }) {
            return nil
        }
        guard let metric = metrics.firstIndex(where: { $0.source.matches(senmlBase: base, name: name) }) else {
            return .senmlNameNotInProfile(record: record.index)
        }
        var unit = UCUMUnit.none
        if let bytes = record.unit {
            // Unit symbols are short: a String of up to 15 bytes is stored inline, with no allocation.
            let symbol = String(decoding: bytes, as: UTF8.self)
            guard let u = SenMLUnits.ucum(symbol, percentIsPercentage: percentIsPercentage) else {
                return .unknownSenMLUnit(record: record.index, unit: symbol)
            }
            unit = u
        }
        let value: MeasuredValue
        switch record.value {
        case .number(let d)?: value = .number(d)
        case nil where record.sum != nil: value = .number(record.sum!)
        default: return .senml(.wrongType(record: record.index, label: "v"))
        }
        let (time, relative) = SenMLRecord.timestamp(record.time, receiveTime: receiveTime)
        var reading = Reading(field: .senmlRecord, value: value, unit: unit, time: time)
        if relative && time != nil { reading.status.insert(.timeRelativeToReceive) }
        reading.metric = Int16(metric)
        reading.record = UInt16(truncatingIfNeeded: record.index)
        out.append(reading)
        return nil
    }
}
