import fp from 'fastify-plugin';
import { isAbsolute, resolve } from 'node:path';
import { RankingService } from '../../../ranking/src/ranking-service.js';

/** The ranking service (ONNX model with BM25 fallback); its timings and fallbacks feed the metrics. */
export default fp(
  async (app) => {
    const m = app.config.model;
    const ranking = await RankingService.create({
      modelDir: isAbsolute(m.dir) ? m.dir : resolve(process.cwd(), m.dir),
      name: m.name,
      version: m.version,
      canaryVersion: m.canaryVersion,
      canaryPercent: m.canaryPercent,
      budgetMs: m.budgetMs,
      logger: app.log.child({ component: 'ranking' }),
      onRanked: (e) => {
        app.metrics.rankerDuration.observe(
          { ranker: e.fallbackReason ? 'bm25' : 'onnx', version: e.version ?? 'none' },
          e.ms / 1000,
        );
        if (e.fallbackReason) app.metrics.rankerFallbacks.inc({ reason: e.fallbackReason });
      },
    });
    app.decorate('ranking', ranking);
    app.addHook('onClose', async () => ranking.close());
  },
  { name: 'ranker', dependencies: ['metrics'] },
);
