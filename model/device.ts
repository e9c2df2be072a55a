import { ModelError } from '../core/errors.js';

/** Matches onnxruntime's failures to start the CUDA execution provider. */
export function isCudaFailure(message: string): boolean {
  return /cuda|execution ?provider/i.test(message);
}

/** The CUDA execution provider is missing (CPU-only onnxruntime-node install, or no CUDA 12 runtime). */
export function cudaUnavailable(detail: string): ModelError {
  return new ModelError(
    'MODEL_FAILED',
    `device "cuda" is not available here (${detail}); on a host with an NVIDIA GPU and CUDA 12 reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 npm install, or set CUECAST_DEVICE=cpu`,
    { device: 'cuda' },
  );
}
