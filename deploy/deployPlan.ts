/**
 * What `make deploy` is asked to do, checked before anything is sent: which
 * Pis, and for each its display ID, etcd URL or enrollment bundle. Pure; the
 * caller reads the hosts file and checks the bundle's files exist.
 *
 *   make deploy PI="kitchen-pi hall-pi" ETCD=http://console:2379
 *   make deploy PI=kitchen-pi BUNDLE=enrollments/kitchen
 *   make deploy HOSTS=pis.txt        # lines: HOST [ID=..] [ETCD=..] [BUNDLE=..]
 */

export class DeployPlanError extends Error {
  override name = 'DeployPlanError';
}

export interface PiPlan {
  /** What ssh is given: host, user@host, or a Host of the ssh config. */
  host: string;
  id?: string;
  etcd?: string;
  /** A folder with ca.crt, display.crt, display.key and photoframe.env (issue 18's enrollment). */
  bundle?: string;
}

export interface DeployRequest {
  /** PI=, space-separated. */
  pis: string;
  /** HOSTS=, the file's text (empty when not given). */
  hostsText: string;
  id: string;
  etcd: string;
  bundle: string;
}

/** The files an enrollment bundle holds; the deploy installs them and nothing else. */
export const BUNDLE_FILES = ['ca.crt', 'display.crt', 'display.key', 'photoframe.env'] as const;

const PLAN_KEYS = new Set(['ID', 'ETCD', 'BUNDLE']);

export function planDeploy(request: DeployRequest): PiPlan[] {
  const plans: PiPlan[] = request.pis.split(/\s+/).filter(Boolean).map((host) => ({ host }));
  request.hostsText.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const [host, ...settings] = line.split(/\s+/);
    const plan: PiPlan = { host: host! };
    for (const setting of settings) {
      const at = setting.indexOf('=');
      const key = setting.slice(0, at);
      if (at < 1 || !PLAN_KEYS.has(key)) throw new DeployPlanError(`hosts file line ${index + 1}: "${setting}" is not ID=, ETCD= or BUNDLE=`);
      const value = setting.slice(at + 1);
      if (key === 'ID') plan.id = value;
      else if (key === 'ETCD') plan.etcd = value;
      else plan.bundle = value;
    }
    plans.push(plan);
  });
  if (plans.length === 0) {
    throw new DeployPlanError('no Pi given: make deploy PI="kitchen-pi hall-pi" ETCD=http://<console host>:2379 (or HOSTS=file, or BUNDLE=enrollment-folder)');
  }
  const hosts = new Set<string>();
  for (const plan of plans) {
    if (hosts.has(plan.host)) throw new DeployPlanError(`${plan.host} is listed twice`);
    hosts.add(plan.host);
  }
  // A display ID or an enrollment belongs to one display.
  if (plans.length > 1 && request.id) throw new DeployPlanError('ID= names one display: with several Pis give each its ID in a hosts file');
  if (plans.length > 1 && request.bundle) throw new DeployPlanError('BUNDLE= is one display\'s enrollment: with several Pis give each its BUNDLE= in a hosts file');
  return plans.map((plan) => {
    const full: PiPlan = { ...plan };
    if (full.id === undefined && request.id) full.id = request.id;
    if (full.etcd === undefined && request.etcd) full.etcd = request.etcd;
    if (full.bundle === undefined && request.bundle) full.bundle = request.bundle;
    if (full.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(full.id)) {
      throw new DeployPlanError(`${full.host}: display ID "${full.id}" may hold only letters, digits, ".", "_" and "-"`);
    }
    if (full.bundle === undefined) {
      if (full.etcd === undefined) throw new DeployPlanError(`${full.host}: give the etcd URL the Pi should use (ETCD=http://<console host>:2379) or its enrollment (BUNDLE=folder)`);
      if (!/^https?:\/\/[^\s'"\\$`]+$/.test(full.etcd)) throw new DeployPlanError(`${full.host}: ETCD "${full.etcd}" must be an http:// or https:// URL`);
    }
    return full;
  });
}

/** /etc/photoframe/viewer.env for a Pi: read by the unit (EnvironmentFile=), so systemd's KEY=value syntax, no quoting needed. */
export function viewerEnv(plan: PiPlan): string {
  const lines = ['# Written by make deploy (deploy/deployPis.ts); a new deploy replaces it.', 'PHOTOFRAME_HOME=/var/lib/photoframe', 'SDL_VIDEODRIVER=kmsdrm'];
  if (plan.bundle !== undefined) {
    // The viewer reads its ID, etcd endpoints, image server and certificates from the bundle (issue 18).
    lines.push('PHOTOFRAME_ENROLLMENT=/etc/photoframe/enrollment');
  } else {
    lines.push(`PHOTOFRAME_ETCD=${plan.etcd}`);
  }
  lines.push(`VIEWER_ARGS=${plan.id !== undefined ? `--id ${plan.id}` : ''}`);
  return `${lines.join('\n')}\n`;
}
