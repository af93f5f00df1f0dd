import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CUT_MARK = '0x7066';

/**
 * Cuts one etcd member off from the others with the kernel's firewall
 * (iptables, root, on loopback), leaving every member's client port open:
 * a viewer attached to the cut-off member stays connected to it.
 *
 * Peer traffic flows both ways over connections either side dialed, so the
 * rules drop: everything to or from the member's peer port (the others'
 * connections to it), and both directions of the connections the member
 * itself dialed to the others' peer ports, found by the member running with
 * its own group id and marked in conntrack. The rules live in a chain of their own, removed on heal
 * and when this process exits.
 */
export interface Partition {
  heal(): Promise<void>;
}

export class FirewallUnavailableError extends Error {
  constructor(reason: string) {
    super(`cannot cut a member off: iptables is not usable here (${reason}); the partition test needs root and iptables (scripts/setup.sh installs it)`);
    this.name = 'FirewallUnavailableError';
  }
}

export async function networkPartition(options: { isolatedPeerPort: number; otherPeerPorts: number[]; isolatedGid: number }): Promise<Partition> {
  const chain = `PF-PARTITION-${process.pid}`.slice(0, 28);
  const iptables = async (...args: string[]) => {
    try {
      await run('iptables', ['-w', ...args]);
    } catch (error) {
      throw new FirewallUnavailableError(((error as { stderr?: string }).stderr || (error as Error).message).trim().split('\n')[0]!);
    }
  };
  const cleanup = async () => {
    await run('iptables', ['-w', '-D', 'OUTPUT', '-j', chain]).catch(() => {});
    await run('iptables', ['-w', '-F', chain]).catch(() => {});
    await run('iptables', ['-w', '-X', chain]).catch(() => {});
  };
  await cleanup();
  await iptables('-N', chain);
  const port = String(options.isolatedPeerPort);
  await iptables('-A', chain, '-p', 'tcp', '--dport', port, '-j', 'DROP');
  await iptables('-A', chain, '-p', 'tcp', '--sport', port, '-j', 'DROP');
  // The member's own connections: marked by their owner when it sends, then dropped both ways
  // (the others' packets on them too, or a leader would keep filling the member's receive window).
  await iptables(
    '-A', chain, '-p', 'tcp', '-m', 'owner', '--gid-owner', String(options.isolatedGid),
    '-m', 'multiport', '--dports', options.otherPeerPorts.join(','), '-j', 'CONNMARK', '--set-mark', CUT_MARK,
  );
  await iptables('-A', chain, '-p', 'tcp', '-m', 'connmark', '--mark', CUT_MARK, '-j', 'DROP');
  await iptables('-I', 'OUTPUT', '-j', chain);
  // A test that dies mid-partition must not leave the rules behind.
  const onExit = () => {
    for (const args of [['-D', 'OUTPUT', '-j', chain], ['-F', chain], ['-X', chain]]) {
      try {
        execFileSync('iptables', ['-w', ...args], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', onExit);
  return {
    heal: async () => {
      process.off('exit', onExit);
      await cleanup();
    },
  };
}
