import Crypto
public import Foundation

/// The `Wharf-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256>`, where the MAC is
/// computed with the shared secret over `"<t>.<raw request body>"`.
///
/// A receiver verifies it by recomputing the MAC over the timestamp it received, a dot and the
/// exact body bytes, comparing in constant time, and rejecting timestamps older than a few
/// minutes (replay protection). The timestamp is inside the MAC, so it cannot be altered.
public enum WebhookSignature {
    public static let headerName = "Wharf-Signature"

    public static func header(secret: [UInt8], timestamp: Int64, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(mac(secret: secret, timestamp: timestamp, body: body))"
    }

    static func mac(secret: [UInt8], timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks a received header against the body, as a receiver written in Swift would.
    /// `tolerance` bounds the age of the timestamp.
    public static func verify(header: String, secret: [UInt8], body: [UInt8], now: Date = Date(), tolerance: TimeInterval = 300) -> Bool {
        var timestamp: Int64?
        var signature: String?
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) }
            if pair[0] == "v1" { signature = pair[1] }
        }
        guard let timestamp, let signature, abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        let expected = mac(secret: secret, timestamp: timestamp, body: body)
        // Constant-time comparison: do not leak how many leading characters matched.
        guard expected.utf8.count == signature.utf8.count else { return false }
        return zip(expected.utf8, signature.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
