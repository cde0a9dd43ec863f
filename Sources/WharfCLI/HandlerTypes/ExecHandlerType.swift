import WharfCore
import WharfHandlers
import WharfRuntime

/// `"exec": {"command": [...], ...}`: runs a program per job (``ExecHandler``). The program and
/// working directory are checked now, at start-up, rather than as a failure of every job of the
/// kind.
struct ExecHandlerType: HandlerType {
    let key = "exec"
    let example = "{\"command\": [...]}"

    func makeHandler(_ value: JSONValue, at: String, reader: inout ConfigReader, environment: [String: String]) -> (any JobHandler)? {
        guard case .object = value else {
            reader.problem(at, "must be an object like {\"command\": [\"/usr/local/bin/job\", \"--flag\"]}, found \(value.typeDescription)")
            return nil
        }
        reader.checkKeys(value, allowed: ["command", "env", "working_directory", "kill_grace"], at: at)
        let before = reader.problems.count
        var command: [String] = []
        if case .array(let items)? = value["command"], !items.isEmpty {
            for (index, item) in items.enumerated() {
                if case .string(let text) = item { command.append(text) } else {
                    reader.problem("\(at).command[\(index)]", "must be a string, found \(item.typeDescription)")
                }
            }
        } else {
            reader.problem("\(at).command", "must be a non-empty array of strings (argv; no shell is involved)")
        }
        let variables = reader.stringMap(value["env"], at: "\(at).env")
        var workingDirectory: String?
        if let directory = value["working_directory"] {
            workingDirectory = reader.string(directory, at: "\(at).working_directory", expected: "a directory path")
        }
        let killGrace = reader.duration(value["kill_grace"], at: "\(at).kill_grace") ?? .seconds(2)
        if reader.checkPaths, let directory = workingDirectory, let problemText = StartupChecks.directoryProblem(directory) {
            reader.problem("\(at).working_directory", problemText)
        }
        if reader.checkPaths, let program = command.first, let problemText = StartupChecks.programProblem(program, path: environment["PATH"], workingDirectory: workingDirectory) {
            reader.problem("\(at).command[0]", problemText)
        }
        guard reader.problems.count == before, let variables else { return nil }
        return ExecHandler(command: command, environment: variables, workingDirectory: workingDirectory, killGrace: killGrace)
    }
}
