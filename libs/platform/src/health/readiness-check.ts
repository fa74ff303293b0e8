/**
 * One dependency `/health/ready` checks. `check()` resolves when the dependency is usable and
 * throws (with a message safe to show) when it is not; it is given at most READINESS_TIMEOUT_MS.
 */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
export const READINESS_TIMEOUT_MS = 2_000;
