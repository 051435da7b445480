import ArgumentParser

@main
struct Earshot: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "earshot", abstract: "Streaming keyword-spotting runtime.")
}
