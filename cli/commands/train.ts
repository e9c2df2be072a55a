import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { CliCommand } from '../command.js';
import { reportError } from '../output.js';

/**
 * `cuecast train|eval|export ARGS...` run the PyTorch trainer (`python3 -m viml`, model/train) with
 * the arguments passed through unchanged, so the CLI is one front door for every part of the project.
 */
const TRAINER_VERBS = {
  train: 'train (or --resume) the ViML heads on shards from `cuecast prepare-training`',
  eval: 'video -> music retrieval figures (R@1/5/10, median rank) with and without text',
  export: 'write query_encoder.onnx, music_encoder.onnx and manifest.json for <models>/viml',
} as const;

/** The folder holding the `viml` Python package, from the source tree or the installed package. */
export function trainerRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'model', 'train');
    if (existsSync(join(candidate, 'viml', '__main__.py'))) return candidate;
  }
  throw new Error(`cannot find model/train/viml above ${from}`);
}

/** The Python with PyTorch: CUECAST_PYTHON, else Debian's /usr/bin/python3, else python3 on PATH. */
export function trainerPython(env: NodeJS.ProcessEnv = process.env): string {
  return env.CUECAST_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

async function runTrainer(verb: string, args: readonly string[]): Promise<number> {
  const root = trainerRoot();
  const python = trainerPython();
  // Relative paths in the arguments stay relative to where the user ran cuecast.
  const child = spawn(python, ['-m', 'viml', verb, ...args], {
    stdio: 'inherit',
    env: { ...process.env, PYTHONPATH: [resolve(root), process.env.PYTHONPATH].filter(Boolean).join(':') },
  });
  // The trainer checkpoints on SIGINT/SIGTERM and exits 130; pass those on and wait for it.
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  try {
    return await new Promise<number>((resolveExit, reject) => {
      child.once('error', (error) => reject(new Error(`cannot run ${python}: ${error.message} (set CUECAST_PYTHON to a Python with torch, numpy and onnx)`)));
      child.once('close', (code, signal) => resolveExit(code ?? (signal ? 128 + 2 : 1)));
    });
  } finally {
    process.off('SIGINT', onInt).off('SIGTERM', onTerm);
  }
}

export const trainCommands: CliCommand = {
  name: 'train',
  register(program: Command): void {
    for (const [verb, description] of Object.entries(TRAINER_VERBS)) {
      program
        .command(verb)
        .description(`${description} (python3 -m viml ${verb}; see model/train/README.md)`)
        .helpOption(false)
        .allowUnknownOption(true)
        .argument('[args...]', `arguments for python3 -m viml ${verb} (--help lists them)`)
        .action(async (args: string[]) => {
          try {
            process.exitCode = await runTrainer(verb, args);
          } catch (error) {
            process.exitCode = reportError(error);
          }
        });
    }
  },
};
