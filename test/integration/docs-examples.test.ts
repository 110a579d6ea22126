// Every example of README.md and docs/*.md runs against a real hub and prints the answer shown
// under it (the convention: test/helpers/docs-examples.ts, docs/testing.md). Each file's examples
// run in order on a hub of their own (later ones build on earlier ones), with real curl.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/child.js';
import {
  BASE_URL,
  type Block,
  curlWrapper,
  maskPlaceholders,
  maskTextPlaceholders,
  normalizeText,
  parseBlocks,
  runShell,
  splitJson,
} from '../helpers/docs-examples.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { TEST_PASSWORD } from '../helpers/sign-in.js';

const FILES = [
  'README.md',
  ...fs
    .readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

/**
 * The only shell blocks that do not run, and why: each starts a long-running process or a
 * measurement of minutes. A `<!-- not run -->` marker elsewhere fails the test.
 */
const NOT_RUN: { file: string; starts: string }[] = [
  { file: 'README.md', starts: 'npm install && npm start' }, // builds, then serves until stopped
  { file: 'README.md', starts: 'npm test' }, // the whole suite, this test included
  { file: 'docs/benchmarks.md', starts: 'npm run bench' }, // minutes of measurements
  { file: 'docs/operations.md', starts: 'npm start -- --port 9000' }, // serves until stopped
];

const blocksOf = (file: string) => parseBlocks(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'), file);
const ALL = FILES.flatMap(blocksOf);
const where = (b: Block) => `${b.file}:${b.line}`;
/** An example's first command, without its comment. */
const firstLine = (b: Block) =>
  (b.code.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '').replace(/\s+#.*$/, '');

let realCurl = '';
let scratch = '';
let wrapperDir = '';

beforeAll(() => {
  realCurl = execFileSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).trim();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-docs-'));
  wrapperDir = curlWrapper(scratch, realCurl);
});

afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the docs follow the convention', () => {
  it('shell examples are fenced as sh, and the skipped ones are exactly the listed few', () => {
    expect(ALL.filter((b) => ['bash', 'shell', 'console', 'zsh'].includes(b.lang)).map(where)).toEqual([]);
    const skipped = ALL.filter((b) => b.notRun !== undefined).map((b) => ({
      file: b.file,
      starts: firstLine(b),
    }));
    expect(skipped).toEqual(NOT_RUN);
    expect(ALL.filter((b) => b.notRun !== undefined && b.lang !== 'sh').map(where)).toEqual([]);
  });

  it('every file the docs list shows is shown whole, as it is in the repository', () => {
    const listings = ALL.filter((b) => b.listing !== undefined);
    expect(listings.length).toBeGreaterThan(0);
    for (const b of listings) {
      const shown = fs.readFileSync(path.join(REPO_ROOT, b.listing!), 'utf8');
      expect(b.code, `${where(b)} shows ${b.listing}`).toBe(shown);
    }
  });

  it('the Arrow file the examples post is what its script writes', async () => {
    const out = path.join(scratch, 'events.arrows');
    const run = await runShell(`npx tsx docs/examples/make-arrow.ts ${out}`, {
      cwd: REPO_ROOT,
      pathPrefix: wrapperDir,
      timeoutMs: 60_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(
      fs.readFileSync(out).equals(fs.readFileSync(path.join(REPO_ROOT, 'docs/examples/events.arrows'))),
    ).toBe(true);
  });

  it('examples reach the hub only through the documented base URL', () => {
    for (const b of ALL.filter((b) => b.lang === 'sh' && b.notRun === undefined)) {
      const rest = b.code.replaceAll(BASE_URL, '');
      expect(rest, where(b)).not.toMatch(/localhost:\d|127\.0\.0\.1:\d|\[::1\]:\d|:8080/);
    }
  });

  it('the API docs and the README hold examples with answers', () => {
    const answered = (file: string) => ALL.filter((b) => b.file === file && b.answer).length;
    expect(answered('README.md')).toBeGreaterThanOrEqual(2);
    expect(answered('docs/api.md')).toBeGreaterThanOrEqual(20);
  });

  it('an answer that drifts, or a placeholder out of place, does not match', () => {
    const shown = { accepted: 2, id: '…', rows: [{ value: 0.5 }] };
    const ok = { accepted: 2, id: 'q-17', rows: [{ value: 0.5 }] };
    expect(maskPlaceholders(shown, ok)).toEqual(shown);
    for (const drifted of [
      { ...ok, accepted: 3 },
      { ...ok, rows: [{ value: 0.5000000000000001 }] },
      { ...ok, rows: [] },
      { ...ok, extra: true },
      { accepted: 2, rows: [{ value: 0.5 }] },
    ]) {
      expect(maskPlaceholders(shown, drifted)).not.toEqual(shown);
    }
    const text = 'rows 24\nlast …\n';
    expect(maskTextPlaceholders(text, 'rows 24\r\nlast 2026-12-02 \n')).toBe(normalizeText(text));
    expect(maskTextPlaceholders(text, 'rows 25\nlast 2026-12-02')).not.toBe(normalizeText(text));
    expect(maskTextPlaceholders(text, 'rows 24\nfirst 2026-12-02')).not.toBe(normalizeText(text));
    expect(maskTextPlaceholders(text, 'rows 24')).not.toBe(normalizeText(text));
    expect(splitJson('{"a":1}{"b":"}{"}\n[2]')).toEqual([{ a: 1 }, { b: '}{' }, [2]]);
    expect(() => splitJson('{"a":1} 200')).toThrow();
  });
});

for (const file of FILES) {
  const examples = blocksOf(file).filter((b) => b.lang === 'sh' && b.notRun === undefined);
  if (examples.length === 0) continue;

  describe(file, () => {
    let hub: TestServer;
    let smtp: SmtpSink;
    beforeAll(async () => {
      // A real mail server for the report examples to send to.
      smtp = await startSmtpSink();
      // Raw rows are kept for a century, so that the corrections of the examples' past days stay
      // within the retention whenever the test runs.
      hub = await startServer({ rawRetentionDays: 36_500, smtpUrl: smtp.url });
    });
    afterAll(async () => {
      await hub?.close();
      await smtp?.close();
    });

    for (const example of examples) {
      it(`${where(example)} ${firstLine(example)}`, async () => {
        const script = example.code
          .replaceAll(BASE_URL, hub.url)
          .replaceAll(BASE_URL.replace('http:', 'ws:'), hub.url.replace('http:', 'ws:'));
        // As the docs say: $TOKEN holds the owner's session, $PASSWORD the password it signed in with.
        const run = await runShell(script, {
          cwd: REPO_ROOT,
          pathPrefix: wrapperDir,
          timeoutMs: 60_000,
          env: { TOKEN: hub.token, PASSWORD: TEST_PASSWORD },
        });
        const context = `${where(example)}\n${run.stderr}`;
        expect(run.code, context).toBe(0);
        const answer = example.answer;
        if (!answer) {
          expect(
            run.statuses.filter((s) => s >= 400),
            `${context}\n${run.stdout}`,
          ).toEqual([]);
          return;
        }
        if (answer.lang === 'text') {
          expect(maskTextPlaceholders(answer.code, run.stdout), context).toBe(normalizeText(answer.code));
          return;
        }
        const shown = splitJson(answer.code);
        const got = splitJson(run.stdout);
        expect(
          got.map((value, i) => maskPlaceholders(shown[i], value)),
          `${where(answer)}: the answer shown`,
        ).toEqual(shown);
      });
    }
  });
}
