// The import rule of STYLE.md, checked mechanically over every non-test .ts/.tsx file under src/:
// which top-level folder may import which, kernel never importing sim, and an engine free of
// clocks, randomness and browser or Node globals.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as engine from './engine/index.ts';

const SRC = dirname(fileURLToPath(import.meta.url));

/** A top-level folder of src/, `root` for files directly in src/, `outside` for anything beyond src/. */
type Layer = 'engine' | 'workers' | 'store' | 'panels' | 'lib' | 'cli' | 'root' | 'outside';

const LAYERS: readonly Layer[] = ['engine', 'workers', 'store', 'panels', 'lib', 'cli'];

interface Allowed {
  /** Layers that may be imported for values (and types). */
  readonly values: readonly Layer[];
  /** Layers that may be imported only with `import type` / `export type`. */
  readonly typesOnly: readonly Layer[];
}

/** The table in STYLE.md ("Which folder may import which"). Files directly in src/ may import anything. */
const MAY_IMPORT: Readonly<Record<Exclude<Layer, 'root' | 'outside'>, Allowed>> = {
  engine: { values: ['engine'], typesOnly: [] },
  workers: { values: ['engine', 'workers'], typesOnly: [] },
  store: { values: ['engine', 'store', 'lib'], typesOnly: ['workers'] },
  panels: { values: ['engine', 'store', 'panels', 'lib'], typesOnly: [] },
  lib: { values: ['lib'], typesOnly: [] },
  cli: { values: ['engine', 'lib', 'cli'], typesOnly: [] },
};

/** What no non-test file under src/engine/ may mention: time, randomness, and host globals. */
const ENGINE_FORBIDDEN: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'Date.now', pattern: /(?<![\w$.])Date\.now\b/ },
  { name: 'performance.now', pattern: /(?<![\w$.])performance\.now\b/ },
  { name: 'Math.random', pattern: /(?<![\w$.])Math\.random\b/ },
  { name: 'window', pattern: /(?<![\w$.])window\b/ },
  { name: 'document', pattern: /(?<![\w$.])document\b/ },
  { name: 'self.', pattern: /(?<![\w$.])self\./ },
  { name: 'postMessage', pattern: /(?<![\w$])postMessage\b/ },
  { name: 'Worker', pattern: /(?<![\w$.])Worker\b/ },
  { name: 'process.', pattern: /(?<![\w$.])process\./ },
];

interface ImportRef {
  readonly specifier: string;
  /** 1-based line of the statement. */
  readonly line: number;
  /** `import type ...` or `export type ... from`: erased from the output, so no runtime edge. */
  readonly typeOnly: boolean;
  /** The names a `{ ... }` list imports or re-exports (before any `as`); empty for other forms. */
  readonly names: readonly string[];
}

/**
 * A field's place in the engine's memory: the B_ and CH_ fields of layout.ts, its W_ words, the
 * P_/R_/I_/C_ counters and L_ locks of stats.ts, the CTL_ and F_ words of live.ts's control block.
 * Only the engine may name one; views read through its read API.
 */
const FIELD_OFFSET = /^(?:B|CH|W|P|R|I|C|L|CTL|F)_[A-Z0-9_]+$/;

/** The engine's public surface: the one engine module that code outside src/engine may import. */
const ENGINE_ENTRY = 'engine/index.ts';

/**
 * Replaces comments by spaces (newlines kept, so offsets and line numbers stay right) and leaves
 * string and template literals alone, so that `'//'` inside a string is not taken for a comment.
 */
function blankComments(text: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') {
        out.push(' ');
        i++;
      }
    } else if (c === '/' && next === '*') {
      out.push('  ');
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) {
        out.push(text[i] === '\n' ? '\n' : ' ');
        i++;
      }
      if (i < text.length) {
        out.push('  ');
        i += 2;
      }
    } else if (c === '"' || c === "'" || c === '`') {
      const end = stringEnd(text, i);
      out.push(text.slice(i, end));
      i = end;
    } else {
      out.push(c);
      i++;
    }
  }
  return out.join('');
}

/**
 * The offset just past the string or template literal that opens at `start`. A quote or
 * double-quote string also ends at a newline, so that a stray quote (in a regex literal, say)
 * cannot swallow more than its own line.
 */
function stringEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return i + 1;
    else if (c === '\n' && quote !== '`') return i;
  }
  return text.length;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text[i] === '\n') line++;
  return line;
}

/** Every module a file refers to: static imports and re-exports, side-effect and dynamic imports, worker URLs. */
function importsOf(source: string): ImportRef[] {
  const text = blankComments(source);
  const found: { offset: number; ref: Omit<ImportRef, 'line'> }[] = [];
  const patterns: { regex: RegExp; typeOnly: (m: RegExpExecArray) => boolean; spec: number; list?: number }[] = [
    // import x from '...'; import type { X } from '...'; export { x } from '...'; export * from '...'
    {
      regex:
        /\b(?:import|export)\s+(type\s+)?(?:[\w$]+\s*,\s*)?(?:\*(?:\s+as\s+[\w$]+)?|\{([^{}]*)\}|[\w$]+)\s*from\s*(['"])([^'"\n]+)\3/g,
      typeOnly: (m) => m[1] !== undefined,
      spec: 4,
      list: 2,
    },
    // import '...';
    { regex: /\bimport\s*(['"])([^'"\n]+)\1/g, typeOnly: () => false, spec: 2 },
    // import('...'), also in types: typeof import('...')
    { regex: /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g, typeOnly: () => false, spec: 2 },
    // new Worker(new URL('./x.worker.ts', import.meta.url))
    {
      regex: /\bnew\s+URL\s*\(\s*(['"])([^'"\n]+)\1\s*,\s*import\.meta\.url\s*\)/g,
      typeOnly: () => false,
      spec: 2,
    },
  ];
  for (const { regex, typeOnly, spec, list } of patterns) {
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      const names = list === undefined || m[list] === undefined ? [] : namesOf(m[list]);
      found.push({ offset: m.index, ref: { specifier: m[spec], typeOnly: typeOnly(m), names } });
    }
  }
  return found
    .toSorted((a, b) => a.offset - b.offset)
    .map(({ offset, ref }) => ({ ...ref, line: lineAt(text, offset) }));
}

/** The names of an import or export list, `a, type B, c as d` -> a, B, c. */
function namesOf(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0])
    .filter((name) => name !== '');
}

/** The layer of a path relative to src/, in POSIX form. */
function layerOf(srcPath: string): Layer | undefined {
  if (srcPath.startsWith('../') || srcPath === '..') return 'outside';
  const parts = srcPath.split('/');
  if (parts.length === 1) return 'root';
  return LAYERS.find((layer) => layer === parts[0]);
}

/**
 * The violations in one file, each as "src/<path>:<line>: <what>".
 * `srcPath` is the file's path relative to src/ with forward slashes.
 */
function checkFile(srcPath: string, source: string): string[] {
  const where = (line: number) => `src/${srcPath}:${line}`;
  const violations: string[] = [];
  const from = layerOf(srcPath);
  if (from === undefined) {
    return [`${where(1)}: folder src/${srcPath.split('/')[0]}/ is not in the import table of STYLE.md`];
  }

  for (const ref of importsOf(source)) {
    if (!ref.specifier.startsWith('.')) continue; // packages: not this rule's business
    const bare = ref.specifier.replace(/[?#].*$/, '');
    const target = posix.normalize(posix.join(posix.dirname(srcPath), bare));
    const to = layerOf(target);
    const describeRef = `imports '${ref.specifier}'`;

    if (from !== 'engine' && to === 'engine') {
      const who = from === 'root' ? 'src/' : from;
      // Assets (`?raw` scenario files) are data, not modules.
      if (target !== ENGINE_ENTRY && !ref.specifier.endsWith('?raw')) {
        violations.push(`${where(ref.line)}: ${who} ${describeRef}: outside the engine, import its public surface (src/${ENGINE_ENTRY})`);
      }
      for (const name of ref.names.filter((n) => FIELD_OFFSET.test(n))) {
        violations.push(`${where(ref.line)}: ${who} imports the field offset ${name}: read it through the engine's read API`);
      }
    }
    if (from === 'root' || from === 'outside') continue; // the composition root may import anything
    const allowed = MAY_IMPORT[from];
    if (to === undefined || to === 'root' || to === 'outside') {
      violations.push(`${where(ref.line)}: ${from} ${describeRef}, outside the folders ${from} may use`);
    } else if (!allowed.values.includes(to)) {
      if (allowed.typesOnly.includes(to)) {
        if (!ref.typeOnly) {
          violations.push(`${where(ref.line)}: ${from} ${describeRef} (${to}) without 'import type'`);
        }
      } else {
        violations.push(`${where(ref.line)}: ${from} may not import ${to}: ${describeRef}`);
      }
    }
    if (srcPath.startsWith('engine/kernel/') && target.startsWith('engine/sim/')) {
      violations.push(`${where(ref.line)}: engine/kernel may not import engine/sim: ${describeRef}`);
    }
  }

  if (from !== 'engine') {
    // The engine's raw views of memory: a read through one is a read by a field's place.
    blankComments(source)
      .split('\n')
      .forEach((text, index) => {
        const raw = /\.(ctl|f64|words)\s*\[/.exec(text);
        if (raw !== null) violations.push(`${where(index + 1)}: reads the engine's memory by index (.${raw[1]}[...]): use the engine's read API`);
      });
  }

  if (from === 'engine') {
    const lines = blankComments(source).split('\n');
    lines.forEach((text, index) => {
      for (const { name, pattern } of ENGINE_FORBIDDEN) {
        if (pattern.test(text)) violations.push(`${where(index + 1)}: the engine mentions ${name}`);
      }
    });
  }
  return violations;
}

/** Every non-test .ts/.tsx file under src/, as POSIX paths relative to src/. */
function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .map((path) => path.split(sep).join('/'))
    .filter((path) => /\.tsx?$/.test(path) && !/\.test\.tsx?$/.test(path))
    .toSorted();
}

describe('the import rule of STYLE.md', () => {
  it('holds for every non-test source file under src/', () => {
    const files = sourceFiles();
    expect(files).toContain('main.tsx');
    const violations = files.flatMap((path) => checkFile(path, readFileSync(join(SRC, path), 'utf8')));
    expect(violations, `violations:\n${violations.join('\n')}`).toEqual([]);
  });
});

describe("the engine's public surface", () => {
  it('names no field offset: where a field lives stays inside the engine', () => {
    expect(Object.keys(engine).filter((name) => FIELD_OFFSET.test(name))).toEqual([]);
  });

  it('is named exports only, no export *', () => {
    const text = blankComments(readFileSync(join(SRC, ENGINE_ENTRY), 'utf8'));
    expect(text).not.toMatch(/\bexport\s*\*/);
  });
});

describe('the checker itself', () => {
  it('lets code outside the engine import only its public surface, and no field offset', () => {
    const source = [
      "import { pictureBuffer, type RchanBuf } from '../../engine/index.ts';",
      "import { B_SUBBUFS_PRODUCED, type CpuCounters } from '../../engine/index.ts';",
      "import { inspectSubbuf } from '../../engine/sim/subbufView.ts';",
      "import text from '../../engine/sim/conformance/scenarios/s01.json?raw';",
      'import {',
      '  P_WRITTEN,',
      '  R_INTACT as read,',
      "} from '../../engine/index.ts';",
    ].join('\n');
    expect(checkFile('panels/live/LivePanel.tsx', source)).toEqual([
      "src/panels/live/LivePanel.tsx:2: panels imports the field offset B_SUBBUFS_PRODUCED: read it through the engine's read API",
      "src/panels/live/LivePanel.tsx:3: panels imports '../../engine/sim/subbufView.ts': outside the engine, import its public surface (src/engine/index.ts)",
      "src/panels/live/LivePanel.tsx:5: panels imports the field offset P_WRITTEN: read it through the engine's read API",
      "src/panels/live/LivePanel.tsx:5: panels imports the field offset R_INTACT: read it through the engine's read API",
    ]);
    expect(checkFile('main.tsx', "import { CH_N_BUFS, W_SLEEPERS } from './engine/index.ts';")).toEqual([
      "src/main.tsx:1: src/ imports the field offset CH_N_BUFS: read it through the engine's read API",
      "src/main.tsx:1: src/ imports the field offset W_SLEEPERS: read it through the engine's read API",
    ]);
    expect(checkFile('engine/sim/views.ts', "import { B_OFFSET } from '../kernel/layout.ts';\nconst o = buf.ctl[B_OFFSET];")).toEqual([]);
    expect(checkFile('panels/x/X.tsx', 'const p = run.chan.buf(0)?.ctl[3] ?? 0;\n// buf.ctl[3] in a comment is fine\nconst w = buf.words [0];')).toEqual([
      "src/panels/x/X.tsx:1: reads the engine's memory by index (.ctl[...]): use the engine's read API",
      "src/panels/x/X.tsx:3: reads the engine's memory by index (.words[...]): use the engine's read API",
    ]);
    expect(checkFile('workers/client.ts', "import { RUN, PRODUCERS, SUBBUF_READY, RELAY_FILE_MODE } from '../engine/index.ts';")).toEqual([]);
  });


  it('lets the engine import only the engine', () => {
    expect(checkFile('engine/sim/run.ts', "import { x } from '../kernel/relay.ts';")).toEqual([]);
    expect(checkFile('engine/sim/run.ts', "import { y } from '../../lib/format.ts';")).toEqual([
      "src/engine/sim/run.ts:1: engine may not import lib: imports '../../lib/format.ts'",
    ]);
  });

  it('reports a panel importing a worker, with file and line', () => {
    const source = "import { a } from '../../store/index.ts';\n\nimport { client } from '../../workers/client.ts';\n";
    expect(checkFile('panels/buffers/Buffers.tsx', source)).toEqual([
      "src/panels/buffers/Buffers.tsx:3: panels may not import workers: imports '../../workers/client.ts'",
    ]);
  });

  it("lets the store import workers only with 'import type'", () => {
    expect(checkFile('store/index.ts', "import type { Client } from '../workers/client.ts';")).toEqual([]);
    expect(checkFile('store/index.ts', "import { type Client } from '../workers/client.ts';")).toEqual([
      "src/store/index.ts:1: store imports '../workers/client.ts' (workers) without 'import type'",
    ]);
  });

  it('reads multi-line imports, re-exports, side-effect and dynamic imports and worker URLs', () => {
    const source = [
      'import {',
      '  a,',
      '  b,',
      "} from '../store/a.ts';",
      "export * from '../panels/x.tsx';",
      "import '../lib/side.ts';",
      "const m = await import('../cli/main.ts');",
      "new Worker(new URL('./producer.worker.ts', import.meta.url), { type: 'module' });",
    ].join('\n');
    expect(importsOf(source).map((ref) => `${ref.line} ${ref.specifier}`)).toEqual([
      '1 ../store/a.ts',
      '5 ../panels/x.tsx',
      '6 ../lib/side.ts',
      '7 ../cli/main.ts',
      '8 ./producer.worker.ts',
    ]);
    expect(checkFile('lib/thing.ts', source)).toEqual([
      "src/lib/thing.ts:1: lib may not import store: imports '../store/a.ts'",
      "src/lib/thing.ts:5: lib may not import panels: imports '../panels/x.tsx'",
      "src/lib/thing.ts:7: lib may not import cli: imports '../cli/main.ts'",
    ]);
  });

  it('gives a re-export the line of its own statement', () => {
    const source = [
      'export interface Options { size: number }',
      'export const n = 1',
      "export type { Client } from '../workers/client.ts';",
      "export { run } from '../workers/run.ts';",
    ].join('\n');
    expect(importsOf(source)).toEqual([
      { specifier: '../workers/client.ts', typeOnly: true, line: 3, names: ['Client'] },
      { specifier: '../workers/run.ts', typeOnly: false, line: 4, names: ['run'] },
    ]);
  });

  it('keeps the kernel away from sim', () => {
    expect(checkFile('engine/kernel/relay.ts', "import { s } from '../sim/scheduler.ts';")).toEqual([
      "src/engine/kernel/relay.ts:1: engine/kernel may not import engine/sim: imports '../sim/scheduler.ts'",
    ]);
  });

  it('reports clocks, randomness and host globals in the engine, but not in comments', () => {
    const source = [
      '// Date.now() is never called here; window and document are for the app',
      'const t = Date.now();',
      'const r = Math.random();',
      'self.postMessage(r);',
      'if (typeof process.env.X === "string") {}',
      'const w = new Worker("x");',
      '/* performance.now() */ const p = performance.now();',
      'const ok = state.window + nextWindow + record.process;',
      "const url = 'a//b'; const z = Math.random();",
    ].join('\n');
    expect(checkFile('engine/sim/clock.ts', source)).toEqual([
      'src/engine/sim/clock.ts:2: the engine mentions Date.now',
      'src/engine/sim/clock.ts:3: the engine mentions Math.random',
      'src/engine/sim/clock.ts:4: the engine mentions self.',
      'src/engine/sim/clock.ts:4: the engine mentions postMessage',
      'src/engine/sim/clock.ts:5: the engine mentions process.',
      'src/engine/sim/clock.ts:6: the engine mentions Worker',
      'src/engine/sim/clock.ts:7: the engine mentions performance.now',
      'src/engine/sim/clock.ts:9: the engine mentions Math.random',
    ]);
  });

  it('ignores package imports and lets files directly in src/ import anything', () => {
    expect(checkFile('lib/raf.ts', "import { scaleLinear } from 'd3-scale';")).toEqual([]);
    expect(checkFile('main.tsx', "import { x } from './workers/client.ts';\nimport './panels/a.tsx';")).toEqual([]);
  });

  it('reports a folder that the table does not know', () => {
    expect(checkFile('utils/x.ts', '')).toEqual(['src/utils/x.ts:1: folder src/utils/ is not in the import table of STYLE.md']);
  });
});
