import { groupClockProblem, healthFlags, presenceState, statusAgeMs, type HealthInput } from './displayHealth.ts';

const MiB = 1024 ** 2;
const size = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '—' : bytes >= 10 * 1024 * MiB ? `${(bytes / 1024 ** 3).toFixed(0)} GiB` : `${(bytes / MiB).toFixed(0)} MiB`);
const duration = (seconds: number) =>
  seconds >= 86400 ? `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h` : seconds >= 3600 ? `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m` : `${Math.round(seconds / 60)}m`;

/** A display's health in a few lines for the detail view: state, flags, screen and schedule, the device, the last error. */
export function healthLines(input: HealthInput & { online: boolean }): string[] {
  const status = input.status;
  if (!status) return ['health: not reported (a viewer older than this console, or it has not written its status yet)'];
  const state = presenceState(input.online, input);
  const flags = healthFlags(input);
  const age = statusAgeMs(input);
  const screen = status.screen ? `${status.screen.power} (${status.screen.source === 'cec' ? `read over CEC, ${status.screen.method}` : status.screen.method === 'none' ? 'commanded; no CEC' : `commanded, ${status.screen.method}`})` : '—';
  const schedule = status.schedule
    ? status.schedule.state === 'none'
      ? 'none'
      : status.schedule.state === 'overridden'
        ? `power_state ${status.schedule.override ?? ''} overrides it until ${status.schedule.until ?? 'changed'}`
        : `${status.schedule.state} until ${status.schedule.until ?? '—'}`
    : '—';
  const throttled = status.throttled ? `${status.throttled.raw}${status.throttled.undervoltage ? ' undervoltage' : ''}${status.throttled.throttled ? ' throttled' : ''}${status.throttled.capped ? ' capped' : ''}` : '—';
  const clock = status.clock_offset_ms === null || status.clock_offset_ms === undefined ? '—' : `${status.clock_offset_ms} ms ±${status.clock_offset_error_ms ?? '?'}`;
  const sync = status.group_slot ? groupClockProblem(status) : null;
  return [
    `health: ${state}${age === null ? '' : ` (status ${Math.round(age / 1000)} s old)`} · flags ${flags.length ? flags.join(', ') : 'none'}${status.stuck ? ` · stuck: ${status.stuck}` : ''}`,
    `screen ${screen} · schedule ${schedule} · last change applied in ${status.apply_ms ?? '—'} ms (revision ${status.applied_revision ?? '—'}) · last error: ${status.last_error ? `${status.last_error.at} ${status.last_error.message}` : 'none'}`,
    `cpu ${status.cpu_temp_c ?? '—'} °C · throttling ${throttled} · rss ${size(status.rss_bytes)} · cache ${size(status.cache_bytes)} · free ${size(status.free_bytes)} · up ${status.uptime_s === null || status.uptime_s === undefined ? '—' : duration(status.uptime_s)} · viewer ${status.version ?? '—'} · clock vs etcd ${clock}`,
    ...(status.group_slot ? [`group slot ${status.group_slot.slot}${sync ? ` · out of step: ${sync}` : ' · clock in step with etcd'}`] : []),
  ];
}
