import { Gauge, type Registry } from 'prom-client';
import type { NeighbourJob } from './neighbour-job.js';

/** The neighbour job's metrics, on the indexer's registry: how much it applied, what it cost, how far behind it is. */
export function registerNeighbourMetrics(registry: Registry, job: NeighbourJob): void {
  new Gauge({
    name: 'indexer_neighbour_events_applied',
    help: 'Interaction events applied to co-engagement neighbours by this process since start',
    registers: [registry],
    collect() {
      this.set(job.stats.applied);
    },
  });
  new Gauge({
    name: 'indexer_neighbour_script_seconds',
    help: 'Time spent inside the neighbour apply script (Redis CPU) by this process since start',
    registers: [registry],
    collect() {
      this.set(job.stats.scriptMs / 1000);
    },
  });
  new Gauge({
    name: 'indexer_neighbour_lag_seconds',
    help: 'Age of the newest interaction the neighbour job has not applied yet (0 when caught up; alert above a minute)',
    registers: [registry],
    async collect() {
      this.set((await job.lagMs().catch(() => 0)) / 1000);
    },
  });
}
