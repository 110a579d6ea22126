import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

// A request the route schemas refuse is a 400 whose message names the field, quotes what was sent
// and says what is accepted: one sentence per field, whatever Ajv reported on the way (a union of
// six literals is six "must be equal to constant" to it).

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, 'v');
});
afterAll(async () => {
  await server.close();
});

const send = (method: string, path: string, body?: unknown) =>
  fetch(`${server.url}/api/v1/workspaces/v${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

/** The message of a 400 invalid_request. */
const refusal = async (response: Response) => (await expectError(response, 400, 'invalid_request')).message;

const KPI = { label: 'Clicks', formula: 'sum(clicks)', unit: 'count', direction: 'higher' };
const WALL = { kpis: ['share_of_voice'], boards: ['tiles'], window: '7d', rotateSeconds: 30 };

describe('a 400 from the route schemas', () => {
  it('a literal outside a union: the field, the value and the whole list, once', async () => {
    const message = await refusal(await send('PUT', '/kpis/my_kpi', { ...KPI, unit: 'furlongs' }));
    expect(message).toBe(
      'body.unit must be one of "count", "percent", "position", "rating", "people", "index"; got "furlongs".',
    );
    expect(message).not.toMatch(/equal to constant|anyOf/);
  });

  it('an enum in a query string: query.grain and its values', async () => {
    const response = await send(
      'GET',
      '/kpis/share_of_voice/series?grain=fortnight&from=2026-03-01T00:00:00Z&to=2026-03-08T00:00:00Z',
    );
    expect(await refusal(response)).toBe(
      'query.grain must be one of "hour", "day", "week"; got "fortnight".',
    );
  });

  it('a number out of range: its range, in a query and in a body', async () => {
    expect(await refusal(await send('GET', '/quarantine?limit=5000'))).toBe(
      'query.limit must be an integer from 1 to 1000; got 5000.',
    );
    expect(await refusal(await send('GET', '/quarantine?limit=many'))).toBe(
      'query.limit must be an integer from 1 to 1000; got "many".',
    );
    expect(await refusal(await send('PUT', '/wall', { ...WALL, rotateSeconds: 1 }))).toBe(
      'body.rotateSeconds must be an integer from 5 to 600; got 1.',
    );
    expect(await refusal(await send('PUT', '/dpi-weights', { touchpoints: { site: -1 }, kpis: {} }))).toBe(
      'body.touchpoints.site must be a number of at least 0; got -1.',
    );
  });

  it('a string too long: its length limit, and the start of what was sent with its length', async () => {
    const message = await refusal(await send('PUT', '/kpis/my_kpi', { ...KPI, label: 'x'.repeat(300) }));
    expect(message).toBe(
      `body.label must be a string of 1 to 200 characters; got "${'x'.repeat(40)}"… (300 characters).`,
    );
    const long = await send(
      'GET',
      `/benchmark?${new URLSearchParams({ kpi: 'share_of_voice', window: '7d', source: 'web,'.repeat(750) })}`,
    );
    expect(await refusal(long)).toMatch(
      /^query\.source must be a string of at most 2000 characters; got "(web,)+w?e?b?"… \(3000 characters\)\.$/,
    );
  });

  it('a pattern: the pattern', async () => {
    const objective = {
      kpi: 'share_of_voice',
      period: { calendar: 'month' },
      target: 1,
      direction: 'at_least',
    };
    expect(await refusal(await send('PUT', '/objectives/Not!An-Id', objective))).toBe(
      'path.id must be a string matching ^[a-z0-9][a-z0-9_-]{0,63}$; got "Not!An-Id".',
    );
  });

  it('a missing required field: its name and what it must be', async () => {
    const noLabel: Partial<typeof KPI> = { ...KPI };
    delete noLabel.label;
    expect(await refusal(await send('PUT', '/kpis/my_kpi', noLabel))).toBe(
      'body.label is missing: it must be a string of 1 to 200 characters.',
    );
    expect(await refusal(await send('GET', '/benchmark?window=7d'))).toBe(
      'query.kpi is missing: it must be a string of at most 64 characters.',
    );
  });

  it('a property the route does not take: its name, its value and the fields there are', async () => {
    expect(await refusal(await send('PUT', '/wall', { ...WALL, colour: 'red' }))).toBe(
      'body.colour (got "red") is not a field here: the fields are kpis, boards, window and rotateSeconds.',
    );
  });

  it('a list too short: its bounds and how many items came', async () => {
    expect(await refusal(await send('PUT', '/wall', { ...WALL, kpis: [] }))).toBe(
      'body.kpis must be a list of 1 to 12 items, each a string of at most 64 characters; got 0 items.',
    );
    expect(await refusal(await send('PUT', '/wall', { ...WALL, boards: ['tiles', 'weather'] }))).toBe(
      'body.boards[1] must be one of "tiles", "share_of_voice", "sentiment", "dpi", "alerts"; got "weather".',
    );
  });

  it('a union of objects: the branch the value was meant for, or every form when none fits', async () => {
    const objective = { kpi: 'share_of_voice', target: 0.5, direction: 'at_least' };
    expect(
      await refusal(await send('PUT', '/objectives/o1', { ...objective, period: { calendar: 'decade' } })),
    ).toBe('body.period.calendar must be one of "month", "quarter", "year"; got "decade".');
    expect(
      await refusal(
        await send('PUT', '/objectives/o1', {
          ...objective,
          period: { from: 'soon', to: '2026-04-01T00:00:00Z' },
        }),
      ),
    ).toBe('body.period.from must be an ISO 8601 date-time such as 2026-03-10T10:00:00Z; got "soon".');
    expect(
      await refusal(
        await send('PUT', '/objectives/o1', { ...objective, period: { from: '2026-03-01T00:00:00Z' } }),
      ),
    ).toBe(
      'body.period must be an object with from and to or an object with calendar; got {"from":"2026-03-01T00:00:00Z"}.',
    );
  });
});
