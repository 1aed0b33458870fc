import HelsebroConfig
import HelsebroCore

extension Fuzzing {
    /// Loads the shipped files of the other kind plus `bytes` as a profile or firmware spec (id `fuzz`), as
    /// `helsebro profile lint` and the technicians' upload do, and checks the loader's contract: every issue names a
    /// file, a line and a field; a file that loads gives plans that decode without trapping.
    static func load(_ bytes: UnsafeRawBufferPointer, firmware: Bool) throws(Finding) {
        // The upload endpoint takes UTF-8 text only.
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let path = firmware ? "Firmware-Specs/fuzz.yaml" : "DeviceProfiles/fuzz.yaml"
        // Only the other kind of shipped file: what the cross-checks need (a profile's firmware list, a spec's
        // profile), at half the parsing per input of loading everything.
        let others = shipped.filter { $0.isFirmware != firmware }
        let registry = Registry.load(
            sources: others + [Registry.Source(path: path, id: "fuzz", isFirmware: firmware, text: text)])
        for issue in registry.issues {
            try expect(!issue.file.isEmpty && issue.line >= 1 && !issue.field.isEmpty, "an issue without a place")
            _ = issue.description
        }
        let loaded = firmware ? registry.firmware["fuzz"].map { [$0.profile] } ?? [] : ["fuzz"]
        for profile in loaded {
            for plan in registry.plans[profile]?.values.map({ $0 }) ?? [] {
                for index in plan.channels.indices {
                    try processCopy(plan, index, samplePayload)
                }
            }
        }
    }

    /// A blood-pressure measurement: enough to drive a plan a little.
    static let samplePayload: [UInt8] = [
        0x1E, 0x8A, 0x00, 0x5A, 0x00, 0x6B, 0x00, 0xEA, 0x07, 0x0B, 0x17, 0x07, 0x10, 0x00, 0x48, 0x00, 0x01, 0x02,
        0x00,
    ]
}
