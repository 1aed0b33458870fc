import ArgumentParser
import Dispatch
import Foundation
import HelsebroAPI
import HelsebroConfig
import HelsebroCore
import HelsebroIngest
import HelsebroJournal
import HelsebroMQTT
import Logging

#if canImport(Glibc)
    import CMalloc
#endif

/// `helsebro serve`: subscribe, decode, validate, journal.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the ingest service.")

    @Option(help: "Broker: mqtt://host:port or mqtts://host:port (env HELSEBRO_BROKER; default mqtt://127.0.0.1:1883).")
    var broker: String?
    @OptionGroup var journal: JournalOptions
    @OptionGroup var config: ConfigOptions
    @Option(help: "MQTT client id; keep it fixed so the broker keeps the session (default helsebro-ingest).")
    var clientID: String?
    @Option(help: "Topic prefix (default helsebro/v1).") var topicPrefix: String?
    @Option(
        name: [.customLong("group"), .customLong("shared-group")],
        help:
            "Shared-subscription group: instances in one group share the devices' messages (env HELSEBRO_GROUP; each needs its own --client-id)."
    )
    var sharedGroup: String?
    @Option(help: "MQTT user name (env HELSEBRO_MQTT_USER).") var username: String?
    @Option(help: "MQTT password (better: env HELSEBRO_MQTT_PASSWORD, not visible in ps).") var password: String?
    @Option(help: "TLS CA certificate file.") var tlsCA: String?
    @Option(help: "TLS client certificate file.") var tlsCert: String?
    @Option(help: "TLS client key file.") var tlsKey: String?
    @Option(help: "Most messages committed in one transaction (default 1000).") var maxBatch: Int?
    @Flag(help: "Speak MQTT 3.1.1 only.") var mqtt311 = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error (default info).") var logLevel: String?
    @Option(help: "Escalate an alert not acknowledged within this time (default 15m).")
    var escalateAfter = DurationArgument(argument: "15m")!
    @Option(help: "NEWS2 uses vital signs no older than this (default 60m).")
    var news2Window = DurationArgument(argument: "60m")!
    @Flag(help: "Do not write the daily summaries after midnight.") var noSummaries = false
    @Option(help: "HTTP API address, HOST:PORT (env HELSEBRO_HTTP; default 127.0.0.1:8080).") var http: String?
    @Flag(help: "No HTTP API.") var noHttp = false
    @Option(help: "HTTPS: PEM certificate chain file for the HTTP API (with --http-tls-key).") var httpTlsCert: String?
    @Option(help: "HTTPS: PEM private key file for the HTTP API.") var httpTlsKey: String?
    @Option(help: "Token key file (env HELSEBRO_TOKEN_KEY; default beside the journal, created if missing).")
    var tokenKey: String?

    /// The settings after options, environment, configuration file and defaults.
    struct Settings {
        var broker, clientID, topicPrefix, logLevel: String
        var sharedGroup, username, password, tlsCA, tlsCert, tlsKey: String?
        var maxBatch: Int
    }

    func settings() throws -> Settings {
        func get(_ option: String?, _ env: String, _ key: String, _ fallback: String? = nil) throws -> String? {
            try journal.setting(option, env: env, key: key, default: fallback)
        }
        let batchText = try get(maxBatch.map(String.init), "HELSEBRO_MAX_BATCH", "max-batch", "1000")!
        guard let batch = Int(batchText), (1...100_000).contains(batch) else {
            throw ValidationError("max-batch must be a whole number from 1 to 100000, got '\(batchText)'")
        }
        let client = try get(clientID, "HELSEBRO_CLIENT_ID", "client-id", "helsebro-ingest")!
        let group = try get(sharedGroup, "HELSEBRO_GROUP", "group") ?? get(nil, "HELSEBRO_SHARED_GROUP", "shared-group")
        if group != nil && journal.location.hasPrefix("sqlite:") {
            // Instances in a group share the messages, so they must share the journal, and with it decision support.
            throw ValidationError("--group needs a journal the instances share: --journal postgres://...")
        }
        if group != nil && client == "helsebro-ingest" {
            // The broker keeps each member's share of the messages in that member's session while it is away: an
            // instance must come back under the same id to take them, and two under one id would push each other off.
            throw ValidationError(
                "with --group, give each instance its own --client-id, the same at every restart (helsebro-ingest-1, helsebro-ingest-2, ...)"
            )
        }
        let level = try get(logLevel, "HELSEBRO_LOG_LEVEL", "log-level", "info")!
        guard Logger.Level(rawValue: level) != nil else {
            throw ValidationError("log-level must be trace, debug, info, notice, warning or error, got '\(level)'")
        }
        return Settings(
            broker: try get(broker, "HELSEBRO_BROKER", "broker", "mqtt://127.0.0.1:1883")!,
            clientID: client,
            topicPrefix: try get(topicPrefix, "HELSEBRO_TOPIC_PREFIX", "topic-prefix", "helsebro/v1")!,
            logLevel: level,
            sharedGroup: group,
            username: try get(username, "HELSEBRO_MQTT_USER", "username"),
            password: try get(password, "HELSEBRO_MQTT_PASSWORD", "password"),
            tlsCA: try get(tlsCA, "HELSEBRO_TLS_CA", "tls-ca"),
            tlsCert: try get(tlsCert, "HELSEBRO_TLS_CERT", "tls-cert"),
            tlsKey: try get(tlsKey, "HELSEBRO_TLS_KEY", "tls-key"),
            maxBatch: batch)
    }

    func run() throws {
        #if canImport(Glibc)
            // One arena for every thread. glibc gives threads arenas of their own, and what a thread frees stays
            // resident in its arena: with 100,000 devices a second arena held 42 MB of which 0.15 MB was in use
            // (`malloc_stats`), and resident memory was 152–162 MB under load, 40 MB more in some runs than others.
            // With one: 115–121 MB. The threads other than the ingest thread allocate little, and small
            // allocations come from each thread's cache without the arena's lock: the realistic mix measured
            // 9,975 / 9,572 / 10,327 msg/s with one arena against 8,940 / 8,455 / 8,062 with two, alternated.
            mallopt(M_ARENA_MAX, 1)
        #endif
        let settings = try settings()
        var mqtt = MQTTConfiguration()
        do {
            try mqtt.apply(url: settings.broker)
        } catch {
            throw ValidationError(error.description)
        }
        mqtt.clientID = settings.clientID
        mqtt.topicPrefix = settings.topicPrefix
        mqtt.sharedGroup = settings.sharedGroup
        mqtt.preferMQTT5 = !mqtt311
        mqtt.username = settings.username
        mqtt.password = settings.password
        if settings.tlsCA != nil || settings.tlsCert != nil || settings.tlsKey != nil {
            mqtt.tls = MQTTConfiguration.TLS(
                caFile: settings.tlsCA, certFile: settings.tlsCert, keyFile: settings.tlsKey)
        }
        var logger = Logger(label: "helsebro")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        let store = try journal.open()
        (store.database as? SQLiteDatabase)?.checkpointInBackground()
        let library = ConfigLibrary.serving(
            store: store, profilesDirectory: config.profilesDir, firmwareDirectory: config.firmwareDir)
        let registry = library.registry()
        if !registry.issues.isEmpty {
            logger.warning(
                "profiles or firmware specs have issues; run 'helsebro profile lint'",
                metadata: ["issues": "\(registry.issues.count)"])
        }
        var alertSettings = AlertEngine.Settings()
        alertSettings.escalateAfterSeconds = escalateAfter.seconds
        alertSettings.news2WindowSeconds = news2Window.seconds
        let service = try IngestService(
            configuration: mqtt, store: store, registry: registry, maxBatch: settings.maxBatch,
            alertSettings: alertSettings, scheduledSummaries: !noSummaries, library: library,
            stateFile: IngestStateFile(journal: journal.location), logger: logger)
        var httpTask: Task<Void, Never>?
        if !noHttp {
            let address = try journal.setting(http, env: "HELSEBRO_HTTP", key: "http", default: "127.0.0.1:8080")!
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                (0...65535).contains(port)
            else { throw ValidationError("--http must be HOST:PORT, got '\(address)'") }
            let key = try TokenKey.load(file: try journal.tokenKeyFile(tokenKey))
            let certificate = try journal.setting(httpTlsCert, env: "HELSEBRO_HTTP_TLS_CERT", key: "http-tls-cert")
            let privateKey = try journal.setting(httpTlsKey, env: "HELSEBRO_HTTP_TLS_KEY", key: "http-tls-key")
            guard (certificate == nil) == (privateKey == nil) else {
                throw ValidationError("--http-tls-cert and --http-tls-key go together")
            }
            for file in [certificate, privateKey].compactMap({ $0 })
            where !FileManager.default.isReadableFile(atPath: file) {
                throw ValidationError("cannot read \(file)")
            }
            let server = APIServer(
                store: store, library: library, key: key, host: String(address[..<colon]), port: port,
                tls: certificate.map { ($0, privateKey!) }, logger: logger)
            httpTask = Task.detached {
                do {
                    try await server.run()
                } catch {
                    logger.error("the HTTP API stopped", metadata: ["error": "\(error)"])
                }
            }
        }
        defer { httpTask?.cancel() }
        // A parent may have started us with these blocked (Foundation's Process from a Dispatch thread does):
        // unblock them, or Ctrl-C and SIGTERM would never reach the service.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { service.stop() }
            source.resume()
            return source
        }
        logger.info(
            "helsebro serve: subscribing",
            metadata: [
                "broker": "\(mqtt.host):\(mqtt.port)", "filter": "\(mqtt.subscription)",
                "journal": "\(journal.location)", "profiles": "\(registry.profiles.count)",
            ])
        try service.run()
        sources.forEach { $0.cancel() }
        let s = service.statistics
        logger.info(
            "helsebro serve: stopped; every message was committed before it was acknowledged",
            metadata: ["committed": "\(s.messages)", "unacknowledged": "\(s.unacknowledgedAtStop)"])
    }
}
