import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { StorageObjectNotFoundError, type StorageDriver, type StoragePutOptions } from './storage.driver';

export interface S3StorageSettings {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/** Objects of unknown length are sent in parts of this size (S3's minimum part is 5 MiB). */
const PART_BYTES = 8 * 1024 * 1024;

const isNotFound = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
};

/**
 * Objects in an S3 bucket (AWS, or MinIO with S3_ENDPOINT and path-style addressing). S3 publishes
 * an object only once its upload completes, so a failed write leaves nothing readable; a failed
 * multipart upload is aborted so its parts are not kept either.
 */
export class S3StorageDriver implements StorageDriver {
  readonly bucket: string;
  private readonly client: S3Client;

  constructor(settings: S3StorageSettings) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials:
        settings.accessKeyId && settings.secretAccessKey
          ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
          : undefined,
    });
  }

  async put(key: string, body: Readable, options: StoragePutOptions): Promise<void> {
    if (options.size !== undefined) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: options.size,
          ContentType: options.contentType,
        }),
      );
      return;
    }
    // Unknown length: the first PART_BYTES decide between one PUT and a multipart upload.
    const parts = partsOf(body);
    const first = await parts.next();
    const firstPart = first.done ? Buffer.alloc(0) : first.value;
    const second = first.done ? first : await parts.next();
    if (second.done) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: firstPart,
          ContentLength: firstPart.length,
          ContentType: options.contentType,
        }),
      );
      return;
    }
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: options.contentType }),
    );
    const completed: CompletedPart[] = [];
    try {
      const upload = async (part: Buffer) => {
        const PartNumber = completed.length + 1;
        const { ETag } = await this.client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId,
            PartNumber,
            Body: part,
            ContentLength: part.length,
          }),
        );
        completed.push({ ETag, PartNumber });
      };
      await upload(firstPart);
      await upload(second.value);
      for (let next = await parts.next(); !next.done; next = await parts.next()) await upload(next.value);
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: completed },
        }),
      );
    } catch (error) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId }))
        .catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!Body) throw new StorageObjectNotFoundError(key);
      return Body instanceof Readable ? Body : Readable.fromWeb(Body.transformToWebStream() as never);
    } catch (error) {
      if (isNotFound(error)) throw new StorageObjectNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that does not exist, so this is idempotent as it stands.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** For shutdown. */
  destroy(): void {
    this.client.destroy();
  }
}

/** The stream cut into buffers of PART_BYTES (the last one shorter); at least one buffer, possibly empty. */
async function* partsOf(body: Readable): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let yielded = false;
  for await (const chunk of body) {
    let data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    while (pendingBytes + data.length >= PART_BYTES) {
      const take = PART_BYTES - pendingBytes;
      pending.push(data.subarray(0, take));
      data = data.subarray(take);
      yield Buffer.concat(pending);
      yielded = true;
      pending = [];
      pendingBytes = 0;
    }
    if (data.length) {
      pending.push(data);
      pendingBytes += data.length;
    }
  }
  if (pendingBytes > 0 || !yielded) yield Buffer.concat(pending);
}
