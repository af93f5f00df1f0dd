/**
 * What etcd's own changelogs say about RBAC holes in the version a display
 * talks to. Our guarantees ("a display reads only its own keys") rest on
 * etcd enforcing its roles; docs/security.md lists each hole with its source.
 * Mutual TLS ("no certificate, no connection") holds on every version.
 */
export interface RbacRisk {
  /** One line for a warning: what a display holding a valid certificate could do. */
  summary: string;
  /** The first releases that close it, per minor line; absent where that line never got the fix. */
  fixedIn: string;
}

const RISKS: { applies: (v: Version) => boolean; risk: RbacRisk }[] = [
  {
    applies: (v) => before(v, { '3.4': 42, '3.5': 28, '3.6': 9 }),
    risk: { summary: 'permissions are not checked inside nested transactions: any key can be read or written', fixedIn: '3.4.42, 3.5.28, 3.6.9' },
  },
  {
    applies: (v) => before(v, { '3.4': 42, '3.5': 28, '3.6': 9 }),
    risk: { summary: "lease keep-alive, lease listing, compaction and alarms are not checked: another display's presence can be kept alive, history compacted, writes stopped", fixedIn: '3.4.42, 3.5.28, 3.6.9' },
  },
  {
    applies: (v) => before(v, { '3.4': 44, '3.5': 30, '3.6': 11 }),
    risk: { summary: "inside a transaction, a put can attach to another client's lease and read the previous value of a write-only key", fixedIn: '3.4.44, 3.5.30, 3.6.11' },
  },
  {
    // Never fixed on 3.4, which has reached its end of life.
    applies: (v) => v.minor === 4 || before(v, { '3.5': 33, '3.6': 14, '3.7': 1 }),
    risk: { summary: 'a watch opened "from a key" is checked as if it covered that one key: every key after it can be watched', fixedIn: '3.5.33, 3.6.14, 3.7.1 (no 3.4 release)' },
  },
  {
    applies: (v) => before(v, { '3.4': 26, '3.5': 9 }),
    risk: { summary: 'LeaseTimeToLive lists the names of keys on any lease (CVE-2023-32082)', fixedIn: '3.4.26, 3.5.9' },
  },
];

interface Version {
  major: number;
  minor: number;
  patch: number;
}

function parse(text: string): Version | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) } : null;
}

/** True when the version is on a listed minor line below its fix, or on an older minor line than any listed. */
function before(v: Version, fixes: Record<string, number>): boolean {
  if (v.major !== 3) return v.major < 3;
  const fix = fixes[`3.${v.minor}`];
  if (fix !== undefined) return v.patch < fix;
  const listed = Object.keys(fixes).map((line) => Number(line.split('.')[1]));
  return v.minor < Math.min(...listed);
}

export interface VersionAssessment {
  version: string;
  risks: RbacRisk[];
  /** When the version could not be read, nothing is claimed either way. */
  unknown: boolean;
}

export function assessEtcdVersion(version: string): VersionAssessment {
  const parsed = parse(version);
  if (!parsed) return { version, risks: [], unknown: true };
  return { version, risks: RISKS.filter((entry) => entry.applies(parsed)).map((entry) => entry.risk), unknown: false };
}

/** The one warning line `serve`, `doctor` and the console print. */
export function rbacWarning(assessment: VersionAssessment): string | null {
  if (assessment.risks.length === 0) return null;
  return `etcd ${assessment.version} has ${assessment.risks.length} known RBAC bypass${assessment.risks.length === 1 ? '' : 'es'}: a display's certificate can reach beyond its role (see docs/security.md; fixed in etcd 3.5.33 / 3.6.14)`;
}
