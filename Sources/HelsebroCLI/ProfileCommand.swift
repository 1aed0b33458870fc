import ArgumentParser
import Foundation
import HelsebroConfig
import HelsebroCore

/// `helsebro profile`: list and lint device profiles and firmware specs.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Device profiles and firmware specs.",
        subcommands: [ListCommand.self, LintCommand.self])

    struct ListCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the registered profiles.")

        enum Format: String, ExpressibleByArgument { case text, json }

        @Option(help: "text or json.") var format: Format = .text
        @OptionGroup var config: ConfigOptions

        func run() throws {
            let registry = config.loadRegistry()
            let profiles = registry.profiles.values.sorted { $0.id < $1.id }
            switch format {
            case .json:
                print("[" + profiles.map { json($0, registry) }.joined(separator: ",\n ") + "]")
            case .text:
                for p in profiles {
                    print("\(p.id)  (\(p.setting.rawValue), v\(p.version))  \(p.model)")
                    print("  channels: \(p.channels.map(\.name).joined(separator: ", "))")
                    print("  firmware: \(p.firmware.joined(separator: ", "))")
                    for m in p.metrics {
                        let codes = [m.loinc.map { "LOINC \($0)" }, m.mdc == 0 ? nil : "MDC \(m.mdc)"].compactMap { $0 }
                        print(
                            "  - \(m.key) [\(m.unit.code)] from \(m.source.text); \(codes.joined(separator: ", ")); plausible \(m.plausible.low)–\(m.plausible.high)"
                        )
                    }
                }
            }
            if !registry.issues.isEmpty {
                writeError(
                    "\(registry.issues.count) issue(s) in profiles or firmware specs; run 'helsebro profile lint'")
            }
        }

        func json(_ p: DeviceProfile, _ registry: Registry) -> String {
            func d(_ v: DecimalValue?) -> String { v.map { "\($0)" } ?? "null" }
            let metrics = p.metrics.map { m in
                var a =
                    "{\"low\": \(d(m.alerts.low)), \"high\": \(d(m.alerts.high)), \"critical-low\": \(d(m.alerts.criticalLow)), \"critical-high\": \(d(m.alerts.criticalHigh))"
                a +=
                    ", \"duration-seconds\": \(m.alerts.durationSeconds.map(String.init) ?? "null"), \"repeat\": \(m.alerts.repeatCount.map(String.init) ?? "null")}"
                return
                    "{\"key\": \(JSONText.string(m.key)), \"source\": \(JSONText.string(m.source.text)), \"loinc\": \(m.loinc.map(JSONText.string) ?? "null"), \"mdc\": \(m.mdc == 0 ? "null" : String(m.mdc)), \"unit\": \(JSONText.string(m.unit.code)), \"plausible\": {\"low\": \(m.plausible.low), \"high\": \(m.plausible.high)}, \"alerts\": \(a)}"
            }
            let firmware = p.firmware.map { id -> String in
                let spec = registry.firmware[id]
                return
                    "{\"id\": \(JSONText.string(id)), \"versions\": \(spec.map { JSONText.string($0.versions) } ?? "null")}"
            }
            return
                "{\"id\": \(JSONText.string(p.id)), \"model\": \(JSONText.string(p.model)), \"manufacturer\": \(JSONText.string(p.manufacturer)), \"version\": \(p.version), \"setting\": \(JSONText.string(p.setting.rawValue)), \"channels\": [\(p.channels.map { JSONText.string($0.name) }.joined(separator: ", "))], \"firmware\": [\(firmware.joined(separator: ", "))], \"metrics\": [\(metrics.joined(separator: ", "))]}"
        }
    }

    struct LintCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Check profiles and firmware specs; each error names file, line and field.")

        @Argument(help: "Files to check (default: every profile and firmware spec).") var paths: [String] = []
        @OptionGroup var config: ConfigOptions

        func run() throws {
            let registry: Registry
            if paths.isEmpty {
                registry = config.loadRegistry()
            } else {
                // Single files are checked together with the registered ones, so references between them resolve.
                let explicit = Set(paths)
                var files = paths
                for dir in [config.profilesDir, config.firmwareDir] {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
                    for n in names.sorted() where n.hasSuffix(".yaml") {
                        let path = dir + "/" + n
                        if !explicit.contains(path)
                            && !explicit.contains(where: { URL(fileURLWithPath: $0).lastPathComponent == n })
                        {
                            files.append(path)
                        }
                    }
                }
                let firmwareDirectory = config.firmwareDir
                registry = Registry.load(files: files, firmwareDirectory: firmwareDirectory)
            }
            for issue in registry.issues { print(issue.description) }
            if registry.issues.isEmpty {
                print("\(registry.profiles.count) profile(s), \(registry.firmware.count) firmware spec(s): no errors")
            } else {
                print("\(registry.issues.count) error(s)")
                throw ExitCode(1)
            }
        }
    }
}
