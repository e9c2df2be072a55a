import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'cuecast-config-'));

describe('loadConfig', () => {
  it('given no settings, returns the documented defaults with directories under the data dir', () => {
    const config = loadConfig({ env: { CUECAST_DATA_DIR: '/srv/cuecast' } });
    expect(config.encoders).toMatchObject({ clip: 'Xenova/clip-vit-base-patch32', dtype: 'auto', device: 'cpu' });
    expect(config.video).toEqual({ fps: 1, maxFrames: 30 });
    expect(config.catalog).toMatchObject({ segmentSeconds: 30, hopSeconds: 15 });
    expect(config.modelsDir).toBe('/srv/cuecast/models');
    expect(config.catalogDir).toBe('/srv/cuecast/catalog');
  });

  it('given environment variables, coerces them to typed values', () => {
    const config = loadConfig({
      env: { CUECAST_PORT: '9000', CUECAST_FPS: '2', CUECAST_DTYPE: 'q8', CUECAST_ALLOW_REMOTE_MODELS: 'false', CUECAST_MODELS: '/m' },
    });
    expect(config.server.port).toBe(9000);
    expect(config.video.fps).toBe(2);
    expect(config.encoders.dtype).toBe('q8');
    expect(config.encoders.allowRemote).toBe(false);
    expect(config.modelsDir).toBe('/m');
  });

  it('given a config file and an env var for the same setting, the env var wins', () => {
    const file = join(tempDir(), 'cuecast.json');
    writeFileSync(file, JSON.stringify({ server: { port: 1234, host: '0.0.0.0' }, video: { maxFrames: 12 } }));
    const config = loadConfig({ file, env: { CUECAST_PORT: '4321' } });
    expect(config.server).toMatchObject({ port: 4321, host: '0.0.0.0' });
    expect(config.video.maxFrames).toBe(12);
  });

  it('given CLI overrides, they win over env and file', () => {
    const config = loadConfig({ env: { CUECAST_PORT: '4321' }, overrides: { 'server.port': 0 } });
    expect(config.server.port).toBe(0);
  });

  it('given several invalid variables, reports every one at once, naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ env: { CUECAST_PORT: 'eighty', CUECAST_DTYPE: 'fp64', CUECAST_DEVICE: 'auto', CUECAST_FPS: '-1' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { issues, code } = error as ConfigError;
    expect(code).toBe('CONFIG_INVALID');
    expect(issues).toHaveLength(4);
    expect(issues.join('\n')).toMatch(/CUECAST_PORT \(server\.port\)/);
    expect(issues.join('\n')).toMatch(/CUECAST_DTYPE \(encoders\.dtype\)/);
    expect(issues.join('\n')).toMatch(/CUECAST_DEVICE \(encoders\.device\).*cpu.*cuda/);
    expect(issues.join('\n')).toMatch(/CUECAST_FPS \(video\.fps\)/);
  });

  it('given a missing or malformed config file, says which file', () => {
    expect(() => loadConfig({ file: '/nonexistent/cuecast.json', env: {} })).toThrow(/\/nonexistent\/cuecast\.json does not exist/);
    const file = join(tempDir(), 'bad.json');
    writeFileSync(file, '{ not json');
    expect(() => loadConfig({ file, env: {} })).toThrow(/bad\.json is not valid JSON/);
  });
});

describe('docs/configuration.md', () => {
  it('documents every environment variable the config reads', async () => {
    const { readFileSync } = await import('node:fs');
    const { ENV_VARS } = await import('../../core/config.js');
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    const missing = Object.entries(ENV_VARS).filter(([name, path]) => !doc.includes(`| \`${name}\` | \`${path}\` |`));
    expect(missing).toEqual([]);
  });
});
