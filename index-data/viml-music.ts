import { createHash } from 'node:crypto';
import type { VimlHeads, VimlManifest } from '../model/index.js';
import type { VimlMusicEncoder } from './indexer.js';

/** Identity of a set of trained heads, stored in the catalog manifest (`viml.manifestHash`). */
export function vimlManifestHash(manifest: VimlManifest): string {
  return createHash('sha256').update(JSON.stringify(manifest)).digest('hex').slice(0, 16);
}

/** The indexer's view of the ViML music head: segment CLAP windows -> joint-space vectors. */
export function vimlMusicEncoder(heads: VimlHeads): VimlMusicEncoder {
  return {
    dim: heads.dim,
    manifestHash: vimlManifestHash(heads.manifest),
    encodeSegments: (segments, signal) => heads.encodeMusic(segments, signal),
  };
}
