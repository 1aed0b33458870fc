import CMosquitto
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Receives device messages and acknowledges each to the broker only after the handler has committed it.
///
/// Design D1 of `reference/libmosquitto.md` §1.5: this client runs its own network loop on the calling thread with
/// `mosquitto_threaded_set(true)`, so libmosquitto only *queues* the PUBACK it generates before `on_message`; the
/// loop reads a batch, hands it to the handler (which commits it to the journal), and only then calls
/// `mosquitto_loop_write`, which sends the PUBACKs. If the handler throws, the connection is re-established, which
/// discards the queued PUBACKs (`mosquitto__reconnect` → `packet__cleanup_all`), and the broker redelivers. This
/// rests on libmosquitto 2.0.11 internals; `IngestAcknowledgementTests` pins it against the real broker.
///
/// The batch is the bounded hand-off: while the handler works, nothing is read from the broker, so a slow journal
/// makes the broker hold messages (its queue is configured unbounded and persistent) rather than Helsebro's memory
/// grow. `pausedForBackpressure` counts the batches that filled up.
public final class IngestClient: @unchecked Sendable {
    // @unchecked Sendable: the mosquitto handle and `context` are used only on the thread inside `run()`;
    // the only cross-thread state is `control`, a Mutex.

    public typealias Handler = ([InboundMessage]) throws -> Void

    public struct Statistics: Sendable, Equatable {
        public var connected = false
        public var connects = 0
        /// SUBACKs received: the broker now routes device messages to this session.
        public var subscriptions = 0
        public var batches = 0
        public var messages = 0
        public var pausedForBackpressure = 0
        public var handlerFailures = 0
        public var protocolVersion = 5
        /// The journal could not be written, so nothing is taken from the broker until it can.
        public var journalPaused = false
        /// Times the journal became unwritable.
        public var journalFaults = 0
        /// Messages held at `stop()` that could not be committed, so were not acknowledged (the broker redelivers).
        public var unacknowledgedAtStop = 0
    }

    let configuration: MQTTConfiguration
    let maxBatch: Int
    let handler: Handler
    let logger: Logger
    let control = Mutex<(stopping: Bool, stats: Statistics)>((false, Statistics()))
    /// Called on the network thread about once a second, connected or not (escalations, missing data).
    let tick: (() -> Void)?
    /// After a failed commit: a small write to the journal; nil when it worked, else why not. With a probe, the
    /// client takes nothing from the broker until the journal can be written again; without one, it reconnects at
    /// once and the broker redelivers.
    let journalProbe: (() -> String?)?
    /// Told when the journal becomes unwritable (with the reason) and when it is writable again (nil).
    let journalFault: ((String?) -> Void)?

    public init(
        configuration: MQTTConfiguration, maxBatch: Int = 1000, logger: Logger, tick: (() -> Void)? = nil,
        journalProbe: (() -> String?)? = nil, journalFault: ((String?) -> Void)? = nil,
        handler: @escaping Handler
    ) {
        self.configuration = configuration
        self.maxBatch = maxBatch
        self.handler = handler
        self.logger = logger
        self.tick = tick
        self.journalProbe = journalProbe
        self.journalFault = journalFault
    }

    public var statistics: Statistics { control.withLock { $0.stats } }

    /// Asks `run()` to commit what it holds, acknowledge it, disconnect and return. Callable from any thread.
    public func stop() { control.withLock { $0.stopping = true } }

    var stopping: Bool { control.withLock { $0.stopping } }

    /// State the C callbacks write, confined to the network thread.
    final class Context {
        var batch: [InboundMessage] = []
        var connected = false
        var connackCode: Int32 = -1
        var sessionPresent = false
        var lost = false
        var subscriptionAcknowledged = false
    }

    /// Runs the network loop until `stop()`. Throws only for configuration errors (bad TLS files, for example);
    /// an unreachable broker is retried with backoff.
    public func run() throws(MQTTError) {
        MosquittoLibrary.initialize()
        let context = Context()
        context.batch.reserveCapacity(maxBatch)
        let contextPointer = Unmanaged.passRetained(context).toOpaque()
        guard let m = mosquitto_new(configuration.clientID, false, contextPointer) else {
            Unmanaged<Context>.fromOpaque(contextPointer).release()
            throw MQTTError(.invalidConfiguration, "libmosquitto could not create a client")
        }
        defer {
            mosquitto_destroy(m)
            Unmanaged<Context>.fromOpaque(contextPointer).release()
        }
        try configure(m)
        var protocolVersion = configuration.preferMQTT5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        var machine = ReconnectStateMachine()
        var socketOpen = false
        var subscribed = false
        var failedAttempts = 0
        var lastTick = Self.nowMilliseconds()
        /// Monotonic ms since the journal could not be written; nil while it can.
        var pausedSince: Int64?

        func lose() {
            socketOpen = false
            context.connected = false
            _ = machine.connectionLost()
            control.withLock { $0.stats.connected = false }
        }

        func maybeTick() {
            // Decision support writes to the journal too: while it cannot be written, ticks would only fail.
            guard let tick, pausedSince == nil, Self.nowMilliseconds() - lastTick >= 1000 else { return }
            lastTick = Self.nowMilliseconds()
            tick()
        }

        while !stopping {
            maybeTick()
            if !socketOpen {
                if case .wait(let ms) = machine.start() {
                    let until = Self.nowMilliseconds() + Int64(ms)
                    while !stopping && Self.nowMilliseconds() < until {
                        usleep(20_000)
                        maybeTick()
                    }
                    if stopping { break }
                }
                mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, protocolVersion)
                context.connackCode = -1
                context.connected = false
                context.subscriptionAcknowledged = false
                subscribed = false
                let rc = connect(m, protocolVersion: protocolVersion)
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    failedAttempts += 1
                    if failedAttempts == 1 || failedAttempts % 10 == 0 {
                        let reason = String(cString: mosquitto_strerror(rc))
                        logger.warning(
                            "cannot reach the MQTT broker at \(configuration.host):\(configuration.port) (\(reason)); retrying with backoff. Is it running? See --broker."
                        )
                    }
                    _ = machine.connectionLost()
                    continue
                }
                failedAttempts = 0
                socketOpen = true
            }
            if context.connackCode > 0 {
                // Refused. An MQTT 5 refusal of the protocol version (0x84; 3.1.1 code 1) falls back to 3.1.1.
                if (context.connackCode == 132 || context.connackCode == 1) && protocolVersion == MQTT_PROTOCOL_V5 {
                    logger.info("broker refused MQTT 5; falling back to MQTT 3.1.1")
                    protocolVersion = MQTT_PROTOCOL_V311
                    control.withLock { $0.stats.protocolVersion = 4 }
                } else {
                    logger.warning("broker refused the connection", metadata: ["code": "\(context.connackCode)"])
                }
                lose()
                continue
            }
            if context.connected && !subscribed {
                _ = machine.connected(sessionPresent: context.sessionPresent)
                var mid: Int32 = 0
                if mosquitto_subscribe_v5(m, &mid, configuration.subscription, configuration.qos, 0, nil)
                    != MOSQ_ERR_SUCCESS.rawValue
                {
                    lose()
                    continue
                }
                subscribed = true
                control.withLock {
                    $0.stats.connected = true
                    $0.stats.connects += 1
                }
                logger.info(
                    "connected to the MQTT broker",
                    metadata: [
                        "session-present": "\(context.sessionPresent)",
                        "protocol": "\(protocolVersion == MQTT_PROTOCOL_V5 ? "5" : "3.1.1")",
                    ])
            }

            let socket = mosquitto_socket(m)
            if socket < 0 {
                lose()
                continue
            }
            var fd = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            if mosquitto_want_write(m) { fd.events |= Int16(POLLOUT) }
            _ = poll(&fd, 1, 250)
            var lost = false
            if fd.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                // One packet per `mosquitto_loop_read`. Read on until a read delivers no message: the socket is
                // drained (libmosquitto's read gets EAGAIN and returns success), a packet is only partly in, or it
                // was not a message (a SUBACK, a PINGRESP). Each of those ends the batch early, which is harmless.
                // A `poll` per message to ask whether more had come was 40,000 system calls per 40,000 messages
                // (`strace -f` of `serve`); this costs one read that finds nothing per burst.
                repeat {
                    let before = context.batch.count
                    if mosquitto_loop_read(m, 1) != MOSQ_ERR_SUCCESS.rawValue {
                        lost = true
                        break
                    }
                    if context.batch.count == before { break }
                } while context.batch.count < maxBatch
            }
            if !context.batch.isEmpty {
                if let failure = commit(context) {
                    // The failed batch's PUBACKs are queued but unsent: reconnecting discards them
                    // (`mosquitto__reconnect` → `packet__cleanup_all`) and the broker redelivers the messages.
                    lose()
                    waitForJournal(failure, since: &pausedSince)
                    continue
                }
                if let since = pausedSince {
                    pausedSince = nil
                    control.withLock { $0.stats.journalPaused = false }
                    logger.notice(
                        "the journal can be written again: taking messages from the broker again",
                        metadata: ["paused-seconds": "\((Self.nowMilliseconds() - since) / 1000)"])
                    journalFault?(nil)
                }
            }
            if lost {
                lose()
                continue
            }
            // Only now, with the batch committed, do its PUBACKs leave.
            if mosquitto_want_write(m) && mosquitto_loop_write(m, 1) != MOSQ_ERR_SUCCESS.rawValue {
                lose()
                continue
            }
            mosquitto_loop_misc(m)
            if context.subscriptionAcknowledged {
                context.subscriptionAcknowledged = false
                control.withLock { $0.stats.subscriptions += 1 }
                logger.info("subscribed", metadata: ["filter": "\(configuration.subscription)"])
            }
        }
        // Graceful stop: the batch in hand is committed and acknowledged before disconnecting.
        if !context.batch.isEmpty {
            let held = context.batch.count
            if commit(context) == nil {
                _ = mosquitto_loop_write(m, 1)
            } else {
                control.withLock { $0.stats.unacknowledgedAtStop = held }
            }
        }
        if socketOpen {
            mosquitto_disconnect(m)
            _ = mosquitto_loop_write(m, 1)
        }
        control.withLock { $0.stats.connected = false }
    }

    /// After a failed commit: says so once, then waits, probing the journal with growing pauses (0.5 s to 15 s), until
    /// it can be written or the client is stopped. Nothing is read from the broker meanwhile; it keeps the messages
    /// (persistent session, unacknowledged QoS 1) and redelivers them on the next connection.
    func waitForJournal(_ failure: String, since pausedSince: inout Int64?) {
        if pausedSince == nil {
            pausedSince = Self.nowMilliseconds()
            control.withLock {
                $0.stats.journalPaused = true
                $0.stats.journalFaults += 1
            }
            logger.error(
                "the journal cannot be written: stopped taking messages from the broker, which keeps them; resuming by itself when the journal can be written (check disk space, permissions and other processes holding the journal)",
                metadata: ["error": "\(failure)"])
            journalFault?(failure)
        }
        guard let probe = journalProbe else { return }
        var delay: Int64 = 500
        var lastReport = Self.nowMilliseconds()
        while !stopping {
            let until = Self.nowMilliseconds() + delay
            while !stopping && Self.nowMilliseconds() < until { usleep(20_000) }
            if stopping { return }
            guard let problem = probe() else { return }
            delay = min(delay * 2, 15_000)
            if Self.nowMilliseconds() - lastReport >= 60_000 {
                lastReport = Self.nowMilliseconds()
                logger.warning(
                    "the journal still cannot be written; still not taking messages from the broker",
                    metadata: [
                        "error": "\(problem)", "paused-seconds": "\((lastReport - (pausedSince ?? lastReport)) / 1000)",
                    ])
            }
        }
    }

    /// Hands the batch to the handler; nil when it committed, else why not.
    func commit(_ context: Context) -> String? {
        let full = context.batch.count >= maxBatch
        do {
            try handler(context.batch)
            control.withLock {
                $0.stats.batches += 1
                $0.stats.messages += context.batch.count
                if full { $0.stats.pausedForBackpressure += 1 }
            }
            context.batch.removeAll(keepingCapacity: true)
            return nil
        } catch {
            logger.debug("journal commit failed; the broker will redeliver the batch", metadata: ["error": "\(error)"])
            control.withLock { $0.stats.handlerFailures += 1 }
            context.batch.removeAll(keepingCapacity: true)
            return "\(error)"
        }
    }

    func configure(_ m: OpaquePointer) throws(MQTTError) {
        mosquitto_threaded_set(m, true)
        // At least one batch's worth (MQTT 5 allows up to 65,535): with fewer unacknowledged messages allowed, a
        // larger `maxBatch` could never fill.
        let receiveMaximum = max(Int(configuration.receiveMaximum), min(65_535, maxBatch))
        mosquitto_int_option(m, MOSQ_OPT_RECEIVE_MAXIMUM, Int32(receiveMaximum))
        if let user = configuration.username {
            mosquitto_username_pw_set(m, user, configuration.password)
        }
        if let tls = configuration.tls {
            let rc = mosquitto_tls_set(m, tls.caFile, nil, tls.certFile, tls.keyFile, nil)
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                throw MQTTError(
                    .tlsFailed, "TLS setup failed: check --tls-ca, --tls-cert and --tls-key", mosquittoCode: rc)
            }
        }
        mosquitto_connect_v5_callback_set(m) { _, userdata, rc, flags, _ in
            guard let userdata else { return }
            let context = Unmanaged<Context>.fromOpaque(userdata).takeUnretainedValue()
            context.connackCode = rc
            context.connected = rc == 0
            context.sessionPresent = flags & 1 != 0
        }
        mosquitto_subscribe_v5_callback_set(m) { _, userdata, _, _, _, _ in
            guard let userdata else { return }
            Unmanaged<Context>.fromOpaque(userdata).takeUnretainedValue().subscriptionAcknowledged = true
        }
        mosquitto_disconnect_v5_callback_set(m) { _, userdata, _, _ in
            guard let userdata else { return }
            let context = Unmanaged<Context>.fromOpaque(userdata).takeUnretainedValue()
            context.connected = false
        }
        mosquitto_message_v5_callback_set(m) { _, userdata, message, properties in
            guard let userdata, let message else { return }
            let context = Unmanaged<Context>.fromOpaque(userdata).takeUnretainedValue()
            context.batch.append(IngestClient.copy(message.pointee, properties))
        }
    }

    func connect(_ m: OpaquePointer, protocolVersion: Int32) -> Int32 {
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        if protocolVersion == MQTT_PROTOCOL_V5 {
            mosquitto_property_add_int32(
                &properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), configuration.sessionExpirySeconds)
        }
        return mosquitto_connect_bind_v5(
            m, configuration.host, Int32(configuration.port), configuration.keepalive, nil, properties)
    }

    /// Copies a message and its `seq` and `ts` user properties; libmosquitto frees them when the callback returns.
    static func copy(_ message: mosquitto_message, _ properties: OpaquePointer?) -> InboundMessage {
        let topic = String(cString: message.topic)
        let payload = [UInt8](UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen)))
        var inbound = InboundMessage(topic: topic, payload: payload, qos: message.qos, retain: message.retain)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        inbound.arrived = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        var property = properties
        var skipFirst = false
        while property != nil {
            var name: UnsafeMutablePointer<CChar>? = nil
            var value: UnsafeMutablePointer<CChar>? = nil
            property = mosquitto_property_read_string_pair(
                property, Int32(MQTT_PROP_USER_PROPERTY.rawValue), &name, &value, skipFirst)
            skipFirst = true
            if let name, let value {
                // The names compared in place: two Strings a message fewer.
                if strcmp(name, "seq") == 0 {
                    inbound.sequence = UInt64(String(cString: value))
                } else if strcmp(name, "ts") == 0 {
                    inbound.gatewayTime = String(cString: value)
                }
            }
            free(name)
            free(value)
        }
        return inbound
    }

    /// Monotonic milliseconds, for timeouts and refresh intervals.
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
