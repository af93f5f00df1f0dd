import { accept, describeValue, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/**
 * `/photoframe/status/<id>` — what a viewer says about its own state, so the
 * console can show it without asking: the photo really on screen and since
 * when, the newest revision of its keys it has applied (the console compares
 * it with the newest written to show a viewer that lags), and its free disk.
 */
export interface ViewerStatus {
  image: string | null;
  shown_at: string | null;
  /** etcd's mod_revision of the newest change to `/<id>:` keys the viewer has applied, as a decimal string. */
  applied_revision: string | null;
  free_bytes: number | null;
  power: 'on' | 'off';
  paused: boolean;
  updated_at: string;
}

const REVISION = /^\d{1,20}$/;

export function decodeViewerStatus(raw: string): Decoded<ViewerStatus> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isPlainObject(v)) return refuse(`status must be a JSON object, got ${describeValue(v)}`);
  const text = (x: unknown) => (typeof x === 'string' ? x.slice(0, 255) : null);
  return accept({
    image: text(v.image),
    shown_at: text(v.shown_at),
    applied_revision: typeof v.applied_revision === 'string' && REVISION.test(v.applied_revision) ? v.applied_revision : null,
    free_bytes: typeof v.free_bytes === 'number' && Number.isFinite(v.free_bytes) && v.free_bytes >= 0 ? v.free_bytes : null,
    power: v.power === 'off' ? 'off' : 'on',
    paused: v.paused === true,
    updated_at: text(v.updated_at) ?? '',
  });
}

export function encodeViewerStatus(status: ViewerStatus): string {
  return JSON.stringify(status);
}
