/** Where each model comes from: a configured directory, `<modelsDir>/<name>`, the hub cache, the hub, or the stand-ins. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ModelError } from '../core/errors.js';
import { probeHub, type HubProbe } from './hub.js';
import type { ModelSource } from './protocol.js';
import { standInHeadsDir, standInModelsDir, type StandInNotice } from './stand-in.js';

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
      throw new ModelError(
        'MODEL_MISSING',
        `The ${name} model directory ${location} does not exist; point the ${name} encoder setting at a transformers.js model directory (config.json, tokenizer/preprocessor files, onnx/*.onnx)`,
        { model: name, location },
      );
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

/** Inputs of the model-resolution rule, from the config (`encodersResolution(config)`). */
export interface ModelResolutionSettings {
  readonly clip: string;
  readonly clap: string;
  readonly modelsDir: string;
  /** transformers.js download cache, `<dataDir>/hub`. */
  readonly cacheDir: string;
  readonly allowRemote: boolean;
  readonly allowStandIn: boolean;
  readonly hubUrl: string;
}

/** The CLIP and CLAP sources to load; `standIn` set when the stand-ins replace models the hub could not deliver. */
export interface ResolvedModels {
  readonly clip: ModelSource;
  readonly clap: ModelSource;
  readonly standIn?: (StandInNotice & { readonly headsDir?: string | undefined }) | undefined;
}

type Step = { readonly source: ModelSource } | { readonly needsHub: string };

/** A hub id whose download cache holds at least its config and ONNX folder (a complete earlier download). */
function inDownloadCache(cacheDir: string, id: string): boolean {
  return existsSync(join(cacheDir, id, 'config.json')) && isDirectory(join(cacheDir, id, 'onnx'));
}

function localStep(name: string, configured: string, settings: ModelResolutionSettings): Step {
  const source = resolveModelSource(name, configured, settings.modelsDir, settings.allowRemote);
  if (source.local || inDownloadCache(settings.cacheDir, configured)) return { source };
  return { needsHub: configured };
}

/** How to make the models available without the hub, for MODEL_UNREACHABLE. */
function offlineFix(settings: ModelResolutionSettings): string {
  return (
    `place the models offline: copy the transformers.js exports of ${settings.clip} and ${settings.clap} to ${join(settings.modelsDir, 'clip')} and ${join(settings.modelsDir, 'clap')} ` +
    `(or pass --models DIR / set CUECAST_MODELS to a folder holding clip/ and clap/; see docs/models.md), fill the download cache ${settings.cacheDir} on a machine that can reach the hub, ` +
    `point CUECAST_HUB_URL at a reachable mirror, or allow the random-weight stand-in models (CUECAST_ALLOW_STAND_IN=true)`
  );
}

/**
 * The one model-resolution rule every command uses, for CLIP and for CLAP: a configured directory >
 * `<modelsDir>/<name>` (`--models DIR`, `CUECAST_MODELS`, `<dataDir>/models`) > the hub download cache >
 * a download from the hub > the stand-in models, only when the hub cannot be reached (and
 * `allowStandIn`). Errors say what happened: MODEL_MISSING (not there and downloads off, or the hub has
 * no such model), MODEL_UNREACHABLE (the hub cannot be reached and stand-ins are not allowed).
 */
export async function resolveEncoderModels(settings: ModelResolutionSettings, probe: HubProbe = probeHub): Promise<ResolvedModels> {
  const clip = localStep('clip', settings.clip, settings);
  const clap = localStep('clap', settings.clap, settings);
  if ('source' in clip && 'source' in clap) return { clip: clip.source, clap: clap.source };
  const ids = [...new Set([clip, clap].flatMap((step) => ('needsHub' in step ? [step.needsHub] : [])))];
  const answers = await Promise.all(ids.map(async (id) => ({ id, answer: await probe(settings.hubUrl, id) })));
  const missing = answers.find((a) => a.answer.status === 'missing');
  if (missing && missing.answer.status === 'missing') {
    throw new ModelError(
      'MODEL_MISSING',
      `The model hub ${settings.hubUrl} has no model "${missing.id}" (${missing.answer.detail}); check CUECAST_CLIP_MODEL / CUECAST_CLAP_MODEL, or place the model in ${settings.modelsDir} (docs/models.md)`,
      { id: missing.id, hub: settings.hubUrl },
    );
  }
  const unreachable = answers.find((a) => a.answer.status === 'unreachable');
  if (!unreachable || unreachable.answer.status !== 'unreachable') {
    const hub = (step: Step): ModelSource => ('source' in step ? step.source : { location: step.needsHub, local: false, configured: step.needsHub });
    return { clip: hub(clip), clap: hub(clap) };
  }
  const what = `the model hub ${settings.hubUrl} cannot be reached (${unreachable.answer.detail}) and ${ids.join(' and ')} ${ids.length > 1 ? 'are' : 'is'} neither in the models directory ${settings.modelsDir} nor in the download cache ${settings.cacheDir}`;
  const standIns = settings.allowStandIn ? standInModelsDir() : undefined;
  if (!standIns) {
    const why = settings.allowStandIn ? '; the stand-in models are not installed' : '';
    throw new ModelError('MODEL_UNREACHABLE', `The real models cannot be loaded: ${what}${why}. To fix it, ${offlineFix(settings)}`, {
      hub: settings.hubUrl,
      cacheDir: settings.cacheDir,
      modelsDir: settings.modelsDir,
    });
  }
  const local = (name: string): ModelSource => ({ location: join(standIns, name), local: true, configured: join(standIns, name) });
  return { clip: local('clip'), clap: local('clap'), standIn: { reason: `stand-ins because ${what}`, headsDir: standInHeadsDir() } };
}
