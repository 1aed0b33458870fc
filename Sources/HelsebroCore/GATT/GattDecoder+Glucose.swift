extension GattDecoder {
    /// Glucose Measurement 0x2A18.
    ///
    /// Layout (SIG-XML glucose_measurement.xml): Flags, Sequence Number (uint16), Base Time (7), Time Offset (sint16
    /// minutes, b0), Glucose Concentration (SFLOAT; kg/L if b2 = 0, mol/L if b2 = 1) with Type and Sample Location
    /// nibbles (b1), Sensor Status Annunciation (b3); b4 says a Glucose Measurement Context follows. Length
    /// 10 + 2·b0 + 3·b1 + 2·b3. The measurement time is Base Time + Time Offset. A frame without a concentration
    /// (b1 = 0) yields no reading.
    static func glucose(_ f: GattFrame, _ options: GattOptions, _ out: inout [Reading]) -> Rejection? {
        let flags = f.u8(0)
        var needed = 10
        if flags & 0x01 != 0 { needed += 2 }
        if flags & 0x02 != 0 { needed += 3 }
        if flags & 0x08 != 0 { needed += 2 }
        if let r = checkLength(f, needed: needed, options) { return r }
        var status = StatusSet()
        let sequence = f.u16(1)
        var time: Timestamp?
        do { time = try dateTime(f, at: 3, options, &status) } catch { return error }
        var o = 10
        if flags & 0x01 != 0 {
            let offset = Int16(bitPattern: f.u16(o))
            time = time?.adding(seconds: Int64(offset) * 60)
            o += 2
        }
        if flags & 0x10 != 0 { status.insert(.contextInformationFollows) }
        let unit: UCUMUnit = unitFlag(flags >> 2, options, &status) ? .molePerLitre : .kilogramPerLitre
        var value: MeasuredValue?
        var mdc: UInt32 = 0
        if flags & 0x02 != 0 {
            value = f.sfloat(o)
            let typeLocation = f.u8(o + 2)
            let type = Int(typeLocation & 0x0F)
            let location = Int(typeLocation >> 4)
            status.insert(type >= 1 && type <= 10 ? glucoseTypes[type - 1] : .glucoseTypeReserved)
            mdc = glucoseMDC[type]
            switch location {
            case 1: status.insert(.locationFinger)
            case 2: status.insert(.locationAlternateSite)
            case 3: status.insert(.locationEarlobe)
            case 4: status.insert(.locationControlSolution)
            case 15: status.insert(.locationNotAvailable)
            default: status.insert(.locationReserved)
            }
            o += 3
        }
        if flags & 0x08 != 0 {
            status.insert(bits: UInt32(f.u16(o)), glucoseAnnunciations)
        }
        if let value {
            var reading = Reading(field: .glucose, value: value, unit: unit, time: time, status: status)
            reading.mdc = mdc
            reading.sequence = sequence
            out.append(reading)
        }
        return nil
    }

    static let glucoseTypes: [StatusFlag] = [
        .glucoseCapillaryWholeBlood, .glucoseCapillaryPlasma, .glucoseVenousWholeBlood, .glucoseVenousPlasma,
        .glucoseArterialWholeBlood, .glucoseArterialPlasma, .glucoseUndeterminedWholeBlood,
        .glucoseUndeterminedPlasma, .glucoseInterstitialFluid, .glucoseControlSolution,
    ]

    /// MDC codes by glucose type nibble (codes.md §1; types 3–6 and 10 by name from Antidote's nomenclature, type 8
    /// from the PHD-IG glucose example; type 7 has no code in the sources, so 0).
    static let glucoseMDC: [UInt32] = [
        0, 160_184, 160_188, 160_192, 160_196, 160_200, 160_204, 0, 160_368, 160_212, 160_208, 0, 0, 0, 0, 0,
    ]

    /// Glucose Sensor Status Annunciation bits 0–11 (SIG-XML glucose_measurement.xml).
    static let glucoseAnnunciations: [StatusFlag?] = [
        .deviceBatteryLow, .sensorMalfunction, .sampleSizeInsufficient, .stripInsertionError, .stripTypeIncorrect,
        .resultTooHigh, .resultTooLow, .sensorTemperatureTooHigh, .sensorTemperatureTooLow, .stripPulledTooSoon,
        .generalDeviceFault, .timeFault,
    ]
}
