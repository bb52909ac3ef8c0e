import { watch } from 'node:fs';
import { sep } from 'node:path';

/** A model is written as several files: one reload once the writes have settled. */
const SETTLE_MS = 300;

/**
 * Calls `onChange` once the files of model `name` under `modelDir` (its version directories) stop
 * changing; returns the function that stops watching. The model directory is watched rather than the
 * name's own, so a name with no version yet at start is picked up when its first one arrives. A
 * directory that cannot be watched is reported to `onUnwatchable`: its models are then read at start only.
 */
export function watchModelDir(
  modelDir: string,
  name: string,
  onChange: () => void,
  onUnwatchable: () => void = () => undefined,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  try {
    const watcher = watch(modelDir, { recursive: true }, (_event, file) => {
      if (file && file !== name && !file.startsWith(`${name}${sep}`)) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, SETTLE_MS);
    });
    watcher.on('error', () => undefined);
    return () => {
      watcher.close();
      clearTimeout(timer);
    };
  } catch {
    onUnwatchable();
    return () => undefined;
  }
}
