import CMosquitto

#if canImport(Glibc)
    import Glibc
#endif

/// A subscriber that does no work: libmosquitto's own `loop_forever` and a counter. The ingest benchmark's baseline,
/// "what a bare libmosquitto subscriber receives on the same broker and machine".
public enum BareSubscriber {
    final class Counter {
        var received = 0
        var target = 0
        var done = false
        var onMessage: ((String, [UInt8]) -> Void)?
    }

    /// Subscribes to `filter` at QoS 1 (MQTT 5), counts `count` messages, then returns. Call `ready` once subscribed.
    /// `onMessage`, if given, sees each message's topic and payload on the network thread (the alert-latency probe);
    /// `stop` is polled about once a second and ends the wait early.
    public static func receive(
        host: String, port: Int, filter: String, count: Int, onMessage: ((String, [UInt8]) -> Void)? = nil,
        stop: () -> Bool = { false }, ready: () -> Void
    ) throws(MQTTError) {
        MosquittoLibrary.initialize()
        let counter = Counter()
        counter.target = count
        counter.onMessage = onMessage
        let context = Unmanaged.passRetained(counter).toOpaque()
        defer { Unmanaged<Counter>.fromOpaque(context).release() }
        guard let m = mosquitto_new("helsebro-bare-subscriber", true, context) else {
            throw MQTTError(.invalidConfiguration, "libmosquitto could not create a client")
        }
        defer { mosquitto_destroy(m) }
        mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
        mosquitto_int_option(m, MOSQ_OPT_RECEIVE_MAXIMUM, 1000)
        mosquitto_message_v5_callback_set(m) { m, userdata, message, _ in
            guard let userdata else { return }
            let c = Unmanaged<Counter>.fromOpaque(userdata).takeUnretainedValue()
            if let f = c.onMessage, let msg = message?.pointee {
                let payload =
                    msg.payload.map {
                        Array(UnsafeRawBufferPointer(start: $0, count: Int(msg.payloadlen)))
                    } ?? []
                f(msg.topic.map { String(cString: $0) } ?? "", payload)
            }
            c.received += 1
            if c.received >= c.target {
                c.done = true
                mosquitto_disconnect(m)
            }
        }
        var subscribed = false
        mosquitto_subscribe_v5_callback_set(m) { _, _, _, _, _, _ in }
        var rc = mosquitto_connect_bind_v5(m, host, Int32(port), 30, nil, nil)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError(.connectFailed, "cannot connect to \(host):\(port)", mosquittoCode: rc)
        }
        rc = mosquitto_subscribe_v5(m, nil, filter, 1, 0, nil)
        // Let the SUBSCRIBE and its SUBACK pass before the publisher starts.
        for _ in 0..<20 where rc == MOSQ_ERR_SUCCESS.rawValue { rc = mosquitto_loop(m, 50, 1) }
        subscribed = rc == MOSQ_ERR_SUCCESS.rawValue
        guard subscribed else { throw MQTTError(.protocolError, "subscribe failed", mosquittoCode: rc) }
        ready()
        while !counter.done && !stop() {
            rc = mosquitto_loop(m, 1000, 1)
            if rc != MOSQ_ERR_SUCCESS.rawValue && !counter.done {
                throw MQTTError(.protocolError, "connection lost after \(counter.received) messages", mosquittoCode: rc)
            }
        }
    }
}
