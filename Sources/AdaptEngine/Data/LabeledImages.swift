import Foundation

/// Grey-scale images with their class labels, as an MNIST-style data set stores them.
public struct LabeledImages: Sendable, Equatable {
    public var height: Int
    public var width: Int
    /// Row-major pixels, image after image, 0…255.
    public var pixels: [UInt8]
    public var labels: [Int]

    public var count: Int { labels.count }

    public init(height: Int, width: Int, pixels: [UInt8], labels: [Int]) {
        precondition(pixels.count == height * width * labels.count, "pixels do not match \(labels.count) images of \(height)×\(width)")
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    /// The pixels of image `index`.
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        let size = height * width
        return pixels[index * size..<(index + 1) * size]
    }
}

/// What went wrong loading a data set, naming the file and, when files are missing, the package that ships them.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Error, Sendable, Equatable {
        case missing
        case unreadable(String)
        case malformed(String)
    }

    public var file: String
    public var reason: Reason

    public var description: String {
        switch reason {
        case .missing:
            "\(file): no such file; install the Debian package 'dataset-fashion-mnist' (apt-get install dataset-fashion-mnist) "
                + "or point --data at a folder holding the Fashion-MNIST .gz files"
        case .unreadable(let why): "\(file): cannot read: \(why)"
        case .malformed(let why): "\(file): damaged data set file: \(why)"
        }
    }
}

/// Fashion-MNIST (or MNIST) from a folder of the four standard gzip-compressed IDX files.
public enum MNISTStyleDataset {
    /// Where Debian's `dataset-fashion-mnist` installs the files.
    public static let debianDirectory = "/usr/share/datasets/fashion-mnist"

    public enum Split: String, Sendable, CaseIterable {
        case train
        case test

        var filePrefix: String { self == .train ? "train" : "t10k" }
    }

    /// - Parameter first: only the split's first this many images (the rest is not even decompressed: calibration
    ///   needs a few hundred of the 60 000 training images, and inflating them all took a third of a warm start).
    public static func load(directory: String = debianDirectory, split: Split, first: Int? = nil) throws(DatasetError) -> LabeledImages {
        let imagesFile = "\(directory)/\(split.filePrefix)-images-idx3-ubyte.gz"
        let labelsFile = "\(directory)/\(split.filePrefix)-labels-idx1-ubyte.gz"
        let images = try readIDX(imagesFile, firstItems: first)
        let labels = try readIDX(labelsFile, firstItems: first)
        guard images.shape.count == 3 else {
            throw DatasetError(file: imagesFile, reason: .malformed("images must have rank 3, have shape \(images.shape)"))
        }
        guard labels.shape.count == 1, labels.shape[0] == images.shape[0] else {
            throw DatasetError(file: labelsFile, reason: .malformed("\(labels.shape) labels for \(images.shape[0]) images"))
        }
        return LabeledImages(height: images.shape[1], width: images.shape[2], pixels: images.bytes, labels: labels.bytes.map(Int.init))
    }

    static func readIDX(_ path: String, firstItems: Int? = nil) throws(DatasetError) -> IDXArray {
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetError(file: path, reason: .missing) }
        let compressed: [UInt8]
        do {
            compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DatasetError(file: path, reason: .unreadable(error.localizedDescription))
        }
        let bytes: [UInt8]
        do {
            if path.hasSuffix(".gz"), let firstItems {
                let header = try IDXFormat.header(Gzip.decompress(compressed, prefix: IDXFormat.maximumHeaderLength))
                let length = IDXFormat.length(ofFirst: firstItems, shape: header.shape, headerLength: header.length)
                bytes = try Gzip.decompress(compressed, prefix: length)
            } else {
                bytes = path.hasSuffix(".gz") ? try Gzip.decompress(compressed) : compressed
            }
        } catch {
            throw DatasetError(file: path, reason: .malformed("\(error)"))
        }
        do {
            return try IDXFormat.parse(bytes, firstItems: firstItems)
        } catch {
            throw DatasetError(file: path, reason: error)
        }
    }
}
