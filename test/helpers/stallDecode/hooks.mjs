// Module hooks: every import of `sharp` (the bundled viewer's included) gets the stalling wrapper, except the wrapper's own.
const WRAPPER = new URL('./stalledSharp.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'sharp' && context.parentURL !== WRAPPER) return { url: WRAPPER, shortCircuit: true };
  return next(specifier, context);
}
