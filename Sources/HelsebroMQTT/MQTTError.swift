import CMosquitto

/// The error of the MQTT module. Safe to log: never payloads or topics with device identifiers.
public struct MQTTError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: Hashable, Sendable {
            case invalidConfiguration, connectFailed, tlsFailed, protocolError, publishFailed
        }
        let base: Base
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        public static let connectFailed = Code(base: .connectFailed)
        public static let tlsFailed = Code(base: .tlsFailed)
        public static let protocolError = Code(base: .protocolError)
        public static let publishFailed = Code(base: .publishFailed)
        public var description: String { "\(base)" }
    }

    public var code: Code
    public var message: String
    /// The libmosquitto return code, if any.
    public var mosquittoCode: Int32?
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String, mosquittoCode: Int32? = nil, file: String = #fileID, line: Int = #line)
    {
        self.code = code
        self.message = message
        self.mosquittoCode = mosquittoCode
        self.file = file
        self.line = line
    }

    public var description: String {
        guard let rc = mosquittoCode else { return message }
        return message + " (" + String(cString: mosquitto_strerror(rc)) + ")"
    }
}
