import Foundation
import Testing

@Suite struct ModelCommandTests {
    @Test func runWritesOutputMatchingOnnxRuntime() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-run-\(UUID()).npy").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try CLIRunner.run([
            "model", "run", CLIRunner.fixture("onnx/fmnist_cnn3/model.onnx"),
            "--input", CLIRunner.fixture("onnx/fmnist_cnn3/input.npy"), "--output", output,
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let written = try Data(contentsOf: URL(fileURLWithPath: output))
        let expected = try Data(contentsOf: URL(fileURLWithPath: CLIRunner.fixture("onnx/fmnist_cnn3/expected.npy")))
        // Both are 1×10 float32 .npy files; compare the payloads value by value.
        let ours = floats(written.suffix(40)), reference = floats(expected.suffix(40))
        #expect(ours.count == 10)
        let worst = zip(ours, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4 * max(1, reference.map(abs).max() ?? 0))
    }

    @Test func benchJSONHasTheContractFields() throws {
        let result = try CLIRunner.run([
            "model", "bench", CLIRunner.fixture("onnx/fmnist_cnn3/model.onnx"), "--iterations", "50", "--warmup", "5", "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["threads"] as? Int == 1)
        #expect(object["iterations"] as? Int == 50)
        #expect((object["model"] as? String)?.hasSuffix("model.onnx") == true)
        let latency = try #require(object["latency_ms"] as? [String: Double])
        let p50 = try #require(latency["p50"]), p95 = try #require(latency["p95"]), p99 = try #require(latency["p99"])
        #expect(p50 > 0 && p50 <= p95 && p95 <= p99)
        #expect((object["throughput_ips"] as? Double ?? 0) > 0)
    }

    @Test func inspectListsLayersAndTotals() throws {
        let result = try CLIRunner.run(["model", "inspect", CLIRunner.fixture("onnx/fmnist_cnn3/model.onnx")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("Conv"))
        #expect(result.standardOutput.contains("Gemm"))
        // 3 convolutions and the classifier of the 28×28 CNN: 7 369 216 multiply–accumulates.
        #expect(result.standardOutput.contains("7.37M MACs"))
        #expect(result.standardOutput.contains("xnnpack convolution2d_nhwc_f32"))
    }

    /// `--no-native-kernels` puts every convolution and fully connected layer back on XNNPACK.
    @Test func noNativeKernelsKeepsEverythingOnXNNPACK() throws {
        let result = try CLIRunner.run([
            "model", "inspect", CLIRunner.fixture("onnx/fmnist_cnn3/model.onnx"), "--no-native-kernels",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardOutput.contains("native "))
        #expect(result.standardOutput.contains("xnnpack fully_connected_nc_f32"))
    }

    /// Every bad file gives exit status 1 and one line naming the file and what is wrong, never a crash.
    @Test(arguments: [
        ("unsupported_op.onnx", "node 'erf_node' (Erf)"),
        ("bad_broadcast.onnx", "node 'bad_add' (Add)"),
        ("conv_channel_mismatch.onnx", "node 'bad_conv' (Conv)"),
        ("dangling_input.onnx", "node 'orphan' (Relu)"),
        ("empty.onnx", "empty file"),
        ("not_onnx.onnx", "not a valid ONNX model"),
        ("opset8.onnx", "opset 8"),
        ("external_data.onnx", "external file"),
    ])
    func badModelsFailClearly(_ file: String, _ expected: String) throws {
        let path = CLIRunner.fixture("invalid/\(file)")
        let result = try CLIRunner.run(["model", "inspect", path])
        #expect(result.status == 1)
        #expect(result.standardError.contains(path), "\(result.standardError)")
        #expect(result.standardError.contains(expected), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test func missingFileAndWrongInputAreReported() throws {
        let missing = try CLIRunner.run(["model", "run", "/nonexistent/model.onnx"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("/nonexistent/model.onnx: cannot read"))

        let wrongInput = try CLIRunner.run([
            "model", "run", CLIRunner.fixture("onnx/fmnist_cnn3/model.onnx"),
            "--input", CLIRunner.fixture("onnx/conv_basic/input.npy"),
        ])
        #expect(wrongInput.status == 1)
        #expect(wrongInput.standardError.contains("needs [1×1×28×28]"), "\(wrongInput.standardError)")
    }

    private func floats(_ data: Data) -> [Float] {
        stride(from: data.startIndex, to: data.endIndex, by: 4).map { index in
            Float(bitPattern: data[index..<index + 4].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
        }
    }
}

@Suite struct ProfileCommandTests {
    static let manifest = CLIRunner.packageRoot.appendingPathComponent("Examples/fashion-mnist/family.yaml").path

    /// A fresh profile cache per test, so no test reads another's figures or the user's ~/.cache.
    private func freshCache() -> (environment: [String: String], directory: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-xdg-\(UUID())").path
        return (["XDG_CACHE_HOME": root], root + "/adapt-top/profiles")
    }

    /// Every variant of the catalog — the seven models and the variants the manifest's transforms derive from
    /// each — is one JSON line with the contract's fields, and `on_front` is exactly the non-dominated set of the
    /// lines' own figures.
    @Test func jsonListsDerivedVariantsAndTheFrontOfItsOwnFigures() throws {
        let cache = freshCache()
        defer { try? FileManager.default.removeItem(atPath: cache.environment["XDG_CACHE_HOME"]!) }
        let result = try CLIRunner.run(
            ["profile", "--family", Self.manifest, "--limit", "200", "--iterations", "20", "--json"], environment: cache.environment)
        #expect(result.status == 0, "\(result.standardError)")
        let objects = try result.standardOutput.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(objects.count == 7 * 6)
        for object in objects {
            for key in ["id", "source", "parent", "transform", "accuracy", "latency_ms_p50", "latency_ms_p95", "latency_ms_p99",
                        "memory_mb", "rss_growth_mb", "energy_mj_estimate", "on_front"] {
                #expect(object.keys.contains(key), "missing \(key)")
            }
            #expect(object["energy_mj_estimate"] is NSNull)
        }
        let transforms = objects.compactMap { $0["transform"] as? String }
        #expect(Set(transforms) == ["fp32", "int8", "prune25", "prune25+int8", "prune50", "prune50+int8"])
        let parents = Set(objects.compactMap { $0["parent"] as? String })
        #expect(parents.count == 7)
        for object in objects where object["transform"] as? String == "int8" {
            #expect(object["id"] as? String == "\(object["parent"] as? String ?? "?")-int8")
        }

        // The front, recomputed from the printed figures alone.
        struct Point { var accuracy, latency, memory: Double }
        let points = try objects.map { object in
            Point(accuracy: try #require(object["accuracy"] as? Double), latency: try #require(object["latency_ms_p95"] as? Double),
                  memory: try #require(object["memory_mb"] as? Double))
        }
        func dominates(_ a: Point, _ b: Point) -> Bool {
            a.accuracy >= b.accuracy && a.latency <= b.latency && a.memory <= b.memory
                && (a.accuracy > b.accuracy || a.latency < b.latency || a.memory < b.memory)
        }
        for (index, object) in objects.enumerated() {
            let nonDominated = !points.contains { dominates($0, points[index]) }
            #expect(object["on_front"] as? Bool == nonDominated, "\(object["id"] ?? "?")")
        }
    }

    /// The second run takes every variant from the cache and prints the same table; a corrupt cache file is
    /// one warning naming it, then measured again.
    @Test func aSecondRunComesFromTheCacheAndACorruptFileIsRebuilt() throws {
        let cache = freshCache()
        defer { try? FileManager.default.removeItem(atPath: cache.environment["XDG_CACHE_HOME"]!) }
        let arguments = ["profile", "--family", Self.manifest, "--limit", "100", "--iterations", "5", "--json", "--no-derive"]
        let first = try CLIRunner.run(arguments, environment: cache.environment)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(!first.standardError.contains("from the profile cache"))
        let second = try CLIRunner.run(arguments, environment: cache.environment)
        // The same figures; only the resident-memory growth is measured anew at every load.
        func cachedFields(_ output: String) throws -> [NSDictionary] {
            try output.split(separator: "\n").map { line in
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return object.filter { $0.key != "rss_growth_mb" } as NSDictionary
            }
        }
        #expect(try cachedFields(second.standardOutput) == (try cachedFields(first.standardOutput)))
        #expect(second.standardError.contains("7 of 7 variants from the profile cache (\(cache.directory);"), "\(second.standardError)")

        let files = try FileManager.default.contentsOfDirectory(atPath: cache.directory).sorted()
        let victim = cache.directory + "/" + (try #require(files.first))
        try Data("{ truncated".utf8).write(to: URL(fileURLWithPath: victim))
        let third = try CLIRunner.run(arguments, environment: cache.environment)
        #expect(third.status == 0)
        #expect(third.standardError.contains("adapt-top: warning: ignoring the profile cache file \(victim): not a profile cache entry"),
                "\(third.standardError)")
        #expect(third.standardError.contains("6 of 7 variants from the profile cache"))
        let rebuilt = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: victim))) as? [String: Any]
        #expect(rebuilt?["figures"] != nil)
    }

    /// With a configured power per core the energy estimate is CPU time × watts; without it, null (no guess).
    @Test func energyIsEstimatedOnlyFromAConfiguredPower() throws {
        let cache = freshCache()
        defer { try? FileManager.default.removeItem(atPath: cache.environment["XDG_CACHE_HOME"]!) }
        let result = try CLIRunner.run(
            ["profile", "--family", Self.manifest, "--limit", "50", "--iterations", "50", "--json", "--core-watts", "4", "--no-derive"],
            environment: cache.environment)
        #expect(result.status == 0, "\(result.standardError)")
        var energy: [String: Double] = [:]
        for line in result.standardOutput.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let id = try #require(object["id"] as? String)
            energy[id] = try #require(object["energy_mj_estimate"] as? Double, "\(id): no estimate")
            // At least the run's own wall time on one thread at 4 W (a busy core uses its time slice).
            let p50 = try #require(object["latency_ms_p50"] as? Double)
            #expect(try #require(energy[id]) >= 0.5 * p50 * 4, "\(id)")
        }
        #expect(try #require(energy["mlp"]) < (try #require(energy["resnet-8-wide"])))
        let refused = try CLIRunner.run(["profile", "--family", Self.manifest, "--core-watts", "0"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("--core-watts must be a positive number of watts"))
    }

    @Test func aBadManifestIsOneClearLine() throws {
        let path = CLIRunner.fixture("family/unknown_key.yaml")
        let result = try CLIRunner.run(["profile", "--family", path])
        #expect(result.status == 1)
        #expect(result.standardError == "adapt-top: \(path):17: budgets.latency: unknown key (expected one of: accuracy_floor, latency_ms, memory_mb)\n")
    }

    @Test func aMissingDataFolderNamesThePackage() throws {
        let result = try CLIRunner.run(["profile", "--family", Self.manifest, "--data", "/nonexistent/data"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("dataset-fashion-mnist"))
    }
}
