import { join } from 'node:path';

/** Where everything lives under a photoframe home folder; one place so no module invents a path. */
export function homePaths(home: string) {
  return {
    home,
    store: join(home, 'library.json'),
    photos: join(home, 'photos'),
    thumbnails: join(home, 'thumbnails'),
    renditions: join(home, 'renditions'),
    /** Photo lists too large for etcd, by SHA-256 (see imagesWire.ts); the image server serves them to their displays. */
    manifests: join(home, 'manifests'),
    /** Scratch space (HEIC decoding): under the home, not /tmp, so what a killed process leaves is found and removed by the next one. */
    tmp: join(home, 'tmp'),
    viewerConfig: join(home, 'viewer.json'),
    viewerState: join(home, 'viewer-state.json'),
    viewerCache: join(home, 'viewer-cache'),
    /** The manifest of the display's list when it has one, so it starts from it offline. */
    viewerManifests: join(home, 'viewer-manifests'),
    /** Caption facts (date taken, place) of the photos a viewer showed, so it captions them offline too. */
    viewerCaptions: join(home, 'viewer-captions.json'),
    serverToken: join(home, 'image-server.token'),
    etcdData: join(home, 'etcd'),
    /** The console SSH server's own key, made on first start (mode 0600). */
    sshHostKey: join(home, 'ssh_host_ed25519_key'),
    /** Public keys allowed to log in to the console over SSH, one per line as OpenSSH writes them. */
    authorizedKeys: join(home, 'authorized_keys'),
  };
}

export type HomePaths = ReturnType<typeof homePaths>;
