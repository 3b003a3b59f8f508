/**
 * The page's state in its address, so that a link shows someone else the same run: every
 * setting that differs from the default (by its config path, `channel.subbufSize=4096`), the
 * seed, the mode, how many events a deterministic run was stepped through, the sub-buffer under
 * inspection and the view. Reading an address checks everything and, on the first thing
 * wrong, says where and why; the caller then shows the defaults.
 */
import {
  ConfigError,
  DEFAULT_SIM_CONFIG,
  PRESETS,
  findPreset,
  SETTING_PATHS,
  echoValue,
  isSettingPath,
  parseSimConfig,
  settingValue,
  splitSettingPath,
  type ChannelOp,
  type FileAction,
  type SettingSection,
  type SimConfig,
  type TimedOp,
  type TimelineOp,
} from '../engine/index.ts';
import { parseIndexText, parseNumberText } from '../lib/numberText.ts';
import type { RunMode } from '../workers/client.ts';
import { DEFAULT_TAB, isTab, TABS, type TabId } from './uiSlice.ts';

export interface UrlState {
  config: SimConfig;
  seed: number;
  mode: RunMode;
  /**
   * Deterministic runs: the events run so far. An exact position: stepping by time would also
   * run other events that fall at the same instant.
   */
  events: number;
  /** Deterministic runs: the virtual clock (s), which a step by time leaves past the last event. */
  t: number;
  /** Deterministic runs: the channel operations and file calls applied on the way, by the events run before each. */
  ops: TimedOp[];
  /** The sub-buffer under inspection: buffer (creation index) and sub-buffer. */
  selection: { buffer: number; subbuf: number } | null;
  /** The channel view alone, in large type, for slides. */
  embed: boolean;
  /**
   * The hash of an imported workload the run replays (`workload=<16 hex digits>`). The file
   * itself is not in the address: opening it asks for the file again and checks the hash.
   */
  workload: string | null;
  /** The workspace's open tool. */
  tab: TabId;
  /** The demo that plays on load (`demo=0` turns it off). */
  demo: boolean;
  /** A tour chapter to open (1 to the number of chapters), or null. */
  tour: number | null;
  /** A preset to run (its id), or null. */
  preset: string | null;
}

export const DEFAULT_URL_STATE: UrlState = {
  config: DEFAULT_SIM_CONFIG,
  seed: 1,
  mode: 'live',
  events: 0,
  t: 0,
  ops: [],
  selection: null,
  embed: false,
  workload: null,
  tab: DEFAULT_TAB,
  demo: true,
  tour: null,
  preset: null,
};

/** Chapters a `tour=` may name; the tours check their own count against it. */
export const MAX_TOUR = 7;
const UI_SETTINGS = new Set(['tab', 'demo', 'tour', 'embed', 'preset']);

/** An imported workload's hash: FNV-1a 64, as workloadCsv.ts writes it. */
const WORKLOAD_HASH = /^[0-9a-f]{16}$/;

/** Longest address query read; anything longer is refused rather than parsed. */
export const MAX_QUERY = 4096;
/** Events a link may ask to replay: a few seconds of the page's time. */
export const MAX_EVENTS = 5_000_000;
/** Channel operations a link may carry. */
export const MAX_OPS = 200;
const OP_NAMES = ['flush', 'reset', 'close', 'cpu_online', 'cpu_offline'] as const;

/**
 * A file call's arguments in an address, in order, after `file_<call>`: `1200:file_open:0`,
 * `1300:file_read:3:4096`, `1400:file_mapread:1:0:64`. Each an integer from 0 to its bound.
 */
type FileArg = 'cpu' | 'fd' | 'count' | 'offset' | 'length' | 'map';
const FILE_ARGS: { readonly [K in FileAction['op']]: readonly (FileArg & keyof Extract<FileAction, { op: K }>)[] } = {
  open: ['cpu'],
  read: ['fd', 'count'],
  sendfile: ['fd', 'count'],
  poll: ['fd'],
  lseek: ['fd', 'offset'],
  mmap: ['fd', 'length'],
  mapread: ['map', 'offset', 'length'],
  munmap: ['map'],
  close: ['fd'],
};
/** Bounds of the arguments: a CPU as the channel's, an fd below the default RLIMIT_NOFILE, sizes within 32 bits. */
const FILE_ARG_MAX: Record<FileArg, number> = { cpu: 63, fd: 1023, map: 2 ** 31 - 1, count: 2 ** 31 - 1, offset: 2 ** 31 - 1, length: 2 ** 31 - 1 };
const FILE_CALLS = Object.keys(FILE_ARGS) as FileAction['op'][];
const isFileCall = (name: string): name is FileAction['op'] => (FILE_CALLS as string[]).includes(name);
/** How a file call is written: `file_read:FD:COUNT`. */
const fileForm = (call: FileAction['op']): string => [`file_${call}`, ...FILE_ARGS[call].map((a) => a.toUpperCase())].join(':');

function opText({ at, op }: TimedOp): string {
  if (op.op !== 'file') return `${at}:${op.op}${'cpu' in op ? `:${op.cpu}` : ''}`;
  const call = op.call as Record<string, number> & FileAction;
  return [at, `file_${call.op}`, ...FILE_ARGS[call.op].map((a) => call[a])].join(':');
}

/** The CPU an operation names, if any. */
const opCpu = (op: TimelineOp): number | null => (op.op === 'file' ? (op.call.op === 'open' ? op.call.cpu : null) : 'cpu' in op ? op.cpu : null);
const SEED_MAX = 2 ** 32 - 1;

/** The query string for `s`: only what differs from the defaults. */
export function stateToQuery(s: UrlState): string {
  const q = new URLSearchParams();
  for (const path of SETTING_PATHS) {
    const value = settingValue(s.config, path);
    if (value !== settingValue(DEFAULT_SIM_CONFIG, path)) q.set(path, String(value));
  }
  if (s.seed !== DEFAULT_URL_STATE.seed) q.set('seed', String(s.seed));
  if (s.mode !== 'live') q.set('mode', s.mode);
  if (s.mode === 'deterministic' && s.events > 0) q.set('ev', String(s.events));
  if (s.mode === 'deterministic' && s.t > 0) q.set('t', String(s.t));
  if (s.mode === 'deterministic' && s.ops.length > 0) q.set('ops', s.ops.map(opText).join(','));
  if (s.selection !== null) q.set('sel', `${s.selection.buffer}.${s.selection.subbuf}`);
  if (s.embed) q.set('embed', '1');
  if (s.workload !== null) q.set('workload', s.workload);
  if (s.tab !== DEFAULT_TAB) q.set('tab', s.tab);
  if (!s.demo) q.set('demo', '0');
  if (s.tour !== null) q.set('tour', String(s.tour));
  if (s.preset !== null) q.set('preset', s.preset);
  // ':' and ',' need no escaping in a query, and the operations read better without it.
  return q.toString().replace(/%3A/g, ':').replace(/%2C/g, ',');
}

export type UrlReading = { ok: true; state: UrlState; empty: boolean } | { ok: false; error: string };

class UrlError extends Error {}

/** What the address says, quoted back in a message: escaped, and cut short. */
const quoted = (text: string): string => echoValue(text, 40);

/** A position, a count or an index: plain digits (`63`, not `63.0` or `0x3f`). */
const integer = (name: string, text: string, min: number, max: number): number => {
  const n = parseIndexText(text);
  if (n === null || n < min || n > max) throw new UrlError(`${name} must be an integer from ${min} to ${max}, got ${quoted(text)}`);
  return n;
};

/** A setting's text as the type its default has. */
function typed(name: string, text: string, like: unknown): unknown {
  if (typeof like === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new UrlError(`${name} must be true or false, got ${quoted(text)}`);
    return text === 'true';
  }
  if (typeof like === 'number') {
    const n = parseNumberText(text);
    if (n === null) throw new UrlError(`${name} must be a number, got ${quoted(text)}`);
    return n;
  }
  return text;
}

/** Reads a query string (with or without its `?`). */
export function queryToState(query: string): UrlReading {
  const text = query.startsWith('?') ? query.slice(1) : query;
  if (text.length > MAX_QUERY) return { ok: false, error: `the address is too long (${text.length} characters; at most ${MAX_QUERY})` };
  let q: URLSearchParams;
  try {
    q = new URLSearchParams(text);
  } catch {
    return { ok: false, error: 'the address cannot be read as name=value pairs' };
  }
  try {
    const raw: Record<SettingSection, Record<string, unknown>> = { channel: {}, workload: {}, reader: {} };
    const state: UrlState = { ...DEFAULT_URL_STATE };
    const seen = new Set<string>();
    let empty = true;
    for (const [name, value] of q) {
      // The workspace's own settings describe no run.
      if (!UI_SETTINGS.has(name)) empty = false;
      if (seen.has(name)) throw new UrlError(`${name} is given twice`);
      seen.add(name);
      if (isSettingPath(name)) {
        const { section, key } = splitSettingPath(name);
        raw[section][key] = typed(name, value, settingValue(DEFAULT_SIM_CONFIG, name));
      } else if (name === 'seed') state.seed = integer('seed', value, 0, SEED_MAX);
      else if (name === 'mode') {
        if (value !== 'live' && value !== 'deterministic') throw new UrlError(`mode must be live or deterministic, got ${quoted(value)}`);
        state.mode = value;
      } else if (name === 'ev') state.events = integer('ev (events run)', value, 0, MAX_EVENTS);
      else if (name === 'ops') state.ops = parseOps(value);
      else if (name === 't') {
        const t = parseNumberText(value);
        if (t === null || t < 0 || t > 3600) throw new UrlError(`t must be a number of seconds from 0 to 3600, got ${quoted(value)}`);
        state.t = t;
      }
      else if (name === 'sel') {
        const [buffer, subbuf, ...rest] = value.split('.');
        if (subbuf === undefined || rest.length > 0) throw new UrlError(`sel must be BUFFER.SUBBUF, got ${quoted(value)}`);
        state.selection = { buffer: integer('sel', buffer, 0, 63), subbuf: integer('sel', subbuf, 0, 2 ** 32 - 1) };
      } else if (name === 'embed') {
        if (value !== '1' && value !== '0') throw new UrlError(`embed must be 1 or 0, got ${quoted(value)}`);
        state.embed = value === '1';
      } else if (name === 'workload') {
        if (!WORKLOAD_HASH.test(value)) throw new UrlError(`workload must be an imported workload's hash, 16 hex digits, got ${quoted(value)}`);
        state.workload = value;
      } else if (name === 'tab') {
        if (!isTab(value)) throw new UrlError(`tab must be one of ${TABS.map((t) => t.id).join(', ')}, got ${quoted(value)}`);
        state.tab = value;
      } else if (name === 'demo') {
        if (value !== '1' && value !== '0') throw new UrlError(`demo must be 1 or 0, got ${quoted(value)}`);
        state.demo = value === '1';
      } else if (name === 'tour') state.tour = integer('tour (a chapter)', value, 1, MAX_TOUR);
      else if (name === 'preset') {
        if (findPreset(value) === undefined) throw new UrlError(`preset must be one of ${PRESETS.map((p) => p.id).join(', ')}, got ${quoted(value)}`);
        state.preset = value;
      } else throw new UrlError(`unknown setting ${quoted(name)}`);
    }
    state.config = parseSimConfig(raw);
    for (const { op } of state.ops) {
      const cpu = opCpu(op);
      if (cpu !== null && cpu >= state.config.channel.cpus) throw new UrlError(`ops names CPU ${cpu}, but the channel has ${state.config.channel.cpus}`);
    }
    // A replay runs in virtual time only.
    if (state.workload !== null && state.mode !== 'deterministic') throw new UrlError('workload needs mode=deterministic: an imported workload is replayed in virtual time');
    for (let i = 1; i < state.ops.length; i++)
      if (state.ops[i].at < state.ops[i - 1].at) throw new UrlError(`ops must be in the order they were applied: ${opText(state.ops[i])} comes after ${opText(state.ops[i - 1])}`);
    const buffers = state.config.channel.global ? 1 : state.config.channel.cpus;
    if (state.selection !== null && state.selection.buffer >= buffers)
      throw new UrlError(
        `sel names buffer ${state.selection.buffer}, but the channel has ${buffers === 1 ? 'one buffer (0)' : `${buffers} (0 to ${buffers - 1})`}`,
      );
    if (state.selection !== null && state.selection.subbuf >= state.config.channel.nSubbufs)
      throw new UrlError(`sel names sub-buffer ${state.selection.subbuf}, but the channel has ${state.config.channel.nSubbufs}`);
    return { ok: true, state, empty };
  } catch (err) {
    if (err instanceof UrlError || err instanceof ConfigError) return { ok: false, error: err.message };
    throw err;
  }
}

/** `AT:OP[:CPU],...` and `AT:file_CALL:ARG...`: operations and file calls, and the events run before each. */
function parseOps(text: string): TimedOp[] {
  const items = text.split(',');
  if (items.length > MAX_OPS) throw new UrlError(`ops holds ${items.length} operations; at most ${MAX_OPS}`);
  return items.map((item) => {
    const [at, name, cpu, ...rest] = item.split(':');
    if (name?.startsWith('file_')) return { at: integer('ops position', at, 0, MAX_EVENTS), op: parseFileOp(item) };
    const what = (OP_NAMES as readonly string[]).includes(name) ? (name as (typeof OP_NAMES)[number]) : null;
    const hotplug = what === 'cpu_online' || what === 'cpu_offline';
    if (what === null || rest.length > 0 || (cpu === undefined) === hotplug)
      throw new UrlError(`ops: ${quoted(item)} is not AT:OP, AT:cpu_online|cpu_offline:CPU or AT:file_CALL:ARGS (OP one of ${OP_NAMES.join(', ')})`);
    const op: ChannelOp = hotplug ? { op: what, cpu: integer('ops CPU', cpu, 0, 63) } : { op: what as 'flush' | 'reset' | 'close' };
    return { at: integer('ops position', at, 0, MAX_EVENTS), op };
  });
}

/** `AT:file_CALL:ARG...` (the position is read by the caller): a call as the files panel makes it. */
function parseFileOp(item: string): TimelineOp {
  const [, name, ...args] = item.split(':');
  const call = name.slice('file_'.length);
  if (!isFileCall(call)) throw new UrlError(`ops: ${quoted(item)} names no file call (file_ then one of ${FILE_CALLS.join(', ')})`);
  const names = FILE_ARGS[call];
  if (args.length !== names.length) throw new UrlError(`ops: ${quoted(item)} is not AT:${fileForm(call)}`);
  const action: Record<string, unknown> = { op: call };
  names.forEach((a, i) => (action[a] = integer(`ops ${name} ${a.toUpperCase()}`, args[i], a === 'map' ? 1 : 0, FILE_ARG_MAX[a])));
  return { op: 'file', call: action as unknown as FileAction };
}
