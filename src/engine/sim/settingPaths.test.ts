import { describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CONFIG, parseSimConfig, ConfigError } from './simConfig.ts';
import { SETTING_PATHS, SETTING_SECTIONS, isSettingPath, sectionSettings, settingValue, splitSettingPath } from './settingPaths.ts';

describe('the list of setting paths', () => {
  it('names every setting of the default configuration, and nothing else', () => {
    const defaults = SETTING_SECTIONS.flatMap((section) => Object.keys(DEFAULT_SIM_CONFIG[section]).map((key) => `${section}.${key}`));
    expect([...SETTING_PATHS].toSorted()).toEqual(defaults.toSorted());
  });

  it('reads a setting by its path, and splits a path into section and key', () => {
    expect(settingValue(DEFAULT_SIM_CONFIG, 'channel.cpus')).toBe(DEFAULT_SIM_CONFIG.channel.cpus);
    expect(settingValue(DEFAULT_SIM_CONFIG, 'reader.enabled')).toBe(true);
    expect(splitSettingPath('workload.sizeMin')).toEqual({ section: 'workload', key: 'sizeMin' });
  });

  it('knows its own paths only, built-in names of objects included', () => {
    expect(isSettingPath('workload.rate')).toBe(true);
    for (const text of ['workload', 'workload.', 'workload.toString', 'constructor', 'channel.__proto__', 'reader.rate']) expect(isSettingPath(text)).toBe(false);
  });

  it("is what parseSimConfig names when a setting is not one", () => {
    expect(() => parseSimConfig({ reader: { perod: 1 } })).toThrow(ConfigError);
    expect(() => parseSimConfig({ reader: { perod: 1 } })).toThrow(`reader.perod is not a setting (${sectionSettings('reader').join(', ')})`);
    expect(sectionSettings('reader')[0]).toBe('enabled');
  });
});
