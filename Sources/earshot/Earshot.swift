import ArgumentParser

@main
struct Earshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshot",
        abstract: "Streaming keyword spotting: an allocation-free LSTM/GRU/RNN runtime for small Linux boards.",
        discussion: """
            Convert a trained model into an Earshot model file, inspect it, and stream features \
            through it one timestep at a time.

              earshot convert model.onnx -o model.earshot
              earshot inspect model.earshot
              earshot infer --model model.earshot --features x.npy --out y.npy
              earshot detect clip.wav --model model.earshot
              earshot eval clips/ --model model.earshot
              earshot profile --model model.earshot --wav clip.wav --plot latency.svg
              earshot listen --config firmware-configs/rpi4.json
              earshot serve --wyoming tcp://0.0.0.0:10400
            """,
        version: "0.1.0",
        subcommands: [
            ConvertCommand.self, InferCommand.self, InspectCommand.self,
            DetectCommand.self, EvalCommand.self, FeaturesCommand.self,
            ProfileCommand.self, ListenCommand.self,
            ServeCommand.self,   // issue 17: Wyoming server
            TrainCommand.self,   // wake-word training (issue 16)
        ]
    )
}
