#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The systemd notify protocol (sd_notify(3)): datagrams like `READY=1` sent to the unix socket
/// named in `NOTIFY_SOCKET` (a path, or an abstract name starting with `@`). Does nothing when
/// the variable is unset, so the same binary runs outside systemd.
public struct SystemdNotifier: Sendable {
    let socketPath: String
    /// Half of `WATCHDOG_USEC`, when systemd asked for watchdog pings for this process.
    public let watchdogInterval: Duration?

    public init?(environment: [String: String]) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        socketPath = path
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
            let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
            if pidMatches { interval = .microseconds(usec / 2) }
        }
        watchdogInterval = interval
    }

    /// Sends one state string. Failures are ignored: notification is advisory.
    @discardableResult
    public func send(_ state: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in pathBytes.enumerated() { buffer[i] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1))
        let sent = state.utf8CString.withUnsafeBufferPointer { message in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, message.baseAddress, message.count - 1, 0, $0, length)
                }
            }
        }
        return sent >= 0
    }

    /// Pings the watchdog every `watchdogInterval` until cancelled.
    public func runWatchdog() async {
        guard let watchdogInterval else { return }
        while !Task.isCancelled {
            send("WATCHDOG=1")
            do { try await Task.sleep(for: watchdogInterval) } catch { return }
        }
    }
}
