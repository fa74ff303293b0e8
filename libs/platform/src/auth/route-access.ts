import { applyDecorators } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { TenantRole } from './principal';

/**
 * Who may call a route. Every route needs an authenticated principal with an active tenant unless
 * its access says otherwise (default deny); the authentication hook (libs/identity) reads this from
 * the Fastify route config, so it costs no Nest guard per request.
 */
export interface RouteAccess {
  /** No credentials needed (sign-in, health, public links). */
  public?: boolean;
  /** Only users holding one of these roles in the active tenant. */
  roles?: TenantRole[];
  /** API keys are accepted when they carry every one of these scopes (users are judged by `roles`). */
  apiKeyScopes?: string[];
  /** Only platform administrators (no tenant needed). */
  platformAdmin?: boolean;
  /** A signed-in user without an active tenant may call it (their own account, sessions, MFA). */
  withoutTenant?: boolean;
}

/** The key of RouteAccess in a route's Fastify config. */
export const ROUTE_ACCESS = 'access';

/** The OpenAPI extension a route's access is recorded in; createOpenApiDocument turns it into `security`. */
export const ACCESS_EXTENSION = 'x-itinera-access';

/** @nestjs/swagger's metadata key for @ApiExtension (SWAGGER_EXTENSION_METADATA, not exported by the package). */
const SWAGGER_EXTENSION_METADATA = 'swagger/apiExtension';

/**
 * Sets one member of a handler's Fastify route config without replacing the others (Nest's
 * @RouteConfig replaces the whole config, so a rate limit and an access rule could not both stay).
 */
export function MergeRouteConfig(key: string, value: unknown): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as Record<string, unknown>;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [key]: value }, handler);
  };
}

/**
 * Merges `access` into the Fastify route config of a handler, or of every handler of a class
 * (a method's own access wins over its class's), and records it for the OpenAPI document.
 */
function mergeRouteAccess(access: RouteAccess): MethodDecorator & ClassDecorator {
  const mergeInto = (handler: object, fromClass: boolean) => {
    const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as Record<string, unknown>;
    const current = (config[ROUTE_ACCESS] ?? {}) as RouteAccess;
    const merged = fromClass ? { ...access, ...current } : { ...current, ...access };
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [ROUTE_ACCESS]: merged }, handler);
    const extension = (Reflect.getMetadata(SWAGGER_EXTENSION_METADATA, handler) ?? {}) as Record<string, unknown>;
    Reflect.defineMetadata(SWAGGER_EXTENSION_METADATA, { ...extension, [ACCESS_EXTENSION]: merged }, handler);
  };
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor) {
      mergeInto(descriptor.value as object, false);
      return;
    }
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name !== 'constructor' && typeof prototype[name] === 'function') mergeInto(prototype[name] as object, true);
    }
  }) as MethodDecorator & ClassDecorator;
}

/** No credentials needed. */
export const Public = () => mergeRouteAccess({ public: true });

/** Only users with one of `roles` in the active tenant (API keys are refused unless `ApiKeyScopes` allows them). */
export const Roles = (...roles: TenantRole[]) => mergeRouteAccess({ roles });

/** Also accepts API keys of the tenant that carry every one of `scopes`. */
export const ApiKeyScopes = (...scopes: string[]) => mergeRouteAccess({ apiKeyScopes: scopes });

/** Platform administrators only. */
export const PlatformAdmin = () => mergeRouteAccess({ platformAdmin: true, withoutTenant: true });

/** A signed-in user without an active tenant may call it too. */
export const WithoutTenant = () => mergeRouteAccess({ withoutTenant: true });

/** Several rules at once: `@Access({ roles: [...], apiKeyScopes: [...] })`. */
export const Access = (access: RouteAccess) => applyDecorators(mergeRouteAccess(access) as MethodDecorator);
