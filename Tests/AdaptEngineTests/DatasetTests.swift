import Foundation
import Testing
@testable import AdaptEngine

@Suite struct DatasetTests {
    @Test func readsATinyGzippedIDXSet() throws {
        let set = try MNISTStyleDataset.load(directory: Fixtures.path("idx/tiny"), split: .test)
        #expect(set.count == 3)
        #expect(set.height == 2 && set.width == 2)
        #expect(set.labels == [1, 0, 2])
        #expect(Array(set.image(2)) == [8, 9, 10, 11])
    }

    /// The real data set from Debian's package (installed by the test command).
    @Test func readsFashionMNISTFromTheDebianPackage() throws {
        let test = try MNISTStyleDataset.load(split: .test)
        #expect(test.count == 10_000)
        #expect(test.height == 28 && test.width == 28)
        #expect(Set(test.labels) == Set(0..<10))
        // Every class has exactly 1 000 test images; the first is an ankle boot (9), the second a pullover (2).
        #expect(Dictionary(grouping: test.labels, by: { $0 }).values.allSatisfy { $0.count == 1_000 })
        #expect(Array(test.labels.prefix(2)) == [9, 2])
    }

    /// Reading only the first images of a split gives exactly those of the whole split (calibration reads 256 of
    /// the 60 000 training images this way); asking for more than there are gives them all.
    @Test func theFirstImagesOfASplitAreThoseOfTheWholeSplit() throws {
        let whole = try MNISTStyleDataset.load(split: .test)
        let first = try MNISTStyleDataset.load(split: .test, first: 300)
        #expect(first.count == 300 && first.height == 28 && first.width == 28)
        #expect(first.pixels[...] == whole.pixels[..<(300 * 28 * 28)] && first.labels[...] == whole.labels[..<300])
        #expect(try MNISTStyleDataset.load(directory: Fixtures.path("idx/tiny"), split: .test, first: 1_000)
                == MNISTStyleDataset.load(directory: Fixtures.path("idx/tiny"), split: .test))
        #expect((try? IDXFormat.parse([0, 0, 8, 1, 0, 0, 0, 3, 5, 6], firstItems: 2)) == IDXArray(shape: [2], bytes: [5, 6]))
        #expect(throws: DatasetError.Reason.self) { try IDXFormat.parse([0, 0, 8, 1, 0, 0, 0, 3, 5], firstItems: 2) }
    }

    @Test func aMissingFolderNamesTheDebianPackage() {
        #expect {
            _ = try MNISTStyleDataset.load(directory: "/nonexistent/fashion", split: .test)
        } throws: { error in
            let description = "\(error)"
            return description.contains("/nonexistent/fashion/t10k-images-idx3-ubyte.gz") && description.contains("dataset-fashion-mnist")
        }
    }

    @Test(arguments: [
        ("idx/truncated", "t10k-labels-idx1-ubyte.gz", "truncated"),
        ("idx/short", "t10k-labels-idx1-ubyte.gz", "holds 3 data bytes, its header [4] says 4"),
        ("idx/garbage", "t10k-images-idx3-ubyte.gz", "corrupt gzip data"),
    ])
    func damagedFilesAreNamed(_ folder: String, _ file: String, _ message: String) {
        #expect {
            _ = try MNISTStyleDataset.load(directory: Fixtures.path(folder), split: .test)
        } throws: { error in
            let description = "\(error)"
            return description.contains(file) && description.contains(message)
        }
    }

    @Test func idxHeadersAreChecked() {
        #expect(throws: DatasetError.Reason.self) { try IDXFormat.parse([0, 0, 8]) }
        #expect(throws: DatasetError.Reason.self) { try IDXFormat.parse([1, 0, 8, 1, 0, 0, 0, 1, 5]) }
        #expect(throws: DatasetError.Reason.self) { try IDXFormat.parse([0, 0, 0x0D, 1, 0, 0, 0, 1, 5]) }
        #expect(throws: DatasetError.Reason.self) { try IDXFormat.parse([0, 0, 8, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF]) }
        #expect((try? IDXFormat.parse([0, 0, 8, 1, 0, 0, 0, 2, 5, 6])) == IDXArray(shape: [2], bytes: [5, 6]))
    }

    @Test func normalizationMatchesTheTrainingScript() {
        let normalization = Normalization(scale: 1 / 255, mean: [0.2860], std: [0.3530])
        var output = [Float](repeating: 0, count: 3)
        output.withUnsafeMutableBufferPointer { normalization.apply([0, 255, 128][...], into: $0) }
        let expected: [Float] = [0, 255, 128].map { (Float($0) / 255 - 0.2860) / 0.3530 }
        #expect(zip(output, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }
}
