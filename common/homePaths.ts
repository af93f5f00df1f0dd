import { join } from 'node:path';

/** Where everything lives under a photoframe home folder; one place so no module invents a path. */
export function homePaths(home: string) {
  return {
    home,
    store: join(home, 'library.json'),
    photos: join(home, 'photos'),
    thumbnails: join(home, 'thumbnails'),
    renditions: join(home, 'renditions'),
    viewerConfig: join(home, 'viewer.json'),
    viewerState: join(home, 'viewer-state.json'),
    viewerCache: join(home, 'viewer-cache'),
    serverToken: join(home, 'image-server.token'),
    etcdData: join(home, 'etcd'),
  };
}

export type HomePaths = ReturnType<typeof homePaths>;
