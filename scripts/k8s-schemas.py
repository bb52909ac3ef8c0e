"""Builds standalone Kubernetes JSON schemas for kubeconform from the PyPI package kubernetes-validate.

Its schemas reference a shared /api/_definitions.json that kubeconform cannot resolve from disk, so each
kind's schema gets the definitions inlined (refs rewritten to #/$defs/...). Only the kinds listed are
built: a manifest of another kind fails validation with "could not find schema" until it is added here.

    python3 scripts/k8s-schemas.py WHEEL K8S_VERSION OUT_DIR
"""
import json
import sys
import zipfile

KINDS = [
    "configmap-v1", "secret-v1", "service-v1", "serviceaccount-v1", "namespace-v1",
    "deployment-apps-v1", "statefulset-apps-v1", "job-batch-v1", "cronjob-batch-v1",
    "poddisruptionbudget-policy-v1", "networkpolicy-networking-v1", "horizontalpodautoscaler-autoscaling-v2",
    "ingress-networking-v1",
]


def main(wheel: str, version: str, out: str) -> None:
    base = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
    with zipfile.ZipFile(wheel) as z:
        defs = json.loads(z.read(base + "_definitions.json").decode().replace("/api/_definitions.json#", "#"))["$defs"]
        for kind in KINDS:
            schema = json.loads(z.read(f"{base}{kind}.json").decode().replace("/api/_definitions.json#", "#"))
            schema["$defs"] = defs
            with open(f"{out}/{kind}.json", "w") as f:
                json.dump(schema, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])
