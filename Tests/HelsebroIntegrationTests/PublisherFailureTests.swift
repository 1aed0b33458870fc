import Foundation
import HelsebroMQTT
import HelsebroTestSupport
import Testing

/// The publisher's failure paths. `serve` creates its alert publisher while ingesting, so a broker that is down or
/// silent at that moment must give an error, not a crash (a double free here once took `serve` down) or a hang.
@Suite("MQTT publisher failures")
struct PublisherFailureTests {
    @Test("nothing listening: each attempt throws connectFailed and the process lives on")
    func refused() {
        let port = freePort()
        for i in 0..<50 {
            #expect(throws: MQTTError.self) {
                _ = try MQTTPublisher(host: "127.0.0.1", port: port, clientID: "refused-\(i)")
            }
        }
    }

    @Test("a listener that never answers CONNECT: the connect timeout ends the wait with an error")
    func silentListener() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 && listen(fd, 8) == 0
            }
        }
        try #require(listening)
        let port = Int(UInt16(bigEndian: addr.sin_port))
        for i in 0..<3 {
            let started = Date()
            #expect(throws: MQTTError.self) {
                _ = try MQTTPublisher(
                    host: "127.0.0.1", port: port, clientID: "silent-\(i)", connectTimeoutSeconds: 1)
            }
            #expect(Date().timeIntervalSince(started) < 5)
        }
    }

    @Test("the broker gone with the window full: publish fails after its window timeout instead of waiting forever")
    func windowTimeout() throws {
        let broker = try TestBroker()
        let pub = try MQTTPublisher(
            host: "127.0.0.1", port: broker.port, clientID: "window", window: 5, windowTimeoutSeconds: 1)
        try pub.publish(topic: "t/before", payload: [1])
        #expect(pub.flush(timeoutSeconds: 10))
        broker.stop()
        let started = Date()
        var failure: MQTTError?
        do {
            for _ in 0..<20 { try pub.publish(topic: "t/during", payload: [2]) }
        } catch {
            failure = error
        }
        #expect(failure?.code == .publishFailed)
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
