/**
 * `make deploy`: installs or updates the viewer on one or many Pis over SSH,
 * in parallel, and prints one line per Pi with its result and time.
 *
 * 1. Ask every Pi what it is (one ssh each): CPU, OS release, the dependency
 *    sets it has. Refuse, with one line, a Pi that cannot be reached or is not
 *    supported (piTargets.ts).
 * 2. Build here what the Pis need (piPackage.ts): the bundled viewer, and per
 *    CPU a dependency set with the SDL addon cross-compiled.
 * 3. Stream each Pi a tar of the installer, the release, the dependency set if
 *    it lacks it, its settings and enrollment, into one ssh that runs
 *    deploy/pi-install.sh as root there.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FILES, DeployPlanError, planDeploy, viewerEnv, type PiPlan } from './deployPlan.ts';
import { piDeps, piRelease, type Deps, type Release } from './piPackage.ts';
import { decideTarget, parsePiFacts, type PiTarget } from './piTargets.ts';

const CHECKOUT = fileURLToPath(new URL('..', import.meta.url));
const DEPLOY = join(CHECKOUT, 'deploy');

interface Outcome {
  host: string;
  ok: boolean;
  seconds: number;
  detail: string;
}

interface Probed {
  plan: PiPlan;
  target: PiTarget;
  depsOnPi: Set<string>;
  started: number;
}

const PROBE = [
  'echo machine=$(uname -m)',
  'echo dpkg_arch=$(dpkg --print-architecture 2>/dev/null)',
  'cat /etc/os-release 2>/dev/null',
  'for d in /opt/photoframe/deps/*/; do [ -d "$d" ] && echo "deps=$(basename "$d")"; done; true',
].join('; ');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      pi: { type: 'string', default: '' },
      hosts: { type: 'string', default: '' },
      id: { type: 'string', default: '' },
      etcd: { type: 'string', default: '' },
      bundle: { type: 'string', default: '' },
      'ssh-config': { type: 'string', default: '' },
      state: { type: 'string', default: join(CHECKOUT, '.state') },
    },
  });
  let plans: PiPlan[];
  try {
    const hostsText = values.hosts ? readFileSync(values.hosts, 'utf8') : '';
    plans = planDeploy({ pis: values.pi!, hostsText, id: values.id!, etcd: values.etcd!, bundle: values.bundle! });
    for (const plan of plans) if (plan.bundle !== undefined) plan.bundle = checkBundle(plan);
  } catch (error) {
    if (error instanceof DeployPlanError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`deploy: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  const ssh = sshArgs(values['ssh-config']!);
  const state = resolve(values.state!);
  const logs = join(state, 'deploy');
  mkdirSync(logs, { recursive: true });

  const outcomes: Outcome[] = [];
  const report = (outcome: Outcome) => {
    outcomes.push(outcome);
    const width = Math.max(...plans.map((p) => p.host.length));
    process.stdout.write(`${outcome.host.padEnd(width)}  ${outcome.ok ? 'ok    ' : 'FAILED'}  ${outcome.seconds.toFixed(1).padStart(5)} s  ${outcome.detail}\n`);
  };

  const probed = (
    await Promise.all(
      plans.map(async (plan): Promise<Probed | null> => {
        const started = performance.now();
        const result = await run('ssh', [...ssh, plan.host, PROBE]);
        const seconds = (performance.now() - started) / 1000;
        if (result.code !== 0) {
          report({ host: plan.host, ok: false, seconds, detail: `cannot reach: ${lastLine(result.stderr) || `ssh exited with ${result.code}`}` });
          return null;
        }
        const decision = decideTarget(parsePiFacts(result.stdout));
        if (!decision.ok) {
          report({ host: plan.host, ok: false, seconds, detail: decision.reason });
          return null;
        }
        const depsOnPi = new Set(result.stdout.split('\n').filter((l) => l.startsWith('deps=')).map((l) => l.slice(5)));
        return { plan, target: decision.target, depsOnPi, started };
      }),
    )
  ).filter((p): p is Probed => p !== null);

  if (probed.length > 0) {
    const buildStarted = performance.now();
    const say = (line: string) => process.stdout.write(`deploy: ${line}\n`);
    const arches = [...new Map(probed.map((pi) => [pi.target.arch.name, pi.target.arch])).values()];
    const releases = piRelease(state, arches, say);
    const depsByArch = new Map<string, Deps>();
    for (const arch of arches) depsByArch.set(arch.name, piDeps(arch, state, say));
    const built = [...releases].map(([arch, release]) => `${arch} ${kb(release.bytes)}`).join(', ');
    say(`release ${releases.values().next().value!.id} (${built}) built in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s`);
    await Promise.all(probed.map(async (pi) => report(await install(pi, releases.get(pi.target.arch.name)!, depsByArch.get(pi.target.arch.name)!, ssh, logs))));
  }
  const failed = outcomes.filter((o) => !o.ok).length;
  if (plans.length > 1) process.stdout.write(`deploy: ${plans.length - failed} of ${plans.length} Pis deployed\n`);
  return failed === 0 ? 0 : 1;
}

async function install(pi: Probed, release: Release, deps: Deps, ssh: string[], logs: string): Promise<Outcome> {
  const { plan } = pi;
  const stage = join(logs, `${safeName(plan.host)}.stage`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  for (const file of ['pi-install.sh', 'photoframe-viewer.service', 'photoframe-reboot.rules']) symlinkSync(join(DEPLOY, file), join(stage, file));
  symlinkSync(release.tarball, join(stage, 'release.tar'));
  const sendDeps = !pi.depsOnPi.has(deps.hash);
  if (sendDeps) symlinkSync(deps.tarball, join(stage, `deps-${deps.hash}.tar.gz`));
  writeFileSync(join(stage, 'viewer.env'), viewerEnv(plan));
  if (plan.bundle !== undefined) {
    mkdirSync(join(stage, 'enrollment'));
    for (const file of BUNDLE_FILES) symlinkSync(join(plan.bundle, file), join(stage, 'enrollment', file));
  }
  const packages = pi.target.runtimePackages.join(' ');
  // The login user unpacks into a temporary folder; root (sudo unless it is root) installs from it.
  const remote = [
    'set -e',
    'd=$(mktemp -d)',
    'trap \'rm -rf "$d"\' EXIT',
    'tar -C "$d" -xf -',
    'if [ "$(id -u)" = 0 ]; then s=; else s="sudo -n"; fi',
    `$s sh "$d/pi-install.sh" ${release.id} ${deps.hash} '${packages}'`,
  ].join('; ');
  const tar = spawn('tar', ['-C', stage, '-chf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const result = await run('ssh', [...ssh, plan.host, remote], tar.stdout);
  const log = join(logs, `${safeName(plan.host)}.log`);
  writeFileSync(log, `${result.stdout}${result.stderr}`);
  rmSync(stage, { recursive: true, force: true });
  const seconds = (performance.now() - pi.started) / 1000;
  if (result.code !== 0) {
    const reason = lastLine(result.stderr.split('\n').filter((l) => l.startsWith('pi: ')).join('\n')) || lastLine(result.stderr) || `exit ${result.code}`;
    return { host: plan.host, ok: false, seconds, detail: `${reason.replace(/^pi: /, '')} (log: ${log})` };
  }
  const state = /viewer=(.*)$/m.exec(result.stdout)?.[1] ?? '?';
  return {
    host: plan.host,
    ok: true,
    seconds,
    detail: `release ${release.id}, deps ${sendDeps ? `sent (${kb(deps.bytes)})` : 'unchanged'}, ${pi.target.arch.name}, viewer ${state}`,
  };
}

/** The bundle's folder, absolute, with every file the viewer needs, or a one-line reason. */
function checkBundle(plan: PiPlan): string {
  const dir = resolve(plan.bundle!);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DeployPlanError(`${plan.host}: BUNDLE ${dir} is not a folder`);
  const missing = BUNDLE_FILES.filter((file) => !existsSync(join(dir, file)));
  if (missing.length > 0) throw new DeployPlanError(`${plan.host}: the enrollment bundle ${dir} lacks ${missing.join(', ')}`);
  return dir;
}

function sshArgs(config: string): string[] {
  // BatchMode: never stop at a password prompt, fail with a reason instead.
  return [...(config ? ['-F', config] : []), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10'];
}

function run(command: string, args: string[], stdin?: NodeJS.ReadableStream | null): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (stdin) stdin.pipe(child.stdin!);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => done({ code: 127, stdout, stderr: `${stderr}${error.message}\n` }));
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

const lastLine = (text: string) => text.trim().split('\n').pop()?.trim() ?? '';
const kb = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`);
const safeName = (host: string) => host.replace(/[^A-Za-z0-9._-]/g, '_');

process.exitCode = await main();
