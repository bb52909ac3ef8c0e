#!/usr/bin/env bash
# Renders every overlay with kustomize and validates the output against the Kubernetes JSON schemas,
# offline. Tools come from the Go module proxy (go install); the schemas from the PyPI package
# kubernetes-validate (kubeconform's default schema location, GitHub, is not reachable from CI).
# Custom resources (ECK Elasticsearch, KEDA ScaledObject, Prometheus Operator kinds) have no schema
# there and are skipped by kind; their structure is covered by k8s/test/manifests.test.ts.
#   scripts/validate-k8s.sh            validate k8s/overlays/*
#   scripts/validate-k8s.sh FILE...    validate these rendered manifests instead (used by the tests)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
K8S_VERSION=${K8S_VERSION:-1.33.0}
tools=$root/.data/tools
mkdir -p "$tools/bin"
export GOBIN=$tools/bin PATH=$tools/bin:$PATH

command -v kustomize >/dev/null || go install sigs.k8s.io/kustomize/kustomize/v5@v5.7.1
command -v kubeconform >/dev/null || go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0

schemas=$tools/k8s-schemas-v$K8S_VERSION
if [ ! -f "$schemas/.complete" ] || [ scripts/k8s-schemas.py -nt "$schemas/.complete" ]; then
  echo "building Kubernetes JSON schemas v$K8S_VERSION (PyPI kubernetes-validate)..."
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --dest "$tmp" "kubernetes-validate==1.37.0"
  mkdir -p "$schemas"
  python3 scripts/k8s-schemas.py "$tmp"/*.whl "$K8S_VERSION" "$schemas"
  rm -rf "$tmp"
  touch "$schemas/.complete"
fi

validate() {
  kubeconform -strict -summary -output text \
    -schema-location "$schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -skip Elasticsearch,ScaledObject,ServiceMonitor,PrometheusRule "$@"
}

if [ $# -gt 0 ]; then
  validate "$@"
  exit
fi
for overlay in k8s/overlays/*/; do
  name=$(basename "$overlay")
  out=.data/k8s-$name.yaml
  kustomize build "$overlay" >"$out"
  echo "overlay $name:"
  validate "$out"
done
