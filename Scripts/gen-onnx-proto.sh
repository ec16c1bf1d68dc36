#!/usr/bin/env bash
# Regenerates Sources/AdaptInference/ONNX/Generated/onnx.pb.swift from Sources/AdaptInference/ONNX/onnx.proto.
#
# The generated file is committed, so building the package never needs protoc; run this only after
# editing onnx.proto or moving to another swift-protobuf version.
#
# Needs:
#   protoc             Debian/Ubuntu: apt-get install protobuf-compiler
#   protoc-gen-swift   taken from $PROTOC_GEN_SWIFT, else from PATH. Build it at the swift-protobuf
#                      version Package.resolved pins, so the generated code matches the runtime library.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
proto_dir="$repo_root/Sources/AdaptInference/ONNX"
out_dir="$proto_dir/Generated"

# The swift-protobuf version the package builds against (Package.resolved), or the minimum in Package.swift.
pinned_version="$(grep -A6 '"identity" : "swift-protobuf"' "$repo_root/Package.resolved" 2>/dev/null \
    | sed -n 's/.*"version" : "\(.*\)".*/\1/p' || true)"
if [[ -z "$pinned_version" ]]; then
    pinned_version="$(sed -n 's/.*swift-protobuf", from: "\(.*\)").*/\1/p' "$repo_root/Package.swift")"
fi

explain_protoc_gen_swift() {
    cat >&2 <<HELP
error: protoc-gen-swift not found. Set PROTOC_GEN_SWIFT to its path or put it on PATH. To build it:

    git clone --branch ${pinned_version:-<version>} --depth 1 https://github.com/apple/swift-protobuf /tmp/swift-protobuf
    (cd /tmp/swift-protobuf && swift build -c release --product protoc-gen-swift)
    PROTOC_GEN_SWIFT=/tmp/swift-protobuf/.build/release/protoc-gen-swift $0
HELP
    exit 1
}

if ! command -v protoc >/dev/null 2>&1; then
    echo "error: protoc not found (Debian/Ubuntu: apt-get install protobuf-compiler)" >&2
    exit 1
fi

plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
[[ -n "$plugin" && -x "$plugin" ]] || explain_protoc_gen_swift

plugin_version="$("$plugin" --version 2>/dev/null | awk '{print $NF}')"
if [[ -n "$pinned_version" && "$plugin_version" != "$pinned_version" ]]; then
    echo "warning: protoc-gen-swift is $plugin_version but the package uses swift-protobuf $pinned_version" >&2
fi

mkdir -p "$out_dir"
# Visibility=Internal keeps the generated Onnx_* types out of AdaptInference's public API.
protoc \
    --plugin=protoc-gen-swift="$plugin" \
    --proto_path="$proto_dir" \
    --swift_out="$out_dir" \
    --swift_opt=Visibility=Internal \
    --swift_opt=FileNaming=DropPath \
    "$proto_dir/onnx.proto"

echo "wrote $out_dir/onnx.pb.swift (protoc-gen-swift $plugin_version, $(protoc --version))"
