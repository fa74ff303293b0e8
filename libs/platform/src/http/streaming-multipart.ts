import multipart, { type FastifyMultipartOptions } from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** What `request.saveRequestFiles()` answers here: Itinera reads uploads as streams only. */
export const DISK_MODE_UNAVAILABLE =
  'multipart disk mode (saveRequestFiles) is not enabled: read the upload as a stream with request.file()';

/**
 * @fastify/multipart in stream mode only (`request.file()`, the one way Itinera reads an upload:
 * attachments stream through their checksum into storage).
 *
 * The plugin also offers disk mode (`saveRequestFiles`, temporary files). It cleans those files up
 * in an async `onResponse` hook that it adds to every route of the app, not only the multipart ones.
 * That hook costs four promises and a hook call on every request, health probes included: about 1 µs
 * of CPU, 5% of a health probe's cost (`npm run bench -- health`).
 *
 * So the plugin is registered through a view of the instance that drops its `onResponse` hook. Disk
 * mode is switched off with it (`saveRequestFiles` rejects), so no temporary file can be left behind
 * without its clean-up. A unit test fails if a new version of the plugin adds any other per-request hook.
 */
export const streamingMultipart = fp<FastifyMultipartOptions>(
  (fastify, options, done) => (multipart as unknown as PluginFunction)(streamOnly(fastify), options, done),
  { fastify: '5.x', name: 'itinera-streaming-multipart' },
);

type PluginFunction = (
  fastify: FastifyInstance,
  options: FastifyMultipartOptions,
  done: (error?: Error) => void,
) => void;

function streamOnly(fastify: FastifyInstance): FastifyInstance {
  return new Proxy(fastify, {
    get(target, property, receiver) {
      if (property === 'addHook') {
        return (name: string, hook: never) => (name === 'onResponse' ? receiver : target.addHook(name as never, hook));
      }
      if (property === 'decorateRequest') {
        return (name: string, value: unknown, dependencies?: string[]) =>
          target.decorateRequest(name, name === 'saveRequestFiles' ? saveRequestFilesUnavailable : value, dependencies);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function saveRequestFilesUnavailable(): Promise<never> {
  return Promise.reject(new Error(DISK_MODE_UNAVAILABLE));
}
