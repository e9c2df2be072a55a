import { cpus, totalmem, freemem, platform, release, arch, availableParallelism, loadavg } from 'node:os';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly logicalCores: number;
  readonly availableParallelism: number;
  readonly totalMemoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly loadAverage1m: number;
  readonly platform: string;
  readonly node: string;
  readonly v8: string;
  readonly packages: Readonly<Record<string, string>>;
  readonly cuda: CudaStatus;
}

export interface CudaStatus {
  readonly available: boolean;
  /** Why CUDA cannot be used, or which device and provider were found. */
  readonly detail: string;
}

const require = createRequire(import.meta.url);

/** Version of an installed package, found by walking up from its resolved entry point. */
export function packageVersion(name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest)) {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (parsed.name === name && parsed.version) return parsed.version;
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed: reported as such
  }
  return 'not installed';
}

function onnxruntimeHasCudaProvider(): boolean {
  try {
    const root = dirname(require.resolve('onnxruntime-node'));
    const stack = [join(root, '..', 'bin')];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) stack.push(join(dir, entry.name));
        else if (entry.name.includes('providers_cuda')) return true;
      }
    }
  } catch {
    // fall through
  }
  return false;
}

/** Detects a usable CUDA device: an NVIDIA device node plus onnxruntime-node's CUDA provider. */
export function detectCuda(): CudaStatus {
  const driver = '/proc/driver/nvidia/version';
  const hasDevice = existsSync('/dev/nvidia0') || existsSync(driver);
  if (!hasDevice) return { available: false, detail: 'no CUDA device (no /dev/nvidia0, no NVIDIA driver loaded)' };
  const driverLine = existsSync(driver) ? readFileSync(driver, 'utf8').split('\n')[0]!.trim() : 'NVIDIA device';
  if (!onnxruntimeHasCudaProvider()) {
    return {
      available: false,
      detail: `${driverLine}, but onnxruntime-node was installed without its CUDA provider (reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12)`,
    };
  }
  return { available: true, detail: driverLine };
}

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    logicalCores: cpuList.length,
    availableParallelism: availableParallelism(),
    totalMemoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemoryGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    platform: `${platform()} ${release()} ${arch()}`,
    node: process.versions.node,
    v8: process.versions.v8,
    packages: Object.fromEntries(['onnxruntime-node', '@huggingface/transformers', 'hnswlib-node', 'socket.io'].map((name) => [name, packageVersion(name)])),
    cuda: detectCuda(),
  };
}
