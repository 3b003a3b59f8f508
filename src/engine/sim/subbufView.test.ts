import { describe, expect, it } from 'vitest';
import { W_SWITCH } from '../kernel/index.ts';
import { ScenarioRunner } from './runner.ts';
import type { Scenario, ScenarioOp } from './scenario.ts';
import {
  SUBBUF_CONSUMED,
  SUBBUF_FREE,
  SUBBUF_OVERWRITING,
  SUBBUF_READY,
  SUBBUF_WRITING,
  bufferPicture,
  inspectSubbuf,
  pictureBuffer,
} from './subbufView.ts';

const write = (size: number): ScenarioOp => ({ op: 'write', cpu: 0, size });
const config = (mode: string) => ({ cpus: 1, subbufSize: 64, nSubbufs: 4, mode, global: false, headerReserve: 0, online: [0] });

/** Runs `ops` and pictures CPU 0's buffer. */
function picture(mode: string, ops: ScenarioOp[]) {
  const scenario: Scenario = { config: config(mode), ops };
  const runner = new ScenarioRunner(scenario);
  runner.runAll();
  const buf = runner.chan!.buf(0)!;
  const p = bufferPicture(4);
  expect(pictureBuffer(buf, p)).toBe(true);
  return { ...p, state: Array.from(p.state), fill: Array.from(p.fill) };
}

describe('a picture of the sub-buffers', () => {
  it('is not taken while a writer is in the middle of a switch, when the view may not wait', () => {
    const runner = new ScenarioRunner({ config: config('no-overwrite'), ops: [write(20)] });
    runner.runAll();
    const buf = runner.chan!.buf(0)!;
    buf.words.add(W_SWITCH, 1);
    expect(pictureBuffer(buf, bufferPicture(4), 64)).toBe(false);
    buf.words.add(W_SWITCH, 1);
    expect(pictureBuffer(buf, bufferPicture(4), 64)).toBe(true);
  });

  it('shows a fresh buffer as one sub-buffer being written and the rest never written', () => {
    expect(picture('no-overwrite', [write(20)])).toMatchObject({
      state: [SUBBUF_WRITING, SUBBUF_FREE, SUBBUF_FREE, SUBBUF_FREE],
      fill: [20, 0, 0, 0],
      stalled: false,
      writeSubbuf: 0,
      writeOffset: 20,
    });
  });

  it('shows produced sub-buffers as ready, with their data up to the padding, until consumed', () => {
    const p = picture('no-overwrite', [write(40), write(40), write(40), { op: 'consume', cpu: 0, subbufs: 1 }]);
    expect(p.state).toEqual([SUBBUF_CONSUMED, SUBBUF_READY, SUBBUF_WRITING, SUBBUF_FREE]);
    expect(p.fill).toEqual([40, 40, 40, 0]);
    expect(p).toMatchObject({ produced: 2, consumed: 1, readSubbuf: 1, readOffset: 0 });
  });

  it('shows a stalled writer owning nothing, with every sub-buffer ready (example B)', () => {
    const p = picture('no-overwrite', [write(40), write(40), write(40), write(40), write(40)]);
    expect(p).toMatchObject({ stalled: true, writeSubbuf: -1, produced: 4, consumed: 0 });
    expect(p.state).toEqual([SUBBUF_READY, SUBBUF_READY, SUBBUF_READY, SUBBUF_READY]);
  });

  it('shows an overwriting writer in a sub-buffer nobody consumed (example C)', () => {
    const p = picture('overwrite', [write(40), write(40), write(40), write(40), write(40), write(40)]);
    expect(p).toMatchObject({ stalled: false, writeSubbuf: 1, writeOffset: 40, produced: 5, consumed: 0 });
    expect(p.state).toEqual([SUBBUF_READY, SUBBUF_OVERWRITING, SUBBUF_READY, SUBBUF_READY]);
  });
});

describe('inspecting a sub-buffer', () => {
  it('separates the header, the data and the padding, and says what readers would get', () => {
    const scenario: Scenario = {
      config: { ...config('no-overwrite'), headerReserve: 8 },
      ops: [write(20), write(40), { op: 'read', cpu: 0, maxBytes: 10 }],
    };
    const runner = new ScenarioRunner(scenario);
    runner.runAll();
    const buf = runner.chan!.buf(0)!;
    // Scenario payloads are not live records: the bytes after the header read as no record.
    expect(inspectSubbuf(buf, 0, 8)).toMatchObject({
      state: SUBBUF_READY,
      header: 8,
      fill: 28,
      padding: 36,
      records: [],
      unreadable: 20,
      readBytes: 18,
      readFrom: 10,
      mmapReady: true,
    });
    expect(inspectSubbuf(buf, 1, 8)).toMatchObject({ state: SUBBUF_WRITING, header: 8, fill: 48, padding: 0, readBytes: 48, mmapReady: false });
    expect(inspectSubbuf(buf, 2, 8)).toMatchObject({ state: SUBBUF_FREE, header: 0, fill: 0, readBytes: 0 });
  });
});
