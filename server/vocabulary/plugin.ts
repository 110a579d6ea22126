import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import fp from 'fastify-plugin';
import { answer } from '../http/openapi.js';
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
        operationId: 'getVocabulary',
        summary: 'Touchpoints, their known sources and metrics, and how each metric aggregates',
        description:
          'What every workspace’s ingest accepts: the five touchpoints (search, site, social, media, viral), the sources known for each (any other source matching `sourcePattern` is accepted too), and the shared metrics with their kind (counter: added up; gauge: a level, with how sources combine), unit and touchpoints. A workspace can declare metrics of its own (PUT …/metrics/{id}).',
        response: { 200: answer(Vocabulary, 'The shared vocabulary.') },
      },
    },
    async () => vocabulary,
  );
};

export default fp(async (app) => app.register(routes), { name: 'vocabulary' });
