import Testing
import WharfCore
import WharfPostgres

@Suite("Database URL parameters")
struct DatabaseURLTests {
    @Test("application_name defaults to wharf and can be set per worker, as in libpq")
    func applicationName() throws {
        #expect(try DatabaseURL("postgres://db/x").applicationName == "wharf")
        #expect(try DatabaseURL("postgres://db/x?application_name=wharf-eu-1&sslmode=disable").applicationName == "wharf-eu-1")
        #expect(try DatabaseURL("postgres://db/x?application_name=a%20b").applicationName == "a b")
    }

    @Test(
        "an application_name PostgreSQL would silently change is refused, naming the rule",
        arguments: ["", String(repeating: "n", count: 64), "caf%C3%A9", "tab%09name"])
    func applicationNameRefused(_ value: String) throws {
        #expect {
            try DatabaseURL("postgres://db/x?application_name=\(value)")
        } throws: { error in
            "\(error)".contains("application_name") && "\(error)".contains("1-63 printable ASCII characters")
        }
    }
}
