import ArgumentParser
import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroMQTT

/// `helsebro`: the technician's and operator's command.
public struct HelsebroCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "helsebro",
        abstract: "Medical-device telemetry: decode, validate and journal readings.",
        subcommands: [
            ServeCommand.self, DecodeCommand.self, ProfileCommand.self, PatientCommand.self, DeviceCommand.self,
            JournalCommand.self, QuarantineCommand.self, StatsCommand.self, AlertsCommand.self, RulesCommand.self,
            ObserveCommand.self, SummaryCommand.self, TokenCommand.self, AuditCommand.self, BenchCommand.self,
            VersionCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line; usage errors exit with status 2, as the technicians' contract says.
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Where profiles and firmware specs are read from.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Directory of device profiles.")
    var profilesDir: String = ConfigOptions.defaultDirectory("DeviceProfiles")

    @Option(help: "Directory of firmware specs.")
    var firmwareDir: String = ConfigOptions.defaultDirectory("Firmware-Specs")

    /// `$HELSEBRO_HOME/NAME` if set, else `./NAME`.
    static func defaultDirectory(_ name: String) -> String {
        if let home = ProcessInfo.processInfo.environment["HELSEBRO_HOME"] { return home + "/" + name }
        return name
    }

    func loadRegistry() -> Registry {
        Registry.load(profilesDirectory: profilesDir, firmwareDirectory: firmwareDir)
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print versions.")

    func run() {
        print("helsebro 0.1.0 (libmosquitto \(MosquittoLibrary.versionString))")
    }
}

func writeError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
