/**
 * The relay engine: the kernel model (kernel/) and what surrounds it (sim/). Pure and
 * deterministic: no DOM, no workers, no clock, no unseeded randomness.
 */
export * from './kernel/index.ts';
export * from './sim/canonical.ts';
export * from './sim/client.ts';
export * from './sim/ledger.ts';
export * from './sim/payload.ts';
export * from './sim/runner.ts';
export * from './sim/scenario.ts';
export * from './sim/producer.ts';
export * from './sim/random.ts';
export * from './sim/reader.ts';
export * from './sim/record.ts';
export * from './sim/simConfig.ts';
export * from './sim/simulation.ts';
export * from './sim/stats.ts';
export * from './sim/presets.ts';
export * from './sim/report.ts';
export * from './sim/jsonSyntax.ts';
export * from './sim/accounting.ts';
export * from './sim/live.ts';
export * from './sim/liveThread.ts';
export * from './sim/subbufView.ts';
export * from './sim/readerPhase.ts';
export * from './sim/pace.ts';
export * from './sim/simChannel.ts';
export * from './sim/eventRing.ts';
export * from './sim/eventLog.ts';
export * from './sim/timeline.ts';
export * from './sim/steppedRun.ts';
export * from './sim/sweep.ts';
export * from './sim/workloadCsv.ts';
export * from './sim/chromeTrace.ts';
export * from './sim/countersExport.ts';
export * from './sim/files.ts';
