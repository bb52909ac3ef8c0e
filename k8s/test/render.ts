import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository root and the CI validator that installs kustomize (scripts/validate-k8s.sh). */
export const root = resolve(import.meta.dirname, '../..');
export const validator = join(root, 'scripts/validate-k8s.sh');
export const overlays = readdirSync(join(root, 'k8s/overlays'));

/** A rendered Kubernetes object, loosely typed: the tests read what they check. */
export type Doc = {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
};

/**
 * Every overlay rendered with kustomize: runs the validator first (it installs kustomize and
 * kubeconform into .data/tools when missing, and fails on an invalid manifest).
 */
export function renderOverlays(): Map<string, Doc[]> {
  execFileSync(validator, { cwd: root, stdio: 'ignore' });
  const kustomize = join(root, '.data/tools/bin/kustomize');
  const bin = spawnSync(kustomize, ['version']).status === 0 ? kustomize : 'kustomize';
  const rendered = new Map<string, Doc[]>();
  for (const overlay of overlays) {
    const yaml = execFileSync(bin, ['build', join(root, 'k8s/overlays', overlay)], { encoding: 'utf8' });
    rendered.set(
      overlay,
      parseAllDocuments(yaml).map((d) => d.toJS() as Doc),
    );
  }
  return rendered;
}
