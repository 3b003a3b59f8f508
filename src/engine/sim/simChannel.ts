/**
 * A simulation's channel and counters, opened in memory the caller provides (an ArrayBuffer
 * for one thread, a SharedArrayBuffer for workers): relay_open with relayscope's client, every
 * CPU online, and the instrumentation counters beside it.
 */
import { relayOpen, type ChannelMemory, type Rchan, type RelayTracer } from '../kernel/index.ts';
import { relayClient } from './client.ts';
import type { SimConfig } from './simConfig.ts';
import { SimStats } from './stats.ts';

export function openSimChannel(
  config: SimConfig,
  allocate: (byteLength: number) => ChannelMemory,
  tracer?: RelayTracer,
): { chan: Rchan; stats: SimStats } {
  const ch = config.channel;
  const opened = relayOpen({
    baseFilename: 'relay',
    subbufSize: ch.subbufSize,
    nSubbufs: ch.nSubbufs,
    cb: relayClient(ch),
    nrCpus: ch.cpus,
    online: Array.from({ length: ch.cpus }, (_, i) => i),
    allocate,
    tracer,
    kernel: ch.kernel,
  });
  // parseSimConfig refuses what relay_open would, so this is a caller's mistake.
  if (!opened.ok) throw new Error(`relay_open refused the channel: ${opened.reason}`);
  return { chan: opened.chan, stats: SimStats.create(ch.cpus, allocate) };
}
