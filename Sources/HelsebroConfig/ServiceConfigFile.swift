import Foundation
import Yams

/// The optional configuration file of `helsebro serve` and the journal commands: a YAML mapping whose keys are the
/// long option names (`broker: mqtt://…`, `journal: sqlite:…`, `max-batch: 500`).
///
/// Precedence, highest first: command-line option, environment variable, this file, built-in default.
public enum ServiceConfigFile {
    public static let keys: Set<String> = [
        "broker", "journal", "client-id", "topic-prefix", "group", "shared-group", "username", "password", "tls-ca",
        "tls-cert", "tls-key", "max-batch", "log-level", "profiles-dir", "firmware-dir", "http", "http-tls-cert",
        "http-tls-key", "token-key",
    ]

    /// Reads the file; every problem names file, line and key.
    public static func load(path: String) throws(ConfigError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigError(.unreadableDirectory, "cannot read the configuration file \(path)")
        }
        var doc = YAMLDocument(file: path)
        guard let root = doc.parse(text), let mapping = doc.mapping(root, "", allowed: keys) else {
            throw ConfigError(.invalidConfiguration, "configuration file \(path) is not valid", issues: doc.issues)
        }
        var values: [String: String] = [:]
        for key in mapping.keys.sorted() {
            if let v = doc.string(mapping, key, "") { values[key] = v }
        }
        guard doc.issues.isEmpty else {
            throw ConfigError(.invalidConfiguration, "configuration file \(path) is not valid", issues: doc.issues)
        }
        return values
    }
}
