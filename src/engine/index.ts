/**
 * The relay engine's public surface: the kernel model (kernel/) and what surrounds it (sim/).
 * Pure and deterministic: no DOM, no workers, no clock, no unseeded randomness.
 *
 * Everything outside src/engine imports the engine from here, by name, grouped below by what a
 * consumer needs. Where a field lives in memory stays inside: views read a run through the read
 * API (sim/views.ts, sim/subbufView.ts), which fills objects the caller owns.
 */

// The kernel model: relay.c's client API, its files, and the channel as views over memory.
export { buffersMemory } from './kernel/layout.ts';
export { RELAY_FILE_MODE, Rchan, type RchanBuf, type RelayEvent, type RelayTracer } from './kernel/rchan.ts';
export { relayClose, relayCpuOffline, relayCpuOnline, relayFlush, relayOpen, relayReset, relayWrite } from './kernel/relay.ts';
export { POLLERR, POLLIN, relayFilePoll, relayFileRead, relayFileSendfile } from './kernel/relayFile.ts';
export { GLANCE_TRIES } from './kernel/shared.ts';
// What user space computes over a relay file's memory: its pages, and the bytes a mapping touches.
export { relayMappingRead, relayPage, relayPageMap, relayPages } from './sim/mapping.ts';

// The kernel versions the model behaves as, and what differs between them (for the page to show).
export {
  DEFAULT_KERNEL,
  KERNEL_DIFFERENCES,
  KERNEL_HISTORY,
  KERNEL_VERSIONS,
  KERNEL_VERSION_INFO,
  isKernelVersion,
  type KernelDifference,
  type KernelHistoryEntry,
  type KernelVersion,
  type KernelVersionInfo,
} from './kernel/versions.ts';

// A run's configuration: the settings, their choices, presets, and errors that name the setting.
export {
  ARRIVALS,
  ConfigError,
  DEFAULT_SIM_CONFIG,
  READER_LAYOUTS,
  READER_MODES,
  RECORD_FORMATS,
  SIZE_MODELS,
  WRITE_CALLS,
  parseSimConfig,
  type SimConfig,
} from './sim/simConfig.ts';
export {
  SETTING_PATHS,
  SETTING_SECTIONS,
  isSettingPath,
  sectionSettings,
  settingValue,
  splitSettingPath,
  type SettingKey,
  type SettingPath,
  type SettingSection,
  type SettingValue,
} from './sim/settingPaths.ts';
export { RELAY_MODES, relayClient } from './sim/client.ts';
export { PRESETS, findPreset } from './sim/presets.ts';
export { JsonTextError, MAX_ECHO, MAX_JSON_DEPTH, echoValue, jsonSyntaxMessage, parseJsonText } from './sim/jsonSyntax.ts';

// Deterministic runs: the virtual-time simulation, stepping by hand and going back in time.
export { Simulation } from './sim/simulation.ts';
export { LANDMARK_BUDGET, SteppedRun, estimateEvents, type StepBy } from './sim/steppedRun.ts';
export { CHECKPOINT_BYTES, Checkpoints } from './sim/checkpoint.ts';
export { History, HISTORY_ASLEEP, HISTORY_READING, HISTORY_WOKEN, channelSampler, pollersAsleep, type SeriesId } from './sim/history.ts';
export { LANDMARKS, Timeline, type ChannelOp, type FileOp, type Landmark, type TimedOp, type TimelineOp } from './sim/timeline.ts';

// Reports and accounting: where every record went.
export { lostRecords, runReport, simReport, type SimReport } from './sim/report.ts';
export { accounting, discardInventory, takeInventory, type CpuAccounting } from './sim/accounting.ts';
export { SimStats } from './sim/stats.ts';
export { openSimChannel } from './sim/simChannel.ts';

// Reading a run for a view, allocation-free: counters, the buffer picture, the reader's place.
export {
  bufferCounters,
  cpuCounters,
  readBufferCounters,
  readCpuCounters,
  readTotalCounters,
  writerOffset,
  type BufferCounters,
  type CpuCounters,
} from './sim/views.ts';
export {
  SUBBUF_CONSUMED,
  SUBBUF_FREE,
  SUBBUF_OVERWRITING,
  SUBBUF_READY,
  SUBBUF_WRITING,
  bufferPicture,
  inspectSubbuf,
  pictureBuffer,
  pictureFields,
  recordEnds,
  type BufferPicture,
  type SubbufInspection,
} from './sim/subbufView.ts';
export {
  READER_ASLEEP,
  READER_OFF,
  READER_PAUSED,
  READER_PHASES,
  READER_PROCESSING,
  READER_READING,
  READER_WOKEN,
  kernelReaderPhase,
  readerCount,
  readerOfBuffer,
  simReaderPhase,
  type ReaderPhaseName,
} from './sim/readerPhase.ts';
export { SPEEDS, followableSpeed, speedLabel } from './sim/pace.ts';

// Live runs: the loops that producer and reader threads run, steered by the control block.
// PRODUCERS and READERS name the kind of loop a LiveControl command is for.
export {
  CTL_PRODUCERS as PRODUCERS,
  CTL_READERS as READERS,
  LiveControl,
  PAUSE,
  RUN,
  STOP,
  controlByteLength,
  readerLoop,
} from './sim/live.ts';
export { runLiveThread, type LiveThreadResult, type LiveThreadSetup } from './sim/liveThread.ts';
export { Producer } from './sim/producer.ts';
export { Reader, readerOptions } from './sim/reader.ts';
export { Random } from './sim/random.ts';

// The event log: each thread's ring of relay events, merged for the page.
export { EV, EventRingReader, EventRingWriter, eventRingsByteLength } from './sim/eventRing.ts';
export { EventLog, LOG_GROUPS, describeEvent, groupOf, type LogEntry, type LogGroup } from './sim/eventLog.ts';

// Scenario files and their canonical trace.
export { MAX_SCENARIO_OPS, ScenarioError, parseScenario, type Scenario } from './sim/scenario.ts';
export { ScenarioRunner, type BufferState, type TraceStep } from './sim/runner.ts';
export { canonicalLine, canonicalTrace } from './sim/canonical.ts';

// A process's relay files: fds and mappings.
export { FileTable, type FileErrno } from './sim/files.ts';
export { performFileAction, type FileAction, type FileResult } from './sim/fileCalls.ts';

// The sizing sweep, the capacity model and the steady-state verdict.
export {
  MAX_SWEEP_SECONDS,
  SweepJob,
  defaultSweepAxes,
  runSweep,
  sweepSeconds,
  type SweepAxes,
  type SweepCell,
  type SweepMargin,
  type SweepProgress,
  type SweepResult,
} from './sim/sweep.ts';
export { capacityOf, mbps, termWords, type Bottleneck, type BufferCapacity, type Capacity, type CapacityTerm } from './sim/capacity.ts';
export { runOutcome, watchedRun, type RunOutcome, type SteadyVerdict, type Verdict } from './sim/steadyState.ts';
// How much work a run or a sweep asks for, before it starts.
export { MAX_RUN_EVENTS, estimateRunEvents, estimateSweepEvents } from './sim/workEstimate.ts';

// Imported workloads, and exports of a run.
export { checkWorkload, checkWorkloadCpus, parseWorkloadCsv, type ImportedWorkload } from './sim/workloadCsv.ts';
export { ChromeTraceRecorder, chromeTrace, type ChromeTrace } from './sim/chromeTrace.ts';
export { countersCsv, countersJson } from './sim/countersExport.ts';

// blktrace as a real peer: its record, its files, captures in, and what blkparse would count.
export {
  BLK_IO_TRACE_SIZE,
  BLKTRACE_SEQUENCES,
  blktraceFileName,
  blktraceSummary,
  countsAsEvent,
  decodeBlkIoTrace,
  encodeBlkIoTrace,
  magicOrder,
  type BlkIoTrace,
  type BlktraceCpuSummary,
  type BlktraceSequence,
} from './sim/blktrace.ts';
export { generateCapture, type CaptureOptions } from './sim/blktraceGen.ts';
export { captureDevices, parseBlktraceCapture, type CaptureFile } from './sim/blktraceCapture.ts';
export { blktraceExit, blktraceLoss, blktraceReport, liveRunRefusal, type BlktraceLoss, type BlktraceReport } from './sim/blktraceRun.ts';
