/// The National Early Warning Score 2 (Royal College of Physicians, 2017), computed from one set of observations.
///
/// Rounding: each value is rounded half away from zero to the chart's resolution before banding (whole breaths,
/// percent, mmHg and beats per minute; 0.1 °C), because the RCP chart's bands are contiguous at that resolution and
/// clinicians read instruments at it: a systolic of 110.4 scores as 110 (1 point), 110.5 as 111 (0 points). A set with
/// any parameter missing is `incomplete`; a partial total is never given.
public struct News2Score: Sendable, Equatable {
    public enum SpO2Scale: Sendable, Equatable {
        /// The default.
        case scale1
        /// For patients with hypercapnic respiratory failure, chosen by a clinician.
        case scale2
    }

    /// ACVPU: alert, or new confusion, voice, pain, unresponsive.
    public enum Consciousness: String, Sendable, Equatable, CaseIterable {
        case alert = "A", confusion = "C", voice = "V", pain = "P", unresponsive = "U"
    }

    public struct Observations: Sendable, Equatable {
        public var respirationRate: Double?
        public var spo2: Double?
        public var onOxygen: Bool?
        public var systolic: Double?
        public var pulse: Double?
        public var consciousness: Consciousness?
        public var temperature: Double?

        public init(
            respirationRate: Double? = nil, spo2: Double? = nil, onOxygen: Bool? = nil, systolic: Double? = nil,
            pulse: Double? = nil, consciousness: Consciousness? = nil, temperature: Double? = nil
        ) {
            self.respirationRate = respirationRate
            self.spo2 = spo2
            self.onOxygen = onOxygen
            self.systolic = systolic
            self.pulse = pulse
            self.consciousness = consciousness
            self.temperature = temperature
        }
    }

    /// The RCP clinical response (chart 2): the trigger levels.
    public enum Risk: String, Sendable, Equatable, Comparable {
        case low, lowMedium = "low-medium", medium, high

        var rank: Int {
            switch self {
            case .low: 0
            case .lowMedium: 1
            case .medium: 2
            case .high: 3
            }
        }
        public static func < (a: Risk, b: Risk) -> Bool { a.rank < b.rank }
    }

    /// Points per parameter: respiration, SpO2, air/oxygen, systolic, pulse, consciousness, temperature.
    public var parameters: [Int]

    public init(parameters: [Int]) { self.parameters = parameters }
    public var total: Int { parameters.reduce(0, +) }

    /// 7 or more: high (emergency); 5–6: medium (urgent); a single parameter scoring 3: low-medium; else low.
    public var risk: Risk {
        if total >= 7 { return .high }
        if total >= 5 { return .medium }
        if parameters.contains(3) { return .lowMedium }
        return .low
    }

    public enum Result: Sendable, Equatable {
        case score(News2Score)
        /// Names of the missing parameters.
        case incomplete([String])
    }

    public static func score(_ o: Observations, scale: SpO2Scale = .scale1) -> Result {
        if let s = complete(o, scale: scale) { return .score(s) }
        let names: [(Bool, String)] = [
            (o.respirationRate == nil, "respiration-rate"), (o.spo2 == nil, "spo2"),
            (o.onOxygen == nil, "air-or-oxygen"), (o.systolic == nil, "systolic"), (o.pulse == nil, "pulse"),
            (o.consciousness == nil, "consciousness"), (o.temperature == nil, "temperature"),
        ]
        return .incomplete(names.filter(\.0).map(\.1))
    }

    /// The score, or nil when a parameter is missing, without naming which: the alert engine re-scores on every
    /// vital sign and an incomplete set changes nothing there.
    public static func complete(_ o: Observations, scale: SpO2Scale = .scale1) -> News2Score? {
        guard let rr = o.respirationRate, let sat = o.spo2, let oxygen = o.onOxygen, let sbp = o.systolic,
            let hr = o.pulse, let acvpu = o.consciousness, let temp = o.temperature
        else { return nil }
        return News2Score(parameters: [
            respiration(rr), spo2(sat, scale: scale, onOxygen: oxygen), oxygen ? 2 : 0, systolic(sbp), pulse(hr),
            acvpu == .alert ? 0 : 3, temperature(temp),
        ])
    }

    static func whole(_ x: Double) -> Int { Int(x.rounded(.toNearestOrAwayFromZero)) }

    /// Chart 1, respiration rate: ≤8 3; 9–11 1; 12–20 0; 21–24 2; ≥25 3.
    public static func respiration(_ x: Double) -> Int {
        switch whole(x) {
        case ...8: 3
        case 9...11: 1
        case 12...20: 0
        case 21...24: 2
        default: 3
        }
    }

    /// Chart 1, SpO2 scale 1: ≤91 3; 92–93 2; 94–95 1; ≥96 0. Scale 2: ≤83 3; 84–85 2; 86–87 1; 88–92 0 (and ≥93 on
    /// air 0); on oxygen 93–94 1, 95–96 2, ≥97 3.
    public static func spo2(_ x: Double, scale: SpO2Scale, onOxygen: Bool) -> Int {
        let v = whole(x)
        switch scale {
        case .scale1:
            switch v {
            case ...91: return 3
            case 92...93: return 2
            case 94...95: return 1
            default: return 0
            }
        case .scale2:
            switch v {
            case ...83: return 3
            case 84...85: return 2
            case 86...87: return 1
            case 88...92: return 0
            default:
                guard onOxygen else { return 0 }
                return v <= 94 ? 1 : v <= 96 ? 2 : 3
            }
        }
    }

    /// Chart 1, systolic pressure: ≤90 3; 91–100 2; 101–110 1; 111–219 0; ≥220 3.
    public static func systolic(_ x: Double) -> Int {
        switch whole(x) {
        case ...90: 3
        case 91...100: 2
        case 101...110: 1
        case 111...219: 0
        default: 3
        }
    }

    /// Chart 1, pulse: ≤40 3; 41–50 1; 51–90 0; 91–110 1; 111–130 2; ≥131 3.
    public static func pulse(_ x: Double) -> Int {
        switch whole(x) {
        case ...40: 3
        case 41...50: 1
        case 51...90: 0
        case 91...110: 1
        case 111...130: 2
        default: 3
        }
    }

    /// Chart 1, temperature: ≤35.0 3; 35.1–36.0 1; 36.1–38.0 0; 38.1–39.0 1; ≥39.1 2 (in tenths of a degree).
    public static func temperature(_ x: Double) -> Int {
        switch whole(x * 10) {
        case ...350: 3
        case 351...360: 1
        case 361...380: 0
        case 381...390: 1
        default: 2
        }
    }
}
