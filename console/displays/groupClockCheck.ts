import type { Etcd3 } from 'etcd3';
import { decodeViewerStatus } from '../../common/protocol/codecs/viewerStatusCodec.ts';
import { displayIdFromStatusKey, STATUS_PREFIX } from '../../common/protocol/systemKeys.ts';
import { groupClockProblem } from './displayHealth.ts';

/** A `same` group's member whose clock may put it out of step with the others (for `photoframe doctor`). */
export interface GroupClockFinding {
  display: string;
  group: string;
  problem: string;
}

/** Reads every display's status and names the group members whose clock is off etcd's by over 50 ms (or unsure). */
export async function groupClockFindings(client: Etcd3): Promise<GroupClockFinding[]> {
  const statuses = await client.getAll().prefix(STATUS_PREFIX).strings();
  const findings: GroupClockFinding[] = [];
  for (const [key, raw] of Object.entries(statuses)) {
    const display = displayIdFromStatusKey(key);
    const decoded = decodeViewerStatus(raw);
    if (display === null || !decoded.ok || !decoded.value.group_slot) continue;
    const problem = groupClockProblem(decoded.value);
    if (problem !== null) findings.push({ display, group: decoded.value.group_slot.group, problem });
  }
  return findings;
}
