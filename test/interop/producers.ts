// Arrow IPC producers for the ingest tests: Python pyarrow and polars (arrow_producers.py, run
// with python3, many cases per process), and the JavaScript ones in this process. Also reads back
// what the hub stored, exactly (epoch microseconds as BigInt, values as doubles).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestServer } from '../helpers/server.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'arrow_producers.py');

export interface PyColumn {
  name: string;
  /** A pyarrow type expression, e.g. "pa.decimal128(12, 2)" or "pa.dictionary(pa.int8(), pa.string())". */
  type?: string;
  /** A Python expression building the array instead (pa, pc, decimal and `values` in scope). */
  expr?: string;
  /** Values as JSON: decimals and integers past 2^53 as strings; "NaN", "Infinity" for floats. */
  values?: unknown[];
  /** The dictionary's entries, for a dictionary type (`values` are then the indices). */
  dictionary?: unknown[];
}

export interface PolarsColumn {
  name: string;
  /** A polars dtype expression, e.g. "pl.Categorical". */
  dtype?: string;
  /** A Python expression building the Series (pl and `values` in scope). */
  expr?: string;
  values?: unknown[];
}

export type PyCase =
  | {
      producer: 'pyarrow';
      compression?: 'lz4' | 'zstd' | null;
      format?: 'stream' | 'file';
      /** pa.ipc.IpcWriteOptions(emit_dictionary_deltas=True) */
      deltas?: boolean;
      /** writer.write_table(table, max_chunksize=chunk): several batches, as pyarrow cuts them. */
      chunk?: number;
      batches: { columns: PyColumn[] }[];
    }
  | { producer: 'polars'; compression?: 'uncompressed' | 'lz4' | 'zstd'; columns: PolarsColumn[] };

const NEEDED =
  'These tests need python3 with pyarrow==25.0.1 and polars==1.44.2 (CI installs them: pip install pyarrow==25.0.1 polars==1.44.2)';

function runPython(input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new Error(`${NEEDED}; python3 could not start: ${error.message}`)));
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString();
      if (code !== 0) {
        const missing = /ModuleNotFoundError|No module named/.test(stderr);
        reject(
          new Error(`${missing ? NEEDED : 'arrow_producers.py failed'} (exit ${code}): ${stderr.trim()}`),
        );
      } else resolve(Buffer.concat(out).toString());
    });
    child.stdin.end(input);
  });
}

/** The versions the Python producers run with; fails with what to install when they are missing. */
export async function pythonVersions(): Promise<{ pyarrow: string; polars: string | null }> {
  const versions = JSON.parse(await runPython(JSON.stringify({ versions: true }))) as {
    pyarrow: string;
    polars: string | null;
  };
  if (!versions.polars) throw new Error(`${NEEDED}; polars is missing`);
  return versions;
}

/** Streams written by pyarrow / polars, one per case, in one Python process. */
export async function pythonStreams(cases: PyCase[]): Promise<Uint8Array[]> {
  if (cases.length === 0) return [];
  const lines = (await runPython(JSON.stringify({ cases }))).trim().split('\n');
  if (lines.length !== cases.length)
    throw new Error(`arrow_producers.py answered ${lines.length} of ${cases.length} cases`);
  return lines.map((line, i) => {
    const answer = JSON.parse(line) as { ok: boolean; b64?: string; error?: string };
    if (!answer.ok) throw new Error(`case ${i} (${JSON.stringify(cases[i]).slice(0, 300)}): ${answer.error}`);
    return new Uint8Array(Buffer.from(answer.b64!, 'base64'));
  });
}

export const ARROW = 'application/vnd.apache.arrow.stream';

export interface IngestAnswer {
  status: number;
  body: {
    accepted?: number;
    rejected?: number;
    errors?: { row: number; field: string; code: string; message: string }[];
    error?: { code: string; message: string; hint: string };
  };
}

export async function postArrow(url: string, workspace: string, bytes: Uint8Array): Promise<IngestAnswer> {
  const response = await fetch(`${url}/api/v1/workspaces/${workspace}/events`, {
    method: 'POST',
    headers: { 'content-type': ARROW },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as IngestAnswer['body'] };
}

export interface StoredEvent {
  brand: string;
  touchpoint: string;
  source: string;
  metric: string;
  /** Epoch microseconds, exactly. */
  us: bigint;
  value: number;
}

/** Every raw event stored for a workspace, straight from the DuckDB file, by (source, ts). */
export async function storedEvents(server: TestServer, workspace: string): Promise<StoredEvent[]> {
  const rows = await server.app.db.read((sql) =>
    sql.rows<Omit<StoredEvent, 'us'> & { us: string }>(
      `SELECT s.brand, s.touchpoint, s.source, s.metric, epoch_us(e.ts)::VARCHAR AS us, e.value
       FROM events e JOIN series s ON s.ws = e.ws AND s.id = e.series
       JOIN workspaces w ON w.key = e.ws
       WHERE w.id = $id ORDER BY s.source, e.ts`,
      { id: workspace },
    ),
  );
  return rows.map((r) => ({ ...r, us: BigInt(r.us) }));
}

/** Epoch microseconds of an ISO 8601 instant (milliseconds at most). */
export const usOf = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

/** One Python process answering case after case (arrow_producers.py --serve), for property runs. */
export class PythonProducer {
  private readonly child = spawn('python3', [SCRIPT, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
  private buffered = '';
  private stderr = '';
  private readonly waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];

  constructor() {
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buffered += chunk;
      for (let end = this.buffered.indexOf('\n'); end >= 0; end = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 1);
        this.waiting.shift()?.resolve(line);
      }
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    const fail = (why: string) => {
      const missing = /ModuleNotFoundError|No module named/.test(this.stderr);
      const error = new Error(
        `${missing ? NEEDED : 'arrow_producers.py --serve stopped'}: ${why} ${this.stderr.trim()}`,
      );
      for (const w of this.waiting.splice(0)) w.reject(error);
    };
    this.child.on('error', (error) => fail(`${NEEDED}; python3 could not start: ${error.message}`));
    this.child.on('close', (code) => fail(`exit ${code}`));
  }

  write(spec: PyCase): Promise<Uint8Array> {
    return new Promise<string>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(spec)}\n`);
    }).then((line) => {
      const answer = JSON.parse(line) as { ok: boolean; b64?: string; error?: string };
      if (!answer.ok) throw new Error(`${JSON.stringify(spec).slice(0, 300)}: ${answer.error}`);
      return new Uint8Array(Buffer.from(answer.b64!, 'base64'));
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
