import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Runs an app entry point from source (ts-node, transpile only) the way `node dist/...` runs it in production. */
function runEntryPoint(entry: string, env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', entry],
    {
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: join(root, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the api process', () => {
  it('refuses to start on bad configuration, naming every bad variable, without a stack trace', async () => {
    const { exited } = runEntryPoint('apps/api/src/main.ts', { REDIS_URL: 'http://not-redis', PORT: 'eighty' });
    const { code, stderr } = await exited;
    expect(code).toBe(78);
    expect(stderr).toContain('"REDIS_URL"');
    expect(stderr).toContain('"PORT"');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  // Nest closes the app (HTTP drained, providers destroyed), then re-raises the signal, so the
  // process ends by SIGTERM after a clean shutdown, as process managers expect.
  it('serves, then shuts down cleanly on SIGTERM within the grace period', async () => {
    const port = await freePort();
    const { child, exited } = runEntryPoint('apps/api/src/main.ts', { PORT: String(port), SHUTDOWN_GRACE_MS: '5000' });
    const url = `http://127.0.0.1:${port}/health/ready`;
    const deadline = Date.now() + 45_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      ready = await fetch(url).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ready).toBe(true);
    const signalled = Date.now();
    child.kill('SIGTERM');
    const { code, signal, stderr } = await exited;
    expect({ code, signal }).toEqual(expect.objectContaining(code === 0 ? { code: 0 } : { signal: 'SIGTERM' }));
    expect(stderr).not.toContain('shutdown took longer');
    expect(Date.now() - signalled).toBeLessThan(5_000);
  });
});
