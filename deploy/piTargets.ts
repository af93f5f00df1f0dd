/**
 * Which Pis the deploy supports, decided from what the Pi says about itself
 * (`uname -m` and /etc/os-release), and what each needs built on the console
 * host. Pure: deployPis.ts asks the Pi and acts on the answer.
 */

/** A CPU the Pi package is built for: npm's name for sharp's prebuilt, the cross compiler, Debian's architecture. */
export interface PiArch {
  name: 'arm64' | 'armhf';
  /** npm's `--cpu` for sharp's prebuilt libvips. */
  npmCpu: 'arm64' | 'arm';
  /** node-gyp's `--arch`. */
  gypArch: 'arm64' | 'arm';
  /** The GNU triplet: the cross compiler's prefix and the multiarch library folder. */
  triplet: 'aarch64-linux-gnu' | 'arm-linux-gnueabihf';
}

export const PI_ARCHS: Record<PiArch['name'], PiArch> = {
  arm64: { name: 'arm64', npmCpu: 'arm64', gypArch: 'arm64', triplet: 'aarch64-linux-gnu' },
  armhf: { name: 'armhf', npmCpu: 'arm', gypArch: 'arm', triplet: 'arm-linux-gnueabihf' },
};

/** What the probe read on the Pi. */
export interface PiFacts {
  /** `uname -m` */
  machine: string;
  /** /etc/os-release ID (debian, raspbian) */
  osId: string;
  /** /etc/os-release VERSION_CODENAME */
  codename: string;
  /**
   * `dpkg --print-architecture`: a 64-bit kernel may run a 32-bit userland
   * (Raspberry Pi OS 32-bit on a Pi 4 reports aarch64), and the userland decides.
   */
  dpkgArch: string;
}

export interface PiTarget {
  arch: PiArch;
  /** The Debian packages the viewer needs at run time on this release. */
  runtimePackages: string[];
}

export type TargetDecision = { ok: true; target: PiTarget } | { ok: false; reason: string };

/**
 * Runtime packages on Raspberry Pi OS trixie: Node 20.19 and SDL 2.32 from its
 * own archive. polkitd lets the unprivileged viewer reboot through
 * `systemctl reboot` (deploy/photoframe-reboot.rules); libgl1-mesa-dri and
 * libegl1 are the GL drivers SDL's accelerated renderer loads at run time,
 * which libsdl2 does not depend on. v4l-utils brings cec-ctl, through which
 * a screen schedule puts the TV in standby over HDMI-CEC (/dev/cec*, group video).
 */
export const TRIXIE_PACKAGES = ['nodejs', 'libsdl2-2.0-0', 'libgl1-mesa-dri', 'libegl1', 'polkitd', 'v4l-utils'];

export function decideTarget(facts: PiFacts): TargetDecision {
  const arch = facts.dpkgArch === 'arm64' ? PI_ARCHS.arm64 : facts.dpkgArch === 'armhf' && facts.machine !== 'armv6l' ? PI_ARCHS.armhf : null;
  if (arch === null) {
    if (facts.machine === 'armv6l' || facts.dpkgArch === 'armhf') {
      return { ok: false, reason: `ARMv6 (${facts.machine}: Pi 1, Zero W) is not supported: sharp's linux-arm build needs ARMv7; use a Pi with a 64-bit CPU and 64-bit Raspberry Pi OS` };
    }
    return { ok: false, reason: `unsupported architecture ${facts.dpkgArch || '?'} (${facts.machine || '?'}): the viewer is built for arm64 and armhf Raspberry Pi OS` };
  }
  if (facts.osId !== 'debian' && facts.osId !== 'raspbian') {
    return { ok: false, reason: `unsupported OS "${facts.osId || '?'}": install Raspberry Pi OS (Debian) trixie` };
  }
  if (facts.codename === 'trixie') return { ok: true, target: { arch, runtimePackages: TRIXIE_PACKAGES } };
  if (facts.codename === 'bookworm') {
    return {
      ok: false,
      reason: 'Raspberry Pi OS bookworm ships Node 18 and sharp 0.35 needs Node 20.9 or newer: flash Raspberry Pi OS trixie (docs/raspberry-pi.md)',
    };
  }
  return { ok: false, reason: `unsupported release "${facts.codename || '?'}": the viewer is deployed to Raspberry Pi OS trixie` };
}

/** Reads the probe's output: `key=value` lines. */
export function parsePiFacts(text: string): PiFacts {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at).trim(), line.slice(at + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return {
    machine: values.get('machine') ?? '',
    osId: values.get('ID') ?? '',
    codename: values.get('VERSION_CODENAME') ?? '',
    dpkgArch: values.get('dpkg_arch') ?? '',
  };
}
