import type { Command } from './command.ts';

export const DEFAULT_HTTP_PORT = 8470;

export const ALBUM_USAGE = [
  'photoframe album create NAME',
  'photoframe album rename NAME NEW_NAME',
  'photoframe album delete NAME',
  'photoframe album add NAME PHOTO... | --filter TEXT',
  'photoframe album remove NAME PHOTO...',
  'photoframe album show NAME',
  'photoframe album smart NAME --rule RULE [--rule RULE...]   (rules: keyword:W -keyword:W name:T orientation:portrait taken:2023-01-01..2023-12-31 year:2023 album:NAME)',
  'each takes --json',
].join('\n       ');


/** Every command, in the order `photoframe --help` lists them. */
export const COMMANDS: Command[] = [
  {
    name: 'import',
    summary: 'import photos from folders or files (recursively) into the library',
    usage:
      'photoframe import DIR... [--album NAME] [--in-place] [--max-file-size 512M] [--max-pixels 200] [--follow-links-outside] [--wait (until thumbnails, checks and renditions are done too)] [--json]',
    options: {
      album: { type: 'string' },
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
      'in-place': { type: 'boolean' },
      'max-file-size': { type: 'string' },
      'max-pixels': { type: 'string' },
      'follow-links-outside': { type: 'boolean' },
    },
    load: async () => (await import('./commands/importCommand.ts')).runImport,
  },
  {
    name: 'prepare',
    summary: "prepare imported photos now: full decode check, thumbnail, display renditions (import starts it; serve runs it itself)",
    usage: 'photoframe prepare [--wait (if another process is preparing, wait for it to finish)] [--json]',
    options: { wait: { type: 'boolean' }, json: { type: 'boolean' } },
    load: async () => (await import('./commands/prepareCommand.ts')).runPrepare,
  },
  {
    name: 'albums',
    summary: 'list the albums in the library',
    usage: 'photoframe albums [--json]',
    options: { json: { type: 'boolean' } },
    load: async () => (await import('./commands/albumsCommand.ts')).runAlbums,
  },
  {
    name: 'album',
    summary: 'create, rename, delete, fill and show albums; smart albums by rule',
    usage: ALBUM_USAGE,
    options: { json: { type: 'boolean' }, rule: { type: 'string', multiple: true }, filter: { type: 'string' } },
    load: async () => (await import('./commands/albumCommand.ts')).runAlbum,
  },
  {
    name: 'photos',
    summary: 'list the photos of the library or of an album, filtered by text; locate: name their places from GPS, offline',
    usage: ['photoframe photos [--album NAME] [--filter TEXT] [--json]', 'photoframe photos locate [--again]'].join('\n       '),
    options: { json: { type: 'boolean' }, album: { type: 'string' }, filter: { type: 'string' }, again: { type: 'boolean' } },
    load: async () => (await import('./commands/photosCommand.ts')).runPhotos,
  },
  {
    name: 'displays',
    summary: 'list the known displays and their ids',
    usage: 'photoframe displays [--json]',
    options: { json: { type: 'boolean' } },
    load: async () => (await import('./commands/displaysCommand.ts')).runDisplays,
  },
  {
    name: 'display',
    summary: 'change one display: set album and settings, rename, forget; enroll, renew and revoke its certificate',
    usage: [
      'photoframe display enroll NAME... [--out DIR] [--display-etcd URL[,URL...]] [--json (a line per display)]',
      'photoframe display renew <display> [--out DIR] [--json]',
      'photoframe display revoke <display> [--json]',
      'photoframe display set <display id or name> [album=<album>] [name=...] [interval_time=30] [interval_units=seconds] ...',
      'photoframe display show <display> [--json]   (its status and health: screen, schedule, temperature, throttling, disk, clock, last error)',
      'photoframe display rename <display> NEW_NAME [--json]',
      'photoframe display forget <display> [--json]',
      'photoframe display next|back|pause|resume|off|on|reboot|restart-screen|now <display or group> [--json]',
    ].join('\n       '),
    options: { json: { type: 'boolean' }, out: { type: 'string' }, 'display-etcd': { type: 'string' } },
    load: async () => (await import('./commands/displayCommand.ts')).runDisplay,
  },
  {
    name: 'group',
    summary: 'display groups: an album split across displays, no photo on two at once (framesets), or shown whole on each',
    usage: [
      'photoframe group create NAME',
      'photoframe group add NAME DISPLAY...',
      'photoframe group remove NAME DISPLAY...',
      'photoframe group delete NAME',
      'photoframe group set NAME [album=ALBUM] [mode=same|split] [setting=value...]   (split: the album divided among the members; same: each shows all of it; settings as for display set, on every member)',
      'photoframe group next|back NAME   (a `same` group: every display one photo on, or back, together)',
      'photoframe group show NAME',
      'each takes --json',
    ].join('\n       '),
    options: { json: { type: 'boolean' } },
    load: async () => (await import('./commands/groupCommand.ts')).runGroup,
  },
  {
    name: 'serve',
    summary: 'serve library photos to the displays over HTTPS (HTTP with a plain etcd) and publish the address in etcd (with --ssh-port, the console over SSH too)',
    usage: `photoframe serve [--http-port N (${DEFAULT_HTTP_PORT})] [--host ADDRESS (0.0.0.0)] [--public-url URL] [--legacy-viewers (unauthenticated: original viewers register and download) [--legacy-http-port N (HTTPS port + 1)]] [--ssh-port N [--authorized-keys FILE (<home>/authorized_keys)]]`,
    options: {
      'http-port': { type: 'string' },
      host: { type: 'string' },
      'public-url': { type: 'string' },
      'legacy-viewers': { type: 'boolean' },
      'legacy-http-port': { type: 'string' },
      'ssh-port': { type: 'string' },
      'authorized-keys': { type: 'string' },
    },
    load: async () => (await import('./commands/serveCommand.ts')).runServe,
  },
  {
    name: 'viewer',
    summary: 'run a display: watch its keys in etcd and show the photos fullscreen',
    usage: "photoframe viewer [--enrollment DIR (env PHOTOFRAME_ENROLLMENT)] [--id ID] [--windowed WxH] [--download-url URL (the original server's image folder)] [--reboot-command CMD (systemctl reboot)]",
    options: { id: { type: 'string' }, windowed: { type: 'string' }, 'download-url': { type: 'string' }, 'reboot-command': { type: 'string' }, enrollment: { type: 'string' } },
    load: async () => (await import('./commands/viewerCommand.ts')).runViewerCommand,
  },
  {
    name: 'console',
    summary: 'the terminal console: displays, albums, photos, groups and events, live from etcd and the library',
    usage: 'photoframe console',
    options: {},
    load: async () => (await import('./commands/consoleCommand.ts')).runConsole,
  },
  {
    name: 'etcd',
    summary: 'run a local etcd on loopback (--members 3: a cluster), with mutual TLS and auth (--plain: neither), data under the home folder',
    usage: 'photoframe etcd [--members N (1; 3 or 5 for a cluster)] [--client-port N (2379)] [--peer-port N (2380)] [--plain]',
    options: { 'client-port': { type: 'string' }, 'peer-port': { type: 'string' }, plain: { type: 'boolean' }, members: { type: 'string' } },
    load: async () => (await import('./commands/etcdCommand.ts')).runEtcd,
  },
  {
    name: 'pki',
    summary: "make the installation's certificate authority and the etcd, image server and console certificates",
    usage: 'photoframe pki init [--san HOST ...] [--force]',
    options: { san: { type: 'string', multiple: true }, force: { type: 'boolean' } },
    load: async () => (await import('./commands/pkiCommand.ts')).runPki,
  },
  {
    name: 'doctor',
    summary: 'check the connection to etcd, its TLS, and whether its version has known RBAC bypasses',
    usage: 'photoframe doctor [--json]',
    options: { json: { type: 'boolean' } },
    load: async () => (await import('./commands/doctorCommand.ts')).runDoctor,
  },
  {
    name: 'demo',
    summary: 'run everything locally: etcd, sample album, image server, a viewer, the console',
    usage: 'photoframe demo [--home DIR]',
    options: {},
    load: async () => (await import('./commands/demoCommand.ts')).runDemoCommand,
  },
];
