import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import {
  assertValidStorageKey,
  LocalStorageDriver,
  S3StorageDriver,
  StorageObjectNotFoundError,
  StorageService,
  type StorageDriver,
} from '@itinera/platform';
// No type declarations ship with s3rver.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rver;
interface S3rver {
  run(): Promise<unknown>;
  close(): Promise<unknown>;
}

/** Every file under `dir`, relative, including dot-files (temporary writes). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** A stream that yields `chunks` and then fails. */
function failingStream(chunks: string[]): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < chunks.length) this.push(chunks[i++]);
      else this.destroy(new Error('client went away'));
    },
  });
}

/** The contract every driver keeps; run against each driver that can run here. */
function behavesAsStorage(
  name: string,
  make: () => Promise<{ storage: StorageService; files?: () => Promise<string[]> }>,
) {
  describe(name, () => {
    let storage: StorageService;
    let files: (() => Promise<string[]>) | undefined;
    beforeAll(async () => {
      ({ storage, files } = await make());
    });

    it('stores, reads back, reports and deletes an object (delete is idempotent)', async () => {
      const key = 'tenant-a/session-1/object-1';
      expect(await storage.exists(key)).toBe(false);
      await storage.put(key, Readable.from([Buffer.from('hello '), Buffer.from('world')]), {
        contentType: 'text/plain',
      });
      expect(await storage.exists(key)).toBe(true);
      expect(await text(await storage.get(key))).toBe('hello world');
      await storage.delete(key);
      await storage.delete(key);
      expect(await storage.exists(key)).toBe(false);
      await expect(storage.get(key)).rejects.toBeInstanceOf(StorageObjectNotFoundError);
    });

    it('replaces an object written twice under one key', async () => {
      const key = 'tenant-a/session-1/object-2';
      await storage.put(key, Readable.from(['first']), { contentType: 'text/plain' });
      await storage.put(key, Readable.from(['second']), { contentType: 'text/plain' });
      expect(await text(await storage.get(key))).toBe('second');
      await storage.delete(key);
    });

    it('leaves nothing behind when the incoming stream fails half way', async () => {
      const key = 'tenant-a/session-1/object-3';
      await expect(
        storage.put(key, failingStream(['part one, ', 'part two']), { contentType: 'text/plain' }),
      ).rejects.toThrow('client went away');
      expect(await storage.exists(key)).toBe(false);
      if (files) expect(await files()).toEqual([]);
    });

    it('stores an object of unknown length larger than one upload part, and reads it back intact', async () => {
      const key = 'tenant-a/session-1/large';
      const chunk = randomBytes(1024 * 1024);
      const data = Buffer.concat(Array.from({ length: 19 }, (_, i) => Buffer.concat([Buffer.from([i]), chunk])));
      await storage.put(
        key,
        Readable.from(
          Array.from({ length: 38 }, (_, i) => data.subarray(i * (data.length / 38), (i + 1) * (data.length / 38))),
        ),
        {
          contentType: 'application/octet-stream',
        },
      );
      const back = await buffer(await storage.get(key));
      expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      await storage.delete(key);
    });

    it('leaves nothing behind when a stream fails after more than one upload part', async () => {
      const key = 'tenant-a/session-1/large-failing';
      const part = randomBytes(3 * 1024 * 1024).toString('latin1');
      await expect(
        storage.put(key, failingStream([part, part, part, part, part, part]), { contentType: 'text/plain' }),
      ).rejects.toThrow('client went away');
      expect(await storage.exists(key)).toBe(false);
      if (files) expect(await files()).toEqual([]);
    });

    it.each(['../escape', '/absolute/path', 'a/../../b', 'a//b', 'a/./b', '', 'a\\b', 'a/b\u0000', 'a/.hidden'])(
      'refuses the key %j before touching the driver',
      async (key) => {
        expect(() => assertValidStorageKey(key)).toThrow(/invalid storage key/);
        await expect(storage.put(key, Readable.from(['x']), { contentType: 'text/plain' })).rejects.toThrow(
          /invalid storage key/,
        );
        await expect(storage.get(key)).rejects.toThrow(/invalid storage key/);
        await expect(storage.delete(key)).rejects.toThrow(/invalid storage key/);
      },
    );
  });
}

describe('platform storage', () => {
  const roots: string[] = [];
  afterAll(async () => {
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });

  behavesAsStorage('local filesystem driver', async () => {
    const root = await mkdtemp(join(tmpdir(), 'itinera-storage-'));
    roots.push(root);
    const driver: StorageDriver = new LocalStorageDriver(root);
    return { storage: new StorageService(driver), files: () => filesUnder(root) };
  });

  // The S3 driver against an S3-compatible server: S3_TEST_ENDPOINT when given (bucket
  // S3_TEST_BUCKET, credentials S3_TEST_ACCESS_KEY_ID / S3_TEST_SECRET_ACCESS_KEY; e.g. MinIO from
  // docker compose), else s3rver (a Node implementation of the S3 REST API) started here, since no
  // container runtime is available in CI. Both speak the same protocol the driver uses against S3.
  const given = process.env.S3_TEST_ENDPOINT;
  let s3rver: S3rver | undefined;
  afterAll(async () => {
    await s3rver?.close();
  });
  behavesAsStorage(`S3 driver against ${given ?? 's3rver'}`, async () => {
    let endpoint = given;
    let credentials = {
      accessKeyId: process.env.S3_TEST_ACCESS_KEY_ID,
      secretAccessKey: process.env.S3_TEST_SECRET_ACCESS_KEY,
    };
    if (!endpoint) {
      const directory = await mkdtemp(join(tmpdir(), 'itinera-s3rver-'));
      roots.push(directory);
      s3rver = new S3rver({
        address: '127.0.0.1',
        port: 0,
        silent: true,
        directory,
        configureBuckets: [{ name: 'itinera-test', configs: [] }],
      });
      const { port } = (await s3rver.run()) as AddressInfo;
      endpoint = `http://127.0.0.1:${port}`;
      // s3rver's fixed development credentials.
      credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    }
    const driver = new S3StorageDriver({
      bucket: given ? (process.env.S3_TEST_BUCKET ?? 'itinera-test') : 'itinera-test',
      region: 'us-east-1',
      endpoint,
      ...credentials,
      forcePathStyle: true,
    });
    return { storage: new StorageService(driver) };
  });
});
