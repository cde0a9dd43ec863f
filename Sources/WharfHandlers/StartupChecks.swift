import Foundation

/// Checks a handler's configuration once, when the worker starts, so a missing binary or a URL
/// without a host is refused at start-up instead of failing every attempt of every job of the
/// kind. Each returns what is wrong, or `nil`.
public enum StartupChecks {
    /// `program` is an executable file: a path (absolute, or relative to `workingDirectory`) or
    /// a name found on `path` (the worker's PATH, which exec children inherit).
    public static func programProblem(_ program: String, path: String?, workingDirectory: String?) -> String? {
        let files = FileManager.default
        if program.contains("/") {
            let resolved = program.hasPrefix("/") || workingDirectory == nil ? program : "\(workingDirectory ?? "")/\(program)"
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: resolved, isDirectory: &isDirectory) else { return "\(resolved) does not exist" }
            guard !isDirectory.boolValue else { return "\(resolved) is a directory, not a program" }
            guard files.isExecutableFile(atPath: resolved) else { return "\(resolved) is not executable by this user (chmod +x?)" }
            return nil
        }
        let directories = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for directory in directories where files.isExecutableFile(atPath: "\(directory)/\(program)") {
            return nil
        }
        return "no executable \"\(program)\" on PATH (\(directories.joined(separator: ":"))); give its full path"
    }

    /// `directory` exists and is a directory.
    public static func directoryProblem(_ directory: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return "\(directory) does not exist" }
        return isDirectory.boolValue ? nil : "\(directory) is not a directory"
    }

    /// `text` is an absolute http:// or https:// URL with a host.
    public static func urlProblem(_ text: String) -> String? {
        guard let components = URLComponents(string: text) else { return "\"\(text)\" is not a URL" }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return "must be an http:// or https:// URL"
        }
        guard let host = components.host, !host.isEmpty else { return "\"\(text)\" has no host" }
        if let port = components.port, !(1...65_535).contains(port) { return "port \(port) is out of range 1-65535" }
        return nil
    }
}
