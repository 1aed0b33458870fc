import HelsebroCore

/// The JSON object `helsebro decode` prints: `{"readings": [...], "rejected": null | {"reason": ...}}`.
struct DecodeReport {
    struct Row {
        var metric: String
        var loinc: String?
        var mdc: UInt32?
        var value: MeasuredValue?
        var unit: String
        var time: Timestamp?
        var status: [String]
    }

    var rows: [Row] = []
    var rejection: String?

    /// Rows for readings decoded without a profile: field names, default codes, units as sent.
    static func rows(unvalidated readings: [Reading]) -> [Row] {
        readings.map { r in
            Row(
                metric: r.field.name, loinc: r.field.defaultCodes.loinc, mdc: r.mdc == 0 ? nil : r.mdc, value: r.value,
                unit: r.unit.code, time: r.time, status: r.statusNames)
        }
    }

    /// Rows for validated readings: metric keys, the profile's codes and units.
    static func rows(validated readings: [Reading], plan: DecodePlan) -> [Row] {
        readings.map { r in
            let m = plan.metrics[Int(r.metric)]
            return Row(
                metric: m.key, loinc: m.loinc, mdc: m.mdc == 0 ? nil : m.mdc, value: r.value, unit: m.unit.code,
                time: r.time, status: plan.statusNames(of: r))
        }
    }

    /// Rows for SenML records without a profile: resolved names, SenML units mapped to UCUM where one exists.
    static func rows(senml records: [SenMLRecord], receiveTime: Timestamp?) -> [Row] {
        records.map { rec in
            var status: [String] = []
            var value: MeasuredValue?
            switch rec.value {
            case .number(let d)?: value = .number(d)
            case .string?: status.append("value-kind:string")
            case .bool?: status.append("value-kind:boolean")
            case .data?: status.append("value-kind:data")
            case nil: if let s = rec.sum { value = .number(s); status.append("value-kind:sum") }
            }
            let (time, relative) = rec.timestamp(receiveTime: receiveTime)
            if relative && time != nil { status.append(StatusFlag.timeRelativeToReceive.name) }
            let unit = rec.unit.map { SenMLUnits.ucum($0)?.code ?? $0 } ?? ""
            return Row(metric: rec.name, loinc: nil, mdc: nil, value: value, unit: unit, time: time, status: status)
        }
    }

    var json: String {
        var out = "{\"readings\": ["
        for (i, row) in rows.enumerated() {
            if i > 0 { out += ", " }
            out += "{\"metric\": " + JSONText.string(row.metric)
            out += ", \"loinc\": " + (row.loinc.map(JSONText.string) ?? "null")
            out += ", \"mdc\": " + (row.mdc.map { String($0) } ?? "null")
            switch row.value {
            case .number(let d)?:
                out += ", \"value\": \(d), \"absent\": null"
            case .absent(let reason)?:
                out += ", \"value\": null, \"absent\": " + JSONText.string(reason.code)
            case nil:
                out += ", \"value\": null, \"absent\": null"
            }
            out += ", \"unit\": " + JSONText.string(row.unit)
            let precision = row.value?.number?.decimalPlaces
            out += ", \"precision\": " + (precision.map { String($0) } ?? "null")
            out += ", \"time\": " + (row.time.map { JSONText.string($0.rfc3339) } ?? "null")
            out += ", \"status\": [" + row.status.map(JSONText.string).joined(separator: ", ") + "]}"
        }
        out += "], \"rejected\": "
        out += rejection.map { "{\"reason\": " + JSONText.string($0) + "}" } ?? "null"
        return out + "}"
    }
}
