import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import fp from 'fastify-plugin';
import { Vocabulary } from '../../shared/schemas/vocabulary.js';
import {
  KNOWN_SOURCES,
  METRICS,
  metricsForTouchpoint,
  SOURCE_PATTERN,
  TOUCHPOINTS,
} from '../../shared/vocabulary.js';

/** What ingest accepts, for the people and tools that feed it. */
const vocabulary: Vocabulary = {
  touchpoints: TOUCHPOINTS.map((id) => ({
    id,
    knownSources: [...KNOWN_SOURCES[id]],
    metrics: metricsForTouchpoint(id).map((m) => m.id),
  })),
  sourcePattern: SOURCE_PATTERN.source,
  metrics: METRICS.map((m) => ({ ...m, touchpoints: [...m.touchpoints] })),
};

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/vocabulary',
    {
      schema: {
        tags: ['vocabulary'],
        summary: 'Touchpoints, their known sources and metrics, and how each metric aggregates',
        response: { 200: Vocabulary },
      },
    },
    async () => vocabulary,
  );
};

export default fp(async (app) => app.register(routes), { name: 'vocabulary' });
