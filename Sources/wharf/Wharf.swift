import ArgumentParser
import WharfCLI

/// The `wharf` executable. `await` picks AsyncParsableCommand's async `main()`; the synchronous
/// overload that a top-level main.swift would choose only prints help for async commands.
@main
enum Wharf {
    static func main() async {
        await WharfCommand.main()
    }
}
