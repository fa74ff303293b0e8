import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AppConfig, RateLimit } from '@itinera/platform';

declare module 'fastify' {
  interface FastifyInstance {
    /** LINK_RATE_LIMIT_MAX: requests per minute per IP on the public link routes. */
    linkRateLimitMax: number;
  }
}

/** The per-IP limit of the public link routes, read per request from this app's configuration. */
export const LinkRateLimit = () =>
  RateLimit({ max: (request) => request.server.linkRateLimitMax, timeWindowMs: 60_000 });

/** Puts LINK_RATE_LIMIT_MAX on the Fastify instance, where LinkRateLimit reads it. */
@Injectable()
export class LinkRateLimitSetting implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasDecorator('linkRateLimitMax')) return;
    const max: number = this.config.get('LINK_RATE_LIMIT_MAX', { infer: true });
    fastify.decorate('linkRateLimitMax', max);
  }
}
