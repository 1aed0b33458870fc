import CFuzzer
import HelsebroFuzzing

/// Runs libFuzzer on `target` with the process's arguments; a finding traps, so that libFuzzer keeps the input.
///
/// SwiftPM links an executable with `main` pointing at the module's own entry, so libFuzzer's `main` is never used:
/// each target's entry calls this, which hands the arguments to `LLVMFuzzerRunDriver`.
public func fuzzMain(
    _ target: Fuzzing.Target, _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    current = target
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        do {
            try Fuzzing.run(current, UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size))
        } catch {
            fatalError("fuzz-\(current.rawValue): \(error)")
        }
        return 0
    }
}

/// The target of this process, set once before libFuzzer starts (a C callback cannot capture it).
nonisolated(unsafe) var current = Fuzzing.Target.gatt
