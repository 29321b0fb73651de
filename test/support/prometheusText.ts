/** One sample of a Prometheus text exposition. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelPair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

const parseValue = (text: string, line: number): number => {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`line ${line}: bad value ${text}`);
  return Number(text);
};

/**
 * Parses the Prometheus text format (version 0.0.4) strictly: every line is a `# HELP`, a `# TYPE` (given at
 * most once per metric, before its samples), another comment, a blank line, or a sample
 * `name{label="value",...} value [timestamp]`. Throws with the line number on anything else.
 */
export const parsePrometheusText = (
  text: string,
): { samples: PrometheusSample[]; types: Map<string, string> } => {
  const samples: PrometheusSample[] = [];
  const typeOf = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
      if (m === null) return; // a plain comment
      if (!metricName.test(m[2]!)) throw new Error(`line ${line}: bad metric name ${m[2]}`);
      if (m[1] === 'TYPE') {
        if (!types.has(m[3] ?? '')) throw new Error(`line ${line}: unknown type ${m[3]}`);
        if (typeOf.has(m[2]!)) throw new Error(`line ${line}: second TYPE for ${m[2]}`);
        typeOf.set(m[2]!, m[3]!);
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(raw);
    if (m === null) throw new Error(`line ${line}: not a sample: ${raw}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    labelPair.lastIndex = 0;
    while (labelPair.lastIndex < body.length) {
      const start = labelPair.lastIndex;
      const pair = labelPair.exec(body);
      if (pair === null || pair.index !== start) throw new Error(`line ${line}: bad labels {${body}}`);
      labels[pair[1]!] = pair[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: m[1]!, labels, value: parseValue(m[3]!, line) });
  });
  return { samples, types: typeOf };
};
