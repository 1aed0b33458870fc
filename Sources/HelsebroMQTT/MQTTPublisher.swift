import CMosquitto
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Publishes messages at QoS 1 with MQTT 5 user properties: the simulator's, the load generator's and the tests'
/// side of the broker. Keeps up to `window` messages in flight and waits for their PUBACKs in `flush()`.
public final class MQTTPublisher: @unchecked Sendable {
    // @unchecked Sendable: the handle is used from the caller's thread and libmosquitto's own loop thread, which
    // libmosquitto makes safe (`mosquitto_loop_start` mode); Swift state is behind `state`, a Mutex.

    let handle: OpaquePointer
    let context: UnsafeMutableRawPointer
    let window: Int
    /// How long `publish` waits for room in the window before it fails; nil waits as long as it takes.
    let windowTimeout: Int64?

    final class State: Sendable {
        let counters = Mutex<(inflight: Int, acknowledged: Int, connected: Bool, connackCode: Int32)>((0, 0, false, -1))
    }

    /// Connects and starts libmosquitto's network thread; waits up to `connectTimeoutSeconds` for the CONNACK.
    ///
    /// Once `handle` and `context` are set, every failure only throws: `deinit` then runs and is the one place that
    /// frees them (freeing them here as well destroyed the client twice and crashed `serve` when the broker went
    /// away while the alert publisher was connecting).
    public init(
        host: String, port: Int, clientID: String, window: Int = 100, username: String? = nil, password: String? = nil,
        connectTimeoutSeconds: Int = 10, windowTimeoutSeconds: Int? = nil
    )
        throws(MQTTError)
    {
        MosquittoLibrary.initialize()
        let state = State()
        let context = Unmanaged.passRetained(state).toOpaque()
        guard let m = mosquitto_new(clientID, true, context) else {
            Unmanaged<State>.fromOpaque(context).release()
            throw MQTTError(.invalidConfiguration, "libmosquitto could not create a client")
        }
        self.context = context
        handle = m
        self.window = window
        self.windowTimeout = windowTimeoutSeconds.map { Int64($0) * 1000 }
        mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
        if let username { mosquitto_username_pw_set(m, username, password) }
        mosquitto_connect_v5_callback_set(m) { _, userdata, rc, _, _ in
            guard let userdata else { return }
            Unmanaged<State>.fromOpaque(userdata).takeUnretainedValue().counters.withLock {
                $0.connackCode = rc
                $0.connected = rc == 0
            }
        }
        mosquitto_publish_v5_callback_set(m) { _, userdata, _, _, _ in
            guard let userdata else { return }
            Unmanaged<State>.fromOpaque(userdata).takeUnretainedValue().counters.withLock {
                $0.inflight -= 1
                $0.acknowledged += 1
            }
        }
        let rc = mosquitto_connect_bind_v5(m, host, Int32(port), 30, nil, nil)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError(
                .connectFailed, "cannot connect to the MQTT broker at \(host):\(port); is it running?",
                mosquittoCode: rc)
        }
        mosquitto_loop_start(m)
        let deadline = IngestClient.nowMilliseconds() + Int64(connectTimeoutSeconds) * 1000
        while IngestClient.nowMilliseconds() < deadline {
            let (connected, code) = state.counters.withLock { ($0.connected, $0.connackCode) }
            if connected { return }
            if code > 0 { break }
            usleep(1000)
        }
        mosquitto_loop_stop(m, true)
        throw MQTTError(.connectFailed, "the MQTT broker at \(host):\(port) did not accept the connection")
    }

    var state: State { Unmanaged<State>.fromOpaque(context).takeUnretainedValue() }

    /// Publishes at QoS 1, waiting while `window` messages are unacknowledged.
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 1, userProperties: [(String, String)] = [])
        throws(MQTTError)
    {
        let giveUp = windowTimeout.map { IngestClient.nowMilliseconds() + $0 }
        while state.counters.withLock({ $0.inflight }) >= window {
            if let giveUp, IngestClient.nowMilliseconds() >= giveUp {
                throw MQTTError(.publishFailed, "the broker has not acknowledged the last \(window) messages")
            }
            usleep(100)
        }
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        for (k, v) in userProperties {
            mosquitto_property_add_string_pair(&properties, Int32(MQTT_PROP_USER_PROPERTY.rawValue), k, v)
        }
        if qos > 0 { state.counters.withLock { $0.inflight += 1 } }
        let rc = payload.withUnsafeBytes { buffer in
            mosquitto_publish_v5(handle, nil, topic, Int32(buffer.count), buffer.baseAddress, qos, false, properties)
        }
        if rc != MOSQ_ERR_SUCCESS.rawValue {
            if qos > 0 { state.counters.withLock { $0.inflight -= 1 } }
            throw MQTTError(.publishFailed, "publish of \(payload.count) bytes failed", mosquittoCode: rc)
        }
    }

    /// Waits until every QoS 1 message has been acknowledged by the broker, up to `timeoutSeconds`.
    @discardableResult
    public func flush(timeoutSeconds: Int = 60) -> Bool {
        let deadline = IngestClient.nowMilliseconds() + Int64(timeoutSeconds) * 1000
        while IngestClient.nowMilliseconds() < deadline {
            if state.counters.withLock({ $0.inflight }) <= 0 { return true }
            usleep(500)
        }
        return false
    }

    public var acknowledged: Int { state.counters.withLock { $0.acknowledged } }

    /// True when `publish` at QoS 1 would not wait: fewer than `window` messages are unacknowledged.
    public var hasRoom: Bool { state.counters.withLock { $0.inflight } < window }

    /// Flushes, disconnects and stops the network thread.
    public func close() {
        flush(timeoutSeconds: 10)
        mosquitto_disconnect(handle)
        mosquitto_loop_stop(handle, false)
    }

    deinit {
        // Stops the network thread if `close()` did not (a failed init, or a publisher dropped without closing).
        mosquitto_loop_stop(handle, true)
        mosquitto_destroy(handle)
        Unmanaged<State>.fromOpaque(context).release()
    }
}
