// The little language of custom KPIs, e.g.
//   sum(clicks) / sum(impressions)
//   sum(engagements) / last(followers)
//   sum(mentions where source = "press") * 100
// parsed to a tree. The server evaluates the tree over rollup aggregates fetched with parameterized
// queries: no text of a formula ever reaches SQL.

export type Aggregation = 'sum' | 'last';
export type FilterField = 'source' | 'touchpoint';

export type FormulaNode =
  | { type: 'number'; value: number }
  | { type: 'aggregate'; fn: Aggregation; metric: string; where: { field: FilterField; value: string }[] }
  | { type: 'negate'; operand: FormulaNode }
  | { type: 'binary'; op: '+' | '-' | '*' | '/'; left: FormulaNode; right: FormulaNode };

export class FormulaError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

type Token =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'ident'; value: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i + 1;
    if (/[0-9.]/.test(c)) {
      const m = /^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i))!;
      if (!m) throw new FormulaError(`a number is malformed at position ${at}`, at);
      tokens.push({ kind: 'number', value: Number(m[0]), at });
      i += m[0].length;
    } else if (/[a-z_]/i.test(c)) {
      const m = /^[a-z_][a-z0-9_-]*/i.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', value: m[0], at });
      i += m[0].length;
    } else if (c === '"') {
      const close = text.indexOf('"', i + 1);
      if (close === -1) throw new FormulaError(`the string opened at position ${at} is never closed`, at);
      tokens.push({ kind: 'string', value: text.slice(i + 1, close), at });
      i = close + 1;
    } else if ('+-*/()='.includes(c)) {
      tokens.push({ kind: 'op', value: c, at });
      i++;
    } else {
      throw new FormulaError(`unexpected "${c}" at position ${at}`, at);
    }
  }
  tokens.push({ kind: 'end', at: text.length + 1 });
  return tokens;
}

const describe = (t: Token) =>
  t.kind === 'end' ? 'the end of the formula' : t.kind === 'string' ? `"${t.value}"` : `"${t.value}"`;

/** Parses a formula; a FormulaError says where (1-based position) and what was expected. */
export function parseFormula(text: string): FormulaNode {
  const tokens = tokenize(text);
  let p = 0;
  const peek = () => tokens[p]!;
  const fail = (expected: string): never => {
    const t = peek();
    throw new FormulaError(`expected ${expected} at position ${t.at}, found ${describe(t)}`, t.at);
  };
  const expectOp = (op: string) => {
    const t = peek();
    if (t.kind !== 'op' || t.value !== op) fail(`"${op}"`);
    p++;
  };

  function expression(): FormulaNode {
    let left = term();
    for (;;) {
      const t = peek();
      if (t.kind === 'op' && (t.value === '+' || t.value === '-')) {
        p++;
        left = { type: 'binary', op: t.value, left, right: term() };
      } else return left;
    }
  }
  function term(): FormulaNode {
    let left = factor();
    for (;;) {
      const t = peek();
      if (t.kind === 'op' && (t.value === '*' || t.value === '/')) {
        p++;
        left = { type: 'binary', op: t.value, left, right: factor() };
      } else return left;
    }
  }
  function factor(): FormulaNode {
    const t = peek();
    if (t.kind === 'number') {
      p++;
      return { type: 'number', value: t.value };
    }
    if (t.kind === 'op' && t.value === '-') {
      p++;
      return { type: 'negate', operand: factor() };
    }
    if (t.kind === 'op' && t.value === '(') {
      p++;
      const inner = expression();
      expectOp(')');
      return inner;
    }
    if (t.kind === 'ident' && (t.value === 'sum' || t.value === 'last')) {
      p++;
      expectOp('(');
      const metric = peek();
      if (metric.kind !== 'ident') fail('a metric id');
      p++;
      const where: { field: FilterField; value: string }[] = [];
      if (peek().kind === 'ident' && (peek() as { value: string }).value === 'where') {
        p++;
        for (;;) {
          const field = peek();
          if (field.kind !== 'ident' || (field.value !== 'source' && field.value !== 'touchpoint')) {
            fail('"source" or "touchpoint"');
          }
          p++;
          expectOp('=');
          const value = peek();
          if (value.kind !== 'string') fail('a quoted value such as "press"');
          p++;
          where.push({
            field: (field as { value: FilterField }).value,
            value: (value as { value: string }).value,
          });
          if (peek().kind === 'ident' && (peek() as { value: string }).value === 'and') {
            p++;
            continue;
          }
          break;
        }
      }
      expectOp(')');
      return { type: 'aggregate', fn: t.value, metric: (metric as { value: string }).value, where };
    }
    return fail('a number, "(", sum(…) or last(…)');
  }

  const tree = expression();
  if (peek().kind !== 'end') fail('an operator or the end of the formula');
  return tree;
}

/** The aggregates a formula reads, in order of appearance. */
export function aggregatesOf(node: FormulaNode): Extract<FormulaNode, { type: 'aggregate' }>[] {
  switch (node.type) {
    case 'number':
      return [];
    case 'aggregate':
      return [node];
    case 'negate':
      return aggregatesOf(node.operand);
    case 'binary':
      return [...aggregatesOf(node.left), ...aggregatesOf(node.right)];
  }
}
