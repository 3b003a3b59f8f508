/**
 * Scenario files (the conformance format, FORMAT.md): a channel configuration and a list of
 * operations. Parsing refuses what is malformed (not JSON, missing parts, unknown ops, fields
 * of the wrong type) with a message that says where and why; values of the right type that
 * the kernel would refuse are left for the run to report as ERR.
 */
import { jsonSyntaxMessage } from './jsonSyntax.ts';

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
] as const;

export type ScenarioOpName = (typeof SCENARIO_OPS)[number];

export type ScenarioOp =
  | { op: 'write' | 'reserve'; cpu: number; size: number }
  | { op: 'read'; cpu: number; maxBytes?: number }
  | { op: 'consume'; cpu: number; subbufs: number }
  | { op: 'poll' | 'cpu_online' | 'cpu_offline' | 'mmap_view'; cpu: number }
  | { op: 'flush' | 'reset' | 'close' | 'stats' };

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
}

export interface Scenario {
  name?: string;
  config: ScenarioConfig;
  ops: ScenarioOp[];
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail(`${file}: ${jsonSyntaxMessage(text)}`);
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
  return {
    cpus,
    subbufSize: integer(where, 'subbufSize', raw.subbufSize),
    nSubbufs: integer(where, 'nSubbufs', raw.nSubbufs),
    mode,
    global,
    headerReserve: integer(where, 'headerReserve', raw.headerReserve, 0),
    online,
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
  const scenario: Scenario = {
    config: parseConfig(file, raw.config),
    ops: raw.ops.map((op, i) => parseOp(file, i, op)),
  };
  if (typeof raw.name === 'string') scenario.name = raw.name;
  return scenario;
}
