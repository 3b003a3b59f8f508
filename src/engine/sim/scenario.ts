/**
 * Scenario files (the conformance format, FORMAT.md): a channel configuration and a list of
 * operations. Parsing refuses what is malformed (not JSON, missing parts, unknown ops, fields
 * of the wrong type) with a message that says where and why; values of the right type that
 * the kernel would refuse are left for the run to report as ERR.
 */
import { DEFAULT_KERNEL, KERNEL_VERSIONS, isKernelVersion, type KernelVersion } from '../kernel/index.ts';
import { JsonTextError, echoValue, parseJsonText } from './jsonSyntax.ts';

export const SCENARIO_OPS = [
  'write',
  'reserve',
  'read',
  'consume',
  'poll',
  'flush',
  'reset',
  'close',
  'cpu_online',
  'cpu_offline',
  'mmap_view',
  'stats',
  'file_open',
  'file_close',
  'file_read',
  'file_poll',
  'file_lseek',
  'file_sendfile',
  'file_mmap',
  'file_mmap_read',
  'file_munmap',
] as const;

export type ScenarioOpName = (typeof SCENARIO_OPS)[number];

export type ScenarioOp =
  | { op: 'write' | 'reserve'; cpu: number; size: number }
  | { op: 'read'; cpu: number; maxBytes?: number }
  | { op: 'consume'; cpu: number; subbufs: number }
  | { op: 'poll' | 'cpu_online' | 'cpu_offline' | 'mmap_view'; cpu: number }
  | { op: 'flush' | 'reset' | 'close' | 'stats' }
  | { op: 'file_open'; cpu: number }
  | { op: 'file_close' | 'file_poll' | 'file_lseek'; fd: number }
  | { op: 'file_read' | 'file_sendfile'; fd: number; count: number }
  | { op: 'file_mmap'; fd: number; length: number }
  | { op: 'file_mmap_read'; map: number; offset: number; length: number }
  | { op: 'file_munmap'; map: number };

/** Whether an op is one of the file operations (their scenarios print the lifetime parts). */
export const isFileOp = (op: { op: string }): boolean => op.op.startsWith('file_');

export interface ScenarioConfig {
  cpus: number;
  subbufSize: number;
  nSubbufs: number;
  /** 'no-overwrite' or 'overwrite'; anything else is refused at open. */
  mode: string;
  global: boolean;
  headerReserve: number;
  /** CPUs online at relay_open. */
  online: number[];
  /** The kernel the channel behaves as (v6.17 when left out). */
  kernel?: KernelVersion;
}

export interface Scenario {
  name?: string;
  config: ScenarioConfig;
  ops: ScenarioOp[];
}

/** Most operations a scenario may hold: every step keeps its events and buffer states. */
export const MAX_SCENARIO_OPS = 100_000;

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = echoValue;

function parseJson(text: string, file: string): unknown {
  try {
    return parseJsonText(text);
  } catch (e) {
    if (e instanceof JsonTextError) return fail(`${file}: ${e.message}`);
    throw e;
  }
}

function fail(message: string): never {
  throw new ScenarioError(message);
}

function integer(where: string, field: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value))
    return fail(`${where}: "${field}" must be an integer, got ${describe(value)}`);
  return value;
}

function parseConfig(file: string, raw: unknown): ScenarioConfig {
  const where = `${file}: config`;
  if (!isObject(raw)) return fail(`${where} must be an object, got ${describe(raw)}`);
  const cpus = integer(where, 'cpus', raw.cpus, 1);
  const mode = raw.mode ?? 'no-overwrite';
  if (typeof mode !== 'string') return fail(`${where}: "mode" must be a string, got ${describe(mode)}`);
  const global = raw.global ?? false;
  if (typeof global !== 'boolean') return fail(`${where}: "global" must be true or false, got ${describe(global)}`);
  let online: number[];
  if (raw.online === undefined) online = Array.from({ length: Math.max(0, Math.min(cpus, 64)) }, (_, i) => i);
  else if (!Array.isArray(raw.online)) return fail(`${where}: "online" must be an array of CPU numbers, got ${describe(raw.online)}`);
  else online = raw.online.map((cpu, i) => integer(where, `online[${i}]`, cpu));
  const kernel = raw.kernel ?? DEFAULT_KERNEL;
  if (typeof kernel !== 'string' || !isKernelVersion(kernel))
    return fail(`${where}: "kernel" must be one of ${KERNEL_VERSIONS.join(', ')}; got ${describe(kernel)}`);
  return {
    cpus,
    subbufSize: integer(where, 'subbufSize', raw.subbufSize),
    nSubbufs: integer(where, 'nSubbufs', raw.nSubbufs),
    mode,
    global,
    headerReserve: integer(where, 'headerReserve', raw.headerReserve, 0),
    online,
    kernel,
  };
}

function parseOp(file: string, index: number, raw: unknown): ScenarioOp {
  const where = `${file}: op ${index}`;
  if (!isObject(raw)) return fail(`${where} must be an object, got ${describe(raw)}`);
  const name = raw.op;
  if (typeof name !== 'string' || !(SCENARIO_OPS as readonly string[]).includes(name))
    return fail(`${where}: "op" must be one of ${SCENARIO_OPS.join(', ')}; got ${describe(name)}`);
  const at = `${where} (${name})`;
  const op = name as ScenarioOpName;
  switch (op) {
    case 'write':
    case 'reserve':
      return { op, cpu: integer(at, 'cpu', raw.cpu, 0), size: integer(at, 'size', raw.size) };
    case 'read': {
      const cpu = integer(at, 'cpu', raw.cpu, 0);
      return raw.maxBytes === undefined ? { op, cpu } : { op, cpu, maxBytes: integer(at, 'maxBytes', raw.maxBytes) };
    }
    case 'consume':
      return { op, cpu: integer(at, 'cpu', raw.cpu, 0), subbufs: integer(at, 'subbufs', raw.subbufs) };
    case 'poll':
    case 'cpu_online':
    case 'cpu_offline':
    case 'mmap_view':
      return { op, cpu: integer(at, 'cpu', raw.cpu, 0) };
    case 'flush':
    case 'reset':
    case 'close':
    case 'stats':
      return { op };
    case 'file_open':
      return { op, cpu: integer(at, 'cpu', raw.cpu, 0) };
    case 'file_close':
    case 'file_poll':
    case 'file_lseek':
      return { op, fd: integer(at, 'fd', raw.fd) };
    case 'file_read':
    case 'file_sendfile':
      return { op, fd: integer(at, 'fd', raw.fd), count: integer(at, 'count', raw.count) };
    case 'file_mmap':
      return { op, fd: integer(at, 'fd', raw.fd), length: integer(at, 'length', raw.length) };
    case 'file_mmap_read':
      return { op, map: integer(at, 'map', raw.map), offset: integer(at, 'offset', raw.offset), length: integer(at, 'length', raw.length) };
    case 'file_munmap':
      return { op, map: integer(at, 'map', raw.map) };
  }
}

/** Parses a scenario file's text; `file` names it in error messages. */
export function parseScenario(text: string, file: string): Scenario {
  return scenarioFromJson(parseJson(text, file), file);
}

/** Checks an already parsed JSON value as a scenario. */
export function scenarioFromJson(raw: unknown, file: string): Scenario {
  if (!isObject(raw)) return fail(`${file}: a scenario must be a JSON object with "config" and "ops"`);
  if (raw.config === undefined) return fail(`${file}: "config" is missing`);
  if (raw.ops === undefined) return fail(`${file}: "ops" is missing`);
  if (!Array.isArray(raw.ops)) return fail(`${file}: "ops" must be an array, got ${describe(raw.ops)}`);
  if (raw.ops.length > MAX_SCENARIO_OPS) return fail(`${file}: "ops" holds ${raw.ops.length} operations; at most ${MAX_SCENARIO_OPS}`);
  const scenario: Scenario = {
    config: parseConfig(file, raw.config),
    ops: raw.ops.map((op, i) => parseOp(file, i, op)),
  };
  if (typeof raw.name === 'string') scenario.name = raw.name;
  return scenario;
}
