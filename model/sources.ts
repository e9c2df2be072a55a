/** Where each model comes from: a configured directory, `<modelsDir>/<name>`, or the hub. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ModelError } from '../core/errors.js';
import type { ModelSource } from './protocol.js';

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** A configured value is a path when it is absolute, starts with `.` or `~`, or names an existing directory. */
function looksLikePath(value: string): boolean {
  return isAbsolute(value) || value.startsWith('.') || value.startsWith('~') || isDirectory(value);
}

/**
 * Resolves `configured` (hub id or directory) for the model named `name` (`clip`, `clap`):
 * a configured directory must exist; for a hub id, `<modelsDir>/<name>` wins when present, else the
 * hub is used when downloads are allowed. Anything else is MODEL_MISSING with the fix.
 */
export function resolveModelSource(name: string, configured: string, modelsDir: string, allowRemote: boolean): ModelSource {
  if (looksLikePath(configured)) {
    const location = resolve(configured.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
    if (!isDirectory(location)) {
      throw new ModelError('MODEL_MISSING', `The ${name} model directory ${location} does not exist; point the ${name} encoder setting at a transformers.js model directory (config.json, tokenizer/preprocessor files, onnx/*.onnx)`, { model: name, location });
    }
    return { location, local: true, configured };
  }
  const inModelsDir = join(modelsDir, name);
  if (isDirectory(inModelsDir)) return { location: inModelsDir, local: true, configured };
  if (!allowRemote) {
    throw new ModelError(
      'MODEL_MISSING',
      `The ${name} model "${configured}" is not in ${inModelsDir} and downloads are disabled; put the model there (see docs/models.md), pass --models DIR / CUECAST_MODELS, or set CUECAST_ALLOW_REMOTE_MODELS=true`,
      { model: name, id: configured, location: inModelsDir },
    );
  }
  return { location: configured, local: false, configured };
}
