import type { ViewerStatus } from '../../common/protocol/codecs/viewerStatusCodec.ts';

/**
 * Whether a display is in trouble, from what its viewer reports: pure, so
 * the displays list, the detail view and `display show` say the same.
 */

/** A viewer writes its status at least every 45 s (viewer/statusReport.ts); missing more than one heartbeat is stale. */
export const STALE_AFTER_MS = 70_000;
export const HOT_CELSIUS = 80;
export const LOW_DISK_BYTES = 512 * 1024 ** 2;
/** A clock more than this off etcd's (beyond the measurement's own uncertainty) is wrong. */
export const WRONG_CLOCK_MS = 2000;
/**
 * A member of a `same` group whose clock is this far off etcd's, or whose
 * measurement is this unsure, is out of step with the others: the viewer
 * corrects by the measured offset, but a clock that far off has no working
 * NTP and drifts between measurements, and an unsure one cannot place its slots.
 */
export const GROUP_CLOCK_MS = 50;

export type HealthFlag = 'stale' | 'stuck' | 'behind' | 'hot' | 'throttled' | 'low disk' | 'clock' | 'sync';

export interface HealthInput {
  status: ViewerStatus | null;
  /** When the status last arrived, by the console's own clock (null: never, or only read at start). */
  statusSeenAt: Date | null;
  /** The newest revision written to its keys, to compare with what it applied. */
  writtenRevision: bigint | null;
  now: Date;
}

/** Status last written how long ago: by when it was seen arriving, else by its own stamp corrected by its clock offset. */
export function statusAgeMs(input: Pick<HealthInput, 'status' | 'statusSeenAt' | 'now'>): number | null {
  if (input.statusSeenAt) return input.now.getTime() - input.statusSeenAt.getTime();
  const stamped = Date.parse(input.status?.updated_at ?? '');
  if (Number.isNaN(stamped)) return null;
  return input.now.getTime() - (stamped + (input.status?.clock_offset_ms ?? 0));
}

/** The flags, most urgent first. */
export function healthFlags(input: HealthInput): HealthFlag[] {
  const status = input.status;
  if (!status) return [];
  const flags: HealthFlag[] = [];
  const age = statusAgeMs(input);
  if (age !== null && age > STALE_AFTER_MS) flags.push('stale');
  if (status.stuck) flags.push('stuck');
  if (status.applied_revision !== null && input.writtenRevision !== null && BigInt(status.applied_revision) < input.writtenRevision) flags.push('behind');
  if (status.cpu_temp_c !== null && status.cpu_temp_c !== undefined && status.cpu_temp_c >= HOT_CELSIUS) flags.push('hot');
  if (status.throttled && (status.throttled.throttled || status.throttled.undervoltage || status.throttled.capped)) flags.push('throttled');
  if (status.free_bytes !== null && status.free_bytes < LOW_DISK_BYTES) flags.push('low disk');
  const offset = status.clock_offset_ms;
  if (offset !== null && offset !== undefined && Math.abs(offset) - (status.clock_offset_error_ms ?? 0) > WRONG_CLOCK_MS) flags.push('clock');
  if (groupClockProblem(status) !== null) flags.push('sync');
  return flags;
}

/** Why a `same` group's member may not change with the others (see GROUP_CLOCK_MS), or null. */
export function groupClockProblem(status: Pick<ViewerStatus, 'group_slot' | 'clock_offset_ms' | 'clock_offset_error_ms'>): string | null {
  if (!status.group_slot) return null;
  const offset = status.clock_offset_ms;
  const error = status.clock_offset_error_ms;
  if (offset === null || offset === undefined) return 'its clock offset against etcd is not measured yet';
  if (Math.abs(offset) > GROUP_CLOCK_MS) return `its clock is ${offset > 0 ? 'behind' : 'ahead of'} etcd's by ${Math.abs(offset)} ms (over ${GROUP_CLOCK_MS} ms: is NTP running?)`;
  if (error !== null && error !== undefined && error > GROUP_CLOCK_MS) return `its clock offset is known only to ±${error} ms (over ${GROUP_CLOCK_MS} ms)`;
  return null;
}

/** online, stale (present but its status stopped arriving), or offline. */
export function presenceState(online: boolean, input: Pick<HealthInput, 'status' | 'statusSeenAt' | 'now'>): 'online' | 'stale' | 'offline' {
  if (!online) return 'offline';
  const age = input.status ? statusAgeMs(input) : null;
  return age !== null && age > STALE_AFTER_MS ? 'stale' : 'online';
}
