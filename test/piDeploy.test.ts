import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DeployPlanError, planDeploy, viewerEnv, type DeployRequest } from '../deploy/deployPlan.ts';
import { decideTarget, parsePiFacts, type PiFacts } from '../deploy/piTargets.ts';
import { runtimeClosure, type Lockfile } from '../deploy/runtimeClosure.ts';
import { readServiceSection, unitCommand } from '../scripts/piCheck/unitCommand.ts';
import { readViewerUnit } from './helpers/deployedViewer.ts';

const file = (path: string) => readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), 'utf8');
const UNIT = file('deploy/photoframe-viewer.service');
const RULE = file('deploy/photoframe-reboot.rules');

// --- the unit: no root, hardened, and what the tests run is what it runs ---

test('the unit runs the viewer as the photoframe user, never root, with no way back to privileges', () => {
  const { values } = readServiceSection(UNIT);
  assert.equal(values.get('User'), ['photoframe']);
  assert.equal(values.get('Group'), ['photoframe']);
  assert.equal(values.get('NoNewPrivileges'), ['yes']);
  assert.equal(values.get('SupplementaryGroups')?.join(' ').split(/\s+/).sort(), ['input', 'render', 'video']);
  // No command of the unit runs with full privileges ("+" / "!" prefixes), and no capability is granted.
  for (const [key, lines] of values) {
    if (key.startsWith('Exec')) for (const line of lines) assert.not.match(line, /^[-@:]*[+!]/, `${key}=${line}`);
    assert.not.ok(['AmbientCapabilities', 'CapabilityBoundingSet', 'PermissionsStartOnly', 'DynamicUser'].includes(key), key);
  }
});

test('the unit is hardened where it costs nothing, and keeps /dev (KMS/DRM, CEC) and its state folder usable', () => {
  const { values } = readServiceSection(UNIT);
  assert.equal(values.get('ProtectSystem'), ['strict']);
  assert.equal(values.get('ProtectHome'), ['yes']);
  assert.equal(values.get('PrivateTmp'), ['yes']);
  assert.equal(values.get('StateDirectory'), ['photoframe']);
  // PrivateDevices would hide /dev/dri and /dev/cec0.
  assert.is(values.get('PrivateDevices'), undefined);
});

test('the unit and viewer.env make the command a Pi runs: the release under /opt/photoframe/current, the display ID expanded', () => {
  const env = viewerEnv({ host: 'kitchen-pi', id: 'kitchen', etcd: 'http://console:2379' });
  const command = unitCommand(UNIT, (path) => {
    assert.is(path, '/etc/photoframe/viewer.env');
    return env;
  });
  assert.is(command.workingDirectory, '/opt/photoframe/current');
  assert.equal(command.argv.slice(-4), ['/opt/photoframe/current/dist/photoframe.js', 'viewer', '--id', 'kitchen']);
  assert.is(command.argv[0], '/usr/bin/node');
  assert.is(command.env.PHOTOFRAME_ETCD, 'http://console:2379');
  assert.is(command.env.PHOTOFRAME_HOME, '/var/lib/photoframe');
  assert.is(command.env.MALLOC_ARENA_MAX, '1');
  // The tests' viewer runs the same Node flags (test/helpers/deployedViewer.ts reads them from this unit).
  assert.equal(readViewerUnit(UNIT).nodeFlags, command.argv.slice(1, -4));
});

test('without an ID the viewer keeps its own: VIEWER_ARGS expands to no words', () => {
  const command = unitCommand(UNIT, () => viewerEnv({ host: 'pi', etcd: 'http://console:2379' }));
  assert.equal(command.argv.slice(-2), ['/opt/photoframe/current/dist/photoframe.js', 'viewer']);
});

// --- reboot: one polkit rule, for one user, for reboot only ---

type PolkitResult = 'YES' | 'NOT_HANDLED';

function evaluateRule(actionId: string, user: string): PolkitResult | undefined {
  const rules: ((action: { id: string }, subject: { user: string }) => unknown)[] = [];
  const polkit = { Result: { YES: 'YES', NO: 'NO', NOT_HANDLED: 'NOT_HANDLED', AUTH_ADMIN: 'AUTH_ADMIN' }, addRule: (rule: (typeof rules)[number]) => rules.push(rule) };
  runInNewContext(RULE, { polkit });
  assert.is(rules.length, 1);
  return rules[0]!({ id: actionId }, { user }) as PolkitResult | undefined;
}

test('the polkit rule lets the photoframe user reboot, and nothing else', () => {
  assert.is(evaluateRule('org.freedesktop.login1.reboot', 'photoframe'), 'YES');
  assert.is(evaluateRule('org.freedesktop.login1.reboot-multiple-sessions', 'photoframe'), 'YES');
  for (const action of [
    'org.freedesktop.login1.reboot-ignore-inhibit',
    'org.freedesktop.login1.power-off',
    'org.freedesktop.systemd1.manage-units',
    'org.freedesktop.systemd1.manage-unit-files',
    'org.freedesktop.policykit.exec',
    'org.freedesktop.login1.set-reboot-to-firmware-setup',
  ]) {
    assert.is(evaluateRule(action, 'photoframe'), 'NOT_HANDLED', action);
  }
  assert.is(evaluateRule('org.freedesktop.login1.reboot', 'pi'), 'NOT_HANDLED');
  assert.is(evaluateRule('org.freedesktop.login1.reboot', 'root'), 'NOT_HANDLED');
});

test('the deploy writes no sudoers rule and gives the user no login shell', () => {
  const installer = file('deploy/pi-install.sh');
  assert.not.match(installer, /sudoers/);
  assert.match(installer, /useradd --system [^\n]*--shell \/usr\/sbin\/nologin/);
  // The viewer's reboot goes through polkit: systemctl, not sudo.
  assert.match(file('viewer/runViewer.ts'), /DEFAULT_REBOOT_COMMAND = 'systemctl reboot'/);
});

// --- which Pis, and which settings ---

const facts = (overrides: Partial<PiFacts>): PiFacts => ({ machine: 'aarch64', dpkgArch: 'arm64', osId: 'debian', codename: 'trixie', ...overrides });

test('a 64-bit Raspberry Pi OS trixie is deployed to; others are refused with a reason', () => {
  const ok = decideTarget(parsePiFacts('machine=aarch64\ndpkg_arch=arm64\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_CODENAME=trixie\n'));
  assert.ok(ok.ok && ok.target.arch.name === 'arm64' && ok.target.runtimePackages.includes('nodejs'));
  const armhf = decideTarget(facts({ machine: 'armv7l', dpkgArch: 'armhf', osId: 'raspbian' }));
  assert.ok(armhf.ok && armhf.target.arch.npmCpu === 'arm');
  const refusals: [Partial<PiFacts>, RegExp][] = [
    [{ codename: 'bookworm' }, /bookworm ships Node 18/],
    [{ machine: 'armv6l', dpkgArch: 'armhf', osId: 'raspbian' }, /ARMv6/],
    [{ machine: 'x86_64', dpkgArch: 'amd64' }, /unsupported architecture amd64/],
    [{ osId: 'ubuntu', codename: 'noble' }, /unsupported OS "ubuntu"/],
    [{ codename: 'bullseye' }, /unsupported release "bullseye"/],
  ];
  for (const [override, reason] of refusals) {
    const decision = decideTarget(facts(override));
    assert.ok(!decision.ok, JSON.stringify(override));
    if (!decision.ok) {
      assert.match(decision.reason, reason);
      assert.not.match(decision.reason, /\n/);
    }
  }
});

const request = (overrides: Partial<DeployRequest>): DeployRequest => ({ pis: '', hostsText: '', id: '', etcd: '', bundle: '', ...overrides });

test('several Pis from PI= and a hosts file, each with its own settings', () => {
  const plans = planDeploy(
    request({ pis: 'kitchen-pi  hall-pi', etcd: 'http://console:2379', hostsText: '# displays\nshop-pi ID=shop BUNDLE=enroll/shop\n\npi@10.0.0.9 ETCD=https://c:2379 # spare\n' }),
  );
  assert.equal(plans, [
    { host: 'kitchen-pi', etcd: 'http://console:2379' },
    { host: 'hall-pi', etcd: 'http://console:2379' },
    { host: 'shop-pi', id: 'shop', bundle: 'enroll/shop', etcd: 'http://console:2379' },
    { host: 'pi@10.0.0.9', etcd: 'https://c:2379' },
  ]);
});

test('a deploy that cannot be right is refused before anything is sent', () => {
  const refusals: [Partial<DeployRequest>, RegExp][] = [
    [{}, /no Pi given/],
    [{ pis: 'a' }, /give the etcd URL/],
    [{ pis: 'a', etcd: 'console:2379' }, /must be an http:\/\/ or https:\/\/ URL/],
    [{ pis: 'a b', etcd: 'http://c:2379', id: 'x' }, /ID= names one display/],
    [{ pis: 'a b', bundle: 'dir' }, /BUNDLE= is one display's enrollment/],
    [{ pis: 'a a', etcd: 'http://c:2379' }, /a is listed twice/],
    [{ pis: 'a', etcd: 'http://c:2379', id: 'x y;rm' }, /may hold only letters/],
    [{ hostsText: 'a PORT=22\n', etcd: 'http://c:2379' }, /hosts file line 1: "PORT=22"/],
  ];
  for (const [overrides, message] of refusals) {
    assert.throws(() => planDeploy(request(overrides)), (error: Error) => error instanceof DeployPlanError && message.test(error.message), JSON.stringify(overrides));
  }
});

test('viewer.env names the enrollment folder when a bundle is deployed, the etcd URL otherwise', () => {
  const enrolled = viewerEnv({ host: 'a', bundle: '/x/kitchen' });
  assert.match(enrolled, /^PHOTOFRAME_ENROLLMENT=\/etc\/photoframe\/enrollment$/m);
  assert.not.match(enrolled, /PHOTOFRAME_ETCD/);
  const plain = viewerEnv({ host: 'a', etcd: 'http://c:2379', id: 'hall' });
  assert.match(plain, /^PHOTOFRAME_ETCD=http:\/\/c:2379$/m);
  assert.match(plain, /^VIEWER_ARGS=--id hall$/m);
  assert.not.match(plain, /ENROLLMENT/);
});

// --- what the Pi gets from npm ---

test('the Pi runtime pins the versions the checkout is tested with', () => {
  const root = JSON.parse(file('package-lock.json')) as { packages: Record<string, { version: string }> };
  const runtime = JSON.parse(file('deploy/pi-runtime/package.json')) as { dependencies: Record<string, string> };
  assert.equal(Object.keys(runtime.dependencies).sort(), ['@kmamal/sdl', 'etcd3', 'sharp']);
  for (const [name, version] of Object.entries(runtime.dependencies)) assert.is(version, root.packages[`node_modules/${name}`]!.version, name);
});

test("the Pi's node_modules keeps what the viewer loads and drops what only installs the SDL addon", () => {
  const lock = JSON.parse(file('deploy/pi-runtime/package-lock.json')) as Lockfile;
  const keep = runtimeClosure(lock, ['etcd3', 'sharp', '@kmamal/sdl']);
  for (const needed of ['node_modules/etcd3', 'node_modules/@grpc/grpc-js', 'node_modules/sharp', 'node_modules/@img/sharp-linux-arm64', 'node_modules/@img/sharp-libvips-linux-arm64', 'node_modules/node-addon-api']) {
    assert.ok(keep.has(needed), needed);
  }
  for (const dropped of ['node_modules/node-gyp', 'node_modules/tar']) assert.not.ok(keep.has(dropped), dropped);
  // Without the install-only rule, node-gyp would be kept: the rule is what drops it.
  assert.ok(runtimeClosure(lock, ['@kmamal/sdl'], {}).has('node_modules/node-gyp'));
});

test.run();
