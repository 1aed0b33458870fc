import ArgumentParser
import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal

/// `helsebro patient add`.
struct PatientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patient", abstract: "Patients.", subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a patient to the journal.")
        @Option(help: "Patient id (for example a pseudonymous journal id).") var id: String
        @Option(help: "Display name.") var name: String?
        @OptionGroup var journal: JournalOptions

        func run() throws {
            try journal.open().addPatient(id: id, name: name)
            print("patient added")
        }
    }
}

/// `helsebro device add` and `helsebro device pair`.
struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Devices.", subcommands: [Add.self, Pair.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Register a device with its profile and firmware.")
        @Option(help: "Device id, as in its topic helsebro/v1/devices/{id}/...") var id: String
        @Option(help: "Device profile id (helsebro profile list).") var profile: String
        @Option(help: "Firmware spec id; may be left out when the profile has exactly one.") var firmware: String?
        @OptionGroup var journal: JournalOptions
        @OptionGroup var config: ConfigOptions

        func validate() throws {
            guard !id.isEmpty, !id.contains("/"), !id.contains("+"), !id.contains("#") else {
                throw ValidationError("--id must be non-empty and contain no '/', '+' or '#'")
            }
        }

        func run() throws {
            let registry = config.loadRegistry()
            guard let p = registry.profiles[profile] else {
                throw ValidationError("no usable device profile '\(profile)'; see 'helsebro profile list'")
            }
            var chosen = firmware
            if chosen == nil {
                guard p.firmware.count == 1 else {
                    throw ValidationError(
                        "profile '\(profile)' has several firmware specs; choose one with --firmware: \(p.firmware.joined(separator: ", "))"
                    )
                }
                chosen = p.firmware[0]
            }
            do {
                _ = try registry.plan(profile: profile, firmware: chosen)
            } catch {
                throw ValidationError(error.description)
            }
            try journal.open().addDevice(DeviceRecord(id: id, profile: profile, firmware: chosen))
            print("device added (profile \(profile), firmware \(chosen!))")
        }
    }

    struct Pair: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pair", abstract: "Pair a device with a patient for a time span.")
        @Option(help: "Device id.") var device: String
        @Option(help: "Patient id.") var patient: String
        @Option(help: "Start (RFC 3339); default now.") var from: RFC3339?
        @Option(help: "End (RFC 3339); default open-ended.") var to: RFC3339?
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let start = from?.timestamp ?? Timestamp.now
            if let end = to?.timestamp, end <= start { throw ValidationError("--to must be after --from") }
            try journal.open().pair(Pairing(device: device, patient: patient, from: start, to: to?.timestamp))
            print("device paired from \(start.rfc3339)\(to.map { " to \($0.timestamp.rfc3339)" } ?? "")")
        }
    }
}
