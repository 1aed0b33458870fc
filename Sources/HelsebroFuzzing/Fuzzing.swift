import HelsebroConfig
import HelsebroCore

#if canImport(Glibc)
    import Glibc
#endif

/// The fuzz targets' bodies: each runs any bytes through a decoder or loader as the service would and checks what
/// must hold for every input.
///
/// `Tools/Fuzz` wraps each target in a libFuzzer entry point that traps on a `Finding`, so libFuzzer keeps the input;
/// `FuzzCorpusTests` replays the committed seed corpus and findings through the same targets in the test suite.
public enum Fuzzing {
    /// A broken promise of a decoder or loader, found for some input.
    public struct Finding: Error, CustomStringConvertible {
        public var description: String
    }

    /// The decoders and loaders there are targets for; the raw value names the target (`fuzz-gatt`, folders of the
    /// corpus).
    public enum Target: String, CaseIterable, Sendable {
        case gatt, senmlJSON = "senml-json", senmlCBOR = "senml-cbor", hl7, frames, profile, firmware
    }

    /// The repository's root: `HELSEBRO_ROOT`, else the working directory (`Tools/fuzz.sh` and `swift test` run
    /// from the root).
    public static let root: String = {
        if let r = getenv("HELSEBRO_ROOT") { return String(cString: r) }
        return "."
    }()

    /// The shipped sources, read once.
    static let shipped: [Registry.Source] = {
        let (sources, issues) = Registry.sources(
            profilesDirectory: root + "/DeviceProfiles", firmwareDirectory: root + "/Firmware-Specs")
        precondition(issues.isEmpty && !sources.isEmpty, "run from the repository root, or set HELSEBRO_ROOT")
        return sources
    }()

    /// Every plan of the shipped registry (with and without firmware), in a fixed order.
    static let plans: [DecodePlan] = {
        let registry = Registry.load(sources: shipped)
        precondition(registry.issues.isEmpty, "the shipped profiles must load cleanly")
        return registry.plans.keys.sorted().flatMap { profile in
            registry.plans[profile]!.keys.sorted().map { registry.plans[profile]![$0]! }
        }
    }()

    /// Every (plan, channel index) whose channel matches.
    static func channels(_ matching: (Channel) -> Bool) -> [(plan: DecodePlan, index: Int)] {
        plans.flatMap { plan in
            plan.channels.enumerated().filter { matching($0.element) }.map { (plan, $0.offset) }
        }
    }

    /// Runs `bytes` through `target`.
    public static func run(_ target: Target, _ bytes: UnsafeRawBufferPointer) throws(Finding) {
        switch target {
        case .gatt: try gatt(bytes)
        case .senmlJSON: try senml(bytes, json: true)
        case .senmlCBOR: try senml(bytes, json: false)
        case .hl7: try hl7(bytes)
        case .frames: try frames(bytes)
        case .profile: try load(bytes, firmware: false)
        case .firmware: try load(bytes, firmware: true)
        }
    }

    static func expect(_ condition: Bool, _ what: String) throws(Finding) {
        if !condition { throw Finding(description: what) }
    }

    /// Runs `payload` through `plan`'s channel as the service does, and checks the decoder's contract: a rejected
    /// payload leaves no readings behind; an accepted one has readings with finite values or a named absence; both
    /// `process` overloads agree; every rejection can be described.
    static func process(_ plan: DecodePlan, _ index: Int, _ payload: UnsafeRawBufferPointer) throws(Finding) {
        var out: [Reading] = []
        var ignored = 0
        var partial: [Rejection] = []
        let receive = Timestamp(seconds: 1_790_000_000)
        let rejection = plan.process(
            channelIndex: index, payload: payload, receiveTime: receive, into: &out, ignored: &ignored,
            partial: &partial)
        try check(rejection, out)
        // The other overload (the one the ingest loop uses for one-measurement payloads) must agree.
        var again: [Reading] = []
        let second = plan.process(
            channelIndex: index, payload: payload, receiveTime: receive, into: &again, ignored: &ignored)
        if plan.channels[index] != .hl7v2 {
            try expect((rejection == nil) == (second == nil) && out.count == again.count, "process overloads differ")
        }
        // Describing a rejection (what a technician reads in quarantine) must work for every rejection.
        if let rejection { _ = (rejection.description(plan: plan), rejection.category) }
        for p in partial { _ = p.description(plan: plan) }
    }

    /// A rejection leaves nothing in `out`; kept readings carry a usable value.
    static func check(_ rejection: Rejection?, _ out: [Reading]) throws(Finding) {
        if rejection != nil { try expect(out.isEmpty, "a rejected payload left readings") }
        for r in out {
            if let d = r.value.number { try expect(d.double.isFinite, "a reading with a non-finite value") }
        }
    }
}
