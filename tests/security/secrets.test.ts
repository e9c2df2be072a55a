import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { redactText, redactUrl } from '../../core/redact.js';
import { TokenTable } from '../../stream-server/tokens.js';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('secrets are never printed', () => {
  it('a bad CUECAST_STREAM_TOKENS entry is named without its token', () => {
    const message = messageOf(() => TokenTable.parse('alpha:secret7,bad id!:supersecrettoken,justatokenwithoutid', 'CUECAST_STREAM_TOKENS'));
    expect(message).toContain('CUECAST_STREAM_TOKENS');
    expect(message).toContain('alpha');
    for (const secret of ['secret7', 'supersecrettoken', 'justatokenwithoutid']) expect(message).not.toContain(secret);
  });

  it('a config file that is not valid JSON is reported without its contents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cuecast-secret-'));
    try {
      const file = join(dir, 'config.json');
      writeFileSync(file, '{"discord": {"token": super-secret-bot-token}}');
      const message = messageOf(() => loadConfig({ file, env: {} }));
      expect(message).toContain('not valid JSON');
      expect(message).not.toContain('super-secr');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('invalid secret settings are named without their values', () => {
    const message = messageOf(() => loadConfig({ env: { DISCORD_API_BASE_URL: 'not a url hunter2-secret', CUECAST_PORT: 'hunter2-port' } }));
    expect(message).toContain('DISCORD_API_BASE_URL');
    expect(message).not.toContain('hunter2');
  });

  it('URL credentials and query strings are redacted in URLs and in text that contains them', () => {
    expect(redactUrl('rtmp://user:p4ss@live.example.com/app/key?token=abc')).toBe('rtmp://***:***@live.example.com/app/key?…');
    expect(redactUrl('https://example.com/a.m3u8')).toBe('https://example.com/a.m3u8');
    expect(redactUrl('not a url')).toBe('not a url');
    const stderr = "[http @ 0x55] Opening 'http://bob:s3cret@10.0.0.1:8080/live.m3u8?sig=xyz' for reading\nrtmp://k:v@h/app: Connection refused";
    const redacted = redactText(stderr);
    for (const secret of ['s3cret', 'sig=xyz', 'k:v@']) expect(redacted).not.toContain(secret);
    expect(redacted).toContain('http://***:***@10.0.0.1:8080/live.m3u8?…');
  });
});
