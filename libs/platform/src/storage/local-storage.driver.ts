import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageObjectNotFoundError, type StorageDriver, type StoragePutOptions } from './storage.driver';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Objects as files under one root directory (STORAGE_LOCAL_DIR). A write goes to a temporary file
 * beside its target and is renamed into place once complete, so a reader never sees half an object
 * and a failed write leaves nothing behind.
 */
export class LocalStorageDriver implements StorageDriver {
  readonly bucket = 'local';
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: Readable, _options: StoragePutOptions): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    // Dot-prefixed, so it never collides with a key (key segments cannot start with a dot).
    const temporary = join(dirname(target), `.${randomUUID()}.part`);
    try {
      await pipeline(body, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch((e: unknown) => {
        if (!isMissing(e)) throw e;
      });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    try {
      // Opened before the stream exists, so a missing file is an error here rather than mid-stream.
      const handle = await open(this.pathOf(key), 'r');
      return handle.createReadStream();
    } catch (error) {
      if (isMissing(error)) throw new StorageObjectNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** The file of a (validated) key, checked once more to lie inside the root. */
  private pathOf(key: string): string {
    const path = resolve(this.root, ...key.split('/'));
    const inside = relative(this.root, path);
    if (!inside || inside.startsWith('..') || inside.startsWith(sep) || resolve(this.root, inside) !== path) {
      throw new Error('storage key resolves outside the storage root');
    }
    return path;
  }
}
