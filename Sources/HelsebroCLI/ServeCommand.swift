import ArgumentParser
import Dispatch
import Foundation
import HelsebroConfig
import HelsebroIngest
import HelsebroJournal
import HelsebroMQTT
import Logging

/// `helsebro serve`: subscribe, decode, validate, journal.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the ingest service.")

    @Option(help: "Broker: mqtt://host:port or mqtts://host:port (env HELSEBRO_BROKER).")
    var broker: String = ProcessInfo.processInfo.environment["HELSEBRO_BROKER"] ?? "mqtt://127.0.0.1:1883"
    @OptionGroup var journal: JournalOptions
    @OptionGroup var config: ConfigOptions
    @Option(help: "MQTT client id; keep it fixed so the broker keeps the session.") var clientID = "helsebro-ingest"
    @Option(help: "Topic prefix.") var topicPrefix = "helsebro/v1"
    @Option(help: "Shared-subscription group, for several instances.") var sharedGroup: String?
    @Option(help: "MQTT user name (or env HELSEBRO_MQTT_USER).") var username: String?
    @Option(help: "MQTT password (better: env HELSEBRO_MQTT_PASSWORD, not visible in ps).") var password: String?
    @Option(help: "TLS CA certificate file.") var tlsCA: String?
    @Option(help: "TLS client certificate file.") var tlsCert: String?
    @Option(help: "TLS client key file.") var tlsKey: String?
    @Option(help: "Most messages committed in one transaction.") var maxBatch = 1000
    @Flag(help: "Speak MQTT 3.1.1 only.") var mqtt311 = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning or error")
        }
        guard (1...100_000).contains(maxBatch) else { throw ValidationError("--max-batch must be 1…100000") }
    }

    func run() throws {
        var mqtt = MQTTConfiguration()
        do {
            try mqtt.apply(url: broker)
        } catch {
            throw ValidationError(error.description)
        }
        mqtt.clientID = clientID
        mqtt.topicPrefix = topicPrefix
        mqtt.sharedGroup = sharedGroup
        mqtt.preferMQTT5 = !mqtt311
        let environment = ProcessInfo.processInfo.environment
        mqtt.username = username ?? environment["HELSEBRO_MQTT_USER"]
        mqtt.password = password ?? environment["HELSEBRO_MQTT_PASSWORD"]
        if tlsCA != nil || tlsCert != nil || tlsKey != nil {
            mqtt.tls = MQTTConfiguration.TLS(caFile: tlsCA, certFile: tlsCert, keyFile: tlsKey)
        }
        var logger = Logger(label: "helsebro")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let registry = config.loadRegistry()
        if !registry.issues.isEmpty {
            logger.warning(
                "profiles or firmware specs have issues; run 'helsebro profile lint'",
                metadata: ["issues": "\(registry.issues.count)"])
        }
        let store = try journal.open()
        let service = IngestService(
            configuration: mqtt, store: store, registry: registry, maxBatch: maxBatch, logger: logger)
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
                "journal": "\(journal.journal)", "profiles": "\(registry.profiles.count)",
            ])
        try service.run()
        sources.forEach { $0.cancel() }
        logger.info("helsebro serve: stopped; every received message was committed before it was acknowledged")
    }
}
