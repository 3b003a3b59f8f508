/**
 * Presets: channels as real relay clients size them, with a workload like theirs. Each says
 * where its numbers come from, and which numbers are ours.
 */
import { parseSimConfig, type SimConfig } from './simConfig.ts';

export interface Preset {
  id: string;
  title: string;
  /** Where the channel geometry and the workload come from. */
  source: string;
  config: SimConfig;
}

const KiB = 1024;

const preset = (id: string, title: string, source: string, config: unknown): Preset => ({
  id,
  title,
  source,
  config: parseSimConfig(config),
});

export const PRESETS: readonly Preset[] = [
  preset(
    'blktrace',
    'blktrace: 4 x 512 KiB per CPU',
    'blktrace(8) defaults: -b 512 (KiB per sub-buffer) and -n 4 sub-buffers per CPU, one reader thread per CPU. ' +
      'The kernel side writes struct blk_io_trace (48 bytes, plus a payload for some actions) with relay_reserve under ' +
      'local_irq_save, and no subbuf_start callback since v6.17. The records are blktrace\'s own (queue, get request, issue ' +
      'and complete per I/O); the rate is ours: a busy disk, 50,000 I/Os a second.',
    {
      channel: { cpus: 4, subbufSize: 512 * KiB, nSubbufs: 4, mode: 'no-overwrite' },
      workload: { rate: 50_000, arrival: 'poisson', call: 'relay_reserve', format: 'blktrace' },
      reader: { layout: 'per-cpu', mode: 'read', period: 0.5, chunk: 512 * KiB, costPerKiB: 0.2 },
    },
  ),
  preset(
    'kvmtrace',
    'kvmtrace: 8 x 512 KiB per CPU',
    'kvmtrace (Linux 2.6.25 to 2.6.32) used 512 KiB sub-buffers, 8 per CPU. Its records were small (an event id, ' +
      'an optional cycle count and up to five 32-bit words): 16 to 40 bytes here. The rate is ours: a guest exiting often.',
    {
      channel: { cpus: 4, subbufSize: 512 * KiB, nSubbufs: 8, mode: 'no-overwrite' },
      workload: { rate: 400_000, arrival: 'poisson', size: 'uniform', sizeMin: 16, sizeMax: 40, call: 'relay_write' },
      reader: { layout: 'per-cpu', mode: 'read', period: 0.2, chunk: 512 * KiB, costPerKiB: 0.2 },
    },
  ),
  preset(
    'i915-guc',
    'i915 GuC log: 8 sub-buffers, one log snapshot each',
    'The i915 GuC log relay channel is one global buffer of 8 sub-buffers (n_subbufs = 8) with a no-overwrite subbuf_start callback; each ' +
      'flush interrupt copies the whole GuC log buffer into one sub-buffer. The 64 KiB log size and the flush rate are ours.',
    {
      channel: { cpus: 1, subbufSize: 64 * KiB, nSubbufs: 8, mode: 'no-overwrite', global: true },
      workload: { rate: 50, arrival: 'poisson', size: 'fixed', sizeMin: 64 * KiB, call: 'relay_reserve' },
      reader: { layout: 'single', mode: 'read', period: 0.1, chunk: 64 * KiB, costPerKiB: 2 },
    },
  ),
  preset(
    'ath9k-spectral',
    'ath9k spectral scan: one global buffer, 256 x 1 KiB',
    'ath9k spectral scan opens a global relay buffer (is_global = 1) of 256 sub-buffers of 1024 bytes with the default ' +
      'no-overwrite policy. FFT samples are tens of bytes to about 140 (60 to 140 here); bursts follow the scans. Rates are ours.',
    {
      channel: { cpus: 4, subbufSize: KiB, nSubbufs: 256, mode: 'no-overwrite', global: true },
      workload: { rate: 20_000, arrival: 'bursts', burstOn: 0.05, burstOff: 0.2, size: 'uniform', sizeMin: 60, sizeMax: 140 },
      reader: { layout: 'single', mode: 'read', period: 0.1, chunk: 64 * KiB, costPerKiB: 1 },
    },
  ),
  preset(
    'one-subbuf',
    'One sub-buffer: why the relay documentation advises against it',
    'With one sub-buffer, the writer stalls (no-overwrite) as soon as it leaves the only sub-buffer, until the reader ' +
      'consumes it, so every record written meanwhile is dropped. Geometry and rates are ours.',
    {
      channel: { cpus: 2, subbufSize: 16 * KiB, nSubbufs: 1, mode: 'no-overwrite' },
      workload: { rate: 50_000, arrival: 'poisson', size: 'uniform', sizeMin: 32, sizeMax: 96 },
      reader: { layout: 'per-cpu', mode: 'read', period: 0.05, chunk: 64 * KiB, costPerKiB: 0.5 },
    },
  ),
  preset(
    'flight-recorder',
    'Flight recorder: overwrite mode, read only at the end',
    'An overwrite subbuf_start callback that always accepts keeps the newest data and loses the oldest, as the relay ' +
      'documentation describes for flight-recorder use. No reader runs while tracing. Geometry and rates are ours.',
    {
      channel: { cpus: 4, subbufSize: 64 * KiB, nSubbufs: 8, mode: 'overwrite' },
      workload: { rate: 100_000, arrival: 'poisson', size: 'uniform', sizeMin: 32, sizeMax: 128 },
      reader: { enabled: false },
    },
  ),
];

export function findPreset(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
