import Foundation
import HelsebroCore
import Testing

@testable import HelsebroFuzzing

/// The fuzzers' seed corpus and every finding kept beside it (`Tools/Fuzz/Corpus/TARGET/finding-*`), replayed through
/// the fuzz targets' checks on every test run, so that what a fuzzer once found stays fixed.
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    @Test("every corpus file passes its target's checks", arguments: Fuzzing.Target.allCases)
    func replay(target: Fuzzing.Target) throws {
        setenv("HELSEBRO_ROOT", repositoryRoot, 0)
        let folder = repositoryRoot + "/Tools/Fuzz/Corpus/" + target.rawValue
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(!files.isEmpty, "no seeds for \(target.rawValue)")
        for file in files {
            let bytes = try #require(FileManager.default.contents(atPath: folder + "/" + file))
            #expect(throws: Never.self, "\(target.rawValue)/\(file)") {
                try bytes.withUnsafeBytes { try Fuzzing.run(target, $0) }
            }
        }
    }

    @Test("a broken promise is a finding, not passed over")
    func findingsAreReported() {
        let reading = Reading(field: .systolic, value: .number(DecimalValue(mantissa: 120, exponent: 0)), unit: .mmHg)
        #expect(throws: Fuzzing.Finding.self) { try Fuzzing.check(.empty, [reading]) }
        #expect(throws: Never.self) { try Fuzzing.check(nil, [reading]) }
    }
}
