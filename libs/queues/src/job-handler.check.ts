import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { BULL_MODULE_QUEUE, BULL_MODULE_QUEUE_PROCESS } from '@nestjs/bull/dist/bull.constants';
import { JOB_NAMES_BY_QUEUE } from './queue-registry';

/**
 * Stops the worker at start when a job of the registry has no handler (immich's rule): such jobs
 * would otherwise sit in Redis until they fail, found only by someone reading the dashboard.
 */
@Injectable()
export class JobHandlerCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    const handled = new Set<string>();
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as { prototype?: object } | undefined;
      const queue = type && Reflect.getMetadata(BULL_MODULE_QUEUE, type);
      if (!queue?.name || !type?.prototype) continue;
      for (const method of this.scanner.getAllMethodNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[method] as object;
        const process = Reflect.getMetadata(BULL_MODULE_QUEUE_PROCESS, handler) as { name?: string } | undefined;
        if (process?.name) handled.add(`${queue.name}/${process.name}`);
      }
    }
    const missing = Object.entries(JOB_NAMES_BY_QUEUE).flatMap(([queue, jobs]) =>
      (jobs as string[]).filter((job) => !handled.has(`${queue}/${job}`)).map((job) => `${queue}/${job}`),
    );
    if (missing.length) throw new Error(`These jobs have no @Process handler in the worker: ${missing.join(', ')}`);
  }
}
