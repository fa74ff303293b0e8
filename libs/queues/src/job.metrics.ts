import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job } from 'bull';
import { Histogram } from 'prom-client';
import { MetricsRegistry } from '@itinera/platform';
import { allQueues } from './queue-lookup';
import { displayNameOf } from './queue-registry';

/** Processing time of the jobs this worker runs, by queue, job and outcome (worker only). */
@Injectable()
export class JobMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const histogram = this.registry.getOrCreate(
      'queue_job_duration_seconds',
      (r) =>
        new Histogram({
          name: 'queue_job_duration_seconds',
          help: 'Job processing time in this worker by queue, job name and outcome',
          labelNames: ['queue', 'job', 'outcome'],
          buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
          registers: [r],
        }),
    );
    for (const queue of allQueues(this.moduleRef)) {
      const observe = (outcome: string) => (job: Job) => {
        if (job.processedOn && job.finishedOn) {
          histogram.observe(
            { queue: displayNameOf(queue.name), job: job.name, outcome },
            (job.finishedOn - job.processedOn) / 1000,
          );
        }
      };
      queue.on('completed', observe('completed'));
      queue.on('failed', observe('failed'));
    }
  }
}
