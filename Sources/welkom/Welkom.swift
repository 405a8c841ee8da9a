import ArgumentParser

@main
struct Welkom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "welkom",
        abstract: "Greets opted-in customers at the till; provably blind to everyone else.",
        discussion: """
            Welkom listens to BLE advertisements and loyalty-card readers, recognises only customers \
            with an active consent, and shows staff a prompt at the till where the customer stands. \
            Everyone else stays anonymous: not matched, not stored, not logged.
            """,
        subcommands: [DemoCommand.self, RunCommand.self, ConfigCommand.self, ConsentCommand.self,
                      TokenCommand.self, ReplayCommand.self, ScanCommand.self, AuditCommand.self, TillCommand.self, DoctorCommand.self,
                      ChainCommand.self])
}
