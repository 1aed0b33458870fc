import HelsebroCore

/// A simulated person's physiology: baselines that drift, and occasional abnormal episodes.
struct SimulatedPatient {
    var rng: SplitMix
    var systolic: Double
    var diastolic: Double
    var pulse: Double
    var spo2: Double
    var temperature: Double
    var glucose: Double
    var weight: Double
    /// Remaining steps of an abnormal episode, and which.
    var episode: (kind: Episode, steps: Int)?

    enum Episode: CaseIterable { case hypertension, hypoxia, fever, hypoglycaemia, tachycardia }

    init(seed: UInt64) {
        rng = SplitMix(state: seed)
        systolic = 115 + Double(rng.next() % 30)
        diastolic = 70 + Double(rng.next() % 15)
        pulse = 60 + Double(rng.next() % 25)
        spo2 = 95 + Double(rng.next() % 4)
        temperature = 36.5 + Double(rng.next() % 6) / 10
        glucose = 90 + Double(rng.next() % 40)
        weight = 55 + Double(rng.next() % 50)
    }

    mutating func uniform() -> Double { Double(rng.next() % 1_000_000) / 1_000_000 }

    /// A random step of at most ±`size`.
    mutating func jitter(_ size: Double) -> Double { (uniform() - 0.5) * 2 * size }

    /// Advances one step; about one step in 200 starts an episode.
    mutating func step() {
        if episode == nil && rng.next() % 200 == 0 {
            episode = (Episode.allCases[Int(rng.next() % UInt64(Episode.allCases.count))], 20 + Int(rng.next() % 40))
        }
        var targets = (sys: 125.0, dia: 78.0, pulse: 72.0, spo2: 96.5, temp: 36.8, glucose: 110.0)
        if let e = episode {
            switch e.kind {
            case .hypertension: targets.sys = 195; targets.dia = 115
            case .hypoxia: targets.spo2 = 87
            case .fever: targets.temp = 39.4; targets.pulse = 105
            case .hypoglycaemia: targets.glucose = 50
            case .tachycardia: targets.pulse = 140
            }
            episode = e.steps > 1 ? (e.kind, e.steps - 1) : nil
        }
        let pull = episode == nil ? 0.05 : 0.25
        systolic += (targets.sys - systolic) * pull
        diastolic += (targets.dia - diastolic) * pull
        pulse += (targets.pulse - pulse) * pull
        spo2 += (targets.spo2 - spo2) * pull
        temperature += (targets.temp - temperature) * pull
        glucose += (targets.glucose - glucose) * pull
        systolic += jitter(3)
        diastolic += jitter(2)
        pulse += jitter(2)
        spo2 += jitter(0.5)
        temperature += jitter(0.05)
        glucose += jitter(4)
        spo2 = min(spo2, 100)
    }
}
