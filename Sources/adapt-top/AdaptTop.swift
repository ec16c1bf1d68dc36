import Foundation
import AdaptEngine
import AdaptInference
import ArgumentParser

@main
struct AdaptTop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt-top",
        abstract: "A top for adaptive on-device deep learning.",
        discussion: """
            Runs ONNX models on this device with XNNPACK. The live dashboard and the adaptation engine are being \
            built; today `adapt-top model` inspects, runs and benchmarks one model and `adapt-top profile` measures \
            a family of variants on the device.
            """,
        subcommands: [ModelCommand.self, ProfileCommand.self]
    )
}

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect, run and benchmark one ONNX model.",
        subcommands: [ModelInspect.self, ModelRun.self, ModelBench.self]
    )
}

/// Runs `body`, turning a model error into one line on stderr and exit status 1 (never a crash trace).
func reportingModelErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ModelError {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as NPYError {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as ConfigurationError {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as DatasetError {
        printError(error.description)
        throw ExitCode(1)
    }
}

func printError(_ message: String) {
    var standardError = StandardError()
    print("adapt-top: \(message)", to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
