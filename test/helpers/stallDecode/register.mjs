// Preloaded with `node --import` into a viewer under test: its `sharp` becomes stalledSharp.mjs.
import { register } from 'node:module';

register(new URL('./hooks.mjs', import.meta.url));
