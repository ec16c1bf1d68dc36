import AdaptInference
import Foundation

/// One frame handed to the model: where it came from and, when known, its true label.
public struct FrameInfo: Sendable, Equatable {
    /// Position in the source (image index, file index); counts up across loops.
    public var sequence: Int
    public var label: Int?
}

/// The engine's input stream. A source writes each frame, ready for the model, straight into the model's
/// input buffer, so a frame costs no allocation. Other sources (a camera) plug in by conforming.
public protocol FrameSource {
    /// NCHW shape of the frames this source produces.
    var frameShape: [Int] { get }
    /// Writes the next frame into `input` and says which one it was; nil when the source has ended.
    mutating func next(into input: UnsafeMutableBufferPointer<Float>) throws -> FrameInfo?
}

/// Replays labelled images as a camera would, in order, looping forever; with a `drift`, every frame is corrupted
/// first (a demo injection: the model really sees the changed pixels).
public struct DatasetFrameSource: FrameSource {
    public let images: LabeledImages
    public let normalization: Normalization
    public let frameShape: [Int]
    public var drift: InputDrift?
    private var sequence = 0
    private var drifted: [Float] = []
    private var scratch: [Float] = []

    public init(images: LabeledImages, normalization: Normalization) {
        self.images = images
        self.normalization = normalization
        frameShape = [1, 1, images.height, images.width]
    }

    public mutating func next(into input: UnsafeMutableBufferPointer<Float>) throws -> FrameInfo? {
        guard images.count > 0 else { return nil }
        let index = sequence % images.count
        if let drift {
            drift.apply(
                images.image(index), height: images.height, width: images.width, seed: UInt64(sequence), into: &drifted,
                scratch: &scratch)
            normalization.apply(drifted, into: input)
        } else {
            normalization.apply(images.image(index), into: input)
        }
        defer { sequence += 1 }
        return FrameInfo(sequence: sequence, label: images.labels[index])
    }
}

/// Frames from a folder of `.npy` files (float32, already normalised), in name order, looping;
/// a file `labels.txt` (one integer per line, in the same order) gives labels when present.
public struct NPYDirectoryFrameSource: FrameSource {
    public let frameShape: [Int]
    private let frames: [[Float]]
    private let labels: [Int]?
    private var sequence = 0

    public init(directory: String) throws {
        let names = try FileManagerFacade.contents(of: directory).filter { $0.hasSuffix(".npy") }.sorted()
        guard let first = names.first else { throw FrameSourceError(path: directory, message: "holds no .npy files") }
        var shape: [Int] = []
        frames = try names.map { name in
            let array = try NPY.read(contentsOf: "\(directory)/\(name)")
            if shape.isEmpty { shape = array.shape }
            guard array.shape == shape else {
                throw FrameSourceError(path: "\(directory)/\(name)", message: "has shape \(array.shape), \(first) has \(shape)")
            }
            return array.values
        }
        frameShape = shape
        let labelsPath = "\(directory)/labels.txt"
        if let text = FileManagerFacade.text(at: labelsPath) {
            let parsed = text.split(whereSeparator: \.isNewline).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.count == frames.count, parsed.allSatisfy({ $0 != nil }) else {
                throw FrameSourceError(path: labelsPath, message: "needs one integer label per .npy file (\(frames.count))")
            }
            labels = parsed.compactMap { $0 }
        } else {
            labels = nil
        }
    }

    public mutating func next(into input: UnsafeMutableBufferPointer<Float>) throws -> FrameInfo? {
        let index = sequence % frames.count
        guard frames[index].count == input.count else {
            throw FrameSourceError(path: "frame \(index)", message: "has \(frames[index].count) values, the model takes \(input.count)")
        }
        _ = input.update(from: frames[index])
        defer { sequence += 1 }
        return FrameInfo(sequence: sequence, label: labels?[index])
    }
}

public struct FrameSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String { "\(path): \(message)" }
}
