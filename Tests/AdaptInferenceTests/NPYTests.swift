import AdaptInference
import Foundation
import Testing

/// Fixtures written by `Tests/Fixtures/npy/make_fixtures.py` (numpy 2.x).
private let fixtureDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/npy")

private func fixture(_ name: String) -> String { fixtureDirectory.appendingPathComponent(name).path }

private func fixtureBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
}

/// A fresh scratch directory, removed by the caller.
private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("npy-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A hand-made `.npy` image: magic, version, header length, `header` verbatim, then `data`.
private func npyBytes(header: String, data: [UInt8] = [], major: UInt8 = 1) -> [UInt8] {
    let text = Array(header.utf8)
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
    if major == 1 {
        bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
    } else {
        bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8 & 0xFF), 0, 0]
    }
    return bytes + text + data
}

private func floatBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
}

/// The case of an `NPYError`, so tests need not spell out reasons.
private func kind(_ error: NPYError) -> String {
    switch error {
    case .unreadable: "unreadable"
    case .unwritable: "unwritable"
    case .notNPY: "notNPY"
    case .unsupportedVersion: "unsupportedVersion"
    case .truncated: "truncated"
    case .badHeader: "badHeader"
    case .unsupportedDType: "unsupportedDType"
    case .fortranOrder: "fortranOrder"
    case .trailingData: "trailingData"
    case .invalidArray: "invalidArray"
    }
}

private func decodeErrorKind(_ bytes: [UInt8]) -> String? {
    do {
        _ = try NPY.decode(bytes, file: "test.npy")
        return nil
    } catch let error as NPYError {
        #expect(error.description.hasPrefix("test.npy: "), "error should name the file: \(error)")
        return kind(error)
    } catch {
        Issue.record("unexpected error type \(error)")
        return nil
    }
}

private func readErrorKind(_ path: String) -> String? {
    do {
        _ = try NPY.read(contentsOf: path)
        return nil
    } catch let error as NPYError {
        #expect(error.description.contains(path), "error should name the file: \(error)")
        return kind(error)
    } catch {
        Issue.record("unexpected error type \(error)")
        return nil
    }
}

@Suite("NPY")
struct NPYTests {
    // MARK: Round trip

    @Test("write then read gives back the same array", arguments: [
        NPYArray(shape: [2, 3], values: [1, -2, 3.5, 0, 1e-30, -7]),
        NPYArray(shape: [], values: [42]),
        NPYArray(shape: [3], values: [1, 2, 3]),
        NPYArray(shape: [0, 3], values: []),
        NPYArray(shape: [1, 2, 3, 4], values: (0..<24).map(Float.init)),
        NPYArray(shape: [2, 1, 1, 1, 1, 2], values: [.infinity, -.infinity, -0.0, .leastNonzeroMagnitude]),
    ])
    func roundTrip(array: NPYArray) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("array.npy").path
        try NPY.write(array, to: path)
        let back = try NPY.read(contentsOf: path)
        #expect(back.shape == array.shape)
        #expect(back.values.map(\.bitPattern) == array.values.map(\.bitPattern))
    }

    @Test func roundTripKeepsNaNBits() throws {
        let array = NPYArray(shape: [2], values: [.nan, Float(bitPattern: 0x7FC0_1234)])
        let back = try NPY.decode(try NPY.encode(array))
        #expect(back.values.map(\.bitPattern) == array.values.map(\.bitPattern))
    }

    @Test func writeOverwritesExistingFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("array.npy").path
        try NPY.write(NPYArray(shape: [4], values: [1, 2, 3, 4]), to: path)
        try NPY.write(NPYArray(shape: [1], values: [9]), to: path)
        #expect(try NPY.read(contentsOf: path) == NPYArray(shape: [1], values: [9]))
    }

    @Test("written header is version 1.0, <f4, C order, 64-byte aligned, newline-terminated", arguments: [
        [Int](), [3], [2, 3], [1, 2, 3, 4], [100_000, 0, 7, 1, 1, 12345],
    ])
    func writtenLayout(shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let bytes = try NPY.encode(NPYArray(shape: shape, values: [Float](repeating: 0.5, count: count)))
        #expect(Array(bytes[0..<6]) == [0x93] + Array("NUMPY".utf8))
        #expect(bytes[6] == 1 && bytes[7] == 0)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let dataStart = 10 + headerLength
        #expect(dataStart % 64 == 0)
        #expect(bytes[dataStart - 1] == UInt8(ascii: "\n"))
        #expect(bytes.count == dataStart + 4 * count)
        let header = String(decoding: bytes[10..<dataStart], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': "))
        #expect(!header.dropLast().contains("\n"))
    }

    @Test("written files are byte-identical to numpy's", arguments: ["f4_2x3.npy", "f4_1d.npy", "f4_4d.npy"])
    func byteIdenticalToNumpy(name: String) throws {
        let numpyBytes = try fixtureBytes(name)
        let array = try NPY.read(contentsOf: fixture(name))
        #expect(try NPY.encode(array) == numpyBytes)
    }

    @Test func writeRejectsInconsistentArray() throws {
        var array = NPYArray(shape: [2, 2], values: [1, 2, 3, 4])
        array.values.removeLast()
        #expect(throws: NPYError.self) { try NPY.write(array, to: "/tmp/never-written.npy") }
        array = NPYArray(shape: [2, 2], values: [1, 2, 3, 4])
        array.shape = [-1, -4]
        #expect(throws: NPYError.self) { try NPY.encode(array) }
    }

    @Test func writeToMissingDirectoryFails() throws {
        let path = "/nonexistent-\(UUID().uuidString)/array.npy"
        do {
            try NPY.write(NPYArray(shape: [1], values: [1]), to: path)
            Issue.record("write into a missing directory succeeded")
        } catch let error as NPYError {
            #expect(kind(error) == "unwritable")
            #expect(error.description.contains(path))
        }
    }

    // MARK: numpy-written fixtures

    @Test func float32Matrix() throws {
        let array = try NPY.read(contentsOf: fixture("f4_2x3.npy"))
        #expect(array == NPYArray(shape: [2, 3], values: [1.5, -2.0, 3.25, 0.0, 1e-3, -7.0]))
    }

    @Test func float64() throws {
        let array = try NPY.read(contentsOf: fixture("f8_2x2.npy"))
        #expect(array.shape == [2, 2])
        #expect(array.values == [Float(0.1), -1e10, 3.5, 0x1p-30])
    }

    @Test func int64() throws {
        let array = try NPY.read(contentsOf: fixture("i8_4.npy"))
        #expect(array == NPYArray(shape: [4], values: [-3, 0, 7, 1_099_511_627_776]))
    }

    @Test func int32() throws {
        let array = try NPY.read(contentsOf: fixture("i4_2x2.npy"))
        #expect(array == NPYArray(shape: [2, 2], values: [-1, 2, Float(Int32.max), Float(Int32.min)]))
    }

    @Test func int8() throws {
        #expect(try NPY.read(contentsOf: fixture("i1_3.npy")) == NPYArray(shape: [3], values: [-128, 0, 127]))
    }

    @Test func uint8Scalar() throws {
        let array = try NPY.read(contentsOf: fixture("u1_scalar.npy"))
        #expect(array.shape == [])
        #expect(array.values == [200])
        #expect(array.count == 1)
    }

    @Test func float16() throws {
        let array = try NPY.read(contentsOf: fixture("f2_4.npy"))
        #expect(array == NPYArray(shape: [4], values: [1, -0.5, 65504, 0x1p-24]))
    }

    @Test func oneDimensional() throws {
        #expect(try NPY.read(contentsOf: fixture("f4_1d.npy")) == NPYArray(shape: [3], values: [1, 2, 3]))
    }

    @Test func empty() throws {
        #expect(try NPY.read(contentsOf: fixture("f4_empty.npy")) == NPYArray(shape: [0, 3], values: []))
    }

    @Test func fourDimensional() throws {
        let array = try NPY.read(contentsOf: fixture("f4_4d.npy"))
        #expect(array == NPYArray(shape: [1, 2, 3, 4], values: (0..<24).map(Float.init)))
    }

    @Test("format versions 2.0 and 3.0", arguments: ["f4_v2.npy", "f4_v3.npy"])
    func laterVersions(name: String) throws {
        let bytes = try fixtureBytes(name)
        #expect(bytes[6] == (name == "f4_v2.npy" ? 2 : 3))
        #expect(try NPY.read(contentsOf: fixture(name)) == NPYArray(shape: [2, 2], values: [1, 2, 3, 4]))
    }

    @Test func bigEndianIsConverted() throws {
        #expect(try NPY.read(contentsOf: fixture("f4_bigendian.npy")) == NPYArray(shape: [2, 2], values: [1, -2.5, 3, 1e-5]))
        #expect(try NPY.read(contentsOf: fixture("f8_bigendian.npy")) == NPYArray(shape: [2], values: [0.25, -8]))
    }

    @Test func fortranOrderIsRejected() throws {
        let path = fixture("f4_fortran.npy")
        #expect(throws: NPYError.fortranOrder(file: path)) { try NPY.read(contentsOf: path) }
    }

    @Test func complexIsRejected() throws {
        #expect(readErrorKind(fixture("c8_complex.npy")) == "unsupportedDType")
    }

    @Test("truncated numpy files", arguments: ["truncated_data.npy", "truncated_header.npy"])
    func truncated(name: String) throws {
        #expect(readErrorKind(fixture(name)) == "truncated")
    }

    // MARK: Header parsing

    @Test("header variants numpy or other writers produce", arguments: [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
        "{'descr':'<f4','fortran_order':False,'shape':(2,2)}",
        "{ 'shape' : ( 2 , 2 , ) , 'fortran_order' : False , 'descr' : '<f4' , }        \n",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L, 2L)}\n",
        "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 2)}",
        "\n\t{'descr': '<f4',\n 'fortran_order': False,\n 'shape': (2, 2),\n}\n",
    ])
    func headerVariants(header: String) throws {
        let array = try NPY.decode(npyBytes(header: header, data: floatBytes([1, 2, 3, 4])))
        #expect(array == NPYArray(shape: [2, 2], values: [1, 2, 3, 4]))
    }

    @Test func oneElementTupleAndScalarShapes() throws {
        let vector = try NPY.decode(npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", data: floatBytes([7, 8, 9])))
        #expect(vector == NPYArray(shape: [3], values: [7, 8, 9]))
        let scalar = try NPY.decode(npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", data: floatBytes([5])))
        #expect(scalar == NPYArray(shape: [], values: [5]))
    }

    @Test func otherIntegerAndBoolTypes() throws {
        let u2 = try NPY.decode(npyBytes(header: "{'descr': '>u2', 'fortran_order': False, 'shape': (2,)}", data: [0x01, 0x02, 0xFF, 0xFF]))
        #expect(u2.values == [258, 65535])
        let b1 = try NPY.decode(npyBytes(header: "{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}", data: [0, 1, 1]))
        #expect(b1.values == [0, 1, 1])
    }

    @Test("malformed headers give errors", arguments: [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", "badHeader"),  // (3) is an int, not a tuple
        ("{'descr': '<f4', 'fortran_order': False}", "badHeader"),
        ("{'descr': '<f4', 'shape': (1,)}", "badHeader"),
        ("{'fortran_order': False, 'shape': (1,)}", "badHeader"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "badHeader"),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", "badHeader"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", "badHeader"),
        ("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", "badHeader"),
        ("{'descr': '<f4', 'fortran_order': Flase, 'shape': (1,)}", "badHeader"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", "badHeader"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}", "badHeader"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", "badHeader"),
        ("['descr', '<f4']", "badHeader"),
        ("", "badHeader"),
        ("{'descr': '<U8', 'fortran_order': False, 'shape': (1,)}", "unsupportedDType"),
        ("{'descr': '<f16', 'fortran_order': False, 'shape': (1,)}", "unsupportedDType"),
        ("{'descr': '|f4', 'fortran_order': False, 'shape': (1,)}", "unsupportedDType"),
        ("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,)}", "unsupportedDType"),
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (1,)}", "fortranOrder"),
    ] as [(String, String)])
    func malformedHeader(header: String, expected: String) {
        #expect(decodeErrorKind(npyBytes(header: header, data: floatBytes([1]))) == expected)
    }

    @Test func dataSizeMismatch() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n"
        #expect(decodeErrorKind(npyBytes(header: header, data: floatBytes([1, 2, 3]))) == "truncated")
        #expect(decodeErrorKind(npyBytes(header: header, data: floatBytes([1, 2, 3, 4, 5]))) == "trailingData")
        let huge = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }\n"
        #expect(decodeErrorKind(npyBytes(header: huge, data: [])) == "truncated")
    }

    @Test func garbageBytes() {
        #expect(decodeErrorKind([]) == "truncated")
        #expect(decodeErrorKind([0x93, 0x4E, 0x55]) == "truncated")
        #expect(decodeErrorKind(Array("just some text, definitely not numpy".utf8)) == "notNPY")
        #expect(decodeErrorKind(Array("PK\u{3}\u{4} a zip archive".utf8)) == "notNPY")
        #expect(decodeErrorKind([0x93] + Array("NUMPY".utf8) + [4, 0, 0, 0]) == "unsupportedVersion")
        #expect(decodeErrorKind([0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF]) == "truncated")
        #expect(decodeErrorKind([0x93] + Array("NUMPY".utf8) + [2, 0, 0x10, 0]) == "truncated")
        #expect(decodeErrorKind([0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0xFF, 0x7B]) == "truncated")
        // Every prefix of a valid file fails cleanly.
        let valid = npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n", data: floatBytes([1, 2]))
        for length in 0..<valid.count {
            #expect(decodeErrorKind(Array(valid[0..<length])) != nil, "prefix of \(length) bytes decoded")
        }
        // Random bytes after a valid magic and version never crash.
        var state: UInt64 = 0x1234_5678
        for _ in 0..<200 {
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
            for _ in 0..<Int(state % 64) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(UInt8(truncatingIfNeeded: state >> 33))
            }
            _ = try? NPY.decode(bytes)
        }
    }

    @Test func garbageFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(readErrorKind(directory.appendingPathComponent("missing.npy").path) == "unreadable")
        #expect(readErrorKind(directory.path) == "unreadable")
        let empty = directory.appendingPathComponent("empty.npy")
        try Data().write(to: empty)
        #expect(readErrorKind(empty.path) == "truncated")
        let text = directory.appendingPathComponent("text.npy")
        try Data("hello, world\n".utf8).write(to: text)
        #expect(readErrorKind(text.path) == "notNPY")
    }

    @Test func errorDescriptionsNameFileAndProblem() {
        #expect(NPYError.fortranOrder(file: "a.npy").description.contains("a.npy"))
        #expect(NPYError.fortranOrder(file: "a.npy").description.contains("Fortran"))
        #expect(NPYError.unsupportedDType(file: "b.npy", descr: "'<c8'").description.contains("'<c8'"))
        #expect(NPYError.truncated(file: "c.npy", reason: "x").description.contains("truncated"))
    }
}
