/**
 * Every setting of a SimConfig by its path, `section.key` (`channel.cpus`, `workload.rate`,
 * `reader.period`...): the one list that the settings form, the page's address and
 * parseSimConfig share. A path is a type: one misspelt anywhere does not compile, and a setting
 * added to SimConfig does not compile until it is listed here.
 */
import type { SimConfig } from './simConfig.ts';

export const SETTING_SECTIONS = ['channel', 'workload', 'reader'] as const satisfies readonly (keyof SimConfig)[];
export type SettingSection = (typeof SETTING_SECTIONS)[number];
export type SettingKey<S extends SettingSection = SettingSection> = S extends SettingSection ? keyof SimConfig[S] & string : never;
export type SettingPath = { [S in SettingSection]: `${S}.${SettingKey<S>}` }[SettingSection];
/** What a setting holds: a number, a word or a boolean. */
export type SettingValue = { [S in SettingSection]: SimConfig[S][keyof SimConfig[S]] }[SettingSection];

/** Every setting, section by section, in the order the settings form shows them. */
export const SETTING_PATHS = [
  'channel.cpus',
  'channel.subbufSize',
  'channel.nSubbufs',
  'channel.mode',
  'channel.global',
  'channel.headerReserve',
  'channel.kernel',
  'workload.rate',
  'workload.arrival',
  'workload.size',
  'workload.sizeMin',
  'workload.sizeMax',
  'workload.call',
  'workload.largeShare',
  'workload.burstOn',
  'workload.burstOff',
  'workload.skew',
  'workload.format',
  'workload.device',
  'workload.blktraceSequence',
  'reader.enabled',
  'reader.mode',
  'reader.layout',
  'reader.period',
  'reader.chunk',
  'reader.costPerKiB',
  'reader.pauseEvery',
  'reader.pauseFor',
  'reader.jitter',
  'reader.wakeLatency',
] as const satisfies readonly SettingPath[];

/** Fails to compile while a setting of SimConfig is missing from SETTING_PATHS (it names it). */
export type UnlistedSetting = Exclude<SettingPath, (typeof SETTING_PATHS)[number]>;
export const EVERY_SETTING_LISTED: [UnlistedSetting] extends [never] ? true : UnlistedSetting = true;

const PATHS: ReadonlySet<string> = new Set(SETTING_PATHS);

export function isSettingPath(text: string): text is SettingPath {
  return PATHS.has(text);
}

/** A path's section and key. */
export function splitSettingPath(path: SettingPath): { section: SettingSection; key: SettingKey } {
  const dot = path.indexOf('.');
  return { section: path.slice(0, dot) as SettingSection, key: path.slice(dot + 1) as SettingKey };
}

/** The keys of a section's settings, in the list's order. */
export function sectionSettings(section: SettingSection): SettingKey[] {
  return SETTING_PATHS.filter((p) => p.startsWith(`${section}.`)).map((p) => splitSettingPath(p).key);
}

/** The value of a setting in `config`. */
export function settingValue(config: SimConfig, path: SettingPath): SettingValue {
  const { section, key } = splitSettingPath(path);
  return (config[section] as unknown as Record<string, SettingValue>)[key];
}
