/// How to reach the broker and what to subscribe to.
public struct MQTTConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 1883
    /// Fixed, so the broker keeps the persistent session across restarts.
    public var clientID = "helsebro-ingest"
    public var keepalive: Int32 = 30
    public var username: String?
    public var password: String?
    public var tls: TLS?
    /// Topic prefix: devices publish to `{prefix}/devices/{deviceId}/{channel}`.
    public var topicPrefix = "helsebro/v1"
    /// QoS of the subscription. 1: libmosquitto runs `on_message` for QoS 2 only after PUBCOMP is queued, so QoS 2
    /// cannot be acknowledged after commit (reference/libmosquitto.md §1.2).
    public var qos: Int32 = 1
    /// MQTT 5 session expiry: how long the broker keeps messages for Helsebro while it is down.
    public var sessionExpirySeconds: UInt32 = 7 * 24 * 3600
    /// MQTT 5 Receive Maximum: unacknowledged messages the broker may send before Helsebro commits them.
    public var receiveMaximum: Int32 = 1000
    /// Use a `$share/{group}/` subscription (several instances).
    public var sharedGroup: String?
    /// Try MQTT 5 first, then 3.1.1 if the broker refuses it.
    public var preferMQTT5 = true

    public struct TLS: Sendable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    public init() {}

    /// The subscription filter: `helsebro/v1/devices/+/#`, or its shared form.
    public var subscription: String {
        let filter = topicPrefix + "/devices/+/#"
        return sharedGroup.map { "$share/\($0)/" + filter } ?? filter
    }

    /// Reads `mqtt://host:port` or `mqtts://host:port` (TLS).
    public mutating func apply(url: String) throws(MQTTError) {
        var rest = Substring(url)
        if rest.hasPrefix("mqtt://") {
            rest = rest.dropFirst(7)
        } else if rest.hasPrefix("mqtts://") {
            rest = rest.dropFirst(8)
            if tls == nil { tls = TLS() }
            port = 8883
        } else {
            throw MQTTError(
                .invalidConfiguration, "broker URL must start with mqtt:// or mqtts://, e.g. mqtt://127.0.0.1:1883")
        }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1)
            username = parts.first.map(String.init)
            password = parts.count > 1 ? String(parts[1]) : nil
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let colon = rest.lastIndex(of: ":") {
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                throw MQTTError(.invalidConfiguration, "broker URL has no valid port: use mqtt://host:1883")
            }
            port = p
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else { throw MQTTError(.invalidConfiguration, "broker URL has no host") }
        host = String(rest)
    }
}

/// One message as received, copied out of libmosquitto before its callback returns.
public struct InboundMessage: Sendable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int32
    public var retain: Bool
    /// MQTT 5 user property `seq`: the device's sequence number.
    public var sequence: UInt64?
    /// MQTT 5 user property `ts`: gateway receive time, RFC 3339.
    public var gatewayTime: String?
    /// When this process took it from the broker: microseconds since 1970 (0 when not known). With a shared
    /// subscription, the order of arrival over all instances is the closest there is to the order of publishing.
    public var arrived: Int64 = 0

    public init(
        topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false, sequence: UInt64? = nil,
        gatewayTime: String? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.sequence = sequence
        self.gatewayTime = gatewayTime
    }
}
