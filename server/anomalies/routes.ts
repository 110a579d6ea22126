import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AnomalyHistory, AnomalyQuery } from '../../shared/schemas/anomalies.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { DAY } from '../../shared/time.js';
import { errors } from '../errors.js';
import { answer, failure } from '../http/openapi.js';
import { parseInstant } from '../http/query.js';
import { ownBrand, requireBrands } from '../kpi/service.js';
import type { AnomalyHistoryService } from './history.js';

/** The longest span asked at once: a quarter of hours, three years of days. */
const SPANS = {
  hour: { fallback: 28 * DAY, most: 92 * DAY },
  day: { fallback: 365 * DAY, most: 3 * 365 * DAY },
};

export const anomalyRoutes: FastifyPluginAsyncTypebox<{
  history: AnomalyHistoryService;
  now: () => number;
  waitMs: number;
}> = async (app, { history, now, waitMs }) => {
  app.get(
    '/api/v1/workspaces/:workspace/anomalies',
    {
      schema: {
        tags: ['alerts'],
        operationId: 'listAnomalies',
        summary: 'Past anomalies of a KPI of a brand',
        description:
          'The buckets the anomaly detector flags, or would have flagged, between `from` and `to`: each judged against a forecast fitted only on the data before it, refitted on the same cadence as live detection (daily at hour grain, weekly at day grain), so that a backfilled history shows what live detection would have raised. Computed on demand and kept: `complete` is false while it runs (the answer holds what is done; ask again for the rest).',
        params: WorkspaceParams,
        querystring: AnomalyQuery,
        response: {
          200: answer(AnomalyHistory, 'The flagged buckets, oldest first.'),
          400: failure('A brand not in the set, an unknown KPI, a bad or too long span (`invalid_query`).'),
          404: failure('The workspace does not exist (`unknown_workspace`).'),
        },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const { grain } = request.query;
      const kpi = app.kpis.referencedKpi(workspace, request.query.kpi);
      const brand = request.query.brand ?? ownBrand(workspace);
      requireBrands(workspace, [brand]);
      const toMs = request.query.to === undefined ? now() : parseInstant(request.query.to, 'to');
      const span = SPANS[grain];
      const fromMs =
        request.query.from === undefined ? toMs - span.fallback : parseInstant(request.query.from, 'from');
      if (toMs <= fromMs) {
        throw errors.invalidQuery(`"to" is not after "from".`, 'The span is [from, to).');
      }
      if (toMs - fromMs > span.most) {
        throw errors.invalidQuery(
          `A span of ${Math.round((toMs - fromMs) / DAY)} days is too long at ${grain} grain.`,
          `Ask for at most ${span.most / DAY} days at a time${grain === 'hour' ? ', or use grain=day' : ''}.`,
        );
      }
      if (kpi.formula.kind === 'dpi') {
        throw errors.invalidQuery(
          `The anomaly history does not cover the Digital Performance Index (${kpi.id}).`,
          'Ask for one of the KPIs it is made of.',
        );
      }
      return history.history(workspace, kpi, brand, grain, { fromMs, toMs }, waitMs);
    },
  );
};
