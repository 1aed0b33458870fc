/// One problem in a profile or firmware spec, located for the technician who wrote it.
public struct ConfigIssue: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The field at fault as a path: `metrics[2].plausible.low`.
    public var field: String
    public var message: String

    public init(file: String, line: Int, column: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `DeviceProfiles/acme-bp.yaml:14:12: metrics[0].loinc: check digit …`, the form compilers use.
    public var description: String { "\(file):\(line):\(column): \(field): \(message)" }
}

/// The error the configuration module throws: a code and every issue found. Safe to log: issues name files,
/// fields and rules, never patient data (profiles hold none).
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: Hashable, Sendable {
            case invalidConfiguration, unreadableDirectory, unknownProfile, unknownFirmware
        }
        let base: Base
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        public static let unreadableDirectory = Code(base: .unreadableDirectory)
        public static let unknownProfile = Code(base: .unknownProfile)
        public static let unknownFirmware = Code(base: .unknownFirmware)
        public var description: String { "\(base)" }
    }

    public var code: Code
    public var issues: [ConfigIssue]
    public var message: String
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String, issues: [ConfigIssue] = [], file: String = #fileID, line: Int = #line)
    {
        self.code = code
        self.message = message
        self.issues = issues
        self.file = file
        self.line = line
    }

    public var description: String {
        ([message] + issues.map(\.description)).joined(separator: "\n")
    }
}
