import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('/readyz', () => {
  it("shows each encoder's dtype and how it was chosen when the server is given them", async () => {
    const dtypes = {
      clipImage: { dtype: 'q8', how: 'remembered', reason: 'q8 agrees with fp32 (lowest cosine 0.9991 >= 0.99 over 6 reference inputs)' },
      clapAudio: { dtype: 'fp32', how: 'checked', reason: 'q8 disagrees with fp32 (lowest cosine 0.9712 < 0.99 over 3 reference inputs); fp32' },
    };
    server = await startTestServer({}, { dtypes });
    const body = (await (await fetch(`${server.url}/readyz`)).json()) as { dtypes?: unknown };
    expect(body.dtypes).toEqual(dtypes);
  });

  it('leaves dtypes out when the server was not given them', async () => {
    server = await startTestServer();
    expect(await (await fetch(`${server.url}/readyz`)).json()).not.toHaveProperty('dtypes');
  });
});
