/**
 * The canonical trace line of a step (FORMAT.md "Canonical line"):
 *   STEP OP[ DETAIL] | BUF[ ; BUF]... | lt=LAST_TOOBIG st=FULL/BIG
 * and, in scenarios that use file operations ("Files, memory and lifetime"):
 *   ... | ref chan=K B<cpu>=K...[ freed=...] | fd=FD:BUF,... | map=ID:BUF:PAGES,...
 */
import type { BufferState, FileHandle, LifetimeState, StepResult, TraceStep } from './runner.ts';
import { ScenarioRunner } from './runner.ts';
import type { Scenario } from './scenario.ts';

const hex = (h: number): string => h.toString(16);
const handle = (h: FileHandle): string => ('fd' in h ? `fd=${h.fd}` : 'map' in h ? `map=${h.map}` : `cpu=${h.cpu}`);
const chunkList = (chunks: [number, number][]): string =>
  chunks.length === 0 ? '-' : chunks.map(([pos, len]) => `${pos}:${len}`).join(',');

function detail(result: StepResult): string {
  switch (result.kind) {
    case 'open':
      return result.ok ? '' : ` ERR ${result.reason}`;
    case 'err':
      return ' ERR';
    case 'write':
      return ` len=${result.len} pos=${result.pos}`;
    case 'reserve':
      return ` ptr=${result.ptr ?? 'NULL'}`;
    case 'read':
      return ` ret=${result.ret} ch=${chunkList(result.chunks)} ppos=${result.ppos} x=${hex(result.hash)}`;
    case 'poll':
      return ` m=${result.mask}`;
    case 'consume':
      return result.applied ? ' ok' : ' ign';
    case 'close':
      return result.warning === null ? '' : ` warn=${result.warning.lastToobig}>${result.warning.subbufSize}`;
    case 'file_err':
      return ` ${handle(result.handle)} ERR ${result.errno}`;
    case 'file_open':
      return ` cpu=${result.cpu} fd=${result.fd} file=${result.file}`;
    case 'file_close':
      return ` fd=${result.fd}`;
    case 'file_read':
      return ` fd=${result.fd} ret=${result.ret} ch=${chunkList(result.chunks)} ppos=${result.ppos} x=${hex(result.hash)}`;
    case 'file_poll':
      return ` fd=${result.fd} m=${result.mask}`;
    case 'file_mmap':
      return ` fd=${result.fd} map=${result.map} len=${result.length} pages=${result.pages}`;
    case 'file_mmap_read':
      return (
        ` map=${result.map} off=${result.offset} len=${result.length}` +
        ` flt=${result.faults.length === 0 ? '-' : result.faults.join('.')} x=${hex(result.hash)}`
      );
    case 'file_munmap':
      return ` map=${result.map}`;
    case 'mmap_view':
    case 'stats':
    case 'done':
      return '';
  }
}

/** One buffer; `stats` false prints `-` for the counters a kernel before v6.17 does not have. */
export function canonicalBuffer(b: BufferState, stats = true): string {
  return (
    `${b.label}:o=${b.offset},d=${b.data},p=${b.subbufsProduced},c=${b.subbufsConsumed},b=${b.bytesConsumed},` +
    `pad=${b.padding.join('.')},f=${b.finalized ? 1 : 0},fc=${stats ? b.fullCount : '-'},bc=${stats ? b.bigCount : '-'},sz=${b.iSize},` +
    `w=${b.sleepers},wk=${b.woken},h=${hex(b.memoryHash)}`
  );
}

/** The lifetime parts: references, what this step freed, open fds and mappings. */
export function canonicalLifetime(l: LifetimeState, buffers: BufferState[]): string {
  const refs = buffers.map((b) => ` ${b.label}=${b.kref}`).join('');
  const freed = l.freedNow.length === 0 ? '' : ` freed=${l.freedNow.join(',')}`;
  const fds = l.fds.length === 0 ? '-' : l.fds.map((f) => `${f.fd}:${f.buffer}`).join(',');
  const maps =
    l.mappings.length === 0
      ? '-'
      : l.mappings.map((m) => `${m.map}:${m.buffer}:${m.pages.length === 0 ? '-' : m.pages.join('.')}`).join(',');
  return `ref chan=${l.chanKref}${refs}${freed} | fd=${fds} | map=${maps}`;
}

/** `lifetime`: append the lifetime parts (scenarios that use file operations). */
export function canonicalLine(step: TraceStep, lifetime = false): string {
  if (step.result.kind === 'open' && !step.result.ok) return `${step.step} open${detail(step.result)}`;
  const s = step.stats;
  const buffers = step.buffers.map((b) => canonicalBuffer(b, s !== null)).join(' ; ');
  const line = `${step.step} ${step.op.op}${detail(step.result)} | ${buffers} | lt=${step.lastToobig} st=${s === null ? '-' : `${s.full}/${s.big}`}`;
  return lifetime ? `${line} | ${canonicalLifetime(step.lifetime, step.buffers)}` : line;
}

/** The canonical lines of a whole scenario, step 0 first. */
export function canonicalTrace(scenario: Scenario): string[] {
  const runner = new ScenarioRunner(scenario);
  return runner.runAll().map((step) => canonicalLine(step, runner.usesFiles));
}
