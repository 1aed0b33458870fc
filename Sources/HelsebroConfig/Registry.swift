import Foundation
import HelsebroCore

/// Every device profile and firmware spec, checked across files and compiled into decode plans.
///
/// Loaded once at start-up (and by `helsebro profile lint`); the hot path only sees the plans.
public struct Registry: Sendable {
    public private(set) var profiles: [String: DeviceProfile] = [:]
    public private(set) var firmware: [String: FirmwareSpec] = [:]
    /// Plans by profile id and firmware id; the profile's own plan (no firmware) under the empty firmware id.
    public private(set) var plans: [String: [String: DecodePlan]] = [:]
    public internal(set) var issues: [ConfigIssue] = []

    public init() {}

    /// Loads `profilesDirectory/*.yaml` and `firmwareDirectory/*.yaml`. Issues are collected, not thrown.
    public static func load(profilesDirectory: String, firmwareDirectory: String) -> Registry {
        let (sources, problems) = self.sources(
            profilesDirectory: profilesDirectory, firmwareDirectory: firmwareDirectory)
        var registry = load(sources: sources)
        registry.issues = problems + registry.issues
        return registry
    }

    /// A profile or firmware spec as text, from a file or from the journal (uploaded by a technician).
    public struct Source: Sendable, Equatable {
        /// Where it came from, for issues: a path, or `journal:<kind>/<id>@<version>`.
        public var path: String
        /// The id it must declare (the file name's stem).
        public var id: String
        public var isFirmware: Bool
        public var text: String

        public init(path: String, id: String, isFirmware: Bool, text: String) {
            self.path = path
            self.id = id
            self.isFirmware = isFirmware
            self.text = text
        }
    }

    /// The sources of `profilesDirectory/*.yaml` and `firmwareDirectory/*.yaml`, with issues for unreadable files.
    public static func sources(profilesDirectory: String, firmwareDirectory: String) -> ([Source], [ConfigIssue]) {
        var out: [Source] = []
        var issues: [ConfigIssue] = []
        for dir in [profilesDirectory, firmwareDirectory] where !FileManager.default.fileExists(atPath: dir) {
            issues.append(
                ConfigIssue(file: dir, line: 1, column: 1, field: "(directory)", message: "directory not found"))
        }
        for (dir, firmware) in [(profilesDirectory, false), (firmwareDirectory, true)] {
            for path in yamlFiles(in: dir) {
                guard let data = FileManager.default.contents(atPath: path),
                    let text = String(data: data, encoding: .utf8)
                else {
                    issues.append(
                        ConfigIssue(
                            file: path, line: 1, column: 1, field: "(file)",
                            message: "cannot read the file as UTF-8 text"))
                    continue
                }
                let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                out.append(Source(path: path, id: stem, isFirmware: firmware, text: text))
            }
        }
        return (out, issues)
    }

    /// Loads the given files; a file under `firmwareDirectory` (or with `payload:` at top level) is a firmware spec.
    public static func load(files: [String], firmwareDirectory: String? = nil) -> Registry {
        var unreadable: [ConfigIssue] = []
        var sources: [Source] = []
        for path in files {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                unreadable.append(
                    ConfigIssue(
                        file: path, line: 1, column: 1, field: "(file)", message: "cannot read the file as UTF-8 text"))
                continue
            }
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let isFirmware =
                firmwareDirectory.map { path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } ?? false
                || (!path.contains("DeviceProfiles/") && text.contains("\npayload:"))
            sources.append(Source(path: path, id: stem, isFirmware: isFirmware, text: text))
        }
        var registry = load(sources: sources)
        registry.issues = unreadable + registry.issues
        return registry
    }

    /// Loads sources; a later source with the same kind and id replaces an earlier one (a technician's upload over
    /// the shipped file).
    public static func load(sources all: [Source]) -> Registry {
        var registry = Registry()
        var docs: [String: YAMLDocument] = [:]
        var profileFiles: [String: String] = [:]
        var firmwareFiles: [String: String] = [:]
        var latest: [String: Int] = [:]
        for (i, s) in all.enumerated() { latest[(s.isFirmware ? "f:" : "p:") + s.id] = i }
        let sources = all.enumerated().filter {
            latest[($0.element.isFirmware ? "f:" : "p:") + $0.element.id] == $0.offset
        }
        .map(\.element)
        for source in sources {
            let path = source.path
            let text = source.text
            let stem = source.id
            let isFirmware = source.isFirmware
            /// Records a loaded item under its id; a second file with the same id is an issue.
            func register<T>(
                _ item: T?, id: (T) -> String, kind: String, files: inout [String: String],
                into table: inout [String: T]
            ) {
                guard let item else { return }
                if let other = files[id(item)] {
                    registry.issues.append(
                        ConfigIssue(
                            file: path, line: 1, column: 1, field: "id",
                            message: "\(kind) id '\(id(item))' is also used by \(other)"))
                }
                files[id(item)] = path
                table[id(item)] = item
            }
            if isFirmware {
                let loaded = FirmwareSpecLoader.load(text: text, file: path, expectedID: stem)
                registry.issues += loaded.document.issues
                docs[path] = loaded.document
                register(loaded.spec, id: \.id, kind: "firmware", files: &firmwareFiles, into: &registry.firmware)
            } else {
                let loaded = ProfileLoader.load(text: text, file: path, expectedID: stem)
                registry.issues += loaded.document.issues
                docs[path] = loaded.document
                register(loaded.profile, id: \.id, kind: "profile", files: &profileFiles, into: &registry.profiles)
            }
        }
        registry.crossCheck(docs: &docs, profileFiles: profileFiles, firmwareFiles: firmwareFiles)
        return registry
    }

    /// Firmware lists point at specs that exist and point back; every pair compiles.
    mutating func crossCheck(
        docs: inout [String: YAMLDocument], profileFiles: [String: String], firmwareFiles: [String: String]
    ) {
        for (id, profile) in profiles.sorted(by: { $0.key < $1.key }) {
            let file = profileFiles[id]!
            var doc = docs[file]!
            let before = doc.issues.count
            var plansForProfile: [String: DecodePlan] = [:]
            switch DecodePlan.compile(profile: profile, firmware: nil) {
            case .success(let plan): plansForProfile[""] = plan
            case .failure(let problems):
                for p in problems.list { doc.issue(at: p.field, p.message) }
            }
            for (i, fid) in profile.firmware.enumerated() {
                guard let spec = firmware[fid] else {
                    if firmwareFiles[fid] == nil {
                        doc.issue(
                            at: "firmware[\(i)]", fallback: "firmware",
                            "no firmware spec '\(fid)' in Firmware-Specs/ (or it failed to load)")
                    }
                    continue
                }
                if spec.profile != id {
                    doc.issue(
                        at: "firmware[\(i)]", fallback: "firmware",
                        "firmware spec '\(fid)' belongs to profile '\(spec.profile)'")
                    continue
                }
                switch DecodePlan.compile(profile: profile, firmware: spec) {
                case .success(let plan): plansForProfile[fid] = plan
                case .failure(let problems):
                    let ffile = firmwareFiles[fid]!
                    var fdoc = docs[ffile]!
                    let fbefore = fdoc.issues.count
                    for p in problems.list {
                        if p.inFirmwareSpec {
                            fdoc.issue(at: p.field, fallback: "payload", p.message + " (profile '\(id)')")
                        } else {
                            doc.issue(at: p.field, p.message)
                        }
                    }
                    issues += fdoc.issues[fbefore...]
                    docs[ffile] = fdoc
                }
            }
            issues += doc.issues[before...]
            docs[file] = doc
            plans[id] = plansForProfile
        }
        for (fid, spec) in firmware.sorted(by: { $0.key < $1.key }) {
            let file = firmwareFiles[fid]!
            var doc = docs[file]!
            if let profile = profiles[spec.profile] {
                if !profile.firmware.contains(fid) {
                    doc.issue(at: "profile", "profile '\(spec.profile)' does not list this firmware under firmware:")
                    issues.append(doc.issues.last!)
                }
            } else if profileFiles[spec.profile] == nil {
                doc.issue(
                    at: "profile", "no device profile '\(spec.profile)' in DeviceProfiles/ (or it failed to load)")
                issues.append(doc.issues.last!)
            }
        }
        issues.sort { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
    }

    /// The plan for a profile and optional firmware spec.
    public func plan(profile: String, firmware: String? = nil) throws(ConfigError) -> DecodePlan {
        guard let forProfile = plans[profile] else {
            throw ConfigError(.unknownProfile, "no usable device profile '\(profile)'")
        }
        guard let plan = forProfile[firmware ?? ""] else {
            throw ConfigError(.unknownFirmware, "no firmware spec '\(firmware ?? "")' usable with profile '\(profile)'")
        }
        return plan
    }

    static func yamlFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map {
            directory.hasSuffix("/") ? directory + $0 : directory + "/" + $0
        }
    }
}

extension Registry {
    /// Why a clinician's thresholds cannot be used, or nil. The metric must be one a profile has; and since an
    /// override applies to that metric whichever device measures it, the bounds must stay in order with the other
    /// bounds of every profile that has it.
    public func problem(with o: ThresholdOverride) -> String? {
        let metrics = profiles.sorted { $0.key < $1.key }.compactMap { id, p in
            p.metrics.first { $0.key == o.metric }.map { (id, $0) }
        }
        guard !metrics.isEmpty else {
            return "no device profile has a metric '\(o.metric)': see 'helsebro profile list'"
        }
        for (id, m) in metrics {
            if let problem = m.alerts.overridden(by: o).inconsistency {
                return "with the other thresholds of profile '\(id)', \(problem)"
            }
        }
        return nil
    }
}
