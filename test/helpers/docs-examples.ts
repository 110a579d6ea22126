// The examples of README.md and docs/*.md, as test/integration/docs-examples.test.ts runs them.
//
// The convention (docs/testing.md tells it to writers):
// - a ```sh block is an example: it is run with bash from the repository root, its base URL
//   http://localhost:8080 pointed at a test hub;
// - a ```json or ```text block right after it (blank lines only between them) is the answer it must
//   print: JSON compared as values (a run of several JSON documents, one per command, is allowed),
//   text line by line; the string "…" stands for any value in JSON, for any text in a line of text;
// - without such a block, every HTTP answer of the example must be a success (below 400);
// - `<!-- not run: why -->` on the line before a ```sh block keeps it from running (the test holds
//   the list of those blocks: an example cannot be skipped unnoticed);
// - `<!-- listing: path -->` on the line before any block says it shows that file of the repository,
//   whole: the test checks that they are equal.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const BASE_URL = 'http://localhost:8080';
export const PLACEHOLDER = '…';
/** What the curl wrapper writes on stderr after each transfer, followed by the HTTP status. */
export const STATUS_MARK = 'docs-example-http-status:';

export interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** `not run` or `listing` comment right before the fence. */
  notRun?: string;
  listing?: string;
  /** The ```json or ```text block that follows a ```sh block. */
  answer?: Block;
}

const FENCE_OPEN = /^( *)```([\w-]*)\s*$/;
const MARKER = /^\s*<!--\s*(not run|listing):\s*(.*?)\s*-->\s*$/;

/** Every fenced block of a markdown text, with its marker and, for shell blocks, its answer. */
export function parseBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let marker: { kind: string; value: string } | undefined;
  let previous: { block: Block; end: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = FENCE_OPEN.exec(line);
    if (!open) {
      const m = MARKER.exec(line);
      if (m) marker = { kind: m[1]!, value: m[2]! };
      else if (line.trim() !== '') marker = undefined;
      continue;
    }
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    if (j === lines.length) throw new Error(`${file}:${i + 1}: a code block is never closed`);
    const block: Block = { file, line: i + 1, lang: open[2]!, code: body.join('\n') + '\n' };
    if (marker?.kind === 'not run') block.notRun = marker.value;
    if (marker?.kind === 'listing') block.listing = marker.value;
    const between = previous ? lines.slice(previous.end + 1, i) : [];
    if (
      previous?.block.lang === 'sh' &&
      (block.lang === 'json' || block.lang === 'text') &&
      between.every((l) => l.trim() === '')
    ) {
      previous.block.answer = block;
    }
    blocks.push(block);
    previous = { block, end: j };
    marker = undefined;
    i = j;
  }
  return blocks;
}

/** The JSON documents of a text that holds several one after the other (curl adds no newline). */
export function splitJson(text: string): unknown[] {
  const values: unknown[] = [];
  let start = -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new Error(`not a run of JSON objects or arrays: ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
  if (depth !== 0 || inString) throw new Error(`unfinished JSON: ${JSON.stringify(text.slice(0, 200))}`);
  return values;
}

/**
 * `actual` with "…" wherever `expected` has it, so that one deep equality (and its diff) compares
 * the rest.
 */
export function maskPlaceholders(expected: unknown, actual: unknown): unknown {
  if (expected === PLACEHOLDER) return PLACEHOLDER;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return actual.map((a, i) => (i < expected.length ? maskPlaceholders(expected[i], a) : a));
  }
  if (isObject(expected) && isObject(actual)) {
    return Object.fromEntries(
      Object.entries(actual).map(([k, v]) => [k, k in expected ? maskPlaceholders(expected[k], v) : v]),
    );
  }
  return actual;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Text answers: line ends and trailing blanks do not count. */
export const normalizeText = (text: string) =>
  text
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();

/**
 * `actual` (normalized) with each line that matches its shown line, "…" standing for any text in
 * it, replaced by the shown line: one string equality (and its diff) compares the rest.
 */
export function maskTextPlaceholders(shown: string, actual: string): string {
  const expected = normalizeText(shown).split('\n');
  return normalizeText(actual)
    .split('\n')
    .map((line, i) => {
      const pattern = expected[i];
      if (pattern === undefined || !pattern.includes(PLACEHOLDER)) return line;
      const escaped = pattern.split(PLACEHOLDER).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      return new RegExp(`^${escaped.join('.*')}$`).test(line) ? pattern : line;
    })
    .join('\n');
}

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** HTTP status of each curl transfer, in order. */
  statuses: number[];
}

/**
 * A directory holding a `curl` that runs the real one quietly (errors still shown) and reports
 * each transfer's HTTP status on stderr: put first on PATH.
 */
export function curlWrapper(dir: string, realCurl: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const script = `#!/bin/sh\nexec ${realCurl} -sS -w '%{stderr}\\n${STATUS_MARK}%{http_code}\\n' "$@"\n`;
  fs.writeFileSync(path.join(bin, 'curl'), script, { mode: 0o755 });
  return bin;
}

/** Runs an example with bash (errors and failed pipes stop it), without blocking the event loop. */
export function runShell(
  script: string,
  options: { cwd: string; pathPrefix: string; timeoutMs: number; env?: Record<string, string> },
): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: options.cwd,
      env: {
        ...process.env,
        ...options.env,
        PATH: `${options.pathPrefix}${path.delimiter}${process.env.PATH ?? ''}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const statuses = [...stderr.matchAll(new RegExp(`${STATUS_MARK}(\\d+)`, 'g'))].map((m) => Number(m[1]));
      const rest = stderr
        .split('\n')
        .filter((l) => !l.startsWith(STATUS_MARK) && l !== '')
        .join('\n');
      resolve({ code, stdout, stderr: rest, statuses });
    });
  });
}
