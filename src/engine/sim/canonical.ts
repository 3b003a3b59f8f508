/**
 * The canonical trace line of a step (FORMAT.md "Canonical line"):
 *   STEP OP[ DETAIL] | BUF[ ; BUF]... | lt=LAST_TOOBIG st=FULL/BIG
 */
import type { BufferState, StepResult, TraceStep } from './runner.ts';
import { runScenario } from './runner.ts';
import type { Scenario } from './scenario.ts';

const hex = (h: number): string => h.toString(16);

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
    case 'read': {
      const chunks = result.chunks.length === 0 ? '-' : result.chunks.map(([pos, len]) => `${pos}:${len}`).join(',');
      return ` ret=${result.ret} ch=${chunks} ppos=${result.ppos} x=${hex(result.hash)}`;
    }
    case 'poll':
      return ` m=${result.mask}`;
    case 'consume':
      return result.applied ? ' ok' : ' ign';
    case 'mmap_view':
    case 'stats':
    case 'done':
      return '';
  }
}

export function canonicalBuffer(b: BufferState): string {
  return (
    `${b.label}:o=${b.offset},d=${b.data},p=${b.subbufsProduced},c=${b.subbufsConsumed},b=${b.bytesConsumed},` +
    `pad=${b.padding.join('.')},f=${b.finalized ? 1 : 0},fc=${b.fullCount},bc=${b.bigCount},sz=${b.iSize},` +
    `w=${b.sleepers},wk=${b.woken},h=${hex(b.memoryHash)}`
  );
}

export function canonicalLine(step: TraceStep): string {
  if (step.result.kind === 'open' && !step.result.ok) return `${step.step} open${detail(step.result)}`;
  const buffers = step.buffers.map(canonicalBuffer).join(' ; ');
  return `${step.step} ${step.op.op}${detail(step.result)} | ${buffers} | lt=${step.lastToobig} st=${step.stats.full}/${step.stats.big}`;
}

/** The canonical lines of a whole scenario, step 0 first. */
export function canonicalTrace(scenario: Scenario): string[] {
  return runScenario(scenario).map(canonicalLine);
}
