/// A model family: one task, several variants of it, the data to measure them on, and default budgets.
/// Read from YAML (see the README's "Family manifest" section and `Examples/fashion-mnist/family.yaml`).
public struct FamilyManifest: Sendable, Equatable {
    public struct Input: Sendable, Equatable {
        /// NCHW shape of one frame, batch 1.
        public var shape: [Int]
        public var normalization: Normalization
    }

    public struct Dataset: Sendable, Equatable {
        public var name: String
        /// Folder of the IDX files; Debian's package location unless the manifest or `--data` says otherwise.
        public var path: String
        public var split: MNISTStyleDataset.Split
    }

    public struct Variant: Sendable, Equatable {
        public var id: String
        /// The ONNX file, resolved against the manifest's folder.
        public var file: String
        /// Top-1 accuracy (0…1) the training script measured, to check the device's own measurement against.
        public var referenceAccuracy: Double?
    }

    /// The policy's default budgets (the same type the policy takes).
    public typealias Budgets = PolicyBudgets

    /// An on-device transform that derives more variants from each imported one (the compression issue uses these).
    public struct Transform: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case int8
            case prune
        }

        public var kind: Kind
        /// Pruning ratios (fractions of filters removed), for `prune`.
        public var ratios: [Double]
        /// Unlabeled training images used to calibrate int8 ranges or re-estimate BatchNorm statistics.
        public var calibrationImages: Int?
    }

    /// The manifest file itself, for error messages.
    public var source: String
    public var family: String
    public var task: String
    public var labels: [String]
    public var input: Input
    public var dataset: Dataset
    public var variants: [Variant]
    public var budgets: Budgets
    public var transforms: [Transform]
}
