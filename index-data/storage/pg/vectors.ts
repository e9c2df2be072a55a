/** pgvector's text form: `[0.1,0.2,...]`. */
export function toVectorText(v: Float32Array): string {
  return `[${Array.prototype.join.call(v, ',')}]`;
}

export function fromVectorText(text: string): Float32Array {
  const body = text.slice(1, -1);
  if (body.length === 0) return new Float32Array(0);
  const parts = body.split(',');
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) out[i] = Number(parts[i]);
  return out;
}

export type VectorSpaceName = 'clap-audio' | 'clip-text' | 'viml-music';

/** The table holding one generation's vectors of one space. */
export function vectorTable(generationId: string | number, space: VectorSpaceName): string {
  return `cuecast_vectors_${generationId}_${space.replace('-', '_')}`;
}
