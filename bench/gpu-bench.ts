import { detectCuda } from './machine.js';
import { SectionSkipped, type BenchOptions, type BenchSection, type SectionOutcome } from './context.js';

/**
 * Section 5: the encoder table on CUDA. Runs only where a CUDA device and onnxruntime-node's CUDA
 * provider are both present; anywhere else it is skipped with the reason detected.
 */
export const gpuSection: BenchSection = {
  id: 'gpu',
  title: 'GPU: frame encoding on CUDA',
  targetNames: [],
  async run(options: BenchOptions): Promise<SectionOutcome> {
    const cuda = detectCuda();
    if (!cuda.available) throw new SectionSkipped(cuda.detail);
    const { runEncoderBench } = await import('./encoder-bench.js');
    return runEncoderBench({ ...options, device: 'cuda' });
  },
};
