import type { LightMyRequestResponse } from 'fastify';

/** What the fuzz suite saw, per route: statuses, for the report and to prove inputs got through. */
export class Tally {
  readonly byStatus = new Map<number, number>();
  add(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }
  count(pred: (status: number) => boolean): number {
    return [...this.byStatus].filter(([s]) => pred(s)).reduce((a, [, n]) => a + n, 0);
  }
  toString(): string {
    return [...this.byStatus]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
  }
}

/**
 * The contract every answer keeps, whatever was sent: never a 5xx; every 4xx is problem+json whose
 * status matches and whose detail says why. Returns a message for the first broken rule, or undefined.
 */
export function contractBroken(res: LightMyRequestResponse): string | undefined {
  if (res.statusCode >= 500) return `status ${res.statusCode}: ${res.body.slice(0, 300)}`;
  if (res.statusCode < 400) return undefined;
  if (!String(res.headers['content-type'] ?? '').startsWith('application/problem+json'))
    return `${res.statusCode} without problem+json: ${res.headers['content-type']}`;
  let problem: { status?: unknown; detail?: unknown; code?: unknown };
  try {
    problem = res.json();
  } catch {
    return `${res.statusCode} problem body is not JSON: ${res.body.slice(0, 200)}`;
  }
  if (problem.status !== res.statusCode) return `problem status ${String(problem.status)} != ${res.statusCode}`;
  if (typeof problem.detail !== 'string' || problem.detail.trim() === '')
    return `${res.statusCode} problem without a reason`;
  if (typeof problem.code !== 'string') return `${res.statusCode} problem without a code`;
  return undefined;
}
