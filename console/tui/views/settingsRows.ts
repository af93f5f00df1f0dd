import { DEFAULT_SETTINGS, describeSetting, SETTING_NAMES, type SettingName, type SettingsValue } from '../../../common/protocol/codecs/settingsCodec.ts';

/** One row of the settings editor, generated from the protocol's settings table. */
export interface SettingRow {
  name: SettingName;
  value: string;
  /** True when etcd does not set it and the default applies. */
  isDefault: boolean;
  defaultValue: string;
  accepts: string;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export function settingRows(settings: SettingsValue | null | undefined): SettingRow[] {
  return SETTING_NAMES.map((name) => {
    const set = settings?.fields[name];
    return {
      name,
      value: show(set ?? DEFAULT_SETTINGS[name]),
      isDefault: set === undefined,
      defaultValue: show(DEFAULT_SETTINGS[name]),
      accepts: describeSetting(name),
    };
  });
}
