#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader: one code path for
// the checkout and the tests, with no build step to forget. A Pi runs the same
// code bundled (dist/photoframe.js, see scripts/buildDist.ts): tsx's loader
// thread alone costs ~30 MB, which a 512 MB Pi Zero 2 W should not pay.
import { register } from 'tsx/esm/api';

register();
await import('../console/cli/runCli.ts');
