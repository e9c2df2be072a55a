/**
 * Synthetic embedding sets for the index benchmark: a mixture of Gaussians, L2-normalised, so that
 * neighbourhoods look like those of real embeddings (clusters of related items, a decaying spectrum
 * inside each cluster) rather than uniform noise, on which every approximate index degrades.
 */

/** mulberry32: small, fast, seedable; the benchmark must generate the same data every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller, both outputs used). */
export function seededGaussian(seed: number): () => number {
  const uniform = seededRandom(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

export function normalizeRows(data: Float32Array, dim: number): void {
  for (let offset = 0; offset < data.length; offset += dim) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += data[offset + j]! * data[offset + j]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dim; j++) data[offset + j]! *= scale;
  }
}

export interface ClusteredSpec {
  readonly dim: number;
  readonly clusters: number;
  /** Directions of variation inside each cluster (its covariance rank, before isotropic noise). */
  readonly rank: number;
  /** Norm of the within-cluster spread relative to the (unit) cluster centre. */
  readonly spread: number;
  /** Norm of the isotropic noise added to every vector, relative to the centre. */
  readonly noise: number;
  readonly seed: number;
}

export const DEFAULT_CLUSTERED_SPEC: Omit<ClusteredSpec, 'clusters'> = {
  dim: 512,
  rank: 32,
  spread: 0.8,
  noise: 0.6,
  seed: 20_230_601,
};

/** How many clusters a set of `n` vectors gets: about sqrt(n), so cluster sizes grow with the set. */
export const clustersFor = (n: number): number => Math.max(8, Math.round(Math.sqrt(n)));

/**
 * Draws vectors from a mixture: a unit centre per cluster, plus `rank` cluster-specific Gaussian
 * directions with a decaying scale (1/sqrt(j+1)), plus isotropic Gaussian noise; then L2-normalised.
 * `sampleSeed` picks which points are drawn from the same mixture (queries use a different one).
 */
export class ClusteredMixture {
  readonly spec: ClusteredSpec;
  private readonly centres: Float32Array;
  private readonly bases: Float32Array;

  constructor(spec: ClusteredSpec) {
    this.spec = spec;
    const { dim, clusters, rank, spread } = spec;
    const gauss = seededGaussian(spec.seed);
    this.centres = new Float32Array(clusters * dim);
    for (let i = 0; i < this.centres.length; i++) this.centres[i] = gauss();
    normalizeRows(this.centres, dim);
    // Random directions have norm ~sqrt(dim); scale so the cluster's spread has norm ~`spread`.
    let totalVariance = 0;
    for (let j = 0; j < rank; j++) totalVariance += 1 / (j + 1);
    const unit = spread / Math.sqrt(dim * totalVariance);
    this.bases = new Float32Array(clusters * rank * dim);
    for (let c = 0; c < clusters; c++) {
      for (let j = 0; j < rank; j++) {
        const scale = unit / Math.sqrt(j + 1);
        const offset = (c * rank + j) * dim;
        for (let d = 0; d < dim; d++) this.bases[offset + d] = gauss() * scale;
      }
    }
  }

  sample(count: number, sampleSeed: number): Float32Array {
    const { dim, clusters, rank, noise } = this.spec;
    const gauss = seededGaussian(sampleSeed);
    const uniform = seededRandom(sampleSeed ^ 0x5bd1e995);
    const out = new Float32Array(count * dim);
    const noiseScale = noise / Math.sqrt(dim);
    const centres = this.centres;
    const bases = this.bases;
    const acc = new Float64Array(dim);
    for (let i = 0; i < count; i++) {
      const cluster = Math.floor(uniform() * clusters);
      const centre = cluster * dim;
      for (let d = 0; d < dim; d++) acc[d] = centres[centre + d]! + gauss() * noiseScale;
      for (let j = 0; j < rank; j++) {
        const z = gauss();
        const base = (cluster * rank + j) * dim;
        for (let d = 0; d < dim; d++) acc[d]! += z * bases[base + d]!;
      }
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += acc[d]! * acc[d]!;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      const row = i * dim;
      for (let d = 0; d < dim; d++) out[row + d] = acc[d]! * scale;
    }
    return out;
  }
}
